"""``district-center``: serve the district center and administer stations, catalog and keys.

Each sub-command is a module of this package exposing ``register(subparsers)``; it sets ``func`` on its
parser with ``set_defaults(func=...)``, and ``func(args) -> int`` is the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Sub-command modules, registered in this order.
COMMAND_MODULES: list[str] = [
    "keys",
    "recover",
    "serve",
    "station",
    "user",
    "catalog",
    "calendar",
    "bundle",
    "blobs",
    "backup",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="district-center",
        description="District center (区政务服务中心): station API, back office, catalog publishing.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"district_center.cli.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 0
    result: int = func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
