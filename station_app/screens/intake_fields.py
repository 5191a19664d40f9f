"""The catalog's form fields on the 受理 applicant step, and the eligibility warnings under them.

:class:`FormSection` builds one control per :class:`~casework.formfields.FormField` of the draft's form
(:class:`~station_app.viewmodels.intake_form.IntakeForm`): text boxes for text, date, ID number, phone and
address, large radio buttons for a choice, a name + ID number pair for a person. Every change re-checks
the field from its current value, so an error disappears the moment the value is right::

    section = FormSection(ui, vm.form, on_change=screen.live_check)
    rows += section.controls()
    section.collect()            # the typed values into the draft
    section.show(vm.form.live_problems())

Semantics ids: ``form-<key>`` (text), ``form-<key>-<n>`` (the n-th choice), ``eligibility-warning``.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from casework.formfields import FieldKind, FormField
from casework.messages import current_language
from casework.problems import Problem
from station_app.i18n import t
from station_app.screens.widgets import UI, Handler
from station_app.viewmodels.intake_form import IntakeForm

__all__ = ["FormSection"]

_KEYBOARD = {FieldKind.PHONE: ft.KeyboardType.PHONE, FieldKind.DATE: ft.KeyboardType.DATETIME}


class FormSection:
    """The controls of one draft's form fields; values go back with :meth:`collect`."""

    def __init__(self, ui: UI, form: IntakeForm, on_change: Handler) -> None:
        self.ui, self.form, self.on_change = ui, form, on_change
        self.texts: dict[str, ft.TextField] = {}
        self.people: dict[str, tuple[ft.TextField, ft.TextField]] = {}
        self.choices: dict[str, tuple[ft.RadioGroup, ft.Text]] = {}
        self.warnings = ft.Column(spacing=4)

    def controls(self) -> list[ft.Control]:
        fields = self.form.fields()
        if not fields:
            return []
        lang = current_language()
        out: list[ft.Control] = [self.ui.heading(t("intake.form_heading"))]
        row: list[ft.Control] = []
        for f in fields:
            label = f.label_in(lang) + ("" if f.required else f" ({t('intake.optional')})")
            control = self._control(f, label)
            row.append(control)
        out.append(ft.ResponsiveRow(row, spacing=10, run_spacing=12))
        self.show(self.form.live_problems())
        self.show_warnings()
        out.append(ft.Semantics(identifier="eligibility-warning", content=self.warnings))
        return out

    def _control(self, f: FormField, label: str) -> ft.Control:
        value = self.form.values.get(f.key)
        col: dict[str | ft.ResponsiveRowBreakpoint, int | float] = {"xs": 12, "md": 6}
        if f.kind is FieldKind.CHOICE:
            group = ft.RadioGroup(
                value=value if isinstance(value, str) and value else None,
                on_change=self.ui.wrap(self.on_change),
                content=ft.Row(
                    [
                        ft.Semantics(
                            identifier=f"form-{f.key}-{n}",
                            content=self.ui.radio(value=choice, label=choice),
                        )
                        for n, choice in enumerate(f.choices)
                    ],
                    wrap=True,
                ),
            )
            error = ft.Text("", color=ft.Colors.ERROR, size=self.ui.size(15), visible=False)
            self.choices[f.key] = (group, error)
            return ft.Column(
                [ft.Text(label, size=self.ui.size(16)), group, error], spacing=2, tight=True, col=col
            )
        if f.kind is FieldKind.PERSON:
            person = value if isinstance(value, dict) else {}
            name = self.ui.field(
                t("intake.person_name", label=label),
                value=str(person.get("name", "")),
                on_change=self.on_change,
            )
            number = self.ui.field(
                t("intake.person_id", label=label),
                value=str(person.get("id_number", "")),
                on_change=self.on_change,
            )
            self.people[f.key] = (name, number)
            return ft.Row(
                [ft.Container(name, expand=True), ft.Container(number, expand=True)], col={"xs": 12}
            )
        box = self.ui.field(
            label,
            value=value if isinstance(value, str) else "",
            on_change=self.on_change,
            hint=f.hint or (t("intake.date_hint") if f.kind is FieldKind.DATE else None),
            keyboard=_KEYBOARD.get(f.kind),
        )
        self.texts[f.key] = box
        if f.kind is FieldKind.ADDRESS:
            col = {"xs": 12}
        return ft.Semantics(identifier=f"form-{f.key}", content=box, col=col)

    def collect(self) -> None:
        """Write what is on screen into the draft's form values."""
        for key, box in self.texts.items():
            self.form.set(key, box.value or "")
        for key, (name, number) in self.people.items():
            self.form.set(key, {"name": name.value or "", "id_number": number.value or ""})
        for key, (group, _error) in self.choices.items():
            self.form.set(key, group.value or "")

    def show(self, problems: dict[str, Problem]) -> None:
        """Show each field's current problem (and clear the ones that are fixed)."""
        for key, box in self.texts.items():
            box.error = _text(problems.get(key))
        for key, (name, number) in self.people.items():
            p = problems.get(key)
            on_number = p is not None and p.code.startswith("identity.")
            name.error = None if on_number else _text(p)
            number.error = _text(p) if on_number else None
        for key, (_group, error) in self.choices.items():
            error.value = _text(problems.get(key)) or ""
            error.visible = bool(error.value)

    def show_warnings(self) -> None:
        warnings = self.form.eligibility_warnings()
        self.warnings.controls = [self.ui.warning(t("intake.eligibility_heading"))] if warnings else []
        self.warnings.controls += [self.ui.warning(w.text()) for w in warnings]


def _text(problem: Problem | None) -> Any:
    return None if problem is None else problem.text()
