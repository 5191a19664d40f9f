"""Promised dates (承诺办结日期) from what they count and the district's calendar, and recomputing them when
a newer calendar arrives.

A promised date is a function of three things the case keeps (:class:`casework.cases.Case`): the day its
clock started (``clock_start``: the 受理 day; for 代收 the day the jurisdiction received the file), the
承诺办结时限 it counts (``promised_limit``, and each 一件事 sub-case's) and the calendar. The station and the
district center, holding the same case and the same calendar version, therefore compute the same dates, and
:func:`recompute_deadlines` is how both bring an open case to a newer calendar::

    change = recompute_deadlines(case, calendar, previous=old_calendar, at=clock.now(), today=today)
    if change is not None and change.moved:
        ...  # one audit entry, a line in the worker's notice, a 更正 receipt to offer

Rules:

* only an **open** case is recomputed (:func:`is_open`): it has a promised date and is neither decided nor
  final — a decided case was judged against the dates it had; in a 一件事 only undecided sub-cases move;
* a case already computed with this calendar version or a newer one is left alone, so applying a calendar
  twice, or an older one, changes nothing;
* a case written before the basis was kept gets it derived once — the start from its history, the limits
  from ``catalog`` (the current one: if the district changed an item's limit since, the new limit counts) —
  and stored with the dates, so later recomputations need no catalog.

:func:`due_day` is the 限时办结 due day itself: the promised date pushed back by the working days the case
spent waiting for 补齐补正 (they do not count against the limit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from casework import clock
from casework.cases import FINAL, Case, CaseStatus, Side
from casework.catalog import Bundle, Item
from casework.timelimit import TimeLimit
from casework.workdays import Deadline, WorkCalendar

__all__ = [
    "DateChange",
    "DeadlineBasis",
    "Recomputed",
    "adopt_deadlines",
    "basis_of",
    "deadline_payload",
    "due_day",
    "is_open",
    "paused_working_days",
    "promised_dates",
    "recompute_deadlines",
]

#: Statuses whose dates are history: decided, handed over, closed, or stopped.
SETTLED = frozenset(
    {
        CaseStatus.APPROVED,
        CaseStatus.REJECTED,
        CaseStatus.RESULT_READY,
        CaseStatus.HANDED_OVER,
        *FINAL,
    }
)


class _Catalog(Protocol):
    def item(self, code: str) -> Item: ...
    def bundle(self, code: str) -> Bundle: ...


@dataclass(frozen=True, slots=True)
class DeadlineBasis:
    """What a case's promised dates count: from ``start`` (not counted), ``limit`` for the case itself
    (``None``: a 一件事 without its own promise takes the latest of its items), ``item_limits`` per
    sub-case."""

    start: dt.date
    limit: TimeLimit | None
    item_limits: Mapping[str, TimeLimit] = field(default_factory=dict)


def promised_dates(basis: DeadlineBasis, calendar: WorkCalendar) -> tuple[Deadline, dict[str, Deadline]]:
    """(the case's date, each sub-case's date) under ``calendar``. Raises ``ValueError`` for a basis with
    neither a limit nor item limits."""
    items = {code: calendar.deadline_for(basis.start, limit) for code, limit in basis.item_limits.items()}
    if basis.limit is not None:
        return calendar.deadline_for(basis.start, basis.limit), items
    if not items:
        raise ValueError("a deadline basis needs a limit or item limits")
    return max(items.values(), key=lambda d: d.date), items


def _clock_start_from_history(case: Case) -> dt.date | None:
    collected = any(t.to_status is CaseStatus.COLLECTED for t in case.history)
    if collected:  # 代收: the clock starts at the jurisdiction's 受理 (the center's first 审查中)
        tracks = [case.history, *(s.history for s in case.sub_cases)]
        starts = [
            t.at
            for track in tracks
            for t in track
            if t.to_status is CaseStatus.IN_REVIEW and t.side is Side.CENTER
        ]
        return clock.china_date(min(starts)) if starts else None
    accepted = next((t.at for t in case.history if t.to_status is CaseStatus.ACCEPTED), None)
    return clock.china_date(accepted) if accepted else None


def basis_of(case: Case, catalog: _Catalog | None = None) -> DeadlineBasis | None:
    """The basis the case keeps, or for a document written before it was kept, one derived from its history
    and ``catalog``; ``None`` when neither is possible (no clock start yet, an item the catalog lacks)."""
    if case.clock_start is not None:
        limits = {s.item_code: s.promised_limit for s in case.sub_cases if s.promised_limit is not None}
        if case.promised_limit is None and not limits:
            return None
        return DeadlineBasis(case.clock_start, case.promised_limit, limits)
    start = _clock_start_from_history(case)
    if start is None or catalog is None:
        return None
    try:
        if case.item_code is not None:
            return DeadlineBasis(start, catalog.item(case.item_code).promised_limit)
        bundle = catalog.bundle(case.bundle_code or "")
        have = {s.item_code for s in case.sub_cases}
        limits = {c: catalog.item(c).promised_limit for c in bundle.item_codes if c in have}
        return DeadlineBasis(start, bundle.promised_limit, limits)
    except KeyError:
        return None


def is_open(case: Case) -> bool:
    """Whether the case's dates may still move: it has a promised date and is neither decided nor final."""
    return case.promised_date is not None and case.status not in SETTLED


def paused_working_days(case: Case, calendar: WorkCalendar, today: dt.date) -> int:
    """Working days spent waiting for 补齐补正 (up to ``today`` while it still waits), which do not count
    against the limit."""
    paused, since = 0, None
    for t in case.history:
        if t.to_status is CaseStatus.SUPPLEMENT_REQUESTED:
            since = since or clock.china_date(t.at)
        elif since is not None:
            paused += max(calendar.working_days_between(since, clock.china_date(t.at)), 0)
            since = None
    if since is not None:
        paused += max(calendar.working_days_between(since, today), 0)
    return paused


def due_day(case: Case, calendar: WorkCalendar, today: dt.date) -> Deadline | None:
    """The 限时办结 due day on ``today``: the promised date pushed back by the paused working days (``None``
    without a promised date). Provisional when the promised date is, or the days added reach a provisional
    year."""
    if case.promised_date is None:
        return None
    extended = calendar.add_working_days(case.promised_date, paused_working_days(case, calendar, today))
    return Deadline(extended.date, case.promised_date_provisional or extended.provisional)


@dataclass(frozen=True, slots=True)
class DateChange:
    """One promised date that moved (or lost or gained its 暂定 flag); ``item_code`` None: the case's own."""

    item_code: str | None
    old: dt.date | None
    old_provisional: bool
    new: dt.date
    new_provisional: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_code": self.item_code,
            "old": None if self.old is None else self.old.isoformat(),
            "old_provisional": self.old_provisional,
            "new": self.new.isoformat(),
            "new_provisional": self.new_provisional,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> DateChange:
        old, code = d.get("old"), d.get("item_code")
        return cls(
            None if code is None else str(code),
            None if old is None else dt.date.fromisoformat(str(old)),
            d.get("old_provisional") is True,
            dt.date.fromisoformat(str(d["new"])),
            d.get("new_provisional") is True,
        )


@dataclass(frozen=True, slots=True)
class Recomputed:
    """What :func:`recompute_deadlines` did to one case: the calendar versions before and after, every date
    that changed, and the 限时办结 due day (with 补正 pauses) before and after."""

    case_id: str
    number: str
    from_version: int
    to_version: int
    dates: tuple[DateChange, ...]
    due_before: dt.date | None
    due_after: dt.date | None

    @property
    def moved(self) -> bool:
        """Whether anything a person sees changed (a date, a 暂定 flag, or the due day)."""
        return bool(self.dates) or self.due_before != self.due_after

    @property
    def promised(self) -> DateChange | None:
        """The change of the case's own promised date, if it changed."""
        return next((c for c in self.dates if c.item_code is None), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "number": self.number,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "dates": [c.to_dict() for c in self.dates],
            "due_before": None if self.due_before is None else self.due_before.isoformat(),
            "due_after": None if self.due_after is None else self.due_after.isoformat(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Recomputed:
        before, after = d.get("due_before"), d.get("due_after")
        return cls(
            str(d["case_id"]),
            str(d.get("number", "")),
            int(d.get("from_version", 0)),
            int(d.get("to_version", 0)),
            tuple(DateChange.from_dict(c) for c in d.get("dates", [])),
            None if before is None else dt.date.fromisoformat(str(before)),
            None if after is None else dt.date.fromisoformat(str(after)),
        )


def recompute_deadlines(
    case: Case,
    calendar: WorkCalendar,
    *,
    at: dt.datetime,
    today: dt.date,
    previous: WorkCalendar | None = None,
    catalog: _Catalog | None = None,
) -> Recomputed | None:
    """Bring an open case's promised dates to ``calendar`` (in place) and say what changed.

    ``previous`` is the calendar the dates were shown with until now (for the due day before; default
    ``calendar``). Returns ``None`` — and leaves the case untouched — when the case is not open, was already
    computed with ``calendar.version`` or a newer one, or has no basis (see the module docstring). Otherwise
    the case records the new version and basis (its ``version`` bumps) even when no date moved."""
    if not is_open(case) or case.calendar_version >= calendar.version:
        return None
    basis = basis_of(case, catalog)
    if basis is None:
        return None
    due_before = due_day(case, previous or calendar, today)
    own, items = promised_dates(basis, calendar)
    changes: list[DateChange] = []
    for sub in case.sub_cases:
        new = items.get(sub.item_code)
        if new is None or sub.status in SETTLED:
            continue
        if (sub.promised_date, sub.promised_date_provisional) != (new.date, new.provisional):
            changes.append(
                DateChange(sub.item_code, sub.promised_date, sub.promised_date_provisional, *_pair(new))
            )
            case.set_promised_date(new.date, new.provisional, at=at, item_code=sub.item_code)
    if basis.limit is None:  # the latest of the items, as they now stand (settled ones keep theirs)
        dated = [
            Deadline(s.promised_date, s.promised_date_provisional)
            for s in case.sub_cases
            if s.promised_date is not None
        ]
        own = max(dated, key=lambda d: d.date) if dated else own
    if (case.promised_date, case.promised_date_provisional) != (own.date, own.provisional):
        changes.append(DateChange(None, case.promised_date, case.promised_date_provisional, *_pair(own)))
        case.set_promised_date(own.date, own.provisional, at=at)
    before_version = case.calendar_version
    case.set_deadline_basis(
        start=basis.start,
        limit=basis.limit,
        item_limits=basis.item_limits,
        calendar_version=calendar.version,
        at=at,
    )
    after = due_day(case, calendar, today)
    return Recomputed(
        case.id,
        case.number,
        before_version,
        calendar.version,
        tuple(changes),
        None if due_before is None else due_before.date,
        None if after is None else after.date,
    )


def _pair(d: Deadline) -> tuple[dt.date, bool]:
    return d.date, d.provisional


# --------------------------------------------------------------------------------------- on the wire


def deadline_payload(case: Case) -> dict[str, Any]:
    """The promised dates of ``case`` with what they count, for a feed event (``deadline_changed``, or a 代收
    case's clock start): the station takes them with :func:`adopt_deadlines`."""
    return {
        "calendar_version": case.calendar_version,
        "clock_start": None if case.clock_start is None else case.clock_start.isoformat(),
        "promised_limit": None if case.promised_limit is None else case.promised_limit.to_dict(),
        "promised_date": None if case.promised_date is None else case.promised_date.isoformat(),
        "promised_date_provisional": case.promised_date_provisional,
        "promised_dates": {
            s.item_code: {
                "promised_date": None if s.promised_date is None else s.promised_date.isoformat(),
                "promised_date_provisional": s.promised_date_provisional,
                "promised_limit": None if s.promised_limit is None else s.promised_limit.to_dict(),
            }
            for s in case.sub_cases
        },
    }


def _limit(value: object) -> TimeLimit | None:
    return TimeLimit.from_dict(value) if isinstance(value, dict) else None


def _date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def adopt_deadlines(case: Case, payload: Mapping[str, Any], *, at: dt.datetime) -> list[DateChange] | None:
    """Take the promised dates (and, when sent, their basis and calendar version) of a
    :func:`deadline_payload` — or of an older center's payload with only ``promised_date`` /
    ``promised_dates``. Returns the dates that changed, or ``None`` when the payload was computed with an
    older calendar than the case's (the case keeps its newer dates). Keys that are absent change nothing;
    ``ValueError`` for a date that is not ISO."""
    version = payload.get("calendar_version")
    if isinstance(version, int) and not isinstance(version, bool) and version < case.calendar_version:
        return None
    changes: list[DateChange] = []
    per_item = payload.get("promised_dates")
    item_limits: dict[str, TimeLimit] = {}
    if isinstance(per_item, Mapping) and case.is_bundle:
        for code, entry in per_item.items():
            if not isinstance(entry, Mapping):
                continue
            try:
                sub = case.sub_case(str(code))
            except KeyError:
                continue
            limit = _limit(entry.get("promised_limit"))
            if limit is not None:
                item_limits[sub.item_code] = limit
            date = _date(entry.get("promised_date"))
            provisional = entry.get("promised_date_provisional") is True
            if date is not None and (sub.promised_date, sub.promised_date_provisional) != (date, provisional):
                changes.append(
                    DateChange(
                        sub.item_code, sub.promised_date, sub.promised_date_provisional, date, provisional
                    )
                )
                case.set_promised_date(date, provisional, at=at, item_code=sub.item_code)
    date = _date(payload.get("promised_date"))
    provisional = payload.get("promised_date_provisional") is True
    if date is not None and (case.promised_date, case.promised_date_provisional) != (date, provisional):
        changes.append(
            DateChange(None, case.promised_date, case.promised_date_provisional, date, provisional)
        )
        case.set_promised_date(date, provisional, at=at)
    start = _date(payload.get("clock_start"))
    if isinstance(version, int) and not isinstance(version, bool) and start is not None:
        case.set_deadline_basis(
            start=start,
            limit=_limit(payload.get("promised_limit")),
            item_limits=item_limits,
            calendar_version=version,
            at=at,
        )
    return changes
