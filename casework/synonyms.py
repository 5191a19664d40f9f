"""The district's synonym table (同义词表): a resident's word → the words the catalog uses.

Residents say "小孩", "老人", "开店", "去世"; items say 新生儿, 老年人, 个体工商户, 身后. Keywords (俗称, on
each item and bundle) cover words that belong to one entry; the synonym table covers words that mean the
same thing across many entries. The district edits it in the console and publishes it inside the signed
catalog (``Catalog.synonyms``), so stations verify it like every other part of the catalog. The guide
search (:mod:`casework.guide_search`) expands a query with it, at a lower weight than the words typed.

The table is directed (word → words): "宝宝 → 新生儿" does not make every 新生儿 a 宝宝.
:data:`DEFAULT_SYNONYMS` is written as groups of interchangeable words plus one-way entries, expanded to that
form.

Text form (the console's editor; one entry per line, ``#`` starts a comment)::

    孩子：小孩、宝宝、娃娃          # word, then its synonyms
    低保 = 最低生活保障              # ":", "：", "=" and "→" all separate the word from its synonyms
    birth: 出生, 新生儿               # separators between synonyms: 、，,；; or spaces

Use::

    table, problems = parse_synonym_text(text)     # problems: [(line, code, params)], nothing lost silently
    text = format_synonym_text(table)              # the same table back as text, one line per word
    clean = normalize_synonyms({"孩子": ["小孩"]})  # keys/values stripped, folded, deduplicated

Hazards: words are compared after :func:`fold` (NFKC, lower case), so "ＢＩＲＴＨ" and "birth" are one word.
A word listed twice in the text merges its synonyms. The table is part of the catalog document; a very
large table slows every query a little (each word of the table is looked for in the query).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

__all__ = [
    "DEFAULT_SYNONYMS",
    "MAX_SYNONYM_ENTRIES",
    "MAX_WORD_LENGTH",
    "SynonymTable",
    "fold",
    "format_synonym_text",
    "normalize_synonyms",
    "parse_synonym_text",
    "synonym_issues",
]

#: word -> the words it also means; what ``Catalog.synonyms`` holds.
SynonymTable = dict[str, tuple[str, ...]]

MAX_WORD_LENGTH = 20
MAX_SYNONYM_ENTRIES = 2000
MAX_SYNONYMS_PER_WORD = 30

_KEY_SEPARATOR = re.compile(r"\s*(?:[:：=＝]|->|→)\s*")
_VALUE_SEPARATOR = re.compile(r"[、，,；;\s]+")


def fold(text: str) -> str:
    """The form words are compared in: NFKC (full-width letters and digits to ASCII), lower case, single
    spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


# Groups of interchangeable words: every word of a group maps to the others.
_GROUPS: tuple[tuple[str, ...], ...] = (
    ("孩子", "小孩", "宝宝", "娃", "娃娃", "小孩子", "儿童", "子女"),
    ("新生儿", "婴儿", "刚出生"),
    ("老人", "老年人", "高龄", "老人家", "长辈"),
    ("去世", "过世", "死亡", "离世", "身故", "病故", "人走了", "死了"),
    ("生孩子", "生小孩", "生娃", "生宝宝", "分娩", "添丁"),
    ("上户口", "落户", "报户口", "入户", "户口登记"),
    ("医保", "医疗保险", "合作医疗", "新农合"),
    ("社保", "社会保险"),
    ("养老金", "养老钱", "退休金", "养老待遇"),
    ("补贴", "补助", "津贴", "补助金"),
    ("结婚", "领证", "登记结婚"),
    ("上学", "入学", "读书", "念书"),
    ("失业", "下岗", "没工作", "丢了工作", "失业金"),
    ("工作", "就业", "找工作"),
    ("开店", "开超市", "个体户", "开小卖部", "开便利店", "做生意"),
    ("小卖部", "便利店", "小超市", "超市", "商店"),
    ("营业执照", "执照", "工商登记"),
    ("身份证", "居民身份证"),
    ("暂住证", "居住证"),
    ("残疾证", "残疾人证"),
    ("怀孕", "生育", "二胎", "三胎"),
    ("困难", "贫困", "穷", "家境困难"),
)

# One-way entries: the left word also means the right ones (not the reverse).
_DIRECTED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("低保", ("最低生活保障",)),
    ("五保", ("特困人员", "特困供养")),
    ("五保户", ("特困人员", "特困供养")),
    ("去世", ("身后", "丧葬")),
    ("死亡", ("身后",)),
    ("后事", ("身后", "丧葬")),
    ("丧事", ("身后", "丧葬")),
    ("生孩子", ("出生", "新生儿")),
    ("宝宝", ("新生儿",)),
    ("新生儿", ("出生",)),
    ("准生证", ("生育登记",)),
    ("疫苗", ("预防接种",)),
    ("打针", ("预防接种",)),
    ("预防针", ("预防接种",)),
    ("退休", ("退休一件事",)),
    ("开店", ("个体工商户", "开小超市")),
    ("租房", ("公共租赁住房", "公租房")),
    ("廉租房", ("公共租赁住房", "公租房")),
    ("公租房", ("公共租赁住房",)),
    ("急事", ("临时救助",)),
    ("救急", ("临时救助",)),
    ("卖烟", ("烟草专卖零售许可",)),
    ("烟草证", ("烟草专卖零售许可证",)),
    # English: the few words a foreign resident or a volunteer types most
    ("birth", ("出生", "新生儿")),
    ("born", ("出生",)),
    ("baby", ("新生儿", "孩子")),
    ("newborn", ("新生儿", "出生")),
    ("child", ("孩子",)),
    ("children", ("孩子",)),
    ("kid", ("孩子",)),
    ("elderly", ("老年人", "高龄")),
    ("old", ("老年人",)),
    ("senior", ("老年人",)),
    ("allowance", ("补贴", "津贴")),
    ("subsidy", ("补贴", "津贴")),
    ("benefit", ("补贴", "待遇")),
    ("pension", ("养老金", "养老保险")),
    ("retire", ("退休",)),
    ("retirement", ("退休",)),
    ("death", ("身后", "死亡")),
    ("died", ("去世",)),
    ("funeral", ("丧葬", "身后")),
    ("marriage", ("婚姻登记", "结婚")),
    ("marry", ("结婚",)),
    ("wedding", ("结婚",)),
    ("school", ("入学", "上学")),
    ("enrollment", ("入学", "报名")),
    ("unemployment", ("失业",)),
    ("unemployed", ("失业",)),
    ("job", ("就业",)),
    ("employment", ("就业",)),
    ("housing", ("住房",)),
    ("rent", ("租赁",)),
    ("rental", ("租赁",)),
    ("residence permit", ("居住证",)),
    ("id card", ("居民身份证",)),
    ("identity card", ("居民身份证",)),
    ("disability", ("残疾人",)),
    ("disabled", ("残疾人",)),
    ("insurance", ("保险",)),
    ("medical", ("医疗",)),
    ("health insurance", ("医疗保险",)),
    ("shop", ("开店", "小超市")),
    ("store", ("开店", "小超市")),
    ("business", ("个体工商户",)),
    ("license", ("许可证", "执照")),
    ("licence", ("许可证", "执照")),
    ("tobacco", ("烟草",)),
    ("food", ("食品",)),
    ("hukou", ("户口",)),
    ("household", ("户口",)),
    ("poverty", ("低保", "困难")),
    ("poor", ("困难", "低保")),
    ("low income", ("低保", "最低生活保障")),
    ("minimum living", ("最低生活保障",)),
    ("relief", ("救助",)),
    ("assistance", ("救助",)),
    ("certificate", ("证明", "证")),
    ("registration", ("登记",)),
    ("vaccine", ("预防接种",)),
    ("vaccination", ("预防接种",)),
    ("card", ("证",)),
)


def _defaults() -> SynonymTable:
    table: dict[str, list[str]] = {}
    for group in _GROUPS:
        for word in group:
            table.setdefault(word, []).extend(w for w in group if w != word)
    for word, words in _DIRECTED:
        table.setdefault(word, []).extend(words)
    return normalize_synonyms(table)


def normalize_synonyms(table: Mapping[str, Iterable[str]]) -> SynonymTable:
    """``table`` with words folded (:func:`fold`), blanks and self-references dropped, duplicates merged
    (first-seen order); words left without synonyms are dropped. Sorted by word, so equal tables compare
    and serialise equal."""
    merged: dict[str, list[str]] = {}
    for word, words in table.items():
        key = fold(word)
        if not key:
            continue
        out = merged.setdefault(key, [])
        for w in words:
            value = fold(w)
            if value and value != key and value not in out:
                out.append(value)
    return {k: tuple(v) for k, v in sorted(merged.items()) if v}


#: The table a catalog carries when the district has not published its own (and what the console offers
#: to start from). Groups: 孩子/小孩/宝宝, 老人/老年人/高龄, 开店/开超市/个体户, 去世/过世/死亡 …; one-way:
#: 低保 → 最低生活保障, 五保户 → 特困人员 …; and common English words (birth, pension, retirement …).
DEFAULT_SYNONYMS: Mapping[str, tuple[str, ...]] = _defaults()


def parse_synonym_text(text: str) -> tuple[SynonymTable, list[tuple[int, str, dict[str, object]]]]:
    """The table written in ``text`` (see the module docstring) and its problems as ``(line, code, params)``
    with message codes of :mod:`casework.messages` (``synonyms.no_separator``, ``synonyms.empty`` …). Lines
    with a problem are left out of the table; the caller decides whether to save anyway (the console does
    not)."""
    table: dict[str, list[str]] = {}
    problems: list[tuple[int, str, dict[str, object]]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = _KEY_SEPARATOR.split(line, maxsplit=1)
        if len(parts) != 2:
            problems.append((number, "synonyms.no_separator", {"line": number, "text": line[:40]}))
            continue
        word = fold(parts[0])
        words = [fold(w) for w in _VALUE_SEPARATOR.split(parts[1]) if w.strip()]
        if not word or not words:
            problems.append((number, "synonyms.empty", {"line": number, "text": line[:40]}))
            continue
        long = [w for w in (word, *words) if len(w) > MAX_WORD_LENGTH]
        if long:
            problems.append(
                (number, "synonyms.too_long", {"line": number, "word": long[0], "limit": MAX_WORD_LENGTH})
            )
            continue
        table.setdefault(word, []).extend(words)
    normalized = normalize_synonyms(table)
    if len(normalized) > MAX_SYNONYM_ENTRIES:
        problems.append((0, "synonyms.too_many", {"count": len(normalized), "limit": MAX_SYNONYM_ENTRIES}))
    return normalized, problems


def format_synonym_text(table: Mapping[str, Iterable[str]]) -> str:
    """One ``word：synonym、synonym`` line per word, sorted (what :func:`parse_synonym_text` reads back)."""
    return "".join(f"{word}：{'、'.join(words)}\n" for word, words in sorted(table.items()))


def synonym_issues(table: Mapping[str, Iterable[str]]) -> list[tuple[str, str, dict[str, object]]]:
    """Rule breaks of a table as ``(kind, word, params)``: ``synonym_blank`` (an empty word or synonym),
    ``synonym_too_long`` (over :data:`MAX_WORD_LENGTH` characters), ``synonym_unfolded`` (a word not in
    :func:`fold` form, which the search would never find), ``synonym_list_too_long`` and
    ``too_many_synonyms``. ``Catalog.validate`` reports them as catalog problems."""
    out: list[tuple[str, str, dict[str, object]]] = []
    if len(table) > MAX_SYNONYM_ENTRIES:
        out.append(("too_many_synonyms", "", {"count": len(table), "limit": MAX_SYNONYM_ENTRIES}))
    for word, words in table.items():
        values = list(words)
        if not word.strip() or any(not w.strip() for w in values) or not values:
            out.append(("synonym_blank", word, {"word": word}))
            continue
        long = [w for w in (word, *values) if len(w) > MAX_WORD_LENGTH]
        if long:
            out.append(("synonym_too_long", word, {"word": long[0], "limit": MAX_WORD_LENGTH}))
        if any(fold(w) != w for w in (word, *values)):
            out.append(("synonym_unfolded", word, {"word": word}))
        if len(values) > MAX_SYNONYMS_PER_WORD:
            out.append(("synonym_list_too_long", word, {"word": word, "limit": MAX_SYNONYMS_PER_WORD}))
    return out
