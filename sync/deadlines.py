"""The district's calendar on the station, and what a newer one does to the station's cases.

* :func:`stored_calendar` — the calendar the station counts working days with: the newest district calendar
  in the store (its signature checked again against the district key pinned at enrollment), else the
  built-in tables (``version`` 0).
* :func:`recompute_cases` — in the commit that stores a newer calendar (a sync pull, or a USB answer
  bundle: both go through ``StationSyncStore.apply_calendar``), every open case the station accepted is
  brought to it with :func:`casework.deadlines.recompute_deadlines`, the same function the district center
  runs when it publishes. Each case whose dates moved gets one audit entry and a ``_deadline_corrections``
  entry (what the 更正 receipt prints); the list of moved cases is the worker's notice
  (``sync_state/calendar_notice``, shown on the sync page).

Cases the station does not own the dates of are left to the center, which recomputes them too and sends a
``deadline_changed`` event: 代收 cases (the clock starts at the jurisdiction) and cases routed in from another
station (通办).
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from casework import clock
from casework.cases import Case, CaseError, CaseStatus
from casework.catalog import Catalog
from casework.deadlines import SETTLED, Recomputed, recompute_deadlines
from casework.workdays import HolidayTable, WorkCalendar
from storage.retention import is_tombstone
from sync.apply import CORRECTIONS, correction_entry
from sync.protocol import ProtocolError, load_public_key, verify_envelope

__all__ = ["CALENDAR_NOTICE", "recompute_cases", "stored_calendar"]

log = logging.getLogger("sync")

SYNC_STATE = "sync_state"
CASES = "cases"
#: ``sync_state`` key of the last calendar's notice: ``{version, years, at, moved: [Recomputed + at], open}``.
CALENDAR_NOTICE = "calendar_notice"
MAX_LISTED = 500  # moved cases named in the notice (the rest are counted)
_SETTLED_VALUES = frozenset(s.value for s in SETTLED)


class _Reader(Protocol):
    def get(self, collection: str, key: str) -> dict[str, Any] | None: ...


def stored_calendar(store: _Reader) -> WorkCalendar:
    """The newest district calendar the station holds, re-verified, as a :class:`WorkCalendar` with its
    version; the built-in tables (version 0) when none was received or the stored one does not verify."""
    doc = store.get(SYNC_STATE, "calendar")
    if not doc or not isinstance(doc.get("envelope"), dict):
        return WorkCalendar()
    identity = store.get(SYNC_STATE, "identity") or {}
    try:
        key = load_public_key(str(identity["catalog_signing_key"]))
        raw: dict[str, Any] = doc["envelope"]
        # signature and key only: an old calendar still counts after its envelope expired
        env = verify_envelope(
            raw,
            key,
            kind="calendar",
            now_iso=str(raw.get("issued_at", "")),
            key_id=identity["district_key_id"],
        )
        tables = [HolidayTable.from_dict(t) for t in env.payload.get("tables", [])]
    except (KeyError, TypeError, ValueError, ProtocolError):
        log.error("the stored district calendar does not verify; counting with the built-in tables")
        return WorkCalendar()
    return WorkCalendar.of(tables, env.version)


def _station_owned(doc: dict[str, Any]) -> bool:
    """Open, dated, accepted here (not 代收, not routed in): the station recomputes it itself."""
    if is_tombstone(doc) or doc.get("_routed_in") or not doc.get("promised_date"):
        return False
    if doc.get("status") in _SETTLED_VALUES:
        return False
    history = doc.get("history")
    return not any(isinstance(t, dict) and t.get("to") == CaseStatus.COLLECTED.value for t in history or [])


def recompute_cases(
    tx: Any,
    keys: list[str],
    *,
    previous: WorkCalendar,
    calendar: WorkCalendar,
    catalog: Catalog | None,
    years: list[int],
) -> dict[str, Any]:
    """Recompute every open station-owned case among ``keys`` (the ``cases`` keys) under ``calendar`` in
    the caller's transaction ``tx``; returns the notice it stored (``sync_state/calendar_notice``)."""
    at = clock.now()
    stamp, today = clock.iso_z(at), clock.china_date(at)
    moved: list[Recomputed] = []
    checked = 0
    for key in keys:
        doc = tx.get(CASES, key)
        if doc is None or not _station_owned(doc) or int(doc.get("calendar_version", 0)) >= calendar.version:
            continue
        try:
            case = Case.from_dict(doc)
            change = recompute_deadlines(
                case, calendar, at=at, today=today, previous=previous, catalog=catalog
            )
        except (CaseError, KeyError, TypeError, ValueError):
            log.warning("case %s: promised dates not recomputed (unreadable)", key)
            continue
        if change is None:
            continue
        checked += 1
        out = {**{k: v for k, v in doc.items() if k.startswith("_")}, **case.to_dict()}
        if change.moved:
            moved.append(change)
            if change.dates:
                out[CORRECTIONS] = [*doc.get(CORRECTIONS, []), correction_entry(change, stamp)]
            tx.audit(
                "case.deadline_recomputed",
                case=case.id,
                detail={"calendar_version": calendar.version, **change.to_dict()},
            )
        tx.put(CASES, key, out)
    notice = {
        "version": calendar.version,
        "years": years,
        "at": stamp,
        "checked": checked,
        "moved_count": len(moved),
        "moved": [{**m.to_dict(), "at": stamp} for m in moved[:MAX_LISTED]],
    }
    tx.put(SYNC_STATE, CALENDAR_NOTICE, notice)
    if moved:
        log.info("calendar %d: %d open case(s) got new dates", calendar.version, len(moved))
    return notice
