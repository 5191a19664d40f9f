"""GB 11643 / GB 32100 checksums, phone numbers, applicant and agent records."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.blobref import BlobRef
from casework.cases import Case
from casework.identity import (
    ID_TYPES,
    USCC_ALPHABET,
    Agent,
    Applicant,
    ApplicantKind,
    Sex,
    birth_date_from_resident_id,
    check_applicant_and_agent,
    check_id_number,
    check_resident_id,
    check_uscc,
    is_valid_mobile,
    is_valid_phone,
    is_valid_resident_id,
    is_valid_uscc,
    mask_id_number,
    normalize_resident_id,
    resident_id_check_char,
    sex_from_resident_id,
    uscc_check_char,
)

TODAY = dt.date(2026, 11, 22)
PROVINCES = ["11", "12", "31", "44", "50", "61", "63", "65", "81", "82", "83"]


# --- resident ID


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",  # the GB 11643 example
        "610102199001011231",
        "630102200002291238",  # leap day
    ],
)
def test_known_valid_resident_ids(number: str) -> None:
    assert is_valid_resident_id(number, today=TODAY), check_resident_id(number, today=TODAY)


@pytest.mark.parametrize(
    ("number", "reason_part"),
    [
        ("", "请输入"),
        ("110105194912310021", "校验位不正确（最后一位应为 X）"),
        ("11010519491231002x", "大写 X"),
        ("110105491231002", "15位旧身份证"),
        ("1101051949123100", "应为18位"),
        ("11010519491231002Y", "只能是数字或 X"),
        ("1101051949A231002X", "前17位只能是数字"),
        ("990105194912310025", "省级行政区划代码"),
        ("610102199002301232", "不是有效日期"),  # 30 February
        ("440524188001010014", "早于1900年"),  # the GB 11643 example, born 1880
        ("610102203001011239", "晚于今天"),
    ],
)
def test_invalid_resident_ids_name_the_reason(number: str, reason_part: str) -> None:
    if len(number) == 18 and number[:17].isdigit():
        # make sure the checksum itself is right so the named reason is the only problem
        fixed = number[:17] + resident_id_check_char(number[:17])
        if reason_part not in ("校验位不正确（最后一位应为 X）", "大写 X", "只能是数字或 X"):
            number = fixed
    reason = check_resident_id(number, today=TODAY)
    assert reason is not None and reason_part in reason
    assert not is_valid_resident_id(number, today=TODAY)


def test_normalize_then_validate_accepts_lowercase_and_spaces() -> None:
    assert normalize_resident_id(" 110105 19491231 002x ") == "11010519491231002X"
    assert is_valid_resident_id(normalize_resident_id("11010519491231002x"), today=TODAY)


def test_birth_date_and_sex() -> None:
    assert birth_date_from_resident_id("11010519491231002X") == dt.date(1949, 12, 31)
    assert sex_from_resident_id("11010519491231002X") is Sex.FEMALE  # 顺序码 002: even
    assert sex_from_resident_id("610102199001011231") is Sex.MALE  # 123: odd
    with pytest.raises(ValueError):
        birth_date_from_resident_id("110105194912310021")


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    region = draw(st.sampled_from(PROVINCES)) + draw(st.from_regex(r"[0-9]{4}", fullmatch=True))
    born = draw(st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY))
    seq = draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    body = f"{region}{born:%Y%m%d}{seq}"
    return body + resident_id_check_char(body)


@given(resident_ids())
def test_every_generated_resident_id_is_valid(number: str) -> None:
    assert is_valid_resident_id(number, today=TODAY)
    assert birth_date_from_resident_id(number).strftime("%Y%m%d") == number[6:14]


@given(resident_ids(), st.integers(0, 17), st.sampled_from("0123456789X"))
def test_every_single_character_corruption_of_a_resident_id_fails(number: str, pos: int, ch: str) -> None:
    if number[pos] == ch:
        ch = "X" if ch != "X" else "0"
    corrupted = number[:pos] + ch + number[pos + 1 :]
    assert not is_valid_resident_id(corrupted, today=TODAY)


def test_every_single_digit_substitution_of_one_id_fails_exhaustively() -> None:
    number = "11010519491231002X"
    for pos in range(18):
        for ch in "0123456789X":
            if ch != number[pos]:
                assert not is_valid_resident_id(number[:pos] + ch + number[pos + 1 :], today=TODAY)


# --- USCC


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91110000802100433B"])
def test_known_valid_uscc(code: str) -> None:
    assert is_valid_uscc(code), check_uscc(code)


@pytest.mark.parametrize(
    ("code", "reason_part"),
    [
        ("", "请输入"),
        ("91350100M000100Y4", "应为18位"),
        ("91350100M000100Y44", "校验位不正确（最后一位应为 3）"),
        ("91350100M000I00Y43", "无效字符：I"),
        ("91350100m000100Y43", "无效字符：m"),
    ],
)
def test_invalid_uscc_name_the_reason(code: str, reason_part: str) -> None:
    reason = check_uscc(code)
    assert reason is not None and reason_part in reason


uscc_bodies = st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17)


@given(uscc_bodies)
def test_every_generated_uscc_is_valid(body: str) -> None:
    assert is_valid_uscc(body + uscc_check_char(body))


@given(uscc_bodies, st.integers(0, 17), st.sampled_from(USCC_ALPHABET + "IOZSVa"))
def test_every_single_character_corruption_of_a_uscc_fails(body: str, pos: int, ch: str) -> None:
    code = body + uscc_check_char(body)
    if code[pos] == ch:
        return
    assert not is_valid_uscc(code[:pos] + ch + code[pos + 1 :])


# --- phones, ids


@pytest.mark.parametrize("s", ["13800138000", "19912345678", "16600001111"])
def test_valid_mobiles(s: str) -> None:
    assert is_valid_mobile(s) and is_valid_phone(s)


@pytest.mark.parametrize(
    "s", ["12800138000", "1380013800", "138001380001", "+8613800138000", "138 0013 8000"]
)
def test_invalid_mobiles(s: str) -> None:
    assert not is_valid_mobile(s)


@pytest.mark.parametrize("s", ["029-86785189", "02986785189", "0971-6123456", "029-86785189-12"])
def test_landlines_are_phones_not_mobiles(s: str) -> None:
    assert is_valid_phone(s) and not is_valid_mobile(s)


def test_id_type_table_has_the_gb_t_39046_codes() -> None:
    assert ID_TYPES["111"] == "居民身份证"
    assert ID_TYPES["113"] == "户口簿"
    assert ID_TYPES["414"] == "普通护照"
    assert ID_TYPES["516"] == "港澳居民来往内地通行证"
    assert ID_TYPES["001"] == "统一社会信用代码"


def test_check_id_number_dispatches_on_type() -> None:
    assert check_id_number("113", "11010519491231002X", today=TODAY) is None
    assert check_id_number("001", "91350100M000100Y43") is None
    assert check_id_number("414", "E12345678") is None
    assert check_id_number("414", "E123 45678") is not None
    assert check_id_number("777", "x") == "证件类型代码“777”不在证件类型表中"


def test_mask() -> None:
    assert mask_id_number("610102199001011234") == "6101**********1234"
    assert mask_id_number("E1234") == "***34"


# --- records


def person(**kw: str) -> Applicant:
    base = dict(
        name="张三", id_type="111", id_number="11010519491231002X", phone="13800138000", address="雁塔区"
    )
    base.update(kw)
    return Applicant(ApplicantKind.PERSON, **base)


def test_valid_person_and_round_trip() -> None:
    a = person()
    assert a.validate(today=TODAY) == []
    assert Applicant.from_dict(a.to_dict()) == a


def test_applicant_validate_returns_every_problem() -> None:
    a = person(name=" ", id_number="110105194912310021", phone="123")
    problems = a.validate(today=TODAY)
    assert len(problems) == 3
    assert any("姓名" in p for p in problems)
    assert any("校验位" in p for p in problems)
    assert any("联系电话" in p for p in problems)


def test_company_needs_credit_code_and_legal_representative() -> None:
    c = Applicant(ApplicantKind.ORGANIZATION, "西安某某便利店", "001", "91350100M000100Y43", "029-86785189")
    assert c.validate(today=TODAY) == ["请填写法定代表人（负责人）姓名"]
    c.legal_representative = "李四"
    assert c.validate(today=TODAY) == []
    wrong = Applicant(
        ApplicantKind.ORGANIZATION, "某公司", "111", "11010519491231002X", "13800138000", "", "李四"
    )
    assert any("不能使用证件类型“居民身份证”" in p for p in wrong.validate(today=TODAY))


def test_agent_rules_and_round_trip() -> None:
    relative = Agent("张小三", "111", "610102199001011231", "13900139000", relation="子女")
    assert relative.validate(today=TODAY) == []
    assert Agent.from_dict(relative.to_dict()) == relative
    helper = Agent("王芳", "111", "610102199001011231", "13900139000", is_station_worker=True)
    assert helper.validate(today=TODAY) == ["帮办代办须填写帮办员工号"]
    helper.worker_id = "w-01"
    assert helper.validate(today=TODAY) == [] and helper.relation_label == "帮办代办"
    no_relation = Agent("某人", "111", "610102199001011231", "13900139000")
    assert no_relation.validate(today=TODAY) == ["请填写代理人与申请人的关系"]


def test_agent_cannot_be_the_applicant() -> None:
    a = person()
    agent = Agent("张三", "111", a.id_number, "13800138000", relation="本人")
    assert "代理人不能是申请人本人" in check_applicant_and_agent(a, agent, today=TODAY)


def test_errors_never_echo_identity_numbers() -> None:
    """Exception messages end up in logs and sync error reports: they must not carry a resident's number."""
    wrong_check = "110105194912310021"  # valid but for the check character
    for call in (
        lambda: birth_date_from_resident_id(wrong_check),
        lambda: sex_from_resident_id(wrong_check),
        lambda: resident_id_check_char(wrong_check[:16] + "Y"),
    ):
        with pytest.raises(ValueError) as info:
            call()
        assert wrong_check[6:14] not in str(info.value)
    applicant = Applicant(ApplicantKind.PERSON, "李四", "111", "11010519491231002X", "13800138000")
    doc = applicant.to_dict()
    doc["id_number"] = 110105194912310029
    with pytest.raises(ValueError) as info:
        Applicant.from_dict(doc)
    assert "19491231" not in str(info.value)
    case = Case.new(
        number="261122-007-00421",
        station_id="st-7",
        item_code="X",
        catalog_version=1,
        applicant=applicant,
        at=dt.datetime(2026, 11, 22, tzinfo=dt.UTC),
    ).to_dict()
    case["applicant"]["name"] = ["李四", "11010519491231002X"]
    case["jurisdiction"] = 11010519491231002
    fixed_name = {**case["applicant"], "name": "李四"}
    for broken in ({**case, "jurisdiction": "新城区"}, {**case, "applicant": fixed_name}):
        with pytest.raises(ValueError) as info:
            Case.from_dict(broken)
        assert "19491231" not in str(info.value)


ID = "610102199001011231"


def test_agent_authority_for_the_assisted_filing_register() -> None:
    """帮办代办登记: a 授权委托书 is scanned, a relative states the relation, a 帮办员 helps in person."""
    proxy = Agent("周八", "111", "610102199001011231", "13900139000", authority="power_of_attorney")
    assert proxy.validate(today=TODAY) == ["请扫描授权委托书"]
    proxy.authority_scan = BlobRef("ab" * 32, 2000, "image/png")
    assert proxy.validate(today=TODAY) == [] and proxy.relation_label == "受托人"
    assert Agent.from_dict(proxy.to_dict()) == proxy
    relative = Agent("张小三", "111", ID, "13900139000", relation="子女", authority="kinship")
    assert relative.validate(today=TODAY) == [] and relative.authority_kind == "kinship"
    legacy = Agent.from_dict({k: v for k, v in relative.to_dict().items() if not k.startswith("authority")})
    assert legacy.authority_kind == "kinship"
    helper = Agent("王芳", "111", ID, "13900139000", is_station_worker=True, worker_id="w-01")
    assert helper.authority_kind == "in_person" and helper.validate(today=TODAY) == []
    not_a_worker = Agent("某人", "111", "610102199001011231", "13900139000", authority="in_person")
    assert not_a_worker.validate(today=TODAY) == ["本人到场委托帮办仅适用于服务站帮办员"]
    odd = Agent("某人", "111", "610102199001011231", "13900139000", relation="子女", authority="guess")
    assert odd.validate(today=TODAY) == ["代理依据无效，请选择授权委托书、亲属关系或本人到场委托帮办"]
