"""办件: the case list (paged, searched and filtered in the summary index) and one case with its timeline and
the window's next actions."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from functools import partial
from typing import Any

import flet as ft

from casework import clock
from casework.acceptance import OverdueState
from casework.cases import Case, CaseStatus
from casework.deadlines import Recomputed
from casework.messages import term
from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.viewmodels.case_detail import (
    HANDOVER_METHODS,
    ActionError,
    CaseActions,
    CopyLine,
    ResultLine,
    timeline,
)
from station_app.viewmodels.case_query import SORTS, CasePage, CaseQuery
from station_app.viewmodels.cases import PRESETS, CaseFilter
from station_app.viewmodels.context import CaseRow
from station_app.viewmodels.intake import document_kind, document_name

ROW = 76
SYNC_ICONS = {
    "pending": (ft.Icons.CLOUD_UPLOAD_OUTLINED, ft.Colors.ORANGE_800),
    "rejected": (ft.Icons.CLOUD_OFF, ft.Colors.ERROR),
    "synced": (ft.Icons.CLOUD_DONE_OUTLINED, ft.Colors.GREEN_700),
    "local": (ft.Icons.PHONELINK_LOCK, ft.Colors.ON_SURFACE_VARIANT),
}


def due_text(r: CaseRow) -> str:
    """ "承诺 2026-12-28", with 暂定, the 限时 day when 补正 paused the clock, and 已更正 after a calendar
    moved the date."""
    if r.promised_date is None:
        return ""
    text = t("cases.due", date=r.promised_date.isoformat())
    if r.provisional:
        text += t("cases.provisional_tag")
    if r.due is not None and r.due != r.promised_date:
        text += t("cases.due_paused", date=r.due.isoformat())
    if r.corrected:
        text += t("cases.corrected_tag")
    return text


class CasesScreen(Screen):
    """The case list: 50 cases a page, filtered, sorted and searched in the summary index (nothing is
    decrypted until a case is opened)."""

    def __init__(self, shell: Any, preset: str = "", ticket: bool = False, **params: Any) -> None:
        super().__init__(shell, **params)
        self.filter = CaseFilter(preset=preset)
        self.sort = "newest"
        self.page_no = 0
        self.result = CasePage([], 0, 0, 1)
        self.ticket = ticket
        self.ticket_error = ""
        self._asked = 0  # queries run on a thread: only the latest one's answer is shown

    @property
    def rows(self) -> list[CaseRow]:
        return self.result.rows

    async def load(self) -> None:
        self.calendar = await asyncio.to_thread(self.shell.runtime.cases.work_calendar)
        await self._query()

    async def _query(self) -> bool:
        """Run the filter for the current page; False when a newer query overtook this one."""
        self._asked += 1
        asked = self._asked
        query = CaseQuery(self.shell.runtime.cases.index)
        f = dataclasses.replace(self.filter)
        result = await asyncio.to_thread(
            query.page, f, clock.china_today(), self.calendar, sort=self.sort, page=self.page_no
        )
        if asked != self._asked:
            return False
        self.result = result
        return True

    def view(self) -> ft.Control:
        ui = self.ui
        self.search = ui.field(
            t("cases.search"), value=self.filter.text, on_change=self.on_search, expand=True
        )
        status = ft.Dropdown(
            label=t("cases.status"),
            value=self.filter.status.value if self.filter.status else "",
            width=200,
            options=[ft.DropdownOption(key="", text=t("cases.all"))]
            + [ft.DropdownOption(key=s.value, text=term(s)) for s in CaseStatus],
            on_select=ui.wrap(lambda: self._status(status.value)),
        )
        sync = ft.Dropdown(
            label=t("cases.sync"),
            value=self.filter.sync,
            width=170,
            options=[ft.DropdownOption(key="", text=t("cases.all"))]
            + [ft.DropdownOption(key=k, text=t(f"cases.sync_{k}")) for k in SYNC_ICONS],
            on_select=ui.wrap(lambda: self._sync(sync.value)),
        )
        order = ft.Dropdown(
            label=t("cases.sort"),
            value=self.sort,
            width=200,
            options=[ft.DropdownOption(key=k, text=t(f"cases.sort_{k}")) for k in SORTS],
            on_select=ui.wrap(lambda: self._sort(order.value)),
        )
        chips = ft.Row(
            [
                ft.Semantics(
                    identifier=f"chip-{p}",
                    content=ft.Chip(
                        label=ft.Text(t(f"home.{p}"), size=ui.size(15)),
                        selected=self.filter.preset == p,
                        on_click=ui.wrap(partial(self._preset, p)),
                    ),
                )
                for p in PRESETS
            ],
            wrap=True,
        )
        self.list = ft.ListView(controls=self._row_controls(), item_extent=ROW, expand=True)
        self.count = ui.small("")
        self.pager = ft.Row(spacing=12, vertical_alignment=ft.CrossAxisAlignment.CENTER)
        self._fill_pager()
        parts: list[ft.Control] = [
            ft.Row(
                [
                    ui.title(t("nav.cases")),
                    ft.Container(expand=True),
                    ui.button(
                        t("cases.register"),
                        lambda: self.go("register"),
                        primary=False,
                        icon=ft.Icons.SUPPORT_AGENT,
                        ident="cases-register",
                    ),
                ]
            )
        ]
        if self.ticket:
            self.ticket_field = ui.field(
                t("cases.ticket"), hint=t("cases.ticket_hint"), width=320, on_submit=self.open_ticket
            )
            parts.append(
                ft.Row(
                    [
                        ft.Semantics(identifier="ticket-field", content=self.ticket_field),
                        ui.button(t("cases.open_ticket"), self.open_ticket, ident="open-ticket"),
                    ]
                )
            )
            if self.ticket_error:
                parts.append(ui.error(self.ticket_error))
        parts += [
            # no wrapping Row around the fields: an expanding TextField or a Dropdown in one fails to lay out
            # in the Flet 1.0.5 web client (a grey error box)
            ft.Row([self.search]),
            ft.Row([status, sync, order]),
            chips,
            ft.Row([self.count, self.pager], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
            ft.Container(
                self.list, expand=True, border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT), border_radius=8
            ),
        ]
        return ft.Column(parts, expand=True, spacing=10)

    def _row_controls(self) -> list[ft.Control]:
        if not self.rows:
            return [ft.Container(self.ui.text(t("cases.none"), muted=True), padding=16)]
        return [self._row(r) for r in self.rows]

    def _fill_pager(self) -> None:
        ui, r = self.ui, self.result
        self.count.value = t("cases.count", n=r.total)
        self.pager.controls = [
            ui.button(
                t("cases.prev"),
                partial(self._turn, -1),
                primary=False,
                icon=ft.Icons.CHEVRON_LEFT,
                ident="cases-prev",
                disabled=r.page == 0,
            ),
            ft.Semantics(
                identifier="cases-page",
                content=ft.Text(t("cases.page", page=r.page + 1, pages=r.pages), size=ui.size(16)),
            ),
            ui.button(
                t("cases.next"),
                partial(self._turn, 1),
                primary=False,
                icon=ft.Icons.CHEVRON_RIGHT,
                ident="cases-next",
                disabled=r.page + 1 >= r.pages,
            ),
        ]

    def _row(self, r: CaseRow) -> ft.Control:
        ui = self.ui
        icon, color = SYNC_ICONS.get(r.sync, SYNC_ICONS["local"])
        due = due_text(r)
        late = r.overdue == OverdueState.OVERDUE.value
        row = ft.Container(
            ft.Row(
                [
                    ft.Icon(icon, color=color, tooltip=t(f"cases.sync_{r.sync}")),
                    ft.Column(
                        [
                            ft.Text(f"{r.name}", size=ui.size(18), weight=ft.FontWeight.W_600, no_wrap=True),
                            ft.Text(
                                " · ".join(part for part in (r.number, r.applicant, due) if part),
                                size=ui.size(14),
                                no_wrap=True,
                                color=ft.Colors.ERROR if late else ft.Colors.ON_SURFACE_VARIANT,
                            ),
                        ],
                        spacing=2,
                        expand=True,
                    ),
                    ft.Container(
                        ft.Text(term(r.status), size=ui.size(15)),
                        bgcolor=ft.Colors.SECONDARY_CONTAINER,
                        padding=ft.Padding.symmetric(horizontal=10, vertical=4),
                        border_radius=12,
                    ),
                ]
            ),
            height=ROW,
            padding=ft.Padding.symmetric(horizontal=12),
            ink=True,
            on_click=ui.wrap(lambda: self.go("case", case_id=r.id)),
            border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)),
        )
        return ft.Semantics(
            identifier=f"case-row-{r.number}", button=True, label=f"{r.number} {r.name} {due}", content=row
        )

    async def on_search(self) -> None:
        """Each keystroke re-queries the index on a thread; the list, count and pager update in place (the
        search field keeps its focus)."""
        self.filter.text = self.search.value or ""
        self.page_no = 0
        if await self._query():
            self.list.controls = self._row_controls()
            self._fill_pager()
            self.list.update()
            self.count.update()
            self.pager.update()

    async def _requery(self) -> None:
        if await self._query():
            self.refresh()

    async def _turn(self, step: int) -> None:
        self.page_no = self.result.page + step
        await self._requery()

    async def _status(self, value: str | None) -> None:
        self.filter.status = CaseStatus(value) if value else None
        self.page_no = 0
        await self._requery()

    async def _sync(self, value: str | None) -> None:
        self.filter.sync = value or ""
        self.page_no = 0
        await self._requery()

    async def _sort(self, value: str | None) -> None:
        self.sort = value if value in SORTS else "newest"
        self.page_no = 0
        await self._requery()

    async def _preset(self, p: str) -> None:
        self.filter.preset = "" if self.filter.preset == p else p
        self.page_no = 0
        await self._requery()

    async def open_ticket(self) -> None:
        """A kiosk 预审 ticket: the pre-application becomes an intake draft at this desk."""
        code = (self.ticket_field.value or "").strip()
        kiosk = self.shell.kiosk
        draft_id = await asyncio.to_thread(kiosk.claim, code, self.shell.session.me.id)
        if draft_id is None:
            self.ticket_error = t("cases.ticket_unknown")
            self.refresh()
            return
        await self.go("intake", draft_id=draft_id)


class CaseScreen(Screen):
    def __init__(self, shell: Any, case_id: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.case_id = case_id
        self.case: Case | None = None
        self.error = ""
        self.name = ""
        self.item_names: dict[str, str] = {}
        self.sync_state = ""
        self.corrections: list[Recomputed] = []
        self.results: list[ResultLine] = []
        self.pending_results: list[str] = []
        self.copies: list[CopyLine] = []
        self.notice = ""

    async def load(self) -> None:
        cases = self.shell.runtime.cases
        self.case = await asyncio.to_thread(cases.get, self.case_id)
        catalog = await asyncio.to_thread(self.station.catalog)
        c = self.case
        try:
            self.name = catalog.item(c.item_code).name if c.item_code else catalog.bundle(c.bundle_code).name
        except (KeyError, AttributeError):
            self.name = c.item_code or c.bundle_code or ""
        for sub in c.sub_cases:
            with contextlib.suppress(KeyError, AttributeError):
                self.item_names[sub.item_code] = catalog.item(sub.item_code).name
        self.sync_state = (await asyncio.to_thread(cases.sync_states)).get(c.id, "")
        self.corrections = [x for x in await asyncio.to_thread(cases.corrections, c.id) if x.dates]
        self.actions = CaseActions(cases, c, self.shell.session.me.id)
        self.results = await asyncio.to_thread(self.actions.result_lines)
        self.pending_results = await asyncio.to_thread(self.actions.pending_result_notes)
        self.copies = self.actions.copy_lines()
        self.followup = await asyncio.to_thread(self.actions.followup)

    def view(self) -> ft.Control:
        ui, c = self.ui, self.case
        assert c is not None
        facts = [
            (t("cases.number"), c.number),
            (t("cases.status"), term(c.status)),
            (t("intake.applicant"), c.applicant.name),
            (
                t("cases.promised"),
                (c.promised_date.isoformat() if c.promised_date else "-")
                + (t("intake.provisional") if c.promised_date_provisional else ""),
            ),
            (t("cases.pickup"), term(c.pickup.method)),
            (
                t("cases.sync"),
                t(f"cases.sync_{self.sync_state}") if self.sync_state else t("cases.sync_synced"),
            ),
        ]
        if c.result is not None:
            facts.append((t("cases.result"), f"{c.result.name} {c.result.number}".strip()))
        for sub in c.sub_cases:  # a 一件事: each item's result
            if sub.result is not None:
                item = self.item_names.get(sub.item_code, sub.item_code)
                text = f"{sub.result.name} {sub.result.number}".strip()
                facts.append((t("cases.result"), t("common.labelled", label=item, text=text)))
        if c.rating is not None:
            facts.append((t("cases.rating"), term(c.rating.level)))
        if c.revisit_rating is not None:
            facts.append((t("case.revisit"), term(c.revisit_rating.level)))
        parts: list[ft.Control] = [
            ft.Row(
                [
                    ui.button(
                        t("common.back"), lambda: self.go("cases"), primary=False, icon=ft.Icons.ARROW_BACK
                    )
                ]
            ),
            ui.title(self.name),
            ft.Semantics(
                identifier=f"case-status-{c.status.value}",
                label=term(c.status),
                content=ui.facts(facts),
            ),
        ]
        if self.error:
            parts.append(ui.error(self.error))
        if self.notice:
            parts.append(ft.Semantics(identifier="case-notice", content=ui.note(self.notice)))
        if self.corrections:
            parts.append(self._correction_card())
        parts += self._actions()
        parts.append(ui.heading(t("cases.timeline")))
        for e in timeline(c, self.item_names):
            parts.append(
                ft.Row(
                    [
                        ft.Text(
                            e.at, size=ui.size(15), width=ui.size(150), color=ft.Colors.ON_SURFACE_VARIANT
                        ),
                        ft.Container(
                            ft.Text(e.side, size=ui.size(13)),
                            bgcolor=ft.Colors.TERTIARY_CONTAINER
                            if e.side == t("case.side_center")
                            else ft.Colors.SECONDARY_CONTAINER,
                            padding=ft.Padding.symmetric(horizontal=8, vertical=2),
                            border_radius=8,
                        ),
                        ft.Text(e.label, size=ui.size(17), weight=ft.FontWeight.W_600),
                        ft.Text(e.reason, size=ui.size(15), expand=True),
                    ]
                )
            )
        if c.materials:
            parts.append(ui.heading(t("cases.materials")))
            for m in c.materials:
                due = f" · {t('intake.due', date=m.due_date.isoformat())}" if m.due_date else ""
                parts.append(
                    ui.text(
                        f"{m.name} · {term(m.satisfaction)} · {t('cases.scans', n=len(m.attachments))}{due}"
                    )
                )
                for copy in self.copies:  # the marked copies of its verified scans, to print or download
                    if copy.code == m.code:
                        parts.append(self._copy_row(copy))
        return ft.Column(parts, spacing=10, scroll=ft.ScrollMode.AUTO, expand=True)

    def _actions(self) -> list[ft.Control]:
        ui, a = self.ui, self.actions
        out: list[ft.Control] = []
        requested = a.open_supplement_items()
        if requested:
            out.append(ui.heading(t("cases.supplement_heading")))
            for code, name, why in requested:
                out.append(
                    ui.card(
                        ui.text(t("common.labelled", label=name, text=why)),
                        ui.small(t("cases.new_scans", n=a.supplied_count(code))),
                        ui.button(
                            t("intake.attach"),
                            partial(self.supply, code),
                            primary=False,
                            icon=ft.Icons.UPLOAD_FILE,
                            ident=f"supply-{code}",
                        ),
                    )
                )
            out.append(ui.button(t("cases.resend"), self.resend, ident="case-resend", icon=ft.Icons.SEND))
        for code, name, when in a.received_deferred():
            out.append(
                ft.Semantics(
                    identifier=f"deferred-received-{code}",
                    content=ui.small(t("cases.deferred_received", name=name, at=when)),
                )
            )
        owed = a.owed_deferred()
        if owed:
            today = clock.china_today()
            out.append(ui.heading(t("cases.deferred_heading")))
            for code, name, due in owed:
                late = due is not None and due < today
                when = t("cases.deferred_due", due=due.isoformat()) if due else t("cases.deferred_no_due")
                out.append(
                    ui.card(
                        ui.text(name),
                        ui.small(t("cases.deferred_late", due=due.isoformat()) if late and due else when),
                        ui.button(
                            t("cases.deferred_receive"),
                            partial(self.receive_deferred, code),
                            primary=False,
                            icon=ft.Icons.UPLOAD_FILE,
                            ident=f"deferred-{code}",
                        ),
                    )
                )
        if a.can_revisit():
            due_day = str((self.followup or {}).get("due") or "")
            assert a.case.rating is not None
            out.append(
                ui.card(
                    ft.Semantics(identifier="case-followup", content=ui.heading(t("case.followup_heading"))),
                    ui.text(
                        t("case.followup_due", rating=term(a.case.rating.level), due=due_day)
                        if due_day
                        else t("case.followup_rating", rating=term(a.case.rating.level))
                    ),
                    ft.Row(
                        [
                            ui.button(
                                t("case.revisit"),
                                lambda: self.go("rate", case_id=a.case.id, revisit=True),
                                ident="case-revisit",
                                icon=ft.Icons.STAR_HALF,
                            )
                        ]
                    ),
                )
            )
        row: list[ft.Control] = []
        if self.results or self.pending_results:
            out.append(self._results_card())
        if a.can_hand_over():
            # A Column, not a wrapping Row: a Dropdown beside a TextField in a wrapping Row fails to lay out
            # in the Flet 1.0.5 web client (it showed as a grey error box).
            self.collector = ui.field(
                t("handover.collector"), value=a.case.applicant.name, width=ui.size(360)
            )
            self.collector_id = ui.field(t("handover.collector_id"), width=ui.size(360))
            self.letter = ui.checkbox(t("handover.letter"))
            self.method = ft.Dropdown(
                label=t("handover.method"),
                value=HANDOVER_METHODS[0],
                width=360,
                options=[ft.DropdownOption(key=k, text=t(k)) for k in HANDOVER_METHODS],
            )
            out.append(
                ui.card(
                    ui.heading(t("handover.title")),
                    self.collector,
                    ft.Semantics(identifier="handover-id", content=self.collector_id),
                    self.method,
                    self.letter,
                    ft.Row(
                        [
                            ui.button(
                                t("handover.submit"),
                                self.hand_over,
                                ident="case-handover",
                                icon=ft.Icons.HANDSHAKE,
                            )
                        ]
                    ),
                )
            )
        if a.can_rate() and a.case.status in (CaseStatus.HANDED_OVER, CaseStatus.CLOSED):
            row.append(
                ui.button(
                    t("rating.invite"),
                    lambda: self.go("rate", case_id=a.case.id),
                    ident="case-rate",
                    icon=ft.Icons.STAR_OUTLINE,
                )
            )
        try:
            name = document_name(a.case, self.station.catalog())
            row.append(
                ui.button(
                    t("cases.reprint", name=name),
                    self.reprint,
                    primary=False,
                    icon=ft.Icons.PRINT,
                    ident="case-reprint",
                )
            )
        except ValueError:  # no window document for this case (e.g. routed in from another station)
            pass
        if a.can_withdraw():
            row.append(
                ui.button(
                    t("cases.withdraw"),
                    self.withdraw,
                    primary=False,
                    icon=ft.Icons.UNDO,
                    ident="case-withdraw",
                )
            )
        if row:
            out.append(ft.Row(row, wrap=True))
        return out

    def _results_card(self) -> ft.Control:
        """结果文书: what the department sent back, to print and hand over; what did not arrive yet."""
        ui = self.ui
        lines: list[ft.Control] = [ui.heading(t("cases.results_heading"))]
        for r in self.results:
            buttons: list[ft.Control] = []
            if r.printable:
                buttons.append(
                    ui.button(
                        t("cases.result_print"),
                        partial(self.print_result, r.sha256),
                        icon=ft.Icons.PRINT,
                        ident=f"result-print-{r.sha256[:12]}",
                    )
                )
            buttons.append(
                ui.button(
                    t("cases.result_download"),
                    partial(self.download_result, r.sha256),
                    primary=False,
                    icon=ft.Icons.DOWNLOAD,
                    ident=f"result-download-{r.sha256[:12]}",
                )
            )
            lines.append(
                ft.Column(
                    [
                        ft.Semantics(
                            identifier=f"result-{r.sha256[:12]}",
                            content=ui.text(t("common.labelled", label=r.name, text=r.size)),
                        ),
                        ft.Row(buttons, wrap=True),
                    ],
                    spacing=4,
                )
            )
        for note in self.pending_results:
            lines.append(ft.Semantics(identifier="result-pending", content=ui.warning(note)))
        return ui.card(*lines)

    def _copy_row(self, copy: CopyLine) -> ft.Control:
        ui = self.ui
        return ft.Row(
            [
                ft.Semantics(identifier=f"copy-{copy.sha256[:12]}", content=ui.small(copy.label)),
                ui.button(
                    t("cases.copy_print"),
                    partial(self.print_copy, copy.sha256),
                    primary=False,
                    icon=ft.Icons.PRINT,
                    ident=f"copy-print-{copy.sha256[:12]}",
                ),
                ui.button(
                    t("cases.copy_download"),
                    partial(self.download_copy, copy.sha256),
                    primary=False,
                    icon=ft.Icons.DOWNLOAD,
                    ident=f"copy-download-{copy.sha256[:12]}",
                ),
            ],
            wrap=True,
        )

    async def _say(self, fn: Any, done: str) -> None:
        """Run a print on a thread; the outcome (or the error) is shown on the case."""
        try:
            await asyncio.to_thread(fn)
        except Exception as exc:  # print.* and station.* errors word themselves
            self.error, self.notice = str(exc), ""
        else:
            self.error, self.notice = "", done
        self.refresh()

    async def print_result(self, sha256: str) -> None:
        name = next((r.name for r in self.results if r.sha256 == sha256), "")
        await self._say(partial(self.actions.print_result, sha256), t("cases.result_printed", name=name))

    async def download_result(self, sha256: str) -> None:
        await self._open(partial(self.actions.download_result, sha256))

    async def print_copy(self, sha256: str) -> None:
        label = next((c.label for c in self.copies if c.sha256 == sha256), "")
        await self._say(partial(self.actions.print_copy, sha256), t("cases.result_printed", name=label))

    async def download_copy(self, sha256: str) -> None:
        await self._open(partial(self.actions.download_copy, sha256))

    async def _open(self, fn: Any) -> None:
        """Fetch a document on a thread and open it; a failure is shown on the case, in words."""
        try:
            data, name = await asyncio.to_thread(fn)
        except KeyError:  # the file is no longer held (retention, or another window changed the case)
            self.error, self.notice = t("cases.document_gone"), ""
        except Exception as exc:  # station.* and storage errors word themselves
            self.error, self.notice = str(exc), ""
        else:
            await self.shell.open_document(data, name)
            return
        self.refresh()

    async def _do(self, fn: Any, *args: Any) -> bool:
        try:
            await asyncio.to_thread(fn, *args)
        except (ActionError, Exception) as exc:
            self.error = str(exc)
            self.refresh()
            return False
        self.error = ""
        await self.load()
        self.refresh()
        return True

    async def hand_over(self) -> None:
        if await self._do(
            partial(
                self.actions.hand_over,
                collector_id=(self.collector_id.value or "").strip().upper(),
                letter=bool(self.letter.value),
            ),
            self.collector.value or "",
            self.method.value or "",
        ):
            await self.go("rate", case_id=self.case_id)

    async def _pick_scans(self, *, multiple: bool) -> list[Any]:
        files = await self.shell.file_picker.pick_files(
            with_data=True,
            allow_multiple=multiple,
            file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=["jpg", "jpeg", "png", "pdf"],
        )
        return list(files or [])

    async def supply(self, code: str) -> None:
        for f in await self._pick_scans(multiple=True):
            if not await self._do(self.actions.supply, code, f.name, bytes(f.bytes or b"")):
                return

    async def resend(self) -> None:
        await self._do(self.actions.resend)

    async def receive_deferred(self, code: str) -> None:
        """登记补交: scan the late 容缺 material (the original is checked at the window)."""
        for f in await self._pick_scans(multiple=False):
            await self._do(self.actions.receive_deferred, code, f.name, bytes(f.bytes or b""))

    def _correction_card(self) -> ft.Control:
        """更正: the promised date moved after the district published a calendar; print the 更正 receipt."""
        ui = self.ui
        latest = self.corrections[-1]
        lines = []
        for change in latest.dates:
            label = self.item_names.get(change.item_code, change.item_code) if change.item_code else self.name
            old = (change.old.isoformat() if change.old else "-") + (
                t("cases.provisional_tag") if change.old_provisional else ""
            )
            new = change.new.isoformat() + (t("cases.provisional_tag") if change.new_provisional else "")
            lines.append(ui.text(t("cases.correction_line", name=label, old=old, new=new)))
        now = self.case.promised_date.isoformat() if self.case and self.case.promised_date else "none"
        return ft.Semantics(
            identifier=f"case-corrected-{latest.to_version}-{now}",
            content=ui.card(
                ui.heading(t("cases.correction_heading", v=latest.to_version)),
                *lines,
                ui.small(t("cases.correction_help")),
                ft.Row(
                    [
                        ui.button(
                            t("cases.print_correction"),
                            self.print_correction,
                            icon=ft.Icons.PRINT,
                            ident="case-correction",
                        )
                    ]
                ),
            ),
        )

    async def print_correction(self) -> None:
        """受理凭证（更正）, A4, served from memory like every document."""
        cases, c, worker = self.shell.runtime.cases, self.case, self.shell.session.me
        assert c is not None
        doc = await asyncio.to_thread(cases.document, c, "correction", worker=worker.name)
        pdf = await asyncio.to_thread(cases.render_pdf, doc)
        await asyncio.to_thread(
            cases.store.audit,
            "document.correction",
            actor=f"worker:{worker.id}",
            case=c.id,
        )
        await self.shell.open_document(pdf, f"correction-{c.number}.pdf")

    async def reprint(self) -> None:
        cases, c = self.shell.runtime.cases, self.case
        assert c is not None
        kind = document_kind(c)
        stored = await asyncio.to_thread(cases.result_pdf, c)  # 当场办结: the very document printed then
        if stored is not None:
            await self.shell.open_document(stored, f"{kind}-{c.number}.pdf")
            return
        doc = await asyncio.to_thread(cases.document, c, kind, worker=self.shell.session.me.name)
        pdf = await asyncio.to_thread(cases.render_pdf, doc)
        await self.shell.open_document(pdf, f"{kind}-{c.number}.pdf")

    async def withdraw(self) -> None:
        reason = self.ui.field(t("cases.withdraw_reason"), multiline=True)

        async def ok() -> None:
            self.shell.page.pop_dialog()
            await self._do(self.actions.withdraw, reason.value or "")

        async def cancel() -> None:
            self.shell.page.pop_dialog()

        self.shell.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(t("cases.withdraw")),
                content=ft.Column([reason], tight=True, width=420),
                actions=[
                    self.ui.button(t("common.cancel"), cancel, primary=False),
                    self.ui.button(t("common.ok"), ok, ident="withdraw-ok", danger=True),
                ],
            )
        )
