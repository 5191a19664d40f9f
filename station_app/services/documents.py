"""Serving generated PDFs (受理凭证 …) to the browser from the station's own origin, briefly.

A document holds personal data, so it is written under the served web dir with a 128-bit random name only
for as long as the browser needs to fetch it: :meth:`DocumentOutbox.publish` returns the relative URL and
schedules nothing itself; the caller deletes it with :meth:`expire` after a short grace period (the UI does
so after 120 s) and every start of the process purges the directory. Files are created 0600.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from pathlib import Path

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
DEFAULT_TTL_SECONDS = 120


class DocumentOutbox:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def publish(self, data: bytes, filename: str) -> str:
        """Write ``data`` under an unguessable sub-directory and return its URL path
        (``/d/<token>/<name>``)."""
        token = secrets.token_urlsafe(16)
        folder = self.directory / token
        folder.mkdir(parents=True, mode=0o700)
        name = _SAFE.sub("_", filename) or "document.pdf"
        path = folder / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        # Flet's static server must be able to read it; it runs as this same user.
        return f"/{self.directory.name}/{token}/{name}"

    def expire(self, url: str) -> None:
        token = url.strip("/").split("/")[1] if url.count("/") >= 3 else ""
        if token and re.fullmatch(r"[A-Za-z0-9_-]+", token):
            shutil.rmtree(self.directory / token, ignore_errors=True)

    def purge_older_than(self, seconds: float = DEFAULT_TTL_SECONDS) -> int:
        if not self.directory.exists():
            return 0
        now, removed = time.time(), 0
        for folder in self.directory.iterdir():
            if now - folder.stat().st_mtime > seconds:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        return removed

    def purge_all(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
