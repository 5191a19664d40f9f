"""Merging a station's push into the center's copy of a case (ingest of a case the center already holds).

The center records back-office transitions (受理/审查中, 补齐补正, 决定, 结果待领取 …) on its own copy without
changing the row's ``version`` (that stays the station's last pushed version, so receipts keep their meaning).
A station may push a newer version before it applied the feed event of such a transition (it added a rating,
recorded a supplement). Overwriting would roll the center's status and history back, so ingest merges:

* **Status.** The center's status stands unless the station's copy moves it *forward* along transitions
  the station side may record (``casework.cases.TRANSITIONS``, ``Side.STATION``) starting from the center's
  current status: the station's new station-side history entries are walked in order, and each one whose
  ``from`` is the current status and whose move the station may record is applied (for an item flagged
  当场办结, ingest also admits the station's decision, ``casework.cases.ON_THE_SPOT``). Anything else the
  station says about the status is ignored (not an error: the receipt stays ``accepted``). Bundle sub-cases
  are merged the same way, one by one.
* **History.** Center-side entries come from the center's copy (the center is authoritative for them; the
  station's copies of them, written when it applied the feed, may carry another time); the station-side
  entries of both copies are kept, deduplicated by ``(to, at, actor, side)``, minus the station's new
  entries whose move was ignored. Sorted by time (stable).
* **Station-side data** comes from the station: applicant, agent, materials, pickup, what was handed in
  for a supplement and when, and withdrawal/hand-over when the status rule above admits them. A station's
  ``补齐补正 → 审查中`` is ignored while a requested material has nothing new handed in
  (``SupplementRequest.unsupplied``).
* **A 容缺 waiver** (免于补交) the department recorded stays on the material while the station's copy still
  shows it owed (it has not applied the ``deferred_waived`` event yet).
* **Rating** (好差评) is one per case: the first the center stores stands; a later push with another
  rating does not change it. The 回访评价 (second rating after a 差评's 整改) likewise, once it is one the
  center could take (after a 差评, not dated before it).
* **Center-side data** comes from the center: supplement requests (what is missing; the station's
  ``supplied_at`` is carried over), results, and — for a
  代收 case (collected for another jurisdiction), whose clock starts when the department receives it — the
  promised dates. Other cases keep the promised dates the accepting station set.
* **Promised dates and what they count** (``clock_start``, ``promised_limit``, ``calendar_version``;
  ``casework.deadlines``) travel together, from the copy computed under the **newer calendar**; at the same
  calendar version, from the side that owns them (the station; the center for 代收). So a station push of a
  case it has not yet recomputed never rolls back the dates the center computed when it published a
  calendar, and after the station has the same calendar both copies hold the same dates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from casework.cases import (
    ON_THE_SPOT,
    TRANSITIONS,
    Case,
    CaseStatus,
    MaterialRecord,
    Rating,
    Side,
    SubCase,
    SupplementRequest,
    Transition,
)

__all__ = ["is_collected", "merge_station_push"]

_Key = tuple[str, str, str, str]


def _key(t: Transition) -> _Key:
    return (t.to_status.value, t.at.isoformat(), t.actor, t.side.value)


def is_collected(case: Case) -> bool:
    """代收 (全市通办): collected at a station for another jurisdiction."""
    return case.status is CaseStatus.COLLECTED or any(
        t.to_status is CaseStatus.COLLECTED for t in case.history
    )


def _merge_track(
    center_status: CaseStatus,
    center_history: Sequence[Transition],
    station_history: Sequence[Transition],
    refused: Callable[[Transition], bool] = lambda t: False,
    on_the_spot: bool = False,
) -> tuple[CaseStatus, list[Transition]]:
    """(status, history) of one status track (the case, or one bundle sub-case); a move ``refused`` says
    the rules forbid is ignored like a move the table does not allow. ``on_the_spot`` (the item is flagged
    当场办结) also admits the station's moves of ``ON_THE_SPOT``."""
    known = {_key(t) for t in center_history}
    status = center_status
    kept: list[Transition] = []
    for t in station_history:
        if t.side is not Side.STATION or _key(t) in known:
            continue
        known.add(_key(t))
        if t.from_status is CaseStatus.QUEUED and status is CaseStatus.DELIVERED:
            # the center recorded the delivery on ingest; the station's own ``queued → delivered`` is the
            # same step, and a move it made from ``queued`` before the receipt arrived starts from here
            if t.to_status is CaseStatus.DELIVERED:
                continue
            t = replace(t, from_status=CaseStatus.DELIVERED)
        sides = TRANSITIONS[status].get(t.to_status)
        if sides is None and on_the_spot:
            sides = ON_THE_SPOT.get(status, {}).get(t.to_status)
        if t.from_status is status and sides is not None and Side.STATION in sides and not refused(t):
            kept.append(t)
            status = t.to_status
    history = sorted([*center_history, *kept], key=lambda t: t.at)
    return status, history


def _merge_supplements(
    center: Iterable[SupplementRequest], station: Iterable[SupplementRequest]
) -> list[SupplementRequest]:
    """The center's requests (it is authoritative for what is missing), each with what the station's copy
    of it says was handed in (``supplied_items``, station-side data) and ``supplied_at`` when the center has
    none — but only once every requested material has something new: a station cannot close a 补正 with
    nothing handed in. The station's copy is matched by item and the materials asked, in order: its
    ``requested_at`` is the time the station applied the feed event, not the center's."""
    theirs = list(station)
    out: list[SupplementRequest] = []
    for req in center:
        asked = (req.item_code, tuple(m.code for m in req.items))
        other = next((o for o in theirs if (o.item_code, tuple(m.code for m in o.items)) == asked), None)
        if other is not None:
            theirs.remove(other)
            have = {(x.code, x.at) for x in req.supplied_items}
            handed = (*req.supplied_items, *(x for x in other.supplied_items if (x.code, x.at) not in have))
            req = replace(req, supplied_items=handed)
            if req.supplied_at is None and other.supplied_at is not None and not req.unsupplied():
                req = replace(req, supplied_at=other.supplied_at)
        out.append(req)
    return out


def _merge_materials(
    center: Sequence[MaterialRecord], station: Sequence[MaterialRecord]
) -> list[MaterialRecord]:
    """The station's material records, except that a 容缺 material the department waived stays waived while
    the station's copy (which has not applied the ``deferred_waived`` event yet) still shows it owed."""
    waived = {m.code: m for m in center if m.waived_at is not None}
    out: list[MaterialRecord] = []
    for m in station:
        w = waived.get(m.code)
        if w is not None and m.outstanding:
            m = replace(m, waived_at=w.waived_at, waived_by=w.waived_by, waiver_reason=w.waiver_reason)
        out.append(m)
    return out


def _supplement_refused(
    supplements: Sequence[SupplementRequest], item_code: str
) -> Callable[[Transition], bool]:
    """A station's ``补齐补正 → 审查中`` is refused while the open request of ``item_code`` lacks material."""

    def refused(t: Transition) -> bool:
        if t.from_status is not CaseStatus.SUPPLEMENT_REQUESTED or t.to_status is not CaseStatus.IN_REVIEW:
            return False
        open_ = [r for r in supplements if r.item_code == item_code and r.supplied_at is None]
        return any(r.unsupplied() for r in open_)

    return refused


def _merge_sub(
    center: SubCase,
    station: SubCase | None,
    center_owns_dates: bool,
    supplements: Sequence[SupplementRequest],
) -> SubCase:
    if station is None:
        return center
    refused = _supplement_refused(supplements, center.item_code)
    status, history = _merge_track(center.status, center.history, station.history, refused)
    dated = center if center_owns_dates else station
    return SubCase(
        center.item_code,
        status,
        history,
        center.result or station.result,
        dated.promised_date,
        dated.promised_date_provisional,
        dated.promised_limit,
        dict(station.form_values),  # intake data: the station's
    )


def _center_owns_dates(center: Case, station: Case) -> bool:
    if center.calendar_version != station.calendar_version:
        return center.calendar_version > station.calendar_version
    return is_collected(center)


def _revisit(center: Case, station: Case) -> Rating | None:
    """回访评价 once, like the rating: the stored one stands if it could be taken (after a 差评, not dated
    before it); otherwise the station's."""
    first, stored = center.rating or station.rating, center.revisit_rating
    if stored is not None and first is not None and first.level.needs_follow_up and stored.at >= first.at:
        return stored
    return station.revisit_rating


def merge_station_push(center: Case, station: Case, *, on_the_spot: bool = False) -> tuple[Case, bool]:
    """The case to store when ``station`` (a newer version pushed by a station) arrives while the center
    holds ``center``. Returns ``(merged, status_ignored)``; ``merged.version`` is the station's.
    ``on_the_spot``: the item is one the catalog lets a station decide (当场办结, checked by ingest)."""
    supplements = _merge_supplements(center.supplements, station.supplements)
    refused = _supplement_refused(supplements, "")
    status, history = _merge_track(center.status, center.history, station.history, refused, on_the_spot)
    owns_dates = _center_owns_dates(center, station)
    theirs = {s.item_code: s for s in station.sub_cases}
    subs = [_merge_sub(sub, theirs.get(sub.item_code), owns_dates, supplements) for sub in center.sub_cases]
    dated = center if owns_dates else station
    merged = Case(
        id=station.id,
        number=station.number,
        station_id=station.station_id,
        catalog_version=station.catalog_version,
        applicant=station.applicant,
        created_at=station.created_at,
        updated_at=max(center.updated_at, station.updated_at),
        item_code=station.item_code,
        bundle_code=station.bundle_code,
        version=station.version,
        status=status,
        agent=station.agent,
        materials=_merge_materials(center.materials, station.materials),
        jurisdiction=station.jurisdiction or center.jurisdiction,
        pickup=station.pickup,
        promised_date=dated.promised_date,
        promised_date_provisional=dated.promised_date_provisional,
        clock_start=dated.clock_start,
        promised_limit=dated.promised_limit,
        calendar_version=dated.calendar_version,
        rating=center.rating or station.rating,  # 一事一评: a stored rating never changes
        result=center.result or station.result,
        supplements=supplements,
        sub_cases=subs or list(station.sub_cases),
        history=history,
        form_values=dict(station.form_values),
        eligibility_override=station.eligibility_override,
        handover=station.handover or center.handover,
        revisit_rating=_revisit(center, station),
    )
    return merged, status is not station.status
