"""The renderer's view of a :class:`casework.documents.CaseDocument`.

``casework.documents`` builds each document as a title, numbers and titled sections (label/value fields,
a table whose first row is the header, paragraphs), and ends with a section named after the station that
holds its address and phone. :class:`DocumentView` splits that closing section off (it becomes the contact
lines of the signature block) and answers the few questions the layouts ask.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from casework import messages
from casework.documents import CaseDocument, DocumentKind, Section

from .fonts import printable_codepoints

#: Printed under the promised date when the holiday calendar behind it is not yet published (in Chinese;
#: a document in another language prints ``doc.pdf.provisional_note`` in its own).
PROVISIONAL_NOTE = messages.text("doc.pdf.provisional_note", {}, "zh_CN")

#: Field labels (message codes) that carry the promised date; the provisional note goes under their section.
PROMISE_LABELS = ("doc.field.promised_date", "doc.field.time_limit")

#: The section (message code of its title) whose fields sit beside the QR code at the top of the A4 page.
HEAD_SECTION = "doc.section.items"


#: Printed in place of a character no bundled font can draw (some rare 生僻字), instead of dropping it.
MISSING_MARK = "□"


#: Words the layouts print besides the document's own (their glyphs go into the font subset).
_RENDERER_WORDS = (
    "doc.label.document_number",
    "doc.label.case_number",
    "doc.label.worker",
    "doc.label.receiver",
    "doc.field.phone",
    "doc.pdf.page",
    "doc.pdf.page_end",
    "doc.pdf.scan_to_check",
    "doc.pdf.scan_to_follow",
    "doc.pdf.no_body",
    "doc.pdf.signed_by_applicant",
    "doc.pdf.stamp",
    "doc.pdf.stamp_short",
    "doc.pdf.date",
    "doc.labelled",
)


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


def format_date(day: dt.date, language: str = "zh_CN") -> str:
    """2026年12月1日, or 2026-12-01 in English."""
    if language == "zh_CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return day.isoformat()


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
            codes = [f"U+{ord(ch):04X}" for ch in missing]
            note = doc.word("doc.pdf.missing_note", mark=MISSING_MARK, codes=codes)
        sections = tuple(doc.sections)
        if sections and sections[-1].title == doc.station and not sections[-1].table:
            return cls(doc, sections[:-1], tuple(sections[-1].fields), note)
        return cls(doc, sections, (), note)

    @property
    def title(self) -> str:
        return self.doc.title

    def word(self, code: str, **params: object) -> str:
        """One of the renderer's words (``doc.*``), in the document's language."""
        return self.doc.word(code, **params)

    @property
    def language(self) -> str:
        return self.doc.language

    @property
    def worker_label(self) -> str:
        """受理人 on documents of an accepted or collected case, 经办人 on notices."""
        if self.doc.kind in (DocumentKind.RECEIPT, DocumentKind.COLLECTION_NOTICE):
            return self.word("doc.label.receiver")
        return self.word("doc.label.worker")

    @property
    def applicant_name(self) -> str:
        applicant = self.word("doc.field.applicant")
        for section in self.body:
            for label, value in section.fields:
                if label == applicant:
                    return value
        return ""

    @property
    def head_section(self) -> str:
        """The title of the 申请事项 section, whose fields sit beside the QR code."""
        return self.word(HEAD_SECTION)

    def carries_promise(self, section: Section) -> bool:
        """Whether ``section`` shows the promised date (the provisional note goes under it)."""
        labels = {self.word(code) for code in PROMISE_LABELS}
        return any(label in labels for label, _ in section.fields)

    @property
    def head_fields(self) -> tuple[tuple[str, str], ...]:
        """办件编号 and the 申请事项 fields: the block beside the QR code."""
        rows: list[tuple[str, str]] = [(self.word("doc.label.case_number"), self.doc.case_number)]
        for section in self.body:
            if section.title == self.head_section:
                rows += section.fields
        return tuple(rows)

    @property
    def provisional_note(self) -> str:
        """The note printed under the promised date when it is provisional, else ``""``."""
        if not self.doc.provisional_date:
            return ""
        return self.word("doc.pdf.provisional_note")

    def contact_label(self, label: str) -> str:
        """The station's 电话 reads 联系电话 in the signature block."""
        return self.word("doc.field.phone") if label == self.word("doc.field.contact_phone") else label

    def labelled(self, label: str, value: str) -> str:
        return self.word("doc.labelled", label=label, value=value)

    def all_text(self) -> list[str]:
        """Every string the document prints (drives the per-document font subset)."""
        d = self.doc
        out = [
            d.title,
            *(self.word(code) for code in _RENDERER_WORDS),
            self.word("doc.pdf.continued", title=d.title),
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
