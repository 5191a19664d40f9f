"""The renderer's view of a :class:`casework.documents.CaseDocument`.

``casework.documents`` builds each document as a title, numbers and titled sections (label/value fields,
a table whose first row is the header, paragraphs), and ends with a section named after the station that
holds its address and phone. :class:`DocumentView` splits that closing section off (it becomes the contact
lines of the signature block) and answers the few questions the layouts ask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from casework.documents import CaseDocument, DocumentKind, Section

#: Printed under the promised date when the holiday calendar behind it is not yet published.
PROVISIONAL_NOTE = "注：承诺办结日期为预计日期，以区政务服务中心公布的节假日安排为准。"

#: Field labels that carry the promised date; the provisional note goes under their section.
PROMISE_LABELS = ("承诺办结日期", "办结时限")

#: Sections whose fields sit beside the QR code at the top of the A4 page.
HEAD_SECTION = "申请事项"


def format_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True, slots=True)
class DocumentView:
    doc: CaseDocument
    body: tuple[Section, ...]
    contact: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, doc: CaseDocument) -> DocumentView:
        sections = tuple(doc.sections)
        if sections and sections[-1].title == doc.station and not sections[-1].table:
            return cls(doc, sections[:-1], tuple(sections[-1].fields))
        return cls(doc, sections, ())

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
        out = [d.title, d.number, d.case_number, d.station, d.worker, self.provisional_note]
        for s in d.sections:
            out.append(s.title)
            out += [label + value for label, value in s.fields]
            out += ["".join(row) for row in s.table]
            out += list(s.paragraphs)
        return out

