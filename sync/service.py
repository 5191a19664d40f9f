"""One sync, start to end, with its progress on a :class:`sync.status.StatusBoard`.

:class:`SyncService` joins the pieces: the station's :class:`sync.ports.SyncStore`, the station identity
(id, Ed25519 key, pinned district key, center URL) and the httpx shell. ``run_once()`` is what the
scheduler, ``station-app sync --once`` and the UI's "立即同步" all end up calling; it never raises for a
sync failure — it records it on the board (in Chinese, with the action to take) and re-raises only to its
caller when ``raise_errors=True``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from casework import clock, messages
from sync.client import DEFAULT_TIMEOUT, RETRY_PAUSES, SyncClient
from sync.engine_core import SyncConfig, SyncReport, sync_flow
from sync.errors import NetworkError, SyncError
from sync.ports import SyncStore
from sync.status import StatusBoard

__all__ = ["BoardProgress", "StationIdentity", "SyncService", "utc_now_iso"]

log = logging.getLogger("sync")


def utc_now_iso() -> str:
    return clock.iso_z(clock.now())


@dataclass(frozen=True, slots=True)
class StationIdentity:
    """Who this station is to its center (from enrollment)."""

    center_url: str
    station_id: str
    station_no: int
    key: Ed25519PrivateKey
    district_signing_key: Ed25519PublicKey
    district_code: str = ""


class BoardProgress:
    """Adapts the core's :class:`sync.engine_core.Progress` calls to a :class:`StatusBoard`."""

    def __init__(self, board: StatusBoard) -> None:
        self.board = board

    def step(self, name: str) -> None:
        self.board.update(step=name)

    def totals(self, *, cases: int = 0, bytes_: int = 0) -> None:
        s = self.board.current
        self.board.update(cases_total=s.cases_total + cases, bytes_total=s.bytes_total + bytes_)

    def advance(self, *, cases: int = 0, bytes_: int = 0) -> None:
        self.board.add(cases=cases, bytes_=bytes_)


class SyncService:
    """Runs one sync at a time against the enrolled center; thread-safe."""

    def __init__(
        self,
        store: SyncStore,
        identity: StationIdentity,
        *,
        board: StatusBoard | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        config: SyncConfig | None = None,
        retry_pauses: tuple[float, ...] | None = None,
        clock: Callable[[], str] | None = None,
    ) -> None:
        self.store = store
        self.identity = identity
        self.board = board or StatusBoard()
        self.config = config or SyncConfig()
        self._lock = threading.Lock()
        # times written and compared (expiry of signed documents) follow the center's clock once the client
        # has learnt how far ours is off; a station whose clock runs years ahead still accepts its catalog
        self._clock = clock or self._center_now_iso
        self.client = SyncClient(
            identity.center_url,
            identity.station_id,
            identity.key,
            transport=transport,
            timeout=timeout,
            retry_pauses=RETRY_PAUSES if retry_pauses is None else retry_pauses,
        )

    def _center_now_iso(self) -> str:
        now = clock.timestamp() + self.client.clock_offset
        return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def close(self) -> None:
        self.client.close()

    @property
    def running(self) -> bool:
        return self._lock.locked()

    def probe(self) -> bool:
        """Is the center reachable right now (a real ``/healthz`` round trip)?"""
        ok = self.client.healthz()
        self.board.update(center_reachable=ok)
        return ok

    def run_once(
        self, *, raise_errors: bool = False, on_start: Callable[[], None] | None = None
    ) -> SyncReport | None:
        """Run one full sync (waits for a running one to finish first). Returns its report, or ``None``
        after a failure, which is then on the board as ``last_error`` / ``last_error_action``."""
        with self._lock:
            if on_start is not None:
                on_start()
            started = self._clock()
            self.board.update(
                running=True,
                step="connecting",
                cases_done=0,
                cases_total=0,
                bytes_done=0,
                bytes_total=0,
                last_attempt=started,
            )
            try:
                report = self.client.run(
                    sync_flow(
                        self.store,
                        pinned_key=self.identity.district_signing_key,
                        now_iso=self._clock,
                        progress=BoardProgress(self.board),
                        config=self.config,
                    )
                )
            except SyncError as exc:
                self.board.update(
                    running=False,
                    step="idle",
                    last_error=exc.message,
                    last_error_action=exc.action,
                    center_reachable=not isinstance(exc, NetworkError),
                )
                if raise_errors:
                    raise
                return None
            except Exception as exc:  # a local failure (disk full, a bug): never leave the board "running"
                # type name only: messages of lower layers may quote case data
                log.error("sync failed locally: %s", type(exc).__name__)
                text = (
                    str(exc)
                    if getattr(exc, "detail", None) is not None
                    else messages.text("sync.local_failure")
                )
                self.board.update(
                    running=False,
                    step="idle",
                    last_error=text,
                    last_error_action=messages.text("sync.action.local_failure"),
                )
                if raise_errors:
                    raise
                return None
            warning = report.warnings[0] if report.warnings else None
            self.board.update(
                running=False,
                step="done",
                last_success=self._clock(),
                last_error=warning,
                last_error_action=None,
                center_reachable=True,
                rejected=self.store.rejected_count(),
            )
            return report
