"""One description from the drivers' ``--query`` replies, and one request per driver.

Every setting (of a component, or app-wide) has exactly one owner: the
driver that described it.  An adjust request is split along those owners.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from geopm_servo.discovery import Driver
from geopm_servo.layout import DRIVERS_DIR
from geopm_servo.protocol import JsonObject, ProtocolError

#: Key of a setting: (component name or None for an app-wide setting, setting name).
SettingKey = tuple[str | None, str]


def _describe_key(key: SettingKey) -> str:
    comp, setting = key
    if comp is None:
        return f"app-wide setting '{setting}'"
    return f"setting '{setting}' of component '{comp}'"


def _as_object(value: Any, what: str, driver: Driver) -> JsonObject:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProtocolError(
            f"{driver.label}: --query: {what} is not an object", reason="bad-driver-output"
        )
    return value


def normalize_query(driver: Driver, reply: JsonObject) -> JsonObject:
    """Check a driver's ``--query`` reply and return it in the ``{"application": ...}`` form.

    A legacy reply without the ``application`` level is wrapped.
    """
    if "application" not in reply and "components" in reply:
        reply = {"application": reply}
    app = _as_object(reply.get("application"), "'application'", driver)
    comps = _as_object(app.get("components"), "'application.components'", driver)
    for cname, comp in comps.items():
        comp = _as_object(comp, f"component '{cname}'", driver)
        _as_object(comp.get("settings"), f"'settings' of component '{cname}'", driver)
    _as_object(app.get("settings"), "'application.settings'", driver)
    return reply


def merge_queries(drivers: Sequence[Driver]) -> tuple[JsonObject, dict[SettingKey, Driver]]:
    """Merge the ``--query`` replies of ``drivers`` into one description.

    Returns the merged description and the owner (driver) of every setting.
    Components present in several replies are merged; a setting (of a
    component, or app-wide in ``application.settings``) described by two
    drivers raises :class:`ProtocolError` naming both.  Other keys are kept,
    the first driver's value winning (except a reply's own status fields).
    """
    owners: dict[SettingKey, Driver] = {}
    merged_app: JsonObject = {"components": {}}
    merged: JsonObject = {"application": merged_app}

    def claim(key: SettingKey, driver: Driver) -> None:
        first = owners.get(key)
        if first is not None:
            raise ProtocolError(
                f"{_describe_key(key)} is defined by two drivers: {first.label} and {driver.label}",
                reason="duplicate-setting",
            )
        owners[key] = driver

    for driver in drivers:
        reply = driver.query
        app = reply.get("application") or {}
        for akey, avalue in app.items():
            if akey == "components":
                for cname, comp in (avalue or {}).items():
                    target = merged_app["components"].setdefault(cname, {})
                    for ckey, cvalue in (comp or {}).items():
                        if ckey == "settings":
                            settings = target.setdefault("settings", {})
                            for sname, sdesc in (cvalue or {}).items():
                                claim((cname, sname), driver)
                                settings[sname] = sdesc
                        else:
                            target.setdefault(ckey, cvalue)
            elif akey == "settings":
                settings = merged_app.setdefault("settings", {})
                for sname, sdesc in (avalue or {}).items():
                    claim((None, sname), driver)
                    settings[sname] = sdesc
            else:
                merged_app.setdefault(akey, avalue)
        for key, value in reply.items():
            if key not in ("application", "status", "reason", "message"):
                merged.setdefault(key, value)
    return merged, owners


def split_request(
    request: JsonObject, drivers: Sequence[Driver], owners: Mapping[SettingKey, Driver]
) -> list[tuple[Driver, JsonObject]]:
    """Split an adjust request into one request per driver that has something to do.

    Each driver gets the settings it owns (by component, and app-wide), the
    request's ``control`` and any other top-level keys of the request.
    Drivers owning none of the requested settings are left out.  Settings no
    driver owns raise :class:`ProtocolError` (reason ``unknown-settings``).
    """
    comps: dict[Driver, JsonObject] = {}
    app_wide: dict[Driver, JsonObject] = {}
    unowned: list[str] = []
    app = request.get("application") or {}
    for cname, comp in (app.get("components") or {}).items():
        for sname, setting in ((comp or {}).get("settings") or {}).items():
            owner = owners.get((cname, sname))
            if owner is None:
                unowned.append(f"{cname}.{sname}")
                continue
            dcomps = comps.setdefault(owner, {})
            dcomps.setdefault(cname, {"settings": {}})["settings"][sname] = setting
    for sname, setting in (app.get("settings") or {}).items():
        owner = owners.get((None, sname))
        if owner is None:
            unowned.append(f"application.{sname}")
            continue
        app_wide.setdefault(owner, {})[sname] = setting
    if unowned:
        raise ProtocolError(
            f"settings that no driver in {DRIVERS_DIR}/ provides: {', '.join(unowned)}",
            reason="unknown-settings",
        )
    plan = []
    for driver in drivers:
        if driver not in comps and driver not in app_wide:
            continue
        dapp: JsonObject = {"components": comps.get(driver, {})}
        if driver in app_wide:
            dapp["settings"] = app_wide[driver]
        doc: JsonObject = {k: v for k, v in request.items() if k not in ("application", "control")}
        doc["application"] = dapp
        doc["control"] = request.get("control") or {}
        plan.append((driver, doc))
    return plan
