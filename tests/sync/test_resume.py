"""A resumed upload of a 20 MB scan cut at 15 MB sends at most one chunk (1 MiB) again."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx

from sync.engine_core import CHUNK_SIZE
from tests.sync.harness import CenterHandle, create_station_store, station_for

SIZE = 20_000_000
CUT_AT = 15_000_000


class Cut(httpx.BaseTransport):
    """Real transport; the upload that would carry byte ``CUT_AT`` dies mid-body (never reaches the center)
    while ``cut`` is set. Records every PUT (offset, length) and every GET of an attachment."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.cut = True
        self.puts: list[tuple[int, int]] = []
        self.probes = 0
        self.wire_bytes = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/attachments/" in request.url.path:
            if request.method == "GET":
                self.probes += 1
            else:
                offset, body = int(request.url.params["offset"]), request.read()
                self.puts.append((offset, len(body)))
                if self.cut and offset <= CUT_AT < offset + len(body):
                    self.wire_bytes += CUT_AT - offset  # what left the station before the link died
                    raise httpx.WriteError("connection reset by peer")
                self.wire_bytes += len(body)
        return self.inner.handle_request(request)


def test_resume_after_cut_sends_at_most_one_chunk_again(center: CenterHandle, tmp_path: Path) -> None:
    transport = Cut()
    store = create_station_store(tmp_path / "st")
    from sync.enrollment import enroll_station

    enroll_station(store, center.url, center.new_code(), station_name="测试站")
    station = station_for(center, store, tmp_path / "st", transport=transport, retry_pauses=())
    try:
        case = station.accept(scans=1, size=SIZE)
        sha = case.materials[0].attachments[0]
        assert station.service.run_once() is None  # the link dies at 15 MB
        held = center.attachments()[sha]
        assert held == (CUT_AT // CHUNK_SIZE * CHUNK_SIZE, False)

        transport.cut = False
        before = len(transport.puts)
        report = station.service.run_once(raise_errors=True)
        assert report is not None and report.cases_delivered == 1
        resumed = transport.puts[before:]
        assert resumed[0][0] == held[0], "the resumed upload starts at the byte the center holds"
        resent = transport.wire_bytes - SIZE
        assert 0 <= resent <= CHUNK_SIZE, f"re-sent {resent} bytes"
        assert center.attachments()[sha] == (SIZE, True)
        assert hashlib.sha256(center.blob_bytes(sha)).hexdigest() == sha
        print(f"chunk={CHUNK_SIZE} resent_bytes={resent}")
    finally:
        station.close()
