#!/usr/bin/env python3
"""The floor for P8: a hello-world Flet page with one text field, served the way the station serves its UI
(Flet's web client without CDN, mounted in a FastAPI app, run by uvicorn), so ``bench/ui.py`` can divide the
station's start-to-usable time by what Flet itself costs on the same machine in the same run.

    .venv/bin/python bench/hello_flet.py PORT
"""

from __future__ import annotations

import sys

import flet as ft
import flet_web.fastapi as flet_fastapi  # type: ignore[import-untyped]  # flet-web ships no type information
import uvicorn


async def main(page: ft.Page) -> None:
    page.title = "hello"
    page.add(ft.TextField(label="工号"))


def run(port: int) -> None:
    app = flet_fastapi.FastAPI()
    app.mount("/", flet_fastapi.app(main, no_cdn=True))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio")


if __name__ == "__main__":
    run(int(sys.argv[1]))
