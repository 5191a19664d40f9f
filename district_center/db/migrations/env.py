"""Alembic environment: run programmatically by ``district_center.db.engine.upgrade`` with an engine
attached."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, text

from district_center.db.engine import PG_MIGRATION_LOCK, make_engine
from district_center.db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    own = engine is None
    if engine is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=engine.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                if engine.dialect.name == "postgresql":
                    # Several instances may start together against one database: migrate one at a time.
                    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_MIGRATION_LOCK})
                context.run_migrations()
    finally:
        if own:
            engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run `district-center db upgrade`")
run_migrations_online()
