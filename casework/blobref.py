"""Scan references (扫描件引用): the one rule for which values of a document name a blob (a scan, a result
document, a signed receipt) in the station's or the center's blob store.

In typed code a reference is a :class:`BlobRef` (digest, size, mime), or a digest in a field declared
:data:`Scans` (the two fields that predate ``BlobRef``: ``MaterialRecord.attachments`` and
``CaseResult.documents``). In a document (the JSON form that is stored, queued, sent and ingested) a value
is a reference when it is a 64-hex sha256 digest and

1. it is the ``"sha256"`` of a mapping: the shape of :meth:`BlobRef.to_dict`, found under any key at any
   depth, so a new field that holds a ``BlobRef`` (or a list of them) is found by its shape, whatever its
   name;
2. or its key ends in ``_sha256`` (one named digest, e.g. ``receipt_sha256``);
3. or it is an element of a list under a key in :data:`BLOB_LIST_KEYS` (the serialised :data:`Scans` fields).

Retention and the orphan sweep keep every blob found here, the outbox uploads every one, the center links
every one to its case, and ``verify`` checks each exists: one function, :func:`blob_refs`, for all of them.
A field that holds a digest any other way (a bare string under a new name) is not a reference, and a test
over the case model (``tests/casework/test_blobref.py``) fails for it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

__all__ = ["BLOB_LIST_KEYS", "SCANS", "BlobRef", "Scans", "blob_refs", "is_digest", "walk_refs"]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")

#: List keys whose string elements are digests (how :data:`Scans` fields are serialised).
BLOB_LIST_KEYS = frozenset({"attachments", "documents", "scans", "blobs"})


class _ScanDigests:
    """Marker of a field holding digests of scans (see :data:`Scans`)."""

    def __repr__(self) -> str:
        return "SCANS"


SCANS = _ScanDigests()

#: A field of sha256 digests of scans; serialise it as a list under a key in :data:`BLOB_LIST_KEYS`.
Scans = Annotated[tuple[str, ...], SCANS]


def is_digest(value: object) -> bool:
    """A lower-case 64-hex sha256 digest."""
    return type(value) is str and len(value) == 64 and _HEX64.match(value) is not None


@dataclass(frozen=True)
class BlobRef:
    """What a document stores about a blob: ``{"sha256", "size", "mime"}``."""

    sha256: str
    size: int
    mime: str

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "size": self.size, "mime": self.mime}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> BlobRef:
        sha = d.get("sha256")
        if not is_digest(sha):
            raise ValueError("not a blob reference: sha256 must be 64 lower-case hex digits")
        return cls(str(sha), int(d.get("size", 0)), str(d.get("mime", "")))


def walk_refs(doc: Any, on_float: Callable[[str], None] | None = None) -> set[str]:
    """The digests ``doc`` references (the rule above), in one walk. ``on_float`` is called with the key of
    every float met on the way (the center refuses floats in signed documents during the same walk)."""
    found: set[str] = set()
    stack = [doc]
    while stack:  # hot at commit, bulk load and ingest: cheap tests first (type, then length, then the key)
        cur = stack.pop()
        if type(cur) is dict:
            for k, v in cur.items():
                t = type(v)
                if t is str:
                    if len(v) == 64 and (k == "sha256" or k.endswith("_sha256")) and _HEX64.match(v):
                        found.add(v)
                elif t is list:
                    if k in BLOB_LIST_KEYS:
                        found.update(x for x in v if type(x) is str and len(x) == 64 and _HEX64.match(x))
                    for x in v:
                        tx = type(x)
                        if tx is dict or tx is list:
                            stack.append(x)
                        elif tx is float and on_float is not None:
                            on_float("[]")
                elif t is dict:
                    stack.append(v)
                elif t is float and on_float is not None:
                    on_float(k)
        elif type(cur) is list:
            for x in cur:
                tx = type(x)
                if tx is dict or tx is list:
                    stack.append(x)
                elif tx is float and on_float is not None:
                    on_float("[]")
    return found


def blob_refs(doc: Any) -> set[str]:
    """sha256 digests of the blobs ``doc`` references (see the module docstring)."""
    return walk_refs(doc)
