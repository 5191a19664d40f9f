"""Background sync scheduling with APScheduler 3.x (``BackgroundScheduler``: its own threads, never the
UI event loop).

::

    scheduler = SyncScheduler(service)          # service: sync.service.SyncService
    scheduler.start()
    scheduler.sync_now()                        # "立即同步": runs at once, even during a backoff wait
    service.board.subscribe(on_status)          # the UI observes; it never drives the sync itself
    ...
    scheduler.shutdown()

Policy (one ``tick`` job every ``probe_interval`` seconds, ``max_instances=1``):

* a sync is due every ``interval`` seconds after the last success;
* after a failure the next attempt waits ``uniform(0, min(cap, base * 2**failures))`` seconds ("full
  jitter", so a district's stations do not all retry in the same second after an outage);
* while the center is unreachable each tick probes ``GET /healthz`` (a real round trip; the OS "online"
  flag says nothing about a captive 4G hotspot) and syncs **at once** when it answers again;
* only one sync runs at a time (the service's lock); ``sync_now`` while one runs queues exactly one more
  (presses before that one starts share it).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from casework import clock
from sync.engine_core import SyncReport
from sync.service import SyncService

__all__ = ["BackoffPolicy", "SyncScheduler"]

DEFAULT_INTERVAL = 300.0  # five minutes
DEFAULT_PROBE_INTERVAL = 20.0


class BackoffPolicy:
    """Exponential backoff with full jitter and a cap (seconds)."""

    def __init__(self, base: float = 10.0, cap: float = 900.0, rng: random.Random | None = None) -> None:
        self.base = base
        self.cap = cap
        self.rng = rng or random.Random()

    def delay(self, failures: int) -> float:
        if failures <= 0:
            return 0.0
        return self.rng.uniform(0.0, min(self.cap, self.base * 2 ** min(failures, 30)))


class SyncScheduler:
    """Runs :meth:`SyncService.run_once` periodically, on reconnection and on demand."""

    def __init__(
        self,
        service: SyncService,
        *,
        interval: float = DEFAULT_INTERVAL,
        probe_interval: float = DEFAULT_PROBE_INTERVAL,
        backoff: BackoffPolicy | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.interval = interval
        self.probe_interval = probe_interval
        self.backoff = backoff or BackoffPolicy()
        self._clock = clock
        self._state_lock = threading.Lock()
        self._failures = 0
        self._next_due = clock()  # sync as soon as the scheduler starts
        self._unreachable = False
        self._pending: list[Future[SyncReport | None]] = []
        self._scheduler = BackgroundScheduler(
            timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1}
        )

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self._scheduler.add_job(
            self._tick,
            "interval",
            seconds=self.probe_interval,
            id="sync-tick",
            next_run_time=clock.now(),
        )
        self._scheduler.start()

    def shutdown(self, wait: bool = True) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)

    @property
    def failures(self) -> int:
        return self._failures

    # ------------------------------------------------------------------ intents

    def sync_now(self) -> Future[SyncReport | None]:
        """Start a sync at once (also during a backoff wait); the future resolves with its report, or
        ``None`` if it failed (the reason is on the status board)."""
        future: Future[SyncReport | None] = Future()
        with self._state_lock:
            queued = bool(self._pending)  # a run that has not started yet will answer this press too
            self._pending.append(future)
        if queued:
            return future
        # max_instances=2: one may run while the next waits on the service lock; a request made during a
        # run is answered by the run that starts after it (see _run), never by the running one.
        self._scheduler.add_job(
            self._run, "date", id=f"sync-now-{id(future)}", max_instances=2, misfire_grace_time=None
        )
        return future

    # ------------------------------------------------------------------ jobs

    def _tick(self) -> None:
        now = self._clock()
        with self._state_lock:
            due = now >= self._next_due
            unreachable = self._unreachable
        if unreachable:
            if not self.service.probe():
                self._set_next(now)
                return
            due = True  # the center is back: do not wait out the backoff
        if due and not self.service.running:
            self._run()

    def _run(self) -> SyncReport | None:
        taken: list[Future[SyncReport | None]] = []

        def take_pending() -> None:  # called once this run holds the service lock
            with self._state_lock:
                taken.extend(self._pending)
                self._pending.clear()

        report = self.service.run_once(on_start=take_pending)
        for future in taken:
            future.set_result(report)
        now = self._clock()
        with self._state_lock:
            if report is not None:
                self._failures = 0
                self._unreachable = False
                self._next_due = now + self.interval
            else:
                self._failures += 1
                self._unreachable = self.service.board.current.center_reachable is False
                self._next_due = now + self.backoff.delay(self._failures)
        self._set_next(now)
        return report

    def _set_next(self, now: float) -> None:
        with self._state_lock:
            wait = max(0.0, self._next_due - now)
        at = clock.now() + timedelta(seconds=wait)
        self.service.board.update(next_attempt=at.strftime("%Y-%m-%dT%H:%M:%SZ"))
