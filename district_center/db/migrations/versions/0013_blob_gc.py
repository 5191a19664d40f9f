"""Blob GC of verified blobs no case references: ``attachments.unreferenced_since`` (the mark of
mark-then-sweep, ``district_center.services.attachments.gc``).

Revision ID: 0013_blob_gc
Revises: 0009
Create Date: 2026-12-04

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_blob_gc"
down_revision: str | Sequence[str] | None = "0011_rectification_register"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("unreferenced_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("unreferenced_since")
