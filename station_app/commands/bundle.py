"""``station-app export-bundle FILE`` / ``station-app import-bundle FILE``: sync by USB stick (离线同步包).

``export-bundle`` writes every queued case and its scans into one file encrypted for the district and
signed by this station; the district runs ``district-center import-bundle FILE --out ANSWER``; the answer
(receipts, results, catalog, holiday calendar, signed by the district) comes back with ``import-bundle``.
Importing the same answer twice changes nothing. Needs the admin password like ``station-app init``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from station_app.config import add_data_dir_argument, data_dir_of
from station_app.i18n import t

# The heavy imports live in the command functions: ``station-app serve`` registers every command and
# must not pay for the sync engine or the store to parse its arguments.


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="bundle file")
    add_data_dir_argument(p)
    p.add_argument("--admin-secret-file", metavar="FILE", help="first line of FILE is the admin password")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("export-bundle", help="write queued cases and scans to an offline bundle (导出同步包)")
    _common(p)
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("import-bundle", help="apply the district's answer bundle (导入回执包)")
    _common(p)
    p.set_defaults(func=cmd_import)


def _run(args: argparse.Namespace, export: bool) -> int:
    from storage import StorageError
    from sync.bundle import BundleError, export_bundle, import_answer
    from sync.errors import SyncError
    from sync.runtime import open_unlocked

    try:
        store = open_unlocked(data_dir_of(args), args.admin_secret_file)
        try:
            path = Path(args.file)
            result = export_bundle(store, path) if export else import_answer(store, path)
        finally:
            store.close()
    except (BundleError, StorageError) as exc:
        print(t("cli.error", text=exc), file=sys.stderr)
        return 1
    except SyncError as exc:
        print(t("cli.error", text=exc.worker_text()), file=sys.stderr)
        return 1
    except OSError as exc:
        print(t("cli.file_error", reason=exc.strerror), file=sys.stderr)
        return 1
    print(json.dumps({"ok": True, **result}, ensure_ascii=False))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    return _run(args, export=True)


def cmd_import(args: argparse.Namespace) -> int:
    return _run(args, export=False)
