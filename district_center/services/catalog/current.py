"""Read side of the published catalog (事项清单) and holiday calendar, as stored by the publishing side.

``catalog_versions.document`` holds the signed envelope (canonical JSON bytes) whose ``payload`` is
``casework.catalog.Catalog.to_dict()``; ``holiday_calendars.document`` holds, per year, the signed
``calendar`` envelope the district published (the newest publication is served). Parsed catalogs are cached
per version: a published version never changes.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from casework.catalog import Catalog, CatalogError
from district_center.db.models import CatalogDelta, CatalogVersion, HolidayCalendar

_cache: dict[tuple[str, int], Catalog | None] = {}
_lock = threading.Lock()


def latest_catalog_version(session: Session) -> int | None:
    version: int | None = session.scalar(select(func.max(CatalogVersion.version)))
    return version


def catalog_document(session: Session, version: int) -> bytes | None:
    row = session.get(CatalogVersion, version)
    return None if row is None else bytes(row.document)


def delta_document(session: Session, version: int, since: int) -> bytes | None:
    """The signed delta from ``since`` to ``version`` when the publisher stored one."""
    row = session.get(CatalogDelta, (version, since))
    return None if row is None else bytes(row.document)


def current_catalog(session: Session) -> Catalog | None:
    """The newest published catalog, or ``None`` when none is published (or it cannot be parsed)."""
    version = latest_catalog_version(session)
    return None if version is None else catalog_at(session, version)


def catalog_at(session: Session, version: int) -> Catalog | None:
    """Published catalog ``version`` (parsed once per database), or ``None`` when there is none."""
    # keyed by database too: several centers (tests, tools) may share one process
    key = (str(session.get_bind().engine.url), version)
    with _lock:
        if key in _cache:
            return _cache[key]
    raw = catalog_document(session, version)
    parsed: Catalog | None = None
    try:
        envelope: Any = json.loads(raw or b"null")
        payload = envelope.get("payload") if isinstance(envelope, dict) else None
        if isinstance(payload, dict):
            parsed = Catalog.from_dict(payload.get("catalog", payload))
    except (ValueError, KeyError, TypeError, CatalogError):
        parsed = None
    if raw is not None:  # a version not published (yet) is not remembered as missing
        with _lock:
            _cache[key] = parsed
    return parsed


def calendar_document(session: Session) -> dict[str, Any] | None:
    """The most recently published holiday-calendar envelope, or ``None``."""
    row = session.scalar(
        select(HolidayCalendar)
        .order_by(HolidayCalendar.published_at.desc(), HolidayCalendar.year.desc())
        .limit(1)
    )
    return None if row is None else row.document
