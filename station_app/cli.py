"""``station-app``: run the station, or manage its store and sync from the terminal."""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import importlib
import signal
import sys
from collections.abc import Sequence

from station_app.commands import COMMAND_MODULES
from station_app.i18n import DEFAULT_LANGUAGE, LANGUAGES, set_language


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="station-app",
        description=(
            "便民服务站 station app: service guide, offline intake (受理), sync with the district center."
        ),
    )
    parser.add_argument(
        "--language",
        choices=sorted(LANGUAGES),
        default=DEFAULT_LANGUAGE,
        help="language of the messages printed in the terminal (default: zh_CN)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"station_app.commands.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    set_language(args.language)
    func = getattr(args, "func", None)
    if func is None:
        # No sub-command: serve the UI, the thing a station worker means by "start the app".
        args = parser.parse_args([*(sys.argv[1:] if argv is None else argv), "serve"])
        func = args.func
    if hasattr(signal, "SIGUSR1"):  # POSIX: `kill -USR1 <pid>` prints every thread's stack to stderr
        with contextlib.suppress(ValueError, OSError):  # stderr without a file descriptor (embedded, tests)
            faulthandler.register(signal.SIGUSR1, all_threads=True)
    result: int = func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
