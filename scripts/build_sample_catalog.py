#!/usr/bin/env python3
"""Build ``casework/data/sample-catalog.json`` from the real CSVs and the hand-written community items.

Usage::

    .venv/bin/python scripts/build_sample_catalog.py          # (re)write the committed sample catalog
    .venv/bin/python scripts/build_sample_catalog.py --check  # exit 1 if the committed file is stale

Sources:

* ``casework/data/xian-city-hall-items-2020.csv`` — the 72 Xi'an city-hall items of seed 000 (name,
  department and 事项类型 are real). The guide details added here (limits, place, materials) are SAMPLE
  data, so these items carry ``sample: true``.
* ``casework/data/xian-tongban-windows-2023.csv`` — the 22 全市通办 windows of seed 004 → ``jurisdictions``.
* ``scripts/sample_catalog_data.py`` — community items and 一件事 bundles, all sample data.

Codes are synthetic but well-formed: each department gets a 统一社会信用代码 with a valid GB 32100 check
character (``11`` + area code + 9 characters derived from the department name); 基本编码 is
``type(2) + department no.(3) + item no.(4) + 000``; 实施编码 is ``credit code(18) + 基本编码(12) + 000``,
the usual 33-character layout.

:func:`synthetic_catalog` builds a large random-but-plausible catalog for benchmarks; it is not shipped.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import sample_catalog_data as community  # noqa: E402

from casework import clock  # noqa: E402
from casework.catalog import DEFAULT_ITEM_TYPES, Catalog, item_type_code  # noqa: E402
from casework.identity import USCC_ALPHABET, uscc_check_char  # noqa: E402
from casework.synonyms import DEFAULT_SYNONYMS  # noqa: E402

CITY_CSV = ROOT / "casework" / "data" / "xian-city-hall-items-2020.csv"
WINDOWS_CSV = ROOT / "casework" / "data" / "xian-tongban-windows-2023.csv"
OUTPUT = ROOT / "casework" / "data" / "sample-catalog.json"

CATALOG_VERSION = 1
ISSUED_AT = "2023-07-01T00:00:00Z"

# GB/T 2260 codes of Xi'an and its districts/counties; the 开发区 in the windows list have none.
AREA_CODES = {
    "西安市": "610100",
    "新城区": "610102",
    "碑林区": "610103",
    "莲湖区": "610104",
    "灞桥区": "610111",
    "未央区": "610112",
    "雁塔区": "610113",
    "阎良区": "610114",
    "临潼区": "610115",
    "长安区": "610116",
    "高陵区": "610117",
    "鄠邑区": "610118",
    "蓝田县": "610122",
    "周至县": "610124",
}

CITY_PLACE = "西安市政务服务中心;全市各级政务服务中心“全市通办”综合窗口可代收"
CITY_HOURS = "周一至周五 上午9:00-12:00,下午13:00-17:00(法定节假日除外)"

# Sample guide details per 事项类型 for the city items: (legal, promised) working days.
CITY_LIMITS: dict[str, tuple[int | None, int]] = {
    "01": (20, 10),
    "04": (None, 5),
    "05": (None, 10),
    "07": (20, 10),
    "08": (None, 20),
    "09": (60, 30),
    "10": (None, 15),
    "20": (None, 5),
}

# Keyword → life events for the city items (only where the link is obvious).
CITY_LIFE_EVENTS: list[tuple[str, list[str]]] = [
    ("最低生活保障", ["社会救助"]),
    ("孤儿", ["社会救助"]),
    ("养老", ["退休"]),
    ("收养", ["婚育"]),
    ("教师资格", ["就业"]),
    ("保安员", ["就业"]),
    ("法律职业资格", ["就业"]),
    ("工伤", ["就业", "社会保障"]),
    ("设立", ["设立"]),
    ("年审", ["经营"]),
    ("零售业务", ["经营"]),
    ("广告发布", ["经营"]),
    ("运输许可", ["经营"]),
    ("对外劳务合作", ["经营"]),
]


def credit_code(department: str, area_code: str) -> str:
    """A synthetic, check-valid 统一社会信用代码 for a government organ (登记管理部门 1, 机关 1)."""
    digest = hashlib.sha256(department.encode("utf-8")).digest()
    body = "".join(USCC_ALPHABET[b % 10] for b in digest[:9])  # digits only, like most organ codes
    first17 = "11" + area_code + body
    return first17 + uscc_check_char(first17)


def _limit(amount: int | None) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount, "unit": "工作日"}


def _material(code: str, name: str, **kw: Any) -> dict[str, Any]:
    base = {
        "code": code,
        "name": name,
        "material_type": "证件证书证明",
        "source": "申请人自备",
        "form": "纸质",
        "originals": 1,
        "copies": 0,
        "necessity": "必要",
        "commitment_allowed": False,
        "commitment_text": "",
        "blank_form": "",
        "sample_form": "",
        "acceptance_standard": "",
        "shared_data": False,
        "note": "",
    }
    base.update(kw)
    return base


def city_items(dept_numbers: dict[str, int]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    with CITY_CSV.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            seq = int(row["seq"])
            name, dept = row["name"].strip(), row["department"].strip()
            type_code = item_type_code(row["item_type"])
            dept_no = dept_numbers.setdefault(dept, len(dept_numbers) + 1)
            ucc = credit_code(dept, AREA_CODES["西安市"])
            basic = f"{type_code}{dept_no:03d}{seq:04d}000"
            consult = "咨询" in name or "查询" in name
            legal, promised = CITY_LIMITS[type_code]
            if consult:
                legal, promised = None, 0
            for_business = type_code in ("01", "10", "04") and not consult
            events = sorted({e for kw, evs in CITY_LIFE_EVENTS if kw in name for e in evs})
            if name not in community.CITY_KEYWORDS:
                raise KeyError(f"no keywords for city item {name!r} in sample_catalog_data.CITY_KEYWORDS")
            note = f"进驻市政务服务中心时限:{row['enter_by'].strip()}"
            if row["note"].strip():
                note += f";{row['note'].strip()}"
            materials: list[dict[str, Any]] = []
            if not consult:
                materials.append(
                    _material(
                        f"M-C{seq:03d}-SQ",
                        f"{name}申请表",
                        material_type="申请表格文书",
                        blank_form=f"{name}申请表(空白).pdf",
                        acceptance_standard="填写完整,申请人签字(盖章)",
                    )
                )
                if for_business:
                    materials.append(
                        _material(
                            "M-YYZZ",
                            "营业执照",
                            source="政府部门核发",
                            copies=1,
                            acceptance_standard="在有效期内,经营范围包含申请事项",
                            shared_data=True,
                            necessity="非必要",
                            note="申请人为法人或其他组织时提供",
                        )
                    )
                materials.append(
                    _material(
                        "M-SFZ",
                        "居民身份证",
                        copies=1,
                        acceptance_standard="在有效期内,与申请人本人一致;可出示电子身份证",
                    )
                )
            items.append(
                {
                    "code": ucc + basic + "000",
                    "basic_code": basic,
                    "name": name,
                    "item_type": type_code,
                    "department": dept,
                    "department_credit_code": ucc,
                    "level": 3,
                    "jurisdiction": "西安市",
                    "legal_limit": _limit(legal),
                    "promised_limit": {"amount": promised, "unit": "工作日"},
                    "case_kind": "即办件" if promised == 0 else "承诺件",
                    "basis": [],
                    "conditions": [],
                    "process": [
                        {"name": "申请", "description": "到西安市政务服务中心或任一“全市通办”窗口提交申请"},
                        {"name": "受理", "description": "窗口核对材料,不全的一次性告知"},
                        {"name": "审查与决定", "description": f"{dept}审查并作出决定"},
                        {"name": "送达", "description": "窗口领取、邮寄或电子送达"},
                    ]
                    if not consult
                    else [{"name": "咨询答复", "description": "窗口或电话当场答复"}],
                    "materials": materials,
                    "visits": 0 if consult else 1,
                    "charged": False,
                    "fee_basis": "",
                    "place": CITY_PLACE,
                    "hours": CITY_HOURS,
                    "consult_phone": "029-86785189",
                    "supervise_phone": "12345",
                    "tongban": "全市通办",
                    "service_objects": ["法人", "自然人"] if for_business else ["自然人", "法人"],
                    "result_name": "咨询答复" if consult else f"{name}结果文书",
                    "life_events": events,
                    "keywords": community.CITY_KEYWORDS[name],
                    "station_acceptable": False,
                    "on_the_spot": None,
                    "jurisdictions": [],
                    "commitment_offered": False,
                    "status": "active",
                    "effective_from": "2021-01-01",
                    "effective_to": None,
                    "sample": True,
                    "note": note,
                }
            )
    return items


def community_items() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Community items with codes that stay put when items are appended to the data module: the
    department number comes from ``DEPARTMENTS`` order (from 101), the item number from list order."""
    items: list[dict[str, Any]] = []
    key_to_code: dict[str, str] = {}
    dept_numbers = {full: 101 + n for n, (full, _) in enumerate(community.DEPARTMENTS.values())}
    for seq, raw in enumerate(community.COMMUNITY_ITEMS, start=101):
        entry = dict(raw)
        key = entry.pop("key")
        type_code = item_type_code(entry.pop("type_name"))
        dept = entry["department"]
        dept_no = dept_numbers[dept]
        ucc = credit_code(dept, AREA_CODES[community.JURISDICTION])
        basic = f"{type_code}{dept_no:03d}{seq:04d}000"
        code = ucc + basic + "000"
        key_to_code[key] = code
        entry.update(code=code, basic_code=basic, item_type=type_code, department_credit_code=ucc)
        entry["keywords"] = community.KEYWORDS[key]  # KeyError: every item needs its everyday names
        entry["materials"] = [_material(**m) for m in entry["materials"]]
        items.append(entry)
    return items, key_to_code


def jurisdictions() -> list[dict[str, Any]]:
    with WINDOWS_CSV.open(encoding="utf-8", newline="") as f:
        return [
            {
                "area": r["area"].strip(),
                "area_code": AREA_CODES.get(r["area"].strip(), ""),
                "phone": r["phone"].strip(),
                "window": r["window"].strip(),
                "seq": int(r["seq"]),
            }
            for r in csv.DictReader(f)
        ]


def build() -> dict[str, Any]:
    """The sample catalog as a dict, validated through the model (raises on any problem)."""
    dept_numbers: dict[str, int] = {}
    items = city_items(dept_numbers)
    for it in items:
        it.setdefault("fields", [])
        it.setdefault("eligibility", None)
    local, key_to_code = community_items()
    bundles = [
        {
            "code": b["code"],
            "name": b["name"],
            "item_codes": [key_to_code[k] for k in b["keys"]],
            "life_events": b["life_events"],
            "keywords": community.BUNDLE_KEYWORDS[b["code"]],
            "description": b["description"],
            "promised_limit": b["promised_limit"],
            "status": "active",
            "sample": True,
        }
        for b in community.BUNDLES
    ]
    data = {
        "version": CATALOG_VERSION,
        "district_code": community.DISTRICT_CODE,
        "district_name": community.DISTRICT_NAME,
        "issued_at": ISSUED_AT,
        "item_types": dict(DEFAULT_ITEM_TYPES),
        "jurisdictions": jurisdictions(),
        "items": items + local,
        "bundles": bundles,
        "synonyms": {word: list(words) for word, words in DEFAULT_SYNONYMS.items()},
    }
    catalog = Catalog.from_dict(data)
    catalog.validate()
    canonical = catalog.to_dict()
    if canonical != data:
        raise AssertionError("sample catalog does not round-trip through the model")
    return canonical


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


# ---------------------------------------------------------------------------------------- benchmark data

_SYLLABLES = (
    "申请",
    "登记",
    "证明",
    "补贴",
    "许可",
    "备案",
    "核发",
    "变更",
    "注销",
    "认定",
    "审批",
    "年检",
    "救助",
    "津贴",
    "保险",
    "参保",
    "迁移",
    "换领",
    "补领",
    "查询",
    "咨询",
    "核准",
    "确认",
    "奖励",
)
_SUBJECTS = (
    "高龄",
    "残疾人",
    "居民",
    "企业",
    "个体",
    "食品",
    "药品",
    "道路",
    "建筑",
    "医疗",
    "养老",
    "教师",
    "导游",
    "护士",
    "律师",
    "出租车",
    "烟草",
    "消防",
    "排水",
    "燃气",
    "供热",
    "林木",
    "渔业",
    "种子",
    "兽药",
    "农机",
    "文物",
    "广播",
    "出版",
    "宗教",
    "社会组织",
    "慈善",
    "殡葬",
    "婚姻",
    "收养",
    "户籍",
    "流动人口",
    "就业",
    "失业",
    "工伤",
    "生育",
    "住房",
    "公积金",
    "不动产",
    "税务",
    "发票",
    "统计",
)


def synthetic_catalog(n: int = 10_000, seed: int = 20231) -> dict[str, Any]:
    """A large catalog dict (``n`` items, n/50 bundles) with plausible Chinese names, for benchmarks.

    Deterministic for a given ``seed``. About 2% of items are cancelled. Not shipped; not sample data
    for people to read.
    """
    rng = random.Random(seed)
    types = list(DEFAULT_ITEM_TYPES)
    events = [
        "出生",
        "教育",
        "婚育",
        "就业",
        "住房",
        "出行",
        "社会保障",
        "社会救助",
        "退休",
        "身后",
        "设立",
        "经营",
        "注销",
    ]
    offices = (
        "民政",
        "人社",
        "卫健",
        "市场监管",
        "住建",
        "交通",
        "农业农村",
        "文旅",
        "教育",
        "水务",
        "自然资源",
        "医保",
        "应急",
    )
    departments = [f"西安市阎良区{s}局" for s in offices]
    jur = jurisdictions()
    items: list[dict[str, Any]] = []
    for i in range(n):
        t = rng.choice(types)
        dept = rng.choice(departments)
        dept_no = departments.index(dept) + 1
        ucc = credit_code(dept, "610114")
        basic = f"{t}{dept_no:03d}{i % 10_000:04d}{i // 10_000:03d}"
        name = rng.choice(_SUBJECTS) + rng.choice(_SUBJECTS) + rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES)
        cancelled = rng.random() < 0.02
        promised = rng.choice((0, 1, 3, 5, 10, 15, 20))
        items.append(
            {
                "code": ucc + basic + "000",
                "basic_code": basic,
                "name": name,
                "item_type": t,
                "department": dept,
                "department_credit_code": ucc,
                "level": rng.choice((4, 5, 6)),
                "jurisdiction": rng.choice(jur)["area"],
                "legal_limit": {"amount": 20, "unit": "工作日"},
                "promised_limit": {"amount": promised, "unit": "工作日"},
                "case_kind": "即办件" if promised == 0 else "承诺件",
                "life_events": rng.sample(events, rng.choice((0, 1, 2))),
                "status": "cancelled" if cancelled else "active",
                "effective_to": "2023-01-01" if cancelled else None,
                "materials": [_material("M-SFZ", "居民身份证")],
                "sample": True,
            }
        )
    active = [it["code"] for it in items if it["status"] == "active"]
    bundles = [
        {
            "code": f"YJS-{b:05d}",
            "name": f"{rng.choice(_SUBJECTS)}一件事",
            "item_codes": rng.sample(active, 3),
            "life_events": [rng.choice(events)],
            "description": "",
            "promised_limit": None,
            "status": "active",
            "sample": True,
        }
        for b in range(n // 50)
    ]
    return {
        "version": 1,
        "district_code": "610114",
        "district_name": "阎良区",
        "issued_at": ISSUED_AT,
        "item_types": dict(DEFAULT_ITEM_TYPES),
        "jurisdictions": jur,
        "items": items,
        "bundles": bundles,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the committed file is out of date")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(build())
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; run scripts/build_sample_catalog.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    data = json.loads(text)
    print(
        f"wrote {args.output}: {len(data['items'])} items, {len(data['bundles'])} bundles, "
        f"{len(data['jurisdictions'])} jurisdictions ({clock.now():%Y-%m-%d %H:%M}Z)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
