"""End-to-end tests of the servo adjust-driver aggregator, run as a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from geopm_servo.discovery import is_ignored_name, name_from_filename
from geopm_servo.progress import ProgressTracker
from servo_helpers import (
    OK,
    PYTHON_DIR,
    ServoDir,
    base_env,
    catches_signal,
    parse_lines,
    pid_alive,
    py_driver,
    query_doc,
    sh_driver,
    wait_for,
)


def request(components: dict[str, dict[str, float]], **app_settings: float) -> dict:
    """An adjust request setting ``{component: {setting: value}}``."""
    app: dict = {
        "components": {
            c: {"settings": {s: {"value": v} for s, v in ss.items()}}
            for c, ss in components.items()
        }
    }
    if app_settings:
        app["settings"] = {s: {"value": v} for s, v in app_settings.items()}
    return {"application": app, "control": {"userdata": {"x": 1}}}


# --- discovery and version ------------------------------------------------------


def test_discovery_skips_hidden_backups_non_exec_and_subdirs(servo: ServoDir) -> None:
    servo.add("02beta", py_driver("beta", version="0.9"))
    servo.add("01alpha", sh_driver("alpha", version="1.3"))
    for junk in [".hidden", "03gamma~", "04delta.bak", "05eps.swp", "#06zeta#", "07eta.orig"]:
        servo.add(junk, sh_driver("junk"))
    servo.add("08data", sh_driver("nonexec"), mode=0o644)
    servo.add("helper.py", "X = 1\n", mode=0o644)
    sub = servo.drivers / "09subdir"
    sub.mkdir()
    (sub / "inner").write_text(sh_driver("inner"))
    (sub / "inner").chmod(0o755)

    res = servo.run("--version")
    assert res.returncode == 0, res.stderr
    assert res.stdout == "aggregator 2.0 (alpha 1.3, beta 0.9)\n"
    assert [c.split()[0] for c in servo.calls()] == ["01alpha", "02beta"]


def test_version_names_drivers_in_file_name_order(servo: ServoDir) -> None:
    servo.add("02winec2", sh_driver("winec2", version="0.9"))
    servo.add("01ec2asg", sh_driver("ec2asg", version="1.3"))
    res = servo.run("--version")
    assert res.returncode == 0
    assert res.stdout.strip() == "aggregator 2.0 (ec2asg 1.3, winec2 0.9)"


def test_ignored_names_and_name_prefix() -> None:
    for name in [".x", "a~", "a.bak", "a.swp", "#a#", "a.orig", "a.rej", "a.dpkg-old"]:
        assert is_ignored_name(name), name
    for name in ["01ec2asg", "driver", "a.py", "a#"]:
        assert not is_ignored_name(name), name
    assert name_from_filename("01ec2asg") == "ec2asg"
    assert name_from_filename("10-foo") == "foo"
    assert name_from_filename("007") == "007"


@pytest.mark.parametrize("cancels", [(True, True), (True, False), (False, False)])
def test_info_has_cancel_whatever_the_drivers_say(
    servo: ServoDir, cancels: tuple[bool, bool]
) -> None:
    # The aggregator handles cancel for drivers that lack it (it terminates them),
    # so servo may always send SIGUSR1 rather than SIGKILL.
    servo.add("01a", sh_driver("a", version="1.3", has_cancel=cancels[0]))
    servo.add("02b", py_driver("b", version="0.9", has_cancel=cancels[1]))
    res = servo.run("--info", "myapp")
    assert res.returncode == 0
    assert res.docs == [{"version": "aggregator 2.0 (a 1.3, b 0.9)", "has_cancel": True}]
    assert "01a --info myapp" in servo.calls()


def test_info_and_query_need_no_app_id(servo: ServoDir) -> None:
    # As upstream's adjust base (servo's own test_adjust.py runs a bare --info).
    servo.add("01a", sh_driver("a", query=query_doc({"web": ["cpu"]})))
    res = servo.run("--info")
    assert res.returncode == 0, res.stdout
    assert res.docs == [{"version": "aggregator 2.0 (a 1.0)", "has_cancel": True}]
    res = servo.run("--query")
    assert res.returncode == 0, res.stdout
    [doc] = res.docs
    assert set(doc["application"]["components"]["web"]["settings"]) == {"cpu"}
    assert "01a --info" in servo.calls() and "01a --query" in servo.calls()
    assert servo.run("--query", "a", "b").returncode == 2


# --- query ------------------------------------------------------------------------


def test_query_merges_components_and_app_settings_with_real_app_id(servo: ServoDir) -> None:
    servo.add("01a", sh_driver("a", query=query_doc({"web": ["cpu"], "db": ["mem"]}, ["g1"])))
    servo.add(
        "02b",
        py_driver(
            "b",
            query=query_doc({"web": ["replicas"]}, ["g2"]),
            query_code=(
                "QUERY['application']['components']['web']['settings']['replicas']['unit'] = "
                "sys.argv[2]\nprint(json.dumps(QUERY))"
            ),
        ),
    )
    for option in ("--query", "--describe"):
        res = servo.run(option, "my-app-7")
        assert res.returncode == 0, res.stdout
        [doc] = res.docs
        app = doc["application"]
        assert set(app["components"]) == {"web", "db"}
        assert set(app["components"]["web"]["settings"]) == {"cpu", "replicas"}
        assert app["components"]["web"]["settings"]["replicas"]["unit"] == "my-app-7"
        assert set(app["settings"]) == {"g1", "g2"}
    assert "01a --query my-app-7" in servo.calls()
    assert "02b --query my-app-7" in servo.calls()


def test_duplicate_setting_names_both_drivers(servo: ServoDir) -> None:
    servo.add("01ec2asg", sh_driver("ec2asg", query=query_doc({"web": ["cpu"]})))
    servo.add("02winec2", sh_driver("winec2", query=query_doc({"web": ["cpu", "mem"]})))
    res = servo.run("--query", "app")
    assert res.returncode != 0
    status = res.status
    assert status["status"] == "failed"
    assert status["reason"] == "duplicate-setting"
    assert "ec2asg" in status["message"] and "winec2" in status["message"]
    assert "'cpu'" in status["message"]


def test_duplicate_app_wide_setting_is_an_error(servo: ServoDir) -> None:
    servo.add("01a", sh_driver("a", query=query_doc({}, ["g"])))
    servo.add("02b", sh_driver("b", query=query_doc({"c": ["s"]}, ["g"])))
    res = servo.run("--query", "app")
    assert res.returncode != 0
    assert res.status["reason"] == "duplicate-setting"
    assert "app-wide" in res.status["message"]
    assert (
        "a (adjust.d/01a)" in res.status["message"] and "b (adjust.d/02b)" in res.status["message"]
    )


def test_failing_query_keeps_driver_message_and_stderr(servo: ServoDir) -> None:
    servo.add(
        "01a",
        sh_driver(
            "a",
            query_cmd=(
                "echo 'credentials missing' >&2; "
                'echo \'{"status":"failed","reason":"auth","message":"no credentials"}\'; exit 3'
            ),
        ),
    )
    res = servo.run("--query", "app")
    assert res.returncode != 0
    status = res.status
    assert status["status"] == "failed" and status["reason"] == "auth"
    assert "a (adjust.d/01a)" in status["message"]
    assert "no credentials" in status["message"]
    assert "credentials missing" in status["message"]
    assert "exited with code 3" in status["message"]


def test_failing_info_is_reported(servo: ServoDir) -> None:
    servo.add("01a", sh_driver("a", info_cmd="echo 'info exploded' >&2; exit 1"))
    res = servo.run("--info", "app")
    assert res.returncode != 0
    assert res.status["status"] == "failed"
    assert "--info" in res.status["message"] and "info exploded" in res.status["message"]


# --- adjust: routing ---------------------------------------------------------------


def test_adjust_routes_settings_skips_idle_drivers(servo: ServoDir) -> None:
    servo.add("01a", py_driver("a", query=query_doc({"web": ["cpu"]}, ["g1"])))
    servo.add("02idle", py_driver("idle", query=query_doc({"db": ["mem"]})))
    servo.add("03b", py_driver("b", query=query_doc({"web": ["replicas"], "cache": ["size"]})))
    req = request({"web": {"cpu": 2, "replicas": 3}, "cache": {"size": 9}}, g1=5)
    res = servo.run("app", stdin=req)
    assert res.returncode == 0, res.stdout + res.stderr
    assert res.status == {"status": "ok", "reason": "success", "message": "adjusted by a, b"}
    assert servo.adjust_calls() == ["01a", "03b"]
    assert servo.received("01a") == {
        "application": {
            "components": {"web": {"settings": {"cpu": {"value": 2}}}},
            "settings": {"g1": {"value": 5}},
        },
        "control": {"userdata": {"x": 1}},
    }
    assert servo.received("03b") == {
        "application": {
            "components": {
                "web": {"settings": {"replicas": {"value": 3}}},
                "cache": {"settings": {"size": {"value": 9}}},
            }
        },
        "control": {"userdata": {"x": 1}},
    }
    assert "01a app" in servo.calls() and "03b app" in servo.calls()
    # Only the two drivers that run count: 50 after the first, 100 after the second.
    steps = [p for p in res.progress if not p["message"].startswith("aggregator:")]
    assert steps == [{"progress": 50, "message": "a: ok"}, {"progress": 100, "message": "b: ok"}]


def test_adjust_control_defaults_to_empty_object(servo: ServoDir) -> None:
    servo.add("01a", py_driver("a", query=query_doc({"web": ["cpu"]})))
    res = servo.run(
        "app", stdin={"application": {"components": {"web": {"settings": {"cpu": {"value": 1}}}}}}
    )
    assert res.returncode == 0
    assert servo.received("01a")["control"] == {}


def test_unowned_settings_rejected_before_any_driver_runs(servo: ServoDir) -> None:
    servo.add("01a", sh_driver("a", query=query_doc({"web": ["cpu"]})))
    servo.add("02b", sh_driver("b", query=query_doc({"db": ["mem"]})))
    res = servo.run("app", stdin=request({"web": {"cpu": 1, "bogus": 2}}, nothere=1))
    assert res.returncode != 0
    assert res.status["reason"] == "unknown-settings"
    assert "web.bogus" in res.status["message"]
    assert "application.nothere" in res.status["message"]
    assert servo.adjust_calls() == []


def test_nothing_to_adjust_is_ok(servo: ServoDir) -> None:
    servo.add("01a", sh_driver("a", query=query_doc({"web": ["cpu"]})))
    res = servo.run("app", stdin={"application": {"components": {}}, "control": {}})
    assert res.returncode == 0
    assert res.status["status"] == "ok"
    assert res.progress[-1]["progress"] == 100
    assert servo.adjust_calls() == []


def test_config_section_found_by_driver_own_name(servo: ServoDir) -> None:
    (servo.root / "config.yaml").write_text("zeta:\n  unit: watts\n01zeta:\n  unit: wrong\n")
    code = (
        "from geopm_servo.config import config_section\n"
        "QUERY['application']['components']['node']['settings']['cap']['unit'] = "
        "config_section(NAME)['unit']\n"
        "print(json.dumps(QUERY))"
    )
    servo.add(
        "01zeta",
        py_driver("zeta", query=query_doc({"node": ["cap"]}), query_code=code, site=True),
    )
    servo.add(
        "02sh",
        sh_driver(
            "sh",
            query=query_doc({"disk": ["size"]}),
            adjust=(
                "cat > /dev/null; if grep -q '^zeta:' config.yaml; then echo '"
                + OK
                + '\'; else echo \'{"status":"failed","message":"no config.yaml"}\'; exit 1; fi'
            ),
        ),
    )
    res = servo.run("--query", "app")
    assert res.returncode == 0, res.stdout
    assert res.docs[0]["application"]["components"]["node"]["settings"]["cap"]["unit"] == "watts"
    # In adjust mode too, the drivers run in servo's directory, beside config.yaml.
    res = servo.run("app", stdin=request({"node": {"cap": 3}, "disk": {"size": 2}}))
    assert res.returncode == 0, res.stdout
    assert servo.adjust_calls() == ["01zeta", "02sh"]


def test_pythonpath_extended_not_overwritten(servo: ServoDir, tmp_path: Path) -> None:
    (servo.root / "servolib.py").write_text("VALUE = 'from-servo-dir'\n")
    (servo.drivers / "drvlib.py").write_text("VALUE = 'from-adjust-d'\n")
    code = (
        "import servolib, drvlib\n"
        "with open(os.environ['SERVO_TEST_RECORD'] + '.env', 'w') as fh:\n"
        "    json.dump({'pp': os.environ['PYTHONPATH'], 'cwd': os.getcwd(),\n"
        "               'v': [servolib.VALUE, drvlib.VALUE]}, fh)\n"
        f"print({OK!r})"
    )
    servo.add("01a", py_driver("a", query=query_doc({"c": ["s"]}), adjust=code))
    env = servo.env()
    env["PYTHONPATH"] = os.pathsep.join([str(PYTHON_DIR), "/opt/custom/lib"])
    res = servo.run("app", stdin=request({"c": {"s": 1}}), env=env)
    assert res.returncode == 0, res.stdout
    seen = json.loads(Path(f"{servo.record}.env").read_text())
    parts = seen["pp"].split(os.pathsep)
    assert parts[:2] == [str(PYTHON_DIR), "/opt/custom/lib"]
    assert str(servo.root) in parts and str(servo.drivers) in parts
    assert Path(seen["cwd"]) == servo.root
    assert seen["v"] == ["from-servo-dir", "from-adjust-d"]


# --- adjust: progress ---------------------------------------------------------------


def progress_driver(name: str, component: str, values: tuple[int, ...] = (30, 60)) -> str:
    lines = "; ".join(f'echo \'{{"progress":{v},"message":"step {v}"}}\'' for v in values)
    adjust = f"cat > /dev/null; {lines}; echo '{OK}'" if values else f"cat > /dev/null; echo '{OK}'"
    return sh_driver(name, query=query_doc({component: ["s"]}), adjust=adjust)


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_progress_arithmetic(servo: ServoDir, n: int) -> None:
    for k in range(n):
        servo.add(f"{k:02d}d{k}", progress_driver(f"d{k}", f"c{k}"))
    res = servo.run("app", stdin=request({f"c{k}": {"s": 1} for k in range(n)}))
    assert res.returncode == 0, res.stdout
    assert res.status["status"] == "ok"
    values = [
        p["progress"] for p in res.progress if not p.get("message", "").startswith("aggregator:")
    ]
    expected = []
    for k in range(n):
        expected += [(k * 100 + 30) // n, (k * 100 + 60) // n, (k + 1) * 100 // n]
    assert values == expected
    all_values = [p["progress"] for p in res.progress]
    assert all_values == sorted(all_values), "progress went backwards"
    assert all_values[-1] == 100
    assert len(values) >= n
    messages = [p.get("message") for p in res.progress]
    assert "d0: step 30" in messages
    assert f"d{n - 1}: ok" in messages


def test_progress_line_after_silent_driver_and_no_backwards(servo: ServoDir) -> None:
    servo.add("01a", progress_driver("a", "c1", values=()))
    servo.add("02b", progress_driver("b", "c2", values=(80, 20, 150)))
    servo.add("03c", progress_driver("c", "c3", values=()))
    res = servo.run("app", stdin=request({"c1": {"s": 1}, "c2": {"s": 1}, "c3": {"s": 1}}))
    assert res.returncode == 0
    values = [
        p["progress"] for p in res.progress if not p.get("message", "").startswith("aggregator:")
    ]
    assert values == [33, 60, 60, 66, 66, 100]


def test_progress_tracker_unit() -> None:
    t = ProgressTracker(3)
    assert t.update(30) == 10
    assert t.update(10) == 10  # backwards ignored
    assert t.complete() == 33
    assert t.update("junk") == 33
    assert t.complete() == 66
    assert t.update(100) == 100
    assert t.complete() == 100
    t7 = ProgressTracker(7)
    assert [t7.complete() for _ in range(7)] == [14, 28, 42, 57, 71, 85, 100]


# --- adjust: failures ----------------------------------------------------------------


def test_hung_driver_times_out_later_drivers_still_run(servo: ServoDir, reaper: list[int]) -> None:
    pidfile = servo.root / "hang.pid"
    servo.add(
        "01hang",
        sh_driver(
            "hang",
            query=query_doc({"c1": ["s"]}),
            adjust=(
                f"cat > /dev/null; echo $$ > {pidfile}; echo 'hung up' >&2; "
                "echo '{\"progress\":10}'; sleep 30 & echo $! >> " + f"{pidfile}; wait"
            ),
        ),
    )
    servo.add("02ok", progress_driver("ok", "c2"))
    res = servo.run("app", stdin=request({"c1": {"s": 1}, "c2": {"s": 1}}), OPTUNE_IO_TIMEOUT="2")
    pids = [int(p) for p in pidfile.read_text().split()]
    reaper.extend(pids)
    assert res.returncode != 0
    status = res.status
    assert status["status"] == "failed" and status["reason"] == "timeout"
    assert "hang" in status["message"] and "hung up" in status["message"]
    assert "02ok app" in servo.calls()
    assert res.progress[-1]["progress"] == 100
    assert res.elapsed < 8
    for pid in pids:
        assert not pid_alive(pid)


def test_driver_ignoring_sigterm_is_killed(servo: ServoDir, reaper: list[int]) -> None:
    pidfile = servo.root / "stubborn.pid"
    servo.add(
        "01stubborn",
        py_driver(
            "stubborn",
            query=query_doc({"c": ["s"]}),
            adjust=(
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                f"open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n"
                "progress(5)\n"
                "time.sleep(30)"
            ),
        ),
    )
    res = servo.run("app", stdin=request({"c": {"s": 1}}), OPTUNE_IO_TIMEOUT="2")
    pid = int(pidfile.read_text())
    reaper.append(pid)
    assert res.returncode != 0
    assert res.status["reason"] == "timeout"
    assert "SIGKILL" in res.status["message"]
    assert not pid_alive(pid)
    assert res.elapsed < 8


def test_crashing_driver(servo: ServoDir) -> None:
    servo.add(
        "01boom", py_driver("boom", query=query_doc({"c": ["s"]}), adjust="progress(50)\n1 / 0")
    )
    servo.add(
        "02seg",
        sh_driver("seg", query=query_doc({"d": ["s"]}), adjust="cat >/dev/null; kill -SEGV $$"),
    )
    res = servo.run("app", stdin=request({"c": {"s": 1}, "d": {"s": 1}}))
    assert res.returncode != 0
    status = res.status
    assert status["status"] == "failed"
    assert "boom: failed" in status["message"] and "ZeroDivisionError" in status["message"]
    assert "exited with code 1" in status["message"]
    assert "seg: failed" in status["message"] and "killed by SIGSEGV" in status["message"]


def test_non_json_output_terminates_and_reaps_driver(servo: ServoDir, reaper: list[int]) -> None:
    pidfile = servo.root / "chatty.pid"
    servo.add(
        "01chatty",
        sh_driver(
            "chatty",
            query=query_doc({"c": ["s"]}),
            adjust=f"cat >/dev/null; echo $$ > {pidfile}; echo 'Hello, servo!'; sleep 30 & wait",
        ),
    )
    servo.add("02next", progress_driver("next", "d"))
    res = servo.run("app", stdin=request({"c": {"s": 1}, "d": {"s": 1}}))
    pid = int(pidfile.read_text())
    reaper.append(pid)
    assert res.returncode != 0
    assert res.status["reason"] == "bad-driver-output"
    assert "chatty" in res.status["message"] and "Hello, servo!" in res.status["message"]
    assert not pid_alive(pid)
    assert res.elapsed < 8
    assert "02next app" in servo.calls()


def test_non_json_reply_to_query(servo: ServoDir) -> None:
    servo.add("01a", sh_driver("a", query_cmd="echo 'not json at all'"))
    res = servo.run("--query", "app")
    assert res.returncode != 0
    assert res.status["reason"] == "bad-driver-output"
    assert "not json at all" in res.status["message"]


def test_exit_zero_after_only_progress(servo: ServoDir) -> None:
    servo.add(
        "01a",
        sh_driver(
            "a", query=query_doc({"c": ["s"]}), adjust="cat >/dev/null; echo '{\"progress\":50}'"
        ),
    )
    res = servo.run("app", stdin=request({"c": {"s": 1}}))
    assert res.returncode != 0
    assert res.status["status"] == "failed"
    assert res.status["reason"] == "no-status"
    assert res.progress[-1]["progress"] == 100


def test_no_output_at_all(servo: ServoDir) -> None:
    servo.add("01a", sh_driver("a", query=query_doc({"c": ["s"]}), adjust="cat >/dev/null"))
    res = servo.run("app", stdin=request({"c": {"s": 1}}))
    assert res.returncode != 0
    assert res.status["reason"] == "nodata"


def test_rejected_takes_precedence_over_failed(servo: ServoDir) -> None:
    failed = '{"status":"failed","reason":"broken","message":"disk on fire"}'
    rejected = '{"status":"rejected","reason":"unstable","message":"too risky"}'
    servo.add(
        "01a",
        sh_driver(
            "a", query=query_doc({"c": ["s"]}), adjust=f"cat >/dev/null; echo '{failed}'; exit 1"
        ),
    )
    servo.add(
        "02b",
        sh_driver(
            "b", query=query_doc({"d": ["s"]}), adjust=f"cat >/dev/null; echo '{rejected}'; exit 1"
        ),
    )
    servo.add("03c", progress_driver("c", "e"))
    res = servo.run("app", stdin=request({"c": {"s": 1}, "d": {"s": 1}, "e": {"s": 1}}))
    assert res.returncode != 0
    status = res.status
    assert status["status"] == "rejected"
    assert status["reason"] == "broken, unstable"
    assert "a: failed (broken): disk on fire" in status["message"]
    assert "b: rejected (unstable): too risky" in status["message"]
    assert "c:" not in status["message"]


# --- signals ----------------------------------------------------------------------


def _sleeping_driver(name: str, component: str, pidfile: Path, *, has_cancel: bool) -> str:
    usr1 = (
        "def on_usr1(signum, frame):\n"
        f"    open({str(pidfile)!r} + '.usr1', 'w').write('got it')\n"
        "    doc = {'status': 'canceled', 'reason': 'canceled', 'message': 'stopped'}\n"
        "    print(json.dumps(doc))\n"
        "    sys.exit(1)\n"
        "signal.signal(signal.SIGUSR1, on_usr1)\n"
    )
    return py_driver(
        name,
        has_cancel=has_cancel,
        query=query_doc({component: ["s"]}),
        # The pid file comes after the progress line: a SIGUSR1 that interrupted
        # that print would make the handler's print a reentrant call.
        adjust=(usr1 if has_cancel else "")
        + "progress(20, 'working')\n"
        + f"open({str(pidfile)!r}, 'w').write(str(os.getpid()))\n"
        + "time.sleep(30)\n"
        + f"print({OK!r})",
    )


@pytest.mark.parametrize("has_cancel", [True, False])
def test_sigusr1_cancels_running_driver(
    servo: ServoDir, reaper: list[int], has_cancel: bool
) -> None:
    pidfile = servo.root / "sleeper.pid"
    servo.add("01sleeper", _sleeping_driver("sleeper", "c", pidfile, has_cancel=has_cancel))
    servo.add("02after", progress_driver("after", "d"))
    proc = servo.start("app", stdin=request({"c": {"s": 1}, "d": {"s": 1}}))
    try:
        wait_for(pidfile.exists)
        wait_for(lambda: pidfile.read_text() != "")
        pid = int(pidfile.read_text())
        reaper.append(pid)
        proc.send_signal(signal.SIGUSR1)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in err
    docs = parse_lines(out)
    status = docs[-1]
    assert status["status"] == "canceled", out
    assert "sleeper" in status["message"]
    if has_cancel:  # the driver's own word on its cancel is kept
        assert "sleeper: stopped" in status["message"], status
    assert proc.returncode != 0
    assert Path(f"{pidfile}.usr1").exists() == has_cancel
    assert not pid_alive(pid)
    assert "02after app" not in servo.calls()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_terminates_children(servo: ServoDir, reaper: list[int], signum: int) -> None:
    pidfile = servo.root / "sleeper.pid"
    servo.add(
        "01sleeper",
        sh_driver(
            "sleeper",
            query=query_doc({"c": ["s"]}),
            adjust=(
                f"cat >/dev/null; sleep 30 & echo $! > {pidfile}.child; echo $$ > {pidfile}; wait"
            ),
        ),
    )
    proc = servo.start("app", stdin=request({"c": {"s": 1}}))
    try:
        wait_for(lambda: pidfile.exists() and pidfile.read_text().strip() != "")
        pids = [int(pidfile.read_text()), int(Path(f"{pidfile}.child").read_text())]
        reaper.extend(pids)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in err
    status = parse_lines(out)[-1]
    assert status["status"] == "terminated"
    assert proc.returncode == 128 + signum
    for pid in pids:
        wait_for(lambda pid=pid: not pid_alive(pid), timeout=2)


def test_sigterm_while_reading_stdin(servo: ServoDir) -> None:
    servo.add("01a", sh_driver("a"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "geopm_servo.aggregator", "app"],
        cwd=servo.root,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=servo.env(),
    )
    wait_for(lambda: catches_signal(proc.pid, signal.SIGTERM))
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    assert "Traceback" not in err
    assert parse_lines(out)[-1]["status"] == "terminated"
    assert proc.returncode == 128 + signal.SIGTERM


# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "this is not json",
        "[1, 2, 3]",
        '{"application": []}',
        '{"application": {"components": {"web": {"settings": {"cpu": 5}}}}}',
        '{"application": {"components": {"web": {"settings": {"cpu": {"val": 5}}}}}}',
        '{"application": {"components": {}}, "control": 7}',
    ],
)
def test_malformed_settings_document(servo: ServoDir, text: str) -> None:
    servo.add("01a", sh_driver("a", query=query_doc({"web": ["cpu"]})))
    res = servo.run("app", stdin=text)
    assert res.returncode != 0
    assert res.status["status"] == "failed"
    assert res.status["reason"] == "bad-input"
    assert servo.calls() == []


@pytest.mark.parametrize("args", [["--version"], ["--info", "app"], ["--query", "app"], ["app"]])
def test_missing_adjust_d(tmp_path: Path, args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "geopm_servo.aggregator", *args],
        cwd=tmp_path,
        input="{}",
        capture_output=True,
        text=True,
        env=base_env(),
        timeout=30,
    )
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    [doc] = parse_lines(proc.stdout)
    assert doc["status"] == "failed" and doc["reason"] == "no-drivers-dir"
    assert "adjust.d" in doc["message"]


def test_usage_error_is_json(servo: ServoDir) -> None:
    res = servo.run()
    assert res.returncode == 2
    assert res.status["reason"] == "usage"
    res = servo.run("--info", "--query", "app")
    assert res.returncode == 2


def test_bad_io_timeout_value(servo: ServoDir) -> None:
    servo.add("01a", sh_driver("a"))
    res = servo.run("--query", "app", OPTUNE_IO_TIMEOUT="soon")
    assert res.returncode != 0
    assert res.status["reason"] == "bad-config"


# --- init -----------------------------------------------------------------------------


def test_init_lays_out_directory_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "new" / "servo"
    env = base_env(SERVO_TEST_RECORD=str(tmp_path / "record.txt"))
    cmd = [sys.executable, "-m", "geopm_servo.aggregator", "init", str(target)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert (target / "adjust.d").is_dir()
    assert os.access(target / "adjust", os.X_OK)
    config = (target / "config.yaml").read_text()
    assert config.startswith("#")

    import yaml

    assert yaml.safe_load(config) is None  # all commented out

    # The launcher works as ./adjust in the new directory, without PYTHONPATH.
    (target / "adjust.d" / "01a").write_text(sh_driver("a", version="1.3"))
    (target / "adjust.d" / "01a").chmod(0o755)
    run_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
    ver = subprocess.run(
        ["./adjust", "--version"], cwd=target, capture_output=True, text=True, env=run_env
    )
    assert ver.returncode == 0, ver.stderr
    assert ver.stdout == "aggregator 2.0 (a 1.3)\n"

    before = (target / "config.yaml").read_text()
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=30)
    assert again.returncode != 0
    assert "refusing to overwrite" in again.stderr
    assert "Traceback" not in again.stderr
    assert (target / "config.yaml").read_text() == before


def test_init_into_directory_with_other_files(tmp_path: Path) -> None:
    (tmp_path / "servo").write_text("#!/bin/sh\n")
    (tmp_path / "adjust.d").mkdir()
    cmd = [sys.executable, "-m", "geopm_servo.aggregator", "init", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=base_env(), timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "adjust").exists() and (tmp_path / "config.yaml").exists()


def test_debug_logs_driver_calls(servo: ServoDir) -> None:
    servo.add("01a", sh_driver("a", query=query_doc({"c": ["s"]})))
    res = servo.run("--debug", "--query", "app")
    assert res.returncode == 0
    assert "running " in res.stderr and "01a --query app" in res.stderr


# --- nothing outlives the aggregator ---------------------------------------------------


def _forking_driver(pidfile: Path, component: str = "c") -> str:
    """A driver that starts a grandchild in its process group, then waits silently."""
    return sh_driver(
        "forker",
        query=query_doc({component: ["s"]}),
        adjust=(
            f"cat >/dev/null; sleep 60 & echo $! > {pidfile}.child; "
            f"echo $$ > {pidfile}.tmp; mv {pidfile}.tmp {pidfile}; wait"
        ),
    )


def _driver_pids(pidfile: Path) -> list[int]:
    wait_for(pidfile.exists)
    return [int(pidfile.read_text()), int(Path(f"{pidfile}.child").read_text())]


def test_sigkill_of_aggregator_leaves_no_driver_process(servo: ServoDir, reaper: list[int]) -> None:
    pidfile = servo.root / "forker.pid"
    servo.add("01forker", _forking_driver(pidfile))
    proc = servo.start("app", stdin=request({"c": {"s": 1}}))
    try:
        pids = _driver_pids(pidfile)
        reaper.extend(pids)
        proc.kill()  # as servo does after a timeout: no chance to clean up
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for pid in pids:  # the driver (kernel) and its grandchild (the guard) are gone
        wait_for(lambda pid=pid: not pid_alive(pid))


def test_finished_driver_leaves_no_process_behind(servo: ServoDir, reaper: list[int]) -> None:
    pidfile = servo.root / "bg.pid"
    servo.add(
        "01bg",
        sh_driver(
            "bg",
            query=query_doc({"c": ["s"]}),
            adjust=f"cat >/dev/null; sleep 60 >/dev/null 2>&1 & echo $! > {pidfile}; echo '{OK}'",
        ),
    )
    res = servo.run("app", stdin=request({"c": {"s": 1}}))
    assert res.status["status"] == "ok", res.stdout
    pid = int(pidfile.read_text())
    reaper.append(pid)
    wait_for(lambda: not pid_alive(pid))


def test_aggregator_ends_when_servo_closes_its_stdout(servo: ServoDir, reaper: list[int]) -> None:
    pidfile = servo.root / "forker.pid"
    servo.add("01forker", _forking_driver(pidfile))
    servo.add("02after", progress_driver("after", "d"))
    proc = servo.start("app", stdin=request({"c": {"s": 1}, "d": {"s": 1}}))
    try:
        pids = _driver_pids(pidfile)
        reaper.extend(pids)
        assert proc.stdout is not None
        proc.stdout.close()  # servo went away
        proc.wait(timeout=15)
        err = proc.stderr.read() if proc.stderr is not None else ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Traceback" not in err
    assert proc.returncode != 0
    for pid in pids:
        wait_for(lambda pid=pid: not pid_alive(pid))
    assert "02after app" not in servo.calls()


def test_aggregator_ends_when_its_parent_dies(servo: ServoDir, reaper: list[int]) -> None:
    pidfile = servo.root / "forker.pid"
    aggfile = servo.root / "agg.pid"
    servo.add("01forker", _forking_driver(pidfile))
    servo.add("02after", progress_driver("after", "d"))
    (servo.root / "request.json").write_text(json.dumps(request({"c": {"s": 1}, "d": {"s": 1}})))
    # A stand-in for servo: a shell that starts the aggregator, then is killed.
    stand_in = subprocess.Popen(
        [
            "/bin/sh",
            "-c",
            f'"$0" -m geopm_servo.aggregator app < request.json > out.txt 2>&1 & '
            f"echo $! > {aggfile}; wait",
            sys.executable,
        ],
        cwd=servo.root,
        env=servo.env(),
    )
    try:
        pids = _driver_pids(pidfile)
        wait_for(lambda: aggfile.exists() and aggfile.read_text().strip() != "")
        agg = int(aggfile.read_text())
        reaper.extend([*pids, agg])
        stand_in.kill()
        stand_in.wait()
        wait_for(lambda: not pid_alive(agg), timeout=15)
    finally:
        if stand_in.poll() is None:
            stand_in.kill()
            stand_in.wait()
    for pid in pids:
        wait_for(lambda pid=pid: not pid_alive(pid))
    assert "02after app" not in servo.calls()
    assert "Traceback" not in (servo.root / "out.txt").read_text()
