"""The center's audit log (审计日志): one ``audit_log`` row per administrative or back-office action,
written in the transaction of the action it records."""

from __future__ import annotations

from sqlalchemy.orm import Session

from casework import clock
from district_center.db.models import AuditLog

__all__ = ["audit"]


def audit(session: Session, actor: str, action: str, target: str | None, **details: object) -> None:
    session.add(AuditLog(actor=actor, action=action, target=target, at=clock.now(), details=dict(details)))
