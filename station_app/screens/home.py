"""首页: today's work at a glance, each tile one click from the matching case list."""

from __future__ import annotations

import asyncio
import datetime as dt
from functools import partial
from typing import Any

import flet as ft

from casework import clock
from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.screens.sync_page import status_line
from station_app.viewmodels.case_query import CaseQuery
from station_app.viewmodels.cases import Dashboard
from station_app.viewmodels.pending import PendingViewModel

TILES = [
    ("today", ft.Icons.TODAY, None),
    ("sync_pending", ft.Icons.CLOUD_UPLOAD_OUTLINED, None),
    ("overdue", ft.Icons.ALARM, ft.Colors.ERROR),
    ("due_soon", ft.Icons.HOURGLASS_BOTTOM, ft.Colors.ORANGE_800),
    ("pickup", ft.Icons.INVENTORY_2_OUTLINED, ft.Colors.GREEN_800),
    ("deferred_overdue", ft.Icons.ASSIGNMENT_LATE_OUTLINED, ft.Colors.ORANGE_800),
    ("supplement", ft.Icons.NOTE_ADD_OUTLINED, ft.Colors.BLUE_800),
    ("supplement_overdue", ft.Icons.RUNNING_WITH_ERRORS, ft.Colors.ERROR),
    ("rejected", ft.Icons.REPORT_OUTLINED, ft.Colors.ERROR),
]


class HomeScreen(Screen):
    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.dashboard = Dashboard()
        self.counted = False
        self.drafts = 0
        self.pending = 0  # 待补齐: intakes closed with a 一次性告知书, waiting for the missing materials
        self.pending_since: dt.date | None = None  # the oldest of those notices' dates
        self._counting: asyncio.Task[None] | None = None

    async def load(self) -> None:
        """What the screen needs to be usable at once (actions, drafts, sync line); the tiles are counted
        right after it shows (tens to hundreds of milliseconds at a year's volume) and fill in then."""
        cases = self.shell.runtime.cases
        self.drafts = len(await asyncio.to_thread(cases.drafts))
        pending = await asyncio.to_thread(PendingViewModel(cases).rows)
        self.pending = len(pending)
        self.pending_since = min((r.noticed_on for r in pending), default=None)
        self.sync_line = await asyncio.to_thread(status_line, self.shell.runtime)
        self._counting = asyncio.create_task(self._count())

    async def _count(self) -> None:
        cases = self.shell.runtime.cases
        calendar = await asyncio.to_thread(cases.work_calendar)
        query = CaseQuery(cases.index)  # the tiles count in the summary index: no case is decrypted
        counts = await asyncio.to_thread(query.dashboard, clock.china_today(), calendar)
        self.dashboard, self.counted = Dashboard(counts), True
        if self.shell.screen is self:  # still on the home screen
            self.refresh()

    def view(self) -> ft.Control:
        ui = self.ui
        worker = self.shell.session.worker
        tiles = []
        for key, icon, color in TILES:
            n = self.dashboard.counts.get(key, 0) if self.counted else 0
            tiles.append(
                ui.card(
                    ft.Row(
                        [
                            ft.Icon(
                                icon, size=ui.size(30), color=color if n else ft.Colors.ON_SURFACE_VARIANT
                            ),
                            ft.Text(
                                str(n) if self.counted else "…",
                                size=ui.size(34),
                                weight=ft.FontWeight.BOLD,
                                color=color if n else None,
                            ),
                        ]
                    ),
                    ft.Text(t(f"home.{key}"), size=ui.size(17)),
                    ident=f"tile-{key}",
                    width=ui.size(210),
                    on_click=partial(self.go, "cases", preset=key),
                )
            )
        tiles.append(
            ui.card(
                ft.Row(
                    [
                        ft.Icon(
                            ft.Icons.PLAYLIST_ADD_CHECK,
                            size=ui.size(30),
                            color=ft.Colors.BLUE_800 if self.pending else ft.Colors.ON_SURFACE_VARIANT,
                        ),
                        ft.Text(
                            str(self.pending),
                            size=ui.size(34),
                            weight=ft.FontWeight.BOLD,
                            color=ft.Colors.BLUE_800 if self.pending else None,
                        ),
                    ]
                ),
                ft.Text(t("home.pending"), size=ui.size(17)),
                *(
                    [ui.small(t("home.pending_since", date=self.pending_since.isoformat()))]
                    if self.pending_since
                    else []
                ),
                ident="tile-pending",
                width=ui.size(210),
                on_click=lambda: self.go("pending"),
            )
        )
        sync = ui.card(
            ft.Row(
                [
                    ft.Icon(ft.Icons.SYNC),
                    ft.Text(self.sync_line, size=ui.size(17), expand=True),
                ]
            ),
            ident="tile-sync",
            on_click=lambda: self.go("sync"),
        )
        actions = ft.Row(
            [
                ui.button(
                    t("home.new_intake"),
                    lambda: self.go("intake"),
                    ident="home-intake",
                    icon=ft.Icons.ASSIGNMENT_ADD,
                ),
                ui.button(
                    t("home.guide"), lambda: self.go("guide"), primary=False, icon=ft.Icons.MENU_BOOK_OUTLINED
                ),
                ui.button(
                    t("home.find_ticket"),
                    lambda: self.go("cases", ticket=True),
                    primary=False,
                    icon=ft.Icons.CONFIRMATION_NUMBER_OUTLINED,
                    ident="home-ticket",
                ),
            ],
            wrap=True,
        )
        parts: list[ft.Control] = [
            ui.title(t("home.hello", name=worker.name if worker else "")),
            actions,
            # "tiles-counted" once the numbers are in (tests wait for it; a person sees "…" until then)
            ft.Semantics(
                identifier="tiles-counted" if self.counted else "tiles-counting",
                content=ft.Row(tiles, wrap=True, spacing=12, run_spacing=12),
            ),
            sync,
        ]
        if self.drafts:
            parts.append(
                ui.card(
                    ui.text(t("home.drafts", n=self.drafts)),
                    on_click=lambda: self.go("intake"),
                    ident="tile-drafts",
                )
            )
        return ft.Column(parts, spacing=16, scroll=ft.ScrollMode.AUTO)
