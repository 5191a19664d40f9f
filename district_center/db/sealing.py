"""How personal data is stored in the center's rows: case documents sealed, blind indexes beside them.

A case row keeps its document only sealed (``cases.sealed``, :class:`~district_center.services.vault.Vault`
AES-256-GCM bound to the case id) plus three blind indexes of the applicant (``applicant_name_bidx``,
``applicant_id_bidx``, ``applicant_phone_bidx``) for the back office's lookups. A ``routed_in`` feed
event's case copy is sealed the same way (payload key ``sealed_case``). Rows written before migration 0007
hold the plaintext in ``cases.document`` until :func:`seal_legacy_rows` (run at start-up) seals them.

The vault reaches ORM code through the session: ``Database`` puts it in ``Session.info["vault"]``, and
``CaseRecord.document`` opens (and caches) the document through it. Core code passes it explicitly::

    columns = document_columns(vault, case_id, doc)   # {"sealed": …, "document": None, "*_bidx": …}
    doc = open_document(vault, case_id, row.sealed, row.document)
"""

from __future__ import annotations

import base64
from typing import Any, Protocol, cast

from sqlalchemy.orm import Session

__all__ = [
    "BLIND_COLUMNS",
    "SealingVault",
    "document_columns",
    "open_document",
    "open_payload",
    "seal_payload",
    "vault_of",
]

#: blind-index column -> (vault kind, applicant field)
BLIND_COLUMNS = {
    "applicant_name_bidx": ("name", "name"),
    "applicant_id_bidx": ("id_number", "id_number"),
    "applicant_phone_bidx": ("phone", "phone"),
}


class SealingVault(Protocol):
    def seal(self, data: bytes, *, context: bytes) -> bytes: ...

    def seal_json(self, value: Any, *, context: bytes) -> bytes: ...

    def open_json(self, sealed: bytes, *, context: bytes) -> Any: ...

    def blind(self, kind: str, value: str | None) -> str | None: ...


class NoVault(RuntimeError):
    """A session without a vault touched a sealed row (open the database through ``open_center``)."""


def vault_of(session: Session | None) -> SealingVault:
    vault = None if session is None else session.info.get("vault")
    if vault is None:
        raise NoVault("this database session has no vault; sealed case documents cannot be opened")
    return cast(SealingVault, vault)  # session.info is an untyped dict; open_center puts the vault there


def _context(case_id: str) -> bytes:
    return b"case:" + case_id.encode("utf-8")


def blind_indexes(vault: SealingVault, doc: dict[str, Any]) -> dict[str, str | None]:
    applicant = doc.get("applicant")
    applicant = applicant if isinstance(applicant, dict) else {}
    return {
        column: vault.blind(kind, value if isinstance(value := applicant.get(field), str) else None)
        for column, (kind, field) in BLIND_COLUMNS.items()
    }


def document_columns(
    vault: SealingVault, case_id: str, doc: dict[str, Any], *, raw: bytes | None = None
) -> dict[str, Any]:
    """The column values that store ``doc`` for case ``case_id``; ``raw``: ``doc`` already encoded as JSON
    (ingest has its canonical bytes), sealed as is."""
    if raw is not None:
        sealed = vault.seal(raw, context=_context(case_id))
        return {"sealed": sealed, "document": None, **blind_indexes(vault, doc)}
    return {
        "sealed": vault.seal_json(doc, context=_context(case_id)),
        "document": None,
        **blind_indexes(vault, doc),
    }


def open_document(
    vault: SealingVault | None, case_id: str, sealed: bytes | None, plain: dict[str, Any] | None
) -> dict[str, Any]:
    if sealed is None:
        return dict(plain or {})  # a row from before migration 0007, not sealed yet
    if vault is None:
        raise NoVault("this database session has no vault; sealed case documents cannot be opened")
    doc: dict[str, Any] = vault.open_json(sealed, context=_context(case_id))
    return doc


def seal_payload(vault: SealingVault, case_id: str | None, payload: dict[str, Any]) -> dict[str, Any]:
    """A feed payload with its case copy (``routed_in``) sealed."""
    case = payload.get("case")
    if not isinstance(case, dict) or case_id is None:
        return payload
    sealed = vault.seal_json(case, context=b"feed-" + _context(case_id))
    rest = {k: v for k, v in payload.items() if k != "case"}
    return {**rest, "sealed_case": base64.b64encode(sealed).decode("ascii")}


def open_payload(vault: SealingVault | None, case_id: str | None, payload: dict[str, Any]) -> dict[str, Any]:
    sealed = payload.get("sealed_case")
    if not isinstance(sealed, str) or case_id is None:
        return payload
    if vault is None:
        raise NoVault("this database session has no vault; sealed feed payloads cannot be opened")
    case = vault.open_json(base64.b64decode(sealed), context=b"feed-" + _context(case_id))
    rest = {k: v for k, v in payload.items() if k != "sealed_case"}
    return {**rest, "case": case}
