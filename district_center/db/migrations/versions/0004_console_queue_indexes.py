"""Indexes for the console's reviewer queue: department / status filters in 承诺办结日期 order.

The queue pages by ``ORDER BY promised_date, id`` under ``department = ?`` (a reviewer) or over every case (a
supervisor), filtered by a status group. Both indexes end with ``status`` so the filter and the page counts
are answered from the index alone: the backends walk it in order and stop after one page, and never read (or
sort) the case documents of the rows they skip (``district_center/console/queue.py``, ``bench/console.py``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_queue_department", "cases", ["department", "promised_date", "id", "status"])
    op.create_index("ix_cases_queue_due", "cases", ["promised_date", "id", "status"])


def downgrade() -> None:
    op.drop_index("ix_cases_queue_due", table_name="cases")
    op.drop_index("ix_cases_queue_department", table_name="cases")
