"""Builders shared by the case, acceptance and document tests: a small catalog (sample data, not a real
guide), an applicant, and a helper that drives a case to any status along the transition table."""

from __future__ import annotations

import datetime as dt
from collections import deque

from casework.cases import TRANSITIONS, Case, CaseStatus, Side
from casework.catalog import Bundle, Catalog, Item, ItemStatus, Jurisdiction, Level, Material, Necessity
from casework.identity import Agent, Applicant, ApplicantKind
from casework.timelimit import TimeLimit, TimeUnit

NOW = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)  # 2026-09-30 10:00 in Xi'an
CREDIT = "11610000MB0000000X"  # shape only; departments are sample data


def material(code: str, name: str, necessity: Necessity = Necessity.REQUIRED, **kw: object) -> Material:
    return Material(code=code, name=name, necessity=necessity, **kw)  # type: ignore[arg-type]


def item(code: str, name: str, materials: tuple[Material, ...], days: int = 3, **kw: object) -> Item:
    base: dict[str, object] = dict(
        code=code,
        basic_code=code[:12],
        name=name,
        item_type="20",
        department="西安市某区民政局（样例）",
        department_credit_code=CREDIT,
        level=Level.COUNTY,
        jurisdiction="雁塔区",
        promised_limit=TimeLimit(days, TimeUnit.WORKING_DAY),
        materials=materials,
        station_acceptable=True,
        sample=True,
    )
    base.update(kw)
    return Item(**base)  # type: ignore[arg-type]


ID_CARD = material("M-ID", "居民身份证")
FORM = material("M-FORM", "申请表", acceptance_standard="填写完整并签字")
HOUSEHOLD = material("M-HH", "户口簿", Necessity.DEFERRABLE)
INCOME = material(
    "M-INC", "收入证明", commitment_allowed=True, commitment_text="本人承诺所报收入真实", shared_data=True
)
PHOTO = material("M-PHOTO", "近期照片", Necessity.OPTIONAL)

ITEM_A = item(
    "A" * 33,
    "城乡居民最低生活保障申请（样例）",
    (ID_CARD, FORM, HOUSEHOLD, INCOME, PHOTO),
    commitment_offered=True,
)
ITEM_B = item("B" * 33, "新生儿户口登记（样例）", (ID_CARD, HOUSEHOLD), days=5)
ITEM_C = item("C" * 33, "预防接种证办理（样例）", (ID_CARD,), days=1)
ITEM_OFF = item(
    "D" * 33, "已取消事项（样例）", (ID_CARD,), status=ItemStatus.CANCELLED, effective_to=dt.date(2026, 6, 1)
)
ITEM_CENTER = item("E" * 33, "只在中心受理的事项（样例）", (ID_CARD,), station_acceptable=False)
BUNDLE = Bundle(code="B-CSYJS", name="出生一件事（样例）", item_codes=(ITEM_B.code, ITEM_C.code))

CATALOG = Catalog(
    version=3,
    district_code="610113",
    district_name="雁塔区",
    issued_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
    items=(ITEM_A, ITEM_B, ITEM_C, ITEM_OFF, ITEM_CENTER),
    bundles=(BUNDLE,),
    jurisdictions=(
        Jurisdiction(
            area="雁塔区", area_code="610113", phone="029-81160083", window="雁塔区政务服务中心2层B43号窗口"
        ),
    ),
)

APPLICANT = Applicant(
    ApplicantKind.PERSON, "张三", "111", "610102199001011231", "13800138000", "雁塔区某路1号"
)
AGENT = Agent("王芳", "111", "11010519491231002X", "13900139000", is_station_worker=True, worker_id="w-01")


def new_case(
    item_code: str | None = ITEM_A.code, bundle: Bundle | None = None, at: dt.datetime = NOW
) -> Case:
    if bundle is not None:
        return Case.new(
            number="260930-007-00013",
            station_id="st-7",
            catalog_version=3,
            applicant=APPLICANT,
            at=at,
            bundle_code=bundle.code,
            bundle_item_codes=bundle.item_codes,
            jurisdiction="雁塔区",
        )
    return Case.new(
        number="260930-007-00018",
        station_id="st-7",
        catalog_version=3,
        applicant=APPLICANT,
        at=at,
        item_code=item_code,
        jurisdiction="雁塔区",
    )


def path_to(target: CaseStatus) -> list[CaseStatus]:
    """Shortest status path from draft to ``target`` along the table."""
    prev: dict[CaseStatus, CaseStatus] = {}
    queue = deque([CaseStatus.DRAFT])
    while queue:
        s = queue.popleft()
        for nxt in TRANSITIONS[s]:
            if nxt not in prev and nxt is not CaseStatus.DRAFT:
                prev[nxt] = s
                queue.append(nxt)
    path = [target]
    while path[-1] is not CaseStatus.DRAFT:
        path.append(prev[path[-1]])
    return path[::-1][1:]


def drive(case: Case, target: CaseStatus, at: dt.datetime = NOW) -> Case:
    """Move a single-item case to ``target`` along the shortest path, one minute per step."""
    for step in path_to(target):
        sides = TRANSITIONS[case.status][step]
        side = Side.STATION if Side.STATION in sides else Side.CENTER
        at = at + dt.timedelta(minutes=1)
        case.transition(step, actor="tester", at=at, reason="测试原因", side=side)
    return case
