"""Relevance ranking for the guide search: what a resident says → the items and 一件事 that answer it.

:class:`RelevanceIndex` scores catalog entries for a free-text query; ``casework.guide_search.GuideIndex``
puts its answers after the exact / prefix / initials matches workers rely on. Pure code, no I/O.

How a query is read (:meth:`RelevanceIndex.plan`):

1. normalised (:func:`casework.guide_text.normalize`); filler words dropped, except inside a catalog word;
2. **phrases** — the query's own words (weight 1), the catalog words its pinyin spells (typed pinyin "dibao",
   or a same-sounding character "底保": 0.9 / 0.7), and their **synonyms** from the district's 同义词表
   (× 0.8, one level);
3. **terms** — character bigrams of the phrases and pinyin syllable bigrams (for 同音字).

How an entry is scored (:meth:`RelevanceIndex.score`):

* BM25 over weighted fields — name 3, keywords (俗称) 2.5, life events 1.5 (a 一件事: 3), member items of a
  一件事 0.6, department 0.6, type 0.4, material names 0.3, and the pinyin of name and keywords;
* plus a phrase bonus when a whole keyword or name occurs in the query (longer matches count more);
* plus a bonus for a 一件事 whose life event the query names ("去世" → 身后 → 身后一件事);
* when nothing scores well, rapidfuzz over the pinyin and characters of names and keywords (one wrong
  character, a dropped letter) — those hits are flagged ``similar``; weaker ones become ``suggestions``.

Index build is linear in the catalog (pinyin of every name and keyword is the main cost; about 1–2 s for
10,000 items); a query costs well under 5 ms at that size (``bench/guide_search.py``).

Hazards: weights and cut-offs are tuned on ``tests/casework/guide_eval.json`` against the sample catalog;
change them only with the evaluation test and the held-out set in view. Scores are not comparable across
queries.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from casework.catalog import Bundle, Catalog, Item, ItemStatus
from casework.guide_text import (
    ascii_tokens,
    bigrams,
    han_runs,
    is_han,
    normalize,
    pinyin_syllables,
    segment_pinyin,
    strip_fillers,
)
from casework.synonyms import fold

__all__ = ["Phrase", "QueryPlan", "RelevanceIndex", "Scored"]

# ----------------------------------------------------------------------------------------- tuning

FIELD_WEIGHTS: Mapping[str, float] = {
    "name": 3.0,
    "keywords": 2.5,
    "events": 1.5,
    "members": 0.6,
    "department": 0.6,
    "type": 0.4,
    "materials": 0.3,
    "name_py": 1.2,
    "keywords_py": 1.0,
}
BUNDLE_EVENT_WEIGHT = 3.0  # a 一件事 is the answer to a life-event query
K1, B = 1.2, 0.5
PHRASE_NAME = 9.0  # a whole name inside the query
PHRASE_KEYWORD = 8.0  # a whole keyword inside the query
EVENT_BUNDLE_BONUS = 4.0  # a 一件事 of a life event the query names
W_SYNONYM = 0.8
W_TYPED_PINYIN = 0.9
W_HOMOPHONE = 0.7
W_PINYIN_TERMS = 0.5
CANCELLED_FACTOR = 0.6
MIN_SCORE = 2.0
RELATIVE_CUTOFF = 0.3
WEAK_SCORE = 6.0  # below this best score, typo matching (rapidfuzz) runs too
FUZZY_HIT = 84.0  # rapidfuzz ratio that counts as a hit ("similar")
FUZZY_SUGGEST = 62.0  # … and that is still offered as a suggestion when nothing else matched
FUZZY_SCORE = 7.0
FUZZY_ONE_CHARACTER = 90.0  # what one wrong character in a word of three or more counts as
_PREFIX_LENGTHS = tuple(range(7, 17))  # typed pinyin of 6–15 letters is also compared with name starts
MAX_PHRASE = 14
COMMON_TERM = 300  # postings beyond which a term only re-scores entries other terms found
_STOPWORD_TEXT = (
    "a an the to of for my i we want wanna how do does get apply need what is are where can in on at and me "
    "please with about"
)
ENGLISH_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class Phrase:
    """A piece of the query to look for: its text (normalised), weight, where it came from (``query``,
    ``pinyin`` — spelt by typed pinyin, ``sound`` — a same-sounding word, ``synonym``) and how much of the
    query it stands for (``coverage``, 0–1)."""

    text: str
    weight: float
    origin: str
    coverage: float = 1.0


@dataclass(frozen=True, slots=True)
class QueryPlan:
    core: str  # the query's Chinese words without fillers, joined
    phrases: tuple[Phrase, ...]
    terms: Mapping[str, float]  # term -> query weight
    raw_han: tuple[str, ...]  # Chinese runs as typed (fillers kept), for keywords that contain a filler
    fuzzy_keys: tuple[str, ...]  # what typo matching compares: the core and the query's pinyin


@dataclass(slots=True)
class Scored:
    """Relevance of the entries a query touches. ``scores``: doc id → score (after cut-offs);
    ``matched``: doc id → (catalog word that explains it, origin, PHRASE_NAME or PHRASE_KEYWORD) for
    whole-word matches;
    ``similar``: doc ids found only by typo matching; ``suggestions``: closest doc ids when nothing
    passed, best first."""

    scores: dict[int, float] = field(default_factory=dict)
    matched: dict[int, tuple[str, str, float]] = field(default_factory=dict)
    similar: set[int] = field(default_factory=set)
    suggestions: list[int] = field(default_factory=list)


class _Fields:
    """Per-document term counts by field, accumulated while indexing."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}
        self.lengths: dict[str, int] = {}

    def add(self, name: str, terms: Sequence[str]) -> None:
        bucket = self.counts.setdefault(name, {})
        for t in terms:
            bucket[t] = bucket.get(t, 0) + 1
        self.lengths[name] = self.lengths.get(name, 0) + len(terms)


_Postings = Mapping[str, tuple[tuple[int, float], ...]]
_STRONG_FIELDS = ("name", "keywords", "events", "members", "name_py", "keywords_py")
_WEAK_FIELDS = ("department", "type", "materials")


def _text_terms(text: str) -> list[str]:
    norm = normalize(text)
    out: list[str] = []
    for run in han_runs(norm):
        out.extend(bigrams(run))
    out.extend(w for w in ascii_tokens(norm) if not w.isdigit())
    return out


def _pinyin_terms(syllables: Sequence[str]) -> list[str]:
    return [f"p:{a} {b}" for a, b in pairwise(syllables)]


class RelevanceIndex:
    """BM25 fields, phrase tables and typo-matching lists over ``entries`` (doc id = position).

    ``memo`` caches pinyin by text across the indexes of one build (names repeat as keywords)."""

    def __init__(
        self,
        entries: Sequence[Item | Bundle],
        catalog: Catalog,
        *,
        memo: dict[str, list[str]] | None = None,
    ) -> None:
        self._memo = memo if memo is not None else {}
        self._n = len(entries)
        self._cancelled = [e.status is ItemStatus.CANCELLED for e in entries]
        self._is_bundle = [isinstance(e, Bundle) for e in entries]
        self._events: list[frozenset[str]] = [frozenset(ev.value for ev in e.life_events) for e in entries]
        synonyms = {fold(k): tuple(fold(v) for v in vs) for k, vs in catalog.synonyms.items()}
        self._synonyms = synonyms
        self._max_synonym = max((len(k) for k in synonyms), default=1)

        phrases: dict[str, list[tuple[int, float]]] = {}  # word -> (doc, phrase weight)
        spelled: dict[str, set[str]] = {}  # pinyin spelling -> catalog words
        fuzzy: dict[str, set[int]] = {}  # typo matching: characters and pinyin of names and keywords
        fields_by_doc: list[_Fields] = []
        terms_memo: dict[str, list[str]] = {}

        def terms(text: str) -> list[str]:
            found = terms_memo.get(text)
            if found is None:
                found = terms_memo[text] = _text_terms(text)
            return found

        def word(doc: int, text: str, syllables: list[str], weight: float) -> None:
            phrases.setdefault(text, []).append((doc, weight))
            fuzzy.setdefault(text, set()).add(doc)
            if len(syllables) >= 2:
                spelling = "".join(syllables)
                spelled.setdefault(spelling, set()).add(text)
                fuzzy.setdefault(spelling, set()).add(doc)

        type_names = {code: catalog.item_type_name(code) for code in catalog.item_types}
        for doc, e in enumerate(entries):
            f = _Fields()
            syl = self._syllables(e.name)  # keyed like GuideIndex's memo: one pypinyin call per name
            f.add("name", terms(e.name))
            f.add("name_py", _pinyin_terms(syl))
            word(doc, normalize(e.name), syl, PHRASE_NAME)
            for kw in e.keywords:
                k = normalize(kw)
                if not k:
                    continue
                ksyl = self._syllables(k)
                f.add("keywords", terms(k))
                f.add("keywords_py", _pinyin_terms(ksyl))
                word(doc, k, ksyl, PHRASE_KEYWORD)
            f.add("events", [t for ev in e.life_events for t in terms(ev.value)])
            members: Sequence[Item]
            if isinstance(e, Item):
                members = (e,)
                f.add("materials", [t for m in e.materials for t in terms(m.name)])
            else:
                members = [catalog.item(c) for c in e.item_codes if catalog.has_item(c)]
                f.add("members", [t for m in members for t in terms(m.name)])
            f.add("department", [t for d in {m.department for m in members} for t in terms(d)])
            f.add("type", [t for c in {m.item_type for m in members} for t in terms(type_names.get(c, c))])
            fields_by_doc.append(f)
        vocabulary = {w for w in phrases if is_han(w)}
        for key, words in synonyms.items():
            for w in (key, *words):
                if is_han(w) and w not in vocabulary:
                    vocabulary.add(w)
                    wsyl = self._syllables(w)
                    if len(wsyl) >= 2:
                        spelled.setdefault("".join(wsyl), set()).add(w)
        self._phrases = {k: tuple(v) for k, v in phrases.items()}
        self._max_phrase = min(MAX_PHRASE, max((len(k) for k in phrases), default=1))
        self._vocabulary = frozenset(vocabulary)
        self._max_word = min(MAX_PHRASE, max((len(w) for w in vocabulary), default=1))
        self._spelled = {k: tuple(sorted(v)) for k, v in spelled.items()}
        self._max_spelled = max((len(k) for k in spelled), default=1)
        self._fuzzy_han = [k for k in fuzzy if not k.isascii()]
        self._fuzzy_han_docs = [tuple(sorted(fuzzy[k])) for k in self._fuzzy_han]
        self._fuzzy_py = [k for k in fuzzy if k.isascii()]
        self._fuzzy_py_docs = [tuple(sorted(fuzzy[k])) for k in self._fuzzy_py]
        self._fuzzy_py_prefixes = {n: [k[:n] for k in self._fuzzy_py] for n in _PREFIX_LENGTHS}
        self._postings, self._weak = self._bm25(fields_by_doc)
        self._common = max(COMMON_TERM, self._n // 20)
        self._lookups: dict[str, dict[int, float]] = {}  # term -> {doc: score}, built on first use
        event_bundles: dict[str, list[int]] = {}
        for doc, e in enumerate(entries):
            if self._is_bundle[doc]:
                for ev in e.life_events:
                    event_bundles.setdefault(ev.value, []).append(doc)
        self._event_bundles = {k: tuple(v) for k, v in event_bundles.items()}

    # ------------------------------------------------------------------------------------- building

    def _syllables(self, text: str) -> list[str]:
        found = self._memo.get(text)
        if found is None:
            found = self._memo[text] = pinyin_syllables(text)
        return found

    def _bm25(self, docs: Sequence[_Fields]) -> tuple[_Postings, _Postings]:
        """BM25F postings (term -> ((doc, score), …)), split into the strong fields, which find entries,
        and the weak ones (department, type, materials), which only re-score entries found otherwise."""
        n = max(len(docs), 1)
        avg = {name: max(sum(d.lengths.get(name, 0) for d in docs) / n, 1.0) for name in FIELD_WEIGHTS}
        df: dict[str, int] = {}
        for d in docs:
            for t in {t for bucket in d.counts.values() for t in bucket}:
                df[t] = df.get(t, 0) + 1
        idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        strong: dict[str, list[tuple[int, float]]] = {}
        weak: dict[str, list[tuple[int, float]]] = {}
        for doc, d in enumerate(docs):
            for table, names in ((strong, _STRONG_FIELDS), (weak, _WEAK_FIELDS)):
                weighted: dict[str, float] = {}
                for name in names:
                    bucket = d.counts.get(name)
                    if not bucket:
                        continue
                    weight = FIELD_WEIGHTS[name]
                    if name == "events" and self._is_bundle[doc]:
                        weight = BUNDLE_EVENT_WEIGHT
                    scale = weight / (1 - B + B * d.lengths[name] / avg[name])
                    for t, tf in bucket.items():
                        weighted[t] = weighted.get(t, 0.0) + tf * scale
                for t, tfw in weighted.items():
                    table.setdefault(t, []).append((doc, idf[t] * tfw * (K1 + 1) / (K1 + tfw)))
        return {t: tuple(p) for t, p in strong.items()}, {t: tuple(p) for t, p in weak.items()}

    # ------------------------------------------------------------------------------------- queries

    def _is_word(self, text: str) -> bool:
        return text in self._vocabulary

    def plan(self, query: str) -> QueryPlan:
        """How ``query`` is read (see the module docstring)."""
        norm = normalize(query)
        raw_han = tuple(han_runs(norm))
        cores = [strip_fillers(run, self._is_word, self._max_word) for run in raw_han]
        core = "".join(c for c in cores if c)
        if not core and raw_han:  # the query was nothing but filler words: take it as typed
            cores, core = list(raw_han), "".join(raw_han)
        core_len = max(len(core), 1)
        phrases: list[Phrase] = [Phrase(c, 1.0, "query", len(c) / core_len) for c in cores if c]

        words = [t for t in ascii_tokens(norm) if not t.isdigit()]
        syllables: list[str] = []
        english = False
        for t in words:
            seg = segment_pinyin(t)
            if seg is None:
                english = True
            else:
                syllables.extend(seg)
        for word, span in self._spelled_words(syllables):
            phrases.append(Phrase(word, W_TYPED_PINYIN, "pinyin", span / max(len(syllables), 1)))
        # Latin words: synonyms of single words and of two- and three-word phrases (English)
        plain = [w for w in words if w not in ENGLISH_STOPWORDS] if english else words
        for size in (3, 2, 1):
            for i in range(len(plain) - size + 1):
                key = " ".join(plain[i : i + size])
                targets = self._synonyms.get(key, ())
                for target in targets:
                    weight = W_SYNONYM / math.sqrt(len(targets))
                    phrases.append(Phrase(target, weight, "synonym", size / max(len(plain), 1)))
        # same-sounding characters: catalog words spelt like part of the core but written otherwise
        core_syllables: list[str] = []
        for c in cores:
            core_syllables.extend(self._syllables(c) if c else [])
        for word, span in self._spelled_words(core_syllables):
            if word not in core:
                phrases.append(Phrase(word, W_HOMOPHONE, "sound", span / max(len(core_syllables), 1)))
        # synonyms of the Chinese phrases (one level), looked up inside each phrase and the raw runs
        expanded: list[Phrase] = []
        seen = {p.text for p in phrases}
        sources = [*phrases, *(Phrase(r, 1.0, "query", min(1.0, len(r) / core_len)) for r in raw_han)]
        for p in sources:
            if not is_han(p.text):
                continue
            for key in self._contained(p.text, self._synonyms, self._max_synonym, min_len=1):
                targets = self._synonyms[key]
                weight = p.weight * W_SYNONYM / math.sqrt(len(targets))
                coverage = p.coverage * min(1.0, len(key) / len(p.text))
                for target in targets:
                    if target not in seen:
                        seen.add(target)
                        expanded.append(Phrase(target, weight, "synonym", coverage))
        phrases += expanded

        terms: dict[str, float] = {}
        for p in phrases:
            for run in han_runs(p.text):
                for t in bigrams(run):
                    terms[t] = max(terms.get(t, 0.0), p.weight)
            for w in ascii_tokens(p.text):
                if not w.isdigit() and w not in ENGLISH_STOPWORDS:
                    terms[w] = max(terms.get(w, 0.0), p.weight)
        for t in _pinyin_terms(syllables):
            terms[t] = max(terms.get(t, 0.0), W_TYPED_PINYIN)
        if any(t not in self._postings for c in cores for t in bigrams(c)):
            for t in _pinyin_terms(core_syllables):  # a bigram the catalog never uses: maybe 同音字
                terms[t] = max(terms.get(t, 0.0), W_PINYIN_TERMS)
        typed = "".join(words)
        fuzzy_keys = [k for k in (core, "".join(core_syllables), typed) if len(k) >= 2]
        return QueryPlan(core, tuple(phrases), terms, raw_han, tuple(dict.fromkeys(fuzzy_keys)))

    def _spelled_words(self, syllables: Sequence[str]) -> list[tuple[str, int]]:
        """Catalog words whose pinyin equals a run of two or more of ``syllables``, with the run's length."""
        out: dict[str, int] = {}
        n = len(syllables)
        for i in range(n):
            text = ""
            for j in range(i, n):
                text += syllables[j]
                if len(text) > self._max_spelled:
                    break
                if j > i:
                    for word in self._spelled.get(text, ()):
                        out[word] = max(out.get(word, 0), j - i + 1)
        return list(out.items())

    @staticmethod
    def _contained(text: str, table: Mapping[str, object], max_len: int, *, min_len: int = 2) -> list[str]:
        """Keys of ``table`` that occur in ``text``, longest first."""
        found: list[str] = []
        n = len(text)
        for size in range(min(max_len, n), min_len - 1, -1):
            for i in range(n - size + 1):
                piece = text[i : i + size]
                if piece in table:
                    found.append(piece)
        return list(dict.fromkeys(found))

    def score(self, plan: QueryPlan, allowed: bytes | None = None, *, literal: bool = False) -> Scored:
        """Scores of the entries ``plan`` touches, cut to the relevant ones (see :class:`Scored`).
        ``allowed`` (a little-endian bitmap by doc id) leaves filtered-out entries out before the
        cut-offs; ``literal`` says the query occurs as typed in some name or label, so typo matching is
        not needed."""
        acc: dict[int, float] = {}
        # rare terms first; a common term (a bigram of half the catalog's names) only adds to the entries
        # already found, so one query cannot walk the whole catalog
        terms = sorted(
            ((term, weight) for term, weight in plan.terms.items() if term in self._postings),
            key=lambda tw: len(self._postings[tw[0]]),
        )
        for term, weight in terms:
            postings = self._postings[term]
            if acc and len(postings) > self._common:
                self._rescore(acc, term, weight, self._postings)
                continue
            for doc, s in postings:
                acc[doc] = acc.get(doc, 0.0) + weight * s
        # whole keywords and names found in the query: the best one's weight, scaled by how much of the
        # query the entry's words cover together
        best_word: dict[int, float] = {}
        covered: dict[int, dict[str, float]] = {}
        matched: dict[int, tuple[str, str, float]] = {}
        core_len = max(len(plan.core), 1)
        scans = [(p.text, p.weight, p.origin, p.coverage) for p in plan.phrases if is_han(p.text)]
        scans += [(r, 1.0, "query", min(1.0, len(r) / core_len)) for r in plan.raw_han]
        for text, weight, origin, coverage in scans:
            for word in self._contained(text, self._phrases, self._max_phrase):
                share = coverage * len(word) / len(text)
                for doc, base in self._phrases[word]:
                    value = weight * base
                    if value > best_word.get(doc, 0.0):
                        best_word[doc] = value
                        matched[doc] = (word, origin, base)
                    words = covered.setdefault(doc, {})
                    words[word] = max(words.get(word, 0.0), share)
        bonus = {
            doc: value * (0.5 + 0.5 * min(1.0, sum(covered[doc].values())))
            for doc, value in best_word.items()
        }
        for doc in {d for label in self._named_events(plan) for d in self._event_bundles[label]}:
            bonus[doc] = bonus.get(doc, 0.0) + EVENT_BUNDLE_BONUS
        for doc in bonus.keys() - acc.keys():
            acc[doc] = 0.0
        for term, weight in plan.terms.items():  # department, type, materials: re-score only
            if term in self._weak:
                self._rescore(acc, term, weight, self._weak)
        totals: dict[int, float] = {}
        for doc in acc:
            if allowed is not None and not allowed[doc >> 3] >> (doc & 7) & 1:
                continue
            value = acc.get(doc, 0.0) + bonus.get(doc, 0.0)
            if self._cancelled[doc]:
                value *= CANCELLED_FACTOR
            totals[doc] = value
        best = max(totals.values(), default=0.0)
        out = Scored(matched={d: m for d, m in matched.items() if d in totals})
        floor = max(MIN_SCORE, RELATIVE_CUTOFF * best)
        out.scores = {d: v for d, v in totals.items() if v >= floor}
        if best < WEAK_SCORE and plan.fuzzy_keys and not literal:
            self._typos(plan, out, allowed, totals)
        return out

    def _named_events(self, plan: QueryPlan) -> frozenset[str]:
        return frozenset(label for p in plan.phrases for label in self._event_bundles if label in p.text)

    def _rescore(self, acc: dict[int, float], term: str, weight: float, table: _Postings) -> None:
        """Add ``term``'s scores to the entries in ``acc`` only."""
        key = ("w:" if table is self._weak else "s:") + term
        lookup = self._lookups.get(key)
        if lookup is None:
            lookup = self._lookups[key] = dict(table[term])
        if len(lookup) < len(acc):
            for doc, s in lookup.items():
                if doc in acc:
                    acc[doc] += weight * s
            return
        for doc in acc:
            found = lookup.get(doc)
            if found is not None:
                acc[doc] += weight * found

    def _typos(
        self, plan: QueryPlan, out: Scored, allowed: bytes | None, totals: Mapping[int, float]
    ) -> None:
        """rapidfuzz over the characters and pinyin of names and keywords: strong matches become
        ``similar`` hits, weaker ones suggestions (only when nothing else passed).

        Strong: one wrong, missing or extra character in a word of three or more ("居往证" → 居住证); pinyin
        within :data:`FUZZY_HIT` (a dropped or swapped letter, "dibo" → dibao), also against the start of a
        longer name's pinyin ("gaolingjintei" → gaolingjintie…)."""
        best: dict[int, float] = {}

        def note(index: int, ratio: float, docs: Sequence[tuple[int, ...]]) -> None:
            for doc in docs[index]:
                if (allowed is None or allowed[doc >> 3] >> (doc & 7) & 1) and ratio > best.get(doc, 0.0):
                    best[doc] = ratio

        core = plan.core
        if core:
            if len(core) >= 3:
                for _w, _distance, index in process.extract(
                    core, self._fuzzy_han, scorer=Levenshtein.distance, score_cutoff=1, limit=12
                ):
                    note(index, FUZZY_ONE_CHARACTER, self._fuzzy_han_docs)
            for _w, ratio, index in process.extract(
                core, self._fuzzy_han, scorer=fuzz.ratio, score_cutoff=FUZZY_SUGGEST, limit=12
            ):
                note(index, min(ratio, FUZZY_HIT - 1), self._fuzzy_han_docs)  # suggestions only
        for key in plan.fuzzy_keys:
            if not key.isascii():
                continue
            for _w, ratio, index in process.extract(
                key, self._fuzzy_py, scorer=fuzz.ratio, score_cutoff=FUZZY_SUGGEST, limit=12
            ):
                note(index, ratio, self._fuzzy_py_docs)
            prefixes = self._fuzzy_py_prefixes.get(min(len(key) + 1, _PREFIX_LENGTHS[-1]))
            if prefixes is not None:  # typed pinyin is the start of a longer name: compare with starts
                for _w, ratio, index in process.extract(
                    key, prefixes, scorer=fuzz.ratio, score_cutoff=FUZZY_HIT, limit=12
                ):
                    note(index, ratio, self._fuzzy_py_docs)
        for doc, ratio in best.items():
            if ratio >= FUZZY_HIT and doc not in out.scores:
                value = FUZZY_SCORE * ratio / 100 * (CANCELLED_FACTOR if self._cancelled[doc] else 1.0)
                out.scores[doc] = max(value, totals.get(doc, 0.0))
                out.similar.add(doc)
        if not out.scores:
            ranked = heapq.nlargest(5, best.items(), key=lambda kv: (kv[1], -kv[0]))
            partial = heapq.nlargest(5, totals.items(), key=lambda kv: (kv[1], -kv[0]))
            out.suggestions = list(dict.fromkeys([d for d, _ in ranked] + [d for d, _ in partial]))[:5]
