"""The store's background worker: compaction when dead records pass a threshold, and index checkpoints,
both off the UI's path.

Every status change of a case leaves its old version in the journal; a busy station fills the journal with
them. The worker wakes after commits (it is a commit listener, so a commit costs it one ``Event.set``),
waits for a quiet moment, and then:

* compacts (:meth:`StationStore.maybe_compact`) when more than ``threshold`` of a journal over
  ``min_bytes`` is dead — the compaction holds the store's mutex only to begin and to finish
  (:mod:`storage.compaction`), so workers keep accepting cases while it copies; ``prepare`` runs first (the
  station drops tombstones past their horizon there, :func:`storage.retention.drop_old_tombstones`);
* writes an index checkpoint (:meth:`StationStore.checkpoint`) when enough records follow the last one.

Use::

    worker = BackgroundCompactor(store, prepare=lambda: drop_old_tombstones(store))
    worker.start()
    ...
    worker.stop()

It never raises into the station: a failure is logged and retried at the next wake-up. A locked store is
skipped until unlocked again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from storage.compaction import CompactionAborted
from storage.store import StationStore

log = logging.getLogger("storage.compactor")

__all__ = ["BackgroundCompactor"]


class BackgroundCompactor:
    def __init__(
        self,
        store: StationStore,
        *,
        threshold: float = 0.6,
        min_bytes: int = 8 << 20,
        quiet_seconds: float = 2.0,
        poll_seconds: float = 600.0,
        prepare: Callable[[], Any] | None = None,
    ) -> None:
        self.store = store
        self.threshold, self.min_bytes = threshold, min_bytes
        self.quiet_seconds, self.poll_seconds = quiet_seconds, poll_seconds
        self.prepare = prepare
        self.compactions = 0
        self.checkpoints = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        store.on_commit(self._changed)

    def _changed(self, _changes: object) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="store-compactor", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop after the current step (a compaction in progress finishes or is aborted by the caller's
        ``store.lock()``/``close()``)."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_once(self) -> None:
        """One round: compact if needed, then checkpoint if due (what the thread does after each wake-up)."""
        store = self.store
        if store.closed or not store.is_unlocked:
            return
        if store.needs_compaction(threshold=self.threshold, min_bytes=self.min_bytes):
            if self.prepare is not None:
                self.prepare()
            try:
                if store.maybe_compact(threshold=self.threshold, min_bytes=self.min_bytes, actor="compactor"):
                    self.compactions += 1
            except CompactionAborted:
                return
        if store.checkpoint():
            self.checkpoints += 1

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            # let a burst of commits (a worker finishing a case) settle before reading the counters
            if self._stop.wait(self.quiet_seconds):
                return
            try:
                self.run_once()
            except Exception:  # logged and retried later: the station must keep working
                log.exception("background compaction or checkpoint failed")
