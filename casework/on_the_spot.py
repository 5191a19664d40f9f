"""当场办结 (done on the spot): a station decides an item itself, in the resident's one visit.

The catalog flags the items a station may decide (``Item.on_the_spot``, with the result type: a 证明, a
办结回执 or a card with its 办结通知书). For such an item the worker accepts (``casework.acceptance.accept``),
decides and hands over at the window; the case never waits for the back office::

    accept(case, catalog, calendar, actor="worker:02", at=now)
    decide_on_the_spot(case, catalog, actor="worker:02", at=now)          # accepted → approved
    doc = on_the_spot_result(case, catalog, station=info, worker="王芳", issued_at=now)   # the 证明
    sha = store_the_rendered_pdf(doc)
    issue_on_the_spot(case, catalog, documents=(sha,), issued_by=info.name, actor="worker:02", at=now)
    # then 送达 at the window as for any result (``handed_over``)

The decision is the move of :data:`casework.cases.ON_THE_SPOT`, recorded on the station side; the district
center accepts a case carrying it only for a flagged item.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence

from casework.acceptance import CatalogLike
from casework.cases import Case, CaseError, CaseResult, CaseStatus, Side
from casework.catalog import Item, SpotResult

__all__ = ["SPOT_REASON", "decide_on_the_spot", "issue_on_the_spot", "on_the_spot_item", "spot_result"]

#: The reason written on the station's decision (the timeline and the department's view show it).
SPOT_REASON = "当场办结：材料齐全、符合法定形式，准予办理"


def on_the_spot_item(case: Case, catalog: CatalogLike) -> Item | None:
    """The case's item when the catalog flags it 当场办结; None otherwise (bundles are never decided at a
    station: each item goes to its department)."""
    if case.item_code is None:
        return None
    try:
        item = catalog.item(case.item_code)
    except KeyError:
        return None
    return item if item.on_the_spot is not None else None


def spot_result(item: Item) -> SpotResult:
    """The result type the catalog gives a flagged item."""
    if item.on_the_spot is None:
        raise CaseError("case.on_the_spot.not_flagged", name=item.name)
    return item.on_the_spot


def decide_on_the_spot(case: Case, catalog: CatalogLike, *, actor: str, at: dt.datetime) -> None:
    """准予办理 at the window: ``accepted → approved`` on the station side. Raises :class:`CaseError`
    (``case.on_the_spot.not_flagged``) for an item the catalog does not flag, and the case rules' errors
    (``case.deferred_outstanding`` while a 容缺 material is owed: the resident must bring it first)."""
    item = on_the_spot_item(case, catalog)
    if item is None:
        name = case.item_code or case.bundle_code or ""
        if case.item_code is not None:
            with contextlib.suppress(KeyError):
                name = catalog.item(case.item_code).name
        raise CaseError("case.on_the_spot.not_flagged", name=name)
    case.transition(
        CaseStatus.APPROVED, actor=actor, at=at, reason=SPOT_REASON, side=Side.STATION, on_the_spot=True
    )


def issue_on_the_spot(
    case: Case,
    catalog: CatalogLike,
    *,
    documents: Sequence[str],
    issued_by: str,
    actor: str,
    at: dt.datetime,
) -> CaseResult:
    """The result of a case decided on the spot: the document the station printed (``documents``: the
    sha256 of the stored PDF) becomes the case's result, and the case is ready to hand over
    (``result_ready``). Raises :class:`CaseError` (``case.on_the_spot.not_decided``) unless the station
    decided it (:func:`decide_on_the_spot`)."""
    if case.status is not CaseStatus.APPROVED or not case.decided_on_the_spot:
        raise CaseError("case.on_the_spot.not_decided", number=case.number)
    item = on_the_spot_item(case, catalog)
    if item is None:
        raise CaseError("case.on_the_spot.not_flagged", name=case.item_code or "")
    result = CaseResult(
        name=item.result_name or item.name,
        number=case.number,
        documents=tuple(dict.fromkeys(documents)),
        issued_by=issued_by,
    )
    case.set_result(result, at=at)
    case.transition(CaseStatus.RESULT_READY, actor=actor, at=at, side=Side.STATION)
    return result
