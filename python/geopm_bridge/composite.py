"""Composite agents: several agents run as one agent.

A composite is named ``a+b[+c...]``, optionally followed by merge rules for
controls two members push, ``@CONTROL=rule[,CONTROL=rule...]`` with ``rule``
one of ``min``, ``max``, ``first``, ``last`` (e.g.
``power_governor+region_frequency@CPU_FREQUENCY_MAX_CONTROL=min``). The C++
runtime registers such a name in the agent factory the first time any
consumer (the controller, ``geopm-bridge agent``, ``geopm_agent.h``) meets
it (``cpp/include/geopm_bridge/Composite.hpp``); :func:`compose` builds the
name from Python, registering the members given as classes, and can give the
composite a name of its own. Embedded backend only. The rules are in the
README's "Composite agents" section and docs/controller.md.
"""

from __future__ import annotations

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
    GEOPM_ERROR_NOT_IMPLEMENTED on the native backend."""
    if is_composite_name(name) and name not in _core.plugin_names():
        _require_embedded()
        _core.resolve_agent(name)


def _require_embedded() -> None:
    if BACKEND != "embedded":
        raise _core.GeopmError(
            "composite agents (a+b) run on the embedded backend only",
            _core.GEOPM_ERROR_NOT_IMPLEMENTED,
        )


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
    _require_embedded()
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
