"""Printing at the desk: an ESC/POS thermal printer (80 mm roll, USB or network) or the system printer.

A station prints either kind of document:

* a **slip** (:class:`Slip`: a title, lines, a QR code) — the kiosk's 预审 ticket, a short receipt — straight
  to an ESC/POS printer with `python-escpos <https://python-escpos.readthedocs.io>`_. Chinese goes as
  GB18030 in the printer's Chinese mode (``FS &`` … ``FS .``), which the common 80 mm printers sold in
  China (GB18030 font in ROM) understand; the QR code is the printer's own (``GS ( k``), sharp at any size;
* a **PDF** (A4 or the 80 mm layout of :mod:`station_app.pdf`) to the system printer: CUPS ``lp`` on Linux
  and macOS, the default printer on Windows (``os.startfile(path, "print")``, which hands the file to the
  PDF viewer that is registered for printing).

::

    settings = PrinterSettings.from_dict(station.settings().get("printer") or {})
    print_slip(settings, Slip("预审凭条", ("号码：K-4821", "事项：高龄津贴申领"), qr="K-4821"))
    print_pdf(settings, pdf_bytes)

Hazards: a slip is sent as is — keep ID numbers masked on it. A network printer (port 9100) takes whatever
it is sent; the station reaches it only on the local network. ``lp`` and the printer driver keep their own
spool: on a shared PC, CUPS' job history holds document names, never their content here (we pipe the PDF
on stdin with a neutral title).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from casework.errors import DomainError

__all__ = [
    "FS_CHINESE_OFF",
    "FS_CHINESE_ON",
    "Paper",
    "PrintError",
    "PrinterKind",
    "PrinterSettings",
    "Slip",
    "escpos_bytes",
    "print_pdf",
    "print_slip",
    "write_slip",
]

FS_CHINESE_ON = b"\x1c\x26"  # FS &: Chinese character mode (two-byte GB18030 characters)
FS_CHINESE_OFF = b"\x1c\x2e"  # FS .: back to single-byte characters
_LP_TIMEOUT = 30.0


class PrintError(DomainError):
    """The printer could not be reached or refused the job (``print.*``)."""

    code = "print.failed"


class Paper(StrEnum):
    """The paper the station's documents are laid out for (settings, per station)."""

    A4 = "a4"
    ROLL_80 = "80mm"


class PrinterKind(StrEnum):
    NONE = "none"  # PDF download only
    ESCPOS_NETWORK = "escpos_network"
    ESCPOS_USB = "escpos_usb"
    SYSTEM = "system"  # CUPS lp / the Windows default printer


@dataclass(frozen=True, slots=True)
class PrinterSettings:
    """The station's printer, as stored in its settings under ``"printer"``."""

    paper: Paper = Paper.A4
    kind: PrinterKind = PrinterKind.NONE
    host: str = ""  # ESCPOS_NETWORK
    port: int = 9100
    usb_vendor: int = 0  # ESCPOS_USB, e.g. 0x0483
    usb_product: int = 0
    system_name: str = ""  # SYSTEM: the CUPS queue; "" = the default printer
    cups_server: str = ""  # SYSTEM: "host:port" of a CUPS server other than the local one

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PrinterSettings:
        try:
            return cls(
                paper=Paper(d.get("paper", Paper.A4.value)),
                kind=PrinterKind(d.get("kind", PrinterKind.NONE.value)),
                host=str(d.get("host", "")),
                port=int(d.get("port", 9100)),
                usb_vendor=int(d.get("usb_vendor", 0)),
                usb_product=int(d.get("usb_product", 0)),
                system_name=str(d.get("system_name", "")),
                cups_server=str(d.get("cups_server", "")),
            )
        except (ValueError, TypeError) as exc:
            raise PrintError("print.bad_settings", detail=str(exc)) from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "paper": self.paper.value,
            "kind": self.kind.value,
            "host": self.host,
            "port": self.port,
            "usb_vendor": self.usb_vendor,
            "usb_product": self.usb_product,
            "system_name": self.system_name,
            "cups_server": self.cups_server,
        }

    @property
    def prints_slips(self) -> bool:
        return self.kind in (PrinterKind.ESCPOS_NETWORK, PrinterKind.ESCPOS_USB)


@dataclass(frozen=True, slots=True)
class Slip:
    """A short document for a receipt printer: title, lines (already in the UI language), a QR payload."""

    title: str
    lines: tuple[str, ...]
    qr: str = ""
    footer: str = ""


def write_slip(printer: Any, slip: Slip) -> None:
    """Send ``slip`` to a python-escpos printer object (``Network``, ``Usb``, ``Dummy`` …) and cut."""
    printer.hw("INIT")
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    _cjk(printer, slip.title + "\n")
    printer.set(align="left", bold=False, normal_textsize=True)
    for line in slip.lines:
        _cjk(printer, line + "\n")
    if slip.qr:
        printer.set(align="center")
        printer.qr(slip.qr, size=6, native=True)
    if slip.footer:
        printer.set(align="center", normal_textsize=True)
        _cjk(printer, slip.footer + "\n")
    printer.cut()


def _cjk(printer: Any, text: str) -> None:
    # python-escpos' own text() picks single-byte code pages; Chinese goes as GB18030 in Chinese mode.
    printer._raw(FS_CHINESE_ON + text.encode("gb18030") + FS_CHINESE_OFF)


def escpos_bytes(slip: Slip) -> bytes:
    """The bytes an ESC/POS printer receives for ``slip`` (what :func:`print_slip` sends)."""
    from escpos.printer import Dummy

    dummy = Dummy()
    write_slip(dummy, slip)
    data: bytes = dummy.output
    return data


def print_slip(settings: PrinterSettings, slip: Slip) -> None:
    """Print ``slip`` on the station's ESC/POS printer. Raises :class:`PrintError` (``print.not_escpos``
    when the station has none, ``print.unreachable`` when the printer does not answer)."""
    if not settings.prints_slips:
        raise PrintError("print.not_escpos")
    data = escpos_bytes(slip)
    try:
        if settings.kind is PrinterKind.ESCPOS_NETWORK:
            from escpos.printer import Network

            device: Any = Network(settings.host, settings.port, timeout=10)
        else:
            from escpos.printer import Usb

            device = Usb(settings.usb_vendor, settings.usb_product)
        device.open(raise_not_found=True)
        try:
            device._raw(data)
        finally:
            device.close()
    except PrintError:
        raise
    except Exception as exc:  # python-escpos raises socket, usb.core and its own errors alike
        where = f"{settings.host}:{settings.port}" if settings.host else "USB"
        raise PrintError("print.unreachable", where=where, detail=type(exc).__name__) from None


def print_pdf(settings: PrinterSettings, pdf: bytes, *, title: str = "station-document") -> None:
    """Print a PDF on the system printer: ``lp`` (CUPS) where there is one, else the Windows default
    printer. Raises :class:`PrintError` (``print.no_system_printer``, ``print.lp_failed``)."""
    if sys.platform == "win32":
        _print_windows(pdf)
        return
    lp = shutil.which("lp")
    if lp is None:
        raise PrintError("print.no_system_printer")
    cmd = [lp, "-t", title]
    if settings.cups_server:
        cmd += ["-h", settings.cups_server]
    if settings.system_name:
        cmd += ["-d", settings.system_name]
    try:
        done = subprocess.run(cmd, input=pdf, capture_output=True, timeout=_LP_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PrintError("print.lp_failed", reason=type(exc).__name__) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip()[:200]
        raise PrintError("print.lp_failed", reason=reason or f"exit {done.returncode}")


def _print_windows(pdf: bytes) -> None:  # pragma: no cover - Windows only; not run on CI
    """Hand the PDF to the default printer through the shell's "print" verb (the registered PDF viewer
    prints it). The temporary file is left for the viewer, which opens it after this returns."""
    fd, name = tempfile.mkstemp(prefix="station-print-", suffix=".pdf")
    with os.fdopen(fd, "wb") as f:
        f.write(pdf)
    try:
        os.startfile(Path(name), "print")  # type: ignore[attr-defined]  # Windows only
    except OSError as exc:
        raise PrintError("print.no_system_printer", detail=str(exc)) from None
