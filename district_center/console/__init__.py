"""The district console (区政务服务中心管理台): server-rendered pages over the center's services.

    app.mount("/console", create_console(center))    # done by district_center.app.create_app

A separate Starlette/FastAPI sub-application so that its errors are HTML pages (the API's are problem+json)
and its security headers (CSP without any external source, no framing) cover only the pages. Pages:

* ``login`` / ``logout`` and a home page listing what the signed-in roles may do (``pages_auth``);
* reviewer queue, case detail, scans, 受理 / 补齐补正 / 办结 / 结果待领取 / 通办 (``pages_cases``);
* 电子监察: deadlines, 好差评 charts, 差评回访, station health, xlsx export (``pages_supervision``);
* 事项清单 import / diff / edit / publish / history and the holiday calendar (``pages_catalog``);
* 智能导办: the synonym table, bundle keywords, the failed-query list (``pages_guide``);
* 便民服务站: add with one-time code and QR, revoke, health (``pages_stations``);
* 工作人员账号: the accounts, and a new one with the department chosen from the catalog (``pages_users``).

See ``docs/district-console.md`` for why pages are rendered on the server.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from district_center.context import Center
from district_center.services.attachments.blobstore import load_or_create_key
from district_center.services.cases.backoffice import BackofficeError

from . import (
    fonts,
    pages_auth,
    pages_cases,
    pages_catalog,
    pages_guide,
    pages_register,
    pages_stations,
    pages_supervision,
    pages_users,
)
from .web import HERE, ConsoleError, LoginRequired, login_redirect, render

__all__ = ["create_console"]

CSRF_KEY_FILE = "console-csrf.key"
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'; object-src 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


def create_console(center: Center) -> FastAPI:
    console = FastAPI(title="District console", docs_url=None, redoc_url=None, openapi_url=None)
    console.state.center = center
    vault = center.db.vault
    # the same CSRF key on every instance (a form served by one may be posted to another): derived from the
    # envelope-encryption index key in the shared database; a center without a vault keeps the key file
    console.state.csrf_key = (
        hmac.new(vault.keyring.active("index")[1], b"console-csrf", hashlib.sha256).digest()
        if vault is not None
        else load_or_create_key(center.settings.data_dir / CSRF_KEY_FILE)
    )
    console.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    console.include_router(fonts.router)  # the bundled CJK font, cached a year (not no-store)
    pages = (
        pages_auth,
        pages_cases,
        pages_supervision,
        pages_register,
        pages_catalog,
        pages_guide,
        pages_stations,
        pages_users,
    )
    for module in pages:
        console.include_router(module.router)

    @console.middleware("http")
    async def _headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            root = request.scope.get("root_path", "")
            if name == "cache-control" and request.url.path.startswith((root + "/static", root + "/fonts/")):
                continue
            response.headers.setdefault(name, value)
        return response

    @console.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return login_redirect(request, exc.expired)

    @console.exception_handler(ConsoleError)
    async def _refused(request: Request, exc: ConsoleError) -> Response:
        return render(
            request,
            "error.html",
            getattr(request.state, "user", None),
            title=f"{exc.status}",
            status_code=exc.status,
            status=exc.status,
            message=exc.message,
        )

    @console.exception_handler(BackofficeError)
    async def _backoffice(request: Request, exc: BackofficeError) -> Response:
        return render(
            request,
            "error.html",
            getattr(request.state, "user", None),
            title=f"{exc.status}",
            status_code=exc.status,
            status=exc.status,
            message=exc.text("zh_CN"),
        )

    @console.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = "页面不存在。" if exc.status_code == 404 else "请求无法处理。"
        return render(
            request,
            "error.html",
            getattr(request.state, "user", None),
            title=f"{exc.status_code}",
            status_code=exc.status_code,
            status=exc.status_code,
            message=message,
        )

    return console
