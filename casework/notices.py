"""一次性告知 and 不予受理 as records the district sees (告知与不予受理记录), and notice numbers.

A visit that ends with a 一次性告知书 (materials missing) or a 不予受理通知书 (refusal) leaves a case in
``notice_issued`` / ``refused`` on the station. :func:`report_of` turns it into a :class:`NoticeReport`, the
record the station sends to its district (``POST /api/v1/notices``): which station, which item, when, why
(the missing materials' names, or the refusal reason) and who the applicant is (personal data: the center
seals it). No scans travel with it. When the resident comes back and the case is accepted, the notice gets
``resumed_as`` (the new case's number) and the report is sent again with a higher ``version``; the center
keeps the newest version.

    report = report_of(case)                        # raises NoticeReportError for any other status
    NoticeReport.from_dict(report.to_dict()) == report
    notice_case_number("GZ261122-007-00421")         # '261122-007-00421': what the QR and the paper say

The share of first visits that ended in a notice (一次告知率) is defined once, in :func:`notice_share`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from casework.cases import Case, CaseStatus, format_utc, parse_utc
from casework.documents import DocumentKind, document_number
from casework.errors import DomainError

__all__ = [
    "MAX_REASONS",
    "NoticeKind",
    "NoticeReport",
    "NoticeReportError",
    "notice_case_number",
    "notice_share",
    "report_of",
]

MAX_REASONS = 100
_REASON_LEN = 500
_ID_LEN = 64
_APPLICANT_KEYS = ("name", "id_type", "id_number", "phone")


class NoticeReportError(DomainError):
    """A notice record that is not shaped as :class:`NoticeReport` says; ``field`` names the first bad one."""

    code = "notice.report.malformed"


class NoticeKind(StrEnum):
    NOTICE = "notice"  # 一次性告知
    REFUSAL = "refusal"  # 不予受理

    @property
    def document(self) -> DocumentKind:
        return DocumentKind.ONE_TIME_NOTICE if self is NoticeKind.NOTICE else DocumentKind.REFUSAL_NOTICE


@dataclass(frozen=True, slots=True)
class NoticeReport:
    """One 一次性告知 or 不予受理 as the district receives it.

    ``id`` is the station's case id of the notice (the center's key together with the sending station);
    ``number`` the document number printed on the paper (``GZ…`` / ``BY…``); ``reasons`` the missing
    materials' names (a notice) or the one refusal reason; ``applicant`` name, ID type, ID number and phone
    (personal data); ``resumed_as`` the number of the case accepted after the notice, once there is one."""

    id: str
    version: int
    kind: NoticeKind
    number: str
    case_number: str
    station_id: str
    item_code: str | None
    bundle_code: str | None
    issued_at: dt.datetime
    reasons: tuple[str, ...]
    applicant: Mapping[str, str] = field(default_factory=dict)
    resumed_as: str = ""

    @property
    def subject(self) -> str:
        """The item code, or the bundle code of a 一件事."""
        return self.item_code or self.bundle_code or ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "kind": self.kind.value,
            "number": self.number,
            "case_number": self.case_number,
            "station_id": self.station_id,
            "item_code": self.item_code,
            "bundle_code": self.bundle_code,
            "issued_at": format_utc(self.issued_at),
            "reasons": list(self.reasons),
            "applicant": dict(self.applicant),
            "resumed_as": self.resumed_as,
        }

    @classmethod
    def from_dict(cls, data: Any) -> NoticeReport:
        """Parse an untrusted record; :class:`NoticeReportError` names the first bad field."""
        if not isinstance(data, Mapping):
            raise NoticeReportError(field="record")

        def text(key: str, *, limit: int = _ID_LEN, empty: bool = False) -> str:
            v = data.get(key, "" if empty else None)
            if not isinstance(v, str) or len(v) > limit or (not v and not empty) or "\x00" in v:
                raise NoticeReportError(field=key)
            return v

        def opt(key: str) -> str | None:
            return None if data.get(key) is None else text(key)

        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version < 2**62:
            raise NoticeReportError(field="version")
        try:
            kind = NoticeKind(str(data.get("kind")))
        except ValueError:
            raise NoticeReportError(field="kind") from None
        item, bundle = opt("item_code"), opt("bundle_code")
        if (item is None) == (bundle is None):
            raise NoticeReportError(field="item_code")
        try:
            issued = parse_utc(text("issued_at", limit=40))
        except ValueError:
            raise NoticeReportError(field="issued_at") from None
        reasons = data.get("reasons")
        if (
            not isinstance(reasons, list)
            or not 1 <= len(reasons) <= MAX_REASONS
            or not all(isinstance(r, str) and 0 < len(r) <= _REASON_LEN and "\x00" not in r for r in reasons)
        ):
            raise NoticeReportError(field="reasons")
        applicant = data.get("applicant")
        if not isinstance(applicant, Mapping) or not all(
            isinstance(applicant.get(k, ""), str) and len(applicant.get(k, "")) <= 200
            for k in _APPLICANT_KEYS
        ):
            raise NoticeReportError(field="applicant")
        case_number = text("case_number")
        number = text("number")
        if number != document_number(kind.document, case_number):
            raise NoticeReportError(field="number")
        return cls(
            id=text("id"),
            version=version,
            kind=kind,
            number=number,
            case_number=case_number,
            station_id=text("station_id"),
            item_code=item,
            bundle_code=bundle,
            issued_at=issued,
            reasons=tuple(reasons),
            applicant={k: str(applicant.get(k, "")) for k in _APPLICANT_KEYS},
            resumed_as=text("resumed_as", empty=True),
        )


def report_of(case: Case) -> NoticeReport:
    """The district's record of a case that ended in 一次性告知 or 不予受理 (raises for any other status)."""
    if case.status is CaseStatus.NOTICE_ISSUED:
        kind = NoticeKind.NOTICE
    elif case.status is CaseStatus.REFUSED and case.entered_at(CaseStatus.ACCEPTED) is None:
        kind = NoticeKind.REFUSAL
    else:
        raise NoticeReportError(field="status")
    step = next(t for t in reversed(case.history) if t.to_status is case.status)
    if kind is NoticeKind.NOTICE:  # issue_notice keeps the missing materials' names, "；"-joined
        reasons = tuple(r.strip() for r in re.split("；|; ", step.reason) if r.strip())  # either language
    else:
        reasons = (step.reason.strip(),)
    a = case.applicant
    return NoticeReport(
        id=case.id,
        version=case.version,
        kind=kind,
        number=document_number(kind.document, case.number),
        case_number=case.number,
        station_id=case.station_id,
        item_code=case.item_code,
        bundle_code=case.bundle_code,
        issued_at=step.at,
        reasons=tuple(r[:_REASON_LEN] for r in reasons[:MAX_REASONS]) or ("—",),
        applicant={"name": a.name, "id_type": a.id_type, "id_number": a.id_number, "phone": a.phone},
        resumed_as=case.resumed_as,
    )


def notice_case_number(text: str) -> str:
    """The case number a typed or scanned notice number names: ``GZ261122-007-00421`` (the notice's number,
    what its QR carries), the bare case number, spaces and lower case forgiven."""
    s = "".join(text.split()).upper()
    prefix = DocumentKind.ONE_TIME_NOTICE.prefix
    return s[len(prefix) :] if s.startswith(prefix) else s


def notice_share(notices: int, first_accepted: int) -> float | None:
    """一次告知率, the share of first visits that ended in a 一次性告知: ``notices ÷ (notices +
    first_accepted)``, where ``first_accepted`` counts the cases accepted (受理 or 代收) in the same period
    **without** a prior notice (a case accepted after a notice is the resident's second visit, and that
    first visit is already counted as the notice). Refusals are counted on their own, not in this share.
    ``None`` when there was no first visit."""
    visits = notices + first_accepted
    return notices / visits if visits else None
