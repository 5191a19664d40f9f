"""``station-app sync --once --data-dir DIR``: one full sync, headless, JSON summary on stdout.

Without ``--once`` it keeps syncing in the foreground (the same scheduler the app runs: every few minutes,
at once when the center becomes reachable again, backoff after failures) until interrupted.
Exit code 0 after a successful sync, 2 when the sync failed (the summary says why, in Chinese).
Needs the admin password like ``station-app init`` (``--admin-secret-file``,
``$STATION_ADMIN_SECRET[_FILE]``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from typing import Any

from station_app.config import add_data_dir_argument, data_dir_of
from station_app.i18n import t

# The heavy imports live in the command functions: ``station-app serve`` registers every command and
# must not pay for the sync engine or the store to parse its arguments.


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sync", help="sync with the district center (同步)")
    p.add_argument("--once", action="store_true", help="run one full sync and print a JSON summary")
    add_data_dir_argument(p)
    p.add_argument("--admin-secret-file", metavar="FILE", help="first line of FILE is the admin password")
    p.add_argument("--interval", type=float, default=300.0, help="seconds between syncs (without --once)")
    p.set_defaults(func=cmd_sync)


def _summary(ok: bool, report: dict[str, Any] | None, status: dict[str, Any]) -> str:
    return json.dumps({"ok": ok, "report": report, "status": status}, ensure_ascii=False)


def cmd_sync(args: argparse.Namespace) -> int:
    from storage import StorageError
    from sync.errors import SyncError
    from sync.runtime import build_service, open_unlocked, start_background_sync

    try:
        store = open_unlocked(data_dir_of(args), args.admin_secret_file)
    except StorageError as exc:
        print(t("cli.error", text=exc), file=sys.stderr)
        return 1
    try:
        if args.once:
            service = build_service(store)
            try:
                report = service.run_once()
            finally:
                service.close()
            status = service.board.current.to_dict()
            print(_summary(report is not None, report.to_dict() if report else None, status))
            return 0 if report is not None else 2
        background = start_background_sync(store, interval=args.interval)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        background.board.subscribe(lambda s: print(json.dumps(s.to_dict(), ensure_ascii=False), flush=True))
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        background.stop()
        return 0
    except SyncError as exc:
        print(t("cli.sync_failed", text=exc.worker_text()), file=sys.stderr)
        return 2
    finally:
        store.close()
