"""The Python agent API: registration, discovery, errors, platform, run_job.

Agent registration is process-wide (the C++ agent factory has no
unregister), so every test registers its own names; tests that need a fresh
process (discovery, signals, a PlatformIO batch, a whole job) run Python in
a subprocess.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("geopm_bridge._core", reason="the compiled package is not installed")

import geopm_bridge  # noqa: E402
from cpp_build import build_testing_module, load_testing_module  # noqa: E402
from geopm_bridge import registry  # noqa: E402

AgentDriver = load_testing_module().AgentDriver


def run_python(
    code: str, *, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new interpreter of this environment."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def checked(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


# ---------------------------------------------------------------- registration


def test_register_plugin_builds_the_dictionary() -> None:
    class ApiDictionary(geopm_bridge.Agent):
        policy_names = ("POWER_CAP", "STEP")
        sample_names = ("POWER",)

    factory = geopm_bridge.agent_factory()
    factory.register_plugin("api_dictionary", ApiDictionary)

    expected = {
        "NUM_POLICY": "2",
        "NUM_SAMPLE": "1",
        "POLICY_0": "POWER_CAP",
        "POLICY_1": "STEP",
        "SAMPLE_0": "POWER",
    }
    assert factory.dictionary("api_dictionary") == expected
    assert geopm_bridge.make_dictionary(["POWER_CAP", "STEP"], ["POWER"]) == expected
    assert "api_dictionary" in factory.plugin_names()
    assert "api_dictionary" in geopm_bridge.agent_names()
    assert factory.agent_class("api_dictionary") is ApiDictionary
    assert factory.agent_class("monitor") is None
    for key in ("api_dictionary", expected):
        assert geopm_bridge.num_policy(key) == 2
        assert geopm_bridge.num_sample(key) == 1
        assert geopm_bridge.policy_names(key) == ["POWER_CAP", "STEP"]
        assert geopm_bridge.sample_names(key) == ["POWER"]


def test_cpp_agents_share_the_factory() -> None:
    names = geopm_bridge.agent_factory().plugin_names()
    assert names[:4] == ["monitor", "power_balancer", "power_governor", "frequency_map"]
    assert geopm_bridge.policy_names("power_governor") == ["CPU_POWER_LIMIT"]


def test_register_agent_decorator_names() -> None:
    @geopm_bridge.register_agent
    class ApiHTTPPowerCapAgent(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

    @geopm_bridge.register_agent("api_positional")
    class Positional(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

    @geopm_bridge.register_agent(name="api_keyword")
    class Keyword(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

    @geopm_bridge.register_agent
    class Named(geopm_bridge.Agent):
        name = "api_class_attribute"
        policy_names = ()
        sample_names = ()

    @geopm_bridge.register_agent
    class ApiInheritsName(Named):  # an inherited name does not count
        pass

    factory = geopm_bridge.agent_factory()
    assert factory.agent_class("api_http_power_cap_agent") is ApiHTTPPowerCapAgent
    assert factory.agent_class("api_positional") is Positional
    assert factory.agent_class("api_keyword") is Keyword
    assert factory.agent_class("api_class_attribute") is Named
    assert factory.agent_class("api_inherits_name") is ApiInheritsName
    assert registry.snake_case("PowerCapAgent") == "power_cap_agent"


def test_register_rejects_bad_classes() -> None:
    factory = geopm_bridge.agent_factory()

    class ApiNoPolicy(geopm_bridge.Agent):
        sample_names = ()

    with pytest.raises(TypeError, match="ApiNoPolicy has no policy_names"):
        factory.register_plugin("api_bad_1", ApiNoPolicy)

    class ApiStringNames(geopm_bridge.Agent):
        policy_names = ()
        sample_names = "POWER"

    with pytest.raises(TypeError, match="ApiStringNames.sample_names must be a sequence"):
        factory.register_plugin("api_bad_2", ApiStringNames)

    with pytest.raises(TypeError, match="not a subclass of geopm_bridge.Agent"):
        factory.register_plugin("api_bad_3", dict)  # type: ignore[arg-type]

    class ApiBadAggregation(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ("A", "B")
        sample_aggregation = ("sum", "loudest")

    with pytest.raises(ValueError, match='unknown aggregation "loudest"'):
        factory.register_plugin("api_bad_4", ApiBadAggregation)

    class ApiUnknownSample(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ("A",)
        sample_aggregation = {"B": "sum"}

    with pytest.raises(ValueError, match="ApiUnknownSample.sample_aggregation names unknown"):
        factory.register_plugin("api_bad_5", ApiUnknownSample)

    class ApiBadPeriod(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()
        period = -1.0

    with pytest.raises(ValueError, match="period"):
        factory.register_plugin("api_bad_6", ApiBadPeriod)

    assert not {f"api_bad_{n}" for n in range(1, 7)} & set(factory.plugin_names())


def test_duplicate_name_is_geopm_invalid() -> None:
    class ApiDuplicate(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

    factory = geopm_bridge.agent_factory()
    with pytest.raises(geopm_bridge.GeopmError, match="already registered") as caught:
        factory.register_plugin("monitor", ApiDuplicate)
    assert caught.value.error_code == geopm_bridge.GEOPM_ERROR_INVALID
    # A Python agent's name takes its class again (tests/test_registry.py).
    factory.register_plugin("api_dictionary_dup", ApiDuplicate)
    factory.register_plugin("api_dictionary_dup", ApiDuplicate)
    assert factory.agent_class("api_dictionary_dup") is ApiDuplicate


def test_make_plugin_makes_a_new_object_each_time() -> None:
    made = []

    @geopm_bridge.register_agent("api_fresh")
    class Fresh(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

        def __init__(self) -> None:
            made.append(self)

    factory = geopm_bridge.agent_factory()
    first = factory.make_plugin("api_fresh")
    second = factory.make_plugin("api_fresh")
    assert isinstance(first, Fresh) and isinstance(second, Fresh)
    assert first is not second and made == [first, second]

    cpp = factory.make_plugin("monitor")
    assert isinstance(cpp, geopm_bridge.CppAgent) and cpp.name == "monitor"
    with pytest.raises(geopm_bridge.GeopmError) as caught:
        factory.make_plugin("api_no_such_agent")
    assert caught.value.error_code == geopm_bridge.GEOPM_ERROR_INVALID


# ---------------------------------------------------------------- errors


def test_python_exception_becomes_geopm_error_with_traceback() -> None:
    @geopm_bridge.register_agent("api_raises")
    class Raises(geopm_bridge.Agent):
        policy_names = ("P",)
        sample_names = ("S",)

        def sample_platform(self, out_sample: np.ndarray) -> None:
            self.deeper()

        def deeper(self) -> None:
            raise ZeroDivisionError("no power left")

        def adjust_platform(self, in_policy: np.ndarray) -> None:
            raise geopm_bridge.GeopmError("policy out of range", geopm_bridge.GEOPM_ERROR_INVALID)

        def report_host(self) -> list[tuple[str, str]]:
            return [("only one item",)]  # type: ignore[list-item]

    driver = AgentDriver("api_raises")
    with pytest.raises(geopm_bridge.GeopmError) as caught:
        driver.sample_platform()
    message = str(caught.value)
    assert caught.value.error_code == geopm_bridge.GEOPM_ERROR_RUNTIME
    assert "api_raises.sample_platform(): ZeroDivisionError: no power left\n" in message
    assert "Traceback (most recent call last)" in message
    assert "in deeper" in message and 'raise ZeroDivisionError("no power left")' in message

    with pytest.raises(geopm_bridge.GeopmError) as caught:
        driver.adjust_platform([1.0])
    assert caught.value.error_code == geopm_bridge.GEOPM_ERROR_INVALID
    assert "api_raises.adjust_platform(): GeopmError: policy out of range" in str(caught.value)

    with pytest.raises(geopm_bridge.GeopmError, match=r"report_host\(\): TypeError: expected"):
        driver.report_host()


def test_cpp_error_inside_a_hook_keeps_its_code() -> None:
    @geopm_bridge.register_agent("api_bad_push")
    class BadPush(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

        def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
            geopm_bridge.platform_io().push_signal("API_NO_SUCH_SIGNAL", "board", 0)

    driver = AgentDriver("api_bad_push")
    with pytest.raises(geopm_bridge.GeopmError) as caught:
        driver.init(0, [], True)
    assert caught.value.error_code == geopm_bridge.GEOPM_ERROR_INVALID
    assert "api_bad_push.init(): GeopmError:" in str(caught.value)
    assert "API_NO_SUCH_SIGNAL" in str(caught.value)


def test_constructor_error_names_the_agent() -> None:
    @geopm_bridge.register_agent("api_bad_init")
    class BadInit(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

        def __init__(self) -> None:
            raise KeyError("missing setting")

    with pytest.raises(geopm_bridge.GeopmError, match=r"api_bad_init.__init__\(\): KeyError"):
        geopm_bridge.agent_factory().make_plugin("api_bad_init")


def test_trace_formats() -> None:
    @geopm_bridge.register_agent("api_formats")
    class Formats(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

        def trace_formats(self) -> list[str | object]:
            return ["%.3f", "%08.1e W", lambda value: f"<{value:g}>"]

    driver = AgentDriver("api_formats")
    assert driver.trace_formats([1.23456, 1500.0, 2.0]) == ["1.235", "01.5e+03 W", "<2>"]

    @geopm_bridge.register_agent("api_bad_format")
    class BadFormat(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

        def trace_formats(self) -> list[str]:
            return ["%s"]

    with pytest.raises(geopm_bridge.GeopmError, match="ValueError: format '%s' must hold"):
        AgentDriver("api_bad_format").trace_formats([1.0])


def test_hooks_may_be_plain_static_class_or_instance_callables() -> None:
    calls: list[tuple[str, object]] = []

    @geopm_bridge.register_agent("api_callables")
    class Callables(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ("S",)

        def __init__(self) -> None:
            # An instance attribute shadows the class's method.
            self.report_header = lambda: [("who", "instance")]

        def sample_platform(self, out_sample: np.ndarray) -> None:
            calls.append(("plain", self))
            out_sample[0] = 5.0

        @staticmethod
        def do_send_sample() -> bool:
            calls.append(("static", None))
            return False

        @classmethod
        def report_host(cls) -> list[tuple[str, str]]:
            calls.append(("class", cls))
            return [("who", cls.__name__)]

        def report_header(self) -> list[tuple[str, str]]:
            return [("who", "class")]

    driver = AgentDriver("api_callables")
    assert driver.sample_platform() == [5.0]
    assert driver.do_send_sample() is False
    assert driver.report_host() == [("who", "Callables")]
    assert driver.report_header() == [("who", "instance")]
    (plain, agent), *others = calls
    assert plain == "plain" and isinstance(agent, Callables)
    assert others == [("static", None), ("class", Callables)]


def test_overridden_wait_can_call_the_default() -> None:
    waits = []

    @geopm_bridge.register_agent("api_wait")
    class Waits(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()
        period = 0.0

        def wait(self) -> None:
            waits.append("before")
            super().wait()

    driver = AgentDriver("api_wait")
    driver.wait()
    driver.wait()
    assert waits == ["before", "before"]


def test_geopm_error_from_python() -> None:
    error = geopm_bridge.GeopmError("bad", geopm_bridge.GEOPM_ERROR_FILE_PARSE)
    assert isinstance(error, RuntimeError)
    assert str(error) == "bad" and error.error_code == -4
    assert geopm_bridge.GeopmError("x").error_code == geopm_bridge.GEOPM_ERROR_RUNTIME
    assert "Invalid argument" in geopm_bridge.error_message(geopm_bridge.GEOPM_ERROR_INVALID)


# ---------------------------------------------------------------- discovery

AGENTS_MODULE = """
import geopm_bridge

class Good(geopm_bridge.Agent):
    policy_names = ("LIMIT",)
    sample_names = ("POWER",)

class NoSamples(geopm_bridge.Agent):
    policy_names = ()

class NotAnAgent:
    pass

@geopm_bridge.register_agent
class SelfRegistered(geopm_bridge.Agent):
    policy_names = ()
    sample_names = ()
"""

LOAD_SCRIPT = """
import json
import geopm_bridge
failures = geopm_bridge.load_agents(strict=False)
again = geopm_bridge.load_agents(strict=False)
assert [str(f) for f in again] == [str(f) for f in failures]
print(json.dumps(geopm_bridge.agent_factory().plugin_names()))
for failure in failures:
    print("FAIL", failure)
try:
    geopm_bridge.load_agents()
except geopm_bridge.AgentLoadError as error:
    print("STRICT", error)
"""


def test_load_agents_from_environment(tmp_path: Path) -> None:
    (tmp_path / "site_agents.py").write_text(AGENTS_MODULE)
    entries = [
        "site_agents:Good",
        "site_agents:SelfRegistered",
        "site_agents:NoSamples",
        "site_agents:NotAnAgent",
        "site_agents:Missing",
        "no_such_module:Agent",
        "site_agents",
    ]
    out = checked(
        run_python(LOAD_SCRIPT, cwd=tmp_path, env={"GEOPM_BRIDGE_AGENTS": " , ".join(entries)})
    )
    lines = out.splitlines()
    # Named after their classes, in snake_case; the decorated one registered once.
    assert {"good", "self_registered"} <= set(json.loads(lines[0]))
    failures = [line for line in lines if line.startswith("FAIL")]
    assert len(failures) == 5, out
    text = "\n".join(failures)
    assert "'site_agents:NoSamples': NoSamples has no sample_names" in text
    assert "'site_agents:NotAnAgent': <class 'site_agents.NotAnAgent'> is not a subclass" in text
    assert "'site_agents:Missing': cannot import: AttributeError" in text
    assert "'no_such_module:Agent': cannot import: ModuleNotFoundError" in text
    assert "'site_agents': expected MODULE:CLASS" in text
    assert lines[-1] == "STRICT " + failures[0][len("FAIL ") :]


def test_load_agents_from_entry_points(tmp_path: Path) -> None:
    (tmp_path / "ep_agents.py").write_text(AGENTS_MODULE)
    dist_info = tmp_path / "ep_agents-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: ep-agents\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(
        "[geopm_bridge.agents]\nep_good = ep_agents:Good\nep_broken = ep_agents:NoSamples\n"
    )
    # cwd elsewhere: entry points are imported from the Python path.
    out = checked(
        run_python(
            LOAD_SCRIPT,
            cwd=tmp_path.parent,
            env={"PYTHONPATH": str(tmp_path), "GEOPM_BRIDGE_AGENTS": ""},
        )
    )
    assert "ep_good" in json.loads(out.splitlines()[0])  # the entry point name
    assert "FAIL entry point ep_broken = ep_agents:NoSamples: NoSamples has no sample_names" in out


UNLINKED_PLUGIN = r"""
#include <memory>
#include "geopm/Agent.hpp"

namespace {
    // A GEOPM agent plugin that links no library: every geopm:: symbol must
    // already be global in the process that loads it.
    class UnlinkedAgent : public geopm::Agent {
        public:
            void init(int, const std::vector<int> &, bool) override {}
            void validate_policy(std::vector<double> &) const override {}
            void split_policy(const std::vector<double> &,
                              std::vector<std::vector<double> > &) override {}
            bool do_send_policy(void) const override { return false; }
            void aggregate_sample(const std::vector<std::vector<double> > &,
                                  std::vector<double> &) override {}
            bool do_send_sample(void) const override { return false; }
            void adjust_platform(const std::vector<double> &) override {}
            bool do_write_batch(void) const override { return false; }
            void sample_platform(std::vector<double> &out) override { out[0] = 42.0; }
            void wait(void) override {}
            std::vector<std::pair<std::string, std::string> > report_header(void) const override
            { return {}; }
            std::vector<std::pair<std::string, std::string> > report_host(void) const override
            { return {}; }
            std::map<uint64_t, std::vector<std::pair<std::string, std::string> > >
                report_region(void) const override { return {}; }
            std::vector<std::string> trace_names(void) const override { return {}; }
            void trace_values(std::vector<double> &) override {}
            void enforce_policy(const std::vector<double> &) const override {}
    };
}

static void __attribute__((constructor)) register_unlinked(void)
{
    geopm::agent_factory().register_plugin(
        "unlinked", [] { return std::unique_ptr<geopm::Agent>(new UnlinkedAgent); },
        geopm::Agent::make_dictionary({}, {"ANSWER"}));
}
"""


def test_plugins_resolve_against_the_loaded_runtime(tmp_path: Path) -> None:
    compiler = shutil.which("g++")
    include_dir = Path(geopm_bridge.get_include())
    if compiler is None or not (include_dir / "geopm" / "Agent.hpp").is_file():
        pytest.skip("needs g++ and the installed headers")
    source = tmp_path / "unlinked.cpp"
    source.write_text(UNLINKED_PLUGIN)
    plugin = tmp_path / "libgeopmagent_unlinked.so.2.1.0"
    subprocess.run(
        [
            compiler,
            "-std=c++17",
            "-shared",
            "-fPIC",
            f"-I{include_dir}",
            str(source),
            "-o",
            str(plugin),
        ],
        check=True,
    )
    out = checked(
        run_python(
            """
            import geopm_bridge
            import geopm_bridge_testing
            print("unlinked" in geopm_bridge.agent_factory().plugin_names())
            print(geopm_bridge_testing.AgentDriver("unlinked").sample_platform())
            """,
            env={"GEOPM_PLUGIN_PATH": str(tmp_path), "PYTHONPATH": str(build_testing_module())},
        )
    )
    assert out.split("\n")[:2] == ["True", "[42.0]"]


# ---------------------------------------------------------------- platform


def test_platform_io_batch() -> None:
    out = checked(
        run_python(
            """
            import json
            import numpy as np
            import geopm_bridge as g
            pio = g.platform_io()
            topo = g.platform_topo()
            names = ["TIME", "USER_TIME", "IDLE_TIME"]
            board = [pio.push_signal(n, "board", 0) for n in names]
            cpu0 = pio.push_signal("USER_TIME", g.DOMAIN_CPU, 0)
            assert pio.push_signal("TIME", g.DOMAIN_BOARD, 0) == board[0]
            pio.read_batch()
            indices = np.array(board + [cpu0], dtype=np.int64)
            many = pio.sample(indices)
            one_by_one = [pio.sample(int(i)) for i in indices]
            group = pio.sample_group(indices)
            grouped = group.sample()
            try:
                grouped[0] = 0.0
                group_writable = True
            except ValueError:
                group_writable = False
            time_before = grouped[0]
            pio.read_batch()
            same_array = group.sample() is grouped
            refilled = bool(grouped[0] > time_before)  # TIME moved on: refilled in place
            assert pio.push_signal("TIME", "board", 0) == board[0]  # as GEOPM: known tuple
            try:
                pio.push_signal("NICE_TIME", "board", 0)
                code = 0
            except g.GeopmError as error:
                code = error.error_code
            print(json.dumps({
                "many": many.tolist(), "one": one_by_one, "dtype": str(many.dtype),
                "grouped": [one_by_one, group.indices, len(group), group_writable,
                            same_array, refilled],
                "shape": list(pio.sample([[board[0]], [board[1]]]).shape),
                "code": code,
                "num_cpu": topo.num_domain("cpu"),
                "nested": topo.domain_nested(g.DOMAIN_CPU, "board", 0),
                "name": topo.domain_type_to_name(g.DOMAIN_PACKAGE),
                "type": topo.domain_name_to_type("core"),
                "agg": pio.agg_function("USER_TIME"),
            }))
            """
        )
    )
    facts = json.loads(out)
    assert facts["many"] == facts["one"] and facts["dtype"] == "float64"
    one, indices, size, writable, same_array, refilled = facts["grouped"]
    assert one == facts["one"] and size == len(indices) == 4
    assert not writable and same_array and refilled
    assert facts["shape"] == [2, 1]
    assert facts["code"] == geopm_bridge.GEOPM_ERROR_INVALID
    assert facts["nested"] == list(range(facts["num_cpu"]))
    assert facts["name"] == "package" and facts["type"] == geopm_bridge.DOMAIN_CORE
    assert facts["agg"] == "sum"


def test_platform_io_errors() -> None:
    pio = geopm_bridge.platform_io()
    with pytest.raises(geopm_bridge.GeopmError) as caught:
        pio.read_signal("TIME", "no_such_domain", 0)
    assert caught.value.error_code == geopm_bridge.GEOPM_ERROR_INVALID
    with pytest.raises(TypeError, match="domain"):
        pio.read_signal("TIME", 1.5, 0)  # type: ignore[arg-type]
    assert pio.read_signal("TIME", "board", 0) >= 0.0
    assert not geopm_bridge.PlatformIO.is_valid_value(math.nan)


# ---------------------------------------------------------------- run_job

RECORDER = """
import json, sys
import numpy as np
import geopm_bridge as g

calls = []

@g.register_agent("recorder")
class Recorder(g.Agent):
    policy_names = ("STEP",)
    sample_names = ("COUNT",)
    period = 0.01

    def __init__(self):
        self.count = 0.0

    def init(self, level, fan_in, is_level_root):
        calls.append("init")
        self.time = g.platform_io().push_signal("TIME", "board", 0)

    def validate_policy(self, policy):
        calls.append("validate_policy")
        if np.isnan(policy[0]):
            policy[0] = 1.0

    def adjust_platform(self, in_policy):
        calls.append("adjust_platform")
        self.step = in_policy[0]

    def do_write_batch(self):
        calls.append("do_write_batch")
        return False

    def sample_platform(self, out_sample):
        calls.append("sample_platform")
        self.count += self.step
        out_sample[0] = self.count
        if MARKER:
            open(MARKER, "w").close()

    def trace_names(self):
        return ["count"]

    def trace_values(self, values):
        calls.append("trace_values")
        values[0] = self.count

    def report_header(self):
        return [("Recorder period", self.period)]

    def report_host(self):
        return [("Samples counted", int(self.count))]
"""


def _run_recorder(tmp_path: Path, body: str, marker: str = "") -> subprocess.Popen[str]:
    script = tmp_path / "job.py"
    script.write_text(f"MARKER = {marker!r}\n" + RECORDER + textwrap.dedent(body))
    return subprocess.Popen(
        [sys.executable, str(script)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_run_job_drives_a_python_agent(tmp_path: Path) -> None:
    process = _run_recorder(
        tmp_path,
        """
        config = g.JobConfig(agent="recorder", app_argv=["sleep", "0.2"],
                             report_path="report.yaml", trace_path="trace")
        print(json.dumps({"rc": g.run_job(config), "calls": calls}))
        """,
    )
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    result = json.loads(stdout)
    assert result["rc"] == 0
    calls = result["calls"]
    assert calls[0] == "init"
    iteration = [
        "validate_policy",
        "adjust_platform",
        "do_write_batch",
        "sample_platform",
        "trace_values",
    ]
    body = calls[1:]
    assert len(body) >= 2 * len(iteration)
    full = len(body) // len(iteration) * len(iteration)
    assert body[:full] == iteration * (full // len(iteration))
    assert body[full:] == iteration[: len(body) - full]

    report = (tmp_path / "report.yaml").read_text()
    assert "Agent: recorder" in report and "Recorder period: 0.01" in report
    assert "Samples counted:" in report
    traces = list(tmp_path.glob("trace-*"))
    assert len(traces) == 1
    header = next(line for line in traces[0].read_text().splitlines() if not line.startswith("#"))
    assert header.split("|")[-1] == "count"


def test_run_job_reports_a_failing_hook(tmp_path: Path) -> None:
    process = _run_recorder(
        tmp_path,
        """
        def broken(self, out_sample):
            raise ArithmeticError("sensor gone")
        Recorder.sample_platform = broken
        g.agent_factory().register_plugin("recorder_broken", Recorder)
        try:
            g.run_job(g.JobConfig(agent="recorder_broken", app_argv=["sleep", "5"],
                                  report_path="report.yaml"))
        except g.GeopmError as error:
            print(json.dumps({"code": error.error_code, "message": str(error)}))
        """,
    )
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    result = json.loads(stdout)
    assert result["code"] == geopm_bridge.GEOPM_ERROR_RUNTIME
    assert "recorder_broken.sample_platform(): ArithmeticError: sensor gone" in result["message"]
    assert "in broken" in result["message"]
    assert (tmp_path / "report.yaml").exists()


def test_sigint_ends_the_run_without_keyboard_interrupt(tmp_path: Path) -> None:
    marker = tmp_path / "running"
    process = _run_recorder(
        tmp_path,
        """
        rc = g.run_job(g.JobConfig(agent="recorder", app_argv=["sleep", "60"],
                                   report_path="report.yaml"))
        sum(range(100000))  # a pending KeyboardInterrupt would surface here
        print("rc", rc)
        """,
        marker=str(marker),
    )
    try:
        while not marker.exists():  # the loop is running
            assert process.poll() is None, process.communicate()[1]
            time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "KeyboardInterrupt" not in stderr and "Traceback" not in stderr
    assert stdout.strip() == f"rc {128 + signal.SIGINT}"
    assert (tmp_path / "report.yaml").exists()


def test_job_config() -> None:
    config = geopm_bridge.JobConfig(agent="power_governor", app_argv=["true"], max_fan_out=4)
    assert (config.agent, config.app_argv, config.max_fan_out) == ("power_governor", ["true"], 4)
    assert geopm_bridge.JobConfig().agent == "monitor"
    with pytest.raises(TypeError, match="unexpected keyword argument 'agnet'"):
        geopm_bridge.JobConfig(agnet="monitor")
    out = checked(
        run_python(
            "import geopm_bridge as g; c = g.JobConfig.from_environment(); "
            "print(c.agent, c.report_path, c.trace_signals, c.max_fan_out, c.ctl_local)",
            env={
                "GEOPM_AGENT": "power_governor",
                "GEOPM_REPORT": "r.yaml",
                "GEOPM_TRACE_SIGNALS": "A,,B@core",
                "GEOPM_MAX_FAN_OUT": "4",
                "GEOPM_CTL_LOCAL": "true",
            },
        )
    )
    assert out.split() == ["power_governor", "r.yaml", "['A',", "'B@core']", "4", "True"]
    # Empty is unset: the defaults.
    out = checked(
        run_python(
            "import geopm_bridge as g; c = g.JobConfig.from_environment(); "
            "print(c.agent, c.max_fan_out, c.ctl_local)",
            env={"GEOPM_AGENT": "", "GEOPM_MAX_FAN_OUT": "", "GEOPM_CTL_LOCAL": ""},
        )
    )
    assert out.split() == ["monitor", "16", "False"]
    assert "ctl_local=False" in repr(geopm_bridge.JobConfig())


def test_servo_loads_nothing_of_geopm_bridge() -> None:
    out = checked(
        run_python(
            """
            import sys
            import geopm_servo.aggregator, geopm_servo.geopm_driver
            print(sorted(m for m in sys.modules if m.split(".")[0] == "geopm_bridge"))
            """
        )
    )
    assert out.split() == ["[]"]


def test_package_root_loads_its_extension_and_lists_one_api() -> None:
    out = checked(
        run_python(
            """
            import sys
            import geopm_bridge
            print("geopm_bridge._core" in sys.modules)
            missing = [n for n in geopm_bridge.__all__ if not hasattr(geopm_bridge, n)]
            print(missing or "complete")
            """
        )
    )
    assert out.split() == ["True", "complete"]
