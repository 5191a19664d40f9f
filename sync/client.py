"""The thin httpx shell that runs the sans-I/O core: sign, send, retry, translate errors.

::

    client = SyncClient("http://center:8000", station_id, station_key)
    report = client.run(sync_flow(store, pinned_key=..., now_iso=utc_now_iso))

Every request except ``/healthz`` and enrollment is signed per ``docs/protocol.md`` (a fresh nonce per
attempt, so a retry of a request that did arrive is not refused as a replay). Transport errors and 5xx
answers are retried a few times with a short pause; all our requests are idempotent on the center
(batch replays return the same receipts, chunk uploads are offset-checked, acks are monotonic), so a
retry after a lost response is safe. Anything still failing leaves the shell as a
:class:`sync.errors.SyncError`; ``httpx`` exceptions never escape.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework import clock
from sync.engine_core import Request, Response
from sync.errors import CenterError, NetworkError
from sync.protocol import sign_request

__all__ = ["DEFAULT_TIMEOUT", "SyncClient"]

T = TypeVar("T")

# Weak 4G: connecting may take a while, a 1 MiB chunk at 1 Mbit/s takes ~8 s; stall detection is the read
# timeout (no byte for 30 s), not a total deadline.
DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
RETRY_PAUSES = (0.2, 1.0)


class SyncClient:
    """Runs request/response flows against one district center."""

    def __init__(
        self,
        base_url: str,
        station_id: str,
        key: Ed25519PrivateKey,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry_pauses: tuple[float, ...] = RETRY_PAUSES,
        clock: Callable[[], float] = clock.timestamp,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.station_id = station_id
        self._key = key
        self._clock = clock
        self._sleep = sleep
        self._retry_pauses = retry_pauses
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": "bianmin-station-sync/1"},
        )
        self.clock_offset = 0.0  # seconds to add to our clock when signing (learnt from the center)
        self.bytes_sent = 0
        self.bytes_received = 0
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ running flows

    def run(self, flow: Generator[Request, Response, T]) -> T:
        """Drive ``flow`` to its end and return its value; a :class:`SyncError` stops it (and closes it)."""
        try:
            request = next(flow)
            while True:
                response = self.send(request)
                request = flow.send(response)
        except StopIteration as stop:
            result: T = stop.value
            return result
        finally:
            flow.close()

    def send(self, request: Request) -> Response:
        """One request with retries on transport errors and 5xx; returns any other answer as is."""
        attempts = len(self._retry_pauses) + 1
        last: Exception | None = None
        for attempt in range(attempts):
            if attempt:
                self._sleep(self._retry_pauses[attempt - 1])
            try:
                response = self._send_once(request)
            except httpx.TransportError as exc:  # connect/read/write errors, timeouts, truncated bodies
                last = exc
                continue
            if _clock_skew(response) and self._adjust_clock(response):
                response = self._send_once(request)  # re-signed on the center's clock
            if response.status in (500, 502, 503, 504) or _nonce_reused(response):
                last = None
                final = response
                if attempt + 1 < attempts:
                    continue
                return final
            return response
        code = type(last).__name__ if last else "network"
        raise NetworkError("sync.client.connection_lost", wire_code=code) from last

    def _adjust_clock(self, response: Response) -> bool:
        """Follow the center's clock (its ``Date`` header) when ours is off by more than the skew window:
        community laptops often run minutes or hours wrong, and the signature only needs *its* time. Returns
        whether the offset changed (so one re-signed retry can help)."""
        date = {k.lower(): v for k, v in response.headers.items()}.get("date")
        if not date:
            return False
        try:
            center_now = parsedate_to_datetime(date).timestamp()
        except (TypeError, ValueError):
            return False
        offset = center_now - self._clock()
        if abs(offset - self.clock_offset) < 30:
            return False
        self.clock_offset = offset
        return True

    def _send_once(self, request: Request) -> Response:
        headers = dict(request.headers)
        if request.signed:
            headers.update(
                sign_request(
                    self._key,
                    self.station_id,
                    request.method,
                    request.path,
                    request.body,
                    now=self._clock() + self.clock_offset,
                )
            )
        self.requests += 1
        self.bytes_sent += (
            len(request.body) + len(request.path) + sum(len(k) + len(v) for k, v in headers.items())
        )
        resp = self._http.request(request.method, request.path, content=request.body, headers=headers)
        self.bytes_received += len(resp.content)
        return Response(resp.status_code, resp.content, dict(resp.headers))

    # ------------------------------------------------------------------ reachability

    def healthz(self, timeout: float = 5.0) -> bool:
        """``True`` when ``GET /healthz`` answers ``{"status": "ok"}`` (a real round trip)."""
        try:
            resp = self._http.get("/healthz", timeout=timeout)
            return resp.status_code == 200 and resp.json().get("status") == "ok"
        except (httpx.HTTPError, ValueError, AttributeError):
            return False


def _clock_skew(response: Response) -> bool:
    if response.status != 401:
        return False
    problem = response.problem()
    return problem is not None and problem.code == "clock_skew"


def _nonce_reused(response: Response) -> bool:
    """A duplicated copy of our request reached the center first: re-sign with a fresh nonce and retry."""
    if response.status != 401:
        return False
    problem = response.problem()
    return problem is not None and problem.code == "nonce_reused"


def unsigned_post(
    base_url: str,
    path: str,
    body: bytes,
    *,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
) -> Response:
    """An unsigned POST (enrollment); transport errors become :class:`NetworkError`."""
    try:
        with httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout) as http:
            resp = http.post(path, content=body, headers={"Content-Type": "application/json"})
    except httpx.TransportError as exc:
        raise NetworkError(
            "sync.client.unreachable",
            wire_code="network",
            action_code="sync.action.check_address_and_network",
        ) from exc
    except httpx.InvalidURL as exc:
        raise CenterError(
            "sync.client.bad_url",
            wire_code="bad_url",
            action_code="sync.action.check_url",
            example_url="http://10.0.0.1:8000",
        ) from exc
    return Response(resp.status_code, resp.content, dict(resp.headers))
