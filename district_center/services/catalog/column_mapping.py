"""The district's saved column mapping (列对应): header texts mapped once by hand, kept for next time.

When the console's preview maps a column by hand ("办件时长" → 承诺办结时限), the administrator can save it;
the next import of any workbook with that header text maps it the same way, on the console and the CLI.
It lives in ``<data_dir>/catalog/column-mapping.json``, written atomically::

    {"version": 1, "kinds": {"事项": {"办件时长": "承诺办结时限", "内部编号": "#ignore"}}}

Keys are :func:`~district_center.services.catalog.aliases.normalize_header` forms; values are canonical
headers of that sheet kind, ``#note`` or ``#ignore``. Use::

    saved = load_mapping(data_dir)                          # {} when nothing was saved
    save_mapping(data_dir, "事项", {"办件时长": "承诺办结时限"})   # merged into what is there
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from district_center.services.catalog.aliases import ALIASES, normalize_header
from district_center.services.catalog.atomic import write_atomic
from district_center.services.catalog.tables import IGNORE, NOTE

__all__ = ["MAPPING_FILE", "load_mapping", "save_mapping", "targets"]

MAPPING_FILE = Path("catalog") / "column-mapping.json"


def targets(kind: str) -> list[str]:
    """What a column of a ``kind`` sheet may be mapped to: its canonical headers, then note and ignore."""
    return [spec.header for spec in ALIASES[kind] if spec.role == "field"] + [NOTE, IGNORE]


def load_mapping(data_dir: Path) -> dict[str, dict[str, str]]:
    """The saved mapping, kind -> {normalised header: target}; entries no longer valid are dropped."""
    try:
        data = json.loads((Path(data_dir) / MAPPING_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    kinds = data.get("kinds") if isinstance(data, dict) else None
    if not isinstance(kinds, dict):
        return {}
    out: dict[str, dict[str, str]] = {}
    for kind, entries in kinds.items():
        if kind not in ALIASES or not isinstance(entries, dict):
            continue
        allowed = set(targets(kind))
        out[kind] = {str(k): v for k, v in entries.items() if isinstance(v, str) and v in allowed}
    return out


def save_mapping(data_dir: Path, kind: str, entries: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Merge ``entries`` (header text as printed or normalised -> target) into the saved mapping."""
    allowed = set(targets(kind))
    current = load_mapping(data_dir)
    merged = current.setdefault(kind, {})
    for label, target in entries.items():
        key = normalize_header(label)
        if key and target in allowed:
            merged[key] = target
    path = Path(data_dir) / MAPPING_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {"version": 1, "kinds": current}
    write_atomic(path, json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode())
    return current
