"""``district-center serve`` and ``district-center db upgrade|current``."""

from __future__ import annotations

import argparse

from district_center.cli.common import add_settings_arguments, open_database, refusal, settings_from
from district_center.db.engine import current_revision


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="run the district center HTTP server (embedded SQLite by default)")
    add_settings_arguments(serve)
    serve.add_argument("--host", help="listen address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (default 8700)")
    serve.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (PostgreSQL only)")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema migrations")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = db_sub.add_parser("upgrade", help="migrate the database to the newest schema (alembic upgrade head)")
    add_settings_arguments(up)
    up.set_defaults(func=cmd_db_upgrade)
    cur = db_sub.add_parser("current", help="print the schema revision of the database")
    add_settings_arguments(cur)
    cur.set_defaults(func=cmd_db_current)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from district_center.app import create_app
    from district_center.logs import configure_logging

    settings = settings_from(args, host=args.host, port=args.port)
    configure_logging(settings.log_level)
    if args.workers > 1 and settings.is_sqlite:
        raise refusal("center.cli.sqlite_single_process")
    app = create_app(settings)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        # longer than a reverse proxy's upstream keep-alive (nginx: 60 s): uvicorn's 5 s default closes idle
        # connections a client is about to reuse, and that request fails with a connection reset
        timeout_keep_alive=75,
    )
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    db = open_database(settings)
    print(f"数据库已是最新结构：{current_revision(db.engine)}")
    db.dispose()
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    db = open_database(settings_from(args), migrate=False)
    print(current_revision(db.engine) or "（空数据库，尚未迁移）")
    db.dispose()
    return 0
