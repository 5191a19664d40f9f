"""Stored 限时办结 due day (``cases.due_date``) so that lists and supervision sort and filter in SQL.

``due_date`` is the promised date pushed back by the working days spent in 补齐补正, written on ingest and on
every back-office change (``district_center.services.cases.deadlines``). Existing rows start from their
promised
date (exact for every case that never waited for a supplement; the others are corrected at their next
change). The queue indexes of 0004 walked ``promised_date``; these walk ``due_date``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("due_date", sa.String(length=10), nullable=True))
    op.execute("UPDATE cases SET due_date = promised_date WHERE status NOT IN ('refused', 'withdrawn')")
    op.drop_index("ix_cases_queue_due", table_name="cases")
    op.drop_index("ix_cases_queue_department", table_name="cases")
    op.create_index("ix_cases_queue_department_due", "cases", ["department", "due_date", "id", "status"])
    op.create_index("ix_cases_queue_due_date", "cases", ["due_date", "id", "status"])
    op.create_index("ix_cases_status_due", "cases", ["status", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_cases_status_due", table_name="cases")
    op.drop_index("ix_cases_queue_due_date", table_name="cases")
    op.drop_index("ix_cases_queue_department_due", table_name="cases")
    op.create_index("ix_cases_queue_department", "cases", ["department", "promised_date", "id", "status"])
    op.create_index("ix_cases_queue_due", "cases", ["promised_date", "id", "status"])
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("due_date")
