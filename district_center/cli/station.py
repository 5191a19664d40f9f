"""``district-center station add|list|revoke|code``: enroll and cut off 便民服务站."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sqlalchemy.orm import Session

from casework.clock import iso_z
from district_center.cli.common import add_settings_arguments, open_database, settings_from
from district_center.services.stations import registry as stations


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    station = sub.add_parser("station", help="stations: add (one-time enrollment code), list, revoke")
    ssub = station.add_subparsers(dest="station_command", metavar="ACTION", required=True)
    add = ssub.add_parser("add", help="create a station and print its one-time enrollment code and QR code")
    add.add_argument("name", help="station name, e.g. 雁塔区丈八街道某某社区便民服务站")
    add.add_argument("--jurisdiction", default="", help="业务属地 the station serves (for 通办 routing)")
    add.add_argument("--no-qr", action="store_true", help="print the code only")
    add_settings_arguments(add)
    add.set_defaults(func=cmd_add)
    code = ssub.add_parser("code", help="issue a new enrollment code for a station that has not enrolled")
    code.add_argument("id", help="station id or number")
    code.add_argument("--no-qr", action="store_true")
    add_settings_arguments(code)
    code.set_defaults(func=cmd_code)
    lst = ssub.add_parser("list", help="list stations")
    add_settings_arguments(lst)
    lst.set_defaults(func=cmd_list)
    rev = ssub.add_parser("revoke", help="cut a station off at once (its next request is refused)")
    rev.add_argument("id", help="station id or number")
    add_settings_arguments(rev)
    rev.set_defaults(func=cmd_revoke)


def _show_code(new: stations.NewStation, public_url: str, qr: bool) -> None:
    uri = stations.enrollment_uri(public_url, new.code)
    print(f"服务站：{new.name}（编号 {new.station_no}，ID {new.station_id}）")
    print(f"一次性注册码：{new.code}")
    print(f"有效期至：{iso_z(new.expires_at)}（24 小时内有效，只能使用一次）")
    print(f"区中心地址：{public_url}")
    if qr:
        import segno

        print("在服务站软件的“注册本站”界面扫描下方二维码，或手工输入注册码：")
        segno.make(uri, error="m").terminal(out=sys.stdout, compact=True)


def _issue_code(args: argparse.Namespace, issue: Callable[[Session, int], stations.NewStation]) -> int:
    """Run ``issue(session, code_hours)`` (returns the new code) and print the code (and QR code)."""
    settings = settings_from(args)
    db = open_database(settings)
    try:
        with db.session() as s:
            new = issue(s, settings.enrollment_code_hours)
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    _show_code(new, settings.public_url, not args.no_qr)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    return _issue_code(
        args,
        lambda s, hours: stations.create_station(s, args.name, jurisdiction=args.jurisdiction, hours=hours),
    )


def cmd_code(args: argparse.Namespace) -> int:
    def issue(s: Session, hours: int) -> stations.NewStation:
        found = stations.find_station(s, args.id)
        if found is None:
            raise stations.StationError("center.stations.not_found", ref=args.id)
        return stations.new_code_for(s, found.id, hours=hours)

    return _issue_code(args, issue)


_STATUS = {"pending": "待注册", "active": "正常", "revoked": "已停用"}


def cmd_list(args: argparse.Namespace) -> int:
    db = open_database(settings_from(args))
    with db.read_session() as s:
        rows = stations.list_stations(s)
        print(f"{'编号':>4}  {'状态':<4}  {'ID':<36}  {'最近同步':<20}  名称")
        for st in rows:
            seen = iso_z(st.last_seen_at) if st.last_seen_at else "-"
            state = _STATUS.get(st.status, st.status)
            print(f"{st.station_no:>4}  {state:<4}  {st.id:<36}  {seen:<20}  {st.name}")
    db.dispose()
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    db = open_database(settings_from(args))
    try:
        with db.session() as s:
            st = stations.revoke_station(s, args.id)
            print(f"已停用服务站 {st.station_no} {st.name}；它的下一次请求将被拒绝。")
    except ValueError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    finally:
        db.dispose()
    return 0
