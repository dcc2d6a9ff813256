"""Registering Python agents in the agent factory, and finding installed ones.

Python agents become real plugins of the C++ ``geopm::agent_factory()``,
beside the built-in C++ agents and the C++ agent plugins, so the controller (and
``geopm-bridge agent``) sees one list of agents.

Registration checks the class against the hooks (``_core.AGENT_HOOKS`` and
``_core.AGENT_HOOK_PARAMETERS``, the C++ adapter's one list of them): a hook
that cannot take the arguments it is called with is an error, a public method
whose name is close to a hook's a warning. A Python class registered under a
name a Python class already holds replaces it (a notebook cell run again);
built-in and C++ plugin agents are never replaced.

Discovery, done by :func:`load_agents`:

* entry points of the group ``geopm_bridge.agents`` (``name = "module:Class"``;
  the entry point name is the agent name unless the class sets ``name``);
* ``GEOPM_BRIDGE_AGENTS``: comma-separated ``module:Class`` entries, imported
  from the Python path with the current directory added.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import importlib.metadata
import inspect
import os
import re
import sys
import types
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar, overload

from ._loader import _core
from .agent import Agent, aggregation_of

ENTRY_POINT_GROUP = "geopm_bridge.agents"
AGENTS_VARIABLE = "GEOPM_BRIDGE_AGENTS"

_AgentClass = TypeVar("_AgentClass", bound=type[Agent])

HOOK_NAME_CUTOFF = 0.85
"""How close (``difflib.SequenceMatcher.ratio()``, case ignored) a public
method's name must be to a hook's for registration to warn that it may be a
misspelled hook: ``sample_plataform`` is 0.97 from ``sample_platform``; the
closest names of the examples and tests that are no hooks stay below 0.84."""

# Names that mean init() although they are too long to be close to it as
# strings: initialize, initialise, initAgent.
_INIT_LIKE = re.compile(r"init[a-z]*", re.IGNORECASE)

_PACKAGE_DIRECTORY = os.path.dirname(os.path.abspath(__file__)) + os.sep


class AgentLoadError(Exception):
    """An entry point or ``GEOPM_BRIDGE_AGENTS`` entry that gave no agent.

    ``str()`` is one line, ``"<source>: <reason>"``, fit for a command line.
    """

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


def snake_case(class_name: str) -> str:
    """``PowerCapAgent`` -> ``power_cap_agent``, ``HTTPAgent`` -> ``http_agent``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", class_name).lower()


def agent_name(cls: type[Agent], default: str | None = None) -> str:
    """The name ``cls`` registers under: its own ``name`` attribute, else
    ``default`` (an entry point name), else its class name in snake_case."""
    name = cls.__dict__.get("name")
    if name is None:
        return default or snake_case(cls.__name__)
    if not isinstance(name, str) or not name:
        raise TypeError(f"{cls.__qualname__}.name must be a non-empty str, got {name!r}")
    return name


def _names(cls: type[Agent], attribute: str) -> list[str]:
    try:
        names = getattr(cls, attribute)
    except AttributeError:
        raise TypeError(
            f"{cls.__qualname__} has no {attribute}: declare it as a class attribute "
            f"(a sequence of str, () for none)"
        ) from None
    if (
        isinstance(names, str)
        or not isinstance(names, Sequence)
        or not all(isinstance(name, str) and name for name in names)
    ):
        raise TypeError(
            f"{cls.__qualname__}.{attribute} must be a sequence of non-empty str, got {names!r}"
        )
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"{cls.__qualname__}.{attribute} repeats {', '.join(map(repr, repeated))}: "
            f"{list(names)}"
        )
    return list(names)


def _user_stacklevel() -> int:
    """The ``stacklevel`` at which the caller's ``warnings.warn()`` names the
    first frame outside this package (the user's registration)."""
    level = 1
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIRECTORY):
        frame = frame.f_back
        level += 1
    return level


def _warn_misspelled_hooks(cls: type[Agent]) -> None:
    """Warn about each public method of ``cls`` that looks like a misspelled hook."""
    hooks = list(_core.AGENT_HOOKS)
    seen = set()
    for klass in cls.__mro__:
        if klass in (Agent, object):
            continue
        for method, value in vars(klass).items():
            if method.startswith("_") or method in hooks or method in seen:
                continue
            seen.add(method)
            if not isinstance(value, (types.FunctionType, staticmethod, classmethod)):
                continue
            close = difflib.get_close_matches(method.lower(), hooks, n=1, cutoff=HOOK_NAME_CUTOFF)
            likely = close[0] if close else "init" if _INIT_LIKE.fullmatch(method) else None
            if likely is not None:
                parameters = ", ".join(_core.AGENT_HOOK_PARAMETERS[likely])
                warnings.warn(
                    f"{cls.__qualname__}.{method}() is no agent hook (the controller never "
                    f"calls it): did you mean {likely}({parameters})?",
                    stacklevel=_user_stacklevel(),
                )


def _bare(signature: inspect.Signature) -> inspect.Signature:
    """``signature`` without its annotations, as an error message shows it."""
    empty = inspect.Parameter.empty
    return signature.replace(
        parameters=[
            parameter.replace(annotation=empty) for parameter in signature.parameters.values()
        ],
        return_annotation=empty,
    )


def _overridden_hooks(cls: type[Agent]) -> list[str]:
    """The hooks ``cls`` overrides, each checked to take its arguments.

    Raises TypeError naming the class, the hook and its parameters when one
    is not callable or cannot be called with them (``self`` counted for a
    plain method; ``*args`` and defaults allowed).
    """
    overridden = []
    for hook, parameters in _core.AGENT_HOOK_PARAMETERS.items():
        method = getattr(cls, hook)
        if method is getattr(Agent, hook):
            continue
        overridden.append(hook)
        expected = f"{hook}({', '.join(('self', *parameters))})"
        if not callable(method):
            raise TypeError(
                f"{cls.__qualname__}.{hook} must be a method {expected}, got {method!r}"
            )
        # A function found on the class is called with the instance first;
        # a staticmethod, a classmethod or another callable as it is.
        arguments: list[object] = [None] * len(parameters)
        if isinstance(inspect.getattr_static(cls, hook), types.FunctionType):
            arguments.insert(0, None)
        try:
            signature = inspect.signature(method)
        except (TypeError, ValueError):
            continue  # no signature to read (some built-in callables): called as it is
        try:
            signature.bind(*arguments)
        except TypeError:
            raise TypeError(
                f"{cls.__qualname__}.{hook}{_bare(signature)} cannot be called as the agent hook "
                f"{expected}"
            ) from None
    return overridden


class AgentFactory:
    """``geopm::agent_factory()`` seen from Python: built-in agents, C++ agent
    plugins and Python agents, in registration order."""

    def __init__(self) -> None:
        self._classes: dict[str, type[Agent]] = {}

    def register_plugin(self, name: str, cls: type[Agent]) -> None:
        """Register the Agent subclass ``cls`` as agent ``name``.

        Its dictionary comes from its ``policy_names`` and ``sample_names``.
        Raises TypeError or ValueError naming the class when it does not fit
        (names that are no sequence of unique non-empty str, a hook that
        cannot take its arguments, ...), and GeopmError (GEOPM_ERROR_INVALID)
        when a built-in or C++ plugin agent holds ``name``. Warns about a
        public method whose name is close to a hook's (:data:`HOOK_NAME_CUTOFF`).

        A Python class already registered as ``name`` is replaced, so a
        notebook cell defining an agent can be edited and run again: agents
        made from then on are of ``cls``, under its policy and sample names
        (on the native backend those must stay the same). A warning names
        the agent when ``cls`` is another class than the one replaced;
        registering the same class again is silent.
        """
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"register_plugin(): the agent name must be a non-empty str, got {name!r}"
            )
        if not (isinstance(cls, type) and issubclass(cls, Agent)):
            raise TypeError(f"register_plugin(): {cls!r} is not a subclass of geopm_bridge.Agent")
        policy = _names(cls, "policy_names")
        sample = _names(cls, "sample_names")
        period = cls.period
        if isinstance(period, bool) or not isinstance(period, (int, float)) or not period >= 0:
            raise ValueError(f"{cls.__qualname__}.period must be seconds >= 0, got {period!r}")
        _warn_misspelled_hooks(cls)
        overridden = _overridden_hooks(cls)
        _core._register_python_agent(
            name, cls, policy, sample, overridden, float(period), aggregation_of(cls)
        )
        replaced = self._classes.get(name)
        self._classes[name] = cls
        if replaced is not None and replaced is not cls:
            warnings.warn(
                f"agent {name!r}: {_where(cls)} replaces {_where(replaced)}, registered "
                f"before under this name; agents made from now on are of the new class",
                stacklevel=_user_stacklevel(),
            )

    def plugin_names(self) -> list[str]:
        """Every agent name, in registration order."""
        return _core.plugin_names()

    def dictionary(self, name: str) -> dict[str, str]:
        """The registration dictionary of agent ``name`` (NUM_POLICY, POLICY_0, ...)."""
        return _core.dictionary(name)

    def make_plugin(self, name: str) -> Agent | _core.CppAgent:
        """A new agent ``name``: a new instance for a Python agent, else an opaque
        handle of the C++ agent."""
        agent: Agent | _core.CppAgent = _core.make_plugin(name)
        return agent

    def agent_class(self, name: str) -> type[Agent] | None:
        """The Python class registered as ``name``, or None for a C++ agent."""
        return self._classes.get(name)

    def is_registered(self, cls: type[Agent]) -> bool:
        """Whether ``cls`` is registered under some name."""
        return cls in self._classes.values()


def _where(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


_FACTORY = AgentFactory()


def agent_factory() -> AgentFactory:
    """The process-wide agent factory."""
    return _FACTORY


@overload
def register_agent(target: _AgentClass, /) -> _AgentClass: ...


@overload
def register_agent(
    target: str | None = None, /, *, name: str | None = None
) -> Callable[[_AgentClass], _AgentClass]: ...


def register_agent(
    target: _AgentClass | str | None = None, /, *, name: str | None = None
) -> _AgentClass | Callable[[_AgentClass], _AgentClass]:
    """Class decorator registering an Agent subclass in :func:`agent_factory`.

    ``@register_agent`` uses :func:`agent_name`; ``@register_agent("name")`` or
    ``@register_agent(name="name")`` chooses the name. A decorated class run
    again (a notebook cell) replaces the one before it under its name
    (:meth:`AgentFactory.register_plugin`).
    """
    if isinstance(target, str):
        if name is not None:
            raise TypeError("register_agent(): name given twice")
        name = target

    def register(cls: _AgentClass) -> _AgentClass:
        _FACTORY.register_plugin(name or agent_name(cls), cls)
        return cls

    if isinstance(target, type):
        return register(target)
    return register


# Outcome of each discovery source already tried, so load_agents() imports
# and registers each one once.
_SOURCES_DONE: dict[str, AgentLoadError | None] = {}


def load_agents(*, strict: bool = True) -> list[AgentLoadError]:
    """Register the installed Python agents (entry points, then ``GEOPM_BRIDGE_AGENTS``),
    then the declared composites (:func:`geopm_bridge.composite.load_composites`).

    Idempotent: a source already handled is not imported again, a class
    already registered is skipped. Every source is tried; then, when
    ``strict``, the first failure is raised as an :class:`AgentLoadError`,
    else the failures are returned (an empty list when all went well).
    """
    failures = []
    for source, load, default_name in _sources():
        if source not in _SOURCES_DONE:
            _SOURCES_DONE[source] = _register_from(source, load, default_name)
        failure = _SOURCES_DONE[source]
        if failure is not None:
            failures.append(failure)
    # Then the declared composites, whose members may be the agents above.
    from .composite import load_composites  # composite imports this module

    for source, error in load_composites():
        failures.append(AgentLoadError(source, str(error)))
    if strict and failures:
        raise failures[0]
    return failures


def _sources() -> Iterator[tuple[str, Callable[[], object], str | None]]:
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        yield f"entry point {entry.name} = {entry.value}", entry.load, entry.name
    for spec in os.environ.get(AGENTS_VARIABLE, "").split(","):
        spec = spec.strip()
        if spec:
            yield f"{AGENTS_VARIABLE} entry {spec!r}", functools.partial(_import, spec), None


def _import(spec: str) -> object:
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise AgentLoadError(f"{AGENTS_VARIABLE} entry {spec!r}", "expected MODULE:CLASS")
    # The current directory is searched too, last, and only for this import.
    cwd = os.getcwd()
    added = cwd not in sys.path and "" not in sys.path
    if added:
        sys.path.append(cwd)
    try:
        obj: object = importlib.import_module(module_name)
    finally:
        if added:
            sys.path.remove(cwd)
    for part in attribute.split("."):
        obj = getattr(obj, part)
    return obj


def _register_from(
    source: str, load: Callable[[], object], default_name: str | None
) -> AgentLoadError | None:
    try:
        cls = load()
    except AgentLoadError as error:
        return error
    except Exception as error:  # noqa: BLE001 - any failure of the user's module is reported
        failure = AgentLoadError(source, f"cannot import: {type(error).__name__}: {error}")
        failure.__cause__ = error  # its traceback, for whoever shows one
        return failure
    if not (isinstance(cls, type) and issubclass(cls, Agent)):
        return AgentLoadError(source, f"{cls!r} is not a subclass of geopm_bridge.Agent")
    if _FACTORY.is_registered(cls):
        return None  # e.g. by its own @register_agent when its module was imported
    try:
        name = agent_name(cls, default_name)
        if name in _core.plugin_names():
            return AgentLoadError(source, f"agent name {name!r} is already taken")
        _FACTORY.register_plugin(name, cls)
    except (TypeError, ValueError) as error:
        return AgentLoadError(source, str(error))
    return None
