"""The fault tests share the suite's helpers (tests/cpp_build.py, tests/jobs.py)."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
