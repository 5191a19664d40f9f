"""Sign-in, sign-out, the home page and the language switch."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session
from starlette.responses import Response

from casework import clock
from district_center.services.audit import audit
from district_center.services.users.accounts import AuthError, login, logout

from .messages import LANGUAGES
from .sessions import ABSOLUTE_HOURS, COOKIE, IDLE_MINUTES, LOGIN_COOKIE, new_login_nonce
from .web import (
    ConsoleError,
    center_of,
    db_write,
    form_text,
    redirect,
    render,
    signed_in,
)

router = APIRouter()


def _secure(request: Request) -> bool:
    """Secure cookies when the browser reached us over TLS (directly or via the configured HTTPS URL)."""
    return request.url.scheme == "https" or center_of(request).settings.public_url.startswith("https://")


def _safe_next(request: Request, target: str) -> str:
    root = request.scope.get("root_path", "")
    if target.startswith(root + "/") and not target.startswith("//") and "\\" not in target:
        return target[len(root) :]
    return "/"


@router.get("/login")
async def login_page(request: Request) -> Response:
    nonce = new_login_nonce()
    response = render(
        request,
        "login.html",
        None,
        title="登录",
        nonce=nonce,
        username="",
        next=request.query_params.get("next", ""),
        error="",
    )
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=1800,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=request.scope.get("root_path", "") + "/login",
    )
    return response


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    sent, expected = form_text(form, "csrf"), request.cookies.get(LOGIN_COOKIE, "")
    if not sent or not expected or sent != expected:
        raise ConsoleError("center.console.login_form_stale", status=403)
    username, password = form_text(form, "username", 100), form_text(form, "password", 1000)
    center = center_of(request)

    def run() -> tuple[str | None, str]:
        with center.db.session() as s:
            try:
                token, _expires = login(s, username, password, minutes=IDLE_MINUTES)
            except AuthError as exc:
                return None, exc.text("zh_CN")  # the failed-attempt counter commits with this transaction
            return token, ""

    token, error = await run_in_threadpool(run)
    if token is None:
        nonce = new_login_nonce()
        refused = render(
            request,
            "login.html",
            None,
            title="登录",
            nonce=nonce,
            status_code=401,
            username=username,
            next=form_text(form, "next"),
            error=error or "用户名或密码不正确",
        )
        refused.set_cookie(
            LOGIN_COOKIE,
            nonce,
            max_age=1800,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
            path=request.scope.get("root_path", "") + "/login",
        )
        return refused
    response = redirect(request, _safe_next(request, form_text(form, "next")))
    response.set_cookie(
        COOKIE,
        token,
        max_age=ABSOLUTE_HOURS * 3600,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path=request.scope.get("root_path", "") or "/",
    )
    response.delete_cookie(LOGIN_COOKIE, path=request.scope.get("root_path", "") + "/login")
    return response


@router.post("/logout")
async def logout_submit(request: Request) -> Response:
    from .web import checked_form

    user = await signed_in(request)
    await checked_form(request, user)

    def run(s: Session) -> None:
        logout(s, user.token)
        audit(s, user.actor, "console.logout", f"user:{user.id}")

    await db_write(request, run)
    response = redirect(request, "/login", "msg.logged_out")
    response.delete_cookie(COOKIE, path=request.scope.get("root_path", "") or "/")
    return response


@router.get("/")
async def home(request: Request) -> Response:
    user = await signed_in(request)
    return render(request, "home.html", user, title="首页", now=clock.now())


@router.get("/lang/{lang}")
async def set_language(request: Request, lang: str) -> Response:
    """A display preference only (no state on the server)."""
    response = redirect(request, "/")
    if lang in LANGUAGES:
        response.set_cookie(
            "bmzz_lang",
            lang,
            max_age=365 * 86400,
            samesite="strict",
            httponly=True,
            path=request.scope.get("root_path", "") or "/",
        )
    return response
