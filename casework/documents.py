"""The written documents a window issues, as data: 受理凭证, 代收件通知书, 一次性告知书, 不予受理通知书,
the 受理凭证（更正） that corrects a receipt's promised date after the district published a calendar, and the
result a station issues itself when it decides an item on the spot (当场办结: a 证明, a 办结回执, or the
办结通知书 that goes with a card made at the window).

Each builder takes the :class:`~casework.cases.Case`, the catalog and the issuing station, and returns a
:class:`CaseDocument`: a title, a deterministic document number, header fields and titled sections (field
rows, tables, paragraphs). A renderer lays out :attr:`CaseDocument.sections` (or prints
:meth:`CaseDocument.lines`); nothing here draws.

Use::

    doc = acceptance_receipt(case, catalog, station=station, worker="王芳", issued_at=now)
    doc.lines()   # ['受理凭证', '文书编号：SL261122-007-00421', '办件编号：261122-007-00421', …]

Privacy: ID numbers are always masked (``6101**********1234``); the full number never enters a document.
Dates are China local dates. A provisional promised date is printed with "（暂定，以当年节假日安排为准）".

The 代收件通知书 follows seed 004 §五(二): its attachment 2 (the template) is not in the text we hold, so
the fields are those the procedure names — receiving and jurisdiction windows, the materials scanned and
forwarded by post, and that the time limit starts when the jurisdiction receives the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from casework import clock, messages
from casework.acceptance import CatalogLike, case_items, notice_items
from casework.cases import Case, CaseStatus, MaterialRecord, Satisfaction, Side
from casework.catalog import Item, Jurisdiction, SpotResult
from casework.deadlines import DateChange, Recomputed
from casework.errors import DomainError
from casework.identity import mask_id_number

__all__ = [
    "CaseDocument",
    "DocumentKind",
    "Section",
    "StationInfo",
    "acceptance_receipt",
    "collection_notice",
    "correction_receipt",
    "document_number",
    "on_the_spot_result",
    "one_time_notice",
    "refusal_notice",
]


class DocumentNotIssuable(DomainError, ValueError):
    """The case is not in a state this document can be issued for (a ``document.*`` code)."""

    code = "document.not_issuable"


class DocumentKind(StrEnum):
    """The written documents of 受理 (行政许可法 §32); :attr:`prefix` starts their document numbers."""

    RECEIPT = "受理凭证"
    COLLECTION_NOTICE = "代收件通知书"
    ONE_TIME_NOTICE = "一次性告知书"
    REFUSAL_NOTICE = "不予受理通知书"
    CORRECTION = "受理凭证（更正）"
    # 当场办结: the result the station issues, by the catalog flag's result type (``SpotResult``)
    SPOT_CERTIFICATE = "证明"
    SPOT_RECEIPT = "办结回执"
    SPOT_NOTICE = "办结通知书"

    @property
    def prefix(self) -> str:
        return _PREFIXES[self.value]


_PREFIXES = {
    "受理凭证": "SL",
    "代收件通知书": "DS",
    "一次性告知书": "GZ",
    "不予受理通知书": "BY",
    "受理凭证（更正）": "SG",
    "证明": "ZM",
    "办结回执": "HZ",
    "办结通知书": "BJ",
}

#: The document a 当场办结 issues, by the item's result type.
SPOT_DOCUMENTS: dict[SpotResult, DocumentKind] = {
    SpotResult.CERTIFICATE: DocumentKind.SPOT_CERTIFICATE,
    SpotResult.RECEIPT: DocumentKind.SPOT_RECEIPT,
    SpotResult.CARD: DocumentKind.SPOT_NOTICE,
}


def document_number(kind: DocumentKind, case_number: str) -> str:
    """``SL261122-007-00421``: kind prefix + case number. One document of each kind per case, so unique
    wherever the case number is; a reprint (补打) carries the same number."""
    return f"{kind.prefix}{case_number}"


@dataclass(frozen=True, slots=True)
class StationInfo:
    """The issuing window: 便民服务站 name, address, phone, and the district it belongs to."""

    name: str
    district: str
    address: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block: label/value ``fields``, an optional ``table`` (first row is the header) and
    free ``paragraphs``, laid out in that order."""

    title: str
    fields: tuple[tuple[str, str], ...] = ()
    table: tuple[tuple[str, ...], ...] = ()
    paragraphs: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "fields": [list(f) for f in self.fields],
            "table": [list(r) for r in self.table],
            "paragraphs": list(self.paragraphs),
        }


@dataclass(frozen=True, slots=True)
class CaseDocument:
    """One issued document as data: numbered, dated, in titled sections; the station renders it to PDF."""

    kind: DocumentKind
    number: str
    case_number: str
    station: str
    worker: str
    issued_on: dt.date
    sections: tuple[Section, ...] = field(default=())
    provisional_date: bool = False  # the promised date shown is provisional
    language: str = "zh_CN"  # the words of the document (names, materials and reasons stay as recorded)

    @property
    def title(self) -> str:
        return _w(f"doc.kind.{self.kind.name}", self.language)

    def word(self, code: str, **params: Any) -> str:
        """One of the document's own words (``doc.*`` in the message catalogs), in its language."""
        return _w(code, self.language, **params)

    @property
    def qr_payload(self) -> str:
        """What the printed QR carries: the case number, except on a 一次性告知书, whose own number
        (``GZ…``) the station scans when the resident comes back with the missing materials."""
        return self.number if self.kind is DocumentKind.ONE_TIME_NOTICE else self.case_number

    def lines(self) -> list[str]:
        """Plain text, one line per field, row or paragraph (for a receipt printer or a test)."""
        lang = self.language
        out = [
            self.title,
            _labelled(_w("doc.label.document_number", lang), self.number, lang),
            _labelled(_w("doc.label.case_number", lang), self.case_number, lang),
        ]
        for s in self.sections:
            out.append(f"【{s.title}】" if lang == "zh_CN" else f"[{s.title}]")
            out += [_labelled(label, value, lang) for label, value in s.fields]
            out += [("　" if lang == "zh_CN" else "  ").join(row) for row in s.table]
            out += list(s.paragraphs)
        out += [
            _labelled(_w("doc.label.worker", lang), self.worker, lang),
            f"{self.station}",
            _date(self.issued_on, lang),
        ]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "number": self.number,
            "case_number": self.case_number,
            "station": self.station,
            "worker": self.worker,
            "issued_on": self.issued_on.isoformat(),
            "provisional_date": self.provisional_date,
            "sections": [s.to_dict() for s in self.sections],
        }


# ------------------------------------------------------------------------------------------------ parts


def _w(code: str, language: str, **params: Any) -> str:
    return messages.text(code, params, language)


def _labelled(label: str, value: str, language: str) -> str:
    return _w("doc.labelled", language, label=label, value=value)


def _date(d: dt.date, language: str) -> str:
    """2026年12月01日, or 2026-12-01 in English."""
    return _w("doc.date", language, year=d.year, month=d.month, day=d.day)


def _cn_date(d: dt.date) -> str:
    return _date(d, "zh_CN")


def _how(record: MaterialRecord, language: str) -> str:
    if record.satisfaction is Satisfaction.DEFERRED and record.due_date:
        return _w("doc.how.deferred_due", language, date=_date(record.due_date, language))
    if record.satisfaction is Satisfaction.ORIGINAL_VERIFIED and record.attachments:
        return _w("doc.how.verified_scans", language, count=len(record.attachments))
    return _w(f"doc.how.{record.satisfaction.name}", language)


def _applicant_section(case: Case, language: str) -> Section:
    a = case.applicant

    def w(code: str, **params: Any) -> str:
        return _w(code, language, **params)

    rows = [
        (w("doc.field.applicant"), a.name),
        (w("doc.field.id_type"), messages.text(f"id_type.{a.id_type}", {}, language)),
        (w("doc.field.id_number"), mask_id_number(a.id_number)),
        (w("doc.field.phone"), mask_id_number(a.phone) if len(a.phone) == 11 else a.phone),
    ]
    if a.legal_representative:
        rows.append((w("doc.field.legal_representative"), a.legal_representative))
    if case.agent is not None:
        g = case.agent
        relation = g.relation or (w("doc.relation.station_worker") if g.is_station_worker else "")
        rows += [
            (
                w("doc.field.agent"),
                w("doc.agent.station_worker", name=g.name) if g.is_station_worker else g.name,
            ),
            (w("doc.field.agent_id_number"), mask_id_number(g.id_number)),
            (w("doc.field.relation"), relation),
        ]
    return Section(w("doc.section.applicant"), tuple(rows))


def _items_section(case: Case, catalog: CatalogLike, language: str) -> Section:
    items = case_items(case, catalog)
    rows: list[tuple[str, str]] = []
    if case.bundle_code is not None:
        rows.append((_w("doc.field.bundle", language), catalog.bundle(case.bundle_code).name))
    rows += [
        (
            _w("doc.field.item", language),
            _w("doc.item_department", language, name=it.name, department=it.department),
        )
        for it in items
    ]
    if case.jurisdiction:
        rows.append((_w("doc.field.jurisdiction", language), case.jurisdiction))
    return Section(_w("doc.section.items", language), tuple(rows))


def _received_section(case: Case, language: str) -> Section:
    got = [m for m in case.materials if m.satisfaction is not Satisfaction.MISSING]
    rows = [(str(i), m.name, _how(m, language)) for i, m in enumerate(got, 1)]
    header = tuple(_w(f"doc.table.{c}", language) for c in ("no", "material", "how"))
    table = (header, *rows)
    return Section(
        _w("doc.section.received", language),
        table=table if got else (),
        paragraphs=() if got else (_w("doc.none", language),),
    )


def _promise_text(case: Case, items: tuple[Item, ...], language: str) -> tuple[str, bool]:
    if case.promised_date is None:
        limits = [
            _w("doc.promise.limit", language, name=it.name, limit=it.promised_limit.words(language))
            for it in items
        ]
        return _w("doc.promise.by_limits", language, limits=limits), False
    text = _date(case.promised_date, language)
    if case.promised_date_provisional:
        text += _w("doc.promise.provisional", language)
    return text, case.promised_date_provisional


def _pickup_section(case: Case, language: str) -> Section:
    rows = [(_w("doc.field.pickup", language), messages.term(case.pickup.method, language))]
    if case.pickup.address:
        rows.append((_w("doc.field.address", language), case.pickup.address))
    return Section(_w("doc.section.pickup", language), tuple(rows))


def _doc(
    kind: DocumentKind,
    case: Case,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    sections: list[Section],
    provisional: bool = False,
    language: str = "zh_CN",
) -> CaseDocument:
    labels = (("doc.field.address", station.address), ("doc.field.contact_phone", station.phone))
    contact = tuple((_w(code, language), v) for code, v in labels if v)
    footer = Section(station.name, contact)
    return CaseDocument(
        kind,
        document_number(kind, case.number),
        case.number,
        station.name,
        worker,
        clock.china_date(issued_at),
        (*sections, footer),
        provisional,
        language,
    )


# ------------------------------------------------------------------------------------------------ builders


def acceptance_receipt(
    case: Case,
    catalog: CatalogLike,
    *,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    language: str = "zh_CN",
) -> CaseDocument:
    """受理凭证 for an accepted case: items, applicant, materials received (容缺 ones with due dates and
    告知承诺 ones marked), the promised date, pickup. Raises ``ValueError`` unless the case was accepted."""
    accepted_at = case.entered_at(CaseStatus.ACCEPTED)
    if accepted_at is None:
        raise DocumentNotIssuable("document.receipt_not_accepted", number=case.number)
    lang = language
    items = case_items(case, catalog)
    promise, provisional = _promise_text(case, items, lang)
    owed = [m for m in case.materials if m.satisfaction is Satisfaction.DEFERRED]
    accepted_on = _date(clock.china_date(accepted_at), lang)
    paragraphs = [_w("doc.receipt.accepted", lang, date=accepted_on, promise=promise)]
    if owed:
        owed_text = _w("doc.sep", lang).join(
            _w("doc.receipt.owed_item", lang, name=m.name, date=_date(m.due_date, lang))
            if m.due_date
            else m.name
            for m in owed
        )
        paragraphs.append(_w("doc.receipt.owed", lang, items=owed_text))
    if any(m.satisfaction is Satisfaction.COMMITMENT for m in case.materials):
        paragraphs.append(_w("doc.receipt.commitment", lang))
    sections = [
        _items_section(case, catalog, lang),
        _applicant_section(case, lang),
        _received_section(case, lang),
        Section(
            _w("doc.section.time_limit", lang),
            ((_w("doc.field.promised_date", lang), promise),),
            paragraphs=tuple(paragraphs),
        ),
        _pickup_section(case, lang),
    ]
    return _doc(DocumentKind.RECEIPT, case, station, worker, issued_at, sections, provisional, lang)


def collection_notice(
    case: Case,
    catalog: CatalogLike,
    *,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    jurisdiction: Jurisdiction | None = None,
    language: str = "zh_CN",
) -> CaseDocument:
    """代收件通知书 (全市通办, 异地代收): this station collected the application for ``case.jurisdiction``.

    ``jurisdiction`` gives the 业务属地 window's location and phone (catalog ``Jurisdiction``). Raises
    ``ValueError`` unless the case was collected."""
    collected_at = case.entered_at(CaseStatus.COLLECTED)
    if collected_at is None:
        raise DocumentNotIssuable("document.collection_not_collected", number=case.number)
    lang = language
    items = case_items(case, catalog)
    promise, provisional = _promise_text(case, items, lang)
    window_rows = [
        (_w("doc.field.receiving_window", lang), station.name),
        (_w("doc.field.jurisdiction", lang), case.jurisdiction),
    ]
    if jurisdiction is not None:
        window_rows += [
            (_w("doc.field.jurisdiction_window", lang), jurisdiction.window),
            (_w("doc.field.jurisdiction_phone", lang), jurisdiction.phone),
        ]
    collected_on = _date(clock.china_date(collected_at), lang)
    sections = [
        _items_section(case, catalog, lang),
        _applicant_section(case, lang),
        _received_section(case, lang),
        Section(_w("doc.section.windows", lang), tuple(window_rows)),
        Section(
            _w("doc.section.procedure", lang),
            ((_w("doc.field.collected_on", lang), collected_on), (_w("doc.field.time_limit", lang), promise)),
            paragraphs=tuple(
                _w(f"doc.collection.{p}", lang) for p in ("checked", "forwarded", "clock", "contact")
            ),
        ),
        _pickup_section(case, lang),
    ]
    return _doc(DocumentKind.COLLECTION_NOTICE, case, station, worker, issued_at, sections, provisional, lang)


def one_time_notice(
    case: Case,
    catalog: CatalogLike,
    *,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    language: str = "zh_CN",
) -> CaseDocument:
    """一次性告知书: **every** material that stops 受理, why, and how to supply it, in one notice
    (行政许可法 §32). Raises ``ValueError`` if nothing is missing."""
    today = clock.china_date(issued_at)
    missing = notice_items(case, catalog, today=today, language=language)
    if not missing:
        raise DocumentNotIssuable("document.notice_not_needed")
    lang = language
    names = [it.name for it in case_items(case, catalog)]
    rows = [(str(i), m.name, m.reason, m.how_to_supply) for i, m in enumerate(missing, 1)]
    header = tuple(_w(f"doc.table.{c}", lang) for c in ("no", "material", "reason", "supply"))
    table = (header, *rows)
    sections = [
        _items_section(case, catalog, lang),
        _applicant_section(case, lang),
        _received_section(case, lang),
        Section(_w("doc.section.to_supply", lang), table=table),
        Section(
            _w("doc.section.notice", lang),
            paragraphs=(
                _w("doc.notice.incomplete", lang, names=names),
                _w("doc.notice.again", lang),
                _w("doc.notice.phone", lang, phone=station.phone)
                if station.phone
                else _w("doc.notice.ask", lang),
            ),
        ),
    ]
    return _doc(DocumentKind.ONE_TIME_NOTICE, case, station, worker, issued_at, sections, language=lang)


def refusal_notice(
    case: Case,
    catalog: CatalogLike,
    *,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    reconsideration_body: str = "",
    court: str = "",
    language: str = "zh_CN",
) -> CaseDocument:
    """不予受理通知书 with the reason recorded on the refusal and the applicant's remedies: 行政复议 within
    60 days (行政复议法 §20) to ``reconsideration_body`` (default: the district's 人民政府) or 行政诉讼
    within 6 months (行政诉讼法 §46). Raises ``ValueError`` unless the case was refused."""
    refusal = next((t for t in reversed(case.history) if t.to_status is CaseStatus.REFUSED), None)
    if refusal is None:
        raise DocumentNotIssuable("document.refusal_not_refused", number=case.number)
    lang = language
    body = reconsideration_body or _w("doc.refusal.body", lang, district=station.district)
    court = court or _w("doc.refusal.court", lang)
    names = [it.name for it in case_items(case, catalog)]
    sections = [
        _items_section(case, catalog, lang),
        _applicant_section(case, lang),
        _received_section(case, lang),
        Section(
            _w("doc.section.refusal", lang),
            ((_w("doc.field.decided_on", lang), _date(clock.china_date(refusal.at), lang)),),
            paragraphs=(
                _w("doc.refusal.decision", lang, names=names),
                _w("doc.refusal.reason", lang, reason=refusal.reason),
                _w("doc.refusal.returned", lang),
            ),
        ),
        Section(
            _w("doc.section.remedies", lang),
            paragraphs=(_w("doc.refusal.remedies", lang, body=body, court=court),),
        ),
    ]
    return _doc(DocumentKind.REFUSAL_NOTICE, case, station, worker, issued_at, sections, language=lang)


def on_the_spot_result(
    case: Case,
    catalog: CatalogLike,
    *,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    language: str = "zh_CN",
) -> CaseDocument:
    """The result of a 当场办结: what the station decided and issued at the window, for an item the catalog
    flags ``on_the_spot``. Its kind follows the flag's result type (证明 / 办结回执 / 办结通知书); it names
    the item and its department, the applicant, the decision and its date, the station and the case number
    (the QR). Raises :class:`DocumentNotIssuable` unless the station recorded the decision."""
    decision = next(
        (t for t in reversed(case.history) if t.side is Side.STATION and t.to_status is CaseStatus.APPROVED),
        None,
    )
    if decision is None or case.item_code is None:
        raise DocumentNotIssuable("document.spot_not_decided", number=case.number)
    item = catalog.item(case.item_code)
    if item.on_the_spot is None:
        raise DocumentNotIssuable("document.spot_not_flagged", number=case.number, name=item.name)
    lang = language
    kind = SPOT_DOCUMENTS[item.on_the_spot]
    day = _date(clock.china_date(decision.at), lang)
    result = item.result_name or item.name
    params = {"who": case.applicant.name, "item": item.name, "station": station.name, "day": day}
    sections = [
        _items_section(case, catalog, lang),
        _applicant_section(case, lang),
        Section(
            _w("doc.section.spot_result", lang),
            (
                (_w("doc.field.spot_decision", lang), _w("doc.spot.decision", lang)),
                (_w("doc.field.spot_result", lang), result),
                (_w("doc.field.spot_date", lang), day),
                (_w("doc.field.spot_window", lang), station.name),
            ),
            paragraphs=(
                _w(f"doc.spot.lead.{kind.name}", lang, **params),
                _w(f"doc.spot.closing.{kind.name}", lang, result=result),
                _w("doc.spot.verify", lang, station=station.name, district=station.district),
            ),
        ),
    ]
    return _doc(kind, case, station, worker, issued_at, sections, language=lang)


def _dated(day: dt.date | None, provisional: bool, language: str) -> str:
    if day is None:
        return "—"
    return _date(day, language) + (_w("doc.provisional_short", language) if provisional else "")


def _change_row(case: Case, catalog: CatalogLike, change: DateChange, language: str) -> tuple[str, str, str]:
    if change.item_code is None:
        name = (
            catalog.bundle(case.bundle_code).name if case.bundle_code else case_items(case, catalog)[0].name
        )
    else:
        name = next((it.name for it in case_items(case, catalog) if it.code == change.item_code), "")
        name = name or change.item_code
    return (
        name,
        _dated(change.old, change.old_provisional, language),
        _dated(change.new, change.new_provisional, language),
    )


def correction_receipt(
    case: Case,
    catalog: CatalogLike,
    *,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    correction: Recomputed,
    sequence: int = 1,
    language: str = "zh_CN",
) -> CaseDocument:
    """受理凭证（更正）: the promised date(s) of the case's 受理凭证 moved because the district published a
    newer holiday calendar (``correction``, from :func:`casework.deadlines.recompute_deadlines`).

    Marked as a correction throughout: the title, the number of the receipt it corrects, a table of every
    date with its old and new value, the reason, and that the rest of the receipt stands. ``sequence`` counts
    the corrections of one case (a second one is numbered ``SG…-2``). Raises ``ValueError`` unless the case
    was accepted and a promised date changed."""
    accepted_at = case.entered_at(CaseStatus.ACCEPTED)
    if accepted_at is None:
        raise DocumentNotIssuable("document.correction_not_accepted", number=case.number)
    if not correction.dates:
        raise DocumentNotIssuable("document.correction_unchanged", number=case.number)
    lang = language
    rows = tuple(_change_row(case, catalog, c, lang) for c in correction.dates)
    table = (tuple(_w(f"doc.table.{c}", lang) for c in ("item", "old_date", "new_date")), *rows)
    provisional = any(c.new_provisional for c in correction.dates)
    fields = (
        (_w("doc.field.original_receipt", lang), document_number(DocumentKind.RECEIPT, case.number)),
        (_w("doc.field.accepted_on", lang), _date(clock.china_date(accepted_at), lang)),
        (
            _w("doc.field.correction_reason", lang),
            _w("doc.correction.reason", lang, version=correction.to_version),
        ),
    )
    paragraphs = [_w("doc.correction.only_dates", lang), _w("doc.correction.working_days", lang)]
    if provisional:
        paragraphs.append(_w("doc.correction.still_provisional", lang))
    sections = [
        _items_section(case, catalog, lang),
        _applicant_section(case, lang),
        Section(_w("doc.section.correction", lang), fields, table=table, paragraphs=tuple(paragraphs)),
    ]
    doc = _doc(DocumentKind.CORRECTION, case, station, worker, issued_at, sections, provisional, lang)
    if sequence > 1:
        return CaseDocument(
            doc.kind,
            f"{doc.number}-{sequence}",
            doc.case_number,
            doc.station,
            doc.worker,
            doc.issued_on,
            doc.sections,
            doc.provisional_date,
            doc.language,
        )
    return doc
