"""Catalog publishing (事项清单发布): stage an import, review the diff, publish a signed version.

Workflow (CLI ``district-center catalog …`` and the catalog_admin HTTP API both call these)::

    preview = preview_files(db, data_dir, [("清单.xlsx", data)], district=(code, name))   # stages nothing
    preview, changes = stage_import(db, data_dir, files, actor="user:3", district=(code, name))
    changes = staged_diff(db, data_dir)              # new / changed (with fields) / cancelled vs published
    row = publish_staged(db, data_dir, keys, actor="user:3")   # version + 1, signed, stored, staging cleared
    envelope = delta_envelope(session, since_version=3)        # pre-signed delta, or None -> full snapshot

**The staged catalog** (imported, not yet published) is a file, ``<data_dir>/catalog/staged.json``, written
atomically: it is one administrator's working copy, not part of the published record, and keeping it out of
the database keeps drafts out of backups' audited tables. Publishing reads it, and removes it only after the
database commit.

**Cancellations** (清单之外无审批): an item or bundle of the published version that the import leaves out is
kept in the staged catalog marked ``cancelled`` (effective today), so stations refuse new cases for it and old
cases still show it. To reinstate it, import it again as 有效.

**Signatures**: the district signing key signs every published document; it is loaded from the passphrase-
protected key file for the one call and never kept. Deltas need a signature too, and the server does not hold
the key between publications, so :func:`publish_staged` signs at publication time a delta from each of
the last :data:`DELTA_BASES` versions to the new one (table ``catalog_deltas``); a station further behind
gets the full snapshot. Envelopes expire after ``catalog_valid_days`` (default :data:`DEFAULT_VALID_DAYS`):
the district must publish at least that often (publishing an unchanged catalog is allowed and refreshes
the expiry).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework import clock
from casework.catalog import Bundle, Catalog, CatalogError, Item, ItemStatus, diff
from casework.catalog_delta import delta_payload, diff_dict
from casework.clock import iso_z
from casework.errors import DomainError
from district_center.db.engine import Database
from district_center.db.models import CatalogDelta, CatalogVersion
from district_center.keys import DistrictKeys
from district_center.services.audit import audit
from district_center.services.catalog.atomic import write_atomic
from district_center.services.catalog.column_mapping import load_mapping
from district_center.services.catalog.current import current_catalog, delta_document, latest_catalog_version
from district_center.services.catalog.importing import Overrides, import_files
from district_center.services.catalog.previewing import ImportPreview, build_preview
from sync.protocol import canonical_json, sign_envelope

__all__ = [
    "DEFAULT_VALID_DAYS",
    "DELTA_BASES",
    "PublishError",
    "StagedCatalog",
    "carry_cancellations",
    "delta_envelope",
    "discard_staged",
    "empty_like",
    "preview_files",
    "publish_staged",
    "published_catalog",
    "read_staged",
    "stage_catalog",
    "stage_import",
    "staged_diff",
    "version_history",
]

DEFAULT_VALID_DAYS = 400
MAX_VALID_DAYS = 730
"""Longest validity a signed catalog may carry (two years): a district publishes at least this often, so a
stolen or stale copy cannot stay valid for longer."""
DELTA_BASES = 20
STAGED_FILE = Path("catalog") / "staged.json"


class PublishError(DomainError):
    """Publishing refused (``center.publish.*``); ``str(exc)`` is the message for the administrator."""

    code = "center.publish.failed"


class PublishRefused(DomainError):
    """A validity window that cannot be published (``center.publish.*``)."""

    code = "center.publish.refused"


def validity_window(valid_days: int, effective: date | None, now: datetime) -> datetime:
    """When the signed document's validity starts (``issued_at``): ``now``, or the start (China time) of the
    ``effective`` day when that is later. Refuses a non-positive validity, one over :data:`MAX_VALID_DAYS`
    and an effective day before today (each would publish a document already expired or valid for too
    long)."""
    if valid_days <= 0:
        raise PublishRefused("center.publish.validity_not_positive", days=valid_days)
    if valid_days > MAX_VALID_DAYS:
        raise PublishRefused("center.publish.validity_too_long", days=valid_days, limit=MAX_VALID_DAYS)
    if effective is None:
        return now
    today = clock.china_date(now)
    if effective < today:
        raise PublishRefused(
            "center.publish.effective_in_past", day=effective.isoformat(), today=today.isoformat()
        )
    return max(now, clock.china_day_bounds(effective)[0])


@dataclass(frozen=True, slots=True)
class StagedCatalog:
    catalog: Catalog
    staged_at: str
    staged_by: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "catalog": self.catalog.to_dict(),
            "staged_at": self.staged_at,
            "staged_by": self.staged_by,
            "source": self.source,
        }


def _staged_path(data_dir: Path) -> Path:
    return Path(data_dir) / STAGED_FILE


def read_staged(data_dir: Path) -> StagedCatalog | None:
    """The staged catalog, or None when nothing is staged; :class:`PublishError` for a damaged file."""
    path = _staged_path(data_dir)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        raise PublishError("center.publish.staged_damaged", path=str(path)) from None
    try:
        return StagedCatalog(
            Catalog.from_dict(data["catalog"]), data["staged_at"], data["staged_by"], data["source"]
        )
    except (KeyError, TypeError, CatalogError):
        raise PublishError("center.publish.staged_damaged", path=str(path)) from None


def _write_staged(data_dir: Path, staged: StagedCatalog) -> None:
    write_atomic(_staged_path(data_dir), json.dumps(staged.to_dict(), ensure_ascii=False).encode())


def discard_staged(data_dir: Path) -> bool:
    """Drop the staged catalog; False when nothing was staged."""
    try:
        _staged_path(data_dir).unlink()
        return True
    except FileNotFoundError:
        return False


def published_catalog(session: Session) -> Catalog | None:
    """The newest published catalog, or None before the first publication."""
    return current_catalog(session)


def carry_cancellations(published: Catalog | None, staged: Catalog, today: str) -> Catalog:
    """``staged`` plus every published item/bundle it leaves out, marked cancelled from ``today``."""
    if published is None:
        return staged
    doc = staged.to_dict()
    item_codes = {it["code"] for it in doc["items"]}
    bundle_codes = {b["code"] for b in doc["bundles"]}
    pub = published.to_dict()
    for it in pub["items"]:
        if it["code"] not in item_codes:
            doc["items"].append(
                dict(it, status=ItemStatus.CANCELLED.value, effective_to=it["effective_to"] or today)
            )
    for b in pub["bundles"]:
        if b["code"] not in bundle_codes:
            doc["bundles"].append(dict(b, status=ItemStatus.CANCELLED.value))
    return Catalog.from_dict(doc)


def empty_like(c: Catalog) -> Catalog:
    """Version 0 of ``c``'s district: what a first publication is compared with."""
    return Catalog(
        version=0,
        district_code=c.district_code,
        district_name=c.district_name,
        issued_at=c.issued_at,
        item_types=c.item_types,
    )


def stage_catalog(
    db: Database, data_dir: Path, catalog: Catalog, *, actor: str, source: str, now: datetime | None = None
) -> StagedCatalog:
    """Keep ``catalog`` as the staged version (published entries it omits are carried over as cancelled)."""
    now = now or clock.now()
    with db.session() as s:
        published = published_catalog(s)
        merged = carry_cancellations(published, catalog, clock.china_date(now).isoformat())
        merged.validate()
        audit(s, actor, "catalog.stage", "catalog:staged", source=source, items=len(merged.items))
    staged = StagedCatalog(merged, iso_z(now), actor, source)
    _write_staged(data_dir, staged)
    return staged


def preview_files(
    db: Database,
    data_dir: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    district: tuple[str, str],
    overrides: Overrides | None = None,
    now: datetime | None = None,
) -> ImportPreview:
    """Import ``files`` over the staged (else published) catalog and compare with the published one,
    staging nothing (``catalog import --dry-run``, the console's preview). The district's saved column
    mapping applies; ``overrides`` is this import's own (sheet -> {column letter: target})."""
    staged = read_staged(data_dir)
    with db.read_session() as s:
        published = published_catalog(s)
    base = staged.catalog if staged else published
    result = import_files(
        files, base=base, district=district, saved=load_mapping(data_dir), overrides=overrides
    )
    today = clock.china_date(now or clock.now()).isoformat()
    return build_preview(result, published=published, today=today)


def stage_import(
    db: Database,
    data_dir: Path,
    files: Sequence[tuple[str, bytes]],
    *,
    actor: str,
    district: tuple[str, str],
    overrides: Overrides | None = None,
) -> tuple[ImportPreview, dict[str, Any] | None]:
    """Import spreadsheets over the staged (else published) catalog; stage it when valid.

    Returns the preview (problems as data) and, when staged, the diff against the published version as
    :func:`~casework.catalog_delta.diff_dict`."""
    preview = preview_files(db, data_dir, files, district=district, overrides=overrides)
    if not preview.ok or preview.result.catalog is None:
        return preview, None
    stage_catalog(db, data_dir, preview.result.catalog, actor=actor, source=", ".join(n for n, _ in files))
    return preview, staged_diff(db, data_dir)


def staged_diff(db: Database, data_dir: Path) -> dict[str, Any] | None:
    """What publishing the staged catalog would change for stations, or None when nothing is staged."""
    staged = read_staged(data_dir)
    if staged is None:
        return None
    with db.read_session() as s:
        published = published_catalog(s)
    old = published or empty_like(staged.catalog)
    new_version = (published.version if published else 0) + 1
    d = diff(old, _with_version(staged.catalog, new_version, staged.catalog.issued_at))
    return diff_dict(d)


def _with_version(c: Catalog, version: int, issued_at: datetime) -> Catalog:
    doc = c.to_dict()
    doc["version"] = version
    doc["issued_at"] = iso_z(issued_at)
    return Catalog.from_dict(doc)


def _sign(
    keys: DistrictKeys, kind: str, version: int, payload: dict[str, Any], now: datetime, valid_days: int
) -> bytes:
    env = sign_envelope(
        keys.signing,
        kind=kind,
        version=version,
        payload=payload,
        issued_at=iso_z(now),
        expires_at=iso_z(now + timedelta(days=valid_days)),
        key_id=keys.key_id,
    )
    return canonical_json(env.to_dict())


def _catalog_at(session: Session, version: int) -> Catalog | None:
    row = session.get(CatalogVersion, version)
    if row is None:
        return None
    payload = json.loads(row.document)["payload"]
    return Catalog.from_dict(payload.get("catalog", payload))


def publish_staged(
    db: Database,
    data_dir: Path,
    keys: DistrictKeys,
    *,
    actor: str,
    valid_days: int = DEFAULT_VALID_DAYS,
    now: datetime | None = None,
    expected_public_key: str | None = None,
    effective: date | None = None,
) -> CatalogVersion:
    """Publish the staged catalog as the next version, signed; store it and the deltas; clear staging.

    ``expected_public_key`` (the data dir's ``district-keys.pub.json`` signing key) guards against
    signing with a key file that is not the one stations pinned. ``effective`` (a China date, default
    today) starts the validity window; :func:`validity_window` refuses a bad window before anything else."""
    now = (now or clock.now()).replace(microsecond=0)
    starts = validity_window(valid_days, effective, now)
    if expected_public_key is not None and keys.signing_public_b64 != expected_public_key:
        raise PublishError("center.publish.foreign_key")
    staged = read_staged(data_dir)
    if staged is None:
        raise PublishError("center.publish.nothing_staged_import_first")
    try:
        row = _publish(db, staged, keys, actor=actor, valid_days=valid_days, now=now, starts=starts)
    except IntegrityError:  # another administrator published the same version number first
        raise PublishError("center.publish.raced") from None
    except CatalogError as exc:  # the staged file was edited after staging, or the rules changed since
        raise PublishError("center.publish.staged_invalid", problem=str(exc)) from None
    discard_staged(data_dir)
    return row


def _publish(
    db: Database,
    staged: StagedCatalog,
    keys: DistrictKeys,
    *,
    actor: str,
    valid_days: int,
    now: datetime,
    starts: datetime,
) -> CatalogVersion:
    with db.session() as s:
        previous_version = latest_catalog_version(s) or 0
        published = _catalog_at(s, previous_version) if previous_version else None
        version = previous_version + 1
        catalog = _with_version(staged.catalog, version, now)
        catalog.validate()
        changes = diff_dict(diff(published or empty_like(catalog), catalog))
        document = _sign(
            keys, "catalog", version, {"catalog": catalog.to_dict(), "changes": changes}, starts, valid_days
        )
        row = CatalogVersion(
            version=version,
            document=document,
            published_at=now,
            published_by=actor[:100],
            summary={
                "text": changes["summary"],
                "changes": changes,
                "key_id": keys.key_id,
                "items": len(catalog.items),
                "bundles": len(catalog.bundles),
                "expires_at": iso_z(starts + timedelta(days=valid_days)),
                "source": staged.source,
            },
        )
        s.add(row)
        first_base = max(1, version - DELTA_BASES)
        for since in range(first_base, version):
            old = _catalog_at(s, since)
            if old is None:
                continue
            s.add(
                CatalogDelta(
                    version=version,
                    since_version=since,
                    document=_sign(
                        keys, "catalog_delta", version, delta_payload(old, catalog), starts, valid_days
                    ),
                )
            )
        # deltas towards older versions are useless now that a newer one exists
        s.execute(delete(CatalogDelta).where(CatalogDelta.version < version))
        audit(
            s, actor, "catalog.publish", f"catalog:{version}", summary=changes["summary"], key_id=keys.key_id
        )
    return row


def delta_envelope(session: Session, since_version: int) -> bytes | None:
    """The signed delta from ``since_version`` to the current version (canonical JSON bytes), or None when
    there is none (too old, unknown, or already current): serve the full snapshot then."""
    latest = latest_catalog_version(session)
    if latest is None or since_version >= latest:
        return None
    return delta_document(session, latest, since_version)


def version_history(session: Session, limit: int = 100) -> list[dict[str, Any]]:
    """The newest ``limit`` publications, newest first: who, when, what changed, when they expire."""
    rows = session.scalars(select(CatalogVersion).order_by(CatalogVersion.version.desc()).limit(limit)).all()
    return [
        {
            "version": r.version,
            "published_at": iso_z(r.published_at),
            "published_by": r.published_by,
            "summary": r.summary.get("text", ""),
            "changes": r.summary.get("changes", {}),
            "items": r.summary.get("items"),
            "expires_at": r.summary.get("expires_at"),
        }
        for r in rows
    ]


def item_or_bundle_names(catalog: Catalog) -> dict[str, str]:
    """Code -> name for items and bundles, to show diff codes with names."""
    names: dict[str, str] = {}
    entries: list[Item | Bundle] = [*catalog.items, *catalog.bundles]
    for e in entries:
        names[e.code] = e.name
    return names
