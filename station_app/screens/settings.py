"""设置: language, font size, idle lock, retention, district center connection; 工作人员 for the admin."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import flet as ft

from station_app.i18n import LANGUAGES, t
from station_app.screens.base import Screen
from station_app.viewmodels.auth import pin_problem
from station_app.viewmodels.printing import (
    PAPERS,
    PRINTER_KINDS,
    PrinterKind,
    PrintError,
    PrinterSettings,
    Slip,
    print_ticket,
    station_printer,
)
from station_app.viewmodels.session import Worker

FONT_SCALES = (1.0, 1.15, 1.3, 1.5)
IDLE_CHOICES = (60, 180, 300, 600, 900)


class SettingsScreen(Screen):
    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.error = ""
        self.ident: dict[str, Any] | None = None

    async def load(self) -> None:
        self.ident = await asyncio.to_thread(self.station.identity)  # a store read: off the event loop

    def view(self) -> ft.Control:
        ui, s = self.ui, self.station.settings()
        admin = self.shell.session.me.is_admin
        lang = ft.RadioGroup(
            value=s.get("language", "zh_CN"),
            on_change=ui.wrap(lambda: self._save(language=lang.value)),
            content=ft.Row([ui.radio(value=k, label=v) for k, v in LANGUAGES.items()]),
        )
        font = ft.RadioGroup(
            value=str(s.get("font_scale", 1.0)),
            on_change=ui.wrap(lambda: self._save(font_scale=float(font.value or 1))),
            content=ft.Row(
                [ui.radio(value=str(f), label=t("settings.font_n", pct=round(f * 100))) for f in FONT_SCALES],
                wrap=True,
            ),
        )
        idle = ft.Dropdown(
            label=t("settings.idle"),
            value=str(s.get("idle_lock_seconds", 300)),
            width=220,
            options=[
                ft.DropdownOption(key=str(v), text=t("settings.minutes", n=v // 60)) for v in IDLE_CHOICES
            ],
            on_select=ui.wrap(lambda: self._save(idle_lock_seconds=int(idle.value or 300))),
            disabled=not admin,
        )
        self.retention = ui.field(
            t("settings.retention"),
            value=str(s.get("retention_days", 365)),
            width=220,
            keyboard=ft.KeyboardType.NUMBER,
        )
        parts: list[ft.Control] = [
            ui.title(t("nav.settings")),
            ui.heading(t("settings.language")),
            lang,
            ui.heading(t("settings.font")),
            font,
            ui.heading(t("settings.security")),
            idle,
            ft.Row(
                [
                    self.retention,
                    ui.button(t("common.save"), self._retention, primary=False, disabled=not admin),
                ]
            ),
            ui.small(t("settings.retention_help")),
            *self._printer(admin),
        ]
        ident = self.ident
        parts.append(ui.heading(t("settings.center")))
        if ident:
            parts.append(
                ui.text(
                    t(
                        "settings.enrolled",
                        url=ident.get("center_url", ""),
                        no=ident.get("station_no", ""),
                        district=ident.get("district_name")
                        or ident.get("district_code")
                        or s.get("area", ""),
                    )
                )
            )
        elif admin:
            self.url = ui.field(t("setup.center_url"), hint="http://")
            self.code = ui.field(t("setup.enrollment_code"))
            parts += [
                self.url,
                self.code,
                ui.button(t("settings.enroll"), self._enroll, ident="settings-enroll"),
            ]
        else:
            parts.append(ui.text(t("settings.ask_admin")))
        if admin:
            parts.append(
                ui.button(
                    t("settings.workers"),
                    lambda: self.go("workers"),
                    primary=False,
                    icon=ft.Icons.PEOPLE_OUTLINE,
                    ident="settings-workers",
                )
            )
        if self.error:
            parts.append(ui.error(self.error))
        return ft.Column(parts, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)

    def _printer(self, admin: bool) -> list[ft.Control]:
        """Paper (A4 / 80 mm) and the printer, per station (the admin's choice)."""
        ui, printer = self.ui, station_printer(self.station.settings())
        paper = ft.RadioGroup(
            value=printer.paper.value,
            on_change=ui.wrap(lambda: self._save_printer(paper=paper.value)),
            content=ft.Row(
                [
                    ft.Semantics(
                        identifier=f"settings-paper-{p.value}",
                        content=ui.radio(
                            value=p.value, label=t(f"settings.paper_{p.value}"), disabled=not admin
                        ),
                    )
                    for p in PAPERS
                ],
                wrap=True,
            ),
        )
        kind = ft.Dropdown(
            label=t("settings.printer_kind"),
            value=printer.kind.value,
            width=360,
            options=[
                ft.DropdownOption(key=k.value, text=t(f"settings.printer_{k.value}")) for k in PRINTER_KINDS
            ],
            on_select=ui.wrap(lambda: self._save_printer(kind=kind.value)),
            disabled=not admin,
        )
        out: list[ft.Control] = [
            ui.heading(t("settings.printer")),
            ui.small(t("settings.paper")),
            paper,
            kind,
        ]
        if printer.kind is PrinterKind.ESCPOS_NETWORK:
            self.printer_host = ui.field(t("settings.printer_host"), value=printer.host, width=360)
            save = ui.button(
                t("common.save"),
                lambda: self._save_printer(host=self.printer_host.value or ""),
                primary=False,
                disabled=not admin,
            )
            out.append(ft.Row([self.printer_host, save], wrap=True))
        if printer.prints_slips:
            out.append(ui.button(t("settings.printer_test"), self._test_print, primary=False))
        return out

    async def _save_printer(self, **changes: Any) -> None:
        current = station_printer(self.station.settings()).to_dict()
        await self._save(printer=PrinterSettings.from_dict(current | changes).to_dict())

    async def _test_print(self) -> None:
        slip = Slip(t("settings.printer_test"), (self.station.station_name(),), qr="test")
        try:
            await asyncio.to_thread(print_ticket, station_printer(self.station.settings()), slip)
            self.shell.toast(t("settings.printer_tested"))
        except PrintError as exc:
            self.error = str(exc)
            self.refresh()

    async def _save(self, **changes: Any) -> None:
        if not self.shell.session.me.is_admin and set(changes) - {"language", "font_scale"}:
            return
        await asyncio.to_thread(
            self.station.save_settings, changes, actor=f"worker:{self.shell.session.me.id}"
        )
        await self.go("settings")

    async def _retention(self) -> None:
        try:
            days = int(self.retention.value or "0")
            if days < 30:
                raise ValueError
        except ValueError:
            self.error = t("settings.retention_bad")
            self.refresh()
            return
        await self._save(retention_days=days)

    async def _enroll(self) -> None:
        try:
            await asyncio.to_thread(
                self.shell.runtime.enroll,
                self.url.value or "",
                self.code.value or "",
                actor=f"worker:{self.shell.session.me.id}",
            )
        except Exception as exc:
            self.error = str(exc)
            self.refresh()
            return
        self.shell.toast(t("settings.enrolled_ok"))
        await self.go("settings")


class WorkersScreen(Screen):
    """Station admin: add a worker (number, name, PIN), reset a PIN, remove a worker."""

    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.workers: list[Worker] = []
        self.error = ""

    async def load(self) -> None:
        self.workers = await asyncio.to_thread(self.station.workers)

    def view(self) -> ft.Control:
        ui = self.ui
        rows: list[ft.Control] = [ui.title(t("settings.workers"))]
        me = self.shell.session.me
        for w in self.workers:
            role = t("workers.admin") if w.is_admin else t("workers.worker")
            actions: list[ft.Control] = []
            if w.id != me.id:
                actions.append(
                    ui.button(t("workers.remove"), partial(self._remove, w), primary=False, danger=True)
                )
            rows.append(
                ui.card(
                    ft.Row(
                        [
                            ft.Text(f"{w.id}  {w.name}", size=ui.size(18), expand=True),
                            ui.small(role),
                            *actions,
                        ]
                    )
                )
            )
        self.new_id = ui.field(t("unlock.worker_id"), value=self.station.next_worker_id(), width=140)
        self.new_name = ui.field(t("workers.name"), width=220)
        self.new_pin = ui.field(t("unlock.pin"), password=True, width=220, keyboard=ft.KeyboardType.NUMBER)
        self.new_admin = self.ui.checkbox(t("workers.make_admin"))
        rows += [
            ui.heading(t("workers.add")),
            # no wrap: TextFields in a wrapping Row fail to lay out in the Flet 1.0.5 web client
            ft.Row([self.new_id, self.new_name, self.new_pin]),
            self.new_admin,
            ui.small(t("workers.pin_reset_help")),
        ]
        if self.error:
            rows.append(ui.error(self.error))
        rows.append(ui.button(t("workers.save"), self._add, ident="workers-add"))
        return ft.Column(rows, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)

    async def _add(self) -> None:
        wid, name, pin = (
            (self.new_id.value or "").strip(),
            (self.new_name.value or "").strip(),
            self.new_pin.value or "",
        )
        problem = pin_problem(pin) or (t("workers.need_name") if not name or not wid else None)
        if problem:
            self.error = problem
            self.refresh()
            return
        try:
            await asyncio.to_thread(
                self.station.add_worker,
                wid,
                name,
                pin,
                "admin" if self.new_admin.value else "worker",
                actor=f"worker:{self.shell.session.me.id}",
            )
        except Exception as exc:
            self.error = str(exc)
            self.refresh()
            return
        self.shell.toast(t("workers.saved", name=name))
        await self.go("workers")

    async def _remove(self, w: Worker) -> None:
        await asyncio.to_thread(self.station.remove_worker, w.id, actor=f"worker:{self.shell.session.me.id}")
        await self.go("workers")
