"""Structured logs: one JSON object per line on stderr.

Log what happened, never who it happened to: request lines carry the route template
(``/api/v1/cases/{case_id}``, not the ids), status, duration and station number; no bodies, names, ID numbers
or phone numbers.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info and record.exc_info[0] is not None:
            out["error"] = record.exc_info[0].__name__
            out["trace"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).disabled = True


class RequestLogMiddleware:
    """One ``request`` log line per HTTP request: method, route template, status, milliseconds until the
    response started, and the station that signed it (``request.state.station_id``, set by the station
    authentication). A pure ASGI middleware: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware``)
    runs every request through a task group and memory streams, which costs more than the logging."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = logging.getLogger("district_center.http")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state = scope.setdefault("state", {})  # the dict behind request.state further in
        status = 500
        took: float | None = None

        async def send_noting_status(message: Message) -> None:
            nonlocal status, took
            if message["type"] == "http.response.start":
                status, took = message["status"], time.perf_counter() - start
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            route = scope.get("route")
            elapsed = took if took is not None else time.perf_counter() - start
            self.log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "route": getattr(route, "path", "(unmatched)"),
                    "status": status,
                    "ms": round(elapsed * 1000, 1),
                    "station": state.get("station_id") if isinstance(state, dict) else None,
                },
            )


def install_request_logging(app: FastAPI) -> None:
    app.add_middleware(RequestLogMiddleware)
