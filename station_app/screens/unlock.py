"""工作人员登录: worker number and PIN, large button; after a restart the station passphrase first.

A worker can also switch this browser (the kiosk tablet) to 自助办 with their PIN.
"""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.viewmodels.auth import BootForm, UnlockForm


class UnlockScreen(Screen):
    chrome = False

    def __init__(self, shell: Any, notice: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.form = UnlockForm(worker_id=shell.session.scratch.get("last_worker_id", ""))
        self.boot = BootForm()
        self.notice = notice

    def view(self) -> ft.Control:
        ui = self.ui
        parts: list[ft.Control] = [
            ft.Icon(ft.Icons.ACCOUNT_BALANCE, size=ui.size(64), color=ft.Colors.PRIMARY),
            ui.title(self.station.station_name() or t("app.name")),
        ]
        if self.notice:
            parts.append(ft.Semantics(identifier="unlock-notice", content=ui.note(self.notice)))
        if self.station.needs_station_passphrase():
            self.secret = ui.field(
                t("boot.secret"), password=True, on_submit=self.submit_boot, autofocus=True
            )
            parts += [ui.text(t("boot.prompt"), muted=True)]
            if self.boot.error:
                parts.append(ui.error(self.boot.error))
            parts += [self.secret, ui.button(t("boot.submit"), self.submit_boot, ident="boot-submit")]
        else:
            self.worker_id = ui.field(
                t("unlock.worker_id"), value=self.form.worker_id, keyboard=ft.KeyboardType.NUMBER
            )
            self.pin = ui.field(
                t("unlock.pin"),
                password=True,
                on_submit=self.submit,
                autofocus=True,
                keyboard=ft.KeyboardType.NUMBER,
            )
            parts.append(ui.text(t("unlock.prompt"), muted=True))
            if self.form.error:
                parts.append(ft.Semantics(identifier="unlock-error", content=ui.error(self.form.error)))
            parts += [
                self.worker_id,
                self.pin,
                ui.button(t("unlock.submit"), self.submit, ident="unlock-submit", icon=ft.Icons.LOCK_OPEN),
                ft.Container(height=16),
                ui.button(
                    t("kiosk.enter"), self.kiosk, ident="enter-kiosk", primary=False, icon=ft.Icons.TOUCH_APP
                ),
            ]
        return ft.Container(
            content=ft.Column(
                parts,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
                spacing=16,
                width=440,
                scroll=ft.ScrollMode.AUTO,
            ),
            alignment=ft.Alignment.CENTER,
            expand=True,
        )

    async def submit_boot(self) -> None:
        self.boot.secret = self.secret.value or ""
        await asyncio.to_thread(self.boot.attempt, self.station)
        self.refresh()

    async def _attempt(self) -> Any:
        self.form.worker_id = self.worker_id.value or ""
        self.form.pin = self.pin.value or ""
        self.notice = ""
        worker = await asyncio.to_thread(self.form.attempt, self.station)
        if worker is not None:
            self.shell.session.scratch["last_worker_id"] = worker.id
        return worker

    async def submit(self) -> None:
        worker = await self._attempt()
        if worker is None:
            self.refresh()
            return
        self.shell.session.sign_in(worker)
        await self.go("home")

    async def kiosk(self) -> None:
        """Switching a tablet to 自助办 needs a worker's PIN; leaving it again needs one too."""
        worker = await self._attempt()
        if worker is None:
            self.refresh()
            return
        self.shell.session.enter_kiosk()
        await self.go("kiosk")
