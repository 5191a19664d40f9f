"""Checks that report return coded problems, worded for the worker and, more plainly, for the resident."""

from __future__ import annotations

import datetime as dt

from casework.identity import id_number_problem, phone_problem, resident_id_problem
from casework.problems import Problem

TODAY = dt.date(2026, 1, 1)


def test_wrong_check_character_has_a_code_and_both_wordings() -> None:
    p = resident_id_problem("110105194912310021", today=TODAY)
    assert p == Problem("identity.resident_id.check", {"expected": "X"})
    assert p.text("zh_CN") == "身份证号码校验位不正确（最后一位应为 X），请核对后重新输入"
    assert p.plain("zh_CN") == "身份证号码最后一位不对，请核对"
    assert p.text("en").startswith("The ID card number's check character is wrong")
    assert "校验位" not in p.plain("zh_CN")


def test_plain_falls_back_to_the_worker_wording() -> None:
    p = resident_id_problem("11010519491231002x", today=TODAY)
    assert p is not None and p.code == "identity.resident_id.lower_x"
    assert p.plain("zh_CN") == p.text("zh_CN")


def test_other_documents_name_their_type_in_each_language() -> None:
    p = id_number_problem("414", "E123 45678")
    assert p is not None and p.code == "identity.other.format"
    assert p.text("zh_CN").startswith("普通护照号码")
    assert p.text("en").startswith("The passport number")


def test_phone_problem_is_none_for_a_landline() -> None:
    assert phone_problem("029-86785189") is None
    assert phone_problem("12") == Problem("identity.phone.format")
