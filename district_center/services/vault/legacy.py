"""Sealing rows written before migration 0007 (plaintext case documents and ``routed_in`` payloads).

Run by ``open_center`` at start-up (cheap when there is nothing left: one query per table). Batches of
500 rows, each batch its own transaction, so a large database is sealed step by step and a crash resumes.
On SQLite the file is vacuumed afterwards: the old plaintext pages would otherwise linger as free pages.
"""

from __future__ import annotations

from sqlalchemy import select

from district_center.db.engine import Database
from district_center.db.models import CaseRecord, FeedEventRecord
from district_center.db.sealing import document_columns, seal_payload, vault_of

__all__ = ["seal_legacy_rows"]

BATCH = 500


def seal_legacy_rows(db: Database) -> int:
    """Seal every plaintext case document and routed case copy; returns how many rows changed."""
    changed = 0
    while True:
        with db.session() as s:
            vault = vault_of(s)
            rows = s.scalars(select(CaseRecord).where(CaseRecord.sealed.is_(None)).limit(BATCH)).all()
            for row in rows:
                for column, value in document_columns(vault, row.id, row.plain_document or {}).items():
                    setattr(row, "plain_document" if column == "document" else column, value)
            changed += len(rows)
        if len(rows) < BATCH:
            break
    with db.session() as s:
        vault = vault_of(s)
        events = s.scalars(select(FeedEventRecord).where(FeedEventRecord.type == "routed_in")).all()
        for event in events:
            if "case" in event.payload:
                event.payload = seal_payload(vault, event.case_id, event.payload)
                changed += 1
    if changed and db.is_sqlite:
        raw = db.engine.raw_connection()  # outside SQLAlchemy's transaction: VACUUM refuses to run in one
        try:
            raw.cursor().execute("VACUUM")
        finally:
            raw.close()
    return changed
