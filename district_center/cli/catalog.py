"""``district-center catalog import|export|diff|publish|discard|history``: the 事项清单 publishing workflow.

district-center catalog import 清单.xlsx          # or .xls, or items.csv [materials.csv bundles.csv]
district-center catalog import 清单.xls --dry-run  # the preview only: header found, mapping, diff, problems
district-center catalog import x.csv --district 610100 --district-name 西安市   # first import, no settings
district-center catalog diff                       # what stations will see change
district-center catalog publish                    # passphrase asked; signs version N+1
district-center catalog export 当前清单.xlsx       # the published (or --staged) catalog
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from casework import clock, messages
from casework.samples import sample_catalog
from district_center.cli.common import add_settings_arguments, open_database, settings_from
from district_center.cli.keys import add_key_arguments, open_keys
from district_center.keys import KeyFileError
from district_center.services.catalog.previewing import render_text
from district_center.services.catalog.publishing import (
    DEFAULT_VALID_DAYS,
    MAX_VALID_DAYS,
    PublishError,
    PublishRefused,
    discard_staged,
    preview_files,
    publish_staged,
    published_catalog,
    read_staged,
    stage_catalog,
    stage_import,
    staged_diff,
    validity_window,
    version_history,
)
from district_center.services.catalog.sheets import export_xlsx


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cat = sub.add_parser("catalog", help="service catalog (事项清单): import, diff, publish, export")
    csub = cat.add_subparsers(dest="catalog_command", metavar="ACTION", required=True)

    imp = csub.add_parser("import", help="stage a catalog from .xlsx / .xls workbooks or .csv sheets")
    imp.add_argument("files", nargs="*", metavar="FILE")
    imp.add_argument(
        "--dry-run",
        action="store_true",
        help="show the preview (sheets, header rows, column mapping, changes, problems); stage nothing",
    )
    imp.add_argument(
        "--district", metavar="CODE", help="district code (区县代码) for a first import, e.g. 610100"
    )
    imp.add_argument("--district-name", metavar="NAME", help="district name (区县名称), e.g. 西安市")
    imp.add_argument(
        "--sample",
        action="store_true",
        help="stage the sample catalog shipped with the software (Xi'an items, details marked as samples)",
    )
    add_settings_arguments(imp)
    imp.set_defaults(func=cmd_import)

    exp = csub.add_parser("export", help="write the published (or staged) catalog to an .xlsx workbook")
    exp.add_argument("file", metavar="FILE.xlsx")
    exp.add_argument("--staged", action="store_true", help="export the staged catalog instead")
    add_settings_arguments(exp)
    exp.set_defaults(func=cmd_export)

    dif = csub.add_parser("diff", help="what publishing the staged catalog changes for stations")
    dif.add_argument("--json", action="store_true", help="machine-readable output")
    add_settings_arguments(dif)
    dif.set_defaults(func=cmd_diff)

    pub = csub.add_parser("publish", help="sign and publish the staged catalog as the next version")
    pub.add_argument(
        "--valid-days",
        type=int,
        default=DEFAULT_VALID_DAYS,
        help=f"days until the signed document expires (1–{MAX_VALID_DAYS}, default {DEFAULT_VALID_DAYS})",
    )
    pub.add_argument(
        "--effective",
        metavar="YYYY-MM-DD",
        type=_day,
        help="first day of the validity window (China date, today or later; default today)",
    )
    add_key_arguments(pub)
    add_settings_arguments(pub)
    pub.set_defaults(func=cmd_publish)

    dis = csub.add_parser("discard", help="drop the staged catalog")
    add_settings_arguments(dis)
    dis.set_defaults(func=cmd_discard)

    his = csub.add_parser("history", help="published versions")
    add_settings_arguments(his)
    his.set_defaults(func=cmd_history)


def _refusals(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A refused step (e.g. a damaged staged-catalog file) is an error line and exit status 1, not a
    traceback."""

    @functools.wraps(command)
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except PublishError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return 1

    return run


def _district(settings: Any) -> tuple[str, str]:
    return settings.district_code, settings.district_name


def print_changes(changes: dict[str, Any], names: dict[str, str]) -> None:
    print(changes["summary"])
    label = {
        "added_items": "新增事项",
        "cancelled_items": "取消事项",
        "added_bundles": "新增一件事",
        "cancelled_bundles": "取消一件事",
    }
    for key, title in label.items():
        for code in changes[key]:
            print(f"  {title}：{names.get(code, '')}（{code}）")
    for key, title in (("changed_items", "变更事项"), ("changed_bundles", "变更一件事")):
        for c in changes[key]:
            print(f"  {title}：{c['name']}（{c['code']}）字段：{'、'.join(c['fields'])}")


def _names(data_dir: Path) -> dict[str, str]:
    staged = read_staged(data_dir)
    if staged is None:
        return {}
    names = {it.code: it.name for it in staged.catalog.items}
    names.update({b.code: b.name for b in staged.catalog.bundles})
    return names


@_refusals
def cmd_import(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.sample:
        if args.files:
            print("错误：--sample 与文件不能同时使用", file=sys.stderr)
            return 1
        return _import_sample(settings)
    if not args.files:
        print(
            "错误：请给出要导入的 .xlsx、.xls 或 .csv 文件（或使用 --sample 导入示例目录）", file=sys.stderr
        )
        return 1
    files: list[tuple[str, bytes]] = []
    for name in args.files:
        try:
            files.append((Path(name).name, Path(name).read_bytes()))
        except OSError as exc:
            print(f"错误：无法读取 {name}：{exc.strerror}", file=sys.stderr)
            return 1
    district = (args.district or settings.district_code, args.district_name or settings.district_name)
    db = open_database(settings)
    try:
        if args.dry_run:
            preview = preview_files(db, settings.data_dir, files, district=district)
            changes = None
        else:
            preview, changes = stage_import(
                db, settings.data_dir, files, actor=cli_actor(), district=district
            )
    finally:
        db.dispose()
    text = render_text(preview.to_dict())
    if not preview.ok:
        print(text, file=sys.stderr)
        print(f"导入失败，共 {preview.result.error_count} 处错误，未导入任何内容。", file=sys.stderr)
        return 1
    print(text)
    catalog = preview.result.catalog
    assert catalog is not None
    if args.dry_run:
        print(f"预览：可导入 {len(catalog.items)} 个事项、{len(catalog.bundles)} 个一件事（未导入）。")
        return 0
    assert changes is not None
    print(f"已导入 {len(catalog.items)} 个事项、{len(catalog.bundles)} 个一件事，待发布。")
    print_changes(changes, _names(settings.data_dir))
    return 0


def _import_sample(settings: Any) -> int:
    db = open_database(settings)
    try:
        staged = stage_catalog(
            db, settings.data_dir, sample_catalog(), actor=cli_actor(), source="sample-catalog.json"
        )
    finally:
        db.dispose()
    catalog = staged.catalog
    print(f"已导入示例目录：{len(catalog.items)} 个事项、{len(catalog.bundles)} 个一件事，待发布。")
    return 0


@_refusals
def cmd_export(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.staged:
        staged = read_staged(settings.data_dir)
        catalog = staged.catalog if staged else None
    else:
        db = open_database(settings)
        try:
            with db.read_session() as s:
                catalog = published_catalog(s)
        finally:
            db.dispose()
    if catalog is None:
        print("错误：没有可导出的目录（尚未导入或发布）", file=sys.stderr)
        return 1
    Path(args.file).write_bytes(export_xlsx(catalog))
    print(f"已导出第{catalog.version}版目录（{len(catalog.items)} 个事项）到 {args.file}")
    return 0


@_refusals
def cmd_diff(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    db = open_database(settings)
    try:
        changes = staged_diff(db, settings.data_dir)
    finally:
        db.dispose()
    if changes is None:
        print("没有待发布的目录。", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(changes, ensure_ascii=False, indent=2))
    else:
        print_changes(changes, _names(settings.data_dir))
    return 0


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            messages.text("center.cli.bad_date", {"text": text}, "zh_CN")
        ) from None


def cmd_publish(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    try:  # a bad validity window is refused before the key file's passphrase is asked
        validity_window(args.valid_days, args.effective, clock.now())
    except PublishRefused as exc:
        print(f"错误：{exc.text('zh_CN')}", file=sys.stderr)
        return 2
    db = open_database(settings)
    try:
        keys = open_keys(args, settings)
        row = publish_staged(
            db,
            settings.data_dir,
            keys,
            actor=cli_actor(),
            valid_days=args.valid_days,
            expected_public_key=keys.signing_public_b64,
            effective=args.effective,
        )
    except (KeyFileError, PublishError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except PublishRefused as exc:
        print(f"错误：{exc.text('zh_CN')}", file=sys.stderr)
        return 2
    finally:
        db.dispose()
    print(f"已发布第{row.version}版目录，由 {keys.key_id} 签名。{row.summary['text']}")
    return 0


def cmd_discard(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if discard_staged(settings.data_dir):
        print("已放弃待发布的目录。")
        return 0
    print("没有待发布的目录。", file=sys.stderr)
    return 1


def cmd_history(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    db = open_database(settings)
    try:
        with db.read_session() as s:
            history = version_history(s)
    finally:
        db.dispose()
    for h in history:
        print(f"第{h['version']}版  {h['published_at']}  {h['published_by']}  {h['summary']}")
    return 0
