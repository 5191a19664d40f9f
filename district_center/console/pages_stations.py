"""便民服务站 pages: add (one-time enrollment code + QR as inline SVG), new code, revoke, health.

``station_admin`` manages; ``supervisor`` may look. The services (``services.stations``) write the audit
records; the enrollment code is shown once, on the page that answers the POST, and never stored in clear.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from fastapi import APIRouter, Request
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.responses import Response

from district_center.services.stations.registry import (
    NewStation,
    create_station,
    enrollment_uri,
    new_code_for,
    revoke_station,
)

from .health import station_health
from .sessions import ConsoleUser
from .web import (
    ConsoleError,
    center_of,
    checked_form,
    db_read,
    db_write,
    form_text,
    redirect,
    render,
    signed_in,
)

router = APIRouter(prefix="/stations")


def qr_svg(text: str) -> Markup:
    """The enrollment QR code as inline SVG (segno), with its content as the accessible name."""
    out = io.BytesIO()
    segno.make(text, error="m").save(
        out,
        kind="svg",
        scale=4,
        border=2,
        xmldecl=False,
        svgns=True,
        title="注册二维码",
        desc=text,
        svgclass="qr",
        nl=False,
    )
    return Markup(out.getvalue().decode("utf-8"))


@router.get("")
async def stations(request: Request) -> Response:
    user = await signed_in(request, "station_admin", "supervisor")
    health = await db_read(request, station_health)
    return render(
        request,
        "stations.html",
        user,
        title="便民服务站",
        health=health,
        manage=user.has("station_admin"),
        created=None,
    )


def _show_code(
    request: Request, user: ConsoleUser, new: NewStation, health: list[dict[str, Any]]
) -> Response:
    uri = enrollment_uri(center_of(request).settings.public_url, new.code)
    return render(
        request,
        "stations.html",
        user,
        title="便民服务站",
        health=health,
        manage=True,
        created={
            "no": new.station_no,
            "name": new.name,
            "code": new.code,
            "expires": new.expires_at,
            "uri": uri,
            "qr": qr_svg(uri),
        },
    )


@router.post("")
async def add(request: Request) -> Response:
    user = await signed_in(request, "station_admin")
    form = await checked_form(request, user)
    name, jurisdiction = form_text(form, "name", 200), form_text(form, "jurisdiction", 64)
    hours = center_of(request).settings.enrollment_code_hours

    def run(s: Session) -> Any:
        try:
            return create_station(s, name, jurisdiction=jurisdiction, hours=hours, actor=user.actor)
        except ValueError as exc:
            raise ConsoleError(status=400, cause=exc) from None

    new = await db_write(request, run)
    return _show_code(request, user, new, await db_read(request, station_health))


@router.post("/{station_no}/code")
async def new_code(request: Request, station_no: int) -> Response:
    user = await signed_in(request, "station_admin")
    await checked_form(request, user)
    hours = center_of(request).settings.enrollment_code_hours

    def run(s: Session) -> Any:
        from district_center.services.stations.registry import find_station

        station = find_station(s, str(station_no))
        if station is None:
            raise ConsoleError("center.console.station_not_found", status=404)
        try:
            return new_code_for(s, station.id, hours=hours, actor=user.actor)
        except ValueError as exc:
            raise ConsoleError(status=409, cause=exc) from None

    new = await db_write(request, run)
    return _show_code(request, user, new, await db_read(request, station_health))


@router.post("/{station_no}/revoke")
async def revoke(request: Request, station_no: int) -> Response:
    user = await signed_in(request, "station_admin")
    await checked_form(request, user)

    def run(s: Session) -> Any:
        try:
            revoke_station(s, str(station_no), actor=user.actor)
        except ValueError as exc:
            raise ConsoleError(status=404, cause=exc) from None

    await db_write(request, run)
    return redirect(request, "/stations", "msg.station_revoked")
