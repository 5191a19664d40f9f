"""``district-center keys init``: generate the district signing and recovery keys."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from district_center.keys import PASSPHRASE_ENV, KeyFileError, init_keys, read_passphrase

DATA_DIR_ENV = "CENTER_DATA_DIR"


def default_data_dir() -> str:
    return os.environ.get(DATA_DIR_ENV, ".")


def add_passphrase_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--passphrase-file", metavar="FILE",
        help=f"read the key passphrase from the first line of FILE (else ${PASSPHRASE_ENV}, else a prompt)",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = sub.add_parser("keys", help="district keys: catalog signing (Ed25519), station recovery (X25519)")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    init = keys_sub.add_parser("init", help="generate the keys into a passphrase-protected key file")
    init.add_argument("--data-dir", default=default_data_dir(),
                      help=f"center data directory (default ${DATA_DIR_ENV} or .)")
    init.add_argument("--key-file",
                      help="where to write the private key file (default DATA_DIR/district-keys.key.json)")
    add_passphrase_argument(init)
    init.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace) -> int:
    try:
        passphrase = read_passphrase(args.passphrase_file, confirm=True, prompt="为区中心密钥设置口令：")
        keys, key_path, public_path = init_keys(Path(args.data_dir), passphrase,
                                                key_file=Path(args.key_file) if args.key_file else None)
    except KeyFileError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    print(f"已生成区中心密钥 {keys.key_id}")
    print(f"  私钥文件（口令保护，权限 0600）：{key_path}")
    print(f"  公钥文件（服务站注册时下发）：{public_path}")
    print("请将私钥文件离线备份；口令不会被保存，遗失后无法找回。")
    return 0
