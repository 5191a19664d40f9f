"""``district-center keys init``: generate the district signing and recovery keys."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from district_center.cli.common import add_settings_arguments, settings_from
from district_center.keys import (
    KEY_FILE_NAME,
    PASSPHRASE_ENV,
    DistrictKeys,
    KeyFileError,
    configured_key_file,
    init_keys,
    open_district_keys,
    read_passphrase,
)
from district_center.settings import Settings


def add_passphrase_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help=f"read the key passphrase from the first line of FILE (else ${PASSPHRASE_ENV}, else a prompt)",
    )


def add_key_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--key-file", metavar="FILE", help=f"district private key file (default DATA_DIR/{KEY_FILE_NAME})"
    )
    add_passphrase_argument(parser)


def key_file_path(args: argparse.Namespace, settings: Settings) -> Path:
    if getattr(args, "key_file", None):
        return Path(args.key_file)
    return configured_key_file(settings.data_dir, settings.extra.get("key_file"))


def open_keys(args: argparse.Namespace, settings: Settings) -> DistrictKeys:
    """Load the district keys for one command, checking they are the ones stations pinned."""
    return open_district_keys(
        settings.data_dir, key_file_path(args, settings), read_passphrase(args.passphrase_file)
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="district keys: catalog signing (Ed25519), station recovery (X25519)")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    init = keys_sub.add_parser("init", help="generate the keys into a passphrase-protected key file")
    add_settings_arguments(init)
    add_key_arguments(init)
    init.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    try:
        passphrase = read_passphrase(args.passphrase_file, confirm=True, prompt="为区中心密钥设置口令：")
        keys, key_path, public_path = init_keys(
            settings.data_dir, passphrase, key_file=key_file_path(args, settings)
        )
    except KeyFileError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(f"已生成区中心密钥 {keys.key_id}")
    print(f"  私钥文件（口令保护，权限 0600）：{key_path}")
    print(f"  公钥文件（服务站注册时下发）：{public_path}")
    print("请将私钥文件离线备份；口令不会被保存，遗失后无法找回。")
    return 0
