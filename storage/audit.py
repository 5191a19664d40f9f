"""The audit log (审计日志): append-only, hash-chained entries, stored encrypted in the journal.

Each entry is a document in the reserved collection ``_audit`` under key ``f"{seq:010d}"``::

    {"seq": 17, "at": "2026-11-22T02:10:00Z", "actor": "worker:w01", "action": "case.put",
     "case": "<case id or null>", "detail": {...}, "prev": "<hash of entry 16>", "hash": "<sha256>"}

``hash = sha256(canonical(entry without "hash"))``; ``prev`` of entry 0 is 64 zeros. Entries describing a
document change are written in the **same** journal record as the change, so the log and the data cannot
disagree after a crash. The journal already authenticates every record; the chain additionally lets
:func:`verify_chain` name the first entry that was removed, reordered or rewritten.

Failed unlock attempts happen before the data key is known; they wait in ``keys.json`` (see keyslots) and are
copied into the log by the next successful unlock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from storage.crypto import canonical

AUDIT = "_audit"
GENESIS = "0" * 64


def utc_now_iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_key(seq: int) -> str:
    return f"{seq:010d}"


def entry_hash(entry: dict[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


def make_entry(
    seq: int,
    prev: str,
    *,
    at: float,
    actor: str,
    action: str,
    case: str | None = None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "seq": seq,
        "at": utc_now_iso(at),
        "actor": actor,
        "action": action,
        "case": case,
        "detail": detail or {},
        "prev": prev,
    }
    entry["hash"] = entry_hash(entry)
    return entry


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_chain(entries: Iterable[tuple[str, dict[str, Any]]]) -> ChainBreak | None:
    """Check the chain in key order; return the first broken link, or ``None`` when it holds."""
    prev = GENESIS
    for expected, (key, e) in enumerate(sorted(entries)):
        if key != entry_key(expected) or e.get("seq") != expected:
            return ChainBreak(expected, f"entry {expected} missing or out of order (found key {key})")
        if e.get("prev") != prev:
            return ChainBreak(expected, f"entry {expected} does not link to entry {expected - 1}")
        if e.get("hash") != entry_hash(e):
            return ChainBreak(expected, f"entry {expected} was altered (hash mismatch)")
        prev = str(e["hash"])
    return None
