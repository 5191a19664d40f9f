"""``station-app verify --data-dir DIR``: check the whole store; exit 1 with a readable report on any fault.

Needs the admin password (``--admin-secret-file``, ``$STATION_ADMIN_SECRET[_FILE]`` or a prompt) because every
document and scan is decrypted and authenticated. The station must not be running (directory lock).
"""

from __future__ import annotations

import argparse
import sys

from station_app.config import add_data_dir_argument, data_dir_of
from station_app.i18n import t

# The heavy imports live in the command functions: ``station-app serve`` registers every command and
# must not pay for the sync engine or the store to parse its arguments.


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("verify", help="check that every document, scan and the audit chain are intact")
    add_data_dir_argument(p)
    p.add_argument("--admin-secret-file", metavar="FILE", help="first line of FILE is the admin password")
    p.set_defaults(func=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from station_app.services.case_index import register_summarizers
    from station_app.services.webdir import RUNTIME_DIRS, check_runtime_dirs
    from storage import StationStore, StorageError, StoreBusy
    from storage.station_secret import admin_secret
    from storage.verify import verify_store

    try:
        secret = admin_secret(args.admin_secret_file)
        store = StationStore.open(data_dir_of(args))
    except StoreBusy as exc:
        print(t("cli.error", text=exc), file=sys.stderr)
        return 2
    except StorageError as exc:
        print(f"问题 PROBLEM: {exc.detail or exc}\n结果：无法打开数据 (FAILED)\n{exc}", file=sys.stderr)
        return 1
    try:
        register_summarizers(store)  # so the case summaries are checked against the cases
        store.unlock_admin(secret)
        report = verify_store(store, extra=dict.fromkeys(RUNTIME_DIRS, check_runtime_dirs))
    except StorageError as exc:
        print(f"问题 PROBLEM: {exc.detail or exc}\n结果：数据校验失败 (FAILED)\n{exc}")
        return 1
    finally:
        store.close()
    print(report.text())
    return 0 if report.ok else 1
