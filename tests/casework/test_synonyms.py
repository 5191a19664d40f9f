"""casework.synonyms: the district's synonym table — defaults, the console's text form, checks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from casework.synonyms import (
    DEFAULT_SYNONYMS,
    MAX_WORD_LENGTH,
    format_synonym_text,
    normalize_synonyms,
    parse_synonym_text,
    synonym_issues,
)


def test_defaults_hold_the_groups_the_issue_names() -> None:
    for word, others in (
        ("孩子", {"小孩", "宝宝"}),
        ("老人", {"老年人", "高龄"}),
        ("开店", {"开超市", "个体户"}),
    ):
        assert others <= set(DEFAULT_SYNONYMS[word]), word
    assert "最低生活保障" in DEFAULT_SYNONYMS["低保"]
    assert "出生" in DEFAULT_SYNONYMS["birth"]
    assert synonym_issues(DEFAULT_SYNONYMS) == []


def test_directed_entries_are_one_way() -> None:
    assert "新生儿" in DEFAULT_SYNONYMS["宝宝"]
    assert "宝宝" not in DEFAULT_SYNONYMS.get("最低生活保障", ())


def test_text_form_reads_every_separator_and_merges_repeats() -> None:
    table, problems = parse_synonym_text(
        "孩子：小孩、宝宝\n低保 = 最低生活保障   # 注释\nBIRTH: 出生, 新生儿\n孩子 → 娃娃\n\n# 整行注释\n"
    )
    assert problems == []
    assert table == {"birth": ("出生", "新生儿"), "低保": ("最低生活保障",), "孩子": ("小孩", "宝宝", "娃娃")}


def test_bad_lines_are_reported_with_their_numbers() -> None:
    table, problems = parse_synonym_text(
        "孩子 小孩\n：宝宝\n老人：" + "长" * (MAX_WORD_LENGTH + 1) + "\n低保：最低生活保障"
    )
    assert [(line, code) for line, code, _ in problems] == [
        (1, "synonyms.no_separator"),
        (2, "synonyms.empty"),
        (3, "synonyms.too_long"),
    ]
    assert table == {"低保": ("最低生活保障",)}


def test_normalize_folds_and_drops_self_references() -> None:
    assert normalize_synonyms({" ＢＩＲＴＨ ": ["出生", "birth", "出生", ""], "x": []}) == {
        "birth": ("出生",)
    }


@given(
    st.dictionaries(
        st.text(alphabet="孩子小孩宝宝老人高龄ab", min_size=1, max_size=5),
        st.lists(st.text(alphabet="孩子小孩宝宝老人高龄ab", min_size=1, max_size=5), min_size=1, max_size=4),
        max_size=6,
    )
)
def test_text_form_round_trips(raw: dict[str, list[str]]) -> None:
    table = normalize_synonyms(raw)
    back, problems = parse_synonym_text(format_synonym_text(table))
    assert problems == [] and back == table


def test_issues_of_a_hand_made_table() -> None:
    kinds = [k for k, _, _ in synonym_issues({"孩子": ("",), "ＡＢ": ("x",), "老人": ("长" * 30,)})]
    assert kinds == ["synonym_blank", "synonym_unfolded", "synonym_too_long"]
