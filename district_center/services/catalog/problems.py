"""What a catalog import reports: problems on cells, each with a stable code, its parameters and a fix.

A :class:`CellError` is data, not an exception: the import collects every problem of a workbook and the
console, the CLI and the API show them all at once. Its words come from the message catalogs
(``casework/data/messages/<lang>.json``): ``message`` is the text of ``code``, ``fix`` the text of
``code + ".fix"`` when the catalog has one (how to fix it, for the district administrator)::

    e = CellError("附件1", 7, "承诺时限", "catalog_import.bad_limit", {"value": "三天"}, letter="F")
    str(e)        # '附件1 第7行 F列“承诺时限”：时限应为天数…'
    e.fix         # '填写阿拉伯数字天数，如“5”或“5个工作日”；即办件填“0”或“即办”'

``severity`` is ``error`` (nothing is staged while one is left), ``warning`` (imported, but look at it) or
``info`` (what the reader did: a skipped title row, a column kept as a note).

:class:`ImportRefused` is the one exception of the import: a whole file refused (password, zip bomb, not a
workbook). It is caught where the file is read and becomes one :class:`CellError` on the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from casework.errors import DomainError
from casework.messages import has, text

__all__ = ["MAX_PROBLEMS", "CellError", "ImportRefused", "Problems", "Severity"]

Severity = Literal["error", "warning", "info"]

#: Stop collecting problems of one severity after this many; the console cannot show more anyway.
MAX_PROBLEMS = 500


class ImportRefused(DomainError):
    """A file or sheet refused as a whole (``catalog_import.*``); caught by the reader."""

    code = "catalog_import.unreadable"


@dataclass(frozen=True, slots=True)
class CellError:
    """One problem at one cell. ``row`` is the spreadsheet row (1-based; 0 = the whole sheet or file),
    ``column`` the column's header as the sheet prints it ("" = the whole row), ``letter`` its column
    letter ("" when the column is missing or the problem is about the row)."""

    sheet: str
    row: int
    column: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    letter: str = ""
    severity: Severity = "error"

    @property
    def message(self) -> str:
        return text(self.code, self.params)

    @property
    def fix(self) -> str:
        return text(self.code + ".fix", self.params) if has(self.code + ".fix") else ""

    def where(self) -> str:
        """``附件1 第7行 F列“承诺时限”`` — the place, in the words of the sheet."""
        out = self.sheet
        if self.row:
            out += f" 第{self.row}行"
        if self.letter:
            out += f" {self.letter}列"
        if self.column:
            out += f"“{self.column}”"
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "letter": self.letter,
            "code": self.code,
            "params": dict(self.params),
            "severity": self.severity,
            "message": self.message,
            "fix": self.fix,
        }

    def __str__(self) -> str:
        where = self.where()
        return f"{where}：{self.message}" if where else self.message


class Problems:
    """The problems of one import, in the order found; at most :data:`MAX_PROBLEMS` of each severity."""

    def __init__(self) -> None:
        self.items: list[CellError] = []
        self._counts: dict[str, int] = {"error": 0, "warning": 0, "info": 0}

    def add(
        self,
        sheet: str,
        row: int,
        column: str,
        code: str,
        *,
        letter: str = "",
        severity: Severity = "error",
        **params: Any,
    ) -> None:
        self.put(CellError(sheet, row, column, code, params, letter, severity))

    def put(self, problem: CellError) -> None:
        self._counts[problem.severity] += 1
        if self._counts[problem.severity] <= MAX_PROBLEMS:
            self.items.append(problem)

    @property
    def errors(self) -> tuple[CellError, ...]:
        return tuple(p for p in self.items if p.severity == "error")

    @property
    def notices(self) -> tuple[CellError, ...]:
        return tuple(p for p in self.items if p.severity != "error")

    def has_errors(self) -> bool:
        return self._counts["error"] > 0

    def count(self, severity: Severity) -> int:
        """How many were found, including those past the collection limit."""
        return self._counts[severity]
