"""The console's own fonts, so a PC with no Chinese font shows no tofu boxes (□): the station's bundled
CJK font (``DroidSansFallbackFull.ttf``, Apache-2.0) and its Latin companion (DejaVu Sans), read from the
``station_app`` package with :mod:`importlib.resources` (one copy of each file in the wheel).

``console.css`` names them in ``@font-face`` rules *after* the usual system CJK fonts, so a browser only
downloads the bundled font when the PC has none of those. They are served gzip-compressed when the browser
accepts it (the CJK font: 4 MB → about 2.5 MB), with an ``ETag`` and a year of ``Cache-Control``: a browser
fetches them once.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from fastapi import APIRouter, Request
from starlette.responses import Response

from .web import ConsoleError

__all__ = ["FONTS", "router"]

#: served name -> file of ``station_app/assets/fonts`` (the station's font package)
FONTS = {"cjk.ttf": "DroidSansFallbackFull.ttf", "latin.ttf": "DejaVuSans.ttf"}
CACHE_CONTROL = "public, max-age=31536000, immutable"

router = APIRouter()


@dataclass(frozen=True, slots=True)
class _Font:
    data: bytes
    gzipped: bytes
    etag: str


@cache
def _font(name: str) -> _Font:
    data = resources.files("station_app").joinpath("assets", "fonts", FONTS[name]).read_bytes()
    return _Font(
        data, gzip.compress(data, compresslevel=6, mtime=0), f'"{hashlib.sha256(data).hexdigest()[:32]}"'
    )


@router.get("/fonts/{name}")
def font(name: str, request: Request) -> Response:
    if name not in FONTS:
        raise ConsoleError("center.console.font_not_found", status=404, name=name)
    f = _font(name)
    headers = {"cache-control": CACHE_CONTROL, "etag": f.etag, "vary": "accept-encoding"}
    if f.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(f.gzipped, media_type="font/ttf", headers={**headers, "content-encoding": "gzip"})
    return Response(f.data, media_type="font/ttf", headers=headers)
