"""A minimal signing station client for tests and benchmarks (the real one is ``sync.client``).

key = Ed25519PrivateKey.generate()
station = enroll_station(base_url, code, key)            # -> StationIdentity
with station_http(base_url, station) as http:
    http.post("/api/v1/cases/batch", content=canonical_json(batch))
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework import clock
from sync.protocol import EnrollRequest, EnrollResponse, canonical_json, public_key_b64, sign_request


@dataclass
class StationIdentity:
    station_id: str
    station_no: int
    key: Ed25519PrivateKey
    enrollment: EnrollResponse


class StationAuth(httpx.Auth):
    """Signs every request over the exact bytes and request target httpx puts on the wire."""

    requires_request_body = True

    def __init__(
        self, station_id: str, key: Ed25519PrivateKey, clock: Callable[[], float] = clock.timestamp
    ) -> None:
        self.station_id = station_id
        self.key = key
        self.clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        target = request.url.raw_path.decode("ascii")
        request.headers.update(
            sign_request(self.key, self.station_id, request.method, target, request.content, now=self.clock())
        )
        yield request


def enroll_station(
    base_url: str, code: str, key: Ed25519PrivateKey | None = None, name: str = "测试便民服务站"
) -> StationIdentity:
    key = key or Ed25519PrivateKey.generate()
    body = EnrollRequest(code, public_key_b64(key), name, "test").to_dict()
    resp = httpx.post(
        base_url + "/api/v1/enroll",
        content=canonical_json(body),
        headers={"content-type": "application/json"},
    )
    resp.raise_for_status()
    info = EnrollResponse.from_dict(resp.json())
    return StationIdentity(info.station_id, info.station_no, key, info)


def station_http(base_url: str, station: StationIdentity, **kwargs: Any) -> httpx.Client:
    kwargs.setdefault("timeout", 60)
    return httpx.Client(base_url=base_url, auth=StationAuth(station.station_id, station.key), **kwargs)
