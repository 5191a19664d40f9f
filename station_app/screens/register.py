"""帮办代办登记: the cases this station filed with an agent or a 帮办员, searched by month, kind and 办件编号,
and exported as xlsx (downloaded through the browser from the station's own origin)."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial
from typing import Any

import flet as ft

from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.viewmodels.register import KINDS, RegisterView


class RegisterScreen(Screen):
    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.vm = RegisterView(shell.runtime.cases)

    async def load(self) -> None:
        catalog = await asyncio.to_thread(self.station.catalog)
        if catalog is not None:
            names = {i.code: i.name for i in catalog.items}
            with contextlib.suppress(AttributeError):
                names.update({b.code: b.name for b in catalog.bundles})
            self.vm.item_names = names
        await asyncio.to_thread(self.vm.search, self.vm.month, self.vm.kind, self.vm.number)

    def view(self) -> ft.Control:
        ui, vm = self.ui, self.vm
        self.month = ui.field(t("register.month"), value=vm.month, width=220, hint="2026-12")
        self.number = ui.field(t("register.number"), value=vm.number, width=260)
        self.kind = ft.Dropdown(
            label=t("register.kind"),
            value=vm.kind,
            width=200,
            options=[ft.DropdownOption(key=k, text=t(f"register.kind_{k or 'all'}")) for k in KINDS],
        )
        parts: list[ft.Control] = [
            ft.Row(
                [
                    ui.button(
                        t("common.back"), lambda: self.go("cases"), primary=False, icon=ft.Icons.ARROW_BACK
                    ),
                ]
            ),
            ui.title(t("register.title")),
            ui.small(t("register.intro")),
            ft.Row([self.month, self.number]),
            ft.Row(
                [
                    self.kind,
                    ui.button(
                        t("register.search"), self.search, ident="register-search", icon=ft.Icons.SEARCH
                    ),
                    ui.button(
                        t("register.export"),
                        self.export,
                        primary=False,
                        ident="register-export",
                        icon=ft.Icons.DOWNLOAD,
                    ),
                ]
            ),
        ]
        if vm.error:
            parts.append(ui.error(vm.error))
        parts.append(
            ft.Semantics(
                identifier=f"register-count-{len(vm.rows)}",
                content=ui.small(t("register.count", n=len(vm.rows))),
            )
        )
        if not vm.rows:
            parts.append(ui.text(t("register.empty")))
        for r in vm.rows:
            parts.append(
                ft.Semantics(
                    identifier=f"register-row-{r.number}",
                    content=ui.card(ui.text(vm.line(r)), ui.small(r.status)),
                )
            )
        return ft.Column(parts, spacing=10, scroll=ft.ScrollMode.AUTO, expand=True)

    async def search(self) -> None:
        await asyncio.to_thread(
            self.vm.search, self.month.value or "", self.kind.value or "", self.number.value or ""
        )
        self.refresh()

    async def export(self) -> None:
        try:
            data, name = await asyncio.to_thread(
                partial(self.vm.export, actor=f"worker:{self.shell.session.me.id}")
            )
        except Exception as exc:  # storage errors (a full disk for the audit entry …) word themselves
            self.vm.error = str(exc)
            self.refresh()
            return
        await self.shell.open_document(data, name)
