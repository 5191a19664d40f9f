"""RFC 9457 problem+json errors (Chinese ``detail``, stable ``code``, and for the API's own errors the message
code in ``params`` so a station words them in its language) and the app's exception handlers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from casework import messages
from casework.errors import DomainError
from district_center.services.cases.backoffice import BACKOFFICE_REFUSALS
from sync.protocol import PROBLEM_CONTENT_TYPE, Problem, ProtocolError

log = logging.getLogger("district_center")

# ProtocolError codes that mean "who are you?" rather than "what did you send?".
_AUTH_CODES = {"missing_signature", "bad_signature", "bad_digest", "clock_skew", "nonce_reused"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
}


class ProblemError(Exception):
    """Raise anywhere in a request to answer with problem+json. ``detail`` is words already put together
    (a :class:`DomainError`'s ``text("zh_CN")``); to refuse in words of our own, raise :class:`Refused`
    with a code mapped in :data:`DOMAIN_PROBLEMS` instead."""

    def __init__(
        self, status: int, code: str, detail: str, *, params: dict[str, Any] | None = None, **extra: Any
    ) -> None:
        super().__init__(f"{status} {code}")
        self.problem = Problem(
            status=status, code=code, detail=detail, title=code, params=dict(params or {}), extra=extra
        )


class Refused(DomainError):
    """A request the HTTP edge refuses itself, with a ``center.*`` code mapped in :data:`DOMAIN_PROBLEMS`::

        raise Refused("center.users.login_required")  # -> 401 problem, code "login_required", Chinese detail

    This is how the API says no in words: the message is the catalog's, never a literal in a ``raise``.
    A problem that carries structured extras words its code the same way:
    ``raise from_domain_error(Refused("center.catalog.invalid", error_count=n), errors=[...])``.
    """

    code = "center.request.refused"


#: Center service errors (:class:`casework.errors.DomainError` codes) as HTTP problems: status and the
#: wire ``code`` stations read (protocol.md). The one place a service error meets HTTP; ``detail`` is the
#: message in Simplified Chinese (``casework/data/messages``), and the parameters named in
#: ``_EXTRA_FIELDS`` travel as extra fields (e.g. ``received``, the resume point).
DOMAIN_PROBLEMS: dict[str, tuple[int, str]] = {
    "center.upload.too_large": (413, "too_large"),
    "center.upload.bad_size": (400, "bad_size"),
    "center.upload.size_mismatch": (409, "size_mismatch"),
    "center.upload.offset_mismatch": (409, "offset_mismatch"),
    "center.upload.chunk_overflow": (400, "chunk_overflow"),
    "center.upload.hash_mismatch": (422, "hash_mismatch"),
    "center.upload.unknown": (404, "attachment_unknown"),
    "center.enroll.bad_code": (403, "bad_enrollment_code"),
    "center.enroll.code_used": (403, "enrollment_code_used"),
    "center.enroll.code_expired": (403, "enrollment_code_expired"),
    "center.enroll.station_not_pending": (403, "station_not_pending"),
    "center.auth.unknown_station": (401, "unknown_station"),
    "center.auth.station_revoked": (403, "station_revoked"),
    "center.publish.validity_not_positive": (400, "bad_validity"),
    "center.publish.validity_too_long": (400, "bad_validity"),
    "center.publish.effective_in_past": (400, "bad_validity"),
    "center.upload.bad_size_header": (400, "bad_size"),
    "center.upload.declared_too_large": (413, "too_large"),
    "center.upload.chunk_too_large": (413, "too_large"),
    "center.request.too_large": (413, "too_large"),
    "center.enroll.keys_not_initialised": (503, "keys_not_initialised"),
    "center.users.credentials_required": (400, "bad_request"),
    "center.users.login_required": (401, "login_required"),
    "center.users.login_expired": (401, "login_expired"),
    "center.users.forbidden": (403, "forbidden"),
    "center.cases.not_visible": (404, "case_not_found"),
    "center.cases.result_not_visible": (404, "result_not_found"),
    "center.catalog.upload_too_large": (413, "too_large"),
    "center.catalog.invalid": (422, "catalog_invalid"),
    "center.catalog.nothing_to_export": (404, "no_catalog"),
    "center.publish.nothing_staged": (404, "nothing_staged"),
    "center.publish.nothing_staged_import_first": (404, "nothing_staged"),
    "center.publish.not_published": (404, "catalog_not_published"),
    "center.calendar.no_builtin_years": (400, "bad_calendar"),
    "center.calendar.not_published": (404, "calendar_not_published"),
    **BACKOFFICE_REFUSALS,
}
_EXTRA_FIELDS = ("received", "size", "limit")


def from_domain_error(exc: DomainError, **extra: Any) -> ProblemError:
    """The problem a service error answers with (unmapped codes: 400 with the dotted code); ``extra`` adds
    structured fields to the problem (e.g. the list of cell errors of a refused sheet)."""
    status, code = DOMAIN_PROBLEMS.get(exc.code, (400, exc.code))
    fields = {k: exc.params[k] for k in _EXTRA_FIELDS if k in exc.params}
    return ProblemError(status, code, exc.text("zh_CN"), **fields, **extra)


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(
        problem.to_dict(), status_code=problem.status, headers=headers, media_type=PROBLEM_CONTENT_TYPE
    )


def from_protocol_error(exc: ProtocolError) -> ProblemError:
    """The problem answering a protocol error: its wire code, its words in the district's language (Chinese)
    and its parameters, so a station can say it in its own UI language."""
    status = 401 if exc.wire_code in _AUTH_CODES else 413 if exc.wire_code == "too_large" else 400
    return ProblemError(status, exc.wire_code, exc.text("zh_CN"), params={"code": exc.code, **exc.params})


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the problem statuses an endpoint may answer."""
    content = {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_SCHEMA}}
    return {status: {"description": "problem+json", "content": content} for status in statuses}


#: HTTP errors of the framework itself (no route, wrong method …): wire code and message code.
_HTTP_DETAILS = {
    404: ("not_found", "center.http.not_found"),
    405: ("method_not_allowed", "center.http.method_not_allowed"),
}


def _worded(http_status: int, code: str, message_code: str, **params: Any) -> Problem:
    """A problem of the API's own: ``detail`` in the district's language (Chinese), and the message code
    with its parameters in ``params`` so a station words it in its own UI language."""
    detail = messages.text(message_code, params, "zh_CN")
    return Problem(http_status, code, detail, code, params={"code": message_code, **params})


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_request: Request, exc: ProblemError) -> Response:
        return problem_response(exc.problem)

    @app.exception_handler(DomainError)
    async def _domain(_request: Request, exc: DomainError) -> Response:
        return problem_response(from_domain_error(exc).problem)

    @app.exception_handler(ProtocolError)
    async def _protocol(_request: Request, exc: ProtocolError) -> Response:
        return problem_response(from_protocol_error(exc).problem)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> Response:
        fields = sorted({".".join(str(p) for p in err.get("loc", ())[1:]) for err in exc.errors()} - {""})
        if fields:
            return problem_response(_worded(400, "bad_request", "center.request.bad_fields", fields=fields))
        return problem_response(_worded(400, "bad_request", "center.request.bad_request"))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        code, message_code = _HTTP_DETAILS.get(exc.status_code, ("http_error", "center.http.error"))
        return problem_response(
            _worded(exc.status_code, code, message_code, status=exc.status_code),
            headers=dict(exc.headers) if exc.headers else None,
        )

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> Response:
        log.error("unhandled error", exc_info=exc)
        return problem_response(_worded(500, "internal_error", "center.internal_error"))
