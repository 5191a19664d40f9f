"""Per-station upload sessions (``upload_sessions``) and the digests each case references
(``case_attachments``).

Before this revision an upload was one global ``attachments`` row per digest, so one station's wrong size
or bytes blocked every other station's upload of the same scan. Now the session belongs to the station
that opened it and only a verified blob is shared. Existing complete attachments become complete sessions
of the station that uploaded them; incomplete ones are dropped (their stations restart those uploads from
byte 0 — the station engine asks before resuming). ``case_attachments`` starts empty: it is filled as cases
are pushed again (older cases' attachments stay visible to their stations through their sessions).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigInt = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "upload_sessions",
        sa.Column("station_id", sa.String(length=36), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", BigInt, nullable=False),
        sa.Column("received", BigInt, nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_upload_sessions_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("station_id", "sha256", name=op.f("pk_upload_sessions")),
    )
    op.create_index(op.f("ix_upload_sessions_sha256"), "upload_sessions", ["sha256"])
    op.create_table(
        "case_attachments",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "sha256", name=op.f("pk_case_attachments")),
    )
    op.create_index(op.f("ix_case_attachments_sha256"), "case_attachments", ["sha256"])
    op.execute(
        "INSERT INTO upload_sessions (station_id, sha256, size, received, complete, created_at, updated_at,"
        " completed_at) SELECT station_id, sha256, size, size, complete, created_at,"
        " COALESCE(completed_at, created_at), completed_at FROM attachments WHERE complete"
    )
    op.execute("DELETE FROM attachments WHERE NOT complete")


def downgrade() -> None:
    op.drop_index(op.f("ix_case_attachments_sha256"), table_name="case_attachments")
    op.drop_table("case_attachments")
    op.drop_index(op.f("ix_upload_sessions_sha256"), table_name="upload_sessions")
    op.drop_table("upload_sessions")
