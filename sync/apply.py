"""Applying what comes down from the center to local documents (pure functions, no store, no I/O).

* :func:`apply_event` — one feed event to one local case document, through the casework state machine;
  a ``deadline_changed`` event (the center recomputed the case's promised dates under a newer calendar)
  through :func:`casework.deadlines.adopt_deadlines`.
* :func:`catalog_from_envelope` — the catalog carried by a verified ``catalog`` / ``catalog_delta``
  envelope, validated before it may replace the station's catalog.
* :func:`flag_draft` — mark a draft whose item changed or was cancelled by a new catalog.
* :func:`calendar_tables` — the holiday tables a verified ``calendar`` envelope publishes.
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from casework import clock, messages
from casework.caseparts import CaseResult, MissingMaterial, SupplementRequest
from casework.cases import TRANSITIONS, Case, CaseError, CaseStatus, Side
from casework.catalog import Catalog, CatalogDiff, CatalogError
from casework.catalog_delta import DeltaError, apply_delta
from casework.deadlines import Recomputed, adopt_deadlines
from sync.errors import DocumentRefused
from sync.protocol import EventType, FeedEvent, JSONObject, SignedEnvelope

if TYPE_CHECKING:  # casework.workdays pulls in the holiday tables: imported when a calendar arrives
    from casework.workdays import HolidayTable

__all__ = [
    "adopt_promised_dates",
    "apply_event",
    "calendar_tables",
    "catalog_from_envelope",
    "center_path",
    "correction_entry",
    "flag_draft",
    "utc_time",
]

#: On a station's case document: every change of its promised dates the worker may print a 更正 receipt for
#: (``Recomputed.to_dict()`` plus ``at``, oldest first), written by :mod:`sync.deadlines` and by
#: ``deadline_changed`` events.
CORRECTIONS = "_deadline_corrections"

STATUS_EVENTS = {
    EventType.STATUS_CHANGED.value,
    EventType.SUPPLEMENT_REQUESTED.value,
    EventType.DECIDED.value,
    EventType.RESULT_READY.value,
}


def utc_time(text: object) -> dt.datetime | None:
    """An ISO-8601 time as sent and stored (``…Z``; a naive one is taken as UTC), or ``None``."""
    if not isinstance(text, str):
        return None
    try:
        at = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=dt.UTC)


def _parse_at(text: str) -> dt.datetime:
    return utc_time(text) or clock.now()


def center_path(frm: CaseStatus, to: CaseStatus) -> list[CaseStatus] | None:
    """The shortest chain of status changes the center may record from ``frm`` to ``to`` (the station may
    have missed intermediate events, e.g. ``queued -> delivered -> in_review``), or ``None``."""
    if frm == to:
        return []
    seen = {frm}
    queue: deque[tuple[CaseStatus, list[CaseStatus]]] = deque([(frm, [])])
    while queue:
        cur, path = queue.popleft()
        for nxt, sides in TRANSITIONS[cur].items():
            if Side.CENTER not in sides or nxt in seen:
                continue
            if nxt == CaseStatus.WITHDRAWN and to != CaseStatus.WITHDRAWN:
                continue
            if nxt == to:
                return [*path, nxt]
            seen.add(nxt)
            queue.append((nxt, [*path, nxt]))
    return None


def adopt_promised_dates(case: Case, payload: Mapping[str, Any], at: dt.datetime) -> bool:
    """Take the 承诺办结日期 the center set (``promised_date`` / ``promised_date_provisional``, and for a
    一件事 ``promised_dates: {item_code: {promised_date, promised_date_provisional}}``, with the basis and
    ``calendar_version`` when sent): a 代收 case gets its dates when the jurisdiction's department receives
    it. Returns whether a date changed. A payload without the keys changes nothing; ``ValueError`` for a
    date that is not ISO."""
    return bool(adopt_deadlines(case, payload, at=at))


def correction_entry(change: Recomputed, at: str) -> JSONObject:
    """One :data:`CORRECTIONS` entry: what moved, and when the station learnt it (UTC ``…Z``)."""
    return {**change.to_dict(), "at": at}


def _apply_deadlines(case_doc: JSONObject, event: FeedEvent) -> tuple[JSONObject | None, str]:
    """A ``deadline_changed`` event: the center's recomputed dates, unless the station already holds these
    or dates computed with a newer calendar (the station recomputes itself when the calendar arrives, which
    it pulls before the feed)."""
    try:
        case = Case.from_dict(case_doc)
    except (ValueError, KeyError, TypeError) as exc:
        return None, f"local case unreadable: {exc}"
    version = event.payload.get("calendar_version")
    if not isinstance(version, int) or isinstance(version, bool):
        return None, "no calendar version"
    before = case.calendar_version
    at = max(_parse_at(event.at), case.updated_at)
    try:
        changes = adopt_deadlines(case, event.payload, at=at)
    except (CaseError, ValueError, KeyError, TypeError) as exc:
        return None, f"dates refused: {exc}"
    if changes is None:
        return None, "station holds newer dates"
    if not changes and before == case.calendar_version:
        return None, "already applied"
    out = {**{k: v for k, v in case_doc.items() if k.startswith("_")}, **case.to_dict()}
    if changes:
        due = event.payload.get("due_date")
        due_day = dt.date.fromisoformat(due) if isinstance(due, str) else None
        change = Recomputed(case.id, case.number, before, version, tuple(changes), None, due_day)
        out[CORRECTIONS] = [*case_doc.get(CORRECTIONS, []), correction_entry(change, event.at)]
    out["_feed_seq"] = event.seq
    return out, "applied"


def _apply_waiver(case_doc: JSONObject, event: FeedEvent) -> tuple[JSONObject | None, str]:
    """A ``deferred_waived`` event: the department waived an owed 容缺 material, so 送达 may go on here."""
    try:
        case = Case.from_dict(case_doc)
    except (ValueError, KeyError, TypeError) as exc:
        return None, f"local case unreadable: {exc}"
    code, by, reason = (str(event.payload.get(k) or "") for k in ("code", "by", "reason"))
    owed = case.material(code)
    if owed is None or not owed.outstanding:
        return None, "already applied"  # handed in here meanwhile, or waived before
    try:
        case.waive_deferred(code, by=by or "district-center", reason=reason, at=_parse_at(event.at))
    except (CaseError, ValueError) as exc:
        return None, f"waiver refused: {exc}"
    out = {**{k: v for k, v in case_doc.items() if k.startswith("_")}, **case.to_dict()}
    out["_feed_seq"] = event.seq
    return out, "applied"


def _center_request_time(
    center_doc: Mapping[str, Any] | None, items: tuple[MissingMaterial, ...], item_code: str
) -> dt.datetime | None:
    """``requested_at`` of the center's open request listing ``items`` (the center's merge of a resent
    case recognises the request it marks supplied by that time), when the center's copy is known."""
    raw = center_doc.get("supplements") if center_doc is not None else None
    for entry in reversed(raw if isinstance(raw, list) else []):
        try:
            request = SupplementRequest.from_dict(entry)
        except (KeyError, TypeError, ValueError):
            continue
        if request.supplied_at is None and request.item_code == item_code and request.items == items:
            return request.requested_at
    return None


def apply_event(
    case_doc: JSONObject, event: FeedEvent, center_doc: Mapping[str, Any] | None = None
) -> tuple[JSONObject | None, str]:
    """Apply one status event to a case document. Returns ``(new_doc, note)``; ``new_doc`` is ``None``
    when nothing changes (already applied — events are idempotent — or not applicable, with ``note``
    saying why). Feed events never re-enqueue the case: the change came from the center. ``center_doc``
    is the center's current copy of the case when the engine fetched it (for a 补齐补正 request)."""
    if event.type == EventType.DEADLINE_CHANGED.value:
        if int(case_doc.get("_feed_seq", 0)) >= event.seq:
            return None, "already applied"
        return _apply_deadlines(case_doc, event)
    if event.type == EventType.DEFERRED_WAIVED.value:
        if int(case_doc.get("_feed_seq", 0)) >= event.seq:
            return None, "already applied"
        return _apply_waiver(case_doc, event)
    if event.type not in STATUS_EVENTS:
        return None, "not a status event"
    target_text = event.payload.get("status")
    try:
        target = CaseStatus(str(target_text))
    except ValueError:
        return None, f"unknown status {target_text!r}"
    if int(case_doc.get("_feed_seq", 0)) >= event.seq:
        return None, "already applied"
    try:
        case = Case.from_dict(case_doc)
    except (ValueError, KeyError, TypeError) as exc:
        return None, f"local case unreadable: {exc}"
    payload = event.payload
    item_code = payload.get("item_code") if isinstance(payload.get("item_code"), str) else None
    sub = None
    if item_code and case.is_bundle:  # one item of a 一件事: move the sub-case, the parent follows
        try:
            sub = case.sub_case(item_code)
        except KeyError:
            return None, f"no sub-case {item_code}"
        decision = payload.get("decision")
        if isinstance(decision, str) and decision in (CaseStatus.APPROVED.value, CaseStatus.REJECTED.value):
            target = CaseStatus(decision)
        elif event.type == EventType.SUPPLEMENT_REQUESTED.value:
            target = CaseStatus.SUPPLEMENT_REQUESTED
    path = center_path(sub.status if sub is not None else case.status, target)
    if path is None:
        return None, f"no center path to {target.value}"
    at = max(_parse_at(event.at), case.updated_at)
    actor = str(payload.get("actor") or "district-center")
    reason = str(payload.get("reason") or "")
    missing = payload.get("missing")
    try:
        for step in path:
            why = reason if step == target else reason or messages.text("sync.apply.center_recorded")
            if step in (CaseStatus.REJECTED, CaseStatus.WITHDRAWN) and not why.strip():
                why = messages.text("sync.apply.center_decided")
            if step == CaseStatus.SUPPLEMENT_REQUESTED and isinstance(missing, list) and missing:
                # keep what is missing (一次性告知) on the local case, not just the status; the request keeps
                # the center's own time when its copy is at hand, so the center matches the resend to it
                due_text = payload.get("due_date")
                due = dt.date.fromisoformat(due_text) if isinstance(due_text, str) else None
                items = tuple(MissingMaterial.from_dict(m) for m in missing)
                asked_at = _center_request_time(center_doc, items, item_code or "") or at
                request = SupplementRequest(items, asked_at, actor, item_code or "", due)
                case.request_supplement(request, actor=actor, side=Side.CENTER)
            elif sub is not None and item_code:
                case.transition_sub(
                    item_code, step, actor=actor, at=at, reason=why, side=Side.CENTER, check_rules=False
                )
            else:
                # the center decided under its own rules (a 容缺 waiver, 补正 received at its window): replay
                case.transition(step, actor=actor, at=at, reason=why, side=Side.CENTER, check_rules=False)
        result = payload.get("result")
        if isinstance(result, Mapping):
            case.set_result(CaseResult.from_dict(result), at=at, item_code=item_code if sub else None)
        adopt_promised_dates(case, payload, at)
    except (CaseError, ValueError, KeyError, TypeError) as exc:
        return None, f"transition refused: {exc}"
    out = {**{k: v for k, v in case_doc.items() if k.startswith("_")}, **case.to_dict()}
    out["_feed_seq"] = event.seq
    return out, "applied"


def catalog_from_envelope(env: SignedEnvelope, current: Catalog | None) -> Catalog:
    """The validated catalog a verified ``catalog`` (payload ``{"catalog": …}``) or ``catalog_delta``
    envelope carries. A delta needs the station's current catalog as its exact base; when it does not
    fit, :class:`DocumentRefused` with wire code ``delta_base`` tells the caller to fetch
    the full snapshot."""
    payload: Mapping[str, Any] = env.payload
    try:
        if env.kind == "catalog":
            catalog = Catalog.from_dict(payload.get("catalog", payload))
        elif current is None:
            raise DocumentRefused("sync.apply.no_delta_base", wire_code="delta_base")
        else:
            try:
                catalog = apply_delta(current, payload)
            except DeltaError as exc:  # a ValueError: must not be reported as a bad catalog below
                raise DocumentRefused(
                    "sync.apply.delta_misfit", wire_code="delta_base", reason=exc.text()
                ) from None
        catalog.validate()
    except CatalogError as exc:
        raise DocumentRefused(
            "sync.apply.invalid_catalog", wire_code="bad_catalog", reason=str(exc)
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DocumentRefused(
            "sync.apply.malformed_catalog", wire_code="bad_catalog", reason=str(exc)
        ) from None
    if catalog.version != env.version:
        raise DocumentRefused(
            "sync.apply.catalog_version_mismatch",
            wire_code="bad_catalog",
            version=catalog.version,
            signed_version=env.version,
        )
    return catalog


def flag_draft(draft: JSONObject, diff: CatalogDiff) -> JSONObject | None:
    """A copy of ``draft`` flagged for the worker when the new catalog changed or cancelled its item or
    bundle, else ``None``."""
    codes = {str(draft.get(k)) for k in ("item_code", "bundle_code") if draft.get(k)}
    case = draft.get("case")
    if isinstance(case, Mapping):
        codes |= {str(case.get(k)) for k in ("item_code", "bundle_code") if case.get(k)}
    if not codes:
        return None
    cancelled = codes & (set(diff.cancelled_items) | set(diff.cancelled_bundles))
    changed = codes & ({c.code for c in diff.changed_items} | {c.code for c in diff.changed_bundles})
    if cancelled:
        text = messages.text("sync.draft.item_cancelled", {"version": diff.new_version})
    elif changed:
        text = messages.text("sync.draft.item_changed", {"version": diff.new_version})
    else:
        return None
    return {
        **draft,
        "catalog_flag": {"version": diff.new_version, "cancelled": bool(cancelled), "message": text},
    }


def calendar_tables(env: SignedEnvelope) -> list[HolidayTable]:
    """The holiday tables in a verified ``calendar`` envelope (``{"tables": [...]}`` or one table)."""
    from casework.workdays import HolidayTable

    payload = env.payload
    raw = payload.get("tables")
    entries = raw if isinstance(raw, list) else [payload.get("table", payload)]
    try:
        return [HolidayTable.from_dict(t) for t in entries]
    except (KeyError, TypeError, ValueError) as exc:
        raise DocumentRefused(
            "sync.apply.malformed_calendar", wire_code="bad_calendar", reason=str(exc)
        ) from None
