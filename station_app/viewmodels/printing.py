"""What the screens print, and on which printer: the station's printer settings and the kiosk's 预审 ticket.

::

    printer = station_printer(station.settings())
    slip = ticket_slip(catalog, "116101…", ticket="482193", id_number="610114194001010012")
    print_ticket(printer, slip)   # True: printed; False: no receipt printer here (the screen shows it)

The ticket carries the number, the item, the materials to bring and a QR of the number (the desk scans
it, or types the number, to open the pre-application). The applicant's ID number is masked on paper.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from casework import clock
from casework.catalog import Catalog, Necessity
from casework.identity import mask_id_number
from station_app.i18n import t
from station_app.services.printing import (
    Paper,
    PrinterKind,
    PrintError,
    PrinterSettings,
    Slip,
    print_pdf,
    print_slip,
)

__all__ = [
    "PAPERS",
    "PRINTER_KINDS",
    "Paper",
    "PrintError",
    "PrinterKind",
    "PrinterSettings",
    "Slip",
    "document_layout",
    "print_document",
    "print_ticket",
    "station_printer",
    "ticket_slip",
]

PAPERS = (Paper.A4, Paper.ROLL_80)
PRINTER_KINDS = (PrinterKind.NONE, PrinterKind.ESCPOS_NETWORK, PrinterKind.ESCPOS_USB, PrinterKind.SYSTEM)


def station_printer(settings: Mapping[str, Any]) -> PrinterSettings:
    """The printer of the station's settings (``"printer"``); no printer when unset or unreadable."""
    raw = settings.get("printer")
    if not isinstance(raw, Mapping):
        return PrinterSettings()
    try:
        return PrinterSettings.from_dict(raw)
    except PrintError:
        return PrinterSettings()


def document_layout(printer: PrinterSettings) -> Literal["a4", "receipt80"]:
    """The PDF layout of the station's papers: ``"receipt80"`` on an 80 mm roll, else ``"a4"``."""
    return "receipt80" if printer.paper is Paper.ROLL_80 else "a4"


def ticket_slip(catalog: Catalog, code: str, *, ticket: str, id_number: str) -> Slip:
    """The 预审 ticket of item or bundle ``code``: number, item, materials to bring, masked ID, QR."""
    if catalog.has_item(code):
        name = catalog.item(code).name
        materials = [m.name for m in catalog.item(code).materials if m.necessity is not Necessity.OPTIONAL]
    else:
        name = catalog.bundle(code).name
        materials = [
            mm.material.name
            for mm in catalog.materials_for(code)
            if mm.material.necessity is not Necessity.OPTIONAL
        ]
    lines = [
        t("ticket.number", ticket=ticket),
        t("ticket.item", name=name),
        t("ticket.id", id_number=mask_id_number(id_number)),
        t("ticket.date", date=clock.format_datetime(clock.now())),
        t("ticket.bring"),
        *(f"  · {m}" for m in materials),
    ]
    return Slip(t("ticket.title"), tuple(lines), qr=ticket, footer=t("ticket.footer"))


def print_ticket(printer: PrinterSettings, slip: Slip) -> bool:
    """Print the ticket on the station's receipt printer; ``False`` when the station has none (the
    resident reads the number off the screen). Raises :class:`PrintError` when the printer fails."""
    if not printer.prints_slips:
        return False
    print_slip(printer, slip)
    return True


def print_document(printer: PrinterSettings, pdf: bytes) -> None:
    """A rendered document (receipt, notice, result) on the system printer (``print.*`` errors)."""
    print_pdf(printer, pdf)
