"""Small building blocks every screen uses: large, legible text (适老化) and buttons
with stable semantics ids.

Sizes are multiplied by the station's font scale (settings), so one switch makes every screen larger; body
text is 18 dp at 100 %, every style's line height is ``LINE_HEIGHT`` (the theme's, and the button and label
styles here, which replace the theme's).
Every clickable control is built here so it can report activity to the idle lock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import flet as ft

from station_app.config import FONT_FAMILY, LINE_HEIGHT

Handler = Callable[[], Awaitable[None] | None]


class UI:
    """Factory bound to one browser session: font scale and the activity hook for the idle timer."""

    def __init__(self, scale: float = 1.0, on_activity: Callable[[], None] | None = None) -> None:
        self.scale = scale
        #: the kiosk's 适老化 minimum touch target (dp) for buttons and boxes; None at the desk
        self.min_target: float | None = None
        self._on_activity = on_activity or (lambda: None)

    def size(self, base: float) -> float:
        return round(base * self.scale, 1)

    def wrap(self, fn: Handler) -> Callable[[Any], Awaitable[None]]:
        """An event handler that records activity, then runs ``fn`` (sync or async)."""

        async def handler(_e: Any = None) -> None:
            self._on_activity()
            result = fn()
            if result is not None:
                await result

        return handler

    def title(self, text: str) -> ft.Text:
        return ft.Text(text, size=self.size(28), weight=ft.FontWeight.BOLD)

    def heading(self, text: str) -> ft.Text:
        return ft.Text(text, size=self.size(22), weight=ft.FontWeight.W_600)

    def text(
        self, text: str, *, muted: bool = False, color: str | None = None, selectable: bool = False
    ) -> ft.Text:
        return ft.Text(
            text,
            size=self.size(18),
            color=color or (ft.Colors.ON_SURFACE_VARIANT if muted else None),
            selectable=selectable,
        )

    def small(self, text: str) -> ft.Text:
        return ft.Text(text, size=self.size(15), color=ft.Colors.ON_SURFACE_VARIANT)

    def button(
        self,
        label: str,
        on_click: Handler,
        *,
        ident: str | None = None,
        primary: bool = True,
        icon: ft.IconData | None = None,
        disabled: bool = False,
        danger: bool = False,
    ) -> ft.Control:
        style = ft.ButtonStyle(
            padding=ft.Padding.symmetric(horizontal=self.size(22), vertical=self.size(14)),
            text_style=ft.TextStyle(size=self.size(18), font_family=FONT_FAMILY, height=LINE_HEIGHT),
            bgcolor=ft.Colors.ERROR if danger else None,
            color=ft.Colors.ON_ERROR if danger else None,
        )
        cls = ft.FilledButton if primary else ft.OutlinedButton
        btn = cls(content=label, icon=icon, on_click=self.wrap(on_click), style=style, disabled=disabled)
        if self.min_target:  # a line of text and its padding, never below the target
            btn.height = max(self.min_target, self.size(50))
        return ft.Semantics(identifier=ident, content=btn) if ident else btn

    def radio(self, *, value: str, label: str, disabled: bool = False) -> ft.Radio:
        """A choice whose label is as large as the text around it (Flutter's default label is 14 dp)."""
        return ft.Radio(
            value=value,
            label=label,
            disabled=disabled,
            label_style=self._label_style(),
        )

    def checkbox(self, label: str, *, value: bool = False) -> ft.Checkbox:
        """A tick box whose label is as large as the text around it (Flutter's default label is 14 dp)."""
        return ft.Checkbox(label=label, value=value, label_style=self._label_style())

    def _label_style(self) -> ft.TextStyle:
        return ft.TextStyle(size=self.size(17), font_family=FONT_FAMILY, height=LINE_HEIGHT)

    def field(
        self,
        label: str,
        *,
        value: str = "",
        password: bool = False,
        on_change: Handler | None = None,
        on_submit: Handler | None = None,
        hint: str | None = None,
        width: float | None = None,
        multiline: bool = False,
        autofocus: bool = False,
        keyboard: ft.KeyboardType | None = None,
        expand: bool = False,
    ) -> ft.TextField:
        return ft.TextField(
            label=label,
            value=value,
            password=password,
            can_reveal_password=password,
            on_change=self.wrap(on_change) if on_change else None,
            on_submit=self.wrap(on_submit) if on_submit else None,
            hint_text=hint,
            width=width,
            multiline=multiline,
            min_lines=3 if multiline else None,
            text_size=self.size(18),
            label_style=ft.TextStyle(size=self.size(16), font_family=FONT_FAMILY, height=LINE_HEIGHT),
            # a box's message is read by the person who typed: as large as a label (Flutter's is 12 dp)
            error_style=ft.TextStyle(size=self.size(16), font_family=FONT_FAMILY, height=LINE_HEIGHT),
            autofocus=autofocus,
            keyboard_type=keyboard or ft.KeyboardType.TEXT,
            expand=width is None and expand,
        )

    def card(
        self,
        *controls: ft.Control,
        ident: str | None = None,
        on_click: Handler | None = None,
        width: float | None = None,
        bgcolor: str | None = None,
    ) -> ft.Control:
        box = ft.Container(
            content=ft.Column(list(controls), spacing=8, tight=True),
            padding=16,
            border_radius=12,
            width=width,
            bgcolor=bgcolor or ft.Colors.SURFACE_CONTAINER_LOW,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
            on_click=self.wrap(on_click) if on_click else None,
            ink=on_click is not None,
        )
        return ft.Semantics(identifier=ident, content=box, button=on_click is not None) if ident else box

    def facts(
        self,
        rows: list[tuple[str, str]],
        *,
        label_width: float = 120,
        label_size: float = 16,
        value_size: float = 17,
        bold: bool = False,
    ) -> ft.Control:
        """A card of label/value rows (a case's facts, a kiosk answer); values can be selected and copied."""
        return self.card(
            *[
                ft.Row(
                    [
                        ft.Text(
                            label,
                            width=self.size(label_width),
                            size=self.size(label_size),
                            color=ft.Colors.ON_SURFACE_VARIANT,
                        ),
                        ft.Text(
                            value,
                            size=self.size(value_size),
                            weight=ft.FontWeight.W_600 if bold else None,
                            expand=True,
                            selectable=True,
                        ),
                    ]
                )
                for label, value in rows
            ]
        )

    def error(self, text: str) -> ft.Control:
        return ft.Container(
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ERROR),
                    ft.Text(text, size=self.size(17), color=ft.Colors.ERROR, expand=True),
                ]
            ),
            padding=10,
            border_radius=8,
            bgcolor=ft.Colors.ERROR_CONTAINER,
        )

    def warning(self, text: str) -> ft.Control:
        """Something the worker must weigh before going on (a 申请条件 not met), not an error."""
        return ft.Container(
            content=ft.Row(
                [
                    ft.Icon(ft.Icons.WARNING_AMBER, color=ft.Colors.BROWN_800),
                    ft.Text(text, size=self.size(17), color=ft.Colors.BLACK, expand=True),
                ]
            ),
            padding=10,
            border_radius=8,
            bgcolor=ft.Colors.AMBER_100,
        )

    def note(self, text: str) -> ft.Control:
        return ft.Container(
            content=ft.Row([ft.Icon(ft.Icons.INFO_OUTLINE), ft.Text(text, size=self.size(17), expand=True)]),
            padding=10,
            border_radius=8,
            bgcolor=ft.Colors.SECONDARY_CONTAINER,
        )
