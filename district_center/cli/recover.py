"""``district-center recover-station``: reset a station's admin secret with the district recovery key.

Run on the machine that holds the station's data directory (a copy, or the station laptop brought to the
center), with the station app closed. The district key file is opened with its passphrase for this one call;
the station's recovery slot (sealed to the district X25519 public key at enrollment) yields the station data
key, and the storage layer rewrites the admin slot with the new secret. Workers' PINs and the station
passphrase are unchanged. See docs/district-center-admin.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from district_center.cli.common import settings_from
from district_center.cli.keys import add_passphrase_argument
from district_center.keys import (
    KEY_FILE_NAME,
    KeyFileError,
    configured_key_file,
    load_key_file,
    read_passphrase,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "recover-station", help="reset a station's admin secret with the district recovery key (站点恢复)"
    )
    p.add_argument(
        "--data-dir",
        required=True,
        metavar="STATION_DIR",
        help="the station's data directory (station app closed; not the center's)",
    )
    p.add_argument(
        "--key-file",
        metavar="FILE",
        help=f"the district private key file (default: the center's, DATA_DIR/{KEY_FILE_NAME} "
        "with DATA_DIR from --config / $CENTER_DATA_DIR / ./.center-data)",
    )
    p.add_argument(
        "--config", metavar="FILE", help="center settings file, to find the key file (default $CENTER_CONFIG)"
    )
    add_passphrase_argument(p)
    p.add_argument(
        "--new-secret-file",
        metavar="FILE",
        help="read the new station admin secret from the first line of FILE (else a prompt)",
    )
    p.set_defaults(func=cmd_recover)


def _new_secret(path: str | None) -> str:
    """The new admin secret: the first line of ``path``, else typed twice at a terminal; never empty."""
    if path:
        try:
            lines = Path(path).read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            raise KeyFileError("center.recover.secret_file_unreadable", path=str(path)) from None
        secret = lines[0] if lines else ""
    else:
        import getpass

        if not sys.stdin.isatty():
            raise KeyFileError("center.recover.secret_needed")
        secret = getpass.getpass("为服务站设置新的管理员密码：")
        if getpass.getpass("请再次输入新的管理员密码：") != secret:
            raise KeyFileError("center.recover.secret_mismatch")
    if not secret.strip():
        raise KeyFileError("center.recover.secret_empty")
    return secret


def _key_file(args: argparse.Namespace) -> Path:
    if args.key_file:
        return Path(args.key_file)
    settings = settings_from(argparse.Namespace(config=args.config, data_dir=None))
    return configured_key_file(settings.data_dir, settings.extra.get("key_file"))


def cmd_recover(args: argparse.Namespace) -> int:
    from storage.errors import StorageError
    from storage.store import recover_with_district_key

    try:
        keys = load_key_file(_key_file(args), read_passphrase(args.passphrase_file))
        secret = _new_secret(args.new_secret_file)
        recover_with_district_key(args.data_dir, keys.recovery, secret)
    except (KeyFileError, OSError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    except StorageError as exc:
        print(f"恢复失败：{exc}", file=sys.stderr)
        return 1
    print(f"已用区中心恢复密钥 {keys.key_id} 重设服务站管理员密码：{args.data_dir}")
    print("请将新密码当面交给服务站负责人，并提醒其登录后立即修改。")
    return 0
