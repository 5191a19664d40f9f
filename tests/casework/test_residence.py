"""通办范围 against the applicant's 户籍/住所 district, and the 业务属地 a worker may choose."""

from __future__ import annotations

import dataclasses

from casework import messages
from casework.catalog import Jurisdiction, TongbanScope
from casework.identity import Applicant, ApplicantKind
from casework.residence import jurisdiction_problems, residence_of, scope_problem, scope_problems

from .case_helpers import APPLICANT, CATALOG, ITEM_A, new_case

DISTRICT_ONLY = dataclasses.replace(ITEM_A, tongban=TongbanScope.DISTRICT)
CITYWIDE = dataclasses.replace(ITEM_A, tongban=TongbanScope.CITYWIDE, jurisdictions=("长安区",))
CAT = dataclasses.replace(
    CATALOG,
    items=(DISTRICT_ONLY,),
    jurisdictions=(
        *CATALOG.jurisdictions,
        Jurisdiction(area="长安区", area_code="610116", phone="029-1", window="长安区政务服务中心"),
    ),
)


def person(id_number: str, address: str = "") -> Applicant:
    return Applicant(ApplicantKind.PERSON, "李四", "111", id_number, "13800138000", address)


def test_residence_from_address_wins_over_the_id_area_code() -> None:
    # 610102 (新城区) on the card, but the address is in 雁塔区
    assert residence_of(APPLICANT, CAT).area_code == "610113"
    got = residence_of(person("610102199001011231", "长安区韦曲街道1号"), CAT)
    assert (got.area_code, got.source, got.name) == ("610116", "address", "长安区")
    from_card = residence_of(person("610102199001011231", "某小区3栋"), CAT)
    assert (from_card.area_code, from_card.source) == ("610102", "id_number")
    other_province = residence_of(person("610102199001011231", "河南省郑州市某路"), CAT)
    assert (other_province.area_code, other_province.source) == ("41", "address")
    passport = Applicant(ApplicantKind.PERSON, "Li", "414", "E12345678", "13800138000", "")
    assert not residence_of(passport, CAT).known


def test_district_only_item_refuses_another_district_and_says_why() -> None:
    messages.set_language("zh_CN")
    outsider = person("610102199001011231")
    why = scope_problem(DISTRICT_ONLY, residence_of(outsider, CAT), CAT)
    assert why is not None and "区内通办" in why and "身份证地区码" in why and "610102" in why
    assert scope_problem(DISTRICT_ONLY, residence_of(person("610113199001011238"), CAT), CAT) is None
    unknown = Applicant(ApplicantKind.PERSON, "Li", "414", "E12345678", "13800138000", "")
    hint = scope_problem(DISTRICT_ONLY, residence_of(unknown, CAT), CAT)
    assert hint is not None and "住所地址" in hint
    # citywide: 6101xx passes, another city does not; no scope: never checked
    assert scope_problem(CITYWIDE, residence_of(outsider, CAT), CAT) is None
    far = residence_of(person("410102199001011236"), CAT)
    assert scope_problem(CITYWIDE, far, CAT) is not None
    assert scope_problem(ITEM_A, far, CAT) is None


def test_scope_problems_of_a_case_and_the_chosen_jurisdiction() -> None:
    case = new_case(DISTRICT_ONLY.code)
    case.applicant = person("610102199001011231", "新城区某路")
    assert len(scope_problems(case, CAT)) == 1
    case.applicant = APPLICANT
    assert scope_problems(case, CAT) == []
    assert jurisdiction_problems(case, CAT) == []  # 雁塔区, the item's own
    case.jurisdiction = "长安区"
    assert len(jurisdiction_problems(case, CAT)) == 1  # DISTRICT_ONLY offers no other
    cat2 = dataclasses.replace(CAT, items=(CITYWIDE,))
    assert jurisdiction_problems(case, cat2) == []
    assert CITYWIDE.jurisdiction_choices == ("雁塔区", "长安区")


def test_the_most_specific_area_an_address_names_wins() -> None:
    city = dataclasses.replace(
        CAT,
        jurisdictions=(
            *CAT.jurisdictions,
            Jurisdiction(area="西安市", area_code="610100", phone="", window=""),
        ),
    )
    got = residence_of(person("110105194912310021", "陕西省西安市长安区韦曲街道1号"), city)
    assert (got.area_code, got.name) == ("610116", "长安区")
    assert residence_of(person("110105194912310021", "西安市某路"), city).area_code == "610100"
