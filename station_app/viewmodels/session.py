"""Per-browser-session state: who is signed in, kiosk or desk, and what the idle timer should do.

Pure Python: the shell asks it where to go and what inactivity means; tests drive it with plain numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from station_app.config import DEFAULT_IDLE_LOCK_SECONDS, DEFAULT_KIOSK_RESET_SECONDS
from station_app.services.workers import Worker

__all__ = ["ADMIN_ROUTES", "KIOSK_ROUTES", "PUBLIC_ROUTES", "NotSignedIn", "SessionState", "Worker"]

# Screens a kiosk (自助办) session may show; everything else needs a worker.
KIOSK_ROUTES = frozenset(
    {
        "kiosk",
        "kiosk_guide",
        "kiosk_search",
        "kiosk_item",
        "kiosk_preapply",
        "kiosk_progress",
        "kiosk_rate",
        "kiosk_exit",
    }
)
PUBLIC_ROUTES = frozenset({"setup", "unlock"})
ADMIN_ROUTES = frozenset({"workers"})


class SettingsSource(Protocol):
    def is_set_up(self) -> bool: ...
    def idle_lock_seconds(self) -> int: ...


class NotSignedIn(Exception):
    """A screen that needs a signed-in worker ran after the session was locked."""


@dataclass
class SessionState:
    station: SettingsSource
    worker: Worker | None = None
    kiosk: bool = False
    kiosk_reset_seconds: int = DEFAULT_KIOSK_RESET_SECONDS
    scratch: dict[str, Any] = field(default_factory=dict)  # screen input that must be wiped on lock/reset
    #: the kiosk's 大字 switch: one resident's choice, so inactivity puts it back to 标准 with the input
    kiosk_large_text: bool = False

    def start_route(self) -> str:
        if not self.station.is_set_up():
            return "setup"
        if self.kiosk:
            return "kiosk"
        return "home" if self.worker else "unlock"

    def guard(self, route: str) -> str:
        """Where a request for ``route`` actually lands, given who is signed in."""
        if not self.station.is_set_up():
            return "setup"
        if route in PUBLIC_ROUTES:
            return route if route == "unlock" or not self.station.is_set_up() else "unlock"
        if self.kiosk:
            return route if route in KIOSK_ROUTES else "kiosk"
        if self.worker is None:
            return "unlock"
        if route in ADMIN_ROUTES and not self.worker.is_admin:
            return "home"
        return route

    @property
    def me(self) -> Worker:
        """The signed-in worker. Screens behind the unlock screen use this; raises :class:`NotSignedIn`
        (the shell sends the browser back to the unlock screen) when the session was locked meanwhile."""
        if self.worker is None:
            raise NotSignedIn()
        return self.worker

    def sign_in(self, worker: Worker) -> None:
        self.worker = worker
        self.kiosk = False

    def lock(self) -> None:
        """Idle lock / sign out: forget the worker and everything typed on screen."""
        self.worker = None
        self.scratch.clear()

    def enter_kiosk(self) -> None:
        """Switch this browser into 自助办 mode; the worker is signed out so no case data is reachable."""
        self.worker = None
        self.kiosk = True
        self.scratch.clear()
        self.kiosk_large_text = False

    def leave_kiosk(self, worker: Worker) -> None:
        self.kiosk = False
        self.worker = worker
        self.scratch.clear()
        self.kiosk_large_text = False

    def set_kiosk_large_text(self, on: bool) -> None:
        """The resident chose 大字 or 标准; a non-standard choice is wiped by the idle reset like input."""
        self.kiosk_large_text = on
        if on:
            self.scratch["dirty"] = True

    def kiosk_reset(self) -> None:
        self.scratch.clear()
        self.kiosk_large_text = False

    def idle_action(self, idle_seconds: float) -> Literal["lock", "kiosk_reset"] | None:
        if self.kiosk:
            return (
                "kiosk_reset"
                if idle_seconds >= self.kiosk_reset_seconds and self.scratch.get("dirty")
                else None
            )
        if self.worker is not None:
            limit = self.station.idle_lock_seconds() or DEFAULT_IDLE_LOCK_SECONDS
            if idle_seconds >= limit:
                return "lock"
        return None
