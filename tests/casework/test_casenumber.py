"""Case numbers: uniqueness across stations, every single-digit typo and adjacent swap detected."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from casework.casenumber import (
    _DAMM,
    MAX_SEQ,
    CaseCounter,
    CaseNumber,
    damm_check_digit,
    generate,
    is_valid,
    normalize,
    parse,
)

DAY = dt.date(2026, 11, 22)
SHAPE = re.compile(r"\d{6}-\d{3}-\d{5}")


def test_shape_and_round_trip() -> None:
    n = generate(7, DAY, 42)
    assert SHAPE.fullmatch(n)
    assert n.startswith("261122-007-0042")
    assert parse(n) == CaseNumber(DAY, 7, 42)
    assert str(parse(n)) == n
    assert is_valid(n)


@pytest.mark.parametrize(
    "typed",
    [
        "261122-007-00421",
        "26112200700421",
        " 2611 2200 7004 21 ",
        "261122–007–00421",
        "２６１１２２-００７-００４２１",
    ],
)
def test_normalize_accepts_what_people_type(typed: str) -> None:
    assert generate(7, DAY, 42) == "261122-007-00421"
    assert normalize(typed) == "261122-007-00421"
    assert is_valid(typed)


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("261122-007-0042", "14位"),
        ("261122-007-00422", "校验不通过"),
        ("261122-007-004a1", "14位"),
    ],
)
def test_normalize_rejects_with_chinese_reason(bad: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        normalize(bad)
    assert not is_valid(bad)


def test_parse_rejects_impossible_date_even_with_a_good_check_digit() -> None:
    body = "2613320070042"
    with pytest.raises(ValueError, match="日期"):
        parse(body + damm_check_digit(body))
    body = "2611220000042"  # station 000
    with pytest.raises(ValueError, match="服务站号"):
        parse(body + damm_check_digit(body))


@pytest.mark.parametrize(
    ("station", "seq", "day"),
    [(0, 1, DAY), (1000, 1, DAY), (1, 0, DAY), (1, MAX_SEQ + 1, DAY), (1, 1, dt.date(1999, 12, 31))],
)
def test_generate_rejects_out_of_range(station: int, seq: int, day: dt.date) -> None:
    with pytest.raises(ValueError):
        generate(station, day, seq)


def test_unique_over_100k_numbers_from_50_stations() -> None:
    numbers: set[str] = set()
    days = [DAY + dt.timedelta(days=i) for i in range(4)]
    for station in range(1, 51):
        counter = CaseCounter(station)
        for day in days:
            for _ in range(500):
                counter, number = counter.issue(day)
                numbers.add(number)
    assert len(numbers) == 50 * 4 * 500 == 100_000


def test_damm_table_detects_every_single_error_and_adjacent_swap_for_any_number() -> None:
    # Any single substitution is caught iff every row and every column of the quasigroup is a permutation
    # (the error changes the interim digit and later digits cannot bring it back); adjacent swaps are caught
    # iff the table is totally anti-symmetric. Checking the table proves it for every possible number.
    digits = range(10)
    for s in digits:
        assert sorted(_DAMM[s]) == list(digits)
        assert sorted(_DAMM[r][s] for r in digits) == list(digits)
        for a in digits:
            for b in digits:
                if a != b:
                    assert _DAMM[_DAMM[s][a]][b] != _DAMM[_DAMM[s][b]][a]
    assert all(_DAMM[s][s] == 0 for s in digits)  # weak totally anti-symmetric, so the check is 0-based


def test_every_single_digit_typo_and_adjacent_swap_is_detected_on_real_numbers() -> None:
    counters = [CaseCounter(station) for station in (1, 7, 50, 123, 999)]
    sample: list[str] = []
    for i, c in enumerate(counters):
        for _ in range(60):
            c, number = c.issue(DAY + dt.timedelta(days=i * 37))
            sample.append(number)
    for number in sample:
        digits = number.replace("-", "")
        for pos, original in enumerate(digits):
            for typo in "0123456789":
                if typo != original:
                    assert not is_valid(digits[:pos] + typo + digits[pos + 1 :]), (number, pos, typo)
        for pos in range(len(digits) - 1):
            a, b = digits[pos], digits[pos + 1]
            if a != b:
                assert not is_valid(digits[:pos] + b + a + digits[pos + 2 :]), (number, pos)


def test_counter_restarts_daily_and_survives_a_clock_going_back() -> None:
    c = CaseCounter(7)
    c, first = c.issue(DAY)
    c, second = c.issue(DAY)
    assert (parse(first).seq, parse(second).seq) == (1, 2)
    c, next_day = c.issue(DAY + dt.timedelta(days=1))
    assert parse(next_day) == CaseNumber(DAY + dt.timedelta(days=1), 7, 1)
    c, back = c.issue(DAY)  # the clock went back a day: keep the later day, keep counting
    assert parse(back) == CaseNumber(DAY + dt.timedelta(days=1), 7, 2)
    assert CaseCounter.from_dict(c.to_dict()) == c


def test_counter_overflow_is_an_error_not_a_duplicate() -> None:
    c = CaseCounter(7, DAY, MAX_SEQ)
    with pytest.raises(OverflowError, match="已用完"):
        c.issue(DAY)
