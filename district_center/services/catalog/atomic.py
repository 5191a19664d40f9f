"""Write a catalog working file (staged catalog, saved column mapping, pending upload) so a crash leaves the
old content or the new one, never a mix: write a temporary file beside it, fsync, rename over it::

    write_atomic(data_dir / "catalog" / "staged.json", document_bytes)

The center's own copy of the station store's helper (the district center does not import the station
store). Hazard: on Windows a rename over a file another process holds open fails; the center's working
files are only opened by the center.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` (parent directories are created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
