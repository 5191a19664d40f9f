"""一次性告知 and 不予受理 records stations report (notices), for supervision's notice figures.

Revision ID: 0010_notices
Revises: 0009
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_notices"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notices",
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("notice_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("number", sa.String(length=70), nullable=False),
        sa.Column("case_number", sa.String(length=64), nullable=False),
        sa.Column("item_code", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("resumed_as", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("applicant_id_bidx", sa.String(length=32), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_notices_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", "notice_id", name=op.f("pk_notices")),
    )
    op.create_index("ix_notices_month", "notices", ["month"])
    op.create_index(op.f("ix_notices_number"), "notices", ["number"])
    op.create_index(op.f("ix_notices_item_code"), "notices", ["item_code"])
    op.create_index(op.f("ix_notices_applicant_id_bidx"), "notices", ["applicant_id_bidx"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notices_applicant_id_bidx"), table_name="notices")
    op.drop_index(op.f("ix_notices_item_code"), table_name="notices")
    op.drop_index(op.f("ix_notices_number"), table_name="notices")
    op.drop_index("ix_notices_month", table_name="notices")
    op.drop_table("notices")
