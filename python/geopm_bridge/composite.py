"""Composite agents: several agents run as one agent.

A composite is named ``a+b[+c...]``, optionally followed by merge rules for
controls two members push, ``@CONTROL=rule[,CONTROL=rule...]`` with ``rule``
one of ``min``, ``max``, ``first``, ``last`` (e.g.
``power_governor+region_frequency@CPU_FREQUENCY_MAX_CONTROL=min``). The C++
runtime registers such a name in the agent factory the first time any
consumer (the controller, ``geopm-bridge agent``, ``geopm_agent.h``) meets
it (``cpp/include/geopm_bridge/Composite.hpp``); :func:`compose` builds the
name from Python, registering the members given as classes, and can give the
composite a name of its own. On the native backend the same code runs in
GEOPM (docs/native.md), where ``GEOPM_BRIDGE_COMPOSITES`` and a composite
``GEOPM_AGENT`` declare composites before GEOPM looks them up
(:func:`load_composites`), and merge rules are refused. The rules are in the
README's "Composite agents" section and docs/controller.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ._loader import BACKEND, _core
from .agent import Agent
from .registry import agent_factory, agent_name


def is_composite_name(name: str) -> bool:
    """Whether ``name`` is written as a composite (holds a ``+``)."""
    return "+" in name


def resolve_composite(name: str) -> None:
    """Register ``name`` in the agent factory when it is a composite not yet
    registered; any other name is left alone. Raises GeopmError
    (GEOPM_ERROR_INVALID) for a malformed composite or an unknown member,
    GEOPM_ERROR_NOT_IMPLEMENTED for merge rules on the native backend."""
    if is_composite_name(name) and name not in _core.plugin_names():
        _core.resolve_agent(name)


COMPOSITES_VARIABLE = "GEOPM_BRIDGE_COMPOSITES"


def load_composites() -> list[tuple[str, Exception]]:
    """Register the composites ``GEOPM_BRIDGE_COMPOSITES`` declares
    (whitespace-separated ``NAME=SPEC`` or ``SPEC`` entries, SPEC a composite
    name such as ``monitor+my_agent``) and, on the native backend, a
    composite ``GEOPM_AGENT``: GEOPM looks agents up by exact name, so the
    plugin registers these when it loads (called by
    :func:`geopm_bridge.registry.load_agents`). A name already registered
    is left alone. Returns (source, error) for each entry that failed."""
    entries = [
        (f"{COMPOSITES_VARIABLE} entry {entry!r}", entry)
        for entry in os.environ.get(COMPOSITES_VARIABLE, "").split()
    ]
    agent = os.environ.get("GEOPM_AGENT", "")
    if BACKEND == "native" and is_composite_name(agent):
        entries.append((f"GEOPM_AGENT={agent!r}", agent))
    failures: list[tuple[str, Exception]] = []
    for source, entry in entries:
        name, is_named, spec = entry.partition("=")
        if not is_named or is_composite_name(name):
            # No name: the whole entry is the spec ("a+b@CONTROL=rule").
            name, spec = entry, entry
        try:
            if name in _core.plugin_names():
                continue
            if name == spec:
                resolve_composite(spec)
            elif is_composite_name(spec):
                _core.register_composite(name, spec)
            else:
                raise ValueError(f"{spec!r} is no composite (write NAME=a+b)")
        except (ValueError, _core.GeopmError) as error:
            failures.append((source, error))
    return failures


def _member_name(member: str | type[Agent]) -> str:
    if isinstance(member, str):
        return member
    if not (isinstance(member, type) and issubclass(member, Agent)):
        raise TypeError(
            f"compose(): a member is an agent name or an Agent subclass, got {member!r}"
        )
    factory = agent_factory()
    for name in factory.plugin_names():
        if factory.agent_class(name) is member:
            return name
    name = agent_name(member)
    factory.register_plugin(name, member)
    return name


def compose(
    *members: str | type[Agent],
    name: str | None = None,
    merge: Mapping[str, str] | None = None,
) -> str:
    """Register the composite of ``members`` (two or more agent names or Agent
    subclasses, a class registered first if it is not) and return its name.

    ``merge`` maps a control name to its merge rule for controls two members
    push (``"min"``, ``"max"``: the lowest or highest setting; ``"first"``,
    ``"last"``: that of the first or last member, in member order, that set
    it); without one such a control is refused when the agent starts.
    Without ``name`` the composite's name is its spelling,
    ``"a+b@CONTROL=rule"`` (what ``--geopm-agent`` and ``GEOPM_AGENT``
    take); with ``name`` it is registered under that name too (a name
    without ``+``), usable wherever an agent name is. Raises GeopmError as
    :func:`resolve_composite` does.
    """
    if len(members) < 2:
        raise ValueError(f"compose(): a composite needs two members or more, got {len(members)}")
    spec = "+".join(_member_name(member) for member in members)
    if merge:
        # The runtime parses the name and checks the rules (CompositeSpec.cpp).
        spec += "@" + ",".join(f"{control}={rule}" for control, rule in merge.items())
    resolve_composite(spec)
    if name is None:
        return spec
    if is_composite_name(name):
        raise ValueError(f"compose(): name {name!r} must not hold '+'")
    _core.register_composite(name, spec)
    return name
