"""The checks a window needs before and after 受理: which materials are missing, whether 受理 is allowed
(容缺 and 告知承诺 only where the catalog allows them), accepting with a promised date, and the overdue
state (限时办结) of a case on a given day.

Use::

    problems = acceptance_problems(case, catalog, today=today)      # [] when 受理 is allowed
    deadline = accept(case, catalog, calendar, actor="w-01", at=now)  # raises AcceptanceRefused otherwise
    overdue_status(case, calendar, today).text                       # '还剩3个工作日'

``catalog`` is duck-typed (:class:`CatalogLike`): ``casework.catalog.Catalog`` fits. Rules (行政许可法 §32,
seed 001 items 26–27):

* a 必要 material must be verified in the original (原件核验), obtained by 数据共享 when the catalog says it
  can be, or replaced by 告知承诺 when both the material and the item allow it;
* a 容缺后补 material may in addition be accepted as 容缺 with a due date from today up to the case's
  promised date (:func:`deferral_window`; the default is the earlier of five working days and that date,
  :func:`default_deferral_due`);
* a 非必要 material may be missing;
* every item must be in force on the day (:meth:`casework.catalog.Item.in_force`): not before its 生效日期,
  and up to the day before a cancellation takes effect. The district center checks the same rule on the
  China date the station accepted the case (:func:`not_in_force`).

Days are China dates (:func:`casework.clock.china_date`): a case accepted at 2026-11-22T17:00Z was
accepted on 11-23. Problems are sentences for the worker; the newer ones come from the message catalogs
(``casework/data/messages``) in the process's language, by code (``acceptance.*``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from casework import clock, messages
from casework.cases import Case, CaseError, CaseStatus, MissingMaterial, Satisfaction, Side
from casework.catalog import Bundle, Item, ItemStatus, Material, MergedMaterial, Necessity
from casework.deadlines import DeadlineBasis, due_day, promised_dates
from casework.identity import check_applicant_and_agent
from casework.workdays import Deadline, WorkCalendar

__all__ = [
    "CLOCK_RUNNING",
    "DONE",
    "AcceptanceRefused",
    "CatalogLike",
    "Overdue",
    "OverdueState",
    "accept",
    "acceptance_day",
    "acceptance_problems",
    "can_accept",
    "case_items",
    "case_materials",
    "catalog_basis",
    "default_deferral_due",
    "deferral_window",
    "issue_notice",
    "item_force_problem",
    "missing_materials",
    "not_in_force",
    "notice_items",
    "overdue_status",
    "pending_deferred",
    "set_promised_dates",
]


class CatalogLike(Protocol):
    """What acceptance needs of a catalog (``casework.catalog.Catalog`` or a test double)."""

    def item(self, code: str) -> Item: ...
    def bundle(self, code: str) -> Bundle: ...
    def materials_for(self, bundle_code: str) -> tuple[MergedMaterial, ...]: ...


class AcceptanceRefused(CaseError):
    """受理 is not allowed; ``problems`` lists every reason (in the language current when checked)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("acceptance.refused", problems=messages.text("doc.sep", {}).join(self.problems))


def case_items(case: Case, catalog: CatalogLike) -> tuple[Item, ...]:
    """The catalog items of a case: its item, or its bundle's items in bundle order."""
    if case.item_code is not None:
        return (catalog.item(case.item_code),)
    assert case.bundle_code is not None
    return tuple(catalog.item(c) for c in catalog.bundle(case.bundle_code).item_codes)


def case_materials(case: Case, catalog: CatalogLike) -> tuple[Material, ...]:
    """The materials the catalog asks for on this case (a bundle's merged list, each material once)."""
    if case.item_code is not None:
        return catalog.item(case.item_code).materials
    assert case.bundle_code is not None
    return tuple(m.material for m in catalog.materials_for(case.bundle_code))


def _commitment_offered(case: Case, catalog: CatalogLike, material: Material) -> bool:
    items = [it for it in case_items(case, catalog) if any(m.code == material.code for m in it.materials)]
    return bool(items) and all(it.commitment_offered for it in items)


#: 容缺 default: this many working days to hand the material in, unless the promised date comes first.
DEFERRAL_WORKING_DAYS = 5


def deferral_window(
    case: Case, catalog: CatalogLike, calendar: WorkCalendar, today: dt.date
) -> tuple[dt.date, dt.date]:
    """(earliest, latest) 容缺 due date of a material accepted today: from today to the case's promised date
    counted from today on ``calendar`` (a 一件事: the bundle's own promise, else the latest of its items, as
    :func:`set_promised_dates` would set it). For 代收 the real clock starts later at the jurisdiction;
    counting from today keeps the date safely inside it."""
    return today, promised_dates(catalog_basis(case, catalog, today), calendar)[0].date


def catalog_basis(case: Case, catalog: CatalogLike, start: dt.date) -> DeadlineBasis:
    """What the case's promised dates count from ``start`` by the catalog: the item's 承诺办结时限, or the
    bundle's own (``None``: the latest of its items) and each item's."""
    if case.item_code is not None:
        return DeadlineBasis(start, catalog.item(case.item_code).promised_limit)
    assert case.bundle_code is not None
    limits = {it.code: it.promised_limit for it in case_items(case, catalog)}
    return DeadlineBasis(start, catalog.bundle(case.bundle_code).promised_limit, limits)


def default_deferral_due(case: Case, catalog: CatalogLike, calendar: WorkCalendar, today: dt.date) -> dt.date:
    """The 容缺 due date the form proposes: the earlier of :data:`DEFERRAL_WORKING_DAYS` working days and the
    latest date :func:`deferral_window` allows (a 即办件: today)."""
    _, latest = deferral_window(case, catalog, calendar, today)
    return min(calendar.add_working_days(today, DEFERRAL_WORKING_DAYS).date, latest)


def _deferral_problem(
    case: Case,
    catalog: CatalogLike,
    m: Material,
    due: dt.date | None,
    today: dt.date,
    calendar: WorkCalendar | None,
    language: str | None = None,
) -> str | None:
    if due is None:
        return None  # MaterialRecord.problems() says a date is needed
    if due < today:
        return messages.text(
            "acceptance.deferred_due_past",
            {"name": m.name, "due": due.isoformat(), "today": today.isoformat()},
            language,
        )
    if calendar is not None:
        _, latest = deferral_window(case, catalog, calendar, today)
        if due > latest:
            params = {"name": m.name, "due": due.isoformat(), "promised": latest.isoformat()}
            return messages.text("acceptance.deferred_due_after_promise", params, language)
    return None


def _material_problem(
    case: Case,
    catalog: CatalogLike,
    m: Material,
    today: dt.date,
    calendar: WorkCalendar | None = None,
    language: str | None = None,
) -> str | None:
    record = case.material(m.code)
    how = record.satisfaction if record else Satisfaction.MISSING
    if how is Satisfaction.MISSING:
        return (
            None
            if m.necessity is Necessity.OPTIONAL
            else messages.text("acceptance.missing", {"name": m.name}, language)
        )
    if how is Satisfaction.DEFERRED:
        if m.necessity is Necessity.REQUIRED:
            return messages.text("acceptance.required_not_deferrable", {"name": m.name}, language)
        assert record is not None
        problem = _deferral_problem(case, catalog, m, record.due_date, today, calendar, language)
        if problem:
            return problem
    if how is Satisfaction.COMMITMENT and not (
        m.commitment_allowed and _commitment_offered(case, catalog, m)
    ):
        return messages.text("acceptance.no_commitment", {"name": m.name}, language)
    if how is Satisfaction.DATA_SHARING and not m.shared_data:
        return messages.text("acceptance.no_data_sharing", {"name": m.name}, language)
    return None


def missing_materials(case: Case, catalog: CatalogLike) -> list[Material]:
    """Materials the catalog requires (必要 or 容缺后补) that have no record or are marked missing."""
    out: list[Material] = []
    for m in case_materials(case, catalog):
        record = case.material(m.code)
        if m.necessity is not Necessity.OPTIONAL and (
            record is None or record.satisfaction is Satisfaction.MISSING
        ):
            out.append(m)
    return out


def pending_deferred(case: Case) -> list[tuple[str, dt.date | None]]:
    """容缺 materials still owed after 受理: (name, due date), earliest first."""
    owed = [(m.name, m.due_date) for m in case.materials if m.outstanding]  # not handed in, not waived
    return sorted(owed, key=lambda x: x[1] or dt.date.max)


def acceptance_day(case: Case) -> dt.date:
    """The China date the station accepted (受理) or collected (代收) the case; its creation day before."""
    at = next(
        (t.at for t in case.history if t.to_status in (CaseStatus.ACCEPTED, CaseStatus.COLLECTED)),
        case.created_at,
    )
    return clock.china_date(at)


def item_force_problem(item: Item, day: dt.date) -> str | None:
    """Why ``item`` takes no new case on ``day`` (not yet in force, cancelled from a day on), or None."""
    if item.in_force(day):
        return None
    if item.effective_from is not None and day < item.effective_from:
        params = {"name": item.name, "date": item.effective_from.isoformat()}
        return messages.text("acceptance.item_not_yet_in_force", params)
    if item.effective_to is not None:
        params = {"name": item.name, "date": item.effective_to.isoformat()}
        return messages.text("acceptance.item_cancelled_from", params)
    return messages.text("acceptance.item_cancelled", {"name": item.name})


def not_in_force(case: Case, catalog: CatalogLike, day: dt.date) -> list[str]:
    """Why the case's items (a bundle: the bundle itself and each of its items) may not take a new case on
    ``day`` — not yet in force (生效日期 later), or cancelled from that day on; empty when all may. The
    station asks on the day it accepts; the center on :func:`acceptance_day` of the case it receives."""
    problems: list[str] = []
    if case.bundle_code is not None:
        bundle = catalog.bundle(case.bundle_code)
        if bundle.status is not ItemStatus.ACTIVE:
            problems.append(messages.text("acceptance.item_cancelled", {"name": bundle.name}))
    for it in case_items(case, catalog):
        problem = item_force_problem(it, day)
        if problem:
            problems.append(problem)
    return problems


def acceptance_problems(
    case: Case,
    catalog: CatalogLike,
    *,
    today: dt.date,
    at_station: bool = True,
    calendar: WorkCalendar | None = None,
) -> list[str]:
    """Every reason 受理 (or 代收) is not allowed now, for the worker; empty when it is.

    Checks the items are in force on ``today`` (生效日期, 清单之外无审批) and, with ``at_station``, acceptable
    at a community station, for an applicant inside each item's 通办范围, with a 业务属地 the item offers
    (:mod:`casework.residence`); the applicant and agent; every catalog material against its necessity (with
    ``calendar``, a 容缺 due date no later than the promised date); and the records themselves (scans, due
    dates, commitment text).
    """
    problems = not_in_force(case, catalog, today)
    for it in case_items(case, catalog):
        if it.in_force(today) and at_station and not it.station_acceptable:
            problems.append(messages.text("acceptance.not_at_station", {"name": it.name}))
    problems += check_applicant_and_agent(case.applicant, case.agent, today=today)
    if at_station:  # 通办范围 against where the applicant lives, and the 业务属地 chosen
        from casework.residence import jurisdiction_problems, scope_problems

        problems += scope_problems(case, catalog) + jurisdiction_problems(case, catalog)
    known: set[str] = set()
    for m in case_materials(case, catalog):
        known.add(m.code)
        problem = _material_problem(case, catalog, m, today, calendar)
        if problem:
            problems.append(problem)
    for record in case.materials:
        problems += record.problems()
        if record.code not in known:
            problems.append(messages.text("acceptance.not_listed", {"name": record.name}))
    return problems


def can_accept(case: Case, catalog: CatalogLike, *, today: dt.date, at_station: bool = True) -> bool:
    """Whether 受理 may proceed now: :func:`acceptance_problems` finds nothing."""
    return not acceptance_problems(case, catalog, today=today, at_station=at_station)


def notice_items(
    case: Case, catalog: CatalogLike, *, today: dt.date, language: str | None = None
) -> list[MissingMaterial]:
    """For the 一次性告知书: every material that stops 受理, with why and how to supply it, in ``language``
    (default: the current one)."""
    lang = language or messages.current_language()
    out: list[MissingMaterial] = []
    for m in case_materials(case, catalog):
        problem = _material_problem(case, catalog, m, today, language=lang)
        if problem is None:
            continue
        how: list[str] = []
        if m.originals:
            how.append(messages.text("acceptance.supply.originals", {"count": m.originals}, lang))
        if m.copies:
            how.append(messages.text("acceptance.supply.copies", {"count": m.copies}, lang))
        if m.acceptance_standard:
            how.append(messages.text("acceptance.supply.standard", {"text": m.acceptance_standard}, lang))
        if m.blank_form:
            how.append(messages.text("acceptance.supply.blank_form", {"form": m.blank_form}, lang))
        if m.necessity is Necessity.DEFERRABLE:
            how.append(messages.text("acceptance.supply.deferrable", {}, lang))
        if m.commitment_allowed:
            how.append(messages.text("acceptance.supply.commitment", {}, lang))
        source = messages.text("acceptance.supply.source", {"source": messages.term(m.source, lang)}, lang)
        out.append(
            MissingMaterial(
                m.code, m.name, problem, messages.text("acceptance.supply.sep", {}, lang).join(how) or source
            )
        )
    return out


def issue_notice(case: Case, catalog: CatalogLike, *, actor: str, at: dt.datetime) -> list[MissingMaterial]:
    """一次性告知: move a draft to ``notice_issued`` and return the list the notice must print.
    Raises ``CaseError`` if nothing is missing (then the case should be accepted instead)."""
    items = notice_items(case, catalog, today=clock.china_date(at))
    if not items:
        raise CaseError("case.notice_not_needed")
    reason = messages.text("doc.sep", {}).join(m.name for m in items)
    case.transition(CaseStatus.NOTICE_ISSUED, actor=actor, at=at, reason=reason)
    return items


def accept(
    case: Case,
    catalog: CatalogLike,
    calendar: WorkCalendar,
    *,
    actor: str,
    at: dt.datetime,
    collected: bool = False,
    at_station: bool = True,
) -> Deadline | None:
    """受理 (or, with ``collected``, 代收 for another jurisdiction) after checking every rule.

    Sets the promised date (承诺办结日期) counted in the item's 承诺办结时限 from the China date of ``at``
    (the start day not counted) and returns it; a bundle uses the bundle's own promise if it has one,
    else the latest of its items, and each sub-case gets its item's date. For 代收 nothing is set and
    ``None`` is returned: the clock starts when the jurisdiction receives the file (seed 004 §五(二)).
    Raises :class:`AcceptanceRefused` with every problem.
    """
    today = clock.china_date(at)
    problems = acceptance_problems(case, catalog, today=today, at_station=at_station, calendar=calendar)
    if problems:
        raise AcceptanceRefused(problems)
    to = CaseStatus.COLLECTED if collected else CaseStatus.ACCEPTED
    case.transition(to, actor=actor, at=at, side=Side.STATION)
    if collected:
        return None
    return set_promised_dates(case, catalog, calendar, start=today, at=at)


def set_promised_dates(
    case: Case, catalog: CatalogLike, calendar: WorkCalendar, *, start: dt.date, at: dt.datetime
) -> Deadline:
    """Compute and store the promised date(s) counted from ``start`` (受理 day, or the day the jurisdiction
    received a 代收 file), with what they count (``start``, the catalog's 承诺办结时限 of the item, or of the
    bundle and each of its items) and ``calendar.version``. A newer calendar later moves them through
    :func:`casework.deadlines.recompute_deadlines`, from that same basis."""
    basis = catalog_basis(case, catalog, start)
    deadline, items = promised_dates(basis, calendar)
    for code, d in items.items():
        case.set_promised_date(d.date, d.provisional, at=at, item_code=code)
    case.set_promised_date(deadline.date, deadline.provisional, at=at)
    case.set_deadline_basis(
        start=start,
        limit=basis.limit,
        item_limits=basis.item_limits,
        calendar_version=calendar.version,
        at=at,
    )
    return deadline


# ------------------------------------------------------------------------------------------------ overdue


class OverdueState(StrEnum):
    """限时办结 state of a case; values are the Chinese labels shown in lists and supervision."""

    NOT_RUNNING = "未计时"  # draft, notice, 代收 not yet received, no promised date
    RUNNING = "办理中"
    DUE_TODAY = "今日到期"
    OVERDUE = "已超期"
    PAUSED = "补正中暂停计时"
    DONE_ON_TIME = "按时办结"
    DONE_LATE = "超期办结"
    STOPPED = "已终止"  # refused or withdrawn


@dataclass(frozen=True, slots=True)
class Overdue:
    """The 限时办结 state of a case on ``today``; ``working_days`` left (positive) or late (negative)."""

    state: OverdueState
    due: dt.date | None
    working_days: int
    text: str
    provisional: bool


#: The statuses whose 办结时限 clock runs: only these can be 办理中, 今日到期 or 已超期 (supervision
#: filters on them in SQL before parsing case documents).
CLOCK_RUNNING = frozenset(
    {CaseStatus.ACCEPTED, CaseStatus.QUEUED, CaseStatus.DELIVERED, CaseStatus.IN_REVIEW, CaseStatus.COLLECTED}
)
_DONE = frozenset(
    {
        CaseStatus.APPROVED,
        CaseStatus.REJECTED,
        CaseStatus.RESULT_READY,
        CaseStatus.HANDED_OVER,
        CaseStatus.CLOSED,
    }
)
#: Decided or later: such a case's 限时办结 is judged on the China day of its decision.
DONE = _DONE


def overdue_status(case: Case, calendar: WorkCalendar, today: dt.date) -> Overdue:
    """限时办结 state for supervision and the worker's list ("还剩2个工作日", "已超期3个工作日").

    The due date is the promised date pushed back by the working days spent in 补齐补正
    (:func:`casework.deadlines.due_day`); a decided case is judged by the China date of its decision. A
    即办件 (0 working days) is due on its 受理 day: 今天到期 that day, 已超期 from the next day while open.
    """
    status = case.status
    if status in (CaseStatus.REFUSED, CaseStatus.WITHDRAWN):
        return Overdue(OverdueState.STOPPED, None, 0, status.label, False)
    if case.promised_date is None:
        return Overdue(OverdueState.NOT_RUNNING, None, 0, "未开始计时", False)
    extended = due_day(case, calendar, today)
    assert extended is not None  # promised_date is set
    due, provisional = extended.date, extended.provisional
    if status in _DONE:
        decided = next((t.at for t in case.history if t.to_status in _DONE), None)
        day = clock.china_date(decided) if decided else today
        late = calendar.working_days_between(due, day)
        if late > 0:
            return Overdue(OverdueState.DONE_LATE, due, -late, f"超期{late}个工作日办结", provisional)
        return Overdue(OverdueState.DONE_ON_TIME, due, 0, "按时办结", provisional)
    provisional = provisional or calendar.span_is_provisional(today, due)
    left = calendar.working_days_between(today, due)
    if status is CaseStatus.SUPPLEMENT_REQUESTED:
        return Overdue(OverdueState.PAUSED, due, left, "补齐补正中，暂停计时", provisional)
    if status not in CLOCK_RUNNING:
        return Overdue(OverdueState.NOT_RUNNING, due, left, "未开始计时", provisional)
    if left > 0:
        return Overdue(OverdueState.RUNNING, due, left, f"还剩{left}个工作日", provisional)
    if today <= due:
        return Overdue(OverdueState.DUE_TODAY, due, 0, "今天到期", provisional)
    late = -left
    text = f"已超期{late}个工作日" if late else "已超期"
    return Overdue(OverdueState.OVERDUE, due, -late, text, provisional)
