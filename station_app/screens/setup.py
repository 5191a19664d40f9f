"""设置站点: the first run of a new station — name, area, station admin and PIN, optional enrollment."""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.viewmodels.auth import SetupForm


class SetupScreen(Screen):
    chrome = False

    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.form = SetupForm()
        self.error = ""
        self.busy = False

    def view(self) -> ft.Control:
        ui, f = self.ui, self.form
        self.fields = {
            "station_name": ui.field(
                t("setup.station_name"), value=f.station_name, hint=t("setup.station_name_hint")
            ),
            "area": ui.field(t("setup.area"), value=f.area, hint=t("setup.area_hint")),
            "admin_name": ui.field(t("setup.admin_name"), value=f.admin_name),
            "admin_secret": ui.field(t("setup.admin_secret"), password=True),
            "station_passphrase": ui.field(t("setup.passphrase"), password=True),
            "admin_pin": ui.field(t("setup.admin_pin"), password=True, keyboard=ft.KeyboardType.NUMBER),
            "admin_pin_confirm": ui.field(
                t("setup.admin_pin_confirm"), password=True, keyboard=ft.KeyboardType.NUMBER
            ),
            "center_url": ui.field(t("setup.center_url"), value=f.center_url, hint="http://"),
            "enrollment_code": ui.field(t("setup.enrollment_code"), value=f.enrollment_code),
        }
        for key, message in f.errors.items():
            self.fields[key].error = message
        rows: list[ft.Control] = [
            ui.title(t("setup.title")),
            ui.text(t("setup.intro"), muted=True),
            self.fields["station_name"],
            self.fields["area"],
            ui.heading(t("setup.admin_section")),
            self.fields["admin_name"],
            self.fields["admin_secret"],
            ui.small(t("setup.passphrase_help")),
            self.fields["station_passphrase"],
            ui.small(t("setup.pin_help")),
            self.fields["admin_pin"],
            self.fields["admin_pin_confirm"],
            ui.heading(t("setup.center_section")),
            ui.small(t("setup.center_help")),
            self.fields["center_url"],
            self.fields["enrollment_code"],
        ]
        if self.error:
            rows.append(ui.error(self.error))
        rows.append(ui.button(t("setup.submit"), self.submit, ident="setup-submit", disabled=self.busy))
        return ft.Container(
            content=ft.Column(
                rows,
                spacing=14,
                width=560,
                scroll=ft.ScrollMode.AUTO,
                horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            ),
            alignment=ft.Alignment.TOP_CENTER,
            expand=True,
        )

    async def submit(self) -> None:
        f = self.form
        for key, control in self.fields.items():
            setattr(f, key, control.value or "")
        if not f.validate():
            self.refresh()
            return
        self.busy, self.error = True, ""
        self.refresh()
        try:
            worker = await asyncio.to_thread(
                self.station.set_up,
                station_name=f.station_name.strip(),
                area=f.area.strip(),
                admin_name=f.admin_name.strip(),
                admin_secret=f.admin_secret,
                station_passphrase=f.station_passphrase,
                admin_pin=f.admin_pin,
            )
            if f.center_url.strip():
                await asyncio.to_thread(
                    self.shell.runtime.enroll,
                    f.center_url.strip(),
                    f.enrollment_code.strip(),
                    actor=worker.id,
                )
        except Exception as exc:
            self.busy, self.error = False, str(exc)
            self.refresh()
            return
        self.shell.session.sign_in(worker)
        await self.go("home")
