"""``station-app enroll URL [CODE] --data-dir DIR``: bind this station to its district center (注册).

``URL`` is the center's address (``http://10.0.0.1:8700``) with the one-time ``CODE`` the district admin
gave you, or the whole QR payload the center prints (``bmzz-enroll:http://…#7KQ2-…``), then ``CODE`` may be
left out. Needs the admin password (``--admin-secret-file``, ``$STATION_ADMIN_SECRET[_FILE]`` or a prompt),
as ``station-app init``. Prints the result as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys

from station_app.config import add_data_dir_argument, data_dir_of
from station_app.i18n import t

# The heavy imports live in the command functions: ``station-app serve`` registers every command and
# must not pay for the sync engine or the store to parse its arguments.


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("enroll", help="enroll this station with the district center (注册)")
    p.add_argument("url", help="center URL, or the QR payload bmzz-enroll:URL#CODE")
    p.add_argument("code", nargs="?", help="one-time enrollment code (注册码)")
    add_data_dir_argument(p)
    p.add_argument("--station-name", help="name sent to the center (default: the store's station name)")
    p.add_argument("--admin-secret-file", metavar="FILE", help="first line of FILE is the admin password")
    p.set_defaults(func=cmd_enroll)


def cmd_enroll(args: argparse.Namespace) -> int:
    from storage import StorageError
    from sync.enrollment import enroll_station, parse_enrollment
    from sync.errors import SyncError
    from sync.runtime import open_unlocked

    try:
        url, code = parse_enrollment(args.url, args.code)
        store = open_unlocked(data_dir_of(args), args.admin_secret_file)
        try:
            name = args.station_name or str(getattr(store.keys, "station_name", "") or "便民服务站")
            result = enroll_station(store, url, code, station_name=name)
        finally:
            store.close()
    except SyncError as exc:
        print(t("cli.enroll_failed", text=exc.worker_text()), file=sys.stderr)
        return 1
    except StorageError as exc:
        print(t("cli.error", text=exc), file=sys.stderr)
        return 1
    print(json.dumps({"ok": True, **result.to_dict()}, ensure_ascii=False))
    print(t("cli.enrolled", station_no=result.station_no), file=sys.stderr)
    return 0
