"""Route name -> screen class. Screens are imported lazily so a kiosk session never loads desk code paths."""

from __future__ import annotations

import importlib
from typing import Any

ROUTES: dict[str, str] = {
    "setup": "station_app.screens.setup:SetupScreen",
    "unlock": "station_app.screens.unlock:UnlockScreen",
    "home": "station_app.screens.home:HomeScreen",
    "guide": "station_app.screens.guide:GuideScreen",
    "item": "station_app.screens.guide:ItemScreen",
    "intake": "station_app.screens.intake:IntakeScreen",
    "cases": "station_app.screens.cases:CasesScreen",
    "pending": "station_app.screens.pending:PendingScreen",
    "case": "station_app.screens.cases:CaseScreen",
    "rate": "station_app.screens.rating:RatingScreen",
    "register": "station_app.screens.register:RegisterScreen",
    "sync": "station_app.screens.sync_page:SyncScreen",
    "settings": "station_app.screens.settings:SettingsScreen",
    "workers": "station_app.screens.settings:WorkersScreen",
    "kiosk": "station_app.screens.kiosk:KioskHome",
    "kiosk_guide": "station_app.screens.kiosk:KioskGuide",
    "kiosk_search": "station_app.screens.kiosk:KioskSearch",
    "kiosk_item": "station_app.screens.kiosk:KioskItem",
    "kiosk_preapply": "station_app.screens.kiosk:KioskPreapply",
    "kiosk_progress": "station_app.screens.kiosk:KioskProgressScreen",
    "kiosk_rate": "station_app.screens.kiosk:KioskRate",
    "kiosk_exit": "station_app.screens.kiosk:KioskExit",
}


def build_screen(route: str, shell: Any, **params: Any) -> Any:
    module_name, cls_name = ROUTES[route].split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(shell, **params)
