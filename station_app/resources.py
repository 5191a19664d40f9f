"""Files shipped inside ``station_app`` (``station_app/assets/``), found with :mod:`importlib.resources` so an
installed wheel finds them as a checkout does.

``assets/fonts/``: ``DroidSansFallbackFull.ttf`` (CJK, Apache-2.0, ``DroidSansFallback-COPYRIGHT.txt``) for
the Flet UI and the PDFs, and ``DejaVuSans.ttf`` (Latin, its licence beside it) for the PDFs' Latin runs.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

__all__ = ["CJK_FONT", "LATIN_FONT", "font_files", "font_path", "fonts_dir"]

CJK_FONT = "DroidSansFallbackFull.ttf"
LATIN_FONT = "DejaVuSans.ttf"


def fonts_dir() -> Traversable:
    return resources.files("station_app").joinpath("assets", "fonts")


def font_files() -> list[Traversable]:
    """Every file of ``assets/fonts`` (fonts and their licences), to copy into the served web dir."""
    return sorted((f for f in fonts_dir().iterdir() if f.is_file()), key=lambda f: f.name)


_files = ExitStack()
atexit.register(_files.close)


@cache
def font_path(name: str) -> Path:
    """A file-system path of one bundled font (extracted once if the package is not on disk, e.g. zipped)."""
    return _files.enter_context(resources.as_file(fonts_dir().joinpath(name)))
