"""Per-station feeds of case events, and the back office's case transitions that write them.

**Ordering guarantee.** Within one station's feed ``seq`` is gap-free and commit-ordered, so a station that
reads ``seq > cursor`` never skips or repeats an event. :func:`append_event` allocates the next ``seq`` with
``UPDATE stations SET feed_seq = feed_seq + 1 … RETURNING feed_seq``: the row lock this takes is held until
the surrounding transaction commits, so a second transaction appending to the same station waits, then reads
the committed counter. Event ``k + 1`` can therefore never become visible before event ``k``; and a rolled
back transaction gives its number back. On SQLite the same holds because writers are serialised
(``BEGIN IMMEDIATE``). Call it in the same transaction as the case change it reports::

    with db.session() as s:
        transition_case(s, case_id, "supplement_requested", actor="user:7", reason="缺少户口簿复印件")

Event types: ``sync.protocol.EventType``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from district_center.db import iso_z, utcnow
from district_center.models import CaseRecord, FeedEventRecord, Station
from district_center.services.stations import audit
from sync.protocol import EventType, FeedEvent, case_digest


class FeedError(ValueError):
    """A transition or event that cannot be applied; ``str(exc)`` is Chinese text."""


def append_event(
    session: Session, station_id: str, type: str | EventType, case_id: str | None,
    payload: dict[str, Any] | None = None, *, at: datetime | None = None,
) -> int:
    """Append one event to ``station_id``'s feed in the caller's transaction; returns its ``seq``."""
    seq = session.execute(
        update(Station).where(Station.id == station_id).values(feed_seq=Station.feed_seq + 1)
        .returning(Station.feed_seq)
    ).scalar_one_or_none()
    if seq is None:
        raise FeedError(f"没有找到服务站 {station_id}")
    session.add(FeedEventRecord(station_id=station_id, seq=seq, type=str(type), case_id=case_id,
                                at=at or utcnow(), payload=payload or {}))
    session.flush()
    return int(seq)


def read_feed(session: Session, station_id: str, after: int, limit: int) -> tuple[list[FeedEvent], int]:
    rows = session.scalars(
        select(FeedEventRecord).where(FeedEventRecord.station_id == station_id, FeedEventRecord.seq > after)
        .order_by(FeedEventRecord.seq).limit(limit)
    ).all()
    events = [FeedEvent(r.seq, r.type, r.case_id, iso_z(r.at), r.payload) for r in rows]
    return events, (events[-1].seq if events else after)


def ack_feed(session: Session, station_id: str, cursor: int) -> int:
    """Record how far the station applied its feed (never moves backwards)."""
    station = session.scalar(select(Station).where(Station.id == station_id).with_for_update())
    if station is None:
        raise FeedError(f"没有找到服务站 {station_id}")
    if cursor > station.feed_seq:
        raise FeedError(f"确认位置 {cursor} 超出了本站事件的最大序号 {station.feed_seq}")
    station.feed_acked = max(station.feed_acked, cursor)
    return station.feed_acked


def _event_for(status: str) -> EventType:
    """The feed event type a new case status is reported as."""
    s = status.lower()
    if "supplement" in s:
        return EventType.SUPPLEMENT_REQUESTED
    if "result" in s or "ready" in s or "pickup" in s:
        return EventType.RESULT_READY
    if s in {"approved", "denied", "rejected", "decided", "not_approved"} or "decid" in s:
        return EventType.DECIDED
    return EventType.STATUS_CHANGED


def _stations_of(case: CaseRecord) -> list[str]:
    return [case.station_id] + ([case.routed_to] if case.routed_to and case.routed_to != case.station_id
                                else [])


def transition_case(
    session: Session, case_id: str, to: str, *, actor: str, reason: str = "",
    at: datetime | None = None, payload: dict[str, Any] | None = None, event_type: str | None = None,
) -> CaseRecord:
    """Move a case through the casework state machine (后台审批) and tell the stations that hold it.

    The case row is locked for the transaction; the casework model refuses transitions its table does not
    allow (``FeedError`` with its reason). One event goes to the accepting station's feed and one to the
    station the case was routed to (通办), with ``payload`` merged into ``{status, from, reason, actor}``.
    """
    from casework.cases import Case  # the shared domain model

    at = at or utcnow()
    record = session.scalar(select(CaseRecord).where(CaseRecord.id == case_id).with_for_update())
    if record is None:
        raise FeedError(f"没有找到办件 {case_id}")
    try:
        case = Case.from_dict(record.document)
        moved = case.transition(to, actor=actor, at=at, reason=reason or None)
    except (ValueError, KeyError, TypeError) as exc:
        raise FeedError(f"办件状态不能从“{record.status}”变为“{to}”：{exc}") from None
    case = moved if isinstance(moved, Case) else case
    before = record.status
    record.document = case.to_dict()
    record.status = str(getattr(case.status, "value", case.status))
    record.digest = case_digest(record.document)
    record.updated_at = at
    body = {"status": record.status, "from": before, "reason": reason, "actor": actor,
            **(payload or {})}
    for station_id in _stations_of(record):
        append_event(session, station_id, event_type or _event_for(record.status), case_id, body, at=at)
    audit(session, actor, "case.transition", f"case:{case_id}", status=record.status, previous=before)
    return record


def route_case(session: Session, case_id: str, to_station_id: str, *, actor: str,
               reason: str = "") -> CaseRecord:
    """通办: hand a case to the station of its jurisdiction (业务属地): ``routed_in`` there (with the case
    document, so that station can work on it) and ``routed_out`` at the accepting station."""
    record = session.scalar(select(CaseRecord).where(CaseRecord.id == case_id).with_for_update())
    if record is None:
        raise FeedError(f"没有找到办件 {case_id}")
    target = session.get(Station, to_station_id)
    if target is None or target.status == "revoked":
        raise FeedError("目标服务站不存在或已停用")
    record.routed_to = to_station_id
    record.updated_at = utcnow()
    append_event(session, to_station_id, EventType.ROUTED_IN, case_id,
                 {"from_station_no": session.get(Station, record.station_id).station_no  # type: ignore[union-attr]
                  , "reason": reason, "version": record.version, "case": record.document})
    append_event(session, record.station_id, EventType.ROUTED_OUT, case_id,
                 {"to_station_no": target.station_no, "reason": reason})
    audit(session, actor, "case.route", f"case:{case_id}", to_station=to_station_id)
    return record


def open_followup(session: Session, case_id: str, *, actor: str, due: str, rating: str,
                  note: str = "") -> int:
    """差评回访: a bad rating needs a follow-up by ``due`` (ISO date); tells the accepting station."""
    record = session.get(CaseRecord, case_id)
    if record is None:
        raise FeedError(f"没有找到办件 {case_id}")
    audit(session, actor, "case.followup", f"case:{case_id}", due=due)
    return append_event(session, record.station_id, EventType.FOLLOWUP_OPENED, case_id,
                        {"due": due, "rating": rating, "note": note})
