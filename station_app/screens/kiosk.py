"""自助办 (kiosk, tablet): guide by life event, pre-application (预审) with a ticket code, a case's progress
(办件进度), rating a case.

Large text (标准, and 大字 for a resident who asks: body text 23.4 and 30 dp, see ``config``), simple
words, targets of at least 60 × 60 dp, no case data on screen without the case number and the phone's last
four digits (then only the item, the status and the promised date). Inactivity wipes the input and the 大字
choice and returns here; leaving kiosk mode needs a worker's number and PIN.
"""

from __future__ import annotations

import asyncio
from typing import Any

import flet as ft

from casework import clock
from casework.cases import RatingLevel
from casework.catalog import LifeEvent
from casework.guide_search import SearchHit
from casework.messages import term
from station_app.config import KIOSK_LARGE_SCALE, KIOSK_MIN_TARGET, KIOSK_STANDARD_SCALE
from station_app.i18n import current_language, t
from station_app.screens.base import Screen
from station_app.screens.guide import guide_page_view
from station_app.screens.rating import RatingPanel
from station_app.viewmodels.auth import UnlockForm
from station_app.viewmodels.guide import GuideSearch, page_for
from station_app.viewmodels.kiosk import KioskError, KioskProgress, resident_problems
from station_app.viewmodels.printing import PrintError, print_ticket, station_printer, ticket_slip

#: below this page width (dp) the kiosk's 标准/大字 switch goes on a line of its own under the title
NARROW_KIOSK = 700


class KioskScreen(Screen):
    chrome = False

    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.ui.scale = kiosk_scale(self.ui.scale, self.shell.session.kiosk_large_text)
        self.ui.min_target = KIOSK_MIN_TARGET
        self.shell.session.scratch["dirty"] = True

    def big(self, label: str, on_click: Any, icon: Any, ident: str, color: Any = None) -> ft.Control:
        ui = self.ui
        box = ft.Container(
            ft.Row(
                [
                    ft.Icon(icon, size=ui.size(40), color=ft.Colors.ON_PRIMARY_CONTAINER),
                    ft.Text(
                        label,
                        size=ui.size(24),
                        weight=ft.FontWeight.BOLD,
                        color=ft.Colors.ON_PRIMARY_CONTAINER,
                        expand=True,
                        expand_loose=True,  # a long item name wraps inside a narrow (portrait) screen
                    ),
                ],
                spacing=16,
                tight=True,
            ),
            bgcolor=color or ft.Colors.PRIMARY_CONTAINER,
            padding=ft.Padding.symmetric(horizontal=28, vertical=22),
            border_radius=20,
            on_click=ui.wrap(on_click),
            ink=True,
        )
        return ft.Semantics(identifier=ident, button=True, label=label, content=box)

    def case_lookup(self, title: str, error: str, find: Any, ident: str) -> list[ft.Control]:
        """The case number + last four phone digits form (rating, progress); fields ``number``, ``last4``."""
        ui = self.ui
        kept = self.shell.session.scratch.pop("lookup", ("", ""))
        width = self.box_width()
        self.number = ui.field(
            t("kiosk.case_number"), value=kept[0], keyboard=ft.KeyboardType.NUMBER, width=width
        )
        self.last4 = ui.field(
            t("kiosk.phone_last4"), value=kept[1], keyboard=ft.KeyboardType.NUMBER, width=width
        )
        parts: list[ft.Control] = [ui.heading(title), ui.text(t("kiosk.rate_help")), self.number, self.last4]
        if error:
            parts.append(ui.error(error))
        parts.append(self.big(t("kiosk.find_case"), find, ft.Icons.SEARCH, ident))
        return parts

    def frame(self, *parts: ft.Control, back: str | None = "kiosk") -> ft.Control:
        # the 标准/大字 switch beside the title, or on a line of its own where the screen is narrow
        beside = (self.shell.viewport[0] or 1024) >= NARROW_KIOSK
        top: list[ft.Control] = [
            ft.Text(
                t("kiosk.title"),
                size=self.ui.size(26),
                weight=ft.FontWeight.BOLD,
                color=ft.Colors.PRIMARY,
                expand=True,
            ),
            *(self.text_switch() if beside else []),
        ]
        if back:
            top.insert(
                0,
                self.ui.button(
                    t("kiosk.home"),
                    lambda: self.go(back),
                    primary=False,
                    ident="kiosk-back",
                    icon=ft.Icons.HOME,
                ),
            )
        head: list[ft.Control] = [ft.Row(top)]
        if not beside:
            head.append(ft.Row(self.text_switch(), alignment=ft.MainAxisAlignment.END))
        return ft.Column([*head, *parts], spacing=18, scroll=ft.ScrollMode.AUTO, expand=True)

    def box_width(self) -> float:
        """An input box wide enough for an 18-character ID number in large text, within the screen."""
        screen = self.shell.viewport[0] or 1024
        return min(self.ui.size(400), screen - 48)

    def text_switch(self) -> list[ft.Control]:
        """标准 / 大字: the chosen one filled. Typed input stays; the idle reset puts 标准 back."""
        large = self.shell.session.kiosk_large_text

        def choose(on: bool) -> Any:
            return lambda: self.set_large_text(on)

        return [
            self.ui.button(
                t(f"kiosk.text_{name}"),
                choose(on),
                primary=on == large,
                ident=f"kiosk-text-{name}",
                icon=ft.Icons.TEXT_INCREASE if on else ft.Icons.TEXT_FIELDS,
            )
            for name, on in (("standard", False), ("large", True))
        ]

    def set_large_text(self, on: bool) -> None:
        if hasattr(self, "number"):  # a case lookup on screen: keep what was typed
            self.shell.session.scratch["lookup"] = (self.number.value or "", self.last4.value or "")
        self.keep_input()
        self.shell.session.set_kiosk_large_text(on)
        self.ui.scale = kiosk_scale(self.shell.runtime.station.font_scale(), on)
        self.refresh()

    def keep_input(self) -> None:
        """Screens with boxes copy what was typed into their state before a re-render."""


def kiosk_scale(station_scale: float, large: bool) -> float:
    """The kiosk's text scale: at least 标准 (or 大字), more if the station's own font setting is larger."""
    return max(station_scale, KIOSK_LARGE_SCALE if large else KIOSK_STANDARD_SCALE)


class KioskHome(KioskScreen):
    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.shell.session.scratch.pop("dirty", None)  # nothing typed here: no reset needed

    def view(self) -> ft.Control:
        self.ask = search_box(self, "", self.search)
        return self.frame(
            ft.Semantics(identifier="kiosk-welcome", content=self.ui.text(t("kiosk.welcome"))),
            self.ask,
            self.big(
                t("kiosk.by_event"), lambda: self.go("kiosk_guide"), ft.Icons.DIRECTIONS_WALK, "kiosk-guide"
            ),
            self.big(
                t("kiosk.progress"),
                lambda: self.go("kiosk_progress"),
                ft.Icons.TRAVEL_EXPLORE,
                "kiosk-progress",
                ft.Colors.SECONDARY_CONTAINER,
            ),
            self.big(
                t("kiosk.rate"),
                lambda: self.go("kiosk_rate"),
                ft.Icons.STAR,
                "kiosk-rate",
                ft.Colors.TERTIARY_CONTAINER,
            ),
            ft.Container(height=40),
            self.ui.button(
                t("kiosk.exit"),
                lambda: self.go("kiosk_exit"),
                primary=False,
                ident="kiosk-exit",
                icon=ft.Icons.LOGOUT,
            ),
            back=None,
        )

    async def search(self, query: str) -> None:
        if query.strip():
            await self.go("kiosk_search", query=query)


def search_box(screen: KioskScreen, query: str, on_search: Any) -> ft.Control:
    """ "说出您要办的事": a large field and a large 搜索 button (Enter works too)."""
    ui = screen.ui
    field = ui.field(t("kiosk.ask"), value=query, hint=t("kiosk.ask_hint"), expand=True)

    async def submit() -> None:
        await on_search(field.value or "")

    field.on_submit = ui.wrap(submit)
    field.text_size = ui.size(24)
    button = screen.big(t("kiosk.search"), submit, ft.Icons.SEARCH, "kiosk-search-submit")
    return ft.Row(
        [ft.Semantics(identifier="kiosk-ask", content=field, expand=True), button],
        vertical_alignment=ft.CrossAxisAlignment.CENTER,
        spacing=14,
    )


class KioskSearch(KioskScreen):
    """Results for what the resident typed, as large tiles; a 一件事 for a life event comes first. When
    nothing matches: the closest entries, the life events, and 问窗口工作人员. The search goes to the
    failed-query log when it found nothing or only loose matches (the query only, scrubbed)."""

    RESULTS = 8

    def __init__(self, shell: Any, query: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.query = query
        self.search: GuideSearch | None = None

    async def load(self) -> None:
        index = await asyncio.to_thread(self.station.guide_index)
        if index is None:
            return
        self.search = GuideSearch(index, query=self.query, limit=self.RESULTS)
        self.search.filters.include_cancelled = False
        await asyncio.to_thread(self.search.run)
        result = self.search.to_log()
        if result is not None:
            await asyncio.to_thread(
                self.shell.runtime.search_log.record, result, source="kiosk", actor="kiosk"
            )

    async def again(self, query: str) -> None:
        if query.strip():
            await self.go("kiosk_search", query=query)

    def tile(self, hit: SearchHit, ident: str) -> ft.Control:
        icon = ft.Icons.WORKSPACES if hit.kind.value == "bundle" else ft.Icons.DESCRIPTION
        return self.big(hit.name, lambda h=hit: self.go("kiosk_item", code=h.code), icon, ident)

    def view(self) -> ft.Control:
        ui = self.ui
        if self.search is None:
            return self.frame(ui.text(t("guide.no_catalog")))
        parts: list[ft.Control] = [search_box(self, self.query, self.again)]
        if not self.search.miss:
            parts.append(ui.text(t("kiosk.results", query=self.query.strip())))
            parts += [self.tile(h, f"kiosk-hit-{h.code}") for h in self.search.hits]
            return self.frame(*parts)
        parts.append(
            ft.Semantics(
                identifier="kiosk-no-results",
                content=ui.heading(t("kiosk.no_results", query=self.query.strip())),
            )
        )
        # help first, where a resident who found nothing looks: the worker at the window
        parts.append(
            ft.Semantics(
                identifier="kiosk-ask-staff",
                content=ft.Container(
                    ft.Row(
                        [
                            ft.Icon(
                                ft.Icons.SUPPORT_AGENT,
                                size=ui.size(40),
                                color=ft.Colors.ON_TERTIARY_CONTAINER,
                            ),
                            ft.Text(
                                t("kiosk.ask_staff"),
                                size=ui.size(24),
                                weight=ft.FontWeight.BOLD,
                                color=ft.Colors.ON_TERTIARY_CONTAINER,
                                expand=True,
                            ),
                        ],
                        spacing=16,
                    ),
                    bgcolor=ft.Colors.TERTIARY_CONTAINER,
                    padding=ft.Padding.symmetric(horizontal=28, vertical=22),
                    border_radius=20,
                ),
            )
        )
        if self.search.suggestions:
            parts.append(ui.text(t("kiosk.suggestions")))
            parts += [self.tile(h, f"kiosk-suggest-{h.code}") for h in self.search.suggestions]
        parts.append(ui.text(t("kiosk.or_by_event")))
        parts.append(
            ft.Row(
                [
                    self.big(
                        term(e),
                        lambda e=e: self.go("kiosk_guide", event=e.value),
                        ft.Icons.CHEVRON_RIGHT,
                        f"event-{e.name.lower()}",
                    )
                    for e in self.search.life_events
                ],
                wrap=True,
                spacing=14,
                run_spacing=14,
            )
        )
        return self.frame(*parts)


class KioskGuide(KioskScreen):
    def __init__(self, shell: Any, event: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.event = LifeEvent(event) if event else None
        self.search: GuideSearch | None = None

    async def load(self) -> None:
        index = await asyncio.to_thread(self.station.guide_index)
        if index is not None and self.event is not None:
            self.search = GuideSearch(index)
            self.search.filters.life_event = self.event
            self.search.filters.include_cancelled = False
            await asyncio.to_thread(self.search.run)

    def view(self) -> ft.Control:
        if self.event is None:
            tiles = [
                self.big(
                    term(e),
                    lambda e=e: self.go("kiosk_guide", event=e.value),
                    ft.Icons.CHEVRON_RIGHT,
                    f"event-{e.name.lower()}",
                )
                for e in LifeEvent
            ]
            return self.frame(
                self.ui.text(t("kiosk.choose_event")), ft.Row(tiles, wrap=True, spacing=14, run_spacing=14)
            )
        hits = self.search.hits if self.search else ()
        tiles = [
            self.big(
                h.name,
                lambda h=h: self.go("kiosk_item", code=h.code),
                ft.Icons.WORKSPACES if h.kind.value == "bundle" else ft.Icons.DESCRIPTION,
                f"kiosk-hit-{h.code}",
            )
            for h in hits
        ]
        return self.frame(self.ui.heading(term(self.event)), *(tiles or [self.ui.text(t("kiosk.nothing"))]))


class KioskItem(KioskScreen):
    def __init__(self, shell: Any, code: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.code = code

    async def load(self) -> None:
        catalog = await asyncio.to_thread(self.station.catalog)
        self.page = page_for(catalog, self.code) if catalog else None

    def view(self) -> ft.Control:
        if self.page is None:
            return self.frame(self.ui.text(t("guide.no_catalog")))
        parts = guide_page_view(self, self.page)
        if not self.page.cancelled:
            parts.insert(
                1,
                self.big(
                    t("kiosk.preapply"),
                    lambda: self.go("kiosk_preapply", code=self.code),
                    ft.Icons.EDIT_NOTE,
                    "kiosk-preapply",
                ),
            )
        return self.frame(*parts)


class KioskPreapply(KioskScreen):
    def __init__(self, shell: Any, code: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.code = code
        self.ticket = ""
        self.error = ""
        self.values = {"name": "", "id_number": "", "phone": ""}  # kept when a box is wrong
        self.problems: dict[str, str] = {}
        self.printed: bool | None = None  # the ticket came out of the printer; None: no printer here

    def view(self) -> ft.Control:
        ui = self.ui
        if self.ticket:
            printed = (
                "" if self.printed is None else t(f"kiosk.ticket_{'' if self.printed else 'not_'}printed")
            )
            return self.frame(
                ui.text(t("kiosk.ticket_intro")),
                ft.Semantics(
                    identifier=f"kiosk-ticket-{self.ticket}",
                    label=self.ticket,
                    content=ft.Text(
                        " ".join(self.ticket[i : i + 3] for i in (0, 3)),
                        size=ui.size(64),
                        weight=ft.FontWeight.BOLD,
                        color=ft.Colors.PRIMARY,
                    ),
                ),
                ui.text(t("kiosk.ticket_help")),
                *(
                    [ft.Semantics(identifier="kiosk-ticket-printed", content=ui.text(printed))]
                    if printed
                    else []
                ),
            )
        width = self.box_width()
        self.name = ui.field(
            t("intake.name"), value=self.values["name"], on_change=self._recheck, width=width
        )
        self.id_number = ui.field(
            t("intake.id_number"), value=self.values["id_number"], on_change=self._recheck, width=width
        )
        self.phone = ui.field(
            t("intake.phone"),
            value=self.values["phone"],
            keyboard=ft.KeyboardType.PHONE,
            on_change=self._recheck,
            width=width,
        )
        self._show_problems()
        parts: list[ft.Control] = [
            ui.heading(t("kiosk.preapply")),
            ui.text(t("kiosk.preapply_help")),
            self.name,
            self.id_number,
            self.phone,
        ]
        if self.error:
            parts.append(ui.error(self.error))
        parts.append(
            self.big(t("kiosk.get_ticket"), self.submit, ft.Icons.CONFIRMATION_NUMBER, "kiosk-submit")
        )
        return self.frame(*parts)

    def keep_input(self) -> None:
        if hasattr(self, "name"):
            self._keep()

    def _keep(self) -> None:
        self.values = {
            "name": self.name.value or "",
            "id_number": self.id_number.value or "",
            "phone": self.phone.value or "",
        }

    def _show_problems(self) -> None:
        self.name.error = self.problems.get("name")
        self.id_number.error = self.problems.get("id_number")
        self.phone.error = self.problems.get("phone")

    async def _recheck(self) -> None:
        """After a failed submit, each box's message goes away as soon as that box is right."""
        self._keep()
        if self.problems:
            now = resident_problems(id_type="111", **self.values)
            self.problems = {k: v for k, v in now.items() if k in self.problems}
            self._show_problems()
            self.shell.page.update()

    async def submit(self) -> None:
        self._keep()
        try:
            self.ticket = await asyncio.to_thread(
                self.shell.kiosk.preapply, self.code, id_type="111", **self.values
            )
        except KioskError as exc:
            self.problems = exc.fields
            self.error = "" if exc.fields else str(exc)  # box messages show under their boxes
        if self.ticket:
            self.printed = await asyncio.to_thread(self._print_ticket, self.values["id_number"])
        self.refresh()

    def _print_ticket(self, id_number: str) -> bool | None:
        """The 预审 ticket on the station's receipt printer: True printed, False failed, None no printer."""
        catalog = self.station.catalog()
        printer = station_printer(self.station.settings())
        if catalog is None or not printer.prints_slips:
            return None
        slip = ticket_slip(catalog, self.code, ticket=self.ticket, id_number=id_number.strip().upper())
        try:
            return print_ticket(printer, slip)
        except PrintError:
            return False


class KioskProgressScreen(KioskScreen):
    """办件进度: case number + the phone's last four digits → item, status and promised date."""

    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.found: KioskProgress | None = None
        self.error = ""

    def view(self) -> ft.Control:
        if self.found is not None:
            return self.frame(*self._result(self.found))
        return self.frame(
            *self.case_lookup(t("kiosk.progress"), self.error, self.find, "kiosk-progress-find")
        )

    def _result(self, p: KioskProgress) -> list[ft.Control]:
        ui = self.ui
        if p.promised_date is None:
            due = t("kiosk.progress_no_date")
        else:
            due = clock.format_date(p.promised_date, current_language())
            if p.provisional:
                due += t("intake.provisional")
        rows = [
            (t("cases.number"), p.number),
            (t("kiosk.progress_item"), p.item_name or "-"),
            (t("cases.status"), p.status),
            (t("cases.promised"), due),
        ]
        promised = p.promised_date.isoformat() if p.promised_date else "none"
        return [
            ui.heading(t("kiosk.progress")),
            ft.Semantics(
                identifier=f"kiosk-progress-{promised}",
                label=due,
                content=ui.facts(rows, label_width=190, label_size=22, value_size=24, bold=True),
            ),
            ui.text(t("kiosk.progress_help")),
        ]

    async def find(self) -> None:
        try:
            self.found = await asyncio.to_thread(
                self.shell.kiosk.progress, self.number.value or "", self.last4.value or ""
            )
        except KioskError as exc:
            self.error = str(exc)
        self.refresh()


class KioskRate(KioskScreen):
    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.case: Any = None
        self.item_name = ""
        self.error = ""
        self.done = False
        self.panel: RatingPanel | None = None

    def view(self) -> ft.Control:
        ui = self.ui
        if self.done:
            return self.frame(
                ft.Icon(ft.Icons.FAVORITE, color=ft.Colors.RED_400, size=ui.size(72)),
                ft.Semantics(identifier="rate-thanks", content=ui.title(t("rating.thanks"))),
            )
        if self.panel is not None:
            return self.frame(self.panel.view())
        return self.frame(*self.case_lookup(t("kiosk.rate"), self.error, self.find, "kiosk-find"))

    async def find(self) -> None:
        try:
            self.case, self.item_name = await asyncio.to_thread(
                self.shell.kiosk.find_for_rating, self.number.value or "", self.last4.value or ""
            )
        except KioskError as exc:
            self.error = str(exc)
            self.refresh()
            return
        self.panel = RatingPanel(self.ui, t("kiosk.rate_item", name=self.item_name), self.save, self.refresh)
        self.refresh()

    async def save(self, level: RatingLevel, reasons: list[str], comment: str) -> None:
        try:
            await asyncio.to_thread(self.shell.kiosk.rate, self.case, level, reasons, comment)
        except KioskError as exc:
            assert self.panel is not None
            self.panel.error = str(exc)
            self.refresh()
            return
        self.done = True
        self.refresh()


class KioskExit(KioskScreen):
    """Leaving kiosk mode needs a worker's number and PIN (the same check as signing in)."""

    def __init__(self, shell: Any, **params: Any) -> None:
        super().__init__(shell, **params)
        self.form = UnlockForm()

    def view(self) -> ft.Control:
        ui = self.ui
        self.wid = ui.field(t("unlock.worker_id"), keyboard=ft.KeyboardType.NUMBER)
        self.pin = ui.field(
            t("unlock.pin"), password=True, keyboard=ft.KeyboardType.NUMBER, on_submit=self.submit
        )
        parts: list[ft.Control] = [
            ui.heading(t("kiosk.exit")),
            ui.text(t("kiosk.exit_help")),
            self.wid,
            self.pin,
        ]
        if self.form.error:
            parts.append(ui.error(self.form.error))
        parts.append(ui.button(t("kiosk.exit_submit"), self.submit, ident="kiosk-exit-submit"))
        return self.frame(*parts)

    async def submit(self) -> None:
        self.form.worker_id, self.form.pin = self.wid.value or "", self.pin.value or ""
        worker = await asyncio.to_thread(self.form.attempt, self.station)
        if worker is None:
            self.refresh()
            return
        self.shell.session.leave_kiosk(worker)
        await self.shell.go("home")
