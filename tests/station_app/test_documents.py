"""Generated documents are served from memory by the real web app (``station_app.app.build_web_app``):
TTL, size bound, unknown tokens, response headers, nothing on disk; the Flet app still mounted at ``/``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from station_app.app import build_web_app
from station_app.config import AppConfig
from station_app.services.documents import DocumentOutbox, DocumentTooLarge, ascii_filename
from station_app.services.runtime import StationRuntime

RECEIPT = "受理凭证-2611220001.pdf"
PDF = b"%PDF-1.7\n" + "张三 110105********002X 13800138000".encode() + b"\n%%EOF"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[StationRuntime]:
    rt = StationRuntime.open(AppConfig(data_dir=tmp_path / "station", open_browser=False))
    yield rt
    rt.close()


def client_for(runtime: StationRuntime, outbox: DocumentOutbox) -> TestClient:
    runtime.documents = outbox
    return TestClient(build_web_app(runtime))


def files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_document_is_served_from_memory_with_safe_headers(runtime, tmp_path):
    out = DocumentOutbox()
    with client_for(runtime, out) as client:
        url = out.publish(PDF, RECEIPT)
        other = out.publish(b"%PDF-1.7 b", RECEIPT)
        m = re.fullmatch(r"/d/([A-Za-z0-9_-]{22})/2611220001\.pdf", url)
        assert m, url
        assert other != url, "every publication gets its own 128-bit token"
        r = client.get(url)
        assert r.status_code == 200 and r.content == PDF
        assert r.headers["content-type"] == "application/pdf"
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cross-origin-resource-policy"] == "same-origin"
        assert "access-control-allow-origin" not in r.headers, "no other origin may read a resident's receipt"
        disposition = r.headers["content-disposition"]
        assert disposition.startswith('inline; filename="2611220001.pdf"; ')
        assert disposition.isascii()
        star = re.search(r"filename\*=UTF-8''(\S+)$", disposition)
        assert star and unquote(star.group(1)) == RECEIPT
        # a second fetch (the browser's PDF viewer may re-request) still works within the TTL
        assert client.get(url).content == PDF
    leaked = [p for p in files_under(tmp_path) if PDF in p.read_bytes() or "2611220001" in str(p)]
    assert leaked == [], "a document must never be written to disk"


def test_unknown_or_malformed_token_or_wrong_name_is_404(runtime):
    out = DocumentOutbox()
    with client_for(runtime, out) as client:
        url = out.publish(PDF, RECEIPT)
        token = url.split("/")[2]
        for bad in (
            "/d/" + "A" * 22 + "/2611220001.pdf",  # well-formed, never issued
            "/d/" + token[:-1] + "/2611220001.pdf",  # too short
            f"/d/{token}/other.pdf",  # right token, wrong name
            f"/d/{token}x/2611220001.pdf",
        ):
            r = client.get(bad)
            assert r.status_code == 404, bad
            assert r.headers["cache-control"] == "no-store" and PDF not in r.content
        assert client.get(url).status_code == 200


def test_documents_expire_after_the_ttl_and_on_request(runtime):
    clock = Clock()
    out = DocumentOutbox(ttl=120, clock=clock)
    with client_for(runtime, out) as client:
        a = out.publish(PDF, RECEIPT)
        b = out.publish(b"%PDF-1.7 b", "一次性告知书-2611220002.pdf")
        clock.now += 119
        assert client.get(a).status_code == 200
        out.expire(b)
        assert client.get(b).status_code == 404, "expire() forgets a document at once"
        clock.now += 2
        assert client.get(a).status_code == 404, "gone once the TTL has passed"
        assert len(out) == 0 and out.bytes_held == 0


def test_store_is_bounded_in_bytes_and_count_oldest_dropped_first(runtime):
    out = DocumentOutbox(max_bytes=100, max_documents=3)
    with client_for(runtime, out) as client:
        first = out.publish(b"1" * 40, "a.pdf")
        second = out.publish(b"2" * 40, "b.pdf")
        third = out.publish(b"3" * 40, "c.pdf")  # 120 > 100: the oldest goes
        assert client.get(first).status_code == 404
        assert client.get(second).content == b"2" * 40 and client.get(third).content == b"3" * 40
        assert out.bytes_held == 80
        small = [out.publish(b"s", f"s{i}.pdf") for i in range(3)]  # count bound: three at most
        assert len(out) == 3 and client.get(second).status_code == 404
        assert all(client.get(u).status_code == 200 for u in small)
        with pytest.raises(DocumentTooLarge):
            out.publish(b"x" * 101, "big.pdf")
        assert all(client.get(u).status_code == 200 for u in small), "a refused document evicts nothing"


def test_non_pdf_is_an_attachment_and_desktop_urls_are_absolute(runtime):
    out = DocumentOutbox()
    with client_for(runtime, out) as client:
        url = out.publish(b"\x00ciphertext", "station-007-20261122.bmzz")
        r = client.get(url)
        assert r.headers["content-type"] == "application/octet-stream"
        assert r.headers["content-disposition"].startswith('attachment; filename="station-007-20261122.bmzz"')
    out.base_url = "http://127.0.0.1:8550"
    absolute = out.publish(PDF, RECEIPT)
    assert absolute.startswith("http://127.0.0.1:8550/d/")
    out.expire(absolute)
    assert len(out) == 1, "expire() accepts the absolute URL publish() returned"


def test_ascii_filename():
    assert ascii_filename(RECEIPT) == "2611220001.pdf"
    assert ascii_filename("受理凭证.pdf") == "document.pdf"
    assert ascii_filename('../"x";\r\n.pdf') == "x.pdf"
    assert ascii_filename(".hidden") == "document.hidden"


def test_flet_app_is_mounted_with_the_offline_client_and_old_document_dir_is_purged(runtime):
    legacy = runtime.config.legacy_download_dir / "tok"
    legacy.mkdir(parents=True)
    (legacy / "2611220001.pdf").write_bytes(PDF)
    runtime.prepare_web_dir()
    assert not runtime.config.legacy_download_dir.exists(), "a receipt left by an older version is removed"
    with TestClient(build_web_app(runtime)) as client:
        index = client.get("/")
        assert index.status_code == 200 and "flet.noCdn=true;" in index.text
        js = client.get("/main.dart.js")
        assert js.status_code == 200 and b"cdn.jsdelivr.net/npm/@rive-app" not in js.content
        assert js.content == (runtime.config.web_dir / "main.dart.js").read_bytes()
        font = client.get("/fonts/DroidSansFallbackFull.ttf")
        assert font.status_code == 200 and len(font.content) > 1_000_000
        assert client.get("/kiosk").status_code == 200, "client-side routes still fall back to index.html"


def test_documents_only_app_for_the_desktop_window(runtime):
    out = DocumentOutbox()
    runtime.documents = out
    with TestClient(build_web_app(runtime, flet_ui=False)) as client:
        url = out.publish(PDF, RECEIPT)
        assert client.get(url).content == PDF
        assert client.get("/").status_code == 404, "no Flet UI in the desktop window's document server"
