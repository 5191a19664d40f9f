"""What every console page shares: templates, the signed-in user, role checks, CSRF-checked forms, errors.

    user = await signed_in(request, "reviewer")               # 401 -> sign-in page, 403 -> refusal page
    form = await checked_form(request, user)                  # POST: refuses a missing or foreign CSRF token
    return render(request, "queue.html", user, title_key="nav.queue", rows=rows)

Database work runs in the thread pool (:func:`db_read` / :func:`db_write`) so a slow query never stalls the
event loop for other users.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, RedirectResponse, Response

from casework import clock
from casework.cases import CaseStatus
from casework.errors import DomainError
from district_center.context import Center
from district_center.db.models import User
from district_center.services.audit import audit
from district_center.services.cases.backoffice import Reviewer

from .messages import LANGUAGES, is_message, translator
from .sessions import COOKIE, ConsoleUser, csrf_ok, csrf_token, session_user

T = TypeVar("T")
HERE = Path(__file__).resolve().parent
MAX_FORM_BYTES = 25 * 1024 * 1024

templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _status_label(value: object) -> str:
    try:
        return CaseStatus(str(value)).label
    except ValueError:
        return str(value)


# From the center's point of view a case the station queued or delivered is waiting for 受理.
CENTER_LABELS = {CaseStatus.QUEUED.value: "待受理", CaseStatus.DELIVERED.value: "待受理"}


def _china_time(value: object) -> str:
    """A UTC datetime or ISO-8601 ``…Z`` string as Beijing time, to the minute (what staff read)."""
    if value is None or value == "":
        return "—"
    when = value
    if isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(when, dt.datetime):
        return str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return clock.format_datetime(when)


def _center_label(status: object, label: object) -> str:
    return CENTER_LABELS.get(str(status), str(label))


templates.filters["status_label"] = _status_label
templates.filters["cst"] = _china_time
templates.globals["center_label"] = _center_label


class ConsoleError(DomainError):
    """Refused or failed (``center.console.*``): shown as an HTML page with ``status`` and ``message``, the
    code's words in Chinese put together at the edge::

        raise ConsoleError("center.console.item_not_found", status=404)
        raise ConsoleError(status=409, cause=exc)  # a service's own refusal (a DomainError), in its words
    """

    code = "center.console.refused"

    def __init__(
        self,
        code: str | None = None,
        /,
        *,
        status: int,
        cause: Exception | None = None,
        detail: str = "",
        **params: Any,
    ) -> None:
        super().__init__(code, detail=detail or (type(cause).__name__ if cause else ""), **params)
        self.status, self.cause = status, cause

    def text(self, language: str | None = None) -> str:
        if isinstance(self.cause, DomainError):
            return self.cause.text(language)
        return super().text(language)

    @property
    def message(self) -> str:
        """The words on the error page (Simplified Chinese, the district's language)."""
        return self.text("zh_CN")


class LoginRequired(Exception):
    """No valid session: the browser is sent to the sign-in page (and back afterwards)."""

    def __init__(self, expired: bool) -> None:
        super().__init__("login required")
        self.expired = expired


def center_of(request: Request) -> Center:
    center: Center = request.app.state.center
    return center


async def db_read(request: Request, fn: Callable[[Session], T]) -> T:
    center = center_of(request)

    def run() -> T:
        with center.db.read_session() as s:
            return fn(s)

    return await run_in_threadpool(run)


async def db_write(request: Request, fn: Callable[[Session], T]) -> T:
    center = center_of(request)

    def run() -> T:
        with center.db.session() as s:
            return fn(s)

    return await run_in_threadpool(run)


def csrf_key(request: Request) -> bytes:
    key: bytes = request.app.state.csrf_key
    return key


async def signed_in(request: Request, *roles: str) -> ConsoleUser:
    """The session's user, who must hold one of ``roles`` (any role when none are given)."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired(expired=False)
    now = clock.now()
    user = await db_write(request, lambda s: session_user(s, token, now))
    if user is None:
        raise LoginRequired(expired=True)
    request.state.user = user
    if roles and not user.has(*roles):
        await db_write(
            request,
            lambda s: audit(s, user.actor, "console.refused", request.url.path, method=request.method),
        )
        raise ConsoleError("center.console.forbidden", status=403)
    return user


async def checked_form(request: Request, user: ConsoleUser) -> FormData:
    """The POSTed form after its CSRF token matched this session (403 otherwise)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise ConsoleError(
            "center.console.form_too_large", status=413, limit_mb=MAX_FORM_BYTES // (1024 * 1024)
        )
    form = await request.form(max_files=20, max_fields=2000)
    sent = form.get("csrf")
    if not csrf_ok(csrf_key(request), user.token, sent if isinstance(sent, str) else None):
        await db_write(request, lambda s: audit(s, user.actor, "console.csrf_refused", request.url.path))
        raise ConsoleError("center.console.csrf_refused", status=403)
    return form


def actor_names(s: Session) -> dict[str, str]:
    """``user:<id>`` (how services record actors) → the person's display name, for history tables."""
    rows = s.execute(select(User.id, User.display_name, User.username)).all()
    return {f"user:{uid}": (display or username) for uid, display, username in rows}


def reviewer_of(user: ConsoleUser) -> Reviewer:
    return Reviewer(user.actor, user.roles, user.department)


def lang_of(request: Request) -> str:
    lang = request.cookies.get("bmzz_lang", "zh")
    return lang if lang in LANGUAGES else "zh"


def today() -> dt.date:
    return clock.china_today()


def render(
    request: Request,
    template: str,
    user: ConsoleUser | None,
    *,
    title: str = "",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    lang = lang_of(request)
    t = translator(lang)
    notice = request.query_params.get("msg", "")
    html = templates.get_template(template).render(
        request=request,
        user=user,
        t=t,
        lang=lang,
        title=title,
        csrf=csrf_token(csrf_key(request), user.token) if user else "",
        notice=t(notice) if notice and is_message(notice) else "",
        root=request.scope.get("root_path", ""),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def redirect(request: Request, path: str, msg: str | None = None) -> RedirectResponse:
    url = request.scope.get("root_path", "") + path
    if msg:
        url += ("&" if "?" in url else "?") + "msg=" + quote(msg)
    return RedirectResponse(url, status_code=303)


def login_redirect(request: Request, expired: bool) -> Response:
    root = request.scope.get("root_path", "")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        target = root + "/"
    url = f"{root}/login?next={quote(target)}" + ("&msg=msg.expired" if expired else "")
    return RedirectResponse(url, status_code=303)


def form_text(form: FormData, name: str, limit: int = 2000) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def form_texts(form: FormData, name: str, limit: int = 2000) -> list[str]:
    return [v.strip()[:limit] for v in form.getlist(name) if isinstance(v, str) and v.strip()]
