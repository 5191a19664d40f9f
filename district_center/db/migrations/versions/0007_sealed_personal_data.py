"""Personal data sealed at rest: ``data_keys`` (envelope encryption), ``cases.sealed`` and the applicant's
blind indexes; ``cases.document`` becomes nullable (plaintext only in rows from before this revision,
sealed by the center at its next start — ``district_center.db.sealing.seal_legacy_rows`` — which needs the
key-encryption key, so it is not done here).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIDX = ("applicant_name_bidx", "applicant_id_bidx", "applicant_phone_bidx")


def upgrade() -> None:
    op.create_table(
        "data_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("kek_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rewrapped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_keys")),
        sa.UniqueConstraint("purpose", "generation", name="uq_data_keys_purpose_generation"),
    )
    op.create_index(op.f("ix_data_keys_kek_id"), "data_keys", ["kek_id"])
    with op.batch_alter_table("cases") as batch:
        batch.alter_column("document", existing_type=sa.JSON(), nullable=True)
        batch.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
        for name in _BIDX:
            batch.add_column(sa.Column(name, sa.String(length=32), nullable=True))
    for name in _BIDX:
        op.create_index(op.f(f"ix_cases_{name}"), "cases", [name])


def downgrade() -> None:
    for name in _BIDX:
        op.drop_index(op.f(f"ix_cases_{name}"), table_name="cases")
    with op.batch_alter_table("cases") as batch:
        for name in _BIDX:
            batch.drop_column(name)
        batch.drop_column("sealed")
    op.drop_index(op.f("ix_data_keys_kek_id"), table_name="data_keys")
    op.drop_table("data_keys")
