"""Signed catalog deltas (catalog_deltas), served to stations that are a few versions behind.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "catalog_deltas",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("since_version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("document", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("version", "since_version", name=op.f("pk_catalog_deltas")),
    )


def downgrade() -> None:
    op.drop_table("catalog_deltas")
