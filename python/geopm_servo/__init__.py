"""Servo (Optune) adjust drivers: the driver aggregator and the GEOPM adjust driver.

A product of its own, shipped in the geopm-bridge wheel: it imports nothing
of :mod:`geopm_bridge`, loads no compiled code, and reaches a running job
only through its endpoint files.

The console scripts:

* :mod:`geopm_servo.aggregator` - ``servo-adjust-aggregator``, the drivers in
  ``adjust.d/`` shown to servo as one;
* :mod:`geopm_servo.geopm_driver` - ``servo-adjust-geopm``, a running job's
  agent policy as servo settings (configured by :mod:`geopm_servo.geopm_config`,
  talking to the job through :mod:`geopm_servo.endpoint_client`).

What any driver can use:

* :mod:`geopm_servo.protocol` - the wire: reply lines, the settings
  document, ``OPTUNE_*`` variables, :class:`~geopm_servo.protocol.ProtocolError`;
* :mod:`geopm_servo.config` - a driver's own section of ``config.yaml``;
* :mod:`geopm_servo.command` - the shared ``main()`` skeleton and exit codes;
* :mod:`geopm_servo.interrupts` - cancel and terminate requests (POSIX signals).

The aggregator's parts:

* :mod:`geopm_servo.layout` - servo's directory, and ``init DIR``;
* :mod:`geopm_servo.discovery` - which files in ``adjust.d`` are drivers;
* :mod:`geopm_servo.runner` - running one driver as a child process;
* :mod:`geopm_servo.outcome` - the one judge of a driver's run;
* :mod:`geopm_servo.merge` - one description from many, one request per driver;
* :mod:`geopm_servo.progress` - overall progress across drivers.
"""
