"""geopm/json11.hpp: the JSON type GEOPM 3.1 installs and exports from libgeopmd.

A user's program (tests/cpp/json11_program.cpp), built with the README's g++
line against ``get_include()`` and ``-lgeopmd``, builds, dumps, compares and
parses values; its output is checked line by line against json11's. An
agent plugin (tests/plugins/JsonConfigAgent.cpp) reads its settings with
json11 as GEOPM's plugins do, and runs under ``geopm-bridge launch``.

Where GEOPM 3.1 is installed (GEOPM_ROOT, /usr/local or /tmp/geopm-install),
the same program is also built against GEOPM's own json11 and must print the
same, and every json11 symbol GEOPM's libgeopmd exports must be exported by
ours too.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from cpp_build import (
    PLUGINS,
    TESTS,
    Runtime,
    clean_env,
    compile_plugin,
    compile_program,
    require_cli,
    runtime,
)

PROGRAM_SOURCE = TESTS / "cpp" / "json11_program.cpp"
AGENT_FILE = "libgeopmagent_json_config.so.2.1.0"


def _geopm_root() -> Path | None:
    """An installed GEOPM 3.1 with json11: GEOPM_ROOT, else the usual places."""
    if os.environ.get("GEOPM_ROOT"):
        candidates = [Path(os.environ["GEOPM_ROOT"])]
    else:
        candidates = [Path("/usr/local"), Path("/tmp/geopm-install")]
    for root in candidates:
        if (root / "include" / "geopm" / "json11.hpp").is_file() and (
            root / "lib" / "libgeopmd.so"
        ).exists():
            return root
    return None


GEOPM_ROOT = _geopm_root()
needs_geopm = pytest.mark.skipif(
    GEOPM_ROOT is None,
    reason="no installed GEOPM 3.1 to compare with (set GEOPM_ROOT to its prefix)",
)


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The program, built against the runtime as a user builds it."""
    return compile_program(PROGRAM_SOURCE, tmp_path_factory.mktemp("json11") / "json11_program")


def run_program(binary: Path, mode: str, cases: bytes = b"") -> str:
    result = subprocess.run(
        [str(binary), mode], input=cases, capture_output=True, env=clean_env(), timeout=60
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return result.stdout.decode()


def encode_cases(cases: list[tuple[str, bytes]]) -> bytes:
    """The program's input for ``parse``: "<mode> <size>\\n" and the text of each case."""
    return b"".join(f"{mode} {len(text)}\n".encode() + text for mode, text in cases)


# ------------------------------------------------------------------ a user's program

# What the tour prints, json11's output exactly (checked against GEOPM's own
# json11 by test_same_results_as_geopm_json11 where GEOPM is installed).
TOUR = r"""default: null null
nullptr: null null
double: number 3.5
int: number 7
bool: bool true
string: string "copied"
string&&: string "moved"
char*: string "chars"
array: array [1, "two"]
array&&: array [null, 2.5]
object: object {"k": false}
object&&: object {"a": [], "z": 1}
map<string,int>: object {"a": 1, "b": 2}
unordered_map: object {"only": "one"}
vector<int>: array [3, 1, 2]
list<string>: array ["x", "y"]
set<double>: array [-1, 2.5]
to_json: array [4, 5]
vector<Point>: array [[1, 2], [3, 4]]
nested: object {"empty": "", "list": [{}, []]}
double: number 0.10000000000000001
double: number 1
double: number -0
double: number 0.33333333333333331
double: number 1e+21
double: number 9.9999999999999995e-08
double: number 123456789
double: number 9007199254740992
double: number 4.9406564584124654e-324
double: number 1.7976931348623157e+308
double: number null
double: number null
double: number null
int max: number 2147483647
int min: number -2147483648
int_value 3.99: 3
int_value -3.99: -3
number_value 7: 7
escapes: string "q\" b\\ /\b\f\n\r\t"
control: string "\u0001\u001f\x7f\u0000end"
utf-8: string "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"
separators: string "a\u2028b\u2029c"
cut separator: string "\xe2\x80"
key order: object {"": 4, "B": 3, "a": 2, "a\xc3\xa9": 5, "b": 1}
doc[a][1]: number 20
doc[a][2]: null null
doc[missing]: null null
doc[0]: null null
text[k]: null null
number of string: 0
int of bool: 0
bool of number: false
bool of true: true
string of number: []
items of object: 0
members of array: 0
members: 4
is_null: true
is_number: true
is_bool: true
is_string: true
is_array: true
is_object: true
1 == 1.0: true
1.0 == 1: true
1 < 1.5: true
1.5 < 2: true
nan == nan: false
nan == itself: true
nan copy == nan: true
null == null: true
null < null: false
null < 0: true
99 < false: true
false < true: true
true < "": true
"b" < "a": false
"z" < []: true
[] < {}: true
[1,2] < [1,3]: true
[1,2] < [1]: false
[1] < [1,2]: true
[1] == [1.0]: true
{a:1} == {a:1.0}: true
{a:1} < {a:2}: true
{a:9} < {b:0}: true
{b:0} < {a:9}: false
1 != 2: true
1 <= 1: true
2 <= 1: false
2 > 1: true
1 >= 2: false
"1" == 1: false
shape ok: true
err: untouched
missing as null: true
wrong type: false
err: bad type for size in {"name": "x", "size": 3}
missing: false
err: bad type for other in {"name": "x", "size": 3}
not object: false
err: expected JSON object, got [1]
parsed: object {"a": "\xc3\xa9", "b": [1, 2.5, 0, 100, true, null]}
err after success: untouched
round trip: true
failed: null null
err: expected value, got '}' (125)
char* input: array ["c"]
null char*: null null
err: null input
comments: array [1, 2]
no comments: null null
err: expected value, got '/' (47)
multi: 5 values, stop 23, err parse error: expected null, got nul
  item: number 1
  item: array [2]
  item: object {"x": 3}
  item: string "four"
  item: null null
multi (no stop): 2 values, err []
"""


def test_build_dump_compare_and_parse(program: Path) -> None:
    # Every constructor (the templated ones from std containers and a type
    # with to_json()), json11's number and string formats, sorted object
    # keys, neutral values from accessors of the wrong kind, equality and
    # ordering across kinds, has_shape() and its messages, parse() leaving
    # err alone on success, comments, parse_multi().
    assert run_program(program, "tour").splitlines() == TOUR.splitlines()


# (mode, text, the program's line): json11's results and error messages.
PARSE_CASES: list[tuple[str, bytes, str]] = [
    (
        "standard",
        b'{"b": [1, 2.5, -0.0, 1e2, true, false, null], "a": "x", "a": "y"}',
        'ok object {"a": "y", "b": [1, 2.5, -0, 100, true, false, null]}',
    ),
    ("standard", b" \t\r\n 42 \n", "ok number 42"),
    ("standard", b"123456789", "ok number 123456789"),
    ("standard", b"-12345678", "ok number -12345678"),
    ("standard", b"1234567890", "ok number 1234567890"),
    ("standard", b"12345678901234567890", "ok number 1.2345678901234567e+19"),
    ("standard", b"0.1", "ok number 0.10000000000000001"),
    ("standard", b"-0", "ok number 0"),
    ("standard", b"1E+2", "ok number 100"),
    ("standard", b"1e400", "ok number null"),
    ("standard", b"-1e-400", "ok number -0"),
    (
        "standard",
        b'"\\u00e9\\u20AC\\ud83d\\ude00"',
        r'ok string "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"',
    ),
    # Lone surrogates come out as their three bytes.
    ("standard", b'"\\ud800x\\udc00"', r'ok string "\xed\xa0\x80x\xed\xb0\x80"'),
    ("standard", b'"\\/\\b\\f\\n\\r\\t\\"\\\\"', r'ok string "/\b\f\n\r\t\"\\"'),
    ("standard", b'"\xc3\xa9\x7f"', r'ok string "\xc3\xa9\x7f"'),
    ("standard", b'"\\u2028"', r'ok string "\u2028"'),
    ("standard", b'"tab\there"', "error unescaped (9) in string -> null"),
    ("standard", b"", "error unexpected end of input -> null"),
    ("standard", b"[1, 2", "error unexpected end of input -> null"),
    ("standard", b"[1 2]", "error expected ',' in list, got '2' (50) -> null"),
    ("standard", b"[1,]", "error expected value, got ']' (93) -> null"),
    ("standard", b'{"a" 1}', "error expected ':' in object, got '1' (49) -> null"),
    ("standard", b'{"a": 1,}', "error expected '\"' in object, got '}' (125) -> null"),
    ("standard", b"{a: 1}", "error expected '\"' in object, got 'a' (97) -> null"),
    ("standard", b'{"a": 1 "b": 2}', "error expected ',' in object, got '\"' (34) -> null"),
    ("standard", b'"open', "error unexpected end of input in string -> null"),
    ("standard", b'"\\', "error unexpected end of input in string -> null"),
    ("standard", b'"\\x"', "error invalid escape character 'x' (120) -> null"),
    ("standard", b'"\\u12"', r'error bad \u escape: 12" -> null'),
    ("standard", b'"\\u12G4"', r"error bad \u escape: 12G4 -> null"),
    ("standard", b"tru", "error parse error: expected true, got tru -> null"),
    ("standard", b"nulL", "error parse error: expected null, got nulL -> null"),
    ("standard", b"fals", "error parse error: expected false, got fals -> null"),
    ("standard", b"01", "error leading 0s not permitted in numbers -> null"),
    ("standard", b"-", "error invalid (0) in number -> null"),
    ("standard", b"-a", "error invalid 'a' (97) in number -> null"),
    ("standard", b"1.", "error at least one digit required in fractional part -> null"),
    ("standard", b"1e", "error at least one digit required in exponent -> null"),
    ("standard", b"+1", "error expected value, got '+' (43) -> null"),
    ("standard", b"\xff", "error expected value, got (-1) -> null"),
    ("standard", b"[] x", "error unexpected trailing 'x' (120) -> null"),
    ("standard", b"[] \x01", "error unexpected trailing (1) -> null"),
    # Nesting: 200 levels below the top are allowed, not 201.
    ("standard", b"[" * 200 + b"1" + b"]" * 200, "ok array " + "[" * 200 + "1" + "]" * 200),
    ("standard", b"[" * 201 + b"1" + b"]" * 201, "error exceeded maximum nesting depth -> null"),
    ("standard", b"// c\n1", "error expected value, got '/' (47) -> null"),
    ("comments", b"// c\n[1, /* x */ 2] // end", "ok array [1, 2]"),
    ("comments", b"/* a *//* b */{} ", "ok object {}"),
    ("comments", b"1 /", "error unexpected end of input after start of comment -> null"),
    ("comments", b"1 /* open", "error unexpected end of input inside multi-line comment -> null"),
    ("comments", b"1 /x", "error malformed comment -> null"),
    ("comments", b"/*/ 1", "error unexpected end of input inside multi-line comment -> null"),
    ("multi", b'1 [2] {"x": 3} "four"', 'multi 1 [2] {"x": 3} "four" | stop 21 | '),
    ("multi", b"1 2 x", "multi 1 2 null | stop 4 | expected value, got 'x' (120)"),
    ("multi", b"", "multi | stop 0 | "),
    ("multi", b"  ", "multi null | stop 0 | unexpected end of input"),
    # A string that fails ends the list as "" (json11's quirk), others as null.
    ("multi", b'"ok" "open', 'multi "ok" "" | stop 5 | unexpected end of input in string'),
    ("multi", b"truefalse", "multi true false | stop 9 | "),
    ("multi", b"1 // c", "multi 1 null | stop 2 | expected value, got '/' (47)"),
    ("multi-comments", b"1 /* c */ 2 // d", "multi 1 2 | stop 16 | "),
    ("multi-comments", b"1 /x 2", "multi 1 | stop 0 | malformed comment"),
]


def test_parse_results_and_errors(program: Path) -> None:
    output = run_program(program, "parse", encode_cases([(m, t) for m, t, _ in PARSE_CASES]))
    lines = output.splitlines()
    assert len(lines) == len(PARSE_CASES), output
    for (mode, text, expected), line in zip(PARSE_CASES, lines, strict=True):
        assert line == expected, f"{mode} {text!r}"


# ------------------------------------------------------------------ against GEOPM 3.1


def _mutated_cases(count: int) -> list[tuple[str, bytes]]:
    """Valid and broken JSON texts, made by small random edits of the cases above."""
    rng = random.Random(11)
    alphabet = b'{}[],:"\\/*-+.eEu0123456789tfnl \t\n\x00\x1f\x7f\xe2\x80\xa8\xff'
    bases = [text for _, text, _ in PARSE_CASES if len(text) < 100]
    result = []
    for _ in range(count):
        text = bytearray(rng.choice(bases))
        for _ in range(rng.randint(1, 3)):
            pos = rng.randint(0, len(text))
            action = rng.random()
            if action < 0.4 or not text:
                text[pos:pos] = bytes([rng.choice(alphabet)])
            elif action < 0.7:
                del text[min(pos, len(text) - 1)]
            else:
                text[min(pos, len(text) - 1)] = rng.choice(alphabet)
        mode = rng.choice(["standard", "comments", "multi", "multi-comments"])
        result.append((mode, bytes(text)))
    return result


@needs_geopm
def test_same_results_as_geopm_json11(program: Path, tmp_path: Path) -> None:
    assert GEOPM_ROOT is not None
    geopm = Runtime(GEOPM_ROOT / "include", GEOPM_ROOT / "lib", "native")
    theirs = compile_program(PROGRAM_SOURCE, tmp_path / "json11_geopm", geopm=geopm)
    assert run_program(theirs, "tour") == run_program(program, "tour")
    cases = [(m, t) for m, t, _ in PARSE_CASES] + _mutated_cases(3000)
    ours = run_program(program, "parse", encode_cases(cases)).splitlines()
    expected = run_program(theirs, "parse", encode_cases(cases)).splitlines()
    assert len(ours) == len(expected) == len(cases)
    differences = [
        (case, mine, json11s)
        for case, mine, json11s in zip(cases, ours, expected, strict=True)
        if mine != json11s
    ]
    assert not differences, differences[:5]


def _json11_symbols(library: Path) -> set[str]:
    """The mangled dynamic symbols a library defines for namespace json11: its
    functions, type information and virtual tables, and the shared-pointer
    control blocks of its value classes."""
    listing = subprocess.run(
        ["nm", "-D", "--defined-only", "--format=posix", str(library)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    mangled = sorted({line.split()[0] for line in listing.splitlines() if line.strip()})
    demangled = subprocess.run(
        ["c++filt"], input="\n".join(mangled) + "\n", capture_output=True, text=True, check=True
    ).stdout.splitlines()
    result = set()
    for name, readable in zip(mangled, demangled, strict=True):
        for prefix in ("typeinfo name for ", "typeinfo for ", "vtable for "):
            readable = readable.removeprefix(prefix)
        if readable.startswith(("json11::", "std::_Sp_counted_ptr_inplace<json11::")):
            result.add(name)
    return result


@needs_geopm
def test_every_json11_symbol_of_geopm_is_exported() -> None:
    assert GEOPM_ROOT is not None
    ours = runtime().lib_dir / "libgeopmbridge.so"
    if not ours.exists() or shutil.which("nm") is None or shutil.which("c++filt") is None:
        pytest.skip("needs the embedded runtime's libgeopmbridge.so, nm and c++filt")
    theirs = _json11_symbols((GEOPM_ROOT / "lib" / "libgeopmd.so").resolve())
    assert len(theirs) > 50
    missing = theirs - _json11_symbols(ours)
    assert not missing, "\n".join(sorted(missing))


# ------------------------------------------------------------------ an agent plugin

CONFIG = """/* json_config settings: json11 reads them with comments */
{
    "label": "json11 \\"demo\\" run",
    "scale": 2.5,
    "signals": ["TIME", "TIME::ELAPSED"],  // board domain
    "limits": {"low": 0, "high": 1e9}
}
"""


@pytest.fixture(scope="module")
def agent_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The json_config agent plugin, built with the README's line."""
    directory = tmp_path_factory.mktemp("json11-agent")
    compile_plugin(PLUGINS / "JsonConfigAgent.cpp", directory / AGENT_FILE)
    return directory


def test_agent_source_is_warning_free() -> None:
    result = subprocess.run(
        [
            "g++",
            "-std=c++17",
            "-fsyntax-only",
            "-Wall",
            "-Wextra",
            "-Werror",
            f"-I{runtime().include_dir}",
            str(PLUGINS / "JsonConfigAgent.cpp"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def launch_json_config(
    agent_dir: Path, tmp_path: Path, config: str
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "config.json").write_text(config)
    return subprocess.run(
        [
            *require_cli(),
            "launch",
            "--geopm-agent=json_config",
            f"--geopm-plugin-path={agent_dir}",
            "--geopm-period=0.05",
            "--geopm-report=report.yaml",
            "--geopm-trace=trace",
            "--",
            "sleep",
            "0.3",
        ],
        capture_output=True,
        text=True,
        env=clean_env(JSON_CONFIG_AGENT_FILE=str(tmp_path / "config.json")),
        cwd=tmp_path,
        timeout=120,
    )


def test_agent_plugin_runs_with_its_json_configuration(agent_dir: Path, tmp_path: Path) -> None:
    result = launch_json_config(agent_dir, tmp_path, CONFIG)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "report.yaml").read_text()
    # The settings as json11 writes them back: keys sorted, numbers in its format.
    assert (
        'Configuration: {"label": "json11 \\"demo\\" run", "limits": {"high": 1000000000, '
        '"low": 0}, "scale": 2.5, "signals": ["TIME", "TIME::ELAPSED"]}\n'
    ) in text
    report = yaml.safe_load(text)
    assert report["Agent"] == "json_config"
    assert report["Label"] == 'json11 "demo" run'
    [host] = report["Hosts"].values()
    assert host["Signals"] == "TIME, TIME::ELAPSED"
    assert float(host["Scale"]) == 2.5
    samples = int(host["Samples"])
    assert samples >= 1
    assert int(host["Samples within limits"]) == samples
    [trace] = tmp_path.glob("trace-*")
    lines = [line for line in trace.read_text().splitlines() if not line.startswith("#")]
    header = lines[0].split("|")
    assert header[-2:] == ["scaled_time", "scaled_time_elapsed"]
    rows = [dict(zip(header, line.split("|"), strict=True)) for line in lines[1:]]
    assert rows
    for row in rows:
        # The period's TIME, as the trace shows it, times the configured scale.
        assert float(row["scaled_time"]) == pytest.approx(2.5 * float(row["TIME"]), rel=1e-8)
        assert not math.isnan(float(row["scaled_time_elapsed"]))


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('{"label": "x",}', "expected '\"' in object, got '}' (125)"),
        (
            '{"label": 1, "scale": 2, "signals": [], "limits": {}}',
            'bad type for label in {"label": 1, "limits": {}, "scale": 2, "signals": []}',
        ),
        (
            '{"label": "x", "scale": 2, "signals": [], "limits": {"low": 0}}',
            'bad type for high in {"low": 0}',
        ),
        (
            '{"label": "x", "scale": 2, "signals": [7], "limits": {"low": 0, "high": 1}}',
            "signals must be names, not 7",
        ),
    ],
    ids=["syntax", "kind", "nested-kind", "element"],
)
def test_agent_plugin_refuses_a_bad_configuration(
    agent_dir: Path, tmp_path: Path, config: str, message: str
) -> None:
    result = launch_json_config(agent_dir, tmp_path, config)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("geopm-bridge: error: JsonConfigAgent: "), result.stderr
    assert lines[0].endswith(f"config.json: {message}"), result.stderr
