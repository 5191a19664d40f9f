"""Back office: ratings (好差评), follow-ups (差评回访整改) and result documents (办结结果文件).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("item_code", sa.String(length=64), nullable=True),
        sa.Column("rating", sa.String(length=16), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=100), nullable=True),
        sa.Column("resolution", sa.String(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_followups_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
        sa.UniqueConstraint("case_id", name=op.f("uq_followups_case_id")),
    )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_followups_station_id"), ["station_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_followups_department"), ["department"], unique=False)
        batch_op.create_index(batch_op.f("ix_followups_due_date"), ["due_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_followups_status"), ["status"], unique=False)
    op.create_table(
        "ratings",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("item_code", sa.String(length=64), nullable=True),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(["station_id"], ["stations.id"], name=op.f("fk_ratings_station_id_stations")),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_ratings")),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_station_id"), ["station_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ratings_month"), ["month"], unique=False)
    op.create_table(
        "result_documents",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("uploaded_by", sa.String(length=100), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "sha256", name=op.f("pk_result_documents")),
    )


def downgrade() -> None:
    op.drop_table("result_documents")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_month"))
        batch_op.drop_index(batch_op.f("ix_ratings_station_id"))
    op.drop_table("ratings")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_followups_status"))
        batch_op.drop_index(batch_op.f("ix_followups_due_date"))
        batch_op.drop_index(batch_op.f("ix_followups_department"))
        batch_op.drop_index(batch_op.f("ix_followups_station_id"))
    op.drop_table("followups")
