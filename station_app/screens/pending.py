"""待补齐: the intakes that ended with a 一次性告知书, waiting for the resident to bring what was missing.

The worker types the number on the resident's notice, or scans its QR into the search box, and opens the
record: the intake comes back on the materials step with everything entered and scanned the first time.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

import flet as ft

from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.viewmodels.pending import PendingRow, PendingViewModel


class PendingScreen(Screen):
    def __init__(self, shell: Any, query: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.vm = PendingViewModel(shell.runtime.cases)
        self.query = query
        self.rows: list[PendingRow] = []
        self.error = ""

    async def load(self) -> None:
        self.rows = await asyncio.to_thread(self.vm.rows, self.query)
        self.error = (
            t("pending.not_found", number=self.query.strip()) if self.query.strip() and not self.rows else ""
        )

    def _row(self, r: PendingRow) -> ft.Control:
        ui = self.ui
        missing = t("pending.missing", names=t("common.list_sep").join(r.missing))
        return ui.card(
            ft.Row(
                [
                    ft.Text(r.notice_number, size=ui.size(18), weight=ft.FontWeight.BOLD, selectable=True),
                    ft.Text(r.name, size=ui.size(18), expand=True),
                    ui.small(t("pending.noticed", date=r.noticed_on.isoformat())),
                ]
            ),
            ui.text(r.applicant),
            ft.Semantics(
                identifier=f"pending-missing-{r.notice_number}",
                label=missing,
                content=ui.text(missing, color=ft.Colors.ERROR),
            ),
            ft.Row(
                [
                    ui.button(
                        t("pending.resume"),
                        partial(self.resume, r),
                        ident=f"pending-resume-{r.notice_number}",
                        icon=ft.Icons.ASSIGNMENT_TURNED_IN_OUTLINED,
                    )
                ]
            ),
            ident=f"pending-{r.notice_number}",
        )

    def view(self) -> ft.Control:
        ui = self.ui
        self.search = ui.field(
            t("pending.search"), value=self.query, width=420, on_submit=self.find, autofocus=True
        )
        parts: list[ft.Control] = [
            ui.title(t("pending.title")),
            ft.Row(
                [
                    ft.Semantics(identifier="pending-search", content=self.search),
                    ui.button(t("pending.find"), self.find, ident="pending-find", icon=ft.Icons.SEARCH),
                ]
            ),
        ]
        if self.error:
            parts.append(ft.Semantics(identifier="pending-error", content=ui.error(self.error)))
        if not self.rows and not self.error:
            parts.append(ui.text(t("pending.empty"), muted=True))
        parts += [self._row(r) for r in self.rows]
        return ft.Column(parts, spacing=12, scroll=ft.ScrollMode.AUTO, expand=True)

    async def find(self) -> None:
        await self.go("pending", query=(self.search.value or "").strip())

    async def resume(self, row: PendingRow) -> None:
        try:
            draft_id = await asyncio.to_thread(
                self.vm.resume, row.notice_id, worker_id=self.shell.session.me.id
            )
        except KeyError:  # accepted at another window meanwhile, or removed by retention
            self.error = t("pending.gone")
        except Exception as exc:  # storage errors (a full disk …) word themselves
            self.error = str(exc)
        else:
            await self.go("intake", draft_id=draft_id)
            return
        self.refresh()
