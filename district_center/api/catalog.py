"""Catalog and calendar publishing for the district console (role ``catalog_admin``).

    POST   /api/v1/admin/catalog/import      multipart ``files`` (.xlsx, .xls, .csv) → staged, diff, preview,
                                             or 422 with ``errors: [{sheet, row, column, letter, code,
                                             params, message, fix}]`` (cell by cell); ``?dry_run=true``
                                             answers the preview and stages nothing
    GET    /api/v1/admin/catalog/staged      the staged catalog's source, counts and diff (404 when none)
    DELETE /api/v1/admin/catalog/staged      discard it
    GET    /api/v1/admin/catalog/export      the published (``?staged=true``: staged) catalog as .xlsx
    POST   /api/v1/admin/catalog/publish     ``{passphrase, valid_days?}`` → the new version
    GET    /api/v1/admin/catalog/versions    version history
    GET    /api/v1/admin/calendar            the published holiday tables
    POST   /api/v1/admin/calendar/{year}     ``{passphrase, holidays, workdays, source}`` (HolidayTable)
    POST   /api/v1/admin/calendar/bootstrap  ``{passphrase, from_year}``: the years chinesecalendar knows

The passphrase travels in the request body only (use HTTPS), opens the key file for that one request and is
neither logged (request logging records method, path and status) nor stored. Stations pull the published
documents from ``GET /api/v1/catalog[?since=V]`` and ``GET /api/v1/calendar`` (``district_center.api.pull``).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile
from pydantic import BaseModel, Field
from starlette.responses import Response

from casework import clock
from casework.workdays import HolidayTable
from district_center.api.deps import Center, CenterDep, CurrentUser, require_user
from district_center.api.problems import ProblemError, Refused, from_domain_error, problem_responses
from district_center.keys import DistrictKeys, KeyFileError, configured_key_file, open_district_keys
from district_center.services.audit import audit
from district_center.services.catalog.calendar import (
    CalendarError,
    builtin_tables,
    parse_holiday_file,
    publish_tables,
    published_tables,
)
from district_center.services.catalog.publishing import (
    DEFAULT_VALID_DAYS,
    PublishError,
    discard_staged,
    preview_files,
    publish_staged,
    published_catalog,
    read_staged,
    stage_import,
    staged_diff,
    validity_window,
    version_history,
)
from district_center.services.catalog.sheets import export_xlsx

router = APIRouter(prefix="/api/v1/admin", tags=["catalog publishing"])
admin = require_user("catalog_admin")
AdminUser = Annotated[CurrentUser, Depends(admin)]
MAX_UPLOAD = 20 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PublishIn(BaseModel):
    passphrase: str = Field(min_length=1, max_length=1000)
    valid_days: int = Field(DEFAULT_VALID_DAYS, description="1–730 (publishing.MAX_VALID_DAYS)")
    effective: dt.date | None = Field(
        None, description="first day of validity (China date, not before today)"
    )


class CalendarIn(BaseModel):
    passphrase: str = Field(min_length=1, max_length=1000)
    holidays: list[str]
    workdays: list[str] = []
    source: str = ""


class BootstrapIn(BaseModel):
    passphrase: str = Field(min_length=1, max_length=1000)
    from_year: int = Field(2020, ge=2004, le=2100)


@contextmanager
def _publishing() -> Iterator[None]:
    """A refused publishing step — e.g. a damaged staged-catalog file — is a 409 problem, not a 500."""
    try:
        yield
    except PublishError as exc:
        raise ProblemError(409, "publish_refused", exc.text("zh_CN")) from None


def _actor(user: CurrentUser) -> str:
    return f"user:{user.id}"


#: One key-file opening at a time: each derives the key with Argon2id (64 MiB, ~0.2 s), so parallel publish
#: requests could exhaust the server's memory, and serialising them also slows guessing the passphrase.
_KEY_LOCK = threading.Lock()


def _keys(center: Center, passphrase: str, user: CurrentUser) -> DistrictKeys:
    """Open the district keys for one request; a refusal is audited (never the passphrase itself)."""
    settings = center.settings
    try:
        with _KEY_LOCK:
            return open_district_keys(
                settings.data_dir,
                configured_key_file(settings.data_dir, settings.extra.get("key_file")),
                passphrase,
            )
    except KeyFileError as exc:
        with center.db.session() as s:
            audit(s, _actor(user), "keys.refused", "district-keys")
        status = 403 if exc.code == "center.keys.wrong_passphrase" else 409
        raise ProblemError(status, "key_refused", exc.text("zh_CN")) from None


@router.post("/catalog/import", responses=problem_responses(400, 401, 403, 409, 413, 422))
async def import_catalog(
    files: Annotated[list[UploadFile], File()], user: AdminUser, center: CenterDep, dry_run: bool = False
) -> dict[str, Any]:
    from fastapi.concurrency import run_in_threadpool

    loaded: list[tuple[str, bytes]] = []
    total = 0
    for f in files:
        data = await f.read(MAX_UPLOAD + 1)
        total += len(data)
        if total > MAX_UPLOAD:
            raise Refused("center.catalog.upload_too_large", limit_mb=MAX_UPLOAD // (1024 * 1024))
        loaded.append((f.filename or "upload.xlsx", data))
    settings = center.settings
    district = (settings.district_code, settings.district_name)
    changes: dict[str, Any] | None = None
    with _publishing():
        if dry_run:
            preview = await run_in_threadpool(
                preview_files, center.db, settings.data_dir, loaded, district=district
            )
        else:
            preview, changes = await run_in_threadpool(
                stage_import, center.db, settings.data_dir, loaded, actor=_actor(user), district=district
            )
    result = preview.result
    if not preview.ok or result.catalog is None:
        raise from_domain_error(
            Refused("center.catalog.invalid", error_count=result.error_count),
            errors=[e.to_dict() for e in result.errors],
            preview=preview.to_dict(),
        )
    return {
        "items": len(result.catalog.items),
        "bundles": len(result.catalog.bundles),
        "sheets": list(result.sheets),
        "staged": not dry_run,
        "diff": changes if changes is not None else preview.changes,
        "preview": preview.to_dict(),
    }


@router.get("/catalog/staged", responses=problem_responses(401, 403, 404, 409))
def staged(user: AdminUser, center: CenterDep) -> dict[str, Any]:
    with _publishing():
        current = read_staged(center.settings.data_dir)
        if current is None:
            raise Refused("center.publish.nothing_staged")
        return {
            "source": current.source,
            "staged_at": current.staged_at,
            "staged_by": current.staged_by,
            "items": len(current.catalog.items),
            "bundles": len(current.catalog.bundles),
            "diff": staged_diff(center.db, center.settings.data_dir),
        }


@router.delete("/catalog/staged", status_code=204, responses=problem_responses(401, 403, 404))
def discard(user: AdminUser, center: CenterDep) -> Response:
    if not discard_staged(center.settings.data_dir):
        raise Refused("center.publish.nothing_staged")
    return Response(status_code=204)


@router.get("/catalog/export", responses=problem_responses(401, 403, 404, 409))
def export(*, staged: bool = False, user: AdminUser, center: CenterDep) -> Response:
    if staged:
        with _publishing():
            current = read_staged(center.settings.data_dir)
        catalog = current.catalog if current else None
    else:
        with center.db.read_session() as s:
            catalog = published_catalog(s)
    if catalog is None:
        raise Refused("center.catalog.nothing_to_export")
    name = f"catalog-v{catalog.version}{'-staged' if staged else ''}.xlsx"
    return Response(
        export_xlsx(catalog),
        media_type=XLSX,
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@router.post("/catalog/publish", responses=problem_responses(400, 401, 403, 404, 409))
def publish(body: PublishIn, user: AdminUser, center: CenterDep) -> dict[str, Any]:
    validity_window(body.valid_days, body.effective, clock.now())  # before the passphrase is derived
    with _publishing():
        if read_staged(center.settings.data_dir) is None:
            raise Refused("center.publish.nothing_staged_import_first")
        keys = _keys(center, body.passphrase, user)
        row = publish_staged(
            center.db,
            center.settings.data_dir,
            keys,
            actor=_actor(user),
            valid_days=body.valid_days,
            expected_public_key=keys.signing_public_b64,
            effective=body.effective,
        )
    return {
        "version": row.version,
        "summary": row.summary["text"],
        "changes": row.summary["changes"],
        "key_id": keys.key_id,
    }


@router.get("/catalog/versions", responses=problem_responses(401, 403))
def versions(user: AdminUser, center: CenterDep) -> dict[str, Any]:
    with center.db.read_session() as s:
        return {"versions": version_history(s)}


@router.get("/calendar", responses=problem_responses(401, 403))
def calendar(user: AdminUser, center: CenterDep) -> dict[str, Any]:
    version, tables = published_tables(center.db)
    return {"version": version, "tables": [tables[y].to_dict() for y in sorted(tables)]}


@router.post("/calendar/bootstrap", responses=problem_responses(400, 401, 403, 409))
def bootstrap(body: BootstrapIn, user: AdminUser, center: CenterDep) -> dict[str, Any]:
    tables = builtin_tables(body.from_year)
    if not tables:
        raise Refused("center.calendar.no_builtin_years", year=body.from_year)
    keys = _keys(center, body.passphrase, user)
    envelope = _publish_tables(center, keys, tables, user)
    return {"version": envelope["version"], "years": [t.year for t in tables]}


def _publish_tables(
    center: Center, keys: DistrictKeys, tables: list[HolidayTable], user: CurrentUser
) -> dict[str, Any]:
    try:
        return publish_tables(center.db, keys, tables, actor=_actor(user))
    except CalendarError as exc:
        raise ProblemError(400, "bad_calendar", exc.text("zh_CN")) from None


@router.post("/calendar/{year}", responses=problem_responses(400, 401, 403, 409))
def publish_year(year: int, body: CalendarIn, user: AdminUser, center: CenterDep) -> dict[str, Any]:
    import json

    document = {"year": year, "holidays": body.holidays, "workdays": body.workdays, "source": body.source}
    try:
        table: HolidayTable = parse_holiday_file(year, f"{year}.json", json.dumps(document).encode())
    except CalendarError as exc:
        raise ProblemError(400, "bad_calendar", exc.text("zh_CN")) from None
    keys = _keys(center, body.passphrase, user)
    envelope = _publish_tables(center, keys, [table], user)
    return {
        "version": envelope["version"],
        "year": year,
        "holidays": len(table.holidays),
        "workdays": len(table.workdays),
    }
