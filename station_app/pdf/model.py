"""What a printed document shows, flattened for layout.

:class:`PrintDocument` is the renderer's input: every string already in the words printed on paper. The
``casework.documents`` data classes are turned into it by :func:`station_app.pdf.adapt.to_print_document`;
tests and previews may also build one directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class DocumentKind(StrEnum):
    """The four written documents of 受理 (行政许可法 §32; seed 004 attachment 2). Values are the titles."""

    ACCEPTANCE = "受理凭证"
    COLLECTION = "代收件通知书"
    ONE_TIME_NOTICE = "一次性告知书"
    REFUSAL = "不予受理通知书"


PROVISIONAL_NOTE = "（预计日期，以区政务服务中心公布的节假日安排为准）"

DEFAULT_REMEDIES = (
    "申请人如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，"
    "或者自收到本通知书之日起六个月内依法向人民法院提起行政诉讼。"
)


@dataclass(frozen=True, slots=True)
class StationInfo:
    """The issuing station (header and stamp line)."""

    name: str
    address: str = ""
    phone: str = ""
    hours: str = ""


@dataclass(frozen=True, slots=True)
class ApplicantInfo:
    name: str
    id_type: str = "居民身份证"
    id_number_masked: str = ""
    phone_masked: str = ""
    agent: str = ""  # 代理人 / 帮办代办 line, already masked


@dataclass(frozen=True, slots=True)
class ReceivedMaterial:
    """A material the window took in, and how the requirement was satisfied."""

    name: str
    originals: int = 0
    copies: int = 0
    how: str = "已核验原件"  # 已核验原件 / 容缺后补 / 告知承诺 / 数据共享 …
    due: dt.date | None = None  # 容缺后补 due date
    note: str = ""

    @property
    def how_text(self) -> str:
        text = self.how
        if self.due is not None:
            text += f"（{format_date(self.due)}前补交）"
        if self.note:
            text += f"；{self.note}"
        return text


@dataclass(frozen=True, slots=True)
class MissingMaterial:
    """Something missing, with why and how to supply it (一次性告知)."""

    name: str
    reason: str = ""
    how_to_supply: str = ""
    originals: int = 0
    copies: int = 0


@dataclass(frozen=True, slots=True)
class Section:
    """A headed block of body text; each line is one paragraph."""

    heading: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CollectionRouting:
    """代收件通知书 specifics: who receives the case and where the result comes back (seed 004 §四–五)."""

    jurisdiction: str  # 业务属地, e.g. 雁塔区
    window: str  # the jurisdiction's 通办 window location
    window_phone: str = ""
    result_pickup: str = ""  # where / how the applicant gets the result
    clock_note: str = "办理时限自业务属地通办窗口收到申请材料之日起计算。"


@dataclass(frozen=True, slots=True)
class PrintDocument:
    kind: DocumentKind
    document_number: str  # 文书编号
    case_number: str  # 办件编号 (also the QR payload)
    station: StationInfo
    applicant: ApplicantInfo
    items: tuple[str, ...]  # 事项名称; one per item of a 一件事 bundle
    issued_on: dt.date
    worker: str  # 受理人 / 经办人
    bundle_name: str = ""  # 一件事 name when ``items`` come from a bundle
    received: tuple[ReceivedMaterial, ...] = ()
    missing: tuple[MissingMaterial, ...] = ()
    promised_date: dt.date | None = None  # 承诺办结日期
    promised_provisional: bool = False
    promised_text: str = ""  # e.g. "5个工作日"; printed beside the date
    reason: str = ""  # 不予受理 reason
    remedies: str = ""  # 不予受理 remedies; DEFAULT_REMEDIES when empty
    routing: CollectionRouting | None = None
    sections: tuple[Section, ...] = ()  # extra body text from casework.documents
    contact_phone: str = ""  # 咨询电话; the station phone when empty
    extra: dict[str, str] = field(default_factory=dict)  # further labelled lines (label -> value)

    @property
    def title(self) -> str:
        return self.kind.value

    @property
    def phone(self) -> str:
        return self.contact_phone or self.station.phone

    @property
    def remedies_text(self) -> str:
        return self.remedies or DEFAULT_REMEDIES

    @property
    def promised_line(self) -> str:
        if self.promised_date is None:
            return ""
        text = format_date(self.promised_date)
        if self.promised_text:
            text += f"（承诺时限{self.promised_text}）"
        return text

    def all_text(self) -> list[str]:
        """Every string the document may print (drives the per-document font subset)."""
        out = [
            self.title,
            self.document_number,
            self.case_number,
            self.station.name,
            self.station.address,
            self.station.phone,
            self.station.hours,
            self.applicant.name,
            self.applicant.id_type,
            self.applicant.id_number_masked,
            self.applicant.phone_masked,
            self.applicant.agent,
            self.bundle_name,
            self.worker,
            self.promised_line,
            self.reason,
            self.remedies_text,
            self.contact_phone,
            *self.items,
            *(m.name + m.how_text for m in self.received),
            *(m.name + m.reason + m.how_to_supply for m in self.missing),
            *(s.heading + "".join(s.lines) for s in self.sections),
            *(k + v for k, v in self.extra.items()),
        ]
        if self.routing is not None:
            r = self.routing
            out += [r.jurisdiction, r.window, r.window_phone, r.result_pickup, r.clock_note]
        return out


def format_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
