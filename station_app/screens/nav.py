"""The desk frame: a navigation rail with the main sections, the signed-in worker and a lock button."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

import flet as ft

from station_app.i18n import t

if TYPE_CHECKING:
    from station_app.screens.shell import Shell

SECTIONS: list[tuple[str, str, ft.IconData]] = [
    ("home", "nav.home", ft.Icons.HOME_OUTLINED),
    ("guide", "nav.guide", ft.Icons.MENU_BOOK_OUTLINED),
    ("intake", "nav.intake", ft.Icons.ASSIGNMENT_ADD),
    ("cases", "nav.cases", ft.Icons.FOLDER_OPEN_OUTLINED),
    ("sync", "nav.sync", ft.Icons.SYNC),
    ("settings", "nav.settings", ft.Icons.SETTINGS_OUTLINED),
]
SECTION_OF = {
    "item": "guide",
    "case": "cases",
    "rate": "cases",
    "pending": "cases",
    "register": "cases",
    "workers": "settings",
}


def frame(shell: Shell, content: ft.Control) -> ft.Control:
    screen = shell.screen
    body = ft.Container(content=content, expand=True, padding=ft.Padding.all(24))
    if not getattr(screen, "chrome", True) or shell.session.worker is None:
        return ft.Container(content=content, expand=True, padding=ft.Padding.all(24))
    current = SECTION_OF.get(shell.route, shell.route)
    ui = shell.ui
    buttons: list[ft.Control] = []
    for route, key, icon in SECTIONS:
        selected = route == current

        def go(r: str = route) -> Awaitable[None]:
            return shell.go(r)

        tile = ft.Container(
            content=ft.Column(
                [ft.Icon(icon, size=ui.size(28)), ft.Text(t(key), size=ui.size(16))],
                horizontal_alignment=ft.CrossAxisAlignment.CENTER,
                spacing=2,
                tight=True,
            ),
            padding=ft.Padding.symmetric(vertical=10, horizontal=6),
            border_radius=12,
            width=96,
            bgcolor=ft.Colors.SECONDARY_CONTAINER if selected else None,
            on_click=ui.wrap(go),
            ink=True,
        )
        buttons.append(ft.Semantics(identifier=f"nav-{route}", button=True, label=t(key), content=tile))
    worker = shell.session.worker
    rail = ft.Container(
        content=ft.Column(
            [
                ft.Text(
                    shell.runtime.station.station_name(),
                    size=ui.size(15),
                    weight=ft.FontWeight.BOLD,
                    text_align=ft.TextAlign.CENTER,
                    width=96,
                ),
                ft.Divider(),
                *buttons,
                ft.Container(expand=True),
                ft.Text(
                    worker.name if worker else "", size=ui.size(15), text_align=ft.TextAlign.CENTER, width=96
                ),
                ui.button(
                    t("nav.lock"),
                    lambda: _lock(shell),
                    ident="nav-lock",
                    primary=False,
                    icon=ft.Icons.LOCK_OUTLINE,
                ),
            ],
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            spacing=6,
        ),
        padding=ft.Padding.symmetric(vertical=12, horizontal=8),
        width=124,
        bgcolor=ft.Colors.SURFACE_CONTAINER,
    )
    return ft.Row([rail, body], expand=True, spacing=0, vertical_alignment=ft.CrossAxisAlignment.STRETCH)


async def _lock(shell: Shell) -> None:
    shell.session.lock()
    await shell.go("unlock")
