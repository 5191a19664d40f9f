"""送达 (hand-over): who may collect a result, checked against the ID card they show.

At the window the collector's 居民身份证号码 must be the applicant's, the registered agent's (the case's
代理人), or — for anyone else — the worker confirms a 授权委托书 naming the collector is on file or handed
over now. The outcome is recorded on the case (:func:`handover_record`)::

    match = match_collector(case, "11010519491231002X", letter=False)   # CollectorMatch.APPLICANT
    case.handover = handover_record(match, collector="张三", id_number=..., method="handover.self", by="02")

Hazard: a matching number proves only that the number typed is the one on file; the worker compares the card's
photo with the person, as for 身份核验 at intake. The record keeps the number masked.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from casework.cases import Case
from casework.errors import DomainError
from casework.identity import mask_id_number, normalize_resident_id, resident_id_problem

__all__ = ["CollectorMatch", "HandoverRefused", "handover_record", "match_collector"]


class CollectorMatch(StrEnum):
    APPLICANT = "applicant"  # 申请人本人
    AGENT = "agent"  # the case's registered 代理人
    POWER_OF_ATTORNEY = "power_of_attorney"  # a 授权委托书 names the collector


class HandoverRefused(DomainError):
    """The collector may not take the result (``handover.*``, or the ``identity.*`` problem of the number)."""

    code = "handover.collector_mismatch"


def match_collector(case: Case, id_number: str, *, letter: bool) -> CollectorMatch:
    """Who the collector is to the case, by the ID number on the card they show. ``letter``: the worker
    confirms a 授权委托书 naming the collector. Raises :class:`HandoverRefused`."""
    number = normalize_resident_id(id_number)
    problem = resident_id_problem(number)
    if problem is not None:
        raise HandoverRefused(problem.code, **dict(problem.params))
    if number == case.applicant.id_number:
        return CollectorMatch.APPLICANT
    if case.agent is not None and number == case.agent.id_number:
        return CollectorMatch.AGENT
    if letter:
        return CollectorMatch.POWER_OF_ATTORNEY
    raise HandoverRefused()


def handover_record(
    match: CollectorMatch | None, *, collector: str, id_number: str, method: str, by: str
) -> dict[str, Any]:
    """What the case keeps of a hand-over (``Case.handover``); ``match`` is None for 邮寄 / 信包箱."""
    return {
        "collector": collector,
        "id_number": mask_id_number(normalize_resident_id(id_number)) if id_number else "",
        "match": None if match is None else match.value,
        "method": method,
        "by": by,
    }
