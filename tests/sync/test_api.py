"""The public API of ``sync`` is what ``__all__`` lists; importing the protocol stays light."""

from __future__ import annotations

import subprocess
import sys

import sync


def test_public_api_is_pinned() -> None:
    assert sync.__all__ == [
        "BackgroundSync",
        "NotEnrolled",
        "StatusBoard",
        "SyncError",
        "SyncReport",
        "SyncScheduler",
        "SyncService",
        "SyncStatus",
        "enqueue",
        "enroll_station",
        "export_bundle",
        "import_answer",
        "parse_enrollment",
        "rejected",
        "resend",
        "start_background_sync",
    ]
    for name in sync.__all__:
        assert getattr(sync, name) is not None


def test_protocol_import_does_not_pull_in_the_engine() -> None:
    code = (
        "import sys, sync.protocol; heavy = [m for m in "
        "('httpx', 'apscheduler', 'storage', 'sync.engine_core') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
