"""受理 screens: choose an item or 一件事 (or resume a draft), then applicant → materials → review → outcome.

Every intent goes to :class:`~station_app.viewmodels.intake.IntakeViewModel`; blocking work (encrypting a
scan, the durable commit, rendering the PDF) runs in ``asyncio.to_thread``. The draft is saved after every
step, so a closed browser or a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from functools import partial
from typing import Any

import flet as ft

from casework.cases import PickupMethod, Satisfaction
from casework.catalog import Necessity
from casework.errors import DomainError
from casework.identity import (
    AUTHORITY_IN_PERSON,
    AUTHORITY_KINSHIP,
    AUTHORITY_POWER_OF_ATTORNEY,
    ApplicantKind,
)
from casework.messages import current_language, term
from station_app.i18n import t
from station_app.screens.base import Screen
from station_app.screens.guide import GuideScreen
from station_app.screens.intake_fields import FormSection
from station_app.viewmodels.context import CaseService
from station_app.viewmodels.intake import (
    IntakeError,
    IntakeViewModel,
    MaterialRow,
    document_name,
    draft_time,
    id_type_options,
    new_draft,
)
from station_app.viewmodels.printing import PrinterKind, PrintError, print_document

FIELD_W = 360


def case_service(screen: Screen) -> CaseService:
    return screen.shell.runtime.cases


class IntakeScreen(Screen):
    """Without a code or draft: the drafts to resume and the item search. With one: the guided flow."""

    def __init__(self, shell: Any, code: str = "", draft_id: str = "", **params: Any) -> None:
        super().__init__(shell, **params)
        self.code, self.draft_id = code, draft_id
        self.vm: IntakeViewModel | None = None
        self.picker: GuideScreen | None = None
        self.drafts: list[dict[str, Any]] = []
        self.errors: list[str] = []
        self.busy = False
        self.step = "applicant"
        self.refuse_reason = ""
        self.form_section: FormSection | None = None
        self.banner = ft.Column(spacing=4)

    # -- loading -------------------------------------------------------------------------------------------
    async def load(self) -> None:
        cases = case_service(self)
        catalog = await asyncio.to_thread(self.station.catalog)
        worker = self.shell.session.me
        if not self.code and not self.draft_id:
            self.picker = GuideScreen(self.shell, pick_for="intake")
            await self.picker.load()
            self.drafts = await asyncio.to_thread(cases.drafts)
            return
        if catalog is None:
            self.errors = [t("guide.no_catalog")]
            return
        try:
            if self.draft_id:
                draft = await asyncio.to_thread(cases.draft, self.draft_id)
                if draft is None:
                    self.errors = [t("intake.draft_missing")]
                    return
            else:
                draft = new_draft(
                    catalog,
                    self.code,
                    worker=worker.id,
                    station_area=str(self.station.settings().get("area", "")),
                )
        except IntakeError as exc:
            self.errors = exc.problems
            return
        self.vm = IntakeViewModel(cases, catalog, draft, worker.id, worker.name)
        self.step = str(draft.get("step", "applicant"))
        if not self.draft_id:
            await asyncio.to_thread(self.vm.save)

    # -- rendering -----------------------------------------------------------------------------------------
    def view(self) -> ft.Control:
        ui = self.ui
        if self.picker is not None:
            return self._picker_view()
        if self.vm is None:
            return ft.Column(
                [
                    ui.title(t("nav.intake")),
                    *[ui.error(e) for e in self.errors],
                    ui.button(t("common.back"), lambda: self.go("intake"), primary=False),
                ]
            )
        vm = self.vm
        head: list[ft.Control] = [
            ft.Row(
                [
                    ui.title(vm.draft["name"]),
                    ft.Container(expand=True),
                    ui.small(t("intake.bundle_n", n=len(vm.items())) if vm.is_bundle else ""),
                ]
            ),
            self._stepper(),
        ]
        if vm.draft.get("claimed_ticket") and vm.outcome is None:
            head.append(
                ui.note(
                    t(
                        "intake.from_ticket",
                        ticket=vm.draft["claimed_ticket"],
                        name=vm.draft["applicant"].get("name", ""),
                    )
                )
            )
        notice = vm.from_notice
        if notice and vm.outcome is None:  # 待补齐: the resident came back with what the notice listed
            head.append(
                ft.Semantics(
                    identifier="intake-from-notice",
                    content=ui.note(
                        t(
                            "intake.from_notice",
                            number=notice.get("number", ""),
                            date=vm.notice_day(),
                            names=t("common.list_sep").join(notice.get("missing", [])),
                        )
                    ),
                )
            )
        warning = vm.catalog_warning() if vm.outcome is None else None
        if warning:
            head.append(ft.Semantics(identifier="intake-catalog-warning", content=ui.error(warning)))
        if self.errors:
            self.banner = ft.Column([ui.error(e) for e in self.errors], spacing=4)
            head.append(ft.Semantics(identifier="intake-errors", content=self.banner))
        body = {
            "applicant": self._applicant,
            "materials": self._materials,
            "review": self._review,
            "done": self._done,
        }[self.step if vm.outcome is None else "done"]()
        return ft.Column([*head, ft.Container(body, expand=True)], expand=True, spacing=10)

    def _picker_view(self) -> ft.Control:
        assert self.picker is not None
        ui = self.ui
        parts: list[ft.Control] = []
        if self.drafts:
            parts.append(ui.heading(t("intake.drafts", n=len(self.drafts))))
            row = []
            for d in sorted(self.drafts, key=lambda d: d.get("updated_at", ""), reverse=True)[:6]:
                who = d.get("applicant", {}).get("name") or t("intake.no_name")
                flag = " ⚠" if d.get("catalog_flag") else ""
                row.append(
                    ui.card(
                        ft.Text(d.get("name", ""), size=ui.size(17), weight=ft.FontWeight.W_600),
                        ui.small(f"{who} · {draft_time(d)}{flag}"),
                        ident=f"draft-{d['id']}",
                        width=260,
                        on_click=partial(self.go, "intake", draft_id=d["id"]),
                    )
                )
            parts.append(ft.Row(row, wrap=True))
        inner = self.picker.view()
        return ft.Column([*parts, ft.Container(inner, expand=True)], expand=True)

    def _stepper(self) -> ft.Control:
        ui, names = (
            self.ui,
            [
                ("applicant", t("intake.step_applicant")),
                ("materials", t("intake.step_materials")),
                ("review", t("intake.step_review")),
            ],
        )
        current = self.step if self.vm and self.vm.outcome is None else "done"
        chips: list[ft.Control] = []
        for n, (key, label) in enumerate(names, 1):
            active = key == current
            chips.append(
                ft.Container(
                    ft.Text(
                        f"{n}. {label}",
                        size=ui.size(17),
                        weight=ft.FontWeight.BOLD if active else None,
                        color=ft.Colors.ON_PRIMARY if active else None,
                    ),
                    bgcolor=ft.Colors.PRIMARY if active else ft.Colors.SURFACE_CONTAINER_HIGH,
                    padding=ft.Padding.symmetric(horizontal=14, vertical=6),
                    border_radius=20,
                )
            )
        return ft.Row(chips, spacing=8)

    # -- step 1: applicant ---------------------------------------------------------------------------------
    def _applicant(self) -> ft.Control:
        ui, vm = self.ui, self.vm
        assert vm is not None
        a = vm.draft["applicant"]
        problems = vm.field_problems()
        kind = ft.RadioGroup(
            value=a["kind"],
            on_change=ui.wrap(lambda: self._set_kind(kind.value)),
            content=ft.Row(
                [
                    ui.radio(value=ApplicantKind.PERSON.value, label=t("intake.person")),
                    ui.radio(value=ApplicantKind.ORGANIZATION.value, label=t("intake.organization")),
                ]
            ),
        )
        org = a["kind"] == ApplicantKind.ORGANIZATION.value
        self.f_name = ui.field(
            t("intake.org_name") if org else t("intake.name"), value=a["name"], width=FIELD_W
        )
        self.f_id_type = ft.Dropdown(
            label=t("intake.id_type"),
            value=a["id_type"],
            width=FIELD_W,
            options=[ft.DropdownOption(key=k, text=v) for k, v in id_type_options(a["kind"])],
            text_size=ui.size(17),
        )
        self.f_id = ui.field(
            t("intake.uscc") if org else t("intake.id_number"),
            value=a["id_number"],
            on_change=self._live_check,
            width=FIELD_W,
        )
        self.f_id.error = problems.get("id_number")
        self.f_phone = ui.field(
            t("intake.phone"),
            value=a["phone"],
            on_change=self._live_check,
            keyboard=ft.KeyboardType.PHONE,
            width=FIELD_W,
        )
        self.f_phone.error = problems.get("phone")
        self.f_address = ui.field(t("intake.address"), value=a.get("address", ""), width=FIELD_W * 2 + 10)
        rows: list[ft.Control] = [
            kind,
            ft.Row([self.f_name, self.f_phone]),
            ft.Row([self.f_id_type, self.f_id]),
            self.f_address,
        ]
        if org:
            self.f_rep = ui.field(t("intake.legal_rep"), value=a.get("legal_representative", ""))
            rows.append(self.f_rep)
        self.form_section = FormSection(ui, vm.form, on_change=self._live_check)
        rows += self.form_section.controls()
        agent = vm.draft.get("agent")
        mode = "none" if not agent else ("helper" if agent.get("is_station_worker") else "agent")
        self.agent_mode = ft.RadioGroup(
            value=mode,
            on_change=ui.wrap(self._agent_mode),
            content=ft.Row(
                [
                    ft.Semantics(
                        identifier=f"agent-mode-{value}", content=ui.radio(value=value, label=t(key))
                    )
                    for value, key in (
                        ("none", "intake.agent_none"),
                        ("agent", "intake.agent_person"),
                        ("helper", "intake.agent_helper"),
                    )
                ],
                wrap=True,
            ),
        )
        rows += [ui.heading(t("intake.agent_heading")), self.agent_mode]
        if agent:
            self.a_name = ui.field(t("intake.agent_name"), value=agent.get("name", ""))
            self.a_id = ui.field(
                t("intake.agent_id"), value=agent.get("id_number", ""), on_change=self._live_check
            )
            self.a_id.error = problems.get("agent_id_number")
            self.a_phone = ui.field(t("intake.phone"), value=agent.get("phone", ""))
            self.a_relation = ui.field(t("intake.agent_relation"), value=agent.get("relation", ""))
            rows += [self.a_name, self.a_id, self.a_phone]
            if mode == "agent":
                rows += self._authority_rows(agent)
        rows.append(
            ft.Row(
                [
                    ui.button(
                        t("intake.cancel_draft"), self.discard, primary=False, icon=ft.Icons.DELETE_OUTLINE
                    ),
                    ft.Container(expand=True),
                    ui.button(
                        t("intake.next"), self.to_materials, ident="intake-next", icon=ft.Icons.ARROW_FORWARD
                    ),
                ]
            )
        )
        return ft.Column(rows, spacing=12, scroll=ft.ScrollMode.AUTO)

    def _authority_rows(self, agent: dict[str, Any]) -> list[ft.Control]:
        """代理依据 (帮办代办登记): a 授权委托书, scanned here, or the relation to the applicant, stated."""
        authority = agent.get("authority") or AUTHORITY_KINSHIP
        self.a_authority = ft.RadioGroup(
            value=authority,
            on_change=self.ui.wrap(self._authority),
            content=ft.Row(
                [
                    ft.Semantics(identifier=f"authority-{value}", content=ft.Radio(value=value, label=t(key)))
                    for value, key in (
                        (AUTHORITY_KINSHIP, "intake.authority_kinship"),
                        (AUTHORITY_POWER_OF_ATTORNEY, "intake.authority_letter"),
                    )
                ],
                wrap=True,
            ),
        )
        rows: list[ft.Control] = [self.a_relation, self.ui.text(t("intake.authority")), self.a_authority]
        if authority == AUTHORITY_POWER_OF_ATTORNEY:
            scanned = bool(agent.get("authority_scan"))
            rows.append(
                ft.Row(
                    [
                        self.ui.button(
                            t("intake.authority_scan"),
                            self.attach_letter,
                            primary=False,
                            icon=ft.Icons.UPLOAD_FILE,
                            ident="attach-authority",
                        ),
                        ft.Semantics(
                            identifier="authority-scanned" if scanned else "authority-missing",
                            content=self.ui.small(
                                t("intake.authority_scanned") if scanned else t("intake.authority_unscanned")
                            ),
                        ),
                    ],
                    wrap=True,
                )
            )
        return rows

    async def _authority(self) -> None:
        assert self.vm is not None
        self._collect_applicant()
        agent = self.vm.draft.get("agent")
        if agent is not None:
            agent["authority"] = self.a_authority.value or AUTHORITY_KINSHIP
        await self._save()

    async def attach_letter(self) -> None:
        """Scan the 授权委托书 (kept encrypted like any scan; it travels with the case)."""
        assert self.vm is not None
        self._collect_applicant()
        files = await self.shell.file_picker.pick_files(
            allow_multiple=False,
            with_data=True,
            file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=["pdf", "png", "jpg", "jpeg"],
            dialog_title=t("intake.authority_scan"),
        )
        if not files:
            return
        f = files[0]
        try:
            await asyncio.to_thread(self.vm.attach_authority, f.name, bytes(f.bytes or b""))
        except IntakeError as exc:
            self.errors = exc.problems
        await self._save()

    def _collect_applicant(self) -> None:
        vm = self.vm
        assert vm is not None
        fields = {
            "name": self.f_name.value or "",
            "id_type": self.f_id_type.value or "111",
            "id_number": (self.f_id.value or "").upper(),
            "phone": self.f_phone.value or "",
            "address": self.f_address.value or "",
        }
        if vm.draft["applicant"]["kind"] == ApplicantKind.ORGANIZATION.value:
            fields["legal_representative"] = self.f_rep.value or ""
        vm.set_applicant(**fields)
        if self.form_section is not None:
            self.form_section.collect()
        agent = vm.draft.get("agent")
        if agent is not None:
            worker = self.shell.session.me
            agent.update(
                {
                    "name": self.a_name.value or "",
                    "id_type": "111",
                    "id_number": (self.a_id.value or "").upper(),
                    "phone": self.a_phone.value or "",
                }
            )
            if agent.get("is_station_worker"):
                agent.update({"worker_id": worker.id, "relation": "", "authority": AUTHORITY_IN_PERSON})
            else:
                agent["relation"] = self.a_relation.value or ""

    async def _live_check(self) -> None:
        self._collect_applicant()
        assert self.vm is not None
        problems = self.vm.field_problems()
        self.f_id.error = problems.get("id_number")
        self.f_phone.error = problems.get("phone")
        if self.vm.draft.get("agent"):
            self.a_id.error = problems.get("agent_id_number")
        if self.form_section is not None:
            self.form_section.show(self.vm.form.live_problems())
            self.form_section.show_warnings()
        if self.errors:  # the banner from 下一步: keep only what is still wrong
            still = set(self._applicant_step_problems())
            self.errors = [e for e in self.errors if e in still]
            self.banner.controls = [self.ui.error(e) for e in self.errors]
        self.shell.page.update()

    def _applicant_step_problems(self) -> list[str]:
        assert self.vm is not None
        form = self.vm.form
        sep = t("intake.label_sep")
        labels = {f.key: f.label_in(current_language()) for f in form.fields()}
        return self.vm.applicant_problems() + [
            f"{labels.get(k, k)}{sep}{p.text()}" for k, p in form.problems().items()
        ]

    async def _set_kind(self, value: str | None) -> None:
        assert self.vm is not None
        self._collect_applicant()
        self.vm.set_applicant(kind=value or ApplicantKind.PERSON.value)
        self.refresh()

    async def _agent_mode(self) -> None:
        assert self.vm is not None
        self._collect_applicant()
        mode = self.agent_mode.value
        worker = self.shell.session.me
        if mode == "none":
            self.vm.set_agent(None)
        elif mode == "helper":
            self.vm.set_agent(
                {
                    "name": worker.name,
                    "id_type": "111",
                    "id_number": "",
                    "phone": "",
                    "relation": "",
                    "is_station_worker": True,
                    "worker_id": worker.id,
                    "authority": AUTHORITY_IN_PERSON,
                }
            )
        else:
            self.vm.set_agent(
                {
                    "name": "",
                    "id_type": "111",
                    "id_number": "",
                    "phone": "",
                    "relation": "",
                    "is_station_worker": False,
                    "worker_id": "",
                    "authority": AUTHORITY_KINSHIP,
                    "authority_scan": None,
                }
            )
        self.refresh()

    async def to_materials(self) -> None:
        assert self.vm is not None
        self._collect_applicant()
        self.errors = self._applicant_step_problems()
        if not self.errors:
            self.step = "materials"
        await self._save()

    # -- step 2: materials ---------------------------------------------------------------------------------
    def _materials(self) -> ft.Control:
        ui, vm = self.ui, self.vm
        assert vm is not None
        cards = [self._material_card(r) for r in vm.material_rows()]
        nav = ft.Row(
            [
                ui.button(
                    t("intake.prev"), lambda: self._goto("applicant"), primary=False, icon=ft.Icons.ARROW_BACK
                ),
                ft.Container(expand=True),
                ui.button(
                    t("intake.next"),
                    lambda: self._goto("review"),
                    ident="intake-next",
                    icon=ft.Icons.ARROW_FORWARD,
                ),
            ]
        )
        return ft.Column(
            [ui.small(t("intake.materials_help")), *cards, nav], spacing=10, scroll=ft.ScrollMode.AUTO
        )

    def _material_card(self, r: MaterialRow) -> ft.Control:
        ui = self.ui
        status_color = {
            Satisfaction.ORIGINAL_VERIFIED: ft.Colors.GREEN_700,
            Satisfaction.DEFERRED: ft.Colors.ORANGE_800,
            Satisfaction.COMMITMENT: ft.Colors.BLUE_700,
            Satisfaction.DATA_SHARING: ft.Colors.TEAL_700,
        }
        status = ft.Container(
            ft.Text(
                term(r.satisfaction)
                if r.satisfaction is not Satisfaction.MISSING
                else (t("intake.optional") if r.necessity is Necessity.OPTIONAL else t("intake.missing")),
                size=ui.size(15),
                color=ft.Colors.WHITE,
            ),
            bgcolor=status_color.get(
                r.satisfaction, ft.Colors.OUTLINE if r.necessity is Necessity.OPTIONAL else ft.Colors.ERROR
            ),
            padding=ft.Padding.symmetric(horizontal=10, vertical=4),
            border_radius=12,
        )
        head = ft.Row([ft.Text(r.name, size=ui.size(18), weight=ft.FontWeight.W_600, expand=True), status])
        info = ui.small(" · ".join([term(r.necessity), r.form, r.counts]))
        actions: list[ft.Control] = [
            ui.button(
                t("intake.attach"),
                partial(self.attach, r.code),
                primary=False,
                ident=f"attach-{r.code}",
                icon=ft.Icons.UPLOAD_FILE,
            ),
        ]
        if r.necessity is Necessity.DEFERRABLE:
            actions.append(
                ui.button(
                    t("intake.defer"),
                    partial(self.defer, r.code),
                    primary=False,
                    ident=f"defer-{r.code}",
                    icon=ft.Icons.SCHEDULE,
                )
            )
        if r.commitment_allowed:
            actions.append(
                ui.button(
                    t("intake.commit"),
                    partial(self.commitment, r),
                    primary=False,
                    ident=f"commit-{r.code}",
                    icon=ft.Icons.HANDSHAKE,
                )
            )
        if r.shared_data:
            actions.append(
                ui.button(
                    t("intake.shared"),
                    partial(self._set, r.code, Satisfaction.DATA_SHARING),
                    primary=False,
                    icon=ft.Icons.CLOUD_DONE,
                    ident=f"shared-{r.code}",
                )
            )
        if r.satisfaction is not Satisfaction.MISSING:
            actions.append(
                ui.button(
                    t("intake.clear"),
                    partial(self._set, r.code, Satisfaction.MISSING),
                    primary=False,
                    icon=ft.Icons.UNDO,
                )
            )
        extra: list[ft.Control] = []
        for i, a in enumerate(r.attachments):
            extra.append(
                ft.Semantics(
                    identifier=f"scan-{r.code}-{i}",
                    label=a["name"],
                    content=ft.Row(
                        [
                            ft.Icon(ft.Icons.IMAGE_OUTLINED, size=ui.size(18)),
                            ui.small(t("intake.scan_line", name=a["name"], kb=max(1, a["size"] // 1024))),
                            ft.IconButton(
                                ft.Icons.CLOSE,
                                tooltip=t("intake.remove_scan"),
                                on_click=ui.wrap(partial(self._remove, r.code, a["sha256"])),
                            ),
                        ]
                    ),
                )
            )
        if r.satisfaction is Satisfaction.DEFERRED:
            extra.append(ui.small(t("intake.due", date=r.due_date)))
        if r.problem and r.satisfaction is not Satisfaction.MISSING:
            extra.append(ft.Text(r.problem, color=ft.Colors.ERROR, size=ui.size(15)))
        return ui.card(head, info, *extra, ft.Row(actions, wrap=True), ident=f"material-{r.code}")

    async def attach(self, code: str) -> None:
        """Pick a scan in the browser (with its bytes: the web picker has no path) and store it encrypted."""
        files = await self.shell.file_picker.pick_files(
            allow_multiple=True,
            with_data=True,
            file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=["jpg", "jpeg", "png", "pdf"],
            dialog_title=t("intake.attach"),
        )
        if not files:
            return
        self.errors = []
        assert self.vm is not None
        for f in files:
            try:
                await asyncio.to_thread(self.vm.attach, code, f.name, bytes(f.bytes or b""))
            except IntakeError as exc:
                self.errors += exc.problems
            else:
                if self.vm.attach_notice:
                    self.errors.append(self.vm.attach_notice)
        await self._save()

    async def defer(self, code: str) -> None:
        assert self.vm is not None
        vm = self.vm
        default = await asyncio.to_thread(vm.default_due_date)
        earliest, latest = await asyncio.to_thread(vm.deferral_window)
        field = self.ui.field(t("intake.due_label"), value=default, hint="YYYY-MM-DD")
        window = t("intake.defer_window", earliest=earliest.isoformat(), latest=latest.isoformat())

        async def ok() -> None:
            try:
                due = dt.date.fromisoformat((field.value or "").strip())
            except ValueError:
                field.error = t("intake.bad_date")
                self.shell.page.update()
                return
            problem = await asyncio.to_thread(vm.deferral_problem, code, due)
            if problem:  # today or later, and no later than the promised date
                field.error = problem
                self.shell.page.update()
                return
            self.shell.page.pop_dialog()
            await self._set(code, Satisfaction.DEFERRED, due_date=due.isoformat())

        self.shell.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(t("intake.defer_title")),
                content=ft.Column(
                    [self.ui.text(t("intake.defer_help")), self.ui.small(window), field],
                    tight=True,
                    width=420,
                ),
                actions=[
                    self.ui.button(t("common.cancel"), lambda: self._close_dialog(), primary=False),
                    self.ui.button(t("common.ok"), ok, ident="defer-ok"),
                ],
            )
        )

    async def commitment(self, r: MaterialRow) -> None:
        """告知承诺: the commitment text is shown in full; the applicant must confirm it."""
        box = self.ui.checkbox(t("intake.commit_confirm"))

        async def ok() -> None:
            if not box.value:
                box.label = t("intake.commit_must_confirm")
                self.shell.page.update()
                return
            self.shell.page.pop_dialog()
            await self._set(r.code, Satisfaction.COMMITMENT, commitment_confirmed=True)

        self.shell.page.show_dialog(
            ft.AlertDialog(
                modal=True,
                title=ft.Text(t("intake.commit_title", name=r.name)),
                content=ft.Column(
                    [self.ui.text(r.commitment_text or t("intake.commit_default", name=r.name)), box],
                    tight=True,
                    width=520,
                    scroll=ft.ScrollMode.AUTO,
                ),
                actions=[
                    self.ui.button(t("common.cancel"), lambda: self._close_dialog(), primary=False),
                    self.ui.button(t("common.ok"), ok, ident="commit-ok"),
                ],
            )
        )

    async def _close_dialog(self) -> None:
        self.shell.page.pop_dialog()

    async def _set(self, code: str, how: Satisfaction, **kw: Any) -> None:
        assert self.vm is not None
        self.vm.set_satisfaction(code, how, **kw)
        await self._save()

    async def _remove(self, code: str, sha: str) -> None:
        assert self.vm is not None
        self.vm.remove_attachment(code, sha)
        await self._save()

    # -- step 3: review ------------------------------------------------------------------------------------
    def _review(self) -> ft.Control:
        ui, vm = self.ui, self.vm
        assert vm is not None
        a = vm.draft["applicant"]
        s = vm.summary()
        problems = vm.review_problems()
        lines = [
            (t("intake.applicant"), f"{a['name']}  {a['id_number']}  {a['phone']}"),
            (t("intake.verified"), str(s["verified"])),
            (t("intake.deferred"), t("common.list_sep").join(s["deferred"]) or t("guide.none")),
            (t("intake.commitments"), t("common.list_sep").join(s["commitment"]) or t("guide.none")),
            (t("intake.missing_list"), t("common.list_sep").join(s["missing"]) or t("guide.none")),
        ]
        agent = vm.draft.get("agent")
        if agent:
            lines.insert(
                1,
                (
                    t("intake.agent_heading"),
                    f"{agent.get('name', '')} {agent.get('relation') or t('intake.agent_helper')}",
                ),
            )
        facts = ft.Column(
            [
                ft.Row(
                    [
                        ft.Text(k, width=ui.size(130), size=ui.size(16), color=ft.Colors.ON_SURFACE_VARIANT),
                        ft.Text(v, size=ui.size(17), expand=True),
                    ]
                )
                for k, v in lines
            ],
            spacing=6,
        )
        areas = [j.area for j in vm.catalog.jurisdictions]
        own_area = str(self.station.settings().get("area", ""))
        self.collected = ft.Switch(
            label=t("intake.collected", area=vm.draft.get("jurisdiction", "")),
            value=bool(vm.draft.get("collected")),
            on_change=ui.wrap(self._toggle_collected),
        )
        self.pickup = ft.Dropdown(
            label=t("intake.pickup"),
            value=vm.draft.get("pickup"),
            width=320,
            options=[ft.DropdownOption(key=m.value, text=term(m)) for m in PickupMethod],
            on_select=ui.wrap(self._pickup),
        )
        parts: list[ft.Control] = [ui.card(facts)]
        choices = vm.jurisdiction_choices()
        if len(choices) > 1:  # 业务属地: the item lets the worker choose the district that owns the case
            self.jurisdiction = ft.Dropdown(
                label=t("intake.jurisdiction"),
                value=str(vm.draft.get("jurisdiction", "")),
                width=320,
                options=[ft.DropdownOption(key=a, text=a) for a in choices],
                on_select=ui.wrap(self._jurisdiction),
            )
            parts.append(ft.Semantics(identifier="intake-jurisdiction", content=self.jurisdiction))
        # 代收 only makes sense for another jurisdiction's item (全市通办); the catalog must list that window.
        if (
            vm.draft.get("jurisdiction")
            and vm.draft.get("jurisdiction") != own_area
            and vm.draft.get("jurisdiction") in areas
        ):
            parts.append(self.collected)
        parts.append(self.pickup)
        warnings = vm.form.eligibility_warnings()
        if warnings:
            parts.append(ui.heading(t("intake.eligibility_heading")))
            parts += [ui.warning(w.text()) for w in warnings]
            self.override = ui.field(
                t("intake.eligibility_reason"),
                value=vm.form.override_reason,
                multiline=True,
                width=640,
                on_change=self._override_reason,
            )
            parts.append(ft.Semantics(identifier="eligibility-reason", content=self.override))
        if problems:
            parts.append(ui.heading(t("intake.cannot_accept")))
            parts += [ui.error(p) for p in problems]
        accept_label = t("intake.collect") if vm.draft.get("collected") else t("intake.accept")
        spot = vm.on_the_spot()  # 当场办结: the catalog lets this window decide the item now
        # a missing override reason alone does not disable 受理: the reason is typed just above
        blocking = set(problems) - {vm.form.reason_problem()}
        self.reason = ui.field(t("intake.refuse_reason"), value=self.refuse_reason, multiline=True, width=640)
        parts += [
            ft.Row(
                [
                    ui.button(
                        t("intake.prev"),
                        lambda: self._goto("materials"),
                        primary=False,
                        icon=ft.Icons.ARROW_BACK,
                    ),
                    ft.Container(expand=True),
                    *(
                        [
                            ui.button(
                                t("intake.on_the_spot", name=t(f"spot.{spot.on_the_spot.name.lower()}")),
                                self.accept_on_the_spot,
                                ident="intake-on-the-spot",
                                icon=ft.Icons.TASK_ALT,
                                primary=False,
                                disabled=bool(blocking) or self.busy or vm.blocked(),
                            )
                        ]
                        if spot is not None and spot.on_the_spot is not None
                        else []
                    ),
                    ui.button(
                        accept_label,
                        self.accept,
                        ident="intake-accept",
                        icon=ft.Icons.CHECK_CIRCLE,
                        disabled=bool(blocking) or self.busy or vm.blocked(),
                    ),
                ]
            ),
            *([ui.note(t("intake.on_the_spot_note"))] if spot is not None else []),
            ft.Divider(),
            ft.Row(
                [
                    ui.button(
                        t("intake.notice"),
                        self.notice,
                        ident="intake-notice",
                        primary=False,
                        icon=ft.Icons.LIST_ALT,
                        disabled=not s["missing"] or self.busy or vm.from_notice is not None,
                    ),
                ]
            ),
            self.reason,
            ft.Row(
                [
                    ui.button(
                        t("intake.refuse"),
                        self.refuse,
                        ident="intake-refuse",
                        primary=False,
                        icon=ft.Icons.BLOCK,
                        disabled=self.busy,
                    )
                ]
            ),
        ]
        return ft.Column(parts, spacing=12, scroll=ft.ScrollMode.AUTO)

    async def _override_reason(self) -> None:
        """Kept as typed (no re-render, so the box keeps focus); 受理 checks it is there."""
        assert self.vm is not None
        self.vm.form.set_override_reason(self.override.value or "")
        await self._save(refresh=False)

    async def _jurisdiction(self) -> None:
        assert self.vm is not None
        own_area = str(self.station.settings().get("area", ""))
        try:
            self.vm.choose_jurisdiction(self.jurisdiction.value or "", station_area=own_area)
        except IntakeError as exc:
            self.errors = exc.problems
        await self._save()

    async def _toggle_collected(self) -> None:
        assert self.vm is not None
        self.vm.draft["collected"] = bool(self.collected.value)
        await self._save()

    async def _pickup(self) -> None:
        assert self.vm is not None
        self.vm.draft["pickup"] = self.pickup.value or PickupMethod.STATION_WINDOW.value
        await self._save(refresh=False)

    async def _decide(self, fn: Any, *args: Any) -> None:
        assert self.vm is not None
        self.busy, self.errors = True, []
        self.refresh()
        try:
            await asyncio.to_thread(fn, *args)
            await asyncio.to_thread(self.vm.render_document)
        except (IntakeError, DomainError) as exc:
            self.errors = exc.problems if isinstance(exc, IntakeError) else [str(exc)]
        except Exception as exc:  # storage errors (disk space …) carry a message for the worker
            self.errors = [str(exc)]
        self.busy = False
        self.refresh()

    async def accept(self) -> None:
        assert self.vm is not None
        await self._decide(self.vm.accept)

    async def accept_on_the_spot(self) -> None:
        assert self.vm is not None
        await self._decide(self.vm.accept_on_the_spot)

    async def notice(self) -> None:
        assert self.vm is not None
        await self._decide(self.vm.notice)

    async def refuse(self) -> None:
        self.refuse_reason = self.reason.value or ""
        assert self.vm is not None
        await self._decide(self.vm.refuse, self.refuse_reason)

    # -- outcome -------------------------------------------------------------------------------------------
    def _done(self) -> ft.Control:
        ui, vm = self.ui, self.vm
        assert vm is not None and vm.outcome is not None
        case = vm.outcome
        doc_name = document_name(case, vm.catalog)
        rows = [
            ft.Icon(ft.Icons.CHECK_CIRCLE, color=ft.Colors.GREEN_700, size=ui.size(56)),
            ui.title(t(f"intake.done_{vm.document_kind()}")),
            ft.Semantics(
                identifier=f"case-number-{case.number}",
                label=case.number,
                content=ft.Row(
                    [
                        ui.text(t("cases.number")),
                        ft.Text(
                            case.number,
                            size=ui.size(34),
                            weight=ft.FontWeight.BOLD,
                            selectable=True,
                            color=ft.Colors.PRIMARY,
                        ),
                    ]
                ),
            ),
        ]
        if case.promised_date and not case.decided_on_the_spot:  # done here: no date to promise
            rows.append(
                ui.text(
                    t("intake.promised", date=case.promised_date.isoformat())
                    + (t("intake.provisional") if case.promised_date_provisional else "")
                )
            )
        if case.prior_notice:  # accepted when the resident came back after a 一次性告知
            rows.append(ui.note(t("case.from_notice", number=case.prior_notice)))
        if vm.document_kind() == "notice":  # the intake waits under 待补齐 for the resident's return
            rows.append(ui.note(t("intake.notice_pending", number=f"GZ{case.number}")))
        rows += [
            ui.note(t("intake.saved_note")),
            ft.Row(
                [
                    ui.button(
                        t("intake.open_document", name=doc_name),
                        self.open_document,
                        ident="open-document",
                        icon=ft.Icons.PRINT,
                    ),
                    *(
                        [ui.button(t("intake.print_direct"), self.print_document, ident="print-document")]
                        if vm.printer.kind is PrinterKind.SYSTEM
                        else []
                    ),
                    ui.button(
                        t("intake.hand_over") if case.decided_on_the_spot else t("intake.open_case"),
                        lambda: self.go("case", case_id=case.id),
                        primary=case.decided_on_the_spot,
                        ident="intake-open-case",
                    ),
                    ui.button(t("intake.another"), lambda: self.go("intake"), primary=False),
                ],
                wrap=True,
            ),
        ]
        return ft.Column(rows, spacing=14)

    async def print_document(self) -> None:
        """The document on the system printer (CUPS / the Windows default printer), in the station's paper."""
        assert self.vm is not None and self.vm.outcome is not None
        pdf = self.vm.document_pdf
        if pdf is None:
            pdf = await asyncio.to_thread(self.vm.render_document)
        try:
            await asyncio.to_thread(print_document, self.vm.printer, pdf)
            self.shell.toast(t("intake.printed"))
        except PrintError as exc:
            self.errors = [str(exc)]
            self.refresh()

    async def open_document(self) -> None:
        assert self.vm is not None and self.vm.outcome is not None
        pdf = self.vm.document_pdf
        if pdf is None:
            pdf = await asyncio.to_thread(self.vm.render_document)
        await self.shell.open_document(pdf, f"{self.vm.document_kind()}-{self.vm.outcome.number}.pdf")

    # -- navigation within the flow ------------------------------------------------------------------------
    async def _goto(self, step: str) -> None:
        self.errors = []
        self.step = step
        await self._save()

    async def _save(self, refresh: bool = True) -> None:
        assert self.vm is not None
        self.vm.draft["step"] = self.step
        await asyncio.to_thread(self.vm.save)
        if refresh:
            self.refresh()

    async def discard(self) -> None:
        assert self.vm is not None
        await asyncio.to_thread(
            case_service(self).delete_draft, self.vm.draft["id"], actor=f"worker:{self.vm.worker_id}"
        )
        await self.go("intake")
