"""The renderer's view of a :class:`casework.documents.CaseDocument`.

``casework.documents`` builds each document as a title, numbers and titled sections (label/value fields,
a table whose first row is the header, paragraphs), and ends with a section named after the station that
holds its address and phone. :class:`DocumentView` splits that closing section off (it becomes the contact
lines of the signature block) and answers the few questions the layouts ask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from casework.documents import CaseDocument, DocumentKind, Section

from .fonts import printable_codepoints

#: Printed under the promised date when the holiday calendar behind it is not yet published.
PROVISIONAL_NOTE = "注：承诺办结日期为预计日期，以区政务服务中心公布的节假日安排为准。"

#: Field labels that carry the promised date; the provisional note goes under their section.
PROMISE_LABELS = ("承诺办结日期", "办结时限")

#: Sections whose fields sit beside the QR code at the top of the A4 page.
HEAD_SECTION = "申请事项"


#: Printed in place of a character no bundled font can draw (some rare 生僻字), instead of dropping it.
MISSING_MARK = "□"


def _without_unprintable(doc: CaseDocument) -> tuple[CaseDocument, list[str]]:
    """``doc`` with every character the fonts lack replaced by :data:`MISSING_MARK`, and those characters."""
    printable = printable_codepoints()
    seen: dict[str, None] = {}

    def clean(text: str) -> str:
        if all(ord(ch) in printable or ch in "\n\t" for ch in text):
            return text
        out = []
        for ch in text:
            if ord(ch) in printable or ch in "\n\t":
                out.append(ch)
            else:
                seen.setdefault(ch)
                out.append(MISSING_MARK)
        return "".join(out)

    sections = tuple(
        replace(
            s,
            title=clean(s.title),
            fields=tuple((clean(k), clean(v)) for k, v in s.fields),
            table=tuple(tuple(clean(c) for c in row) for row in s.table),
            paragraphs=tuple(clean(p) for p in s.paragraphs),
        )
        for s in doc.sections
    )
    cleaned = replace(doc, station=clean(doc.station), worker=clean(doc.worker), sections=sections)
    if not seen:
        return doc, []
    return cleaned, list(seen)


def format_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True, slots=True)
class DocumentView:
    doc: CaseDocument
    body: tuple[Section, ...]
    contact: tuple[tuple[str, str], ...]

    missing_note: str = ""  # set when characters had to be replaced by MISSING_MARK

    @classmethod
    def of(cls, doc: CaseDocument) -> DocumentView:
        doc, missing = _without_unprintable(doc)
        note = ""
        if missing:
            codes = "、".join(f"U+{ord(ch):04X}" for ch in missing)
            note = f"注：“{MISSING_MARK}”处为字库未收录的字（{codes}），请核对后手写补正。"
        sections = tuple(doc.sections)
        if sections and sections[-1].title == doc.station and not sections[-1].table:
            return cls(doc, sections[:-1], tuple(sections[-1].fields), note)
        return cls(doc, sections, (), note)

    @property
    def title(self) -> str:
        return self.doc.title

    @property
    def worker_label(self) -> str:
        """受理人 on documents of an accepted or collected case, 经办人 on notices."""
        if self.doc.kind in (DocumentKind.RECEIPT, DocumentKind.COLLECTION_NOTICE):
            return "受理人"
        return "经办人"

    @property
    def applicant_name(self) -> str:
        for section in self.body:
            for label, value in section.fields:
                if label == "申请人":
                    return value
        return ""

    @property
    def head_fields(self) -> tuple[tuple[str, str], ...]:
        """办件编号 and the 申请事项 fields: the block beside the QR code."""
        rows: list[tuple[str, str]] = [("办件编号", self.doc.case_number)]
        for section in self.body:
            if section.title == HEAD_SECTION:
                rows += section.fields
        return tuple(rows)

    @property
    def provisional_note(self) -> str:
        """The note printed under the promised date when it is provisional, else ``""``."""
        if not self.doc.provisional_date:
            return ""
        return PROVISIONAL_NOTE

    def all_text(self) -> list[str]:
        """Every string the document prints (drives the per-document font subset)."""
        d = self.doc
        out = [
            d.title,
            d.number,
            d.case_number,
            d.station,
            d.worker,
            self.provisional_note,
            self.missing_note,
        ]
        for s in d.sections:
            out.append(s.title)
            out += [label + value for label, value in s.fields]
            out += ["".join(row) for row in s.table]
            out += list(s.paragraphs)
        return out
