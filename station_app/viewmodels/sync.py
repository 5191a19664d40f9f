"""The sync page's data: the status board's snapshot in plain words plus the outbox as the worker sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from casework import clock
from casework.messages import term
from station_app.i18n import t
from station_app.services import sync_queue


def local_time(iso: str | None) -> str:
    if not iso:
        return ""
    try:
        return clock.to_china(clock.parse_instant(iso)).strftime("%m-%d %H:%M")
    except ValueError:
        return iso


@dataclass
class SyncView:
    headline: str
    state: str = "ok"  # ok, pending, error, running, not_enrolled (a stable key for tests and styling)
    last_success_raw: str = ""
    running: bool = False
    step: str = ""
    case_progress: float | None = None
    byte_progress: float | None = None
    error: str = ""
    action: str = ""
    center: str = ""
    last_success: str = ""
    next_attempt: str = ""
    catalog_version: int = 0
    pending: list[str] = field(default_factory=list)
    held: int = 0  # queued cases held back by a failed scan (their line says why)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    notice_keys: list[str] = field(default_factory=list)
    unread_notices: int = 0
    catalog_change: dict[str, Any] = field(default_factory=dict)
    calendar_version: int = 0
    calendar_years: str = ""
    calendar_moved: list[tuple[str, str, str]] = field(default_factory=list)  # (case id, number, line)
    calendar_moved_count: int = 0


def sync_view(runtime: Any, with_queue: bool = False) -> SyncView:
    station = runtime.station
    s = runtime.board.current
    ident = station.identity()
    snap = sync_queue.snapshot(station, with_queue=with_queue)
    pending_n = snap.pending
    if ident is None:
        state, headline = "not_enrolled", t("sync.headline_not_enrolled", n=pending_n)
    elif s.running:
        state, headline = "running", t("sync.headline_running", step=s.step_label)
    elif s.last_error:
        state, headline = "error", t("sync.headline_error", n=pending_n)
    elif pending_n:
        state, headline = "pending", t("sync.headline_pending", n=pending_n)
    else:
        state, headline = "ok", t("sync.headline_ok", at=local_time(s.last_success) or "-")
    v = SyncView(
        headline=headline,
        state=state,
        last_success_raw=s.last_success or "",
        running=s.running,
        step=s.step_label,
        case_progress=(s.cases_done / s.cases_total) if s.cases_total else None,
        byte_progress=(s.bytes_done / s.bytes_total) if s.bytes_total else None,
        error=s.last_error or "",
        action=s.last_error_action or "",
        center=str(ident.get("center_url", "")) if ident else "",
        last_success=local_time(s.last_success),
        next_attempt=local_time(s.next_attempt),
        catalog_version=snap.catalog_version,
    )
    if not snap.unlocked:
        return v
    v.catalog_change = snap.catalog_change
    calendar_notice(v, snap.calendar_notice)
    for key, doc in snap.outbox:
        case = doc.get("case", {})
        line = t(
            "sync.pending_line",
            number=case.get("number", key),
            status=_label(case.get("status")),
            n=len(doc.get("attachments", [])),
        )
        held = doc.get("held")
        if isinstance(held, dict):  # one of its scans failed last sync: it waits, the rest went on
            line = t("sync.pending_held", line=line, reason=str(held.get("reason", "")))
            v.held += 1
        v.pending.append(line)
    for key, doc in snap.rejected:
        v.rejected.append((doc.get("case", {}).get("number", key), str(doc.get("reason", ""))))
    # Unread notices (补正, decisions, results …) first, then the latest of the rest.
    v.unread_notices = snap.unread_notices
    for notice in snap.notices:
        doc = notice.doc
        line = t(
            "sync.notice_line",
            at=local_time(doc.get("at")),
            type=t(f"feed.{doc.get('type', 'other')}")
            if _has(f"feed.{doc.get('type')}")
            else str(doc.get("type", "")),
            case=notice.case_number,
        )
        v.notices.append(t("sync.notice_unread", line=line) if notice.unread else line)
        v.notice_keys.append(notice.key)
    return v


def _moved_line(entry: dict[str, Any]) -> str:
    """ "2026-12-31（暂定）→ 2027-01-04" for the case's own date (else its first moved item, else the 限时
    due day)."""
    from casework.deadlines import Recomputed

    change = Recomputed.from_dict(entry)
    first = change.promised or (change.dates[0] if change.dates else None)
    if first is None:
        before = change.due_before.isoformat() if change.due_before else "-"
        after = change.due_after.isoformat() if change.due_after else "-"
        return t("sync.calendar_due_line", old=before, new=after)
    old = (first.old.isoformat() if first.old else "-") + (
        t("cases.provisional_tag") if first.old_provisional else ""
    )
    new = first.new.isoformat() + (t("cases.provisional_tag") if first.new_provisional else "")
    return t("sync.calendar_line", old=old, new=new)


def calendar_notice(v: SyncView, notice: dict[str, Any]) -> None:
    """The last calendar's notice (``sync_state/calendar_notice``, written in the commit that applied it):
    its version and years, and every open case whose promised date moved."""
    if not notice:
        return
    v.calendar_version = int(notice.get("version", 0))
    v.calendar_years = "、".join(str(y) for y in notice.get("years", []))
    v.calendar_moved_count = int(notice.get("moved_count", 0))
    for entry in notice.get("moved", []):
        if isinstance(entry, dict):
            v.calendar_moved.append(
                (str(entry.get("case_id", "")), str(entry.get("number", "")), _moved_line(entry))
            )


def mark_notices_seen(runtime: Any, keys: list[str], actor: str) -> int:
    """Record that the worker has seen these notices on the sync page (unread 补正/decision/result notices
    are kept until seen). Returns how many changed."""
    return sync_queue.mark_notices_seen(runtime.station, keys, actor)


def _label(status: Any) -> str:
    from casework.cases import CaseStatus

    try:
        return term(CaseStatus(str(status)))
    except ValueError:
        return str(status)


def _has(key: str) -> bool:
    from station_app.i18n import has

    return has(key)
