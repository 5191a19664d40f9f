"""Render the sample documents in both layouts to PDF and PNG for a person to look at.

Usage: ``python -m station_app.pdf.preview [OUTDIR]`` (default ``test-artifacts/documents``). PNGs need
``pdftoppm`` (poppler-utils); one PNG per page, named ``<sample>-<layout>-<page>.png``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from . import LAYOUTS, render
from .samples import ALL


def to_png(pdf_path: Path, dpi: int = 96) -> list[Path]:
    """Render every page of ``pdf_path`` next to it as ``<stem>-<n>.png`` (raises if pdftoppm fails)."""
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm not found: install poppler-utils")
    for old in pdf_path.parent.glob(f"{pdf_path.stem}-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", str(pdf_path), str(pdf_path.with_suffix(""))],
        check=True,
        capture_output=True,
    )
    return sorted(pdf_path.parent.glob(f"{pdf_path.stem}-*.png"))


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "test-artifacts/documents")
    out.mkdir(parents=True, exist_ok=True)
    for name, make in ALL.items():
        for layout in LAYOUTS:
            t = time.perf_counter()
            data = render(make(), layout)
            ms = (time.perf_counter() - t) * 1000
            pdf_path = out / f"{name}-{layout}.pdf"
            pdf_path.write_bytes(data)
            pngs = to_png(pdf_path)
            print(f"{pdf_path} {len(data)} bytes, {ms:.0f} ms, {len(pngs)} page(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
