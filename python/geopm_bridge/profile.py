"""Mark a Python application's regions, epochs and progress for its controller.

The Python face of GEOPM's profiling C API (``geopm_prof.h``), for mpi4py and
NumPy codes: the same library a C program links with ``-lgeopm``, called
through ctypes, so a Python application run under ``geopm-bridge launch``
shows its regions and epochs to the agent (``REGION_HASH``, ``REGION_HINT``,
``REGION_PROGRESS``, ``EPOCH_COUNT``) and in the report::

    from geopm_bridge import profile
    from geopm_bridge.profile import RegionHint

    for step in range(100):
        profile.epoch()                              # one outer iteration begins
        with profile.region("halo_exchange", RegionHint.NETWORK):
            exchange()
        with profile.region("stencil", RegionHint.MEMORY):
            profile.tprof_init(len(blocks))           # progress inside the region
            for block in blocks:
                update(block)
                profile.tprof_post()

As in GEOPM: a region's time and count belong to the outermost region
entered (a nested region only changes the hint); mark regions from one
thread of a process (``tprof_post()`` may come from any); a process that is
not under a controller (or that ``--geopm-program-filter`` leaves out) may
call everything at the cost of a function call, and nothing is recorded.
An error code from the library, or a bad argument, raises
:class:`geopm_bridge.GeopmError` with the GEOPM error code and one line of
text.
"""

from __future__ import annotations

import contextlib
import ctypes
import enum
import functools
import operator
import os
import zlib
from types import TracebackType
from typing import Any

from ._loader import _core, profile_library

__all__ = [
    "Region",
    "RegionHint",
    "epoch",
    "region",
    "region_hash",
    "shutdown",
    "tprof_init",
    "tprof_post",
]


class RegionHint(enum.IntEnum):
    """What a region spends its time on: GEOPM's ``geopm_region_hint_e``
    (``geopm_hint.h``), the member names without ``GEOPM_REGION_HINT_``.

    Agents read it as the ``REGION_HINT`` signal; the node model draws less
    power in memory, network, I/O and inactive regions.
    """

    UNSET = 0
    """No hint given."""
    UNKNOWN = 1
    """The application does not say (outside any region, too)."""
    COMPUTE = 2
    """Bound by the cores' arithmetic."""
    MEMORY = 3
    """Bound by memory bandwidth or latency."""
    NETWORK = 4
    """Waiting on communication (MPI)."""
    IO = 5
    """Waiting on files or devices."""
    SERIAL = 6
    """One thread works, the others wait."""
    PARALLEL = 7
    """Every thread works."""
    IGNORE = 8
    """Agents should not act on this region."""
    INACTIVE = 9
    """The process sleeps (blocked, no work)."""
    SPIN = 10
    """The process busy-waits (a spin lock or barrier)."""


class _Api:
    """The library's C functions, typed once.

    ``PyDLL``: the calls keep the GIL. They never block (the application
    never waits for the controller), so releasing and taking the GIL again
    would only add to every call, and the library's writer is used by one
    thread at a time.
    """

    def __init__(self, path: str) -> None:
        library = ctypes.PyDLL(path)
        uint64 = ctypes.c_uint64
        self.region = self._typed(
            library.geopm_prof_region, ctypes.c_char_p, uint64, ctypes.POINTER(uint64)
        )
        self.enter = self._typed(library.geopm_prof_enter, uint64)
        self.exit = self._typed(library.geopm_prof_exit, uint64)
        self.epoch = self._typed(library.geopm_prof_epoch)
        self.shutdown = self._typed(library.geopm_prof_shutdown)
        self.tprof_init = self._typed(library.geopm_tprof_init, ctypes.c_uint32)
        self.tprof_post = self._typed(library.geopm_tprof_post)

    @staticmethod
    def _typed(function: Any, *argtypes: Any) -> Any:
        function.argtypes = list(argtypes)
        function.restype = ctypes.c_int
        return function


@functools.cache
def _api() -> _Api:
    """The library, loaded at the first call (never in a process that marks nothing)."""
    return _Api(profile_library())


def _error(error_code: int, what: str) -> Exception:
    """The GeopmError for a library call's error code, worded like the runtime's own."""
    return _core.GeopmError(f"{_core.error_message(error_code)}: {what}", error_code)


def _check(error_code: int, what: str) -> None:
    if error_code != 0:
        raise _error(error_code, what)


# A forked child has a channel of its own, with no region registered in
# it: every Region registers again (at its next entry) in the child.
_generation = 0


def _forked() -> None:
    global _generation
    _generation += 1


os.register_at_fork(after_in_child=_forked)


def _hint(name: str, hint: int) -> RegionHint:
    try:
        return RegionHint(hint)
    except ValueError:
        known = ", ".join(f"{member.value} ({member.name})" for member in RegionHint)
        raise _core.GeopmError(
            f"{_core.error_message(_core.GEOPM_ERROR_INVALID)}: region {name!r}: hint "
            f"{hint!r} is not a GEOPM region hint; known hints: {known}",
            _core.GEOPM_ERROR_INVALID,
        ) from None


class Region(contextlib.ContextDecorator):
    """A named region of the application with its hint, registered once.

    ``with`` enters it and exits it, also when the block raises; the same
    object may be entered again and nested. As a decorator it marks every
    call of the function. Get one with :func:`region`.
    """

    def __init__(self, name: str, hint: int = RegionHint.UNKNOWN) -> None:
        if not isinstance(name, str) or "\0" in name:
            raise TypeError(f"a region name must be a str without NUL characters, got {name!r}")
        self.name = name
        """The region's name, as the report shows it."""
        self.hint = _hint(name, hint)
        """Its :class:`RegionHint`."""
        self._api = _api()
        self._id = 0
        self._generation = -1
        self._register()

    @property
    def region_id(self) -> int:
        """GEOPM's region id: the CRC-32 of the name, the hint above bit 32
        (0 when the process has no controller)."""
        return self._id

    def _register(self) -> None:
        region_id = ctypes.c_uint64(0)
        code = self._api.region(self.name.encode(), self.hint, ctypes.byref(region_id))
        _check(code, f"geopm_prof_region({self.name!r}, {self.hint.name})")
        self._id = region_id.value
        self._generation = _generation

    def __enter__(self) -> Region:
        if self._generation != _generation:
            self._register()
        code = self._api.enter(self._id)
        if code != 0:
            raise _error(code, f"geopm_prof_enter() of region {self.name!r}")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        code = self._api.exit(self._id)
        if code != 0:
            raise _error(code, f"geopm_prof_exit() of region {self.name!r}")

    def __repr__(self) -> str:
        return f"Region({self.name!r}, RegionHint.{self.hint.name})"


_regions: dict[tuple[str, int], Region] = {}


def region(name: str, hint: int = RegionHint.UNKNOWN) -> Region:
    """The region ``name`` with ``hint``, registered at its first use.

    ``with region("solve", RegionHint.COMPUTE): ...`` marks the block;
    ``@region("solve", RegionHint.COMPUTE)`` marks every call of a function.
    The same name and hint give the same :class:`Region`. A hint outside
    :class:`RegionHint` raises :class:`geopm_bridge.GeopmError`
    (``GEOPM_ERROR_INVALID``), with or without a controller.
    """
    found = _regions.get((name, hint))
    if found is None:
        found = Region(name, hint)
        _regions[(name, hint)] = found
    return found


def region_hash(name: str) -> int:
    """The hash GEOPM gives the region ``name`` (its report's ``hash``, the
    ``REGION_HASH`` signal, a frequency map's ``HASH_n`` entry): the CRC-32
    of the name, as ``geopm_crc32_str()``; no controller needed."""
    return zlib.crc32(name.encode())


def epoch() -> None:
    """One iteration of the application's outer loop begins (``geopm_prof_epoch``)."""
    _check(_api().epoch(), "geopm_prof_epoch()")


def tprof_init(num_work_unit: int) -> None:
    """The current region holds ``num_work_unit`` units of work (``geopm_tprof_init``).

    ``REGION_PROGRESS`` then climbs from 0 to 1 with each :func:`tprof_post`;
    0 or 1 unit declares none. Progress ends with the outermost region.
    """
    count = operator.index(num_work_unit)
    if not 0 <= count < 2**32:
        raise _core.GeopmError(
            f"{_core.error_message(_core.GEOPM_ERROR_INVALID)}: tprof_init(): "
            f"{count} work units is outside [0, 2**32)",
            _core.GEOPM_ERROR_INVALID,
        )
    _check(_api().tprof_init(count), f"geopm_tprof_init({count})")


def tprof_post() -> None:
    """One unit of the current region's work is done, by any thread (``geopm_tprof_post``)."""
    _check(_api().tprof_post(), "geopm_tprof_post()")


def shutdown() -> None:
    """Stop profiling this process (``geopm_prof_shutdown``); later calls do nothing.

    Not needed at the end of a program: the controller reads what the
    process recorded after it exits.
    """
    _check(_api().shutdown(), "geopm_prof_shutdown()")
