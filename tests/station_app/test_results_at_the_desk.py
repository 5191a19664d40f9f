"""Through a real center on loopback: the department's result document (结果文书) reaches the station, is
printed at the desk (a private CUPS daemon delivering to a socket) and downloaded, byte for byte; a damaged
download is said plainly and fetched again at the next sync. And the other way: the marked copy (核验件)
the station made of a verified scan is what the department opens, while the original stays as it was."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from casework.cases import CaseStatus, Satisfaction
from district_center.services.users.accounts import create_user
from station_app.services.cases import CaseService
from station_app.services.station import StationService
from station_app.viewmodels.case_detail import ActionError, CaseActions
from storage.crypto import KdfParams
from sync.enrollment import enroll_station
from sync.local import StationSyncStore, load_identity
from sync.service import SyncService
from tests.station_app.conftest import ADMIN_PIN, ADMIN_SECRET, PASSPHRASE
from tests.station_app.test_case_actions import accepted_single
from tests.station_app.test_printing import cups, listener  # noqa: F401  # fixtures
from tests.sync.harness import CenterHandle, start_center

STATION_NAME = "测试社区便民服务站"


class DamagedOnce(httpx.BaseTransport):
    """The real center, except that the first result-document download arrives with its end damaged."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.damage = 1

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if "/results/" in request.url.path and self.damage:
            self.damage -= 1
            response.read()
            return httpx.Response(200, content=response.content[:-16] + b"\0" * 16)
        return response


@pytest.fixture
def center(tmp_path: Path) -> Iterator[CenterHandle]:
    handle = start_center(tmp_path / "center")
    yield handle
    handle.stop()


@pytest.fixture
def desk(center: CenterHandle, tmp_path: Path) -> Iterator[tuple[StationService, CaseService, SyncService]]:
    """A station set up as ``station-app init`` does, enrolled with the center for real, catalog synced."""
    svc = StationService(tmp_path / "station")
    svc.set_up(
        station_name=STATION_NAME,
        area="新城区",
        admin_name="王芳",
        admin_secret=ADMIN_SECRET,
        station_passphrase=PASSPHRASE,
        admin_pin=ADMIN_PIN,
        kdf=KdfParams.insecure_fast(),
    )
    store = svc.unlocked_store
    enroll_station(store, center.url, center.new_code(STATION_NAME), station_name=STATION_NAME)
    sync = SyncService(StationSyncStore(store), load_identity(store), transport=DamagedOnce())
    sync.run_once(raise_errors=True)
    assert svc.catalog() is not None
    yield svc, CaseService(svc), sync
    sync.close()
    svc.close()


def reviewer(center: CenterHandle, department: str) -> httpx.Client:
    """A department reviewer signed in to the back-office API."""
    name, password = "reviewer-results", "correct-horse-battery"
    with center.center.db.session() as s:
        create_user(s, name, password, ["reviewer"], department=department)
    resp = httpx.post(f"{center.url}/api/v1/auth/token", json={"username": name, "password": password})
    assert resp.status_code == 200, resp.text
    token = resp.json()["access_token"]
    return httpx.Client(base_url=center.url, headers={"authorization": f"Bearer {token}"}, timeout=60)


def result_pdf() -> bytes:
    """A real PDF (one of the station's own documents stands in for the department's 决定书)."""
    from station_app.pdf import render
    from station_app.pdf.samples import acceptance

    return render(acceptance(), "a4")


def wait_for(got: list[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not got and time.monotonic() < deadline:
        time.sleep(0.1)


def test_the_result_comes_back_is_printed_and_handed_over(
    center: CenterHandle,
    desk: tuple[StationService, CaseService, SyncService],
    cups: str,  # noqa: F811
    listener: tuple[int, list[bytes]],  # noqa: F811
) -> None:
    import subprocess

    station, cases, sync = desk
    case = accepted_single(station, cases)
    report = sync.run_once(raise_errors=True)
    assert report is not None and report.cases_delivered == 1
    department = station.catalog().item(case.item_code).department  # type: ignore[union-attr]
    http = reviewer(center, department)

    # the department decides and uploads its result through the back office
    pdf = result_pdf()
    sha = hashlib.sha256(pdf).hexdigest()
    assert http.post(f"/api/v1/backoffice/cases/{case.id}/accept", json={}).status_code == 200
    up = http.post(
        f"/api/v1/backoffice/cases/{case.id}/results",
        files={"file": ("高龄津贴审批决定书.pdf", pdf, "application/pdf")},
    )
    assert up.status_code == 200, up.text
    assert up.json()["sha256"] == sha
    decided = http.post(
        f"/api/v1/backoffice/cases/{case.id}/decision",
        json={
            "approve": True,
            "result": {"name": "高龄津贴审批决定", "number": "GL-0001", "documents": [sha]},
        },
    )
    assert decided.status_code == 200, decided.text

    # the first download arrives damaged: the desk says so, nothing else is lost, and the result can't be
    # printed yet
    report = sync.run_once(raise_errors=True)
    assert report is not None and report.result_files_downloaded == 0 and report.result_files_pending == 1
    actions = CaseActions(cases, cases.get(case.id), "01")
    assert actions.case.status is CaseStatus.APPROVED
    assert actions.result_lines() == []
    [note] = actions.pending_result_notes()
    assert "高龄津贴审批决定书.pdf" in note and "下次同步" in note

    ready = http.post(f"/api/v1/backoffice/cases/{case.id}/result-ready", json={})
    assert ready.status_code == 200, ready.text
    report = sync.run_once(raise_errors=True)
    assert report is not None and report.result_files_downloaded == 1 and report.result_files_pending == 0
    actions = CaseActions(cases, cases.get(case.id), "01")
    assert actions.case.status is CaseStatus.RESULT_READY and actions.can_hand_over()
    assert actions.pending_result_notes() == []
    [line] = actions.result_lines()
    assert (line.sha256, line.name, line.printable) == (sha, "高龄津贴审批决定书.pdf", True)

    # no system printer set: a clear word, and the download still works
    with pytest.raises(ActionError) as err:
        actions.print_result(sha)
    assert "请下载后打印" in str(err.value)
    data, name = actions.download_result(sha)
    assert (data, name) == (pdf, "高龄津贴审批决定书.pdf")

    # the station's system printer: a CUPS queue (raw) delivering to a socket
    port, got = listener
    subprocess.run(
        ["lpadmin", "-h", cups, "-p", "window", "-v", f"socket://127.0.0.1:{port}", "-E", "-m", "raw"],
        check=True,
        capture_output=True,
    )
    printer = {"kind": "system", "paper": "a4", "system_name": "window", "cups_server": cups}
    station.save_settings({"printer": printer}, actor="test")
    actions.print_result(sha)
    wait_for(got)
    assert got == [pdf], "the printer received the result document exactly as the department uploaded it"

    actions.hand_over("张三", "handover.self", collector_id="610114194001010012")
    assert cases.get(case.id).status is CaseStatus.HANDED_OVER
    audit = [e["action"] for e in station.unlocked_store.audit_entries()]
    assert "document.result_print" in audit and "document.result_download" in audit


def test_the_department_opens_the_marked_copy_and_the_original_is_untouched(
    center: CenterHandle, desk: tuple[StationService, CaseService, SyncService]
) -> None:
    from district_center.services.cases import backoffice

    station, cases, sync = desk
    case = accepted_single(station, cases)
    verified = [m for m in case.materials if m.satisfaction is Satisfaction.ORIGINAL_VERIFIED]
    assert verified and all(len(m.copies) == len(m.attachments) for m in verified)
    report = sync.run_once(raise_errors=True)
    assert report is not None and report.cases_delivered == 1

    department = station.catalog().item(case.item_code).department  # type: ignore[union-attr]
    http = reviewer(center, department)
    detail = http.get(f"/api/v1/backoffice/cases/{case.id}")
    assert detail.status_code == 200, detail.text
    for m in detail.json()["materials"]:
        record = next(r for r in verified if r.code == m["code"])
        for view, original in zip(m["views"], record.attachments, strict=True):
            copy = record.copy_of(original)
            assert copy is not None and view == {"sha256": copy.sha256, "marked": True, "original": original}
            got = http.get(f"/api/v1/backoffice/cases/{case.id}/files/{copy.sha256}")
            assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == copy.sha256
            assert got.content == station.unlocked_store.blobs.read_bytes(copy.sha256)
            # the original arrived as the worker scanned it, under its own digest
            assert hashlib.sha256(center.blob_bytes(original)).hexdigest() == original
            assert center.blob_bytes(original) != got.content
    with center.center.db.read_session() as s:
        user = backoffice.Reviewer("user:x", ("reviewer",), department)
        key, filename, mime = backoffice.case_blob_key(s, user, case.id, verified[0].copies[0].sha256)
    assert key == verified[0].copies[0].sha256 and "核验件" in filename and mime == "image/png"


def test_a_verified_copy_prints_on_the_system_printer_with_its_mark(
    station: StationService,
    cases: CaseService,
    cups: str,  # noqa: F811
    listener: tuple[int, list[bytes]],  # noqa: F811
) -> None:
    """The copy printed at the window is the marked one: a picture on an A4 page, through CUPS."""
    import io
    import subprocess

    from PIL import Image
    from pypdf import PdfReader

    case = accepted_single(station, cases)
    actions = CaseActions(cases, cases.get(case.id), "01")
    copy = actions.copy_lines()[0]
    with pytest.raises(ActionError) as err:  # no system printer yet: said plainly
        actions.print_copy(copy.sha256)
    assert "请下载后打印" in str(err.value)
    data, name = actions.download_copy(copy.sha256)
    assert data == station.unlocked_store.blobs.read_bytes(copy.sha256) and name.endswith(".png")

    port, got = listener
    subprocess.run(
        ["lpadmin", "-h", cups, "-p", "window", "-v", f"socket://127.0.0.1:{port}", "-E", "-m", "raw"],
        check=True,
        capture_output=True,
    )
    printer = {"kind": "system", "paper": "a4", "system_name": "window", "cups_server": cups}
    station.save_settings({"printer": printer}, actor="test")
    actions.print_copy(copy.sha256)
    wait_for(got)
    assert got == [actions.copy_pdf(copy.sha256)]
    page = PdfReader(io.BytesIO(got[0])).pages[0]
    [image] = page.images
    assert Image.open(io.BytesIO(image.data)).size == Image.open(io.BytesIO(data)).size  # the marked copy
    audit = [e["action"] for e in station.unlocked_store.audit_entries()]
    assert "document.copy_print" in audit and "document.copy_download" in audit
