"""A fault-injecting HTTP/1.1 proxy on loopback (asyncio, in a background thread).

Each client connection carries one request (the proxy answers with ``Connection: close``), so a fault
hits exactly one request. While ``fault_rate > 0`` each request suffers, with that probability, one
fault drawn from :data:`FAULTS` by a seeded RNG:

``refuse``           close the connection before reading anything
``reset_request``    read part of the request, then reset the connection (RST)
``stall``            read the request and say nothing for ``stall_seconds`` (client must time out)
``status_500/502/503``  answer with that status without forwarding (the center never sees it)
``lost_response``    forward, let the center apply it, then reset instead of answering
``truncate_response``  forward, send the client only part of the answer
``gateway_after``    forward, then replace the answer by a 502 (applied, but the client sees an error)
``duplicate``        forward the request twice (the copy after the original), answer with the first

``heal()`` stops injecting. ``stats`` counts what was injected and how many request bytes went upstream.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
import threading
from collections import Counter

FAULTS = (
    "refuse",
    "reset_request",
    "stall",
    "status_500",
    "status_502",
    "status_503",
    "lost_response",
    "truncate_response",
    "gateway_after",
    "duplicate",
)


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FaultProxy:
    def __init__(
        self,
        upstream_port: int,
        *,
        seed: int = 0,
        fault_rate: float = 0.3,
        stall_seconds: float = 1.5,
        faults: tuple[str, ...] = FAULTS,
    ) -> None:
        self.upstream_port = upstream_port
        self.rng = random.Random(seed)
        self.fault_rate = fault_rate
        self.stall_seconds = stall_seconds
        self.faults = faults
        self.stats: Counter[str] = Counter()
        self.upstream_bytes = 0
        self.downstream_bytes = 0
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ control

    def start(self) -> FaultProxy:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(asyncio.start_server(self._handle, "127.0.0.1", 0), self._loop)
        self._server = fut.result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def heal(self) -> None:
        self.fault_rate = 0.0

    def reseed(self, seed: int, fault_rate: float) -> None:
        with self._lock:
            self.rng = random.Random(seed)
            self.fault_rate = fault_rate

    def close(self) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _pick(self) -> str | None:
        with self._lock:
            if self.fault_rate <= 0 or self.rng.random() >= self.fault_rate:
                return None
            return self.rng.choice(self.faults)

    # ------------------------------------------------------------------ proxying

    async def _read_request(self, reader: asyncio.StreamReader) -> bytes | None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            return None
        length = 0
        lines = head.split(b"\r\n")
        kept = [lines[0]]
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
            if name.strip().lower() == b"connection":
                continue
            if line:
                kept.append(line)
        kept.append(b"Connection: close")
        body = await reader.readexactly(length) if length else b""
        return b"\r\n".join(kept) + b"\r\n\r\n" + body

    async def _upstream(self, request: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            writer.write(request)
            await writer.drain()
            self.upstream_bytes += len(request)
            return await reader.read(-1)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        fault = self._pick()
        if fault:
            self.stats[fault] += 1
        try:
            if fault == "refuse":
                _reset(writer)
                return
            if fault == "reset_request":
                await reader.read(200)
                _reset(writer)
                return
            request = await self._read_request(reader)
            if request is None:
                writer.close()
                return
            if fault == "stall":
                await asyncio.sleep(self.stall_seconds)
                _reset(writer)
                return
            if fault and fault.startswith("status_"):
                code = fault.split("_")[1]
                body = b'{"status":' + code.encode() + b',"code":"proxy","detail":"proxy","title":"x"}'
                writer.write(
                    b"HTTP/1.1 " + code.encode() + b" Proxy\r\nContent-Type: application/"
                    b"problem+json\r\nConnection: close\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\n\r\n"
                    + body
                )
                await writer.drain()
                writer.close()
                return
            response = await self._upstream(request)
            if fault == "duplicate":
                await self._upstream(request)
            if fault == "lost_response":
                _reset(writer)
                return
            if fault == "truncate_response":
                writer.write(response[: max(1, len(response) * 2 // 3)])
                await writer.drain()
                _reset(writer)
                return
            if fault == "gateway_after":
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
            else:
                writer.write(response)
                self.downstream_bytes += len(response)
            await writer.drain()
            writer.close()
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            with contextlib.suppress(Exception):
                _reset(writer)
