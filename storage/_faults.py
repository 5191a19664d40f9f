"""Fault-injection points for the crash tests (no effect unless a test installs a hook).

Production code calls ``point("journal.torn")`` etc. at the places where a crash is most interesting; the
crash-test child installs ``hook`` to SIGKILL itself there. Nothing reads the environment: a hook can only be
set by code running inside the process.
"""

from __future__ import annotations

from collections.abc import Callable

hook: Callable[[str], None] | None = None


def point(name: str) -> None:
    if hook is not None:
        hook(name)


def active() -> bool:
    return hook is not None
