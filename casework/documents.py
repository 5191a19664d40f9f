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

from casework import clock
from casework.acceptance import CatalogLike, case_items, notice_items
from casework.cases import Case, CaseStatus, MaterialRecord, Satisfaction, Side
from casework.catalog import Item, Jurisdiction, SpotResult
from casework.deadlines import DateChange, Recomputed
from casework.errors import DomainError
from casework.identity import ID_TYPES, mask_id_number

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

    @property
    def title(self) -> str:
        return self.kind.value

    @property
    def qr_payload(self) -> str:
        """What the printed QR carries: the case number, except on a 一次性告知书, whose own number
        (``GZ…``) the station scans when the resident comes back with the missing materials."""
        return self.number if self.kind is DocumentKind.ONE_TIME_NOTICE else self.case_number

    def lines(self) -> list[str]:
        """Plain text, one line per field, row or paragraph (for a receipt printer or a test)."""
        out = [self.title, f"文书编号：{self.number}", f"办件编号：{self.case_number}"]
        for s in self.sections:
            out.append(f"【{s.title}】")
            out += [f"{label}：{value}" for label, value in s.fields]
            out += ["　".join(row) for row in s.table]
            out += list(s.paragraphs)
        out += [f"经办人：{self.worker}", f"{self.station}", _cn_date(self.issued_on)]
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


def _cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


_HOW = {
    Satisfaction.ORIGINAL_VERIFIED: "原件已核验",
    Satisfaction.DEFERRED: "容缺后补",
    Satisfaction.COMMITMENT: "告知承诺",
    Satisfaction.DATA_SHARING: "数据共享获取",
    Satisfaction.MISSING: "缺少",
}


def _how(record: MaterialRecord) -> str:
    if record.satisfaction is Satisfaction.DEFERRED and record.due_date:
        return f"容缺后补（{_cn_date(record.due_date)}前补交）"
    if record.satisfaction is Satisfaction.ORIGINAL_VERIFIED and record.attachments:
        return f"原件已核验，扫描件{len(record.attachments)}份"
    return _HOW[record.satisfaction]


def _applicant_section(case: Case) -> Section:
    a = case.applicant
    rows = [
        ("申请人", a.name),
        ("证件类型", ID_TYPES.get(a.id_type, a.id_type)),
        ("证件号码", mask_id_number(a.id_number)),
        ("联系电话", mask_id_number(a.phone) if len(a.phone) == 11 else a.phone),
    ]
    if a.legal_representative:
        rows.append(("法定代表人", a.legal_representative))
    if case.agent is not None:
        g = case.agent
        rows += [
            ("代理人", g.name + ("（帮办代办员）" if g.is_station_worker else "")),
            ("代理人证件号码", mask_id_number(g.id_number)),
            ("与申请人关系", g.relation_label),
        ]
    return Section("申请人信息", tuple(rows))


def _items_section(case: Case, catalog: CatalogLike) -> Section:
    items = case_items(case, catalog)
    rows: list[tuple[str, str]] = []
    if case.bundle_code is not None:
        rows.append(("一件事", catalog.bundle(case.bundle_code).name))
    rows += [("办理事项", f"{it.name}（{it.department}）") for it in items]
    if case.jurisdiction:
        rows.append(("业务属地", case.jurisdiction))
    return Section("申请事项", tuple(rows))


def _received_section(case: Case) -> Section:
    got = [m for m in case.materials if m.satisfaction is not Satisfaction.MISSING]
    rows = [(str(i), m.name, _how(m)) for i, m in enumerate(got, 1)]
    table = (("序号", "材料名称", "提交方式"), *rows)
    return Section("已收材料", table=table if got else (), paragraphs=() if got else ("无",))


def _promise_text(case: Case, items: tuple[Item, ...]) -> tuple[str, bool]:
    if case.promised_date is None:
        limits = "、".join(f"{it.name}{it.promised_limit}" for it in items)
        return f"按承诺时限办结（{limits}）", False
    text = _cn_date(case.promised_date)
    if case.promised_date_provisional:
        text += "（暂定，以当年节假日安排为准）"
    return text, case.promised_date_provisional


def _pickup_section(case: Case) -> Section:
    rows = [("领取方式", case.pickup.method.value)]
    if case.pickup.address:
        rows.append(("地址", case.pickup.address))
    return Section("结果领取", tuple(rows))


def _doc(
    kind: DocumentKind,
    case: Case,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    sections: list[Section],
    provisional: bool = False,
) -> CaseDocument:
    contact = tuple((k, v) for k, v in (("地址", station.address), ("电话", station.phone)) if v)
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
    )


# ------------------------------------------------------------------------------------------------ builders


def acceptance_receipt(
    case: Case, catalog: CatalogLike, *, station: StationInfo, worker: str, issued_at: dt.datetime
) -> CaseDocument:
    """受理凭证 for an accepted case: items, applicant, materials received (容缺 ones with due dates and
    告知承诺 ones marked), the promised date, pickup. Raises ``ValueError`` unless the case was accepted."""
    accepted_at = case.entered_at(CaseStatus.ACCEPTED)
    if accepted_at is None:
        raise DocumentNotIssuable("document.receipt_not_accepted", number=case.number)
    items = case_items(case, catalog)
    promise, provisional = _promise_text(case, items)
    owed = [m for m in case.materials if m.satisfaction is Satisfaction.DEFERRED]
    paragraphs = [f"您的申请已于{_cn_date(clock.china_date(accepted_at))}受理，承诺办结日期：{promise}。"]
    if owed:
        owed_text = "；".join(
            m.name + (f"（{_cn_date(m.due_date)}前补交）" if m.due_date else "") for m in owed
        )
        paragraphs.append(f"以下容缺材料请按期补交，逾期未补交的，将按规定处理：{owed_text}")
    if any(m.satisfaction is Satisfaction.COMMITMENT for m in case.materials):
        paragraphs.append(
            "您已作出告知承诺，请确保承诺内容真实；承诺不实的，将依法撤销相关决定并记入信用记录。"
        )
    sections = [
        _items_section(case, catalog),
        _applicant_section(case),
        _received_section(case),
        Section("办理时限", (("承诺办结日期", promise),), paragraphs=tuple(paragraphs)),
        _pickup_section(case),
    ]
    return _doc(DocumentKind.RECEIPT, case, station, worker, issued_at, sections, provisional)


def collection_notice(
    case: Case,
    catalog: CatalogLike,
    *,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    jurisdiction: Jurisdiction | None = None,
) -> CaseDocument:
    """代收件通知书 (全市通办, 异地代收): this station collected the application for ``case.jurisdiction``.

    ``jurisdiction`` gives the 业务属地 window's location and phone (catalog ``Jurisdiction``). Raises
    ``ValueError`` unless the case was collected."""
    collected_at = case.entered_at(CaseStatus.COLLECTED)
    if collected_at is None:
        raise DocumentNotIssuable("document.collection_not_collected", number=case.number)
    items = case_items(case, catalog)
    promise, provisional = _promise_text(case, items)
    window_rows = [("业务受理通办窗口", station.name), ("业务属地", case.jurisdiction)]
    if jurisdiction is not None:
        window_rows += [("属地通办窗口", jurisdiction.window), ("属地窗口电话", jurisdiction.phone)]
    sections = [
        _items_section(case, catalog),
        _applicant_section(case),
        _received_section(case),
        Section("通办窗口", tuple(window_rows)),
        Section(
            "办理说明",
            (("代收日期", _cn_date(clock.china_date(collected_at))), ("办结时限", promise)),
            paragraphs=(
                "本窗口已对您的申请材料进行形式审查和身份核验，并扫描留存电子材料。",
                "电子材料通过全市通办平台推送至业务属地通办窗口，纸质材料通过邮政快递寄递移交。",
                "业务属地通办窗口收到申请材料之日起计为受理开始，办理时限自该日起计算。",
                "办理过程中如需补齐补正或退件，由业务属地通办窗口通知您。",
            ),
        ),
        _pickup_section(case),
    ]
    return _doc(DocumentKind.COLLECTION_NOTICE, case, station, worker, issued_at, sections, provisional)


def one_time_notice(
    case: Case, catalog: CatalogLike, *, station: StationInfo, worker: str, issued_at: dt.datetime
) -> CaseDocument:
    """一次性告知书: **every** material that stops 受理, why, and how to supply it, in one notice
    (行政许可法 §32). Raises ``ValueError`` if nothing is missing."""
    today = clock.china_date(issued_at)
    missing = notice_items(case, catalog, today=today)
    if not missing:
        raise DocumentNotIssuable("document.notice_not_needed")
    names = "、".join(it.name for it in case_items(case, catalog))
    rows = [(str(i), m.name, m.reason, m.how_to_supply) for i, m in enumerate(missing, 1)]
    table = (("序号", "材料名称", "原因", "补正方式"), *rows)
    sections = [
        _items_section(case, catalog),
        _applicant_section(case),
        _received_section(case),
        Section("需补齐补正的材料", table=table),
        Section(
            "告知事项",
            paragraphs=(
                f"您申请办理的“{names}”，申请材料不齐全或不符合法定形式。现将需要补齐补正的全部材料一次性告知如上。",
                "请按上述要求准备材料后再次到任一服务站提交，已提交的材料无需重复提交。",
                f"咨询电话：{station.phone}" if station.phone else "如有疑问请咨询窗口工作人员。",
            ),
        ),
    ]
    return _doc(DocumentKind.ONE_TIME_NOTICE, case, station, worker, issued_at, sections)


def refusal_notice(
    case: Case,
    catalog: CatalogLike,
    *,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    reconsideration_body: str = "",
    court: str = "有管辖权的人民法院",
) -> CaseDocument:
    """不予受理通知书 with the reason recorded on the refusal and the applicant's remedies: 行政复议 within
    60 days (行政复议法 §20) to ``reconsideration_body`` (default: the district's 人民政府) or 行政诉讼
    within 6 months (行政诉讼法 §46). Raises ``ValueError`` unless the case was refused."""
    refusal = next((t for t in reversed(case.history) if t.to_status is CaseStatus.REFUSED), None)
    if refusal is None:
        raise DocumentNotIssuable("document.refusal_not_refused", number=case.number)
    body = reconsideration_body or f"{station.district}人民政府"
    names = "、".join(it.name for it in case_items(case, catalog))
    sections = [
        _items_section(case, catalog),
        _applicant_section(case),
        _received_section(case),
        Section(
            "不予受理决定",
            (("决定日期", _cn_date(clock.china_date(refusal.at))),),
            paragraphs=(
                f"您申请办理的“{names}”，经审查，决定不予受理。",
                f"理由：{refusal.reason}",
                "您提交的材料原件已退还。",
            ),
        ),
        Section(
            "救济途径",
            paragraphs=(
                f"如对本决定不服，可以自收到本通知书之日起六十日内向{body}申请行政复议，"
                f"或者自收到本通知书之日起六个月内依法向{court}提起行政诉讼。",
            ),
        ),
    ]
    return _doc(DocumentKind.REFUSAL_NOTICE, case, station, worker, issued_at, sections)


def on_the_spot_result(
    case: Case, catalog: CatalogLike, *, station: StationInfo, worker: str, issued_at: dt.datetime
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
    kind = SPOT_DOCUMENTS[item.on_the_spot]
    day = _cn_date(clock.china_date(decision.at))
    result = item.result_name or item.name
    who = case.applicant.name
    lead = {
        DocumentKind.SPOT_CERTIFICATE: f"兹证明：申请人{who}申请办理的“{item.name}”，",
        DocumentKind.SPOT_RECEIPT: f"申请人{who}申请办理的“{item.name}”，",
        DocumentKind.SPOT_NOTICE: f"申请人{who}申请办理的“{item.name}”，",
    }[kind]
    closing = {
        DocumentKind.SPOT_CERTIFICATE: "特此证明。",
        DocumentKind.SPOT_RECEIPT: "本回执为办结凭证，请妥善保存。",
        DocumentKind.SPOT_NOTICE: f"办理结果（{result}）已当场交付申请人。",
    }[kind]
    sections = [
        _items_section(case, catalog),
        _applicant_section(case),
        Section(
            "办理结果",
            (
                ("办理决定", "准予办理（当场办结）"),
                ("办结结果", result),
                ("办结日期", day),
                ("办结窗口", station.name),
            ),
            paragraphs=(
                f"{lead}经{station.name}审查，材料齐全、符合法定形式，于{day}准予办理，当场办结。",
                closing,
                f"本件由{station.name}依据{station.district}政务服务事项目录当场办结；"
                "扫描二维码或凭办件编号可向区政务服务中心核验。",
            ),
        ),
    ]
    return _doc(kind, case, station, worker, issued_at, sections)


def _dated(day: dt.date | None, provisional: bool) -> str:
    if day is None:
        return "—"
    return _cn_date(day) + ("（暂定）" if provisional else "")


def _change_row(case: Case, catalog: CatalogLike, change: DateChange) -> tuple[str, str, str]:
    if change.item_code is None:
        name = (
            catalog.bundle(case.bundle_code).name if case.bundle_code else case_items(case, catalog)[0].name
        )
    else:
        name = next((it.name for it in case_items(case, catalog) if it.code == change.item_code), "")
        name = name or change.item_code
    return name, _dated(change.old, change.old_provisional), _dated(change.new, change.new_provisional)


def correction_receipt(
    case: Case,
    catalog: CatalogLike,
    *,
    station: StationInfo,
    worker: str,
    issued_at: dt.datetime,
    correction: Recomputed,
    sequence: int = 1,
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
    rows = tuple(_change_row(case, catalog, c) for c in correction.dates)
    table = (("事项", "原承诺办结日期", "更正后承诺办结日期"), *rows)
    provisional = any(c.new_provisional for c in correction.dates)
    fields = (
        ("原受理凭证编号", document_number(DocumentKind.RECEIPT, case.number)),
        ("原受理日期", _cn_date(clock.china_date(accepted_at))),
        (
            "更正原因",
            f"区政务服务中心发布节假日安排（第{correction.to_version}版），承诺办结日期按工作日重新计算",
        ),
    )
    paragraphs = [
        "本凭证为更正凭证，仅更正上表所列承诺办结日期；原受理凭证的其他内容不变，请与原受理凭证一并保存。",
        "承诺办结时限按工作日计算，不含法定节假日；节假日安排调整后，办结日期随之调整，办理时限本身不变。",
    ]
    if provisional:
        paragraphs.append("更正后的日期仍含尚未公布的节假日安排，为暂定日期，以当年节假日安排为准。")
    sections = [
        _items_section(case, catalog),
        _applicant_section(case),
        Section("更正事项", fields, table=table, paragraphs=tuple(paragraphs)),
    ]
    doc = _doc(DocumentKind.CORRECTION, case, station, worker, issued_at, sections, provisional)
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
        )
    return doc
