"""The district center's refusals are codes worded at the edge: every mapped code has words in both
languages, and an error that wraps another's refusal is worded as that refusal."""

from __future__ import annotations

import re

from casework import messages
from casework.errors import DomainError
from district_center.api.problems import DOMAIN_PROBLEMS, Refused, from_domain_error
from district_center.console.web import ConsoleError
from district_center.services.cases.backoffice import BACKOFFICE_REFUSALS, BackofficeError, IllegalTransition
from district_center.services.cases.feed import FeedError
from district_center.services.cases.ingest import Rejected
from district_center.services.stations.registry import StationError

CJK = re.compile(r"[\u3400-\u9fff]")


def test_every_mapped_code_is_worded_in_both_languages() -> None:
    assert BACKOFFICE_REFUSALS.items() <= DOMAIN_PROBLEMS.items()
    assert [c for c in DOMAIN_PROBLEMS if not messages.has(c, "zh_CN") or not messages.has(c, "en")] == []


def test_a_refusal_keeps_its_status_and_wire_code_and_speaks_chinese_on_the_wire() -> None:
    problem = from_domain_error(Refused("center.users.login_expired")).problem
    assert (problem.status, problem.code) == (401, "login_expired")
    assert problem.detail == messages.text("center.users.login_expired", {}, "zh_CN")
    too_large = from_domain_error(BackofficeError("center.backoffice.result_too_large", limit_mb=2, limit=9))
    assert (too_large.problem.status, too_large.problem.code) == (413, "too_large")
    assert too_large.problem.extra == {"limit": 9}
    refused = BackofficeError("center.backoffice.other_department_act")
    assert (refused.status, refused.wire_code) == (403, "other_department")


def test_wrapped_refusals_are_worded_as_the_cause_in_each_language() -> None:
    cause = StationError("center.stations.not_found", ref="7")
    page = ConsoleError(status=404, cause=cause)
    assert page.message == messages.text("center.stations.not_found", {"ref": "7"}, "zh_CN")
    assert page.text("en") == "Station 7 not found"
    inner = DomainError("case.transition.reason_required", to_code="case.status.rejected")
    step = IllegalTransition(FeedError(cause=inner))
    assert (step.status, step.wire_code) == (409, "illegal_transition")
    assert step.text("en") == inner.text("en") and not CJK.search(step.text("en"))
    plain = ConsoleError(status=400, cause=ValueError("odd"))
    assert (
        plain.message == messages.text("center.console.refused", {}, "zh_CN") and plain.detail == "ValueError"
    )


def test_a_rejection_words_its_code_or_passes_words_put_together_elsewhere() -> None:
    coded = Rejected("center.ingest.newer_version_held", version=3)
    assert coded.text("en") == messages.text("center.ingest.newer_version_held", {"version": 3}, "en")
    assert coded.receipt_code is None
    overruled = Rejected(reason="已决定，不能撤回", receipt_code="status_overruled")
    assert overruled.text("zh_CN") == "已决定，不能撤回" and overruled.receipt_code == "status_overruled"


def test_the_apis_own_errors_carry_a_code_the_station_words_in_its_language() -> None:
    """404, 405 and a bad parameter answered by the framework's handlers: Chinese ``detail`` on the wire,
    the message code in ``params``, so the station's sync screen words them in English."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from district_center.api.problems import install_handlers
    from sync.engine_core import _reason
    from sync.protocol import Problem

    app = FastAPI()
    install_handlers(app)

    @app.get("/n")
    def number(n: int) -> dict[str, int]:
        return {"n": n}

    client = TestClient(app)
    answers = [client.get("/nowhere"), client.post("/n"), client.get("/n?n=abc")]
    assert [(a.status_code, a.json()["code"]) for a in answers] == [
        (404, "not_found"),
        (405, "method_not_allowed"),
        (400, "bad_request"),
    ]
    for answer in answers:
        problem = Problem.from_dict(answer.json())
        assert CJK.search(problem.detail), problem.detail  # the district's language on the wire
        messages.set_language("en")
        try:
            english = _reason(problem)
        finally:
            messages.set_language("zh_CN")
        assert english and not CJK.search(english), english
    assert _reason(Problem.from_dict(answers[2].json())).endswith("n")
