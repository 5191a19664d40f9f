"""The Flet entry point: one station process serves every browser (worker desk, kiosk tablet).

``serve(runtime)`` runs the web server; each browser session gets a :class:`~station_app.screens.shell.Shell`
that owns that session's screens, idle lock and view-models. Shared state (the store, catalog, sync) lives in
the :class:`~station_app.services.runtime.StationRuntime` built once per process.
"""

from __future__ import annotations

import logging
import os

import flet as ft

from station_app.config import FONT_ASSET, FONT_FAMILY
from station_app.services.runtime import StationRuntime

log = logging.getLogger(__name__)


def make_main(runtime: StationRuntime):  # type: ignore[no-untyped-def]
    async def main(page: ft.Page) -> None:
        from station_app.screens.shell import Shell

        page.title = "便民服务站"
        page.fonts = {FONT_FAMILY: FONT_ASSET}
        page.theme = ft.Theme(font_family=FONT_FAMILY, color_scheme_seed=ft.Colors.INDIGO)
        page.theme_mode = ft.ThemeMode.LIGHT
        page.locale_configuration = ft.LocaleConfiguration(
            supported_locales=[ft.Locale("zh", "CN"), ft.Locale("en", "US")],
            current_locale=ft.Locale("zh", "CN"),
        )
        page.padding = 0
        shell = Shell(page, runtime)
        await shell.start()

    return main


def serve(runtime: StationRuntime) -> None:
    cfg = runtime.config
    runtime.prepare_web_dir()
    view = ft.AppView.FLET_APP if cfg.desktop else ft.AppView.WEB_BROWSER
    if not cfg.open_browser:
        # Flet prints "<prefix> <url>" instead of opening a browser when this is set.
        os.environ.setdefault("FLET_DISPLAY_URL_PREFIX", "station-app URL:")
    print(f"station-app: serving {cfg.url} (data: {cfg.data_dir})", flush=True)
    ft.run(
        make_main(runtime),
        view=view,
        host=cfg.host,
        port=cfg.port,
        assets_dir=str(cfg.web_dir),
        upload_dir=str(runtime.upload_dir),
        no_cdn=True,
    )
