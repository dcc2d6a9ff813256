"""``python -m geopm_bridge.cli``: the same as the ``geopm-bridge`` command."""

import sys

from . import main

sys.exit(main())
