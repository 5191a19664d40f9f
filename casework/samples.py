"""The data files shipped inside ``casework`` (``casework/data/``), read with :mod:`importlib.resources` so an
installed wheel finds them as a checkout does.

* ``sample-catalog.json`` — the sample 实施清单: the 72 real Xi'an city-hall items, community items and
  一件事 bundles, built by ``scripts/build_sample_catalog.py`` (details not taken from the seeds are marked
  ``sample: true``);
* ``xian-city-hall-items-2020.csv`` — the Xi'an city-hall list of seed 000 (a CSV a district may import
  as is);
* ``xian-tongban-windows-2023.csv`` — the 22 全市通办 windows of seed 004.

>>> len(sample_catalog().items) > 100
True
"""

from __future__ import annotations

import json
from importlib import resources
from importlib.abc import Traversable
from typing import Any

from casework.catalog import Catalog

__all__ = [
    "SAMPLE_CATALOG",
    "XIAN_CITY_ITEMS_CSV",
    "XIAN_TONGBAN_WINDOWS_CSV",
    "data_file",
    "sample_catalog",
    "sample_catalog_dict",
]

SAMPLE_CATALOG = "sample-catalog.json"
XIAN_CITY_ITEMS_CSV = "xian-city-hall-items-2020.csv"
XIAN_TONGBAN_WINDOWS_CSV = "xian-tongban-windows-2023.csv"


def data_file(name: str) -> Traversable:
    """One file of ``casework/data``: ``read_bytes()`` / ``read_text()``, or ``resources.as_file`` for a
    path."""
    return resources.files("casework").joinpath("data", name)


def sample_catalog_dict() -> dict[str, Any]:
    """The sample catalog as its JSON dict (a fresh copy on each call)."""
    data: dict[str, Any] = json.loads(data_file(SAMPLE_CATALOG).read_text(encoding="utf-8"))
    return data


def sample_catalog() -> Catalog:
    """The sample catalog, parsed."""
    return Catalog.from_dict(sample_catalog_dict())
