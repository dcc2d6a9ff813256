#!/usr/bin/env python3
"""What of GEOPM 3.1's public C and C++ API the embedded runtime lacks.

A maintainer tool: it reads an installed GEOPM 3.1 (its ``include/`` and the
dynamic symbols its ``libgeopmd.so`` and ``libgeopm.so`` export) and this
package's runtime (``geopm_bridge.get_include()``, ``libgeopmbridge.so`` and
``libgeopmprof.so`` in ``get_library_dir()``), and prints, header by header:

* the headers GEOPM installs that we do not;
* the symbols GEOPM exports for a header's declarations that our libraries
  do not define (a program or plugin using them would fail to link or load);
* the names a header declares (macros, enum constants, classes, functions and
  methods) that our header of the same name never mentions.

Only what GEOPM's installed headers declare counts: libgeopmd.so exports many
internal classes (MSRIOGroup, BatchServer, ...) that no public header names.
Inline and template code (weak symbols) is the including program's own, so
only GEOPM's strong definitions are required of us. The name check reads the
headers with regular expressions: it is a guide, not a parser.

Usage::

    python tests/api_coverage.py                  # every header, GEOPM under GEOPM_ROOT
    python tests/api_coverage.py --check all      # exit 1 if any header lacks anything
    python tests/api_coverage.py --check libgeopmd  # the same for libgeopmd's headers
    python tests/api_coverage.py --geopm /opt/geopm --include DIR --lib-dir DIR

tests/test_api_coverage.py runs it in the suite. ALLOWED lists what is left
out on purpose, each entry with its reason.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Where a GEOPM 3.1 install is looked for when GEOPM_ROOT is not set.
DEFAULT_GEOPM_ROOTS = ("/tmp/geopm-install", "/usr/local", "/usr")

# GEOPM 3.1's headers, by the library that exports their symbols (or that
# they belong to, for those declaring only inline code). The embedded runtime
# provides every one in full (declarations and exported symbols) but for
# ALLOWED: the suite asserts nothing else is missing from any header GEOPM
# installs (--check all). A header a GEOPM build installs that is not here
# (GEOPM's endpoint and daemon headers, where installed) is still checked
# by --check all.
LIBGEOPMD_HEADERS = (
    "geopm/Agg.hpp",
    "geopm/CircularBuffer.hpp",
    "geopm/Cpuid.hpp",
    "geopm/Exception.hpp",
    "geopm/Helper.hpp",
    "geopm/IOGroup.hpp",
    "geopm/PlatformIO.hpp",
    "geopm/PlatformTopo.hpp",
    "geopm/PluginFactory.hpp",
    "geopm/SaveControl.hpp",
    "geopm/ServiceProxy.hpp",
    "geopm/SharedMemory.hpp",
    "geopm/SharedMemoryScopedLock.hpp",
    "geopm/json11.hpp",
    "geopm_debug.hpp",
    "geopm_error.h",
    "geopm_field.h",
    "geopm_hash.h",
    "geopm_hint.h",
    "geopm_pio.h",
    "geopm_plugin.hpp",
    "geopm_public.h",
    "geopm_sched.h",
    "geopm_shmem.h",
    "geopm_time.h",
    "geopm_topo.h",
    "geopm_version.h",
)
LIBGEOPM_HEADERS = (
    "geopm/Agent.hpp",
    "geopm/Environment.hpp",
    "geopm/FrequencyGovernor.hpp",
    "geopm/ModelRegion.hpp",
    "geopm/PlatformIOProf.hpp",
    "geopm/PowerBalancer.hpp",
    "geopm/PowerGovernor.hpp",
    "geopm/Profile.hpp",
    "geopm/SampleAggregator.hpp",
    "geopm/Waiter.hpp",
    "geopm_agent.h",
    "geopm_imbalancer.h",
    "geopm_prof.h",
)

# Header sets --check accepts by name; "all" is every header GEOPM installs.
HEADER_SETS: dict[str, tuple[str, ...] | None] = {
    "libgeopmd": LIBGEOPMD_HEADERS,
    "libgeopm": LIBGEOPM_HEADERS,
    "all": None,
}

# Left out on purpose: header -> {item: why}. An item is a symbol as nm -C
# prints it, a class or function ("geopm::X": every symbol of it), or a
# name as the bare identifier.
_SERVICE_ONLY = "GEOPM's D-Bus client of the geopm service, not part of the embedded runtime"
ALLOWED: dict[str, dict[str, str]] = {
    "geopm/ServiceProxy.hpp": {
        "geopm::ServiceProxyImp": _SERVICE_ONLY,
        "ServiceProxyImp": _SERVICE_ONLY,
        "read_string_array": "a private method of ServiceProxyImp",
        # A class without a key function: a program that derives from it
        # emits its own typeinfo; no class of ours derives from it.
        "typeinfo for geopm::ServiceProxy": "nothing in the runtime derives from it",
        "typeinfo name for geopm::ServiceProxy": "nothing in the runtime derives from it",
    },
    "geopm/json11.hpp": {
        # json11's stand-in for MSVC before 2015, defined only under
        # _MSC_VER: the runtime, like GEOPM, builds on Linux only.
        "snprintf": "an MSVC-only macro of json11; the runtime builds on Linux only",
    },
}


def allowed_reason(header: str, item: str) -> str | None:
    """Why item may be missing from header (None: it may not)."""
    reasons = ALLOWED.get(header, {})
    if item in reasons:
        return reasons[item]
    owner = symbol_owner(item)
    return reasons.get(owner) if owner else None


# Symbol types nm prints for strong definitions: code, data, read-only
# data, BSS, unique globals, indirect functions.
_STRONG_TYPES = set("TDBRGSui")
# Prefixes nm -C puts before a name that is not a function or variable.
_SPECIAL_PREFIXES = (
    "typeinfo name for ",
    "typeinfo for ",
    "vtable for ",
    "VTT for ",
    "construction vtable for ",
    "guard variable for ",
    "non-virtual thunk to ",
    "virtual thunk to ",
    "covariant return thunk to ",
    "reference temporary #0 for ",
)
_CXX_WORDS = frozenset(
    """alignas alignof and asm auto bool break case catch char class const constexpr
    const_cast continue decltype default delete do double dynamic_cast else enum explicit
    extern false float for friend goto if inline int long mutable namespace new noexcept
    not nullptr operator or private protected public register reinterpret_cast return
    short signed sizeof static static_assert static_cast struct switch template this
    throw true try typedef typeid typename union unsigned using virtual void volatile
    while final override defined size_t uint64_t uint32_t int64_t int32_t std string
    vector map set function shared_ptr unique_ptr pair __attribute__ snprintf""".split()
)


@dataclass(frozen=True)
class Side:
    """One implementation: its header directory and the libraries it exports from."""

    include_dir: Path
    libraries: tuple[Path, ...]


@dataclass
class HeaderReport:
    """What one GEOPM header declares that our side lacks."""

    header: str
    library: str = ""  # the GEOPM library exporting its symbols ("" if none)
    present: bool = True
    symbols: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)  # missing, but in ALLOWED

    @property
    def complete(self) -> bool:
        return self.present and not self.symbols and not self.names


# ------------------------------------------------------------------ finding


def find_geopm(root: str | None = None) -> Side | None:
    """GEOPM 3.1 under root, else GEOPM_ROOT, else DEFAULT_GEOPM_ROOTS; None if absent."""
    if root:
        candidates: Sequence[str] = (root,)
    elif os.environ.get("GEOPM_ROOT"):
        candidates = (os.environ["GEOPM_ROOT"],)
    else:
        candidates = DEFAULT_GEOPM_ROOTS
    for candidate in candidates:
        prefix = Path(candidate)
        include_dir = prefix / "include"
        if not (include_dir / "geopm_pio.h").is_file():
            continue
        for lib_dir in (prefix / "lib", prefix / "lib64"):
            libgeopmd = lib_dir / "libgeopmd.so"
            if libgeopmd.exists():
                libs = [libgeopmd]
                if (lib_dir / "libgeopm.so").exists():
                    libs.append(lib_dir / "libgeopm.so")
                return Side(include_dir, tuple(libs))
    return None


def find_ours(include_dir: str | None = None, lib_dir: str | None = None) -> Side:
    """The embedded runtime: the given directories, else the installed package's."""
    if include_dir is None or lib_dir is None:
        import geopm_bridge

        if geopm_bridge.BACKEND != "embedded":
            raise SystemExit("api_coverage: geopm_bridge is built on the native backend")
        include_dir = include_dir or geopm_bridge.get_include()
        lib_dir = lib_dir or geopm_bridge.get_library_dir()
    libs = tuple(Path(lib_dir) / name for name in ("libgeopmbridge.so", "libgeopmprof.so"))
    for lib in libs:
        if not lib.is_file():
            raise SystemExit(f"api_coverage: {lib} not found")
    return Side(Path(include_dir), libs)


# ------------------------------------------------------------------ reading


def list_headers(include_dir: Path) -> list[str]:
    """Header paths relative to include_dir (geopm-bridge's own geopm_bridge/ left out)."""
    found = []
    for path in include_dir.rglob("*"):
        if path.suffix in (".h", ".hpp") and path.is_file():
            relative = path.relative_to(include_dir).as_posix()
            if not relative.startswith("geopm_bridge/"):
                found.append(relative)
    return sorted(found)


def exported_symbols(library: Path) -> dict[str, str]:
    """Demangled name -> nm type letter of each dynamic symbol library defines."""
    done = subprocess.run(
        ["nm", "-D", "--defined-only", "-C", str(library)],
        capture_output=True,
        text=True,
        check=True,
    )
    symbols = {}
    for line in done.stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            symbols[parts[2]] = parts[1]
    return symbols


def strip_comments(text: str) -> str:
    """The C/C++ text without comments, string and character literals."""
    pattern = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S)

    def keep_lines(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("/*"):
            return "\n" * token.count("\n")
        return '""' if token.startswith('"') else ("''" if token.startswith("'") else "")

    return pattern.sub(keep_lines, text)


def _split_top(text: str, separator: str) -> list[str]:
    """text split at separator outside <> and () nesting."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(text):
        char = text[index]
        if char in "<(":
            depth += 1
        elif char in ">)":
            depth -= 1
        elif depth == 0 and text.startswith(separator, index):
            parts.append(text[start:index])
            index += len(separator)
            start = index
            continue
        index += 1
    parts.append(text[start:])
    return parts


def symbol_owner(symbol: str) -> str | None:
    """The public name a symbol belongs to: ``geopm_pio_read_signal`` for a C
    function, ``geopm::Agg`` for a member of class Agg or ``geopm::string_split``
    for a free function; None outside the geopm and json11 namespaces."""
    for prefix in _SPECIAL_PREFIXES:
        if symbol.startswith(prefix):
            symbol = symbol[len(prefix) :]
            break
    if re.fullmatch(r"geopm_\w+", symbol):
        return symbol
    # A function template's return type comes first: "void geopm::f<int>(...)".
    head = _split_top(symbol, "(")[0] if "(" in symbol else symbol
    head = _split_top(head, " ")[-1]
    parts = _split_top(head, "::")
    if len(parts) < 2 or parts[0] not in ("geopm", "json11"):
        return None
    name = re.sub(r"<.*|\[abi:\w+\]", "", parts[1])
    return f"{parts[0]}::{name}"


@dataclass
class HeaderDecls:
    """The public names one header declares."""

    owners: set[str]  # symbol owners (see symbol_owner) the header declares
    names: set[str]  # identifiers it declares, for the name check


_CLASS_RE = re.compile(r"\b(?:class|struct)\s+(?:GEOPM_PUBLIC\s+)?(\w+)\s*(?:final\s*)?[:{]")
_ENUM_RE = re.compile(r"\benum\s*(?:class\s+)?(\w*)\s*(?::\s*\w+\s*)?\{([^}]*)\}")
_DEFINE_RE = re.compile(r"^\s*#\s*define\s+(\w+)", re.M)
_FUNCTION_RE = re.compile(r"(?:^|[\w>\*&~]\s+|[\s\*&])[\*&]*(~?\w+)\s*\(")
_TYPEDEF_RE = re.compile(r"\btypedef\b[^;]*?\b(\w+)\s*;")
_USING_RE = re.compile(r"\busing\s+(\w+)\s*=")
_QUALIFIED_RE = re.compile(r"\b(geopm|json11)::(\w+)")
_CONSTANT_RE = re.compile(r"\b(?:constexpr|static\s+const)\b[^;(){}=]*?\b(\w+)\s*(?:=|;|\[|\{)")


def read_declarations(text: str) -> HeaderDecls:
    """The names a header declares (regular expressions over the text without comments)."""
    code = strip_comments(text)
    namespace = "json11" if re.search(r"\bnamespace\s+json11\b", code) else "geopm"
    names: set[str] = set()
    owners: set[str] = set()
    for match in _CLASS_RE.finditer(code):
        names.add(match.group(1))
        owners.add(f"{namespace}::{match.group(1)}")
    for match in _ENUM_RE.finditer(code):
        if match.group(1):
            names.add(match.group(1))
        for item in match.group(2).split(","):
            constant = re.match(r"\s*(\w+)", item)
            if constant:
                names.add(constant.group(1))
    for match in _DEFINE_RE.finditer(code):
        if not match.group(1).endswith("_INCLUDE"):
            names.add(match.group(1))
    for regex in (_TYPEDEF_RE, _USING_RE, _CONSTANT_RE):
        names.update(match.group(1) for match in regex.finditer(code))
    for line in code.splitlines():
        stripped = line.strip()
        if stripped.startswith(("return ", "throw ", "#", "else ")):
            continue
        for match in _FUNCTION_RE.finditer(line):
            word = match.group(1).lstrip("~")
            if word in _CXX_WORDS or word.isupper() and not word.startswith("GEOPM"):
                continue
            names.add(word)
            owners.add(word if word.startswith("geopm_") else f"{namespace}::{word}")
    return HeaderDecls(owners, names)


def words(text: str) -> set[str]:
    """Every identifier in a header's text without comments."""
    return set(re.findall(r"\b[A-Za-z_]\w*\b", strip_comments(text)))


# ------------------------------------------------------------------ comparing


def compare(geopm: Side, ours: Side, headers: Iterable[str] | None = None) -> list[HeaderReport]:
    """One report per GEOPM header (those listed in headers, or all)."""
    geopm_headers = list_headers(geopm.include_dir)
    our_headers = set(list_headers(ours.include_dir))
    decls = {h: read_declarations((geopm.include_dir / h).read_text()) for h in geopm_headers}
    # Each owner belongs to the first header that declares it, C headers and
    # the geopm/ headers of a class before the ones that only mention it.
    owner_header: dict[str, str] = {}
    for header in geopm_headers:
        for owner in sorted(decls[header].owners):
            stem = Path(header).stem
            if owner.endswith(f"::{stem}") or owner not in owner_header:
                owner_header[owner] = header
    our_symbols: set[str] = set()
    for lib in ours.libraries:
        our_symbols.update(exported_symbols(lib))
    required: dict[str, list[tuple[str, str]]] = {h: [] for h in geopm_headers}
    for lib in geopm.libraries:
        library = lib.name.split(".so")[0]
        for symbol, kind in exported_symbols(lib).items():
            symbol_of = symbol_owner(symbol)
            # A symbol naming a type no public header declares (a template
            # instantiated for an internal class) is out of a user's reach.
            named = {f"{ns}::{name}" for ns, name in _QUALIFIED_RE.findall(symbol)}
            if kind in _STRONG_TYPES and symbol_of in owner_header and named <= owner_header.keys():
                required[owner_header[symbol_of]].append((symbol, library))
    wanted = list(headers) if headers is not None else geopm_headers
    reports = []
    for header in wanted:
        if header not in decls:
            raise SystemExit(f"api_coverage: {header} is not a GEOPM header")
        report = HeaderReport(header, present=header in our_headers)
        report.library = ",".join(sorted({library for _, library in required[header]}))
        mentioned = words((ours.include_dir / header).read_text()) if report.present else set()
        missing_symbols = sorted(s for s, _ in required[header] if s not in our_symbols)
        missing_names = sorted(n for n in decls[header].names if n not in mentioned)
        for item in missing_symbols + missing_names:
            if allowed_reason(header, item) is not None:
                report.allowed.append(item)
        report.symbols = [s for s in missing_symbols if s not in report.allowed]
        report.names = [n for n in missing_names if n not in report.allowed]
        reports.append(report)
    return reports


def format_reports(
    reports: Sequence[HeaderReport], verbose: bool = True, show_allowed: bool = False
) -> str:
    """A summary line per header, then (verbose) what each lacks and (show_allowed)
    what it lacks on purpose."""
    lines = [f"{'header':36} {'library':16} status"]
    for report in reports:
        if not report.present:
            status = "missing header"
        elif report.complete:
            status = "complete"
        else:
            status = f"{len(report.symbols)} symbols, {len(report.names)} names missing"
        if report.allowed:
            status += f" ({len(report.allowed)} left out on purpose)"
        lines.append(f"{report.header:36} {report.library or '-':16} {status}")
    if verbose:
        for report in reports:
            if report.complete and not (show_allowed and report.allowed):
                continue
            lines.append("")
            lines.append(f"{report.header}:" + ("" if report.present else " (no such header)"))
            lines.extend(f"  symbol  {symbol}" for symbol in report.symbols)
            lines.extend(f"  name    {name}" for name in report.names)
            if show_allowed:
                lines.extend(
                    f"  allowed {item}: {allowed_reason(report.header, item)}"
                    for item in report.allowed
                )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--geopm", help="GEOPM 3.1's install prefix (default: GEOPM_ROOT)")
    parser.add_argument("--include", help="our header directory (default: get_include())")
    parser.add_argument("--lib-dir", help="our library directory (default: get_library_dir())")
    parser.add_argument(
        "--check",
        metavar="SET",
        choices=sorted(HEADER_SETS),
        help="only the headers of SET; exit 1 if any lacks something",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="the summary only")
    parser.add_argument(
        "--allowed", action="store_true", help="also list what ALLOWED leaves out, with why"
    )
    args = parser.parse_args(argv)
    geopm = find_geopm(args.geopm)
    if geopm is None:
        where = args.geopm or os.environ.get("GEOPM_ROOT") or ", ".join(DEFAULT_GEOPM_ROOTS)
        print(f"api_coverage: no GEOPM 3.1 install found under {where}", file=sys.stderr)
        return 2
    ours = find_ours(args.include, args.lib_dir)
    reports = compare(geopm, ours, HEADER_SETS[args.check] if args.check else None)
    print(f"GEOPM: {geopm.include_dir.parent}")
    print(f"ours:  {ours.include_dir}, {ours.libraries[0].parent}")
    print(format_reports(reports, verbose=not args.quiet, show_allowed=args.allowed))
    return 1 if args.check and not all(r.complete for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
