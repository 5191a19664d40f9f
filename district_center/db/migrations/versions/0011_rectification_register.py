"""差评整改 and the revisit (回访) rating on follow-ups; 送达 records for 参评率; the 帮办代办 register.

Follow-ups gain the department's 整改 outcome (``rectified_*``) and the resident's second rating
(``second_*``: at the station or by the center's call). Follow-ups closed before this revision recorded
"回访及整改情况" as their resolution: they count as rectified on their closing time.

``handovers``: one row per case handed over (送达) to the resident, the denominator of 参评率.
``assisted_filings``: one row per case filed by an agent or with a station worker's help (帮办代办); who
helped lives only in the sealed case document.

Revision ID: 0011_rectification_register
Revises: 0009
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_rectification_register"
down_revision: str | Sequence[str] | None = "0010_notices"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FOLLOWUP_COLUMNS = (
    ("rectified_at", sa.DateTime(timezone=True)),
    ("rectified_by", sa.String(length=100)),
    ("rectification", sa.String(length=2000)),
    ("second_level", sa.String(length=16)),
    ("second_at", sa.DateTime(timezone=True)),
    ("second_channel", sa.String(length=16)),
    ("second_by", sa.String(length=100)),
    ("second_comment", sa.LargeBinary()),
)


def upgrade() -> None:
    with op.batch_alter_table("followups") as batch:
        for name, type_ in _FOLLOWUP_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.execute(
        "UPDATE followups SET rectified_at = closed_at, rectified_by = closed_by, rectification = resolution "
        "WHERE status = 'closed'"
    )
    op.create_table(
        "handovers",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("item_code", sa.String(length=64), nullable=True),
        sa.Column("handed_over_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_handovers_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_handovers")),
    )
    op.create_index(op.f("ix_handovers_month"), "handovers", ["month"])
    op.create_index(op.f("ix_handovers_station_id"), "handovers", ["station_id"])
    op.create_table(
        "assisted_filings",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("department", sa.String(length=200), nullable=True),
        sa.Column("item_code", sa.String(length=64), nullable=True),
        sa.Column("helper_kind", sa.String(length=16), nullable=False),
        sa.Column("authority", sa.String(length=32), nullable=False),
        sa.Column("worker_id", sa.String(length=64), nullable=True),
        sa.Column("authority_sha256", sa.String(length=64), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(
            ["station_id"], ["stations.id"], name=op.f("fk_assisted_filings_station_id_stations")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_assisted_filings")),
    )
    op.create_index(op.f("ix_assisted_filings_department"), "assisted_filings", ["department"])
    op.create_index(op.f("ix_assisted_filings_month"), "assisted_filings", ["month"])
    op.create_index(op.f("ix_assisted_filings_station_id"), "assisted_filings", ["station_id"])


def downgrade() -> None:
    op.drop_table("assisted_filings")
    op.drop_table("handovers")
    with op.batch_alter_table("followups") as batch:
        for name, _ in reversed(_FOLLOWUP_COLUMNS):
            batch.drop_column(name)
