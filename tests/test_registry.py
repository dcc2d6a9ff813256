"""Registering Python agents: what is checked at registration, and a class
registered again under its name (a notebook cell edited and run again).

Registration is real (the process-wide factory of the suite's process, each
agent under a ``reg_`` name of its own); jobs run in new interpreters.
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import textwrap
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("geopm_bridge._core", reason="the compiled package is not installed")

import geopm_bridge  # noqa: E402
from geopm_bridge import _core  # noqa: E402

GEOPM_BRIDGE = [sys.executable, "-m", "geopm_bridge.cli"]


@pytest.fixture
def no_warnings() -> Iterator[None]:
    """Any warning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def register(name: str, cls: type[geopm_bridge.Agent]) -> None:
    geopm_bridge.agent_factory().register_plugin(name, cls)


def is_registered(name: str) -> bool:
    return name in geopm_bridge.agent_factory().plugin_names()


# ---------------------------------------------------------------- the hooks' one list


def test_the_base_class_documents_the_hooks_of_the_cpp_list() -> None:
    assert list(_core.AGENT_HOOK_PARAMETERS) == list(_core.AGENT_HOOKS)
    for hook, parameters in _core.AGENT_HOOK_PARAMETERS.items():
        signature = inspect.signature(getattr(geopm_bridge.Agent, hook))
        assert tuple(signature.parameters) == ("self", *parameters), hook


# ---------------------------------------------------------------- misspelled hooks


@pytest.mark.parametrize(
    ("method", "likely"),
    [
        ("sample_plataform", "sample_platform(out_sample)"),
        ("adjust_plaform", "adjust_platform(in_policy)"),
        ("validate_polcy", "validate_policy(policy)"),
        ("initialize", "init(level, fan_in, is_level_root)"),
        ("Init", "init(level, fan_in, is_level_root)"),
        ("samplePlatform", "sample_platform(out_sample)"),
    ],
)
def test_a_name_close_to_a_hook_warns(method: str, likely: str) -> None:
    def body(self: geopm_bridge.Agent, *args: object) -> None:
        pass

    cls = type(
        "RegTypo", (geopm_bridge.Agent,), {"policy_names": (), "sample_names": (), method: body}
    )
    with pytest.warns(UserWarning) as caught:
        register(f"reg_typo_{method.lower()}", cls)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert message == (
        f"RegTypo.{method}() is no agent hook (the controller never calls it): "
        f"did you mean {likely}?"
    )
    assert caught[0].filename == __file__  # the warning points at the registration
    assert is_registered(f"reg_typo_{method.lower()}")


def test_a_misspelled_hook_in_a_base_class_warns() -> None:
    class RegBase(geopm_bridge.Agent):
        def adjust_plaform(self, in_policy: np.ndarray) -> None:
            pass

    class RegDerived(RegBase):
        policy_names = ()
        sample_names = ()

    with pytest.warns(UserWarning, match=r"RegDerived\.adjust_plaform\(\) is no agent hook"):
        register("reg_typo_in_base", RegDerived)


@pytest.mark.usefixtures("no_warnings")
def test_helpers_and_hooks_do_not_warn() -> None:
    class RegHelpers(geopm_bridge.Agent):
        policy_names = ("POWER",)
        sample_names = ("ENERGY",)

        def init(self, level: int, fan_in: list[int], is_level_root: bool) -> None:
            self.init_state()

        def init_state(self) -> None:  # a helper named after init, not like it
            self.total = 0.0

        def sample_platform(self, out_sample: np.ndarray) -> None:
            out_sample[0] = self.read_sample()

        def read_sample(self) -> float:
            return self.total

        def write_policy(self) -> None:
            pass

        @property
        def trace(self) -> int:
            return 0

        def _adjust_plaform(self) -> None:  # private names are the author's own
            pass

    register("reg_helpers", RegHelpers)
    register("reg_helpers", RegHelpers)  # the same class again: silent


# ---------------------------------------------------------------- hooks' parameters


def test_a_hook_with_the_wrong_parameters_is_refused() -> None:
    class RegNoSample(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ("POWER",)

        def sample_platform(self) -> None:  # type: ignore[override]
            pass

    with pytest.raises(TypeError) as caught:
        register("reg_arity_1", RegNoSample)
    assert str(caught.value).endswith(
        ".<locals>.RegNoSample.sample_platform(self) cannot be called as the agent hook "
        "sample_platform(self, out_sample)"
    )

    class RegInit(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

        def init(self, level: int) -> None:  # type: ignore[override]
            pass

    with pytest.raises(TypeError, match=r"hook init\(self, level, fan_in, is_level_root\)"):
        register("reg_arity_2", RegInit)

    class RegKeywordOnly(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

        def adjust_platform(self, in_policy: np.ndarray, *, step: float) -> None:
            pass

    with pytest.raises(TypeError, match=r"RegKeywordOnly\.adjust_platform"):
        register("reg_arity_3", RegKeywordOnly)

    class RegStatic(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

        @staticmethod
        def trace_values(self: object, values: np.ndarray) -> None:  # self by mistake
            pass

    with pytest.raises(TypeError, match=r"RegStatic\.trace_values\(self, values\)"):
        register("reg_arity_4", RegStatic)

    class RegNotCallable(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()
        do_send_sample = False  # type: ignore[assignment]

    with pytest.raises(TypeError, match=r"RegNotCallable\.do_send_sample must be a method"):
        register("reg_arity_5", RegNotCallable)

    assert not any(is_registered(f"reg_arity_{n}") for n in range(1, 6))


@pytest.mark.usefixtures("no_warnings")
def test_hooks_may_take_their_parameters_in_any_callable_form() -> None:
    class RegForms(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

        def init(self, *args: object) -> None:
            pass

        def sample_platform(self, out_sample: np.ndarray, scale: float = 1.0) -> None:
            pass

        @staticmethod
        def do_send_sample() -> bool:
            return True

        @classmethod
        def report_host(cls) -> list[tuple[str, str]]:
            return []

        def adjust_platform(self, *args: object, **kwargs: object) -> None:
            pass

    register("reg_forms", RegForms)


# ---------------------------------------------------------------- names and aggregation


@pytest.mark.parametrize(
    ("names", "error", "words"),
    [
        ("POWER", TypeError, "must be a sequence of non-empty str, got 'POWER'"),
        (("POWER", ""), TypeError, "must be a sequence of non-empty str"),
        ((b"POWER",), TypeError, "must be a sequence of non-empty str"),
        ({"POWER"}, TypeError, "must be a sequence of non-empty str"),
        (None, TypeError, "must be a sequence of non-empty str"),
        (("POWER", "STEP", "POWER"), ValueError, "repeats 'POWER'"),
    ],
)
def test_names_must_be_unique_non_empty_str(names: object, error: type, words: str) -> None:
    for attribute in ("policy_names", "sample_names"):
        cls = type(
            "RegNames",
            (geopm_bridge.Agent,),
            {"policy_names": (), "sample_names": (), attribute: names},
        )
        with pytest.raises(error) as caught:
            register("reg_names", cls)
        assert str(caught.value).startswith(f"RegNames.{attribute} ")
        assert words in str(caught.value)
    assert not is_registered("reg_names")


@pytest.mark.parametrize(
    ("aggregation", "error", "words"),
    [
        (("sum",), ValueError, "RegAgg.sample_aggregation has 1 entries for 2 samples"),
        (("sum", "loud"), ValueError, 'RegAgg.sample_aggregation: unknown aggregation "loud"'),
        (("sum", 3), TypeError, "RegAgg.sample_aggregation: an aggregation is a GEOPM Agg name"),
        ({"ENERGY": "max"}, ValueError, "RegAgg.sample_aggregation names unknown samples"),
        ("sum", TypeError, "RegAgg.sample_aggregation must be a sequence or a mapping"),
    ],
)
def test_sample_aggregation_must_fit_the_samples(
    aggregation: object, error: type, words: str
) -> None:
    cls = type(
        "RegAgg",
        (geopm_bridge.Agent,),
        {"policy_names": (), "sample_names": ("POWER", "TIME"), "sample_aggregation": aggregation},
    )
    with pytest.raises(error) as caught:
        register("reg_aggregation", cls)
    assert words in str(caught.value)
    assert not is_registered("reg_aggregation")


# ---------------------------------------------------------------- registered again


def test_a_builtin_agent_is_never_replaced() -> None:
    class RegThief(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ()

    for name in ("monitor", "power_governor"):
        with pytest.raises(geopm_bridge.GeopmError, match=f'name "{name}" is already registered'):
            register(name, RegThief)
    assert geopm_bridge.agent_factory().agent_class("monitor") is None


def test_agents_made_before_keep_their_class() -> None:
    class RegFirst(geopm_bridge.Agent):
        policy_names = ("A",)
        sample_names = ()

    class RegSecond(geopm_bridge.Agent):
        policy_names = ()
        sample_names = ("B", "C")

    factory = geopm_bridge.agent_factory()
    register("reg_swap", RegFirst)
    before = factory.make_plugin("reg_swap")
    with pytest.warns(UserWarning, match="agent 'reg_swap': .*RegSecond replaces .*RegFirst"):
        register("reg_swap", RegSecond)
    after = factory.make_plugin("reg_swap")
    assert isinstance(before, RegFirst) and isinstance(after, RegSecond)
    assert factory.agent_class("reg_swap") is RegSecond
    assert geopm_bridge.policy_names("reg_swap") == []
    assert geopm_bridge.sample_names("reg_swap") == ["B", "C"]
    assert factory.plugin_names().count("reg_swap") == 1


NOTEBOOK = """
import contextlib, io, json, pathlib, warnings
import geopm_bridge as g
from geopm_bridge.cli import agent as agent_cli

warnings.simplefilter("always")


def run(tag):
    config = g.JobConfig(agent="cell_cap", app_argv=["sleep", "30"], max_iterations=3,
                         report_path=f"report-{tag}.yaml")
    rc = g.run_job(config)
    return {"rc": rc, "report": pathlib.Path(f"report-{tag}.yaml").read_text()}


def shown(name):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        agent_cli.main([name])
    return out.getvalue()


with warnings.catch_warnings(record=True) as caught:
    # The cell as first written.
    @g.register_agent("cell_cap")
    class CellCap(g.Agent):
        policy_names = ("CAP",)
        sample_names = ("POWER",)
        period = 0.01

        def sample_platform(self, out_sample):
            out_sample[0] = 1.0

        def report_host(self):
            return [("Cell", "first " + ",".join(g.policy_names("cell_cap")))]

    first = run("first")
    g.register_agent("cell_cap")(CellCap)  # the same class again: silent
    g.load_agents()
    g.load_agents()

    # The cell edited and run again.
    @g.register_agent("cell_cap")
    class CellCap(g.Agent):
        policy_names = ("CAP_WATTS", "STEP")
        sample_names = ("ENERGY", "TIME")
        period = 0.01

        def sample_platform(self, out_sample):
            out_sample[:] = (2.0, 3.0)

        def report_host(self):
            return [("Cell", "second " + ",".join(g.policy_names("cell_cap")))]

    second = run("second")

refused = {}
for name in ("monitor", "power_governor"):
    try:
        g.agent_factory().register_plugin(name, CellCap)
    except g.GeopmError as error:
        refused[name] = str(error)

print(json.dumps({
    "first": first,
    "second": second,
    "warnings": [(w.category.__name__, str(w.message), w.lineno) for w in caught],
    "dictionary": g.agent_factory().dictionary("cell_cap"),
    "shown": shown("cell_cap"),
    "class": g.agent_factory().agent_class("cell_cap").sample_names,
    "refused": refused,
}))
"""


def test_a_class_registered_again_replaces_the_one_before(tmp_path: Path) -> None:
    script = tmp_path / "notebook.py"
    script.write_text(textwrap.dedent(NOTEBOOK))
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env={**os.environ, "GEOPM_BRIDGE_NODE_MODEL": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)

    assert outcome["first"]["rc"] == 0 and outcome["second"]["rc"] == 0
    assert "Cell: first CAP\n" in outcome["first"]["report"]
    assert "Cell: second CAP_WATTS,STEP\n" in outcome["second"]["report"]
    assert outcome["dictionary"] == {
        "NUM_POLICY": "2",
        "NUM_SAMPLE": "2",
        "POLICY_0": "CAP_WATTS",
        "POLICY_1": "STEP",
        "SAMPLE_0": "ENERGY",
        "SAMPLE_1": "TIME",
    }
    assert "CAP_WATTS" in outcome["shown"] and "ENERGY" in outcome["shown"]
    assert outcome["class"] == ["ENERGY", "TIME"]

    # One warning, for the new class only, pointing at the cell's registration.
    assert len(outcome["warnings"]) == 1, outcome["warnings"]
    category, message, line = outcome["warnings"][0]
    assert category == "UserWarning"
    assert message == (
        "agent 'cell_cap': __main__.CellCap replaces __main__.CellCap, registered before "
        "under this name; agents made from now on are of the new class"
    )
    assert script.read_text().splitlines()[line - 1].strip() in (
        '@g.register_agent("cell_cap")',
        "class CellCap(g.Agent):",
    )

    for name in ("monitor", "power_governor"):
        assert f'name "{name}" is already registered' in outcome["refused"][name]


# ---------------------------------------------------------------- from the command line


BAD_ARITY = """
import geopm_bridge

class BadArity(geopm_bridge.Agent):
    name = "bad_arity"
    policy_names = ()
    sample_names = ("POWER",)

    def sample_platform(self):
        pass
"""


def test_a_wrong_hook_fails_the_launch_at_registration(tmp_path: Path) -> None:
    (tmp_path / "bad_agents.py").write_text(BAD_ARITY)
    result = subprocess.run(
        [*GEOPM_BRIDGE, "launch", "--node-model", "--geopm-agent=bad_arity", "--", "true"],
        cwd=tmp_path,
        env={**os.environ, "GEOPM_BRIDGE_AGENTS": "bad_agents:BadArity"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("geopm-bridge: error: "), result.stderr
    assert lines[0].endswith(
        "GEOPM_BRIDGE_AGENTS entry 'bad_agents:BadArity': "
        "BadArity.sample_platform(self) cannot be called as the agent hook "
        "sample_platform(self, out_sample)"
    )
    assert not list(tmp_path.glob("*.yaml"))
