"""The upload under review in the console (待核对的导入): its files, its column mapping, its preview.

The console previews an upload before anything is staged, and the administrator may change the column
mapping and preview again; the uploaded files wait here between those requests, in
``<data_dir>/catalog/pending/`` (one upload at a time for the district, like the staged catalog). A
``token`` ties each form to the upload it was shown for, so a form from a replaced upload is refused::

    pending = save_pending(data_dir, [("附件1.xlsx", data)], actor="user:3")
    pending = update_pending(data_dir, pending.token, overrides={"附件1": {"F": "承诺办结时限"}}, preview=p)
    read_pending(data_dir)          # None when nothing waits
    discard_pending(data_dir)       # after staging, or when the administrator gives up

The files are catalog spreadsheets (public service information, no personal data); their names are kept
in the manifest only, never used as paths. Every write is atomic.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casework import clock
from district_center.services.catalog.atomic import write_atomic

__all__ = [
    "PENDING_DIR",
    "PendingImport",
    "discard_pending",
    "read_pending",
    "save_pending",
    "update_pending",
]

PENDING_DIR = Path("catalog") / "pending"
_MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class PendingImport:
    token: str
    files: list[tuple[str, bytes]]
    uploaded_by: str
    uploaded_at: str
    overrides: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet -> {letter: target}
    preview: dict[str, Any] = field(default_factory=dict)


def _dir(data_dir: Path) -> Path:
    return Path(data_dir) / PENDING_DIR


def _write_manifest(data_dir: Path, p: PendingImport) -> None:
    manifest = {
        "token": p.token,
        "files": [name for name, _ in p.files],
        "uploaded_by": p.uploaded_by,
        "uploaded_at": p.uploaded_at,
        "overrides": p.overrides,
        "preview": p.preview,
    }
    write_atomic(_dir(data_dir) / _MANIFEST, json.dumps(manifest, ensure_ascii=False).encode())


def save_pending(data_dir: Path, files: Sequence[tuple[str, bytes]], *, actor: str) -> PendingImport:
    """Keep ``files`` as the upload under review, replacing any earlier one."""
    discard_pending(data_dir)
    folder = _dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    for i, (_, data) in enumerate(files):
        write_atomic(folder / f"file-{i}.bin", data)
    pending = PendingImport(secrets.token_urlsafe(16), list(files), actor, clock.iso_z(clock.now()))
    _write_manifest(data_dir, pending)
    return pending


def read_pending(data_dir: Path) -> PendingImport | None:
    """The upload under review, or None (also when its files are missing or damaged)."""
    folder = _dir(data_dir)
    try:
        manifest = json.loads((folder / _MANIFEST).read_text("utf-8"))
        files = [
            (str(name), (folder / f"file-{i}.bin").read_bytes()) for i, name in enumerate(manifest["files"])
        ]
        return PendingImport(
            str(manifest["token"]),
            files,
            str(manifest["uploaded_by"]),
            str(manifest["uploaded_at"]),
            dict(manifest.get("overrides") or {}),
            dict(manifest.get("preview") or {}),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def update_pending(
    data_dir: Path,
    token: str,
    *,
    overrides: Mapping[str, Mapping[str, str]] | None = None,
    preview: Mapping[str, Any] | None = None,
) -> PendingImport | None:
    """Record this upload's mapping and latest preview; None when ``token`` is not the upload under review."""
    current = read_pending(data_dir)
    if current is None or not secrets.compare_digest(current.token, token):
        return None
    updated = PendingImport(
        current.token,
        current.files,
        current.uploaded_by,
        current.uploaded_at,
        {k: dict(v) for k, v in (overrides if overrides is not None else current.overrides).items()},
        dict(preview if preview is not None else current.preview),
    )
    _write_manifest(data_dir, updated)
    return updated


def discard_pending(data_dir: Path) -> bool:
    folder = _dir(data_dir)
    if not folder.exists():
        return False
    shutil.rmtree(folder, ignore_errors=True)
    return True
