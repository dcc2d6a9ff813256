"""A module that names a composite when it is imported, as an agent package
may: in GEOPM the plugin's interpreter imports it, so compose() registers
the composite in GEOPM's own agent factory."""

from __future__ import annotations

import geopm_bridge
from native_test_agents import Reader

__all__ = ["Reader"]

geopm_bridge.compose("monitor", Reader, name="py_watch")
