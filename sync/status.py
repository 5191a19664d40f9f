"""Observable sync progress for the UI: :class:`SyncStatus` snapshots published by a :class:`StatusBoard`.

The sync runs on a worker thread; the UI only observes. ``board.subscribe(callback)`` calls ``callback``
with a fresh immutable :class:`SyncStatus` after every change — on the sync thread, so a Flet UI should
hand it to its own loop (``page.run_thread`` / ``page.update``) rather than touch controls from the
callback directly. ``board.current`` is always safe to read.

Example::

    board = StatusBoard()
    unsubscribe = board.subscribe(lambda s: print(s.step_label, s.cases_done, "/", s.cases_total))
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from casework import messages

__all__ = ["STEP_LABELS", "StatusBoard", "SyncStatus"]

#: step -> message code of its label (worded in the current language by :attr:`SyncStatus.step_label`)
STEP_LABELS = {
    step: f"sync.stage.{step}"
    for step in (
        "idle",
        "waiting",
        "connecting",
        "push",
        "push_search_log",
        "push_notices",
        "pull_catalog",
        "pull_calendar",
        "pull_feed",
        "done",
    )
}


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """One immutable snapshot of sync progress. Times are UTC ISO-8601 ``...Z`` strings."""

    running: bool = False
    step: str = "idle"
    cases_done: int = 0
    cases_total: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    rejected: int = 0  # cases the center refused, waiting for the worker to fix and resend
    last_success: str | None = None
    last_attempt: str | None = None
    last_error: str | None = None  # what happened, in the language of the moment it happened
    last_error_action: str | None = None  # what the worker should do, likewise
    next_attempt: str | None = None
    center_reachable: bool | None = None

    @property
    def step_label(self) -> str:
        return messages.text(STEP_LABELS[self.step]) if self.step in STEP_LABELS else self.step

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__} | {
            "step_label": self.step_label
        }


class StatusBoard:
    """Thread-safe holder of the current :class:`SyncStatus` with subscribe/unsubscribe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._status = SyncStatus()
        self._subscribers: list[Callable[[SyncStatus], None]] = []

    @property
    def current(self) -> SyncStatus:
        with self._lock:
            return self._status

    def subscribe(self, callback: Callable[[SyncStatus], None]) -> Callable[[], None]:
        """Call ``callback(status)`` after every change; returns a function that unsubscribes."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def update(self, **changes: Any) -> SyncStatus:
        with self._lock:
            self._status = replace(self._status, **changes)
            status, subscribers = self._status, list(self._subscribers)
        self._notify(status, subscribers)
        return status

    def add(self, *, cases: int = 0, bytes_: int = 0) -> None:
        with self._lock:
            s = self._status
            self._status = replace(s, cases_done=s.cases_done + cases, bytes_done=s.bytes_done + bytes_)
            status, subscribers = self._status, list(self._subscribers)
        self._notify(status, subscribers)

    @staticmethod
    def _notify(status: SyncStatus, subscribers: list[Callable[[SyncStatus], None]]) -> None:
        for callback in subscribers:
            with contextlib.suppress(Exception):  # a broken observer must never stop a sync
                callback(status)
