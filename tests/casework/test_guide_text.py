"""casework.guide_text (normalising, fillers inside catalog words, pinyin) and failed-query scrubbing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.guide_text import (
    FILLER_WORDS,
    bigrams,
    han_runs,
    normalize,
    pinyin_syllables,
    segment_pinyin,
    strip_fillers,
)
from casework.search_log import scrub_query

VOCAB = {"小超市", "个体户", "开小超市", "孩子上户口", "丢了工作", "上户口"}


def keep(run: str) -> str:
    return strip_fillers(run, VOCAB.__contains__, 6)


def test_normalize_folds_width_case_and_punctuation() -> None:
    assert normalize("我要办 ＤＩＢＡＯ！") == "我要办 dibao"
    assert normalize("  Lü  ") == "lv"
    assert normalize("低保（城乡）?") == "低保 城乡"


def test_runs_and_bigrams() -> None:
    assert han_runs("开个小超市2个") == ["开个小超市", "个"]
    assert bigrams("小超市") == ["小超", "超市"]
    assert bigrams("证") == ["证"] and bigrams("") == []


@pytest.mark.parametrize(
    ("typed", "core"),
    [
        ("开个小超市要办什么", "开小超市"),
        ("个体户营业执照", "个体户营业执照"),  # 个 is a filler, but not inside 个体户
        ("我家孩子上户口要带什么材料", "孩子上户口"),
        ("丢了工作去哪登记", "丢了工作登记"),  # 了 kept inside the catalog word 丢了工作
        ("怎么办", ""),
    ],
)
def test_fillers_are_dropped_outside_catalog_words(typed: str, core: str) -> None:
    assert keep(typed) == core


def test_fillers_are_longest_first() -> None:
    assert list(FILLER_WORDS) == sorted(FILLER_WORDS, key=lambda w: (-len(w), w))


def test_pinyin() -> None:
    assert pinyin_syllables("高龄津贴") == ["gao", "ling", "jin", "tie"]
    assert segment_pinyin("shanghukou") == ["shang", "hu", "kou"]
    assert segment_pinyin("xinshenger") == ["xin", "sheng", "er"]
    assert segment_pinyin("xian") == ["xian"]  # fewest syllables
    assert segment_pinyin("birth") is None and segment_pinyin("") is None and segment_pinyin("b2") is None


@given(
    st.lists(
        st.sampled_from(["gao", "ling", "jin", "tie", "di", "bao", "shang", "hu", "kou"]),
        min_size=1,
        max_size=12,
    )
)
def test_segmentation_reads_back_what_it_was_given(syllables: list[str]) -> None:
    seg = segment_pinyin("".join(syllables))
    assert seg is not None and "".join(seg) == "".join(syllables) and len(seg) <= len(syllables)


@pytest.mark.parametrize(
    ("typed", "logged"),
    [
        ("身份证610114199001011234丢了", "身份证[号码]丢了"),
        ("身份证61011419900101123X", "身份证[号码]"),
        ("电话13800138000", "电话[号码]"),
        ("手机 138 0013 8000 怎么办", "手机 [号码] 怎么办"),
        ("座机029-86868920", "座机[号码]"),
        ("80岁老人补贴", "80岁老人补贴"),  # short numbers stay
        ("６１０１１４１９９００１０１１２３４", "[号码]"),  # full-width digits too
        ("狗\x00证\u200b办理", "狗 证 办理"),  # control and zero-width characters are not text
    ],
)
def test_scrub_removes_id_and_phone_like_digits(typed: str, logged: str) -> None:
    assert scrub_query(typed) == logged


@given(st.text(alphabet=st.sampled_from("0123456789 -xX低保电话\t"), max_size=120) | st.text(max_size=120))
def test_scrubbed_text_never_holds_five_digits_in_a_row(text: str) -> None:
    out = scrub_query(text)
    digits = 0
    for ch in out:  # spaces and dashes between digits do not hide a number
        if ch.isdigit():
            digits += 1
        elif not (ch.isspace() or ch == "-"):
            digits = 0
        assert digits < 5, out
    assert len(out) <= 60 and scrub_query(out) == out  # scrubbing twice changes nothing
    assert "\x00" not in out
