"""One browser session: which screen shows, the navigation rail, the idle lock.

The shell owns no business logic. It builds a screen object for a route name, puts its ``view()`` on the
page and re-renders when the screen asks (``shell.refresh()``). Screens reach the station's services
through ``shell.runtime`` (typed :class:`~station_app.viewmodels.context.StationContext`) and the
view-models; anything blocking runs in ``asyncio.to_thread`` inside those calls.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import flet as ft

from station_app.i18n import t
from station_app.screens.widgets import UI
from station_app.viewmodels.context import StationContext
from station_app.viewmodels.kiosk import KioskViewModel
from station_app.viewmodels.session import SessionState

IDLE_CHECK_SECONDS = 1.0


class Shell:
    def __init__(self, page: ft.Page, runtime: StationContext) -> None:
        self.page = page
        self.runtime = runtime
        self.session = SessionState(runtime.station)
        self.session.kiosk_reset_seconds = runtime.station.kiosk_reset_seconds()
        self.kiosk = KioskViewModel(runtime.cases)
        self.last_activity = time.monotonic()
        self.ui = UI(scale=runtime.station.font_scale(), on_activity=self.touch)
        self.route = ""
        self.screen: Any = None
        self._idle_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.services: list[Any] = []  # strong refs to Flet services (FilePicker, UrlLauncher)
        self.viewport: tuple[float | None, float | None] = (None, None)  # the page's size in dp

    # -- lifecycle -------------------------------------------------------------------------------------------
    async def start(self) -> None:
        self.page.on_keyboard_event = lambda _e: self.touch()
        self.page.on_disconnect = lambda _e: self.session.lock()
        self.page.on_resize = self._resized
        self.viewport = (self.page.width, self.page.height)
        self.url_launcher = ft.UrlLauncher()
        self.file_picker = ft.FilePicker()
        self.services += [self.url_launcher, self.file_picker]
        if self.page.route.startswith("/kiosk"):
            self.session.enter_kiosk()
        await self.go(self.session.start_route())
        self._idle_task = asyncio.create_task(self._idle_loop())

    def _resized(self, e: ft.PageResizeEvent) -> None:
        """A rotated tablet or a resized window: re-render when the navigation changes between the rail and
        the bottom bar (a screen's own layout follows by itself)."""
        from station_app.screens.nav import uses_bottom_bar

        before = uses_bottom_bar(*self.viewport, self.ui.scale)
        self.viewport = (e.width, e.height)
        if self.screen is not None and before != uses_bottom_bar(*self.viewport, self.ui.scale):
            self.render()

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    async def _idle_loop(self) -> None:
        while True:
            await asyncio.sleep(IDLE_CHECK_SECONDS)
            idle = time.monotonic() - self.last_activity
            action = self.session.idle_action(idle)
            if action == "lock":
                self.session.lock()
                await self.go("unlock", notice=t("unlock.idle_locked"))
            elif action == "kiosk_reset":
                self.session.kiosk_reset()
                await self.go("kiosk")
            if action:
                self.touch()

    # -- navigation ------------------------------------------------------------------------------------------
    async def go(self, route: str, **params: Any) -> None:
        from station_app.screens.registry import build_screen

        self.touch()
        route = self.session.guard(route)
        self.ui.scale = self.runtime.station.font_scale()
        self.ui.min_target = None  # the kiosk's screens set theirs
        self.route = route
        self.screen = build_screen(route, self, **params)
        await self.screen.load()
        self.render()

    def render(self) -> None:
        from station_app.screens.nav import frame

        content = self.screen.view()
        self.page.controls.clear()
        self.page.controls.append(frame(self, content))
        self.page.update()

    def refresh(self) -> None:
        """Re-render the current screen after its view-model changed."""
        self.render()

    def toast(self, message: str, *, error: bool = False) -> None:
        self.page.show_dialog(
            ft.SnackBar(
                content=ft.Text(message, size=self.ui.size(18)),
                bgcolor=ft.Colors.ERROR if error else None,
                duration=4000,
            )
        )

    async def open_document(self, data: bytes, filename: str) -> str:
        """Serve a generated PDF from the station's own origin and open it in a new tab; deleted later."""
        docs = self.runtime.documents
        rel = await asyncio.to_thread(docs.publish, data, filename)
        await self.url_launcher.launch_url(rel, web_only_window_name="_blank")

        async def expire_later() -> None:
            await asyncio.sleep(120)
            await asyncio.to_thread(docs.expire, rel)

        task = asyncio.create_task(expire_later())
        self._tasks.add(task)  # keep a reference until done, or the loop may drop it
        task.add_done_callback(self._tasks.discard)
        return rel

    def run_later(self, fn: Callable[[], Any]) -> None:
        self.page.run_task(fn)
