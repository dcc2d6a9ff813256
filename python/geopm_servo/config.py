"""A driver's own section of servo's ``config.yaml``.

Every driver reads the section named after itself, whatever its file in
``adjust.d`` is called.  PyYAML is imported only when the file is read.
"""

from __future__ import annotations

import os

from geopm_servo.layout import CONFIG_FILE
from geopm_servo.protocol import (
    JsonObject,
    ProtocolError,
    check_document_bounds,
    read_document_file,
)


def load_config(path: str | os.PathLike[str] = CONFIG_FILE) -> JsonObject:
    """Load servo's ``config.yaml`` and return its top-level mapping.

    A missing or empty file gives an empty mapping.  Raises
    :class:`ProtocolError` (reason ``bad-config``) when the file cannot be
    read or parsed, or when its top level is not a mapping.
    """
    where = os.fspath(path)
    try:
        raw = read_document_file(path, where)
        check_document_bounds(raw, where)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"cannot read {where}: {exc}", reason="bad-config") from None
    except ValueError as exc:
        raise ProtocolError(str(exc), reason="bad-config") from None

    import yaml  # imported here: only drivers that read config.yaml need PyYAML

    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        # A mapping nested by indentation past Python's recursion limit
        # is refused here (flow collections by check_document_bounds).
        problem = "nested too deep" if isinstance(exc, RecursionError) else str(exc)
        problem = " ".join(problem.split())
        raise ProtocolError(f"cannot parse {where}: {problem}", reason="bad-config") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ProtocolError(f"{os.fspath(path)}: top level is not a mapping", reason="bad-config")
    return data


def config_section(
    name: str, path: str | os.PathLike[str] = CONFIG_FILE, *, required: bool = True
) -> JsonObject:
    """Return the section of ``config.yaml`` that belongs to the driver called ``name``.

    A driver looks up its section by its own name, whatever its file in
    ``adjust.d`` is called.  A section that is present but empty gives an
    empty mapping.  When the section is missing, an empty mapping is
    returned if ``required`` is false, otherwise :class:`ProtocolError`
    (reason ``bad-config``) is raised.
    """
    config = load_config(path)
    if name not in config:
        if required:
            raise ProtocolError(f"no '{name}' section in {os.fspath(path)}", reason="bad-config")
        return {}
    section = config[name]
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise ProtocolError(
            f"section '{name}' of {os.fspath(path)} is not a mapping", reason="bad-config"
        )
    return section
