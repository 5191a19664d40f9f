"""``district-center import-bundle FILE --out ANSWER``: take a station's offline bundle (USB stick).

Decrypts with the district recovery key and signs the answer with the district signing key, so it needs the
key file and its passphrase (``--key-file``, ``--passphrase-file`` / ``$CENTER_KEY_PASSPHRASE`` / prompt).
Cases and scans go through the same services as the network path: importing the same bundle twice changes
nothing. Prints a JSON summary (counts only, no personal data).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from district_center.app import open_center
from district_center.cli.common import add_settings_arguments, settings_from
from district_center.cli.keys import add_key_arguments, key_file_path
from district_center.keys import KeyFileError, load_key_file, read_passphrase
from district_center.services.stations.bundle_import import BundleError, import_bundle


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import-bundle", help="import a station's offline bundle and write the answer (离线同步包)"
    )
    p.add_argument("file", help="the bundle the station exported (station-app export-bundle)")
    p.add_argument("--out", required=True, metavar="ANSWER", help="where to write the answer bundle")
    add_settings_arguments(p)
    add_key_arguments(p)
    p.set_defaults(func=cmd_import_bundle)


def cmd_import_bundle(args: argparse.Namespace) -> int:
    settings = settings_from(args).resolved()
    try:
        keys = load_key_file(key_file_path(args, settings), read_passphrase(args.passphrase_file))
        center = open_center(settings)
        try:
            summary = import_bundle(center, keys, Path(args.file), Path(args.out))
        finally:
            center.db.dispose()
    except (BundleError, KeyFileError) as exc:
        print(f"导入失败：{exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"导入失败：无法读写文件（{exc.strerror}）", file=sys.stderr)
        return 1
    print(json.dumps({"ok": True, **summary}, ensure_ascii=False))
    return 0
