"""The calendar the station counts working days with: the district's, once it has one.

``CalendarProvider(station).current()`` is the newest verified district calendar in the store (what the
last sync or USB answer bundle brought, its signature checked again against the district key pinned at
enrollment — :func:`sync.deadlines.stored_calendar`), else the built-in tables (``version`` 0). Intake, due
dates, 容缺 dates, the case list, the home tiles, the documents and the kiosk all ask it, so a district that
moves a 调休 day gets deadlines that agree with its own everywhere on the station.

Cheap to call on every screen: the parsed calendar is kept until the stored version changes (the working-day
arithmetic itself is memoised inside ``casework.workdays.WorkCalendar``). Blocking (one decrypt): call from a
thread like every store read.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from casework.workdays import WorkCalendar

__all__ = ["CalendarProvider"]


class _Station(Protocol):
    @property
    def unlocked_store(self) -> Any: ...


class CalendarProvider:
    def __init__(self, station: _Station) -> None:
        self.station = station
        self._lock = threading.Lock()
        self._cached: tuple[int, WorkCalendar] | None = None

    def version(self) -> int:
        """The version of the district calendar in the store (0: none yet)."""
        doc = self.station.unlocked_store.get("sync_state", "calendar")
        return int(doc["version"]) if doc else 0

    def current(self) -> WorkCalendar:
        version = self.version()
        with self._lock:
            if self._cached is not None and self._cached[0] == version:
                return self._cached[1]
        if version:
            # here, not at start-up: the district calendar's check loads the sync protocol (pydantic, ~0.7 s
            # of imports on the path to the unlock screen)
            from sync.deadlines import stored_calendar

            calendar = stored_calendar(self.station.unlocked_store)
        else:
            calendar = WorkCalendar()
        with self._lock:
            self._cached = (version, calendar)
        return calendar
