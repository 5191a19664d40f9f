"""帮办代办登记 screen model: the search (month, helper kind, 办件编号), the rows worded for the worker and
the xlsx export. Blocking: call from a thread."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from casework import clock
from station_app.i18n import t
from station_app.services.cases import CaseService
from station_app.services.register import RegisterRow, assisted_filings, register_workbook

__all__ = ["KINDS", "RegisterView"]

KINDS = ("", "worker", "agent")
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _header() -> list[str]:
    return [
        t("register.number"),
        t("register.col_filed"),
        t("register.col_item"),
        t("register.kind"),
        t("register.col_helper"),
        t("register.col_helper_id"),
        t("register.col_relation"),
        t("register.col_worker"),
        t("register.col_authority"),
        t("register.col_letter"),
        t("register.col_applicant"),
        t("register.col_status"),
    ]


@dataclass
class RegisterView:
    cases: CaseService
    item_names: dict[str, str] = field(default_factory=dict)
    month: str = ""
    kind: str = ""
    number: str = ""
    rows: list[RegisterRow] = field(default_factory=list)
    error: str = ""

    def search(self, month: str, kind: str, number: str) -> list[RegisterRow]:
        """Run the search; a month not written YYYY-MM keeps the last rows and says how to write it."""
        month, number = month.strip(), number.strip()
        if month and not _MONTH.fullmatch(month):
            self.error = t("register.bad_month")
            return self.rows
        self.error = ""
        self.month, self.kind, self.number = month, kind if kind in KINDS else "", number
        self.rows = assisted_filings(self.cases, month=self.month, kind=self.kind, number=self.number)
        return self.rows

    def cells(self, r: RegisterRow) -> list[str]:
        return [
            r.number,
            r.filed_at,
            self.item_names.get(r.item, r.item),
            t(f"register.kind_{r.kind}"),
            r.helper,
            r.helper_id,
            r.relation,
            r.worker_id,
            t(f"register.authority_{r.authority}"),
            t("register.yes") if r.letter_scanned else "",
            r.applicant,
            r.status,
        ]

    def line(self, r: RegisterRow) -> str:
        return t(
            "register.row",
            number=r.number,
            at=r.filed_at,
            item=self.item_names.get(r.item, r.item),
            kind=t(f"register.kind_{r.kind}"),
            helper=r.helper + (f" {r.worker_id}" if r.worker_id else ""),
            authority=t(f"register.authority_{r.authority}")
            + (f"·{r.relation}" if r.relation and r.kind == "agent" else ""),
            applicant=r.applicant,
        )

    def export(self, *, actor: str) -> tuple[bytes, str]:
        """The rows on screen as xlsx and a file name (帮办代办登记-<today>.xlsx); the export is audited."""
        data = register_workbook(self.rows, _header(), self.cells)
        filters = {"month": self.month, "kind": self.kind, "number": self.number}
        self.cases.audit_export("register", actor=actor, rows=len(self.rows), filters=filters)
        return data, f"{t('register.title')}-{clock.china_today().isoformat()}.xlsx"
