"""``station-app init --data-dir DIR``: create the station's encrypted store, headless.

Secrets: the admin password from ``--admin-secret-file``, ``$STATION_ADMIN_SECRET_FILE``,
``$STATION_ADMIN_SECRET`` or a prompt; the station passphrase from ``--passphrase-file``,
``$STATION_PASSPHRASE_FILE``, ``$STATION_PASSPHRASE`` or a prompt. Files and environment variables are for
demos
and scripted deployment only (see storage.station_secret).
"""

from __future__ import annotations

import argparse
import sys

from station_app.config import add_data_dir_argument, data_dir_of
from station_app.i18n import t

# The heavy imports live in the command functions: ``station-app serve`` registers every command and
# must not pay for the sync engine or the store to parse its arguments.


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="create the station's encrypted local store (加密本地数据)")
    add_data_dir_argument(p)
    p.add_argument("--station-name", default="便民服务站", help="station name shown in the app")
    p.add_argument("--admin-secret-file", metavar="FILE", help="first line of FILE is the admin password")
    p.add_argument("--passphrase-file", metavar="FILE", help="first line of FILE is the station passphrase")
    p.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    from storage import StationStore, StorageError
    from storage.station_secret import admin_secret, station_passphrase

    data_dir = data_dir_of(args)
    try:
        admin = admin_secret(args.admin_secret_file, confirm=True)
        passphrase = station_passphrase(args.passphrase_file, confirm=True)
        store = StationStore.create(
            data_dir, station_name=args.station_name, admin_secret=admin, station_passphrase=passphrase
        )
        store.close()
    except StorageError as exc:
        print(t("cli.error", text=exc), file=sys.stderr)
        return 1
    print(t("cli.init_done", data_dir=data_dir))
    print(t("cli.init_remember"))
    return 0
