"""A case's list summary (办件摘要): what the case list, the home tiles, the filters, search and retention
need of a case, computed from its stored document — and what it leaves out.

The station's store keeps one summary per case beside the encrypted document (``storage.docstore``: it is
computed at commit and stored in the same journal frame), so listing, counting and searching 50,000 cases
never decrypts or parses a case. This module is the pure function behind it::

    summary = summarise_case(case_doc, token)   # token: the store's keyed HMAC (StationStore.search_token)
    summary["number"], summary["status"], summary["promised"]
    case_like = deadline_projection(summary)    # a Case carrying only what 限时办结 needs
    overdue_status(case_like, calendar, today)         # the same function (and answer) as on the whole case
    terms = search_terms("1234", token)                # tokens to look for in summary["tokens"]

What a summary holds (keys are stable; ``None`` / absent where the case has nothing):

* ``number`` 办件编号; ``item`` / ``bundle``: the 实施编码 or the 一件事 code;
* ``name``: the applicant's name, ``initials``: its pinyin initials (``"oymh"`` for 欧阳明华);
* ``status``; ``created`` / ``updated``: UTC instants as stored; ``created_day`` / ``accepted_day``: the
  China days of creation and of 受理/代收;
* ``promised`` (承诺办结日期) and ``provisional`` (暂定);
* ``steps``: the status changes the 限时办结 state depends on — 受理, every 补齐补正 pause and what ended
  it, the first decision — as ``"status day|status day"`` (China days: the state only looks at days);
* ``deferred_due``: the earliest due date of a 容缺 material still owed — not handed in, not waived (not once
  the case is over); ``supplement_due``: while 补齐补正 is requested, the due day of the open request;
* ``final_at``: when the case entered its final status (retention counts from it);
* ``sent``: the center has recorded a step of it; ``corrected``: a newer district calendar moved its
  promised date (a 受理凭证（更正） can be printed);
* ``tokens``: keyed tokens of the 身份证号 (full, last 4, 5 and 6) and of the phone's last 4 digits;
* ``purged``, ``purged_at``: a tombstone left by retention (no name, no tokens).

Hazards: no ID number or phone digits appear in a summary, only keyed tokens (a token says nothing without
the store's key, but equal inputs give equal tokens: a summary is personal data all the same, and lives
encrypted like the case). The summary must never raise: a document the station did not write (an old
version, a routed-in case) still gets one, with what can be read from it. Change :data:`VERSION` whenever
the output changes: stored summaries of another version are recomputed from their documents.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any

from casework import clock
from casework.acceptance import DONE, Overdue, overdue_status
from casework.caseparts import Satisfaction
from casework.cases import FINAL, Case, CaseStatus, Side, Transition
from casework.identity import Applicant, ApplicantKind
from casework.workdays import WorkCalendar

__all__ = [
    "COLLECTION",
    "VERSION",
    "OverdueMemo",
    "deadline_key",
    "deadline_projection",
    "name_initials",
    "search_terms",
    "summarise_case",
]

COLLECTION = "cases"
#: Bump when :func:`summarise_case` gives anything different: stored summaries of another version are stale.
VERSION = 3

Token = Callable[[str], str]
#: Tokens are the first 16 hex digits (64 bits) of the store's keyed HMAC: plenty to tell a station's cases
#: apart, and a quarter of the memory of the full digest across 100,000 summaries.
TOKEN_HEX = 16

#: where the sync layer keeps the changes a newer calendar made to a case's dates (``sync.apply.CORRECTIONS``)
CORRECTED_FIELD = "_deadline_corrections"
_TAKEN = frozenset({CaseStatus.ACCEPTED.value, CaseStatus.COLLECTED.value})
_SUPPLEMENT = CaseStatus.SUPPLEMENT_REQUESTED.value
_FINAL = frozenset(s.value for s in FINAL)
_DONE_VALUES = frozenset(s.value for s in DONE)
_WORDS = re.compile(r"[A-Za-z0-9]+")
_ID_CHARS = re.compile(r"^[0-9A-Za-z]+$")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _day_of(instant: Any) -> str | None:
    """The China day (ISO) of a stored UTC instant, or None when it is not one."""
    if not isinstance(instant, str) or not instant:
        return None
    try:
        return clock.china_date(clock.parse_instant(instant)).isoformat()
    except ValueError:
        return None


@functools.lru_cache(maxsize=8192)
def name_initials(name: str) -> str:
    """Pinyin initials of a name, lower case: ``欧阳明华`` → ``"oymh"``, ``Zhang Weiguo`` → ``"zw"``.
    A 多音字 gets its common (phrase-aware) reading. pypinyin loads on first use (a quarter second)."""
    from pypinyin import Style, lazy_pinyin

    def other(chunk: str) -> str:
        return " ".join(w[0] for w in _WORDS.findall(chunk))

    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=other)
    return "".join(ch for x in letters for ch in x if ch.isalnum()).lower()


def _token(token: Token, term: str) -> str:
    return token(term)[:TOKEN_HEX]


def _identity_terms(id_number: str, phone: str) -> list[str]:
    terms: list[str] = []
    ident = id_number.strip().upper()
    if len(ident) >= 6 and _ID_CHARS.match(ident):
        terms += [f"id:{ident}", f"id4:{ident[-4:]}", f"id5:{ident[-5:]}", f"id6:{ident[-6:]}"]
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= 4:
        terms.append(f"ph4:{digits[-4:]}")
    return terms


def search_terms(query: str, token: Token) -> list[str]:
    """The tokens a query could match in ``summary["tokens"]``: a whole 身份证号 (15 or 18 characters), or
    4–6 trailing characters of one, or the last 4 digits of a phone. Empty for anything else."""
    q = query.strip().replace(" ", "").upper()
    if not _ID_CHARS.match(q or "-"):
        return []
    terms: list[str] = []
    if len(q) in (15, 18):
        terms.append(f"id:{q}")
    if 4 <= len(q) <= 6:
        terms.append(f"id{len(q)}:{q}")
    if len(q) == 4 and q.isdigit():
        terms.append(f"ph4:{q}")
    return [_token(token, t) for t in terms]


def _steps(history: list[Any]) -> str:
    """The status changes the 限时办结 state depends on (see the module docstring), as China days."""
    out: list[str] = []
    taken = decided = paused = False
    for t in history:
        if not isinstance(t, Mapping):
            continue
        to = _text(t.get("to"))
        first = (to in _TAKEN and not taken) or (to in _DONE_VALUES and not decided)
        keep = first or to == _SUPPLEMENT or paused
        taken = taken or to in _TAKEN
        decided = decided or to in _DONE_VALUES
        paused = to == _SUPPLEMENT
        if keep:
            day = _day_of(t.get("at"))
            if day is not None:
                out.append(f"{to} {day}")
    return "|".join(out)


def _entered(history: list[Any], status: str) -> str | None:
    for t in reversed(history):
        if isinstance(t, Mapping) and t.get("to") == status:
            at = t.get("at")
            return at if isinstance(at, str) else None
    return None


def _earliest_deferred(materials: Any) -> str | None:
    owed = [
        m["due_date"]
        for m in materials or []
        if isinstance(m, Mapping)
        and m.get("satisfaction") == Satisfaction.DEFERRED.value
        and m.get("waived_at") is None  # owed: neither handed in nor waived (MaterialRecord.outstanding)
        and isinstance(m.get("due_date"), str)
    ]
    return min(owed) if owed else None


def _supplement_due(supplements: Any) -> str | None:
    """The due day of the open 补齐补正 request (the latest not supplied: ``Case.open_supplement``)."""
    for s in reversed(supplements if isinstance(supplements, list) else []):
        if isinstance(s, Mapping) and s.get("supplied_at") is None:
            due = s.get("due_date")
            return due if isinstance(due, str) else None
    return None


def summarise_case(doc: Mapping[str, Any], token: Token) -> dict[str, Any]:
    """The summary of one stored case document (a ``Case.to_dict()`` or a retention tombstone)."""
    status = _text(doc.get("status"))
    raw_history = doc.get("history")
    history: list[Any] = raw_history if isinstance(raw_history, list) else []
    out: dict[str, Any] = {
        "number": _text(doc.get("number")),
        "item": doc.get("item_code") if isinstance(doc.get("item_code"), str) else None,
        "bundle": doc.get("bundle_code") if isinstance(doc.get("bundle_code"), str) else None,
        "status": status,
        "created": _text(doc.get("created_at")),
        "updated": _text(doc.get("updated_at")),
        "created_day": _day_of(doc.get("created_at")),
        "promised": doc.get("promised_date") if isinstance(doc.get("promised_date"), str) else None,
    }
    if status in _FINAL:
        out["final_at"] = _entered(history, status) or doc.get("final_at") or out["updated"]
    if doc.get("purged") is True:  # a tombstone: what retention left, nothing about the applicant
        out["purged"] = True
        out["purged_at"] = _text(doc.get("purged_at"))
        out["accepted_day"] = _day_of(doc.get("accepted_at"))
        return out
    applicant = doc.get("applicant") if isinstance(doc.get("applicant"), Mapping) else {}
    assert isinstance(applicant, Mapping)
    name = _text(applicant.get("name")).strip()
    out["name"] = name
    out["initials"] = name_initials(name) if name else ""
    out["provisional"] = doc.get("promised_date_provisional") is True
    taken = next((t for t in history if isinstance(t, Mapping) and t.get("to") in _TAKEN), None)
    out["accepted_day"] = _day_of(taken.get("at")) if taken is not None else None
    # a newer district calendar moved its promised date (the sync layer's record of it, ``sync.apply``)
    out["corrected"] = bool(doc.get(CORRECTED_FIELD))
    out["sent"] = any(isinstance(t, Mapping) and t.get("side") == Side.CENTER.value for t in history)
    steps = _steps(history)
    if steps:
        out["steps"] = steps
    deferred = _earliest_deferred(doc.get("materials")) if status not in _FINAL else None
    if deferred:
        out["deferred_due"] = deferred
    supplement_due = _supplement_due(doc.get("supplements")) if status == _SUPPLEMENT else None
    if supplement_due:
        out["supplement_due"] = supplement_due
    terms = _identity_terms(_text(applicant.get("id_number")), _text(applicant.get("phone")))
    if terms:
        out["tokens"] = " ".join(_token(token, t) for t in terms)
    return out


# ------------------------------------------------------------------------------ 限时办结 at read time

_NOON = dt.time(12, 0, tzinfo=clock.CHINA)


def deadline_key(summary: Mapping[str, Any]) -> tuple[Any, ...]:
    """Everything :func:`deadline_projection` reads: two summaries with equal keys have the same 限时办结
    state on every day and calendar (so the state can be memoised per key)."""
    return (summary.get("status"), summary.get("promised"), summary.get("provisional"), summary.get("steps"))


def deadline_projection(summary: Mapping[str, Any]) -> Case | None:
    """A :class:`Case` carrying exactly what ``overdue_status`` reads (status, promised date and its 暂定
    flag, the kept status changes at noon Beijing time on their days), so the state is computed by the one
    function that judges whole cases. ``None`` for a summary without an item or bundle code."""
    item, bundle = summary.get("item"), summary.get("bundle")
    if (item is None) == (bundle is None):
        return None
    try:
        status = CaseStatus(str(summary.get("status")))
        promised = summary.get("promised")
        promised_date = dt.date.fromisoformat(promised) if isinstance(promised, str) else None
        history: list[Transition] = []
        previous = CaseStatus.DRAFT
        for step in filter(None, str(summary.get("steps") or "").split("|")):
            to, day = step.split(" ")
            at = dt.datetime.combine(dt.date.fromisoformat(day), _NOON).astimezone(clock.UTC)
            history.append(Transition(previous, CaseStatus(to), "", at, Side.STATION))
            previous = CaseStatus(to)
    except ValueError:
        return None
    epoch = dt.datetime(2000, 1, 1, tzinfo=clock.UTC)
    return Case(
        id="",
        number=str(summary.get("number") or ""),
        station_id="",
        catalog_version=0,
        applicant=Applicant(ApplicantKind.PERSON, "", "", "", ""),
        created_at=epoch,
        updated_at=epoch,
        item_code=item,
        bundle_code=bundle,
        status=status,
        promised_date=promised_date,
        promised_date_provisional=summary.get("provisional") is True,
        history=history,
    )


class OverdueMemo:
    """限时办结 states of summaries on one day with one calendar, each distinct :func:`deadline_key` computed
    once. Make a new one when the day or the calendar changes (:meth:`fits` says whether it still does).
    Not thread-safe: one per caller, or guard it."""

    def __init__(self, calendar: WorkCalendar, today: dt.date) -> None:
        self.calendar, self.today = calendar, today
        self._states: dict[tuple[Any, ...], Overdue | None] = {}

    def fits(self, calendar: WorkCalendar, today: dt.date) -> bool:
        return calendar is self.calendar and today == self.today

    def of(self, summary: Mapping[str, Any]) -> Overdue | None:
        """The state, or ``None`` when the summary has nothing to judge (a tombstone, an unreadable one)."""
        key = deadline_key(summary)
        if key in self._states:
            return self._states[key]
        case = None if summary.get("purged") else deadline_projection(summary)
        state = overdue_status(case, self.calendar, self.today) if case is not None else None
        self._states[key] = state
        return state
