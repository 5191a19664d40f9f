"""Whose applications a window may take: an item's 通办范围 against the applicant's 户籍/住所 district, and
the 业务属地 (the district that owns the case) a worker may choose.

The applicant's district is read from an entered 住所 address when it names an area the catalog knows
(its 业务属地 table, with GB/T 2260 codes) or a province, else from the 地区码 (first six digits) of a
居民身份证 / 户口簿 number. Then, with the catalog's district code ``D``:

=================================  ==========================================
通办范围                            the applicant's area code must
=================================  ==========================================
区内通办 (``DISTRICT``)             equal ``D``
全市通办, 跨县通办                   share ``D``'s city (first four digits)
跨市通办                            share ``D``'s province (first two digits)
跨省通办, 全国通办, not stated        anything (not checked)
=================================  ==========================================

Use::

    residence = residence_of(case.applicant, catalog)      # Residence("610114", "address", "阎良区")
    problems = scope_problems(case, catalog)               # [] or sentences for the worker

Hazards: the 地区码 of an ID number is where it was first issued, not where the person lives now; an
address is the better evidence and wins when it names a known area. An address naming nothing the table
knows leaves the ID's 地区码 in force, so the worker is told to check it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from casework import messages
from casework.catalog import Item, Jurisdiction, TongbanScope
from casework.identity import Applicant

__all__ = [
    "LIMITING",
    "PROVINCES",
    "Residence",
    "jurisdiction_problems",
    "residence_of",
    "scope_problem",
    "scope_problems",
]

#: GB/T 2260 province-level codes (first two digits) by the names addresses use.
PROVINCES: dict[str, str] = {
    "北京": "11", "天津": "12", "河北": "13", "山西": "14", "内蒙古": "15", "辽宁": "21", "吉林": "22",
    "黑龙江": "23", "上海": "31", "江苏": "32", "浙江": "33", "安徽": "34", "福建": "35", "江西": "36",
    "山东": "37", "河南": "41", "湖北": "42", "湖南": "43", "广东": "44", "广西": "45", "海南": "46",
    "重庆": "50", "四川": "51", "贵州": "52", "云南": "53", "西藏": "54", "陕西": "61", "甘肃": "62",
    "青海": "63", "宁夏": "64", "新疆": "65", "台湾": "71", "香港": "81", "澳门": "82",
}  # fmt: skip
_RESIDENT_NUMBER_TYPES = frozenset({"111", "112", "113"})
#: the scopes that limit whose applications may be taken
LIMITING = frozenset(
    {TongbanScope.DISTRICT, TongbanScope.CITYWIDE, TongbanScope.CROSS_COUNTY, TongbanScope.CROSS_CITY}
)


@dataclass(frozen=True, slots=True)
class Residence:
    """Where the applicant belongs: a GB/T 2260 code (6 digits, or 2 for a province only, ``""`` unknown),
    where it was read from (``"address"``, ``"id_number"`` or ``""``) and a name for the worker."""

    area_code: str
    source: str
    name: str

    @property
    def known(self) -> bool:
        return bool(self.area_code)


def _areas(catalog: Any) -> list[tuple[str, str]]:
    """(name, code) the catalog knows: its district and its 业务属地 table, longest names first."""
    out: dict[str, str] = {}
    jurisdictions: Iterable[Jurisdiction] = getattr(catalog, "jurisdictions", ())
    for j in jurisdictions:
        if j.area_code:
            out[j.area] = j.area_code
    name, code = str(getattr(catalog, "district_name", "")), str(getattr(catalog, "district_code", ""))
    if name and code:
        out[name] = code
    return sorted(out.items(), key=lambda p: -len(p[0]))


def residence_of(applicant: Applicant, catalog: Any) -> Residence:
    """The applicant's district: from the address when it names a known area or a province, else from the
    地区码 of a resident ID number; unknown otherwise (a passport, an organisation without an address)."""
    address = applicant.address.strip()
    if address:
        # addresses run from large to small (西安市阎良区…): the area named last is the most specific
        found = [
            (address.rfind(name), len(name), name, code) for name, code in _areas(catalog) if name in address
        ]
        if found:
            _, _, name, code = max(found)
            return Residence(code, "address", name)
        for name, code in PROVINCES.items():
            if address.startswith(name):
                return Residence(code, "address", name)
    number = applicant.id_number.strip().upper()
    if applicant.id_type in _RESIDENT_NUMBER_TYPES and len(number) == 18 and number[:6].isdigit():
        code = number[:6]
        name = next((n for n, c in _areas(catalog) if c == code), "")
        if not name:
            name = next((n for n, c in PROVINCES.items() if c == code[:2]), code)
        return Residence(code, "id_number", name)
    return Residence("", "", "")


def _inside(scope: TongbanScope, code: str, district: str) -> bool:
    """Whether an area ``code`` is inside a limiting ``scope`` around ``district``."""
    if scope is TongbanScope.DISTRICT:
        return code == district
    if scope is TongbanScope.CROSS_CITY:
        return code[:2] == district[:2]
    return len(code) >= 4 and code[:4] == district[:4]  # 全市通办, 跨县通办


def scope_problem(item: Item, residence: Residence, catalog: Any) -> str | None:
    """Why ``item`` may not be taken for an applicant living in ``residence`` (its 通办范围), or None."""
    district = str(getattr(catalog, "district_code", ""))
    district_name = str(getattr(catalog, "district_name", "")) or district
    if not district or item.tongban not in LIMITING:
        return None
    assert item.tongban is not None
    params = {"name": item.name, "scope": item.tongban.value, "district": district_name}
    if not residence.known:
        return messages.text("tongban.residence_unknown", params)
    if _inside(item.tongban, residence.area_code, district):
        return None
    where = "tongban.from_address" if residence.source == "address" else "tongban.from_id_number"
    params |= {"where_code": where, "area": residence.name, "area_code": residence.area_code}
    return messages.text("tongban.outside_scope", params)


def scope_problems(case: Any, catalog: Any) -> list[str]:
    """Every item of the case (a 一件事: each of its items) whose 通办范围 excludes the applicant."""
    from casework.acceptance import case_items

    residence = residence_of(case.applicant, catalog)
    found = (scope_problem(it, residence, catalog) for it in case_items(case, catalog))
    return [p for p in found if p]


def jurisdiction_problems(case: Any, catalog: Any) -> list[str]:
    """The case's 业务属地 must be one its item offers (:attr:`Item.jurisdiction_choices`; a 一件事: one of
    its items'); an empty 业务属地 is the item's own and passes."""
    from casework.acceptance import case_items

    chosen = str(case.jurisdiction or "")
    if not chosen:
        return []
    offered = [area for it in case_items(case, catalog) for area in it.jurisdiction_choices]
    if chosen in offered:
        return []
    params = {"area": chosen, "offered": list(dict.fromkeys(offered))}
    return [messages.text("tongban.jurisdiction_not_offered", params)]
