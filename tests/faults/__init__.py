"""Fault tests: bad inputs and hostile files (a package, so that their module names
cannot clash with the suite's top-level test modules)."""
