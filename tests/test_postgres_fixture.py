"""The private PostgreSQL cluster the server tests rely on really starts and accepts SQL."""

import sqlalchemy as sa


def test_postgres_cluster_runs_sql(postgres_server):
    engine = sa.create_engine(postgres_server.create_database("smoke"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("select 40 + 2")).scalar() == 42
    engine.dispose()
