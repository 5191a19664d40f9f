"""``station-app`` with no sub-command serves the UI; serve/demo options map onto the app configuration."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from station_app import cli
from station_app.commands import serve


def test_no_subcommand_serves(monkeypatch):
    seen = []
    monkeypatch.setattr(serve, "run", lambda args: seen.append(args) or 0)
    assert cli.main([]) == 0
    assert seen and seen[0].command == "serve" and seen[0].host == "127.0.0.1"


def test_serve_options_become_the_config(tmp_path):
    args = cli.build_parser().parse_args(
        ["serve", "--data-dir", str(tmp_path), "--host", "0.0.0.0", "--port", "9001", "--no-browser"]
    )
    config = serve.config_from_args(args)
    assert config.data_dir == Path(tmp_path).resolve() and config.port == 9001 and not config.open_browser
    assert config.url == "http://127.0.0.1:9001/", "a LAN-wide bind is still opened locally"
    assert config.web_dir.parent == config.data_dir, "generated files stay out of the source tree"


def test_the_path_to_the_unlock_screen_does_not_load_the_sync_engine():
    """What ``serve`` imports before the unlock screen shows (the runtime, the app, the shell) leaves the
    sync protocol (its pydantic models), the HTTP client, the scheduler and pinyin for later."""
    code = (
        "import sys, station_app.commands.serve, station_app.services.runtime, station_app.app, "
        "station_app.screens.shell; print([m for m in ('sync.protocol', 'sync.deadlines', 'sync.apply', "
        "'httpx', 'apscheduler', 'pypinyin') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_first_screen_is_imported_while_the_browser_loads_the_client():
    """Once the server answers, the first screen's modules load on a thread, not when a session connects."""
    code = (
        "import sys, station_app.app as a; before = 'station_app.screens.shell' in sys.modules; "
        "a.load_first_screen_in_background().join(); "
        "print(before, all(m in sys.modules for m in a._FIRST_SCREEN_MODULES))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False True"


def test_demo_is_registered():
    args = cli.build_parser().parse_args(["demo", "--data-dir", "/tmp/x", "--center-port", "0"])
    assert args.command == "demo" and callable(args.func)


def test_a_second_serve_on_a_served_data_dir_says_where_the_first_runs(tmp_path):
    """Not a traceback: the worker who double-clicks the station twice is told where it already runs."""
    import os
    import subprocess
    import sys
    import time

    from tests.e2e.conftest import free_port, start_station

    port = free_port()
    first = start_station(["serve"], tmp_path / "station", port)
    try:
        env = {**os.environ, "STATION_DATA_DIR": str(tmp_path / "station")}
        t0 = time.monotonic()
        second = subprocess.run(
            [
                str(Path(sys.executable).parent / "station-app"),
                "serve",
                "--no-browser",
                "--port",
                str(free_port()),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        assert second.returncode == 1, second.stderr
        assert "Traceback" not in second.stdout + second.stderr
        assert f"http://127.0.0.1:{port}/" in second.stdout and "已在运行" in second.stdout
        assert time.monotonic() - t0 < 60
    finally:
        first.stop()
    assert not (tmp_path / "station" / ".station.serving").exists(), "removed when the first one stops"
