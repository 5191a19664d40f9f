"""Printing at the desk: ESC/POS bytes (python-escpos' Dummy, decoded and checked), the same bytes to a
network printer on loopback, and PDFs through a real CUPS daemon (a private ``cupsd`` on loopback whose
queue delivers to a socket the test listens on, as a JetDirect printer would)."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from station_app.services.printing import (
    FS_CHINESE_OFF,
    FS_CHINESE_ON,
    PrinterKind,
    PrintError,
    PrinterSettings,
    Slip,
    escpos_bytes,
    print_pdf,
    print_slip,
)

SLIP = Slip(
    "预审凭条",
    ("号码：K-4821", "事项：高龄津贴申领", "请带：居民身份证、户口簿", "身份证号：6101**********0012"),
    qr="https://station.example/t/K-4821",
    footer="请到综合窗口办理",
)


def chinese_segments(data: bytes) -> list[str]:
    """The text sent in the printer's Chinese mode, decoded from GB18030."""
    out, rest = [], data
    while FS_CHINESE_ON in rest:
        start = rest.index(FS_CHINESE_ON) + len(FS_CHINESE_ON)
        end = rest.index(FS_CHINESE_OFF, start)
        out.append(rest[start:end].decode("gb18030"))
        rest = rest[end + len(FS_CHINESE_OFF) :]
    return out


def qr_payload(data: bytes) -> str:
    """The data of the QR "store" command: GS ( k pL pH 49 80 48 d1…dk."""
    marker = b"\x1d\x28\x6b"
    at = 0
    while (at := data.find(marker, at)) != -1:
        p_l, p_h, cn, fn = data[at + 3], data[at + 4], data[at + 5], data[at + 6]
        if (cn, fn) == (49, 80):
            size = p_l + 256 * p_h - 3
            return data[at + 8 : at + 8 + size].decode("utf-8")
        at += 3
    raise AssertionError("no QR store command")


def test_the_slip_goes_as_gb18030_text_a_native_qr_and_a_cut() -> None:
    data = escpos_bytes(SLIP)
    assert data.startswith(b"\x1b\x40")  # ESC @: initialise
    assert chinese_segments(data) == [
        f"{SLIP.title}\n",
        *(f"{line}\n" for line in SLIP.lines),
        "请到综合窗口办理\n",
    ]
    assert "高龄津贴申领".encode("gb18030") in data and "高龄津贴申领".encode() not in data
    assert qr_payload(data) == SLIP.qr
    assert b"\x1d\x56" in data[-8:]  # GS V: cut


@pytest.fixture
def listener() -> Iterator[tuple[int, list[bytes]]]:
    """A TCP "printer" on loopback: every connection's bytes, in order."""
    server = socket.create_server(("127.0.0.1", 0))
    got: list[bytes] = []

    def serve() -> None:
        server.settimeout(30)
        try:
            conn, _ = server.accept()
        except OSError:
            return
        with conn:
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
            got.append(b"".join(chunks))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1], got
    server.close()
    thread.join(5)


def test_a_network_printer_receives_exactly_the_slip(listener: tuple[int, list[bytes]]) -> None:
    port, got = listener
    print_slip(PrinterSettings(kind=PrinterKind.ESCPOS_NETWORK, host="127.0.0.1", port=port), SLIP)
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got == [escpos_bytes(SLIP)]


def test_a_printer_that_does_not_answer_is_a_clear_error() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = PrinterSettings(kind=PrinterKind.ESCPOS_NETWORK, host="127.0.0.1", port=port)
    with pytest.raises(PrintError) as err:
        print_slip(settings, SLIP)
    assert err.value.code == "print.unreachable"
    assert "没有响应" in err.value.text("zh_CN") and "does not answer" in err.value.text("en")
    with pytest.raises(PrintError) as err:
        print_slip(PrinterSettings(), SLIP)
    assert err.value.code == "print.not_escpos"


CUPSD_CONF = """Listen 127.0.0.1:{port}
LogLevel info
WebInterface No
DefaultAuthType None
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
    Allow all
  </Limit>
</Policy>
"""
FILES_CONF = """ServerRoot {root}
RequestRoot {root}/spool
TempDir {root}/tmp
CacheDir {root}/cache
StateDir {root}/state
ErrorLog {root}/error_log
AccessLog {root}/access_log
PageLog {root}/page_log
"""


@pytest.fixture
def cups() -> Iterator[str]:
    """A private CUPS daemon on a loopback port, with its own config, spool and logs in a directory its
    backends (run as the ``lp`` user) can read — pytest's own tmp dirs are private to the test user."""
    cupsd = shutil.which("cupsd") or "/usr/sbin/cupsd"
    if not Path(cupsd).exists():
        pytest.fail("cupsd is not installed (scripts/test installs the Debian package cups)")
    root = Path(tempfile.mkdtemp(prefix="station-cups-"))
    root.chmod(0o755)
    for sub in ("spool", "tmp", "cache", "state"):
        (root / sub).mkdir(mode=0o755)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (root / "cupsd.conf").write_text(CUPSD_CONF.format(port=port))
    (root / "cups-files.conf").write_text(FILES_CONF.format(root=root))
    proc = subprocess.Popen(
        [cupsd, "-f", "-c", str(root / "cupsd.conf"), "-s", str(root / "cups-files.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(
                "the private cupsd did not start: " + (root / "error_log").read_text("utf-8", "replace")
            )
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
        log = (root / "error_log").read_text("utf-8", "replace") if (root / "error_log").exists() else ""
        print(log[-2000:])  # shown when a test fails
        shutil.rmtree(root, ignore_errors=True)


def test_a_pdf_goes_through_cups_lp_to_the_printer(cups: str, listener: tuple[int, list[bytes]]) -> None:
    port, got = listener
    subprocess.run(
        ["lpadmin", "-h", cups, "-p", "desk", "-v", f"socket://127.0.0.1:{port}", "-E", "-m", "raw"],
        check=True,
        capture_output=True,
    )
    pdf = b"%PDF-1.4\n% a receipt\n%%EOF\n"
    print_pdf(PrinterSettings(kind=PrinterKind.SYSTEM, system_name="desk", cups_server=cups), pdf)
    deadline = time.monotonic() + 30
    while not got and time.monotonic() < deadline:
        time.sleep(0.1)
    assert got == [pdf], "CUPS delivered the PDF as sent (a raw queue)"


def test_lp_refusing_the_job_is_a_clear_error(cups: str) -> None:
    settings = PrinterSettings(kind=PrinterKind.SYSTEM, system_name="no-such-queue", cups_server=cups)
    with pytest.raises(PrintError) as err:
        print_pdf(settings, b"%PDF-1.4\n%%EOF\n")
    assert err.value.code == "print.lp_failed"


def test_no_lp_on_the_machine_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert os.environ["PATH"] == str(tmp_path)
    with pytest.raises(PrintError) as err:
        print_pdf(PrinterSettings(kind=PrinterKind.SYSTEM), b"%PDF-1.4\n%%EOF\n")
    assert err.value.code == "print.no_system_printer"


def test_the_kiosk_ticket_carries_number_item_materials_masked_id_and_qr(
    station: Any, listener: tuple[int, list[bytes]]
) -> None:
    from station_app.viewmodels.printing import print_ticket, station_printer, ticket_slip

    catalog = station.catalog()
    item = next(i for i in catalog.items if i.name == "高龄津贴申领")
    slip = ticket_slip(catalog, item.code, ticket="482193", id_number="610114194001010012")
    port, got = listener
    settings = {"printer": {"kind": "escpos_network", "host": "127.0.0.1", "port": port, "paper": "80mm"}}
    assert print_ticket(station_printer(settings), slip) is True
    deadline = time.monotonic() + 10
    while not got and time.monotonic() < deadline:
        time.sleep(0.05)
    text = "".join(chinese_segments(got[0]))
    assert "单号：482193" in text and "事项：高龄津贴申领" in text
    assert "6101**********0012" in text and "610114194001010012" not in text
    assert all(m.name in text for m in item.materials if m.necessity.value != "非必要")
    assert qr_payload(got[0]) == "482193"
    assert print_ticket(station_printer({}), slip) is False  # no receipt printer: shown on screen only


def test_the_station_paper_setting_lays_the_receipt_out_on_an_80mm_roll(station: Any, cases: Any) -> None:
    from tests.station_app.test_case_actions import accepted_single

    station.save_settings({"printer": {"paper": "80mm", "kind": "system"}}, actor="test")
    case = accepted_single(station, cases)
    from station_app.viewmodels.intake import IntakeViewModel

    vm = IntakeViewModel(cases, station.catalog(), {"item_code": case.item_code, "id": case.id}, "01", "王芳")
    vm.outcome = case
    pdf = vm.render_document()
    widths = {round(float(w) * 25.4 / 72) for w in re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ", pdf)}
    assert widths == {80}, widths
    station.save_settings({"printer": {"paper": "a4"}}, actor="test")
    widths = {
        round(float(w) * 25.4 / 72) for w in re.findall(rb"/MediaBox \[0 0 ([0-9.]+) ", vm.render_document())
    }
    assert widths == {210}, widths
