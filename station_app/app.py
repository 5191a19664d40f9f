"""The Flet entry point: one station process serves every browser (worker desk, kiosk tablet).

``serve(runtime)`` runs the web server: our own FastAPI application (:func:`build_web_app`) with the Flet app
mounted at ``/`` through ``flet_web.fastapi`` (no CDN, the station's assets dir with its CDN-free client
copies, the upload dir) and ``GET /d/{token}/{name}`` answering generated documents from memory
(``station_app.services.documents``), run with uvicorn on the configured host and port. Each browser session
gets a :class:`~station_app.screens.shell.Shell` that owns that session's screens, idle lock and view-models.
Shared state (the store, catalog, sync) lives in the :class:`~station_app.services.runtime.StationRuntime`
built once per process.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import flet as ft

from station_app.config import FONT_ASSET, FONT_FAMILY, LINE_HEIGHT
from station_app.services.documents import document_route
from station_app.services.runtime import StationRuntime
from station_app.services.webdir import clear_serving, write_serving

log = logging.getLogger(__name__)
URL_PREFIX_ENV = "FLET_DISPLAY_URL_PREFIX"


def make_main(runtime: StationRuntime) -> Callable[[ft.Page], Awaitable[None]]:
    # Built once per process, not per browser session: every session gets the same theme, fonts and locales.
    fonts = {FONT_FAMILY: FONT_ASSET}
    # 适老化 line spacing for every text style (Text, TextField input and labels, buttons)
    spaced = ft.TextStyle(height=LINE_HEIGHT, font_family=FONT_FAMILY)
    theme = ft.Theme(
        font_family=FONT_FAMILY,
        color_scheme_seed=ft.Colors.INDIGO,
        text_theme=ft.TextTheme(
            **{
                f"{kind}_{size}": spaced
                for kind in ("body", "display", "headline", "label", "title")
                for size in ("large", "medium", "small")
            }
        ),
    )
    locales = ft.LocaleConfiguration(
        supported_locales=[ft.Locale("zh", "CN"), ft.Locale("en", "US")],
        current_locale=ft.Locale("zh", "CN"),
    )

    async def main(page: ft.Page) -> None:
        from station_app.screens.shell import Shell

        page.title = "便民服务站"
        page.fonts = fonts
        page.theme = theme
        page.theme_mode = ft.ThemeMode.LIGHT
        page.locale_configuration = locales
        page.padding = 0
        shell = Shell(page, runtime)
        await shell.start()
        runtime.first_screen_shown()  # now the device secret, then what the next screens need

    return main


#: Cache-Control for what the station serves: the bundled fonts never change within a version and are
#: the largest files a browser fetches (4 MB); Flet's client and everything else are revalidated each time
#: (ETag / Last-Modified: a 304, so the browser keeps its copy and its compiled code) — a station upgrade
#: must never leave a browser on the old client.
_FONT_CACHE = b"public, max-age=2592000"
_REVALIDATE = b"no-cache"


def cache_headers(app: Any) -> Any:
    """ASGI middleware adding ``Cache-Control`` to responses that have none (see :data:`_FONT_CACHE`)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        policy = _FONT_CACHE if scope.get("path", "").startswith("/fonts/") else _REVALIDATE

        async def send_with_policy(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers") or [])
                if not any(k.lower() == b"cache-control" for k, _v in headers):
                    headers.append((b"cache-control", policy))
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_policy)

    return wrapped


def build_web_app(
    runtime: StationRuntime, *, on_startup: Callable[[], None] | None = None, flet_ui: bool = True
) -> Any:
    """The station's ASGI app: documents from memory at ``/d/…`` and (``flet_ui``) the Flet app at ``/``.

    The outer app is ``flet_web.fastapi.FastAPI``, whose lifespan starts and stops Flet's session manager
    (a mounted app's own lifespan never runs). Routes are matched in order, so ``/d/…`` wins over Flet's
    catch-all static files.
    """
    import fastapi
    import flet_web.fastapi as flet_fastapi  # type: ignore[import-untyped]  # flet-web ships no type information

    cfg = runtime.config
    # Flet's FastAPI subclass only when the UI is mounted: its lifespan drives Flet's process-wide sessions.
    factory = flet_fastapi.FastAPI if flet_ui else fastapi.FastAPI
    app = factory(
        on_startup=[on_startup] if on_startup else None, docs_url=None, redoc_url=None, openapi_url=None
    )
    app.include_router(document_route(runtime.documents))
    if flet_ui:
        app.mount(
            "/",
            flet_fastapi.app(
                make_main(runtime),
                assets_dir=str(cfg.web_dir),  # fonts and the CDN-free main.dart.js/.wasm shadow Flet's
                upload_dir=str(runtime.upload_dir),
                no_cdn=True,
            ),
        )
    return app


def _uvicorn_server(app: Any, host: str, port: int) -> Any:
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            # uvicorn re-raises SIGTERM/SIGINT after a graceful shutdown, which would kill the process before
            # the caller closes the store; stop serving and return instead.
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            previous = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    config = uvicorn.Config(app, host=host, port=port, log_level="warning", ws="websockets-sansio")
    return Server(config)


#: what the first browser session runs before it can show the unlock screen (the shell imports the session
#: view-model, and with it the kiosk, intake and printing view-models: a third of a second here)
_FIRST_SCREEN_MODULES = (
    "station_app.screens.shell",
    "station_app.screens.registry",
    "station_app.screens.unlock",
)


def load_first_screen_in_background() -> threading.Thread:
    """Import the first screen's modules on a thread once the server answers: the browser spends the next
    second or more loading Flet's client, and the session that then connects finds them loaded instead of
    importing them before it can draw (an import in progress is waited for, never run twice)."""

    def work() -> None:
        import importlib

        for name in _FIRST_SCREEN_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # an optimisation: the session imports (and reports) it again
                log.debug("early import of %s failed", name, exc_info=True)

    thread = threading.Thread(target=work, name="first-screen", daemon=True)
    thread.start()
    return thread


def _announce(page_url: str, view: ft.AppView, open_browser: bool) -> None:
    """What ``ft.run`` did at start-up: print ``<prefix> <url> <view>`` when FLET_DISPLAY_URL_PREFIX is set,
    otherwise open a browser where there is a display."""
    prefix = os.environ.get(URL_PREFIX_ENV)
    if prefix is not None:
        print(prefix, page_url, view.value, flush=True)
        return
    log.info("App URL: %s", page_url)
    from station_app.commands.serve import browser_available

    if open_browser and browser_available():
        from flet.utils import open_in_browser

        open_in_browser(page_url)


def _desktop_window_possible() -> bool:
    from flet.utils import get_bool_env_var, is_linux_server

    forced = bool(get_bool_env_var("FLET_FORCE_WEB_SERVER"))
    return not (forced or is_linux_server())  # type: ignore[no-untyped-call]  # flet leaves it untyped


def serve(
    runtime: StationRuntime, sock: socket.socket | None = None, dirs_ready: threading.Thread | None = None
) -> None:
    """Serve the UI; ``sock`` is the listening socket ``station-app serve`` bound first (else the server
    binds the configured host and port itself), ``dirs_ready`` the thread preparing ``web/`` meanwhile."""
    cfg = runtime.config
    runtime.prepare_web_dir(dirs_ready)
    if not cfg.open_browser:
        # "<prefix> <url>" is printed instead of opening a browser when this is set.
        os.environ.setdefault(URL_PREFIX_ENV, "station-app URL:")
    print(f"station-app: serving {cfg.url} (data: {cfg.data_dir})", flush=True)
    write_serving(cfg.data_dir, cfg.url)
    try:
        if cfg.desktop and _desktop_window_possible():
            if sock is not None:
                sock.close()  # the desktop window's documents server binds the port itself
            serve_desktop(runtime)
            return
        url_host = "127.0.0.1" if cfg.host in ("", "*") else cfg.host
        page_url = f"http://{url_host}:{cfg.port}"

        def started() -> None:
            _announce(page_url, ft.AppView.WEB_BROWSER, cfg.open_browser)
            load_first_screen_in_background()

        app = build_web_app(runtime, on_startup=started)
        _uvicorn_server(cache_headers(app), cfg.host, cfg.port).run(sockets=[sock] if sock else None)
    finally:
        clear_serving(cfg.data_dir)


def serve_desktop(runtime: StationRuntime) -> None:
    """A Flet desktop window (``ft.run`` with the FLET_APP view, as before). Documents are then served by a
    loopback-only server on the configured port and opened by absolute URL in the system browser."""
    cfg = runtime.config
    server = _uvicorn_server(build_web_app(runtime, flet_ui=False), "127.0.0.1", cfg.port)
    runtime.documents.base_url = f"http://127.0.0.1:{cfg.port}"
    thread = threading.Thread(target=server.run, name="documents-http", daemon=True)
    thread.start()
    try:
        ft.run(
            make_main(runtime),
            view=ft.AppView.FLET_APP,
            host=cfg.host,
            port=0,
            assets_dir=str(cfg.web_dir),
            upload_dir=str(runtime.upload_dir),
            no_cdn=True,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
