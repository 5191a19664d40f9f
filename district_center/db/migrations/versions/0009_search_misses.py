"""Failed guide searches stations report (search_misses), for the console's 未找到的搜索 list.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "search_misses",
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("miss_id", sa.String(length=36), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("query", sa.String(length=60), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("result", sa.String(length=10), nullable=False),
        sa.Column("catalog_version", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_search_misses_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", "miss_id", name=op.f("pk_search_misses")),
    )
    op.create_index("ix_search_misses_at", "search_misses", ["at"])


def downgrade() -> None:
    op.drop_index("ix_search_misses_at", table_name="search_misses")
    op.drop_table("search_misses")
