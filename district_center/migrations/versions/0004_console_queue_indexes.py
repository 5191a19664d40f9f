"""Indexes for the console's reviewer queue: department / status filters in 承诺办结日期 order.

The queue pages by ``ORDER BY promised_date, id`` under ``department = ?`` (a reviewer) or ``status IN (…)``
(a supervisor's filter); these composite indexes let both backends walk the index in order and stop after one
page instead of sorting every matching case (``district_center/console/queue.py``, ``bench/console.py``).

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
    op.create_index("ix_cases_queue_department", "cases", ["department", "promised_date", "id"])
    op.create_index("ix_cases_queue_status", "cases", ["status", "promised_date", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_queue_status", table_name="cases")
    op.drop_index("ix_cases_queue_department", table_name="cases")
