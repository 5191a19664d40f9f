"""``station-app serve``: run the station UI (Flet web, offline, one process for desk and kiosk browsers)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
from typing import TYPE_CHECKING

from casework import messages
from station_app.config import AppConfig, add_data_dir_argument, data_dir_of

if TYPE_CHECKING:
    from station_app.services.runtime import StationRuntime


def add_serve_arguments(p: argparse.ArgumentParser, *, data_dir: bool = True) -> None:
    if data_dir:
        add_data_dir_argument(p)
    p.add_argument(
        "--host", default="127.0.0.1", help="bind address; 0.0.0.0 lets a kiosk tablet on the LAN in"
    )
    p.add_argument("--port", type=int, default=8550)
    p.add_argument(
        "--desktop", action="store_true", help="open as a desktop window where flet-desktop is usable"
    )
    p.add_argument("--no-browser", action="store_true", help="do not open a browser window")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="serve the station UI (default command)")
    add_serve_arguments(p)
    p.set_defaults(func=run)


def config_from_args(args: argparse.Namespace) -> AppConfig:
    return AppConfig(
        data_dir=data_dir_of(args),
        host=args.host,
        port=args.port,
        desktop=bool(getattr(args, "desktop", False)),
        open_browser=not bool(getattr(args, "no_browser", False)),
    )


def run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    # The port first, before the heavy imports: a browser opened now connects at once and gets its answer
    # the moment the server is up (instead of "connection refused" and a retry).
    sock = bind(config)
    from station_app.services.runtime import prepare_runtime_dirs_in_background

    dirs = prepare_runtime_dirs_in_background(config) if sock is not None else None
    from station_app.app import serve

    runtime = open_runtime(config)
    if runtime is None:
        if sock is not None:
            sock.close()
        return 1
    try:
        serve(runtime, sock=sock, dirs_ready=dirs)
    finally:
        runtime.close()
    return 0


def bind(config: AppConfig) -> socket.socket | None:
    """A listening socket on the configured host and port, or None when it cannot be had now (in use: the
    server then binds, and reports, as before)."""
    host = "0.0.0.0" if config.host in ("", "*") else config.host
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # Windows' SO_REUSEADDR would let two processes share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, config.port))
        sock.listen(128)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        return None
    return sock


def open_runtime(config: AppConfig) -> StationRuntime | None:
    """The station runtime, or ``None`` after telling the person at the terminal that this data directory is
    already in use — and where its UI is served, when the other process is a ``serve``."""
    from station_app.services.runtime import StationRuntime
    from station_app.services.webdir import read_serving
    from storage.errors import StoreBusy

    try:
        return StationRuntime.open(config, boot_in_background=True)
    except StoreBusy:
        url = read_serving(config.data_dir)
        if url:
            print(messages.text("station.already_serving", {"url": url, "data_dir": str(config.data_dir)}))
        else:
            print(messages.text("storage.busy"), file=sys.stderr)
        return None


def browser_available() -> bool:
    """A browser can be opened only where there is a display (Linux) or a desktop OS."""
    return (
        os.name == "nt"
        or bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        or (os.uname().sysname == "Darwin")
    )
