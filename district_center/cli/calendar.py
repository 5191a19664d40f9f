"""``district-center calendar publish YEAR FILE`` / ``calendar bootstrap``: signed holiday calendars."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from district_center.cli.catalog import cli_actor
from district_center.cli.common import add_settings_arguments, open_database, settings_from
from district_center.cli.keys import add_key_arguments, open_keys
from district_center.keys import KeyFileError
from district_center.services.catalog.calendar import (
    CalendarError,
    builtin_tables,
    parse_holiday_file,
    publish_tables,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cal = sub.add_parser("calendar", help="holiday calendar (节假日安排): publish signed years")
    csub = cal.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    pub = csub.add_parser("publish", help="publish one year from a JSON or CSV file")
    pub.add_argument("year", type=int)
    pub.add_argument("file")
    pub.add_argument("--source", default="", help="the notice it comes from, e.g. 国办发明电〔2026〕N号")
    add_key_arguments(pub)
    add_settings_arguments(pub)
    pub.set_defaults(func=cmd_publish)
    boot = csub.add_parser("bootstrap", help="publish every year the chinesecalendar package knows")
    boot.add_argument("--from-year", type=int, default=2020)
    add_key_arguments(boot)
    add_settings_arguments(boot)
    boot.set_defaults(func=cmd_bootstrap)


def cmd_publish(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    try:
        path = Path(args.file)
        table = parse_holiday_file(args.year, path.name, path.read_bytes(), source=args.source)
        keys = open_keys(args, settings)
        db = open_database(settings)
        moved: list[object] = []
        try:
            env = publish_tables(db, keys, [table], actor=cli_actor(), moved=moved)
        finally:
            db.dispose()
    except (CalendarError, KeyFileError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(
        f"已发布 {args.year} 年节假日安排（放假 {len(table.holidays)} 天，"
        f"调休上班 {len(table.workdays)} 天），节假日文档第{env['version']}版；"
        f"{len(moved)} 件在办办件的承诺办结日期已按新安排重新计算"
    )
    return 0


def cmd_bootstrap(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    tables = builtin_tables(args.from_year)
    try:
        keys = open_keys(args, settings)
        db = open_database(settings)
        try:
            env = publish_tables(db, keys, tables, actor=cli_actor())
        finally:
            db.dispose()
    except (CalendarError, KeyFileError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    years = [t.year for t in tables]
    print(f"已发布 {years[0]}–{years[-1]} 年节假日安排，节假日文档第{env['version']}版")
    return 0
