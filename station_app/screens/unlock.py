"""工作人员登录: one PIN field, a large button, and the way into kiosk mode for a tablet."""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.viewmodels.auth import UnlockForm


class UnlockScreen(Screen):
    chrome = False

    def __init__(self, shell: Any, notice: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.form = UnlockForm()
        self.notice = notice
        self.busy = False

    def view(self) -> ft.Control:
        ui = self.ui
        self.pin = ui.field(t("unlock.pin"), password=True, on_submit=self.submit, width=360, autofocus=True,
                            keyboard=ft.KeyboardType.NUMBER)
        parts: list[ft.Control] = [
            ft.Icon(ft.Icons.ACCOUNT_BALANCE, size=ui.size(64), color=ft.Colors.PRIMARY),
            ui.title(self.station.station_name() or t("app.name")),
            ui.text(t("unlock.prompt"), muted=True),
        ]
        if self.notice:
            parts.append(ui.note(self.notice))
        if self.form.error:
            parts.append(ft.Semantics(identifier="unlock-error", content=ui.error(self.form.error)))
        parts += [
            ft.Semantics(identifier="unlock-pin", content=self.pin),
            ui.button(t("unlock.submit"), self.submit, ident="unlock-submit", icon=ft.Icons.LOCK_OPEN,
                      disabled=self.busy),
            ft.Container(height=24),
            ui.button(t("kiosk.enter"), self.kiosk, ident="enter-kiosk", primary=False,
                      icon=ft.Icons.TOUCH_APP),
        ]
        return ft.Container(
            content=ft.Column(parts, horizontal_alignment=ft.CrossAxisAlignment.CENTER, spacing=16, width=420),
            alignment=ft.Alignment.CENTER, expand=True,
        )

    async def submit(self) -> None:
        self.form.pin = self.pin.value or ""
        self.busy, self.notice = True, ""
        worker = await asyncio.to_thread(self.form.attempt, self.station)
        self.busy = False
        if worker is None:
            self.refresh()
            return
        self.shell.session.sign_in(worker)
        await self.go("home")

    async def kiosk(self) -> None:
        """A worker switches this browser (the tablet) to 自助办; leaving it again needs a worker PIN."""
        self.form.pin = self.pin.value or ""
        worker = await asyncio.to_thread(self.form.attempt, self.station)
        if worker is None:
            if not self.form.error or not (self.pin.value or ""):
                self.form.error = t("kiosk.need_pin")
            self.refresh()
            return
        self.shell.session.enter_kiosk()
        await self.go("kiosk")
