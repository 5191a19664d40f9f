"""Finding cases by the applicant (申请人) although names, 身份证号 and phones are sealed: blind indexes.

The back office and the console look a person up by exact name, ID number or phone; each is turned into
its keyed HMAC (``Vault.blind``) and compared with the indexed column, so the database never holds or
receives the value itself::

    query = query.where(applicant_clause(vault, ApplicantQuery(id_number="11010519491231002x")))
    ApplicantQuery.guess("138 0013 8000")   # one search box: ID number, phone or name by its shape
    token = lookup_token(vault, query)      # "phone:3f…" — safe in a URL (the console pages with it)
    query.where(token_clause(token))

Hazard: exact matches only (after normalisation: spaces, full-width digits, lower-case x); no prefix or
fuzzy search on sealed fields.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_

from district_center.db.models import CaseRecord
from district_center.db.sealing import SealingVault

__all__ = ["ApplicantQuery", "applicant_clause", "lookup_token", "token_clause"]

_ID = re.compile(r"^(\d{15}|\d{17}[\dXx])$")
_PHONE = re.compile(r"^(\+?86)?1\d{10}$")


@dataclass(frozen=True, slots=True)
class ApplicantQuery:
    name: str = ""
    id_number: str = ""
    phone: str = ""

    def __bool__(self) -> bool:
        return bool(self.name or self.id_number or self.phone)

    @classmethod
    def guess(cls, text: str) -> ApplicantQuery:
        """One search box: an ID number or a mobile number by its shape, otherwise a name."""
        compact = "".join(unicodedata.normalize("NFKC", text).split()).replace("-", "")
        if _ID.match(compact):
            return cls(id_number=compact)
        if _PHONE.match(compact):
            return cls(phone=compact)
        return cls(name=text.strip())


def applicant_clause(vault: SealingVault, query: ApplicantQuery) -> ColumnElement[bool]:
    """Cases whose applicant matches every field given in ``query``."""
    parts: list[ColumnElement[bool]] = []
    for column, kind, value in (
        (CaseRecord.applicant_name_bidx, "name", query.name),
        (CaseRecord.applicant_id_bidx, "id_number", query.id_number),
        (CaseRecord.applicant_phone_bidx, "phone", query.phone),
    ):
        if value:
            parts.append(column == (vault.blind(kind, value) or ""))
    return and_(*parts)


_COLUMNS = {
    "name": CaseRecord.applicant_name_bidx,
    "id_number": CaseRecord.applicant_id_bidx,
    "phone": CaseRecord.applicant_phone_bidx,
}


def lookup_token(vault: SealingVault, query: ApplicantQuery) -> str:
    """``kind:blind-index`` of the query's first field: what the console carries in its URLs instead of
    the person's name or number (URLs end up in proxy logs and browser history)."""
    for kind, value in (("id_number", query.id_number), ("phone", query.phone), ("name", query.name)):
        if value:
            return f"{kind}:{vault.blind(kind, value) or ''}"
    return ""


def token_clause(token: str) -> ColumnElement[bool] | None:
    """The filter of a :func:`lookup_token` (None for a malformed token)."""
    kind, _, digest = token.partition(":")
    column = _COLUMNS.get(kind)
    if column is None or not re.fullmatch(r"[0-9a-f]{32}", digest):
        return None
    return column == digest
