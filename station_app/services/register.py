"""帮办代办登记 at the station: the cases this station filed with an agent (代理人) or with one of its workers
helping (帮办员) — who helped, on what authority (授权委托书 scan, kinship stated, in person), when — and the
register as an xlsx workbook.

The list is read from the case documents (the summary index narrows by month and 办件编号 first, so only the
candidate cases are decrypted). ID numbers are masked; the workbook keeps every text cell as text, never a
formula (names are typed at the window)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from casework import clock
from casework.cases import Case, CaseStatus
from casework.identity import AUTHORITY_POWER_OF_ATTORNEY, mask_id_number
from station_app.services.cases import CaseService

__all__ = ["FORMULA_PREFIXES", "RegisterRow", "assisted_filings", "register_workbook"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RegisterRow:
    case_id: str
    number: str
    filed_at: str  # China time, minutes
    month: str  # YYYY-MM, China time
    item: str  # 实施编码 or 一件事 code
    kind: str  # worker | agent
    helper: str
    helper_id: str  # masked
    relation: str
    worker_id: str
    authority: str  # casework.identity.AUTHORITIES
    letter_scanned: bool
    applicant: str
    status: str


def _filed_at(case: Case) -> Any:
    for step in case.history:
        if step.from_status is CaseStatus.DRAFT:
            return step.at
    return case.created_at


def assisted_filings(
    cases: CaseService, *, month: str = "", kind: str = "", number: str = ""
) -> list[RegisterRow]:
    """The register, newest first; ``month`` YYYY-MM (the China month of 受理), ``kind`` worker | agent,
    ``number`` a part of the 办件编号. Blocking (decrypts the candidate cases)."""
    from station_app.services.case_index import LIVE

    out = []
    for key, summary in cases.index.select(LIVE):
        if number and number not in str(summary.get("number") or ""):
            continue
        day = str(summary.get("accepted_day") or summary.get("created_day") or "")
        if month and not day.startswith(month):
            continue
        try:
            case = cases.get(key)
        except (KeyError, ValueError):
            continue
        agent = case.agent
        if agent is None or case.status is CaseStatus.DRAFT:
            continue
        row_kind = "worker" if agent.is_station_worker else "agent"
        if kind and kind != row_kind:
            continue
        at = _filed_at(case)
        out.append(
            RegisterRow(
                case_id=case.id,
                number=case.number,
                filed_at=clock.format_datetime(at),
                month=clock.china_date(at).strftime("%Y-%m"),
                item=case.item_code or case.bundle_code or "",
                kind=row_kind,
                helper=agent.name,
                helper_id=mask_id_number(agent.id_number) if agent.id_number else "",
                relation=agent.relation_label,
                worker_id=agent.worker_id if agent.is_station_worker else "",
                authority=agent.authority_kind,
                letter_scanned=agent.authority_kind == AUTHORITY_POWER_OF_ATTORNEY
                and agent.authority_scan is not None,
                applicant=case.applicant.name,
                status=case.status.label,
            )
        )
    out.sort(key=lambda r: (r.filed_at, r.number), reverse=True)
    return out


def register_workbook(rows: list[RegisterRow], header: list[str], cells: Any) -> bytes:
    """One sheet: ``header``, then ``cells(row)`` per row. Text stays text: a string cell in text format,
    and one starting like a formula is marked ``quotePrefix`` (Excel's leading apostrophe)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "帮办代办登记"
    for values in [header, *(cells(r) for r in rows)]:
        ws.append(list(values))
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                cell.number_format = "@"
                if cell.value.startswith(FORMULA_PREFIXES):
                    cell.quotePrefix = True
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for column in "ABCDEFGHIJKLM":
        ws.column_dimensions[column].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
