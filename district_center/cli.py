"""``district-center``: serve the district center and administer stations, catalog and keys."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from district_center.commands import COMMAND_MODULES


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="district-center",
        description="District center (区政务服务中心): station API, back office, catalog publishing.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"district_center.commands.{name}")
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
