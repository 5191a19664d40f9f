"""``district-center backup create DIR`` / ``backup restore DIR``: the database and the (encrypted) blobs,
with a manifest checked on restore; the keys are never in it (``services.backup``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from district_center.cli.common import add_settings_arguments, settings_from


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = sub.add_parser("backup", help="back up or restore the database and the blobs")
    bsub = backup.add_subparsers(dest="backup_command", metavar="COMMAND", required=True)
    create = bsub.add_parser("create", help="write a backup into a new directory")
    create.add_argument("directory", metavar="DIR")
    add_settings_arguments(create)
    create.set_defaults(func=cmd_create)
    restore = bsub.add_parser("restore", help="restore a backup into an empty database and blob store")
    restore.add_argument("directory", metavar="DIR")
    add_settings_arguments(restore)
    restore.set_defaults(func=cmd_restore)


def cmd_create(args: argparse.Namespace) -> int:
    from district_center.services.backup import BackupError, create_backup

    try:
        manifest = create_backup(settings_from(args), Path(args.directory))
    except (BackupError, FileExistsError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(json.dumps({"directory": args.directory, "files": len(manifest["files"])}, ensure_ascii=False))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from district_center.services.backup import BackupError, restore_backup

    try:
        manifest = restore_backup(settings_from(args), Path(args.directory))
    except BackupError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(json.dumps({"restored": args.directory, "files": len(manifest["files"])}, ensure_ascii=False))
    return 0
