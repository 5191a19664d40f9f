"""``district-center user add|list``: back-office accounts (password from a prompt or
$CENTER_USER_PASSWORD)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sqlalchemy import select

from district_center.cli.common import add_settings_arguments, open_database, settings_from
from district_center.db.models import User
from district_center.services.users.accounts import ROLES, AccountError, create_user, district_departments

PASSWORD_ENV = "CENTER_USER_PASSWORD"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="back-office user accounts")
    usub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = usub.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument(
        "--role", action="append", required=True, choices=ROLES, help="role (repeat for several)"
    )
    add.add_argument(
        "--department",
        help="实施主体 the reviewer works for (required for reviewer; one of the published catalog's)",
    )
    add.add_argument("--display-name", default="")
    add_settings_arguments(add)
    add.set_defaults(func=cmd_add)
    lst = usub.add_parser("list", help="list accounts")
    add_settings_arguments(lst)
    lst.set_defaults(func=cmd_list)


def _password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return from_env
    first = getpass.getpass("新账号密码：")
    if getpass.getpass("再次输入密码：") != first:
        raise AccountError("center.users.password_mismatch")
    return first


def cmd_add(args: argparse.Namespace) -> int:
    db = open_database(settings_from(args))
    try:
        password = _password()
        with db.session() as s:
            created = create_user(
                s,
                args.username,
                password,
                args.role,
                department=args.department,
                display_name=args.display_name,
                departments=district_departments(s) if "reviewer" in args.role else None,
            )
            print(f"已创建账号 {created.username}（角色：{', '.join(created.roles)}）")
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    db = open_database(settings_from(args))
    with db.read_session() as s:
        for u in s.scalars(select(User).order_by(User.username)):
            state = "停用" if u.disabled else "正常"
            print(f"{u.username:<20} {state:<4} {','.join(u.roles):<30} {u.department or ''}")
    db.dispose()
    return 0
