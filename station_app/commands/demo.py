"""``station-app demo``: a newcomer's whole system on one laptop, syncing out of the box.

What it does (each step is the real thing, not a mock):

1. a district center in ``<data-dir>/center``: ``district-center keys init`` (passphrase from a 0600 file),
   ``catalog import --sample`` + ``catalog publish`` (signed), and
   ``district-center station add`` for a one-time enrollment code, and two console accounts
   (``district-center user add``): a district admin (catalog, supervision, stations, accounts) and a
   reviewer of the sample catalog's busiest department; then ``district-center serve`` on a free loopback
   port as a subprocess (stopped when the demo stops). Their sign-ins and the ``/console`` URL are printed;
2. the station store in ``<data-dir>/station`` (``storage``), an admin and a demo worker whose number and PIN
   are printed, enrollment with the code (``sync.enrollment``), a first sync (the signed catalog arrives),
   and the background sync scheduler;
3. the station UI, served like ``station-app serve``.

Running it again reuses both data dirs. The demo keeps its secrets in ``<data-dir>/demo-secrets.json``
(0600) so it can restart unattended — fine for a demo, never for a real station.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from station_app.commands.serve import add_serve_arguments, config_from_args, open_runtime
from station_app.config import default_data_dir

DEMO_STATION = "阎良区凤凰路街道示范社区便民服务站"
DEMO_AREA = "阎良区"
DEMO_ADMIN = "站点管理员"
DEMO_WORKER = ("02", "王芳")
DEMO_DISTRICT_ADMIN = (
    "district-admin",
    "区管理员",
    ("catalog_admin", "supervisor", "station_admin", "user_admin"),
)
DEMO_REVIEWER = ("reviewer", "审批员")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("demo", help="start a local district center and a demo station that syncs with it")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"demo directory, with the demo center in DIR/center and the demo station in DIR/station "
        f"(default: {demo_dir_default()})",
    )
    add_serve_arguments(p, data_dir=False)
    p.add_argument("--center-port", type=int, default=0, help="district center port (default: a free one)")
    p.set_defaults(func=run)


def demo_dir_default() -> Path:
    """``demo/`` inside the station data directory: the demo never mixes with a real station's store."""
    return default_data_dir() / "demo"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else name


def _run(args: list[str], env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        [_bin("district-center"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    if out.returncode != 0:
        raise SystemExit(f"district-center {' '.join(args[:2])} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def _secrets(base: Path) -> dict[str, Any]:
    path = base / "demo-secrets.json"
    if path.exists():
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data
    data = {
        "center_passphrase": secrets.token_urlsafe(18),
        "admin_secret": secrets.token_urlsafe(12),
        "station_passphrase": secrets.token_urlsafe(12),
        "admin_pin": f"{secrets.randbelow(900000) + 100000}",
        "worker_pin": f"{secrets.randbelow(900000) + 100000}",
        "console_password": secrets.token_urlsafe(12),
    }
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(data, f)
    return data


def _console_password(base: Path, secret: dict[str, Any]) -> str:
    """The demo console accounts' password (added to the secrets of a demo made before they existed)."""
    if "console_password" not in secret:
        secret["console_password"] = secrets.token_urlsafe(12)
        path = base / "demo-secrets.json"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(secret, f)
        os.replace(tmp, path)
    return str(secret["console_password"])


def reviewer_department() -> str:
    """The sample catalog's department with the most items: the demo reviewer sees the most cases."""
    from collections import Counter

    from casework.samples import sample_catalog

    counts = Counter(i.department for i in sample_catalog().items if i.department)
    return counts.most_common(1)[0][0]


def add_console_accounts(center_dir: Path, password: str) -> None:
    """The demo district admin and reviewer (first run only; the catalog is published by then)."""
    marker = center_dir / ".demo-console-accounts"
    if marker.exists():
        return
    print("demo: district-center user add (district admin, reviewer)", flush=True)
    env = {"CENTER_USER_PASSWORD": password}
    name, display, roles = DEMO_DISTRICT_ADMIN
    role_args = [arg for role in roles for arg in ("--role", role)]
    _run(["user", "add", name, *role_args, "--display-name", display, "--data-dir", str(center_dir)], env)
    reviewer, display = DEMO_REVIEWER
    department = reviewer_department()
    _run(
        [
            *("user", "add", reviewer, "--role", "reviewer", "--department", department),
            *("--display-name", display, "--data-dir", str(center_dir)),
        ],
        env,
    )
    marker.write_text(department, encoding="utf-8")


def console_sign_ins(center_dir: Path, center_url: str, password: str) -> str:
    """What the demo prints about the console: its URL and the two accounts."""
    department = (center_dir / ".demo-console-accounts").read_text(encoding="utf-8")
    return (
        f"demo: district console {center_url}/console/ — sign in as {DEMO_DISTRICT_ADMIN[0]} "
        f"(district admin) or {DEMO_REVIEWER[0]} (reviewer, {department}), password {password}"
    )


def prepare_center(center_dir: Path, secret: dict[str, Any]) -> None:
    """Keys, the signed sample catalog (first run only)."""
    center_dir.mkdir(parents=True, exist_ok=True)
    pass_file = center_dir.parent / "center-passphrase"
    if not pass_file.exists():
        fd = os.open(pass_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secret["center_passphrase"] + "\n")
    if not (center_dir / "district-keys.key.json").exists():
        print("demo: district-center keys init", flush=True)
        _run(["keys", "init", "--data-dir", str(center_dir), "--passphrase-file", str(pass_file)])
    marker = center_dir / ".demo-catalog-published"
    if not marker.exists():
        print("demo: district-center catalog import --sample + publish", flush=True)
        _run(["catalog", "import", "--sample", "--data-dir", str(center_dir)])
        _run(["catalog", "publish", "--data-dir", str(center_dir), "--passphrase-file", str(pass_file)])
        marker.write_text("1")


def add_station(center_dir: Path) -> str:
    out = _run(
        [
            "station",
            "add",
            DEMO_STATION,
            "--jurisdiction",
            DEMO_AREA,
            "--no-qr",
            "--data-dir",
            str(center_dir),
        ]
    )
    m = re.search(r"一次性注册码[:：]\s*(\S+)", out) or re.search(
        r"\b([0-9A-Z]{4}(?:-[0-9A-Z]{4}){3,})\b", out
    )
    if not m:
        raise SystemExit(f"could not read the enrollment code from:\n{out}")
    return m.group(1)


def start_center(center_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    fh = open(log, "ab")  # noqa: SIM115 - handed to the child for its lifetime
    proc = subprocess.Popen(
        [
            _bin("district-center"),
            "serve",
            "--data-dir",
            str(center_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=fh,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"district-center serve exited ({proc.returncode}); see {log}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit(f"district-center did not answer on {url}; see {log}")


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def prepare_station(runtime: Any, secret: dict[str, Any], center_dir: Path, center_url: str) -> None:
    """Set up (first run) or unlock the station, enroll it, pull the catalog, start the scheduler."""
    station = runtime.station
    if not station.is_set_up():
        print("demo: creating the encrypted station store", flush=True)
        station.set_up(
            station_name=DEMO_STATION,
            area=DEMO_AREA,
            admin_name=DEMO_ADMIN,
            admin_secret=secret["admin_secret"],
            station_passphrase=secret["station_passphrase"],
            admin_pin=secret["admin_pin"],
        )
        station.add_worker(DEMO_WORKER[0], DEMO_WORKER[1], secret["worker_pin"], "worker", actor="admin")
    else:
        station.unlock_station(secret["admin_secret"])
    if station.identity() is None:
        code = add_station(center_dir)
        print(f"demo: enrolling with {center_url}", flush=True)
        runtime.enroll(center_url, code, actor="admin")
    else:
        # the center port changes between runs: point the stored identity at this run's center
        ident = station.unlocked_store.get("sync_state", "identity")
        if ident and ident.get("center_url") != center_url:
            with station.unlocked_store.transaction(actor="admin", action="demo.center_url") as tx:
                tx.put("sync_state", "identity", {**ident, "center_url": center_url})
        runtime.start_sync()
    future = runtime.sync_now()
    try:
        report = future.result(timeout=120) if future is not None else None
    except Exception as exc:  # the UI shows sync errors; the demo still starts
        report = None
        print(f"demo: first sync failed: {exc}", flush=True)
    if station.catalog() is None:
        from station_app.services.station import load_sample_catalog

        print("demo: no catalog from the center yet; installing the sample catalog locally", flush=True)
        station.install_catalog(load_sample_catalog(), actor="admin")
    print(
        f"demo: first sync {'done' if report is not None else 'not completed'}; "
        f"catalog version {station.catalog_version()}",
        flush=True,
    )


def run(args: argparse.Namespace) -> int:
    from station_app.app import serve

    args.data_dir = args.data_dir or demo_dir_default()
    config = config_from_args(args)
    base = config.data_dir
    base.mkdir(parents=True, exist_ok=True)
    station_config = type(config)(
        data_dir=base / "station",
        host=config.host,
        port=config.port,
        desktop=config.desktop,
        open_browser=config.open_browser,
    )
    runtime = open_runtime(station_config)  # first: a demo already running is told, nothing else started
    if runtime is None:
        return 1
    center = None
    # A SIGTERM before the web server installs its own handler (while the center starts, the station enrolls
    # or the server binds) must still stop the center: end through ``finally`` instead of dying on the spot.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        secret = _secrets(base)
        center_dir = base / "center"
        prepare_center(center_dir, secret)
        console_password = _console_password(base, secret)
        add_console_accounts(center_dir, console_password)
        center_port = args.center_port or free_port()
        center = start_center(center_dir, center_port, base / "center.log")
        center_url = f"http://127.0.0.1:{center_port}"
        runtime.sync_interval, runtime.probe_interval = 30.0, 5.0  # a lively demo
        prepare_station(runtime, secret, center_dir, center_url)
        print(f"demo: district center {center_url} (data {center_dir})", flush=True)
        print(console_sign_ins(center_dir, center_url, console_password), flush=True)
        print(
            f"demo: sign in as worker {DEMO_WORKER[0]} ({DEMO_WORKER[1]}) with PIN {secret['worker_pin']}; "
            f"station admin is 01 with PIN {secret['admin_pin']}",
            flush=True,
        )
        serve(runtime)
    finally:
        runtime.close()
        if center is not None:
            stop(center)
    return 0
