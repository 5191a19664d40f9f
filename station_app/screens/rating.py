"""好差评: the screen turns to the resident — five large buttons, optional reasons
and comment, once per case."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import flet as ft

from casework.cases import RatingLevel
from casework.messages import term
from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.screens.widgets import UI
from station_app.viewmodels.case_detail import RATING_REASONS, ActionError, CaseActions

LEVEL_STYLE = {
    RatingLevel.VERY_SATISFIED: (ft.Icons.SENTIMENT_VERY_SATISFIED, ft.Colors.GREEN_700, "very_satisfied"),
    RatingLevel.SATISFIED: (ft.Icons.SENTIMENT_SATISFIED, ft.Colors.LIGHT_GREEN_700, "satisfied"),
    RatingLevel.BASICALLY_SATISFIED: (ft.Icons.SENTIMENT_NEUTRAL, ft.Colors.AMBER_800, "basically_satisfied"),
    RatingLevel.DISSATISFIED: (ft.Icons.SENTIMENT_DISSATISFIED, ft.Colors.ORANGE_800, "dissatisfied"),
    RatingLevel.VERY_DISSATISFIED: (
        ft.Icons.SENTIMENT_VERY_DISSATISFIED,
        ft.Colors.RED_700,
        "very_dissatisfied",
    ),
}


class RatingPanel:
    """The resident-facing rating form; ``on_submit(level, reasons, comment)`` stores it."""

    def __init__(
        self,
        ui: UI,
        title: str,
        on_submit: Callable[[RatingLevel, list[str], str], Awaitable[None]],
        refresh: Callable[[], None],
    ) -> None:
        self.ui, self.title, self.on_submit, self.refresh = ui, title, on_submit, refresh
        self.level: RatingLevel | None = None
        self.reasons: set[str] = set()
        self.comment = ""
        self.error = ""

    def view(self) -> ft.Control:
        ui = self.ui
        buttons: list[ft.Control] = []
        for level, (icon, color, ident) in LEVEL_STYLE.items():
            selected = self.level is level
            box = ft.Container(
                ft.Column(
                    [
                        ft.Icon(icon, size=ui.size(54), color=ft.Colors.WHITE if selected else color),
                        ft.Text(
                            term(level),
                            size=ui.size(20),
                            weight=ft.FontWeight.BOLD,
                            color=ft.Colors.WHITE if selected else color,
                        ),
                    ],
                    horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                    spacing=6,
                    tight=True,
                ),
                width=ui.size(150),
                height=ui.size(140),
                border_radius=16,
                alignment=ft.Alignment.CENTER,
                bgcolor=color if selected else ft.Colors.SURFACE_CONTAINER_LOW,
                border=ft.Border.all(2, color),
                on_click=ui.wrap(partial(self._choose, level)),
                ink=True,
            )
            buttons.append(
                ft.Semantics(identifier=f"rate-{ident}", button=True, label=term(level), content=box)
            )
        parts: list[ft.Control] = [
            ui.title(self.title),
            ui.text(t("rating.prompt")),
            ft.Row(buttons, wrap=True, spacing=12, run_spacing=12),
        ]
        if self.level is not None:
            parts.append(ui.text(t("rating.reasons")))
            parts.append(
                ft.Row(
                    [
                        ft.Chip(
                            label=ft.Text(t(k), size=ui.size(17)),
                            selected=k in self.reasons,
                            on_click=ui.wrap(partial(self._toggle, k)),
                        )
                        for k in RATING_REASONS
                    ],
                    wrap=True,
                )
            )
            self.comment_field = ui.field(t("rating.comment"), value=self.comment, multiline=True)
            parts.append(self.comment_field)
            parts.append(ui.button(t("rating.submit"), self._submit, ident="rate-submit", icon=ft.Icons.SEND))
        if self.error:
            parts.append(ui.error(self.error))
        return ft.Column(parts, spacing=16, scroll=ft.ScrollMode.AUTO)

    async def _choose(self, level: RatingLevel) -> None:
        self.level = level
        self.refresh()

    async def _toggle(self, key: str) -> None:
        self.comment = self.comment_field.value or ""
        self.reasons ^= {key}
        self.refresh()

    async def _submit(self) -> None:
        assert self.level is not None
        self.comment = self.comment_field.value or ""
        await self.on_submit(self.level, [t(k) for k in sorted(self.reasons)], self.comment)


class RatingScreen(Screen):
    """At the desk, after hand-over: the worker turns the screen to the resident."""

    chrome = False

    def __init__(self, shell: Any, case_id: str = "", revisit: bool = False, **params: Any) -> None:
        super().__init__(shell, **params)
        self.case_id = case_id
        self.revisit = revisit  # 回访评价: the second rating after a 差评's 整改
        self.done = False
        title = t("rating.revisit_title") if revisit else t("rating.title")
        self.panel = RatingPanel(self.ui, title, self._save, self.refresh)

    async def load(self) -> None:
        self.case = await asyncio.to_thread(self.shell.runtime.cases.get, self.case_id)
        if self.revisit:
            if self.case.revisit_rating is not None:
                self.panel.error = t("case.revisit_done", rating=term(self.case.revisit_rating.level))
        elif self.case.rating is not None:
            self.panel.error = t("rating.already")

    def view(self) -> ft.Control:
        ui = self.ui
        if self.done:
            body: ft.Control = ft.Column(
                [
                    ft.Icon(ft.Icons.FAVORITE, color=ft.Colors.RED_400, size=ui.size(72)),
                    ft.Semantics(
                        identifier="rate-thanks",
                        content=ui.title(t("rating.revisit_thanks") if self.revisit else t("rating.thanks")),
                    ),
                    ui.button(
                        t("rating.back_to_worker"),
                        lambda: self.go("case", case_id=self.case_id),
                        primary=False,
                    ),
                ],
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                spacing=20,
            )
        else:
            body = ft.Column(
                [
                    self.panel.view(),
                    ui.button(
                        t("rating.skip"),
                        lambda: self.go("case", case_id=self.case_id),
                        primary=False,
                        ident="rate-skip",
                    ),
                ],
                spacing=16,
            )
        return ft.Container(body, alignment=ft.Alignment.TOP_CENTER, expand=True, padding=24)

    async def _save(self, level: RatingLevel, reasons: list[str], comment: str) -> None:
        actions = CaseActions(self.shell.runtime.cases, self.case, self.shell.session.me.id)
        try:
            await asyncio.to_thread(
                actions.revisit if self.revisit else actions.rate, level, reasons, comment
            )
        except ActionError as exc:
            self.panel.error = str(exc)
            self.refresh()
            return
        self.done = True
        self.refresh()
