"""Drive Python agents for N control periods in-process: the hooks in the
controller's order, scripted signals, everything recorded.

The order is the controller's (docs/controller.md, "The tree"): before the
loop every agent's ``init()`` and one ``read_batch()``; then each period
``walk_down`` (the root's policy; top-down, each tree agent's
``validate_policy()``, ``split_policy()`` and, when ``do_send_policy()``,
its children's policies; the leaf's ``validate_policy()``,
``adjust_platform()`` and, when ``do_write_batch()``, ``write_batch()``)
and ``walk_up`` (``read_batch()``, the leaf's ``sample_platform()`` and
``trace_values()``, then bottom-up each tree agent's ``aggregate_sample()``
once its children have sent, its sample going up when ``do_send_sample()``;
a sample holding NaN never crosses a level). What differs: no ``wait()`` is
called and no real time passes; period k reads its signals at the scripted
time ``(k + 1) * period`` (``TIME`` reads that clock), ``trace_values()`` is
called every period (the controller calls it only when a trace is written),
and after the last period the report's hooks are called once.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

import geopm_bridge

from .._loader import _core
from ..agent import Agent
from ..trace import Trace, read_trace
from .catalog import Catalog, node_model_catalog
from .platform import ScriptedPlatformIO, ScriptedPlatformTopo, domain_of
from .script import Script, ScriptLike, as_script, per_period

__all__ = ["AgentHookError", "HarnessResult", "NodeResult", "run_agent", "trace_scripts"]

FloatArray = npt.NDArray[np.float64]
Signals = Mapping[str, ScriptLike]
PolicyLike = Sequence[float] | Mapping[str, float] | FloatArray | None


class AgentHookError(RuntimeError):
    """An agent's hook raised in the harness; the message names the agent,
    its level and node, and the hook; ``__cause__`` is the exception."""


@dataclass
class NodeResult:
    """What one node's leaf agent saw and did, one row per control period."""

    policies: FloatArray
    """periods x policies: the policy the leaf adjusted with (after validate_policy())."""
    samples: FloatArray
    """periods x samples: what sample_platform() filled."""
    controls: dict[str, FloatArray]
    """Each control the agent pushed or wrote, periods x domain indices (of the
    domain it first used): its setting at the end of each period."""
    trace: dict[str, FloatArray]
    """The agent's trace columns (trace_names()), one value per period."""
    report_host: dict[str, str]
    """report_host() after the last period."""
    report_region: dict[int, dict[str, str]]
    """report_region() after the last period."""


@dataclass
class HarnessResult:
    """Everything a harness run recorded.

    For a single node, ``policies``, ``samples``, ``controls``, ``trace`` and
    ``report_host`` are the node's (:class:`NodeResult`); a tree has one
    NodeResult per node in ``nodes`` and raises on those names.
    """

    time: FloatArray
    """The scripted time each period read its signals at, in seconds."""
    nodes: list[NodeResult]
    root_samples: FloatArray
    """periods x samples: the root agent's aggregate_sample() (NaN where it sent none);
    on a single node, the leaf's samples it sent."""
    report_header: dict[str, str]
    """The root agent's report_header() after the last period."""

    def _node(self, what: str) -> NodeResult:
        if len(self.nodes) != 1:
            raise AttributeError(
                f"a tree of {len(self.nodes)} nodes has no single {what}: use nodes[i].{what}"
            )
        return self.nodes[0]

    @property
    def policies(self) -> FloatArray:
        """The single node's policies (periods x policies)."""
        return self._node("policies").policies

    @property
    def samples(self) -> FloatArray:
        """The single node's samples (periods x samples)."""
        return self._node("samples").samples

    @property
    def controls(self) -> dict[str, FloatArray]:
        """The single node's controls (name -> periods x domain indices)."""
        return self._node("controls").controls

    @property
    def trace(self) -> dict[str, FloatArray]:
        """The single node's trace columns (name -> one value per period)."""
        return self._node("trace").trace

    @property
    def report_host(self) -> dict[str, str]:
        """The single node's report_host()."""
        return self._node("report_host").report_host


@dataclass
class _Slot:
    """One agent of the tree: its node, level and children's nodes."""

    agent: Agent
    node: int
    level: int
    children: list[int]
    sample: FloatArray
    policy: FloatArray
    arrays: dict[str, FloatArray] = field(default_factory=dict)
    """The arrays its hooks get, by argument: the same ones every period."""


_active: list[ScriptedPlatformIO] = []
_topos: list[ScriptedPlatformTopo] = []


@contextlib.contextmanager
def _platform_of(pio: ScriptedPlatformIO, topo: ScriptedPlatformTopo) -> Iterator[None]:
    """geopm_bridge.platform_io() and platform_topo() answer this node's."""
    _active.append(pio)
    _topos.append(topo)
    try:
        yield
    finally:
        _active.pop()
        _topos.pop()


@contextlib.contextmanager
def _patched() -> Iterator[None]:
    """Install the harness's platform_io()/platform_topo() on geopm_bridge."""
    real_io, real_topo = geopm_bridge.platform_io, geopm_bridge.platform_topo

    def platform_io() -> ScriptedPlatformIO:
        return _active[-1] if _active else real_io()  # type: ignore[return-value]

    def platform_topo() -> ScriptedPlatformTopo:
        return _topos[-1] if _topos else real_topo()  # type: ignore[return-value]

    geopm_bridge.platform_io = platform_io  # type: ignore[assignment]
    geopm_bridge.platform_topo = platform_topo  # type: ignore[assignment]
    try:
        yield
    finally:
        geopm_bridge.platform_io = real_io
        geopm_bridge.platform_topo = real_topo


def trace_scripts(trace: Trace | str | Path, catalog: Catalog | None = None) -> dict[str, Script]:
    """The signals of a trace (``launch --geopm-trace``) as per-period scripts:
    row k in period k. A column ``NAME`` scripts ``NAME`` at the board, a
    column ``NAME-domain-index`` one index of ``NAME@domain`` (missing
    indices NaN); columns that are not signals of ``catalog`` (the agent's
    own) and controls (what the agent writes) are left out. ``TIME`` is
    kept: it becomes the harness's clock.
    """
    if not isinstance(trace, Trace):
        trace = read_trace(Path(trace))
    catalog = catalog or node_model_catalog()
    board: dict[str, FloatArray] = {}
    split: dict[tuple[str, str], dict[int, FloatArray]] = {}
    for column, values in trace.columns.items():
        if column.rsplit("-", 2)[0] in catalog.controls:
            continue  # a control reads what the agent writes
        if column in catalog.signals:
            board[column] = values
            continue
        parts = column.rsplit("-", 2)
        if len(parts) == 3 and parts[0] in catalog.signals and parts[2].isdigit():
            split.setdefault((parts[0], parts[1]), {})[int(parts[2])] = values
    scripts = {name: per_period(values) for name, values in board.items()}
    for (name, domain), columns in split.items():
        count = catalog.num_domain[domain_of(domain)]
        table = np.full((trace.num_rows, count), math.nan)
        for idx, values in columns.items():
            if idx < count:
                table[:, idx] = values
        scripts[f"{name}@{domain}"] = per_period(table)
    return scripts


def _scripts_of(
    signals: Signals, catalog: Catalog, node_model: str
) -> dict[tuple[str, int], Script]:
    result: dict[tuple[str, int], Script] = {}
    for key, value in signals.items():
        name, _, domain_name = key.partition("@")
        if name not in catalog.signals:
            raise ValueError(
                f"geopm_bridge.testing: {name} is not a signal of the platform (the node model "
                f"{node_model!r}); it has {', '.join(sorted(catalog.signals))}"
            )
        if name in catalog.controls:
            raise ValueError(
                f"geopm_bridge.testing: {name} is a control: it reads what the agent writes, "
                "not a script"
            )
        domain = domain_of(domain_name or "board")
        native = catalog.signals[name].domain
        if (native, domain, 0) not in catalog.nested or catalog.num_domain[domain] == 0:
            raise ValueError(
                f"geopm_bridge.testing: {key}: the platform has no {domain_name} domain "
                f"that {name} (measured per {_core.PlatformTopo.domain_type_to_name(native)}) "
                "can be read at"
            )
        result[(name, domain)] = as_script(key, value)
    return result


def _policy_rows(policy: PolicyLike, names: Sequence[str], periods: int) -> FloatArray:
    rows = np.full((periods, len(names)), math.nan)
    if policy is None:
        return rows
    if isinstance(policy, Mapping):
        unknown = sorted(set(policy) - set(names))
        if unknown:
            raise ValueError(f"geopm_bridge.testing: unknown policy names {unknown} ({names})")
        for pos, name in enumerate(names):
            rows[:, pos] = policy.get(name, math.nan)
        return rows
    array = np.asarray(policy, dtype=np.float64)
    if array.shape[-1:] != (len(names),) or array.ndim > 2:
        raise ValueError(
            f"geopm_bridge.testing: a policy has {len(names)} values ({', '.join(names)}) per "
            f"period, got shape {array.shape}"
        )
    if array.ndim == 2 and len(array) < periods:
        raise ValueError(f"geopm_bridge.testing: {len(array)} policy rows for {periods} periods")
    rows[:] = array if array.ndim == 1 else array[:periods]
    return rows


class _Run:
    """One harness run: the tree's agents and platforms, and the loop."""

    def __init__(
        self,
        make_agent: Callable[[], Agent],
        fan_in: Sequence[int],
        platforms: list[ScriptedPlatformIO],
        topo: ScriptedPlatformTopo,
    ) -> None:
        self.fan_in = list(fan_in)
        self.platforms = platforms
        self.topo = topo
        self.slots: dict[tuple[int, int], _Slot] = {}  # (node, level)
        num_node = len(platforms)
        for node in range(num_node):
            for level in range(len(self.fan_in) + 1):
                # The node is a parent at this level's tree agent when it is
                # the first child at every level below.
                span = math.prod(self.fan_in[:level])
                if node % span != 0:
                    break
                children = []
                if level:
                    below = math.prod(self.fan_in[: level - 1])
                    children = [node + child * below for child in range(self.fan_in[level - 1])]
                agent = self._call(_factory_name(make_agent), node, level, "__init__", make_agent)
                if not isinstance(agent, Agent):
                    raise TypeError(
                        f"geopm_bridge.testing: the agent factory made {agent!r}, not a "
                        "geopm_bridge.Agent"
                    )
                cls = type(agent)
                self.slots[(node, level)] = _Slot(
                    agent,
                    node,
                    level,
                    children,
                    np.full(len(cls.sample_names), math.nan),
                    np.full(len(cls.policy_names), math.nan),
                )

    def call(self, slot: _Slot, hook: str, *args: object) -> object:
        """Run one hook on the slot's node."""
        function = getattr(slot.agent, hook)
        return self._call(
            _agent_name(type(slot.agent)), slot.node, slot.level, hook, function, *args
        )

    def _call(
        self,
        name: str,
        node: int,
        level: int,
        hook: str,
        function: Callable[..., object],
        *args: object,
    ) -> object:
        with _platform_of(self.platforms[node], self.topo):
            try:
                return function(*args)
            except Exception as error:
                raise AgentHookError(
                    f"agent {name} (level {level}, node {node}) raised in {hook}(): "
                    f"{type(error).__name__}: {error}"
                ) from error


def _agent_name(cls: type[Agent]) -> str:
    """The agent's name as its class gives it, else the class's name."""
    name = cls.__dict__.get("name")
    return str(name) if name else cls.__qualname__


def _factory_name(make_agent: Callable[[], Agent]) -> str:
    if isinstance(make_agent, type) and issubclass(make_agent, Agent):
        return _agent_name(make_agent)
    return getattr(make_agent, "__qualname__", repr(make_agent))


def run_agent(
    agent: type[Agent] | Callable[[], Agent],
    periods: int | None = None,
    *,
    policy: PolicyLike = None,
    signals: Signals | Sequence[Signals] = (),
    fan_in: Sequence[int] = (),
    node_model: str = "1",
    replay: Trace | str | Path | None = None,
) -> HarnessResult:
    """Run a Python agent (or a tree of them) for ``periods`` control periods in-process.

    * ``agent``: a :class:`geopm_bridge.Agent` subclass, or a callable making
      one (called once per agent of the tree, as the factory is).
    * ``policy``: the root's policy, every period: a sequence or a mapping
      by policy name (missing names NaN), or a periods x policies array; None:
      all NaN, as a job without a policy.
    * ``signals``: scripted signals, ``"NAME"`` (read at the board) or
      ``"NAME@domain"`` (one value per domain index) to a
      :data:`~geopm_bridge.testing.ScriptLike`; a sequence of such mappings
      gives each node its own.
    * ``fan_in``: the tree, as GEOPM's ``fan_in`` (``[2]``: two nodes under
      one root); empty: a single node.
    * ``node_model``: the node model's parameters (``"gpus=4"``): the
      platform's names, domains and the values of unscripted signals.
    * ``replay``: a trace file of a node (``launch --geopm-trace``) or a
      :class:`~geopm_bridge.trace.Trace`, replayed to every node (its
      signals scripted with :func:`trace_scripts`, ``signals`` on top);
      ``periods`` defaults to its rows.

    Raises :class:`AgentHookError` when a hook raises, ValueError for a
    script or policy that does not fit the platform or the agent.
    """
    make_agent: Callable[[], Agent] = agent
    catalog = node_model_catalog(node_model)
    if any(count < 1 for count in fan_in):
        raise ValueError(f"geopm_bridge.testing: fan_in {list(fan_in)} has a level without nodes")
    num_node = math.prod(fan_in)
    per_node = [signals] * num_node if isinstance(signals, Mapping) else list(signals)
    if not per_node:
        per_node = [{}] * num_node
    if len(per_node) != num_node:
        raise ValueError(
            f"geopm_bridge.testing: {len(per_node)} signal mappings for {num_node} nodes"
        )
    clock: FloatArray | None = None
    if replay is not None:
        replayed = trace_scripts(replay, catalog)
        time_script = replayed.pop("TIME", None)
        if time_script is not None and time_script.values is not None:
            clock = time_script.values
        per_node = [{**replayed, **node_signals} for node_signals in per_node]
        if periods is None:
            periods = (
                read_trace(Path(replay)) if not isinstance(replay, Trace) else replay
            ).num_rows
    if periods is None or periods < 1:
        raise ValueError("geopm_bridge.testing: the number of periods must be at least 1")
    if clock is not None and len(clock) < periods:
        raise ValueError(
            f"geopm_bridge.testing: the trace has {len(clock)} rows for {periods} periods"
        )
    scripts = [_scripts_of(node_signals, catalog, node_model) for node_signals in per_node]
    for node_scripts in scripts:
        for (name, _), script in node_scripts.items():
            covered = script.num_periods()
            if covered is not None and covered < periods:
                raise ValueError(
                    f"geopm_bridge.testing: the script of {name} has {covered} values for "
                    f"{periods} periods"
                )
    topo = ScriptedPlatformTopo(catalog)
    platforms = [ScriptedPlatformIO(catalog, node_scripts) for node_scripts in scripts]
    with _patched():
        return _loop(_Run(make_agent, fan_in, platforms, topo), periods, policy, clock)


def _loop(run: _Run, periods: int, policy: PolicyLike, clock: FloatArray | None) -> HarnessResult:
    levels = len(run.fan_in)
    root = run.slots[(0, levels)]
    leaves = [run.slots[(node, 0)] for node in range(len(run.platforms))]
    cls = type(root.agent)
    policy_rows = _policy_rows(policy, list(cls.policy_names), periods)
    period = float(geopm_bridge.environment_period(cls.period))
    times = clock[:periods] if clock is not None else (np.arange(periods) + 1.0) * period

    # init(): GEOPM's arguments (docs/tree.md).
    for (_, level), slot in sorted(run.slots.items(), key=lambda item: item[0]):
        is_level_root = level < levels and (slot.node, level + 1) in run.slots
        run.call(slot, "init", level, list(run.fan_in), is_level_root)
    for pio in run.platforms:
        pio.set_period(0, 0.0)
        pio.read_batch()

    num_policy, num_sample = len(cls.policy_names), len(cls.sample_names)
    trace_names = [
        [str(name) for name in run.call(leaf, "trace_names")]  # type: ignore[attr-defined]
        for leaf in leaves
    ]
    records = [_Record(periods, num_policy, num_sample, names) for names in trace_names]
    root_samples = np.full((periods, num_sample), math.nan)
    root.policy[:] = np.nan

    for step in range(periods):
        # walk_down
        root.policy[:] = policy_rows[step]
        for level in range(levels, 0, -1):
            for (_, lvl), slot in sorted(run.slots.items()):
                if lvl != level:
                    continue
                policy_now = _refill(slot, "policy", slot.policy, writable=True)
                run.call(slot, "validate_policy", policy_now)
                in_policy = _refill(slot, "in_policy", policy_now, writable=False)
                out = _output(slot, "out_policy", (len(slot.children), num_policy))
                run.call(slot, "split_policy", in_policy, out)
                if run.call(slot, "do_send_policy"):
                    for row, child in zip(out, slot.children, strict=True):
                        run.slots[(child, level - 1)].policy[:] = row
        for leaf, record in zip(leaves, records, strict=True):
            policy_now = _refill(leaf, "policy", leaf.policy, writable=True)
            run.call(leaf, "validate_policy", policy_now)
            record.policies[step] = policy_now
            in_policy = _refill(leaf, "in_policy", policy_now, writable=False)
            run.call(leaf, "adjust_platform", in_policy)
            if run.call(leaf, "do_write_batch"):
                run.platforms[leaf.node].write_batch()
        # wait(): the scripted clock moves on instead.
        # walk_up
        sent: dict[tuple[int, int], bool] = {}
        for leaf, record, names in zip(leaves, records, trace_names, strict=True):
            pio = run.platforms[leaf.node]
            pio.set_period(step, float(times[step]))
            pio.read_batch()
            out_sample = _output(leaf, "out_sample", (num_sample,))
            run.call(leaf, "sample_platform", out_sample)
            record.samples[step] = out_sample
            values = _output(leaf, "trace_values", (len(names),))
            run.call(leaf, "trace_values", values)
            record.trace[step] = values
            sent[(leaf.node, 0)] = _send(run, leaf, "sample_platform", out_sample, step)
            _record_controls(record.controls, pio, step, periods, run.topo)
        for level in range(1, levels + 1):
            for (_, lvl), slot in sorted(run.slots.items()):
                if lvl != level:
                    continue
                rows = [run.slots[(child, level - 1)].sample for child in slot.children]
                if np.isnan(rows).any():
                    sent[(slot.node, level)] = False
                    continue
                children = _refill(slot, "in_sample", np.array(rows), writable=False)
                out_sample = _output(slot, "out_sample", (num_sample,))
                run.call(slot, "aggregate_sample", children, out_sample)
                sent[(slot.node, level)] = _send(run, slot, "aggregate_sample", out_sample, step)
        if sent[(0, levels)]:
            root_samples[step] = root.sample

    report_header = {str(k): str(v) for k, v in run.call(root, "report_header")}  # type: ignore[attr-defined]
    nodes = []
    for leaf, record, names in zip(leaves, records, trace_names, strict=True):
        regions = run.call(leaf, "report_region")
        nodes.append(
            NodeResult(
                policies=record.policies,
                samples=record.samples,
                controls=record.controls,
                trace={name: record.trace[:, pos] for pos, name in enumerate(names)},
                report_host={str(k): str(v) for k, v in run.call(leaf, "report_host")},  # type: ignore[attr-defined]
                report_region={
                    int(region): {str(k): str(v) for k, v in pairs}
                    for region, pairs in regions.items()  # type: ignore[attr-defined]
                },
            )
        )
    return HarnessResult(
        time=np.asarray(times, dtype=np.float64),
        nodes=nodes,
        root_samples=root_samples,
        report_header=report_header,
    )


class _Record:
    """One leaf's recordings."""

    def __init__(self, periods: int, num_policy: int, num_sample: int, names: list[str]) -> None:
        self.policies = np.full((periods, num_policy), math.nan)
        self.samples = np.full((periods, num_sample), math.nan)
        self.trace = np.full((periods, len(names)), math.nan)
        self.controls: dict[str, FloatArray] = {}


def _refill(slot: _Slot, key: str, values: FloatArray, *, writable: bool) -> FloatArray:
    """The slot's array for an input, refilled in place: as from the controller, a
    hook gets the same array every period (an agent copies what it keeps)."""
    array = slot.arrays.get(key)
    if array is None or array.shape != values.shape:
        array = slot.arrays[key] = np.array(values, dtype=np.float64)
    else:
        array.setflags(write=True)
        array[...] = values
    array.setflags(write=writable)
    return array


def _output(slot: _Slot, key: str, shape: tuple[int, ...]) -> FloatArray:
    """The slot's array for an output: NaN at first, then holding what the hook
    wrote last, as the controller's vector does."""
    array = slot.arrays.get(key)
    if array is None:
        array = slot.arrays[key] = np.full(shape, math.nan)
    return array


def _send(run: _Run, slot: _Slot, hook: str, out_sample: FloatArray, step: int) -> bool:
    """The controller's rule: a sample goes up when do_send_sample() says so and it is
    complete; from the second period on an incomplete one is an error."""
    if not run.call(slot, "do_send_sample"):
        return False
    missing = np.flatnonzero(np.isnan(out_sample))
    if missing.size:
        if step > 0:
            cls = type(slot.agent)
            raise AgentHookError(
                f"agent {_agent_name(cls)} (level {slot.level}, node {slot.node}) sent a "
                f"sample from {hook}() with NaN at index {int(missing[0])} "
                f"({cls.sample_names[int(missing[0])]})"
            )
        return False
    slot.sample[:] = out_sample
    return True


def _record_controls(
    controls: dict[str, FloatArray],
    pio: ScriptedPlatformIO,
    step: int,
    periods: int,
    topo: ScriptedPlatformTopo,
) -> None:
    for name, domain in pio.control_domains.items():
        count = topo.num_domain(domain)
        if name not in controls:
            controls[name] = np.full((periods, count), math.nan)
        controls[name][step] = [pio.control_value(name, domain, idx) for idx in range(count)]
