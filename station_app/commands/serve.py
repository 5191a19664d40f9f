"""``station-app serve``: run the station UI (Flet web, offline, one process for desk and kiosk browsers)."""

from __future__ import annotations

import argparse
import os
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
    from station_app.app import serve

    config = config_from_args(args)
    runtime = open_runtime(config)
    if runtime is None:
        return 1
    try:
        serve(runtime)
    finally:
        runtime.close()
    return 0


def open_runtime(config: AppConfig) -> StationRuntime | None:
    """The station runtime, or ``None`` after telling the person at the terminal that this data directory is
    already in use — and where its UI is served, when the other process is a ``serve``."""
    from station_app.services.runtime import StationRuntime
    from station_app.services.webdir import read_serving
    from storage.errors import StoreBusy

    try:
        return StationRuntime.open(config)
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
