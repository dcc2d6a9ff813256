"""Servo (Optune) adjust drivers of geopm-bridge.

* :mod:`geopm_servo.aggregator` - the driver aggregator
  (``servo-adjust-aggregator``), which runs the drivers in ``adjust.d/`` as one;
* :mod:`geopm_servo.protocol` - helpers shared by drivers: JSON reply
  lines, the settings document, ``OPTUNE_IO_TIMEOUT``, ``config.yaml`` sections;
* :mod:`geopm_servo.runner` - running a driver as a child process;
* :mod:`geopm_servo.layout` - ``init DIR``, laying out a servo directory.

This package uses nothing of GEOPM and loads no compiled code.
"""

__all__ = ["aggregator", "layout", "protocol", "runner"]
