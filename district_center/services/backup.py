"""Backups of a center: the database and the blobs, verified on restore; never the keys.

    manifest = create_backup(settings, Path("/backups/2026-12-03"))   # database + blobs + manifest.json
    restore_backup(settings, Path("/backups/2026-12-03"))             # into the (empty) database / bucket

What goes in: the database (PostgreSQL ``pg_dump -Fc``; SQLite through its online backup API, so a running
center can be backed up) and every blob object as stored — already encrypted (the local blob directory's
files, or every object of the S3 bucket under ``s3_prefix``). ``manifest.json`` lists each file with its
size and sha256; restore checks every one before it writes anything.

What stays out, on purpose: the key-encryption key (``center-kek.key`` / ``CENTER_KEK`` / the KMS), the local
blob key (``center-blob.key``) and the district signing keys. A backup is only as safe as the keys kept
apart from it: keep them in the district's key escrow (two people, offline), not beside the backups.
Restoring needs the same KEK (and, for local blobs, the same blob key).

Hazards: the PostgreSQL dump is consistent by itself, but blobs written while it runs may be newer than
it (harmless: an upload the database does not know is dropped by the blob GC job); back up during a quiet
hour or from the streaming replica (docs/deployment.md).
"""

from __future__ import annotations

import glob
import hashlib
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from casework import clock
from casework.errors import DomainError
from district_center.settings import Settings

__all__ = ["BackupError", "create_backup", "restore_backup"]

MANIFEST = "manifest.json"


class BackupError(DomainError):
    code = "center.backup.failed"


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _pg_args(url: str) -> tuple[list[str], str]:
    u = make_url(url)
    args = ["-h", str(u.host or "127.0.0.1"), "-p", str(u.port or 5432)]
    if u.username:
        args += ["-U", u.username]
    return args, str(u.database)


def _pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore`` on PATH, else the newest Debian PostgreSQL's."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise BackupError("center.backup.no_pg_tools", tool=name)
    return candidates[-1]


def _s3(settings: Settings) -> Any:
    from district_center.services.attachments.s3store import s3_client

    return s3_client(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key, settings.s3_region)


def _dump_database(settings: Settings, out: Path) -> str:
    url = settings.database_url
    if url.startswith("sqlite"):
        target = out / "center.sqlite3"
        source = sqlite3.connect(str(make_url(url).database))
        dest = sqlite3.connect(str(target))
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
        return target.name
    args, database = _pg_args(url)
    target = out / "database.pgdump"
    subprocess.run(
        [_pg_tool("pg_dump"), *args, "-Fc", "-f", str(target), database], check=True, capture_output=True
    )
    return target.name


def _copy_blobs(settings: Settings, out: Path) -> list[str]:
    blobs = out / "blobs"
    blobs.mkdir()
    names: list[str] = []
    if settings.blob_store == "s3":
        client = _s3(settings)
        prefix = settings.s3_prefix.strip("/")
        paginator = client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=settings.s3_bucket, Prefix=f"{prefix}/" if prefix else ""):
            for obj in page.get("Contents", []):
                target = blobs / obj["Key"]
                target.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(settings.s3_bucket, obj["Key"], str(target))
                names.append(obj["Key"])
        return names
    assert settings.blob_dir is not None
    for path in sorted(
        p for p in settings.blob_dir.rglob("*") if p.is_file() and not p.name.endswith(".tmp")
    ):
        rel = path.relative_to(settings.blob_dir)
        (blobs / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, blobs / rel)
        names.append(str(rel))
    return names


def create_backup(settings: Settings, out: Path) -> dict[str, Any]:
    """Write a backup of the center ``settings`` name into the new directory ``out``; returns the manifest."""
    settings = settings.resolved()
    out.mkdir(parents=True, exist_ok=False, mode=0o700)
    database = _dump_database(settings, out)
    blob_names = _copy_blobs(settings, out)
    files = [database, *(f"blobs/{n}" for n in blob_names)]
    manifest = {
        "created_at": clock.iso_z(clock.now()),
        "database": database,
        "blob_store": settings.blob_store,
        "files": {name: {"size": (out / name).stat().st_size, "sha256": _sha(out / name)} for name in files},
        "keys": "not included: restore needs the same KEK (and center-blob.key for local blobs)",
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return manifest


def _verify(backup: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((backup / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        raise BackupError("center.backup.no_manifest", path=str(backup)) from None
    for name, meta in manifest["files"].items():
        path = backup / name
        if not path.is_file() or path.stat().st_size != meta["size"] or _sha(path) != meta["sha256"]:
            raise BackupError("center.backup.damaged", file=name)
    return manifest


def restore_backup(settings: Settings, backup: Path) -> dict[str, Any]:
    """Restore ``backup`` into the database and blob store ``settings`` name (both empty: a new database,
    a new bucket or blob directory). Every file is checked against the manifest first."""
    settings = settings.resolved()
    manifest = _verify(backup)
    database = backup / manifest["database"]
    url = settings.database_url
    if url.startswith("sqlite"):
        target = Path(str(make_url(url).database))
        if target.exists() and target.stat().st_size:
            raise BackupError("center.backup.target_not_empty", path=str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(database, target)
    else:
        args, name = _pg_args(url)
        subprocess.run(
            [_pg_tool("pg_restore"), *args, "--no-owner", "--exit-on-error", "-d", name, str(database)],
            check=True,
            capture_output=True,
        )
    blobs = backup / "blobs"
    names = [n.removeprefix("blobs/") for n in manifest["files"] if n.startswith("blobs/")]
    if settings.blob_store == "s3":
        client = _s3(settings)
        try:
            client.head_bucket(Bucket=settings.s3_bucket)
        except Exception:
            client.create_bucket(Bucket=settings.s3_bucket)
        for name in names:
            client.upload_file(str(blobs / name), settings.s3_bucket, name)
    else:
        assert settings.blob_dir is not None
        for name in names:
            (settings.blob_dir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(blobs / name, settings.blob_dir / name)
    return manifest
