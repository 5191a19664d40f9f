"""Per-station feeds of case events, and the back office's case transitions that write them.

**Ordering guarantee.** Within one station's feed ``seq`` is gap-free and commit-ordered, so a station that
reads ``seq > cursor`` never skips or repeats an event. :func:`append_event` allocates the next ``seq`` with
``UPDATE stations SET feed_seq = feed_seq + 1 … RETURNING feed_seq``: the row lock this takes is held until
the surrounding transaction commits, so a second transaction appending to the same station waits, then reads
the committed counter. Event ``k + 1`` can therefore never become visible before event ``k``; and a rolled
back transaction gives its number back. On SQLite the same holds because writers are serialised
(``BEGIN IMMEDIATE``). Call it in the same transaction as the case change it reports::

    with db.session() as s:
        transition_case(s, case_id, "in_review", actor="user:7")

Event types: ``sync.protocol.EventType``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from casework import clock
from casework.cases import Case, CaseError, CaseStatus, Side
from casework.clock import iso_z
from casework.errors import DomainError
from district_center.db.models import CaseRecord, FeedEventRecord, Station
from district_center.db.sealing import open_payload, seal_payload, vault_of
from district_center.services.audit import audit
from district_center.services.cases.deadlines import due_date
from district_center.services.catalog.calendar import district_calendar
from sync.protocol import EventType, FeedEvent, case_digest


class FeedError(DomainError, ValueError):
    """A transition or event that cannot be applied (``center.feed.*``). With ``cause`` (the casework
    model's own refusal) it is worded as that refusal."""

    code = "center.feed.refused"

    def __init__(
        self, code: str | None = None, /, *, cause: Exception | None = None, detail: str = "", **params: Any
    ) -> None:
        super().__init__(code, detail=detail, **params)
        self.cause = cause

    def text(self, language: str | None = None) -> str:
        if isinstance(self.cause, DomainError):
            return self.cause.text(language)
        return super().text(language)


def append_event(
    session: Session,
    station_id: str,
    type: str | EventType,
    case_id: str | None,
    payload: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> int:
    """Append one event to ``station_id``'s feed in the caller's transaction; returns its ``seq``."""
    seq = session.execute(
        update(Station)
        .where(Station.id == station_id)
        .values(feed_seq=Station.feed_seq + 1)
        .returning(Station.feed_seq)
    ).scalar_one_or_none()
    if seq is None:
        raise FeedError("center.feed.station_not_found", station_id=station_id)
    session.add(
        FeedEventRecord(
            station_id=station_id,
            seq=seq,
            type=str(type),
            case_id=case_id,
            at=at or clock.now(),
            payload=seal_payload(vault_of(session), case_id, payload)
            if payload and "case" in payload
            else payload or {},
        )
    )
    session.flush()
    return int(seq)


def read_feed(session: Session, station_id: str, after: int, limit: int) -> tuple[list[FeedEvent], int]:
    rows = session.scalars(
        select(FeedEventRecord)
        .where(FeedEventRecord.station_id == station_id, FeedEventRecord.seq > after)
        .order_by(FeedEventRecord.seq)
        .limit(limit)
    ).all()
    vault = session.info.get("vault")
    events = [
        FeedEvent(r.seq, r.type, r.case_id, iso_z(r.at), open_payload(vault, r.case_id, r.payload))
        for r in rows
    ]
    return events, (events[-1].seq if events else after)


def ack_feed(session: Session, station_id: str, cursor: int) -> int:
    """Record how far the station applied its feed (never moves backwards)."""
    station = session.scalar(select(Station).where(Station.id == station_id).with_for_update())
    if station is None:
        raise FeedError("center.feed.station_not_found", station_id=station_id)
    if cursor > station.feed_seq:
        raise FeedError("center.feed.cursor_beyond", cursor=cursor, max_seq=station.feed_seq)
    station.feed_acked = max(station.feed_acked, cursor)
    return station.feed_acked


def event_for(status: str) -> EventType:
    """The feed event type a new case status is reported as."""
    if status == "supplement_requested":
        return EventType.SUPPLEMENT_REQUESTED
    if status in ("approved", "rejected"):
        return EventType.DECIDED
    if status == "result_ready":
        return EventType.RESULT_READY
    return EventType.STATUS_CHANGED


def _stations_of(case: CaseRecord) -> list[str]:
    """Sorted, so that concurrent transactions lock station rows in one order (no deadlocks)."""
    return sorted({case.station_id, *([case.routed_to] if case.routed_to else [])})


def update_case(
    session: Session,
    case_id: str,
    change: Callable[[Case], object],
    *,
    actor: str,
    event_type: str,
    payload: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> CaseRecord:
    """Apply ``change`` to the center's copy of a case and report it on the feeds, in one transaction.

    The case row is locked (``FOR UPDATE``) while ``change`` runs; a ``CaseError`` / ``ValueError`` from it
    becomes :class:`FeedError` worded as the casework model's refusal. The event goes to the accepting
    station and, for a 通办 case, to the station it was routed to. ``payload`` is merged into
    ``{status, from, actor, version}``. The row's ``version`` stays the station's last pushed version: the
    station applies the event, records its own new version and pushes it, which replaces this copy.
    Use this for back-office changes beyond a plain status move (``case.request_supplement(…)``,
    ``case.set_result(…)``)."""
    at = at or clock.now()
    record = session.scalar(select(CaseRecord).where(CaseRecord.id == case_id).with_for_update())
    if record is None:
        raise FeedError("center.feed.case_not_found", case_id=case_id)
    try:
        case = Case.from_dict(record.document)
        change(case)
    except (CaseError, ValueError, KeyError) as exc:
        raise FeedError(cause=exc, detail=type(exc).__name__) from None
    before = record.status
    record.document = case.to_dict()
    record.status = case.status.value
    record.promised_date = case.promised_date.isoformat() if case.promised_date else None
    record.due_date = due_date(case, district_calendar(session), clock.china_date(at))
    record.digest = case_digest(record.document)
    record.updated_at = at
    body = {
        "status": record.status,
        "from": before,
        "actor": actor,
        "version": case.version,
        **(payload or {}),
    }
    for station_id in _stations_of(record):
        append_event(session, station_id, event_type, case_id, body, at=at)
    audit(
        session,
        actor,
        "case.update",
        f"case:{case_id}",
        status=record.status,
        previous=before,
        event=event_type,
    )
    return record


def transition_case(
    session: Session,
    case_id: str,
    to: str | CaseStatus,
    *,
    actor: str,
    reason: str = "",
    item_code: str | None = None,
    at: datetime | None = None,
    payload: dict[str, Any] | None = None,
) -> CaseRecord:
    """后台审批: move a case (or, for a 一件事 bundle, its sub-case ``item_code``) along the casework state
    machine as the district center (``Side.CENTER``) and tell the stations that hold it.

        with db.session() as s:
            transition_case(s, case_id, "in_review", actor="user:7")
            transition_case(s, case_id, "rejected", actor="user:7", reason="不符合受理条件")

    ``FeedError`` (``center.feed.*``) when the table does not allow the change from the center's side."""
    at = at or clock.now()
    try:
        target = CaseStatus(to)
    except ValueError:
        raise FeedError("center.feed.unknown_status", status=to) from None

    def change(case: Case) -> None:
        if item_code is not None:
            case.transition_sub(item_code, target, actor=actor, at=at, reason=reason, side=Side.CENTER)
        else:
            case.transition(target, actor=actor, at=at, reason=reason, side=Side.CENTER)

    extra = {"reason": reason, **({"item_code": item_code} if item_code else {}), **(payload or {})}
    return update_case(
        session, case_id, change, actor=actor, event_type=event_for(target.value), payload=extra, at=at
    )


def route_case(
    session: Session, case_id: str, to_station_id: str, *, actor: str, reason: str = ""
) -> CaseRecord:
    """通办: hand a case to the station of its jurisdiction (业务属地): ``routed_in`` there (with the case
    document, so that station can work on it) and ``routed_out`` at the accepting station."""
    record = session.scalar(select(CaseRecord).where(CaseRecord.id == case_id).with_for_update())
    if record is None:
        raise FeedError("center.feed.case_not_found", case_id=case_id)
    target = session.get(Station, to_station_id)
    if target is None or target.status == "revoked":
        raise FeedError("center.feed.target_station_unusable")
    record.routed_to = to_station_id
    record.updated_at = clock.now()
    origin = session.get(Station, record.station_id)
    append_event(
        session,
        to_station_id,
        EventType.ROUTED_IN,
        case_id,
        {
            "from_station_no": origin.station_no if origin else None,
            "reason": reason,
            "version": record.version,
            "case": record.document,
        },
    )
    append_event(
        session,
        record.station_id,
        EventType.ROUTED_OUT,
        case_id,
        {"to_station_no": target.station_no, "reason": reason},
    )
    audit(session, actor, "case.route", f"case:{case_id}", to_station=to_station_id)
    return record


def open_followup(
    session: Session,
    case_id: str,
    *,
    actor: str,
    rating: str,
    working_days: int,
    note: str = "",
    today: date | None = None,
) -> int:
    """差评回访: a rating of 基本满意 or below opens a follow-up due ``working_days`` (the district's
    ``Settings.followup_working_days``) working days from ``today``; tells the accepting station."""
    record = session.get(CaseRecord, case_id)
    if record is None:
        raise FeedError("center.feed.case_not_found", case_id=case_id)
    due = (
        district_calendar(session)
        .add_working_days(today or clock.china_today(), working_days)
        .date.isoformat()
    )
    audit(session, actor, "case.followup", f"case:{case_id}", due=due)
    return append_event(
        session,
        record.station_id,
        EventType.FOLLOWUP_OPENED,
        case_id,
        {"due": due, "rating": rating, "note": note},
    )
