"""The desk frame: the main sections, the signed-in worker and a lock button.

Wide and tall enough (a desk laptop at the usual font size): a navigation rail on the left. Narrow (a
portrait tablet, a small window) or short for the font size (150 % on a 768-pixel-high laptop screen): the
same sections as a bar along the bottom, so nothing runs off the screen and every section stays one tap away.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

import flet as ft

from station_app.config import NARROW_WIDTH
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
#: the height (dp, at 100 % font size) the rail needs for its sections, the names and the lock button
RAIL_HEIGHT = 680


def uses_bottom_bar(width: float | None, height: float | None, scale: float) -> bool:
    """Whether the sections go along the bottom: the page is narrow, or too short for the rail at this
    font size. An unknown size (not reported yet) counts as a desk screen."""
    if width and width < NARROW_WIDTH:
        return True
    return bool(height and height < RAIL_HEIGHT * scale)


def frame(shell: Shell, content: ft.Control) -> ft.Control:
    screen = shell.screen
    if not getattr(screen, "chrome", True) or shell.session.worker is None:
        return ft.Container(content=content, expand=True, padding=ft.Padding.all(24))
    width, height = shell.viewport
    if uses_bottom_bar(width, height, shell.ui.scale):
        return _with_bottom_bar(shell, content)
    return _with_rail(shell, content)


def _tile(shell: Shell, route: str, label: str, icon: ft.IconData, *, width: float | None) -> ft.Control:
    ui = shell.ui
    current = SECTION_OF.get(shell.route, shell.route)

    def go(r: str = route) -> Awaitable[None]:
        return shell.go(r)

    tile = ft.Container(
        content=ft.Column(
            [
                ft.Icon(icon, size=ui.size(28)),
                ft.Text(label, size=ui.size(16), text_align=ft.TextAlign.CENTER),
            ],
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            spacing=2,
            tight=True,
        ),
        padding=ft.Padding.symmetric(vertical=10, horizontal=6),
        border_radius=12,
        width=width,
        bgcolor=ft.Colors.SECONDARY_CONTAINER if route == current else None,
        on_click=ui.wrap(go),
        ink=True,
    )
    return ft.Semantics(identifier=f"nav-{route}", button=True, label=label, content=tile)


def _with_rail(shell: Shell, content: ft.Control) -> ft.Control:
    ui = shell.ui
    body = ft.Container(content=content, expand=True, padding=ft.Padding.all(24))
    buttons = [_tile(shell, route, t(key), icon, width=96) for route, key, icon in SECTIONS]
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


def _with_bottom_bar(shell: Shell, content: ft.Control) -> ft.Control:
    """Station and worker in one line on top, the screen, the sections and 锁屏 along the bottom."""
    ui = shell.ui
    worker = shell.session.worker
    top = ft.Container(
        content=ft.Text(
            f"{shell.runtime.station.station_name()} · {worker.name if worker else ''}",
            size=ui.size(15),
            weight=ft.FontWeight.BOLD,
            max_lines=1,
            overflow=ft.TextOverflow.ELLIPSIS,
        ),
        padding=ft.Padding.symmetric(vertical=6, horizontal=16),
        bgcolor=ft.Colors.SURFACE_CONTAINER,
    )
    body = ft.Container(
        content=content, expand=True, padding=ft.Padding.symmetric(vertical=16, horizontal=16)
    )
    tiles: list[ft.Control] = [
        ft.Container(_tile(shell, route, t(key), icon, width=None), expand=True)
        for route, key, icon in SECTIONS
    ]
    lock = ft.Container(
        content=ft.Column(
            [ft.Icon(ft.Icons.LOCK_OUTLINE, size=ui.size(28)), ft.Text(t("nav.lock"), size=ui.size(16))],
            horizontal_alignment=ft.CrossAxisAlignment.CENTER,
            spacing=2,
            tight=True,
        ),
        padding=ft.Padding.symmetric(vertical=10, horizontal=6),
        border_radius=12,
        on_click=ui.wrap(lambda: _lock(shell)),
        ink=True,
    )
    tiles.append(
        ft.Container(
            ft.Semantics(identifier="nav-lock", button=True, label=t("nav.lock"), content=lock), expand=True
        )
    )
    bar = ft.Container(
        content=ft.Row(tiles, spacing=2, vertical_alignment=ft.CrossAxisAlignment.START),
        padding=ft.Padding.symmetric(vertical=4, horizontal=4),
        bgcolor=ft.Colors.SURFACE_CONTAINER,
    )
    return ft.Column(
        [top, body, bar], expand=True, spacing=0, horizontal_alignment=ft.CrossAxisAlignment.STRETCH
    )


async def _lock(shell: Shell) -> None:
    shell.session.lock()
    await shell.go("unlock")
