"""办件: the case list (search, filters) and one case with its timeline and the window's next actions."""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial
from typing import Any

import flet as ft

from casework import clock
from casework.acceptance import OverdueState
from casework.cases import Case, CaseStatus
from casework.deadlines import Recomputed
from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.viewmodels.case_detail import HANDOVER_METHODS, ActionError, CaseActions, timeline
from station_app.viewmodels.cases import PRESETS, CaseFilter, apply
from station_app.viewmodels.context import CaseRow
from station_app.viewmodels.intake import document_kind

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
    def __init__(self, shell: Any, preset: str = "", ticket: bool = False, **params: Any) -> None:
        super().__init__(shell, **params)
        self.filter = CaseFilter(preset=preset)
        self.rows: list[CaseRow] = []
        self.ticket = ticket
        self.ticket_error = ""

    async def load(self) -> None:
        self.all_rows = await asyncio.to_thread(self.shell.runtime.cases.rows)
        self.calendar = await asyncio.to_thread(self.shell.runtime.cases.work_calendar)
        self._apply()

    def _apply(self) -> None:
        self.rows = apply(self.all_rows, self.filter, clock.china_today(), self.calendar)

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
            + [ft.DropdownOption(key=s.value, text=s.label) for s in CaseStatus],
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
        chips = ft.Row(
            [
                ft.Chip(
                    label=ft.Text(t(f"home.{p}"), size=ui.size(15)),
                    selected=self.filter.preset == p,
                    on_click=ui.wrap(partial(self._preset, p)),
                )
                for p in PRESETS
            ],
            wrap=True,
        )
        self.list = ft.ListView(controls=[self._row(r) for r in self.rows], item_extent=ROW, expand=True)
        parts: list[ft.Control] = [ui.title(t("nav.cases"))]
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
            ft.Row([self.search, status, sync]),
            chips,
            ui.small(t("cases.count", n=len(self.rows))),
            ft.Container(
                self.list, expand=True, border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT), border_radius=8
            ),
        ]
        return ft.Column(parts, expand=True, spacing=10)

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
                                f"{r.number} · {r.applicant} · {due}",
                                size=ui.size(14),
                                no_wrap=True,
                                color=ft.Colors.ERROR if late else ft.Colors.ON_SURFACE_VARIANT,
                            ),
                        ],
                        spacing=2,
                        expand=True,
                    ),
                    ft.Container(
                        ft.Text(r.status.label, size=ui.size(15)),
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
        self.filter.text = self.search.value or ""
        self._apply()
        self.list.controls = [self._row(r) for r in self.rows]
        self.list.update()

    async def _status(self, value: str | None) -> None:
        self.filter.status = CaseStatus(value) if value else None
        self._apply()
        self.refresh()

    async def _sync(self, value: str | None) -> None:
        self.filter.sync = value or ""
        self._apply()
        self.refresh()

    async def _preset(self, p: str) -> None:
        self.filter.preset = "" if self.filter.preset == p else p
        self._apply()
        self.refresh()

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

    def view(self) -> ft.Control:
        ui, c = self.ui, self.case
        assert c is not None
        facts = [
            (t("cases.number"), c.number),
            (t("cases.status"), c.status.label),
            (t("intake.applicant"), c.applicant.name),
            (
                t("cases.promised"),
                (c.promised_date.isoformat() if c.promised_date else "-")
                + (t("intake.provisional") if c.promised_date_provisional else ""),
            ),
            (t("cases.pickup"), c.pickup.method.value),
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
            facts.append((t("cases.rating"), c.rating.level.value))
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
                label=c.status.label,
                content=ui.facts(facts),
            ),
        ]
        if self.error:
            parts.append(ui.error(self.error))
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
                        f"{m.name} · {m.satisfaction.value} · {t('cases.scans', n=len(m.attachments))}{due}"
                    )
                )
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
        row: list[ft.Control] = []
        if a.can_hand_over():
            # A Column, not a wrapping Row: a Dropdown beside a TextField in a wrapping Row fails to lay out
            # in the Flet 1.0.5 web client (it showed as a grey error box).
            self.collector = ui.field(t("handover.collector"), value=a.case.applicant.name, width=360)
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
                    self.method,
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
            kind = document_kind(a.case)
            row.append(
                ui.button(
                    t("cases.reprint", name=t(f"doc.{kind}")),
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
        if await self._do(self.actions.hand_over, self.collector.value or "", self.method.value or ""):
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
