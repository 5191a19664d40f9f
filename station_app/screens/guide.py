"""办事指南: search items and bundles (name, pinyin, initials, department,
type, life event) and item pages."""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from casework.catalog import LifeEvent
from casework.guide_search import HitKind, SearchHit
from casework.messages import term
from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.viewmodels.guide import GuidePage, GuideSearch, hit_tags, page_for, qr_png

ROW_HEIGHT = 72
LOG_AFTER_SECONDS = 2.5  # a query unchanged this long is a finished search (for the failed-query log)


def hit_row(screen: Screen, hit: SearchHit, on_open: Any, *, prefix: str = "hit") -> ft.Control:
    ui = screen.ui
    tags = hit_tags(hit)
    row = ft.Container(
        content=ft.Row(
            [
                ft.Icon(
                    ft.Icons.WORKSPACES if hit.kind == HitKind.BUNDLE else ft.Icons.DESCRIPTION_OUTLINED,
                    color=ft.Colors.ERROR if hit.cancelled else ft.Colors.PRIMARY,
                ),
                ft.Column(
                    [
                        ft.Text(
                            hit.name,
                            size=ui.size(19),
                            weight=ft.FontWeight.W_600,
                            no_wrap=True,
                            color=ft.Colors.ERROR if hit.cancelled else None,
                        ),
                        ft.Text(
                            " · ".join(tags),
                            size=ui.size(14),
                            color=ft.Colors.ON_SURFACE_VARIANT,
                            no_wrap=True,
                        ),
                    ],
                    spacing=2,
                    expand=True,
                ),
                ft.Icon(ft.Icons.CHEVRON_RIGHT),
            ]
        ),
        height=ROW_HEIGHT,
        padding=ft.Padding.symmetric(horizontal=12),
        on_click=ui.wrap(lambda: on_open(hit)),
        ink=True,
        border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
    )
    return ft.Semantics(identifier=f"{prefix}-{hit.code}", button=True, label=hit.name, content=row)


class GuideScreen(Screen):
    """Search box, life-event chips and a virtualised result list (ListView with a fixed item extent).

    A query that finds nothing shows the closest entries and a hint to browse by life event instead of an
    empty list; it (or one with only loose matches) goes to the failed-query log once the worker stopped
    typing for :data:`LOG_AFTER_SECONDS` or pressed Enter."""

    def __init__(self, shell: Any, pick_for: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.search: GuideSearch | None = None
        self.pick_for = pick_for  # "intake": choosing opens intake instead of the guide page
        self._seq = 0

    async def load(self) -> None:
        index = await asyncio.to_thread(self.station.guide_index)
        if index is not None:
            self.search = GuideSearch(index, query=self.shell.session.scratch.get("guide_query", ""))
            await asyncio.to_thread(self.search.run)

    def view(self) -> ft.Control:
        ui = self.ui
        if self.search is None:
            return ft.Column([ui.title(t("guide.title")), ui.note(t("guide.no_catalog"))])
        self.query = ui.field(
            t("guide.search"),
            value=self.search.query,
            on_change=self.on_query,
            on_submit=self.on_submit,
            hint=t("guide.search_hint"),
            autofocus=True,
            expand=True,
        )
        chips = ft.Row(
            [self._event_chip(None)] + [self._event_chip(e) for e in LifeEvent], wrap=True, spacing=6
        )
        self.count = ft.Semantics(identifier="guide-count", content=ui.small(self.search.summary()))
        self.list = ft.ListView(controls=self._rows(), item_extent=ROW_HEIGHT, expand=True)
        self.results = ft.Container(self._results(), expand=True)
        title = t("intake.choose_title") if self.pick_for else t("guide.title")
        return ft.Column(
            [
                ui.title(title),
                ft.Row([ft.Semantics(identifier="guide-search", content=self.query, expand=True)]),
                chips,
                self.count,
                self.results,
            ],
            expand=True,
            spacing=10,
        )

    def _results(self) -> ft.Control:
        """The result list, or — when nothing matched — the closest entries and where else to look."""
        assert self.search is not None
        if not self.search.miss:
            return ft.Container(
                self.list, expand=True, border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT), border_radius=8
            )
        ui = self.ui
        parts: list[ft.Control] = [
            ft.Semantics(
                identifier="guide-no-results",
                content=ui.text(t("guide.no_results_help", query=self.search.query.strip())),
            )
        ]
        if self.search.suggestions:
            parts.append(ui.heading(t("guide.suggestions")))
            parts += [hit_row(self, h, self.open, prefix="suggest") for h in self.search.suggestions]
        parts.append(ui.small(t("guide.try_life_events")))
        return ft.Column(parts, spacing=8, scroll=ft.ScrollMode.AUTO, expand=True)

    def _event_chip(self, event: LifeEvent | None) -> ft.Control:
        assert self.search is not None
        selected = self.search.filters.life_event == event
        label = term(event) if event else t("guide.all_events")

        async def choose() -> None:
            assert self.search is not None
            self.search.filters.life_event = event
            await self._run()

        return ft.Chip(
            label=ft.Text(label, size=self.ui.size(15)), selected=selected, on_click=self.ui.wrap(choose)
        )

    def _rows(self) -> list[ft.Control]:
        assert self.search is not None
        return [hit_row(self, h, self.open) for h in self.search.hits]

    async def on_query(self) -> None:
        assert self.search is not None
        self.search.query = self.query.value or ""
        self.shell.session.scratch["guide_query"] = self.search.query
        seq = await self._run(rebuild=False)
        if seq == self._seq:
            await asyncio.sleep(LOG_AFTER_SECONDS)
            if seq == self._seq:  # no keystroke since: the worker stopped typing
                await self._log()

    async def on_submit(self) -> None:
        await self._log()

    async def _log(self) -> None:
        assert self.search is not None
        result = self.search.to_log()
        if result is not None:
            worker = self.shell.session.worker
            actor = f"worker:{worker.id}" if worker else "desk"
            await asyncio.to_thread(self.shell.runtime.search_log.record, result, source="desk", actor=actor)

    async def _run(self, rebuild: bool = True) -> int:
        assert self.search is not None
        self._seq += 1
        seq = self._seq
        await asyncio.to_thread(self.search.run)
        if seq != self._seq:
            return seq  # a newer keystroke already started another search
        if rebuild:
            self.refresh()
            return seq
        self.list.controls = self._rows()
        self.count.content = self.ui.small(self.search.summary())
        self.results.content = self._results()
        self.results.update()
        self.count.update()
        return seq

    async def open(self, hit: SearchHit) -> None:
        if self.pick_for == "intake":
            await self.go("intake", code=hit.code)
        else:
            await self.go("item", code=hit.code)


def guide_page_view(screen: Screen, page: GuidePage, *, with_qr: bool = True) -> list[ft.Control]:
    ui = screen.ui
    out: list[ft.Control] = [ui.title(page.name)]
    if page.notice:  # 将于 … 起施行 / 已于 … 起取消: an error when it blocks 受理 today, else a note
        out.append(
            ft.Semantics(
                identifier="guide-force-notice",
                label=page.notice,
                content=ui.error(page.notice) if page.cancelled else ui.note(page.notice),
            )
        )
    elif page.cancelled:
        out.append(ui.error(t("guide.cancelled_notice")))
    facts = ft.Column(
        [
            ft.Row(
                [
                    ft.Text(k, size=ui.size(16), width=ui.size(150), color=ft.Colors.ON_SURFACE_VARIANT),
                    ft.Text(v, size=ui.size(17), expand=True, selectable=True),
                ],
                vertical_alignment=ft.CrossAxisAlignment.START,
            )
            for k, v in page.facts
        ],
        spacing=6,
    )
    top: list[ft.Control] = [ft.Container(facts, expand=True)]
    if with_qr:
        top.append(
            ft.Column(
                [
                    ft.Semantics(
                        identifier="guide-qr",
                        label=t("guide.qr_label"),
                        content=ft.Image(src=qr_png(page.qr_text), width=ui.size(200), height=ui.size(200)),
                    ),
                    ui.small(t("guide.qr_label")),
                ],
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            )
        )
    # beside the facts where there is room for both; below them on a narrow screen (a portrait tablet,
    # large text), where the facts would be squeezed into a sliver beside the code
    room = (screen.shell.viewport[0] or 1280) - 200
    if room >= ui.size(650):
        out.append(ft.Row(top, vertical_alignment=ft.CrossAxisAlignment.START))
    else:
        out += [facts, *top[1:]]
    if page.items:
        out.append(ui.heading(t("guide.bundle_items_heading")))
        out += [ui.text(f"{n}. {name}") for n, (_code, name) in enumerate(page.items, 1)]
    if page.conditions:
        out.append(ui.heading(t("guide.conditions")))
        out += [ui.text(c) for c in page.conditions]
    out.append(ui.heading(t("guide.materials", n=len(page.materials))))
    for n, m in enumerate(page.materials, 1):
        flags = [m.necessity, m.form, m.counts]
        if m.commitment:
            flags.append(t("guide.commitment_ok"))
        out.append(
            ui.card(
                ft.Text(f"{n}. {m.name}", size=ui.size(18), weight=ft.FontWeight.W_600),
                ft.Text(
                    " · ".join(flags),
                    size=ui.size(15),
                    color=ft.Colors.TERTIARY if m.deferrable else ft.Colors.ON_SURFACE_VARIANT,
                ),
                *([ui.small(m.note)] if m.note else []),
            )
        )
    return out


class ItemScreen(Screen):
    def __init__(self, shell: Any, code: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.code = code
        self.page: GuidePage | None = None

    async def load(self) -> None:
        catalog = await asyncio.to_thread(self.station.catalog)
        if catalog is not None:
            self.page = await asyncio.to_thread(page_for, catalog, self.code)

    def view(self) -> ft.Control:
        ui = self.ui
        if self.page is None:
            return ui.note(t("guide.no_catalog"))
        actions = [
            ui.button(t("common.back"), lambda: self.go("guide"), primary=False, icon=ft.Icons.ARROW_BACK)
        ]
        if not self.page.cancelled:
            actions.append(
                ui.button(
                    t("guide.start_intake"),
                    lambda: self.go("intake", code=self.code),
                    ident="start-intake",
                    icon=ft.Icons.ASSIGNMENT_ADD,
                )
            )
        return ft.Column(
            [ft.Row(actions), *guide_page_view(self, self.page)],
            scroll=ft.ScrollMode.AUTO,
            expand=True,
            spacing=10,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        )
