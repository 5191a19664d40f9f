"""Base class of a screen: ``load()`` fetches data (off the event loop), ``view()`` renders it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import flet as ft

if TYPE_CHECKING:
    from station_app.screens.shell import Shell


class Screen:
    #: whether the navigation rail shows (desk screens) or the screen takes the whole window
    chrome = True

    def __init__(self, shell: Shell, **params: Any) -> None:
        self.shell = shell
        self.ui = shell.ui
        self.params = params

    @property
    def station(self) -> Any:
        return self.shell.runtime.station

    async def load(self) -> None:
        """Fetch what the view needs. Blocking calls go through ``asyncio.to_thread``."""

    def view(self) -> ft.Control:
        raise NotImplementedError

    async def go(self, route: str, **params: Any) -> None:
        await self.shell.go(route, **params)

    def refresh(self) -> None:
        self.shell.refresh()
