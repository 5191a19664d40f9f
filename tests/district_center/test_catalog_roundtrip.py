"""Export → import gives the same catalog, for generated catalogs (hypothesis), via the tolerant reader."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.catalog import (
    DEFAULT_ITEM_TYPES,
    Catalog,
    LifeEvent,
    MaterialForm,
    MaterialSource,
    MaterialType,
    Necessity,
    ServiceObject,
    TongbanScope,
)
from district_center.services.catalog.importing import import_files
from district_center.services.catalog.sheets import export_xlsx

CODE = "0123456789ABCDEFGHJKLMNPQRTUWXYZ"
CREDIT = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Text as districts type it: CJK, ASCII, full-width letters and punctuation, formula-like prefixes.
CHARS = st.sampled_from(
    list("民政局社区服务事项名称办理申请证明登记（）【】：；、ＡＢ１２abcXYZ0189-=+@#&/ 　.,")
)


def _text(min_size: int = 0, max_size: int = 12) -> st.SearchStrategy[str]:
    return (
        st.text(CHARS, min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(lambda s: len(s) >= min_size)
    )


def _code(n: int) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(CODE), min_size=n, max_size=n)


def _limit(amount: st.SearchStrategy[int]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({"amount": amount, "unit": st.sampled_from(["工作日", "自然日"])})


@st.composite
def _material(draw: st.DrawFn, commitment: bool) -> dict[str, Any]:
    name = draw(_text(1))
    allowed = commitment and draw(st.booleans())
    return {
        "code": "M" + str(abs(hash(name)) % 10**6),
        "name": name,
        "material_type": draw(st.sampled_from([e.value for e in MaterialType])),
        "source": draw(st.sampled_from([e.value for e in MaterialSource])),
        "form": draw(st.sampled_from([e.value for e in MaterialForm])),
        "originals": draw(st.integers(0, 3)),
        "copies": draw(st.integers(0, 3)),
        "necessity": draw(st.sampled_from([e.value for e in Necessity])),
        "commitment_allowed": allowed,
        "commitment_text": draw(_text(1)) if allowed else "",
        "blank_form": draw(_text()),
        "sample_form": draw(_text()),
        "acceptance_standard": draw(_text()),
        "shared_data": draw(st.booleans()),
        "note": draw(_text()),
    }


@st.composite
def _item(draw: st.DrawFn, code: str, types: list[str], areas: list[str]) -> dict[str, Any]:
    immediate = draw(st.booleans())
    promised = {"amount": 0, "unit": "工作日"} if immediate else draw(_limit(st.integers(1, 60)))
    legal = draw(st.none() | _limit(st.integers(60, 90)))
    charged = draw(st.booleans())
    cancelled = draw(st.integers(0, 5)) == 0
    commitment = draw(st.booleans())
    materials = draw(st.lists(_material(commitment), max_size=3, unique_by=lambda m: m["code"]))
    return {
        "code": code,
        "basic_code": draw(_code(12)),
        "name": draw(_text(1)),
        "item_type": draw(st.sampled_from(types)),
        "department": draw(_text(1, 8)),
        "department_credit_code": draw(st.text(st.sampled_from(CREDIT), min_size=18, max_size=18)),
        "level": draw(st.integers(1, 6)),
        "jurisdiction": draw(st.sampled_from(areas)) if areas else draw(_text()),
        "legal_limit": legal,
        "promised_limit": promised,
        "case_kind": "即办件" if immediate else "承诺件",
        "basis": draw(st.lists(_text(1), max_size=2)),
        "conditions": draw(st.lists(_text(1), max_size=2)),
        "process": draw(
            st.lists(st.fixed_dictionaries({"name": _text(1), "description": _text()}), max_size=2)
        ),
        "materials": materials,
        "visits": draw(st.integers(0, 3)),
        "charged": charged,
        "fee_basis": draw(_text(1)) if charged else "",
        "place": draw(_text()),
        "hours": draw(_text()),
        "consult_phone": draw(_text()),
        "supervise_phone": draw(_text()),
        "tongban": draw(st.none() | st.sampled_from([e.value for e in TongbanScope])),
        "service_objects": draw(
            st.lists(st.sampled_from([e.value for e in ServiceObject]), min_size=1, max_size=2, unique=True)
        ),
        "result_name": draw(_text()),
        "life_events": draw(st.lists(st.sampled_from([e.value for e in LifeEvent]), max_size=2, unique=True)),
        "station_acceptable": draw(st.booleans()),
        "commitment_offered": commitment,
        "status": "cancelled" if cancelled else "active",
        "effective_from": draw(st.none() | st.just("2025-01-01")),
        "effective_to": "2026-02-01" if cancelled else None,
        "sample": draw(st.booleans()),
        "note": draw(_text()),
    }


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    type_codes = draw(st.lists(st.sampled_from(sorted(DEFAULT_ITEM_TYPES)), min_size=1, unique=True))
    types = {c: DEFAULT_ITEM_TYPES[c] for c in type_codes}
    areas = draw(st.lists(_text(1, 6), max_size=3, unique=True))
    jurisdictions = [
        {
            "area": a,
            "area_code": draw(st.sampled_from(["", "610102"])),
            "phone": "",
            "window": draw(_text()),
            "seq": i,
        }
        for i, a in enumerate(areas)
    ]
    codes = draw(st.lists(_code(33), min_size=1, max_size=5, unique=True))
    items = [draw(_item(c, type_codes, areas)) for c in codes]
    names: dict[str, str] = {}
    for it in items:  # one material code, one name across items
        for m in it["materials"]:
            m["name"] = names.setdefault(m["code"], m["name"])
    active = [it["code"] for it in items if it["status"] == "active"]
    bundles = []
    if len(active) >= 2:
        bundles.append(
            {
                "code": "B-" + draw(_code(4)),
                "name": draw(_text(1)),
                "item_codes": active[:2],
                "life_events": [],
                "description": draw(_text()),
                "promised_limit": draw(st.none() | _limit(st.integers(1, 30))),
                "status": "active",
                "sample": draw(st.booleans()),
            }
        )
    doc = {
        "version": draw(st.integers(1, 50)),
        "district_code": "610102",
        "district_name": "新城区",
        "issued_at": "2026-03-01T08:00:00Z",
        "item_types": types,
        "jurisdictions": jurisdictions,
        "items": items,
        "bundles": bundles,
    }
    catalog = Catalog.from_dict(doc)
    catalog.validate()
    return catalog


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogs())
def test_export_then_import_gives_the_same_catalog(catalog: Catalog) -> None:
    result = import_files([("导出.xlsx", export_xlsx(catalog))], base=None, district=("", ""))
    assert result.errors == (), [str(e) for e in result.errors]
    assert result.catalog == catalog
    assert result.filled == ()  # nothing generated for a complete catalog
