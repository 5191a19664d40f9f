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
  一件事 0.6, and the pinyin of name and keywords; department 0.6, type 0.4 and material names 0.3 only
  re-score entries found otherwise (they are shared by thousands of items);
* plus a phrase bonus when a whole keyword or name occurs in the query, scaled by how much of the query the
  entry's words cover;
* plus a bonus for a 一件事 whose life event the query names ("去世" → 身后 → 身后一件事);
* an entry found only by the query's own characters must share two of its words when the query has several
  (a synonym or a spelled catalog word counts alone), so one common word is not a match;
* when nothing scores well, rapidfuzz over the characters and pinyin of names and keywords (one wrong
  character, also in the start of a longer name; a pinyin spelling a letter off) — those hits are flagged
  ``similar``; when nothing matched at all, the closest strings become ``suggestions``.

Index build is linear in the catalog (about 2 s for 10,000 items on the shared machine; pinyin is
remembered per word, the weak fields scored per distinct value); a query costs well under 5 ms at that size
(``bench/guide_search.py``): terms are walked rarest first, a common first term brings in only its best
:data:`TOP_POSTINGS` entries, typo matching only sees strings whose length can reach the cut-off.

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
from operator import itemgetter
from typing import Any

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
FUZZY_SUGGEST_PINYIN = 72.0  # pinyin strings share letters by chance: a higher bar for suggestions
FUZZY_SCORE = 7.0
FUZZY_ONE_CHARACTER = 90.0  # what one wrong character in a word of three or more counts as
_PREFIX_LENGTHS = tuple(range(7, 17))  # typed pinyin of 6–15 letters is also compared with name starts
MAX_PHRASE = 14
COMMON_TERM = 300  # postings beyond which a term only re-scores entries other terms found
WEAK_RESCORE = 500  # department / type / material words re-score at most this many leading entries
TOP_POSTINGS = 1000  # entries a term brings in at most (its best); the worker-path masks list the rest
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
    literal: frozenset[str]  # the terms only the query's own characters produced (no synonym, no pinyin)
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
        strong_fields: list[dict[str, list[str]]] = []  # per doc: field -> terms
        weak_keys: dict[tuple[tuple[str, ...], ...], int] = {}  # (departments, types, materials) -> id
        weak_fields: list[dict[str, list[str]]] = []  # per signature: field -> terms
        doc_signature: list[int] = []
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
            syl = self._syllables(e.name)  # keyed like GuideIndex's memo: one conversion per name
            f: dict[str, list[str]] = {"name": terms(e.name), "name_py": _pinyin_terms(syl)}
            word(doc, normalize(e.name), syl, PHRASE_NAME)
            kw_terms: list[str] = []
            kw_py: list[str] = []
            for kw in e.keywords:
                k = normalize(kw)
                if not k:
                    continue
                ksyl = self._syllables(k)
                kw_terms += terms(k)
                kw_py += _pinyin_terms(ksyl)
                word(doc, k, ksyl, PHRASE_KEYWORD)
            f["keywords"], f["keywords_py"] = kw_terms, kw_py
            f["events"] = [t for ev in e.life_events for t in terms(ev.value)]
            members: Sequence[Item]
            materials: tuple[str, ...] = ()
            if isinstance(e, Item):
                members = (e,)
                materials = tuple(m.name for m in e.materials)
            else:
                members = [catalog.item(c) for c in e.item_codes if catalog.has_item(c)]
                f["members"] = [t for m in members for t in terms(m.name)]
            strong_fields.append({k: v for k, v in f.items() if v})
            departments = tuple(sorted({m.department for m in members}))
            types = tuple(sorted({m.item_type for m in members}))
            sig = weak_keys.get((departments, types, materials))
            if sig is None:
                sig = weak_keys[(departments, types, materials)] = len(weak_fields)
                weak = {
                    "department": [t for d in departments for t in terms(d)],
                    "type": [t for c in types for t in terms(type_names.get(c, c))],
                    "materials": [t for name in materials for t in terms(name)],
                }
                weak_fields.append({k: v for k, v in weak.items() if v})
            doc_signature.append(sig)
        vocabulary = {w for w in phrases if is_han(w)}
        for head, words in synonyms.items():
            for w in (head, *words):
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
        self._fuzzy_han = _Buckets({k: v for k, v in fuzzy.items() if not k.isascii()})
        han_starts: dict[str, set[int]] = {}  # the first 3–8 characters of every longer name or keyword
        for k, v in fuzzy.items():
            if not k.isascii():
                for n in range(3, min(len(k), 9)):
                    han_starts.setdefault(k[:n], set()).update(v)
        self._fuzzy_han_starts = _Buckets(han_starts)
        self._fuzzy_py = _Buckets({k: v for k, v in fuzzy.items() if k.isascii()})
        starts: dict[str, set[int]] = {}  # the first 7–16 letters of every longer pinyin spelling
        for k, v in fuzzy.items():
            if k.isascii():
                for n in _PREFIX_LENGTHS:
                    if len(k) > n:
                        starts.setdefault(k[:n], set()).update(v)
        self._fuzzy_py_prefixes = _Buckets(starts)
        self._postings, self._weak = self._bm25(strong_fields, weak_fields, doc_signature)
        self._doc_signature = doc_signature
        self._weak_terms = frozenset(t for scores in self._weak for t in scores)
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

    def _bm25(
        self,
        strong: Sequence[dict[str, list[str]]],
        weak: Sequence[dict[str, list[str]]],
        doc_signature: Sequence[int],
    ) -> tuple[_Postings, list[dict[str, float]]]:
        """BM25F: postings (term -> ((doc, score), …)) over the strong fields, which find entries, and per
        distinct (department, type, materials) signature the scores of the weak fields, which only
        re-score entries found otherwise (thousands of items share one department)."""
        n = max(len(strong), 1)
        uses = [0] * len(weak)
        for sig in doc_signature:
            uses[sig] += 1
        total: dict[str, int] = {}
        for f in strong:
            for name, ts in f.items():
                total[name] = total.get(name, 0) + len(ts)
        for sig, f in enumerate(weak):
            for name, ts in f.items():
                total[name] = total.get(name, 0) + len(ts) * uses[sig]
        avg = {name: max(count / n, 1.0) for name, count in total.items()}
        weak_sets = [{t for ts in f.values() for t in ts} for f in weak]
        df: dict[str, int] = {}
        for doc, f in enumerate(strong):
            mine = {t for ts in f.values() for t in ts}
            for t in mine:
                df[t] = df.get(t, 0) + 1
            for t in weak_sets[doc_signature[doc]] - mine:
                df[t] = df.get(t, 0) + 1
        idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

        def scores(fields: dict[str, list[str]], bundle: bool) -> dict[str, float]:
            weighted: dict[str, float] = {}
            for name, ts in fields.items():
                weight = BUNDLE_EVENT_WEIGHT if bundle and name == "events" else FIELD_WEIGHTS[name]
                scale = weight / (1 - B + B * len(ts) / avg[name])
                for t in ts:
                    weighted[t] = weighted.get(t, 0.0) + scale
            return {t: idf[t] * w * (K1 + 1) / (K1 + w) for t, w in weighted.items()}

        postings: dict[str, list[tuple[int, float]]] = {}
        for doc, f in enumerate(strong):
            for t, value in scores(f, self._is_bundle[doc]).items():
                postings.setdefault(t, []).append((doc, value))
        weak_scores = [scores(f, False) for f in weak]
        ordered = {t: tuple(sorted(p, key=lambda ds: (-ds[1], ds[0]))) for t, p in postings.items()}
        return ordered, weak_scores

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
        derived: set[str] = set()
        for p in phrases:
            for run in han_runs(p.text):
                for t in bigrams(run):
                    terms[t] = max(terms.get(t, 0.0), p.weight)
                    if p.origin != "query":
                        derived.add(t)
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
        literal = frozenset(t for t in terms if t not in derived and not t.startswith("p:"))
        return QueryPlan(core, tuple(phrases), terms, literal, raw_han, tuple(dict.fromkeys(fuzzy_keys)))

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
        # how many of the query's terms each entry shares: characters and pinyin counted apart, since the
        # pinyin of a word repeats the evidence of its characters
        shared: dict[int, int] = {}
        shared_py: dict[int, int] = {}
        curated: dict[int, int] = {}  # terms from a synonym or a catalog word the query's pinyin spells
        for term, weight in terms:
            postings = self._postings[term]
            counts = shared_py if term.startswith("p:") else shared if term in plan.literal else curated
            if acc and len(postings) > self._common:
                self._rescore(acc, term, weight, self._postings, counts)
                continue
            for doc, s in postings[:TOP_POSTINGS]:  # best first: a common first term brings its best only
                acc[doc] = acc.get(doc, 0.0) + weight * s
                counts[doc] = counts.get(doc, 0) + 1
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
        # an entry found only by the query's own characters must share two of its words when the query has
        # several: one common word such as 办证 is not a match for "给家里的狗办证". A synonym the district
        # wrote, or a catalog word the pinyin spells, is deliberate evidence and counts alone.
        if len(bigrams(plan.core)) >= 3:
            weak = [
                d
                for d in acc
                if d not in bonus and d not in curated and shared.get(d, 0) < 2 and shared_py.get(d, 0) < 2
            ]
            for doc in weak:
                del acc[doc]
        for doc in bonus.keys() - acc.keys():
            acc[doc] = 0.0
        weak_terms = [(t, w) for t, w in plan.terms.items() if t in self._weak_terms]
        if weak_terms:  # department, type, materials: re-score only, the leading entries at most
            leading = (
                list(acc)
                if len(acc) <= WEAK_RESCORE
                else [d for d, _ in sorted(acc.items(), key=itemgetter(1), reverse=True)[:WEAK_RESCORE]]
            )
            signatures, weak_scores = self._doc_signature, self._weak
            for doc in leading:
                signature = weak_scores[signatures[doc]]
                extra = 0.0
                for t, w in weak_terms:
                    found = signature.get(t)
                    if found is not None:
                        extra += w * found
                acc[doc] += extra
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

    def _rescore(
        self, acc: dict[int, float], term: str, weight: float, table: _Postings, shared: dict[int, int]
    ) -> None:
        """Add a common ``term``'s scores to the entries in ``acc`` only (counting shared terms)."""
        lookup = self._lookups.get(term)
        if lookup is None:
            lookup = self._lookups[term] = dict(table[term])
        pairs = (
            [(doc, s) for doc, s in lookup.items() if doc in acc]
            if len(lookup) < len(acc)
            else [(doc, lookup[doc]) for doc in acc if doc in lookup]
        )
        for doc, s in pairs:
            acc[doc] += weight * s
            shared[doc] = shared.get(doc, 0) + 1

    def _typos(
        self, plan: QueryPlan, out: Scored, allowed: bytes | None, totals: Mapping[int, float]
    ) -> None:
        """rapidfuzz over the characters and pinyin of names and keywords: strong matches become
        ``similar`` hits; when nothing matched at all, weaker ones become suggestions.

        Strong: one wrong, missing or extra character in a word of three or more, or one wrong character in
        the start of a longer name ("居往证" → 居住证, "临时求助" → 临时救助申请); pinyin
        within :data:`FUZZY_HIT` (a dropped or swapped letter, "dibo" → dibao), also against the start of a
        longer name's pinyin ("gaolingjintei" → gaolingjintie…)."""
        best: dict[int, float] = {}

        def note(docs: Sequence[int], ratio: float) -> None:
            for doc in docs:
                if (allowed is None or allowed[doc >> 3] >> (doc & 7) & 1) and ratio > best.get(doc, 0.0):
                    best[doc] = ratio

        core = plan.core
        pinyin = [k for k in plan.fuzzy_keys if k.isascii()]
        if len(core) >= 3:  # one wrong character in a name or keyword, or in the start of one
            for docs, _distance in self._fuzzy_han.match(core, Levenshtein.distance, 1, lower_is_better=True):
                note(docs, FUZZY_ONE_CHARACTER)
            if len(core) <= 8:
                for docs, distance in self._fuzzy_han_starts.match(
                    core, Levenshtein.distance, 1, lower_is_better=True, lengths=(len(core),)
                ):
                    if distance == 1:  # the exact start is a prefix match the worker paths already have
                        note(docs, FUZZY_ONE_CHARACTER)
        # pinyin typos for typed pinyin; a Chinese query's 同音字 are already spelled words, its wrong
        # characters the rule above
        typed = [k for k in pinyin if not core or len(core) < 3]
        for key in typed:
            for docs, ratio in self._fuzzy_py.match(key, fuzz.ratio, FUZZY_HIT):
                note(docs, ratio)
            if len(key) + 1 in _PREFIX_LENGTHS:  # typed pinyin is the start of a longer name's
                for docs, ratio in self._fuzzy_py_prefixes.match(
                    key, fuzz.ratio, FUZZY_HIT, lengths=(len(key) + 1,)
                ):
                    note(docs, ratio)
        for doc, ratio in best.items():
            if ratio >= FUZZY_HIT and doc not in out.scores:
                value = FUZZY_SCORE * ratio / 100 * (CANCELLED_FACTOR if self._cancelled[doc] else 1.0)
                out.scores[doc] = max(value, totals.get(doc, 0.0))
                out.similar.add(doc)
        if out.scores:
            return
        # nothing matched: the closest names and keywords (of about the query's length) become suggestions
        if core:
            near = range(max(2, len(core) - 2), len(core) + 4)
            for docs, ratio in self._fuzzy_han.match(core, fuzz.ratio, FUZZY_SUGGEST, lengths=near):
                note(docs, ratio)
        for key in typed:
            near = range(max(2, len(key) * 3 // 4), len(key) * 5 // 4 + 2)
            for docs, ratio in self._fuzzy_py.match(key, fuzz.ratio, FUZZY_SUGGEST_PINYIN, lengths=near):
                note(docs, ratio)
        ranked = heapq.nlargest(5, best.items(), key=lambda kv: (kv[1], -kv[0]))
        partial = heapq.nlargest(5, totals.items(), key=lambda kv: (kv[1], -kv[0]))
        out.suggestions = list(dict.fromkeys([d for d, _ in ranked] + [d for d, _ in partial]))[:5]


class _Buckets:
    """Strings (with the entries each belongs to) grouped by length, so that typo matching hands rapidfuzz
    only the strings whose length can reach the cut-off (a ratio of 84 allows about ±30 % length)."""

    def __init__(self, strings: Mapping[str, set[int]]) -> None:
        by_length: dict[int, dict[str, set[int]]] = {}
        for text, docs in strings.items():
            by_length.setdefault(len(text), {})[text] = docs
        self._keys = {n: list(b) for n, b in by_length.items()}
        self._docs = {n: [tuple(sorted(b[k])) for k in b] for n, b in by_length.items()}

    def match(
        self,
        query: str,
        scorer: Any,
        cutoff: float,
        *,
        lower_is_better: bool = False,
        lengths: Sequence[int] | None = None,
    ) -> list[tuple[tuple[int, ...], float]]:
        """(entries, score) of the strings within ``cutoff`` of ``query`` (a distance when
        ``lower_is_better``, else a 0–100 ratio), best 12 per length; only strings of ``lengths`` when
        given, else of every length that can reach the cut-off."""
        n = len(query)
        if lengths is None and lower_is_better:
            lengths = range(max(1, n - int(cutoff)), n + int(cutoff) + 1)
        elif lengths is None:
            share = cutoff / (200 - cutoff)  # ratio ≥ cutoff needs min/max length ≥ this
            lengths = range(max(1, math.ceil(n * share)), math.floor(n / share) + 1)
        out: list[tuple[tuple[int, ...], float]] = []
        for length in lengths:
            keys = self._keys.get(length)
            if not keys:
                continue
            for _text, value, index in process.extract(
                query, keys, scorer=scorer, score_cutoff=cutoff, limit=12
            ):
                out.append((self._docs[length][index], float(value)))
        return out
