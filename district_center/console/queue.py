"""The reviewer's queue as a paged SQL query (the console's only query of its own).

``backoffice.list_cases`` decodes every matching case to sort it, which is right for the API's bounded lists
but not for a page of 50 out of 100,000. Here the database pages, and ``backoffice`` still decides who sees
what (``visible_filter``) and how each row's deadline reads (``case_summary``, working days from
``casework.workdays``)::

    page = queue_page(s, reviewer, QueueFilter(status="open"), page=1)   # rows, total, pages

Order: by the stored 限时办结 due day (``cases.due_date``: promised date + days paused for 补正)
ascending, then id; cases without one last. For open cases this *is* overdue-first (remaining working days
grow with the due day), so it matches ``list_cases``' order without decoding documents. The indexes that
make it fast are in migration 0005 (``ix_cases_queue_department_due``, ``ix_cases_queue_due_date``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from casework import clock
from casework.cases import Case, CaseStatus
from district_center.db.models import CaseRecord, Station
from district_center.services.cases.backoffice import (
    BackofficeError,
    Reviewer,
    case_summary,
    station_labels,
    visible_filter,
    work_calendar,
)
from district_center.services.cases.lookup import token_clause
from district_center.services.catalog.current import current_catalog

PAGE_SIZE = 50
OPEN = (CaseStatus.QUEUED, CaseStatus.DELIVERED, CaseStatus.IN_REVIEW, CaseStatus.SUPPLEMENT_REQUESTED)
DECIDED = (CaseStatus.APPROVED, CaseStatus.REJECTED)
DONE = (CaseStatus.RESULT_READY, CaseStatus.HANDED_OVER, CaseStatus.CLOSED, CaseStatus.WITHDRAWN)
STATUS_GROUPS: dict[str, tuple[str, tuple[CaseStatus, ...]]] = {
    "open": ("待办（待受理、审查中、待补正）", OPEN),
    "decided": ("已决定待出件", DECIDED),
    "done": ("已出件 / 已办结", DONE),
    "all": ("全部", ()),
}


@dataclass(frozen=True, slots=True)
class QueueFilter:
    status: str = "open"  # a STATUS_GROUPS key or a single CaseStatus value
    station_no: int | None = None
    number: str = ""  # 办件编号 prefix
    who: str = ""  # an applicant lookup token (``lookup.lookup_token``: kind + blind index, no plaintext)
    due_before: str | None = None  # ISO date
    department: str | None = None  # supervisors only


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def _statuses(value: str) -> tuple[str, ...]:
    if value in STATUS_GROUPS:
        return tuple(s.value for s in STATUS_GROUPS[value][1])
    try:
        return (CaseStatus(value).value,)
    except ValueError:
        raise BackofficeError("center.backoffice.bad_status_filter") from None


def _filtered(s: Session, user: Reviewer, f: QueueFilter) -> Select[Any]:
    query = select(CaseRecord)
    visible = visible_filter(user, current_catalog(s))
    if visible is not None:
        query = query.where(visible)
    if f.department:
        if not user.supervisor and f.department != user.department:
            raise BackofficeError("center.backoffice.own_department_only")
        query = query.where(CaseRecord.department == f.department)
    statuses = _statuses(f.status)
    if statuses:
        status: Any = CaseRecord.status
        walks_due_order = (
            visible is None and not f.department and f.station_no is None and not f.number and not f.who
        )
        if walks_due_order and s.get_bind().dialect.name == "sqlite":
            # ``status || ''`` hides ix_cases_status from SQLite's planner, which otherwise fetches every case
            # of the group and sorts it; walking ix_cases_queue_due_date in order stops after one page.
            status = status.concat("")
        query = query.where(status.in_(statuses))
    if f.station_no is not None:
        station_id = s.scalar(select(Station.id).where(Station.station_no == f.station_no))
        query = query.where((CaseRecord.station_id == station_id) | (CaseRecord.routed_to == station_id))
    if f.number:
        query = query.where(CaseRecord.number.startswith(f.number, autoescape=True))
    if f.due_before:
        query = query.where(CaseRecord.due_date <= f.due_before)
    if f.who:
        clause = token_clause(f.who)
        if clause is None:
            raise BackofficeError("center.backoffice.bad_lookup")
        query = query.where(clause)
    return query


def _count(s: Session, query: Select[Any]) -> int:
    return int(
        s.scalar(select(func.count()).select_from(query.with_only_columns(CaseRecord.id).subquery())) or 0
    )


def queue_page(
    s: Session,
    user: Reviewer,
    f: QueueFilter,
    *,
    page: int = 1,
    size: int = PAGE_SIZE,
    today: dt.date | None = None,
) -> QueuePage:
    """One page of the cases ``user`` may see, overdue first, each with its deadline in working days."""
    base = _filtered(s, user, f)
    dated = base.where(CaseRecord.due_date.is_not(None))
    undated = base.where(CaseRecord.due_date.is_(None))
    n_dated = _count(s, dated)
    n_undated = 0 if f.due_before else _count(s, undated)
    total = n_dated + n_undated
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    offset = (page - 1) * size
    # Ids first, from the index alone (skipping ``offset`` rows never touches the wide case rows), then the
    # page's rows by primary key.
    ids: list[str] = []
    if offset < n_dated:
        ids = list(
            s.scalars(
                dated.with_only_columns(CaseRecord.id)
                .order_by(CaseRecord.due_date, CaseRecord.id)
                .offset(offset)
                .limit(size)
            )
        )
    if len(ids) < size and n_undated:
        start = max(0, offset - n_dated)
        ids += list(
            s.scalars(
                undated.with_only_columns(CaseRecord.id)
                .order_by(CaseRecord.id)
                .offset(start)
                .limit(size - len(ids))
            )
        )
    by_id = {r.id: r for r in s.scalars(select(CaseRecord).where(CaseRecord.id.in_(ids)))} if ids else {}
    records = [by_id[i] for i in ids if i in by_id]
    catalog, stations = current_catalog(s), station_labels(s)
    calendar = work_calendar(s)

    day = today or clock.china_today()
    rows = [case_summary(r, Case.from_dict(r.document), catalog, calendar, day, stations) for r in records]
    return QueuePage(rows, total, page, pages)
