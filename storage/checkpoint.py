"""Index checkpoints: the document index, scan references and summaries, saved encrypted, so opening a store
of 100,000 cases reads one file and the few records committed after it instead of the whole journal.

A checkpoint is a cache, never the only copy of anything. ``docs/index-GGGGGGGG-RRRRRRRRRR.bin`` holds the
in-memory index of generation ``G`` as it was after record ``R``; the head pins ``R`` (``Head.index``), and
opening restores the index from that file, then scans the journal from the record after it with every
open-time rule (:mod:`storage.journal`). A checkpoint that is missing, damaged or from elsewhere is not used:
the store reads the whole journal as before, keeps working, and ``verify`` reports the problem. Files no head
pins (a crash between writing one and pinning it, an older generation) are removed on open.

Format: AES-256-GCM (a sub-key of the data key; associated data = store id, generation, record count) over
columnar JSON — one list per field rather than one object per document, repeated values stored once — which
decodes several times faster than the journal's per-record summary lines. It is written by the station's
background worker when enough records follow the last one, at compaction and at close
(:meth:`storage.store.StationStore.checkpoint`).

What the records *before* a checkpoint do not get at open is the authentication of every frame: a damaged
frame there is found when a document in it is read, and by ``verify``, which reads them all.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from storage.crypto import InvalidTag, canonical, open_sealed, seal
from storage.fsutil import atomic_write, fsync_dir

__all__ = ["CheckpointUnusable", "State", "encode", "path_for", "read", "remove_unpinned", "write"]

FORMAT = 1
_NAME = re.compile(r"^index-(\d{8})-(\d{10})\.bin$")


class CheckpointUnusable(Exception):
    """The pinned checkpoint cannot be used (missing, does not authenticate, malformed); the reason is for
    the log and ``verify``, and the store falls back to reading the whole journal."""


@dataclass
class State:
    """The index of one generation after ``records`` records (``length`` bytes): ``frames`` are
    (seq, offset, size) of records that hold live documents; ``collections`` are (name, keys, frame position
    of each key); ``refs`` and ``summaries`` as in :class:`storage.docstore.DocumentStore`."""

    generation: int
    records: int
    length: int
    frames: list[tuple[int, int, int]]
    collections: list[tuple[str, list[str], list[int]]]
    refs: Mapping[tuple[str, str], Iterable[str]] = field(default_factory=dict)
    summaries: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)


def path_for(docs_dir: Path, generation: int, records: int) -> Path:
    return docs_dir / f"index-{generation:08d}-{records:010d}.bin"


def _aad(store_id: str, generation: int, records: int) -> bytes:
    return canonical({"store": store_id, "file": "index", "gen": generation, "records": records})


def _column(values: list[Any]) -> Any:
    """A list of values, or ``{"u": distinct values, "c": codes}`` when values repeat a lot (statuses,
    dates, item codes): decoding then makes one object per distinct value."""
    try:
        codes: dict[Any, int] = {}
        out = [codes.setdefault(v, len(codes)) for v in values]
    except TypeError:  # unhashable values (a summarizer may store lists): plain
        return values
    if len(codes) * 2 > len(values):
        return values
    return {"u": list(codes), "c": out}


def _decode_column(col: Any) -> list[Any]:
    if isinstance(col, dict):
        distinct = col["u"]
        return [distinct[c] for c in col["c"]]
    if not isinstance(col, list):
        raise CheckpointUnusable("malformed column")
    return col


def _encode_summaries(keys: list[str], rows: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
    position = {k: i for i, k in enumerate(keys)}
    shapes: dict[tuple[str, ...], tuple[list[int], list[dict[str, Any]]]] = {}
    for key, row in rows.items():
        p = position.get(key)
        if p is None:
            continue
        pos, members = shapes.setdefault(tuple(row), ([], []))
        pos.append(p)
        members.append(row)
    return [
        {"fields": list(fields), "pos": pos, "columns": [_column([r[f] for r in members]) for f in fields]}
        for fields, (pos, members) in shapes.items()
    ]


def encode(state: State, key: bytes, store_id: str) -> bytes:
    """The sealed checkpoint of ``state`` (CPU work only; take the state under the store's mutex, encode it
    outside)."""
    collections = []
    for name, keys, frames in state.collections:
        refs = [(i, list(state.refs[(name, k)])) for i, k in enumerate(keys) if (name, k) in state.refs]
        distinct: dict[tuple[str, ...], int] = {}
        ref_sets = [distinct.setdefault(tuple(r), len(distinct)) for _, r in refs]
        collections.append(
            {
                "name": name,
                "keys": keys,
                "frames": frames,
                "refs": {"pos": [i for i, _ in refs], "set": ref_sets, "sets": [list(s) for s in distinct]},
                "summaries": _encode_summaries(keys, state.summaries.get(name, {})),
            }
        )
    payload = {
        "format": FORMAT,
        "generation": state.generation,
        "records": state.records,
        "length": state.length,
        "frames": [list(col) for col in zip(*state.frames, strict=True)] if state.frames else [[], [], []],
        "collections": collections,
    }
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return seal(key, body, _aad(store_id, state.generation, state.records))


def write(docs_dir: Path, generation: int, records: int, sealed: bytes) -> Path:
    """Write a sealed checkpoint under its name (atomically). Pinning it in the head is the caller's."""
    path = path_for(docs_dir, generation, records)
    atomic_write(path, sealed)
    return path


def read(docs_dir: Path, key: bytes, store_id: str, generation: int, records: int) -> State:
    """The checkpoint the head pins, or :class:`CheckpointUnusable` saying why it cannot be used."""
    path = path_for(docs_dir, generation, records)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CheckpointUnusable(f"{path.name} cannot be read ({exc.strerror or exc})") from exc
    try:
        body = open_sealed(key, raw, _aad(store_id, generation, records))
    except InvalidTag as exc:
        raise CheckpointUnusable(f"{path.name} does not authenticate (changed or not this store's)") from exc
    try:
        return _decode(json.loads(body))
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise CheckpointUnusable(f"{path.name} is malformed") from exc


def _decode(d: dict[str, Any]) -> State:
    if d.get("format") != FORMAT:
        raise CheckpointUnusable(f"unknown checkpoint format {d.get('format')!r}")
    seqs, offsets, sizes = d["frames"]
    frames = list(zip(seqs, offsets, sizes, strict=True))
    collections: list[tuple[str, list[str], list[int]]] = []
    refs: dict[tuple[str, str], tuple[str, ...]] = {}
    summaries: dict[str, dict[str, dict[str, Any]]] = {}
    for c in d["collections"]:
        name, keys, positions = str(c["name"]), c["keys"], c["frames"]
        if len(keys) != len(positions) or (
            positions and not 0 <= min(positions) <= max(positions) < len(frames)
        ):
            raise CheckpointUnusable(f"collection {name} does not fit its frames")
        collections.append((name, keys, positions))
        sets = [tuple(s) for s in c["refs"]["sets"]]  # one tuple per distinct set, shared by its documents
        for i, s in zip(c["refs"]["pos"], c["refs"]["set"], strict=True):
            refs[(name, keys[i])] = sets[s]
        rows: dict[str, dict[str, Any]] = {}
        for shape in c["summaries"]:
            fields, pos = shape["fields"], shape["pos"]
            columns = [_decode_column(col) for col in shape["columns"]]
            if len(columns) != len(fields) or any(len(col) != len(pos) for col in columns):
                raise CheckpointUnusable(f"summaries of {name} are malformed")
            # the hot loop of opening a big store: lengths are checked above, so no strict zips here
            for p, values in zip(pos, zip(*columns)):  # noqa: B905
                rows[keys[p]] = dict(zip(fields, values))  # noqa: B905
        if rows:
            summaries[name] = rows
    generation, records, length = int(d["generation"]), int(d["records"]), int(d["length"])
    return State(generation, records, length, frames, collections, refs, summaries)


def remove_unpinned(docs_dir: Path, generation: int, records: int) -> None:
    """Delete every checkpoint but the one the head pins (``records`` 0: none is pinned)."""
    changed = False
    for p in docs_dir.iterdir():
        m = _NAME.match(p.name)
        if m and (int(m.group(1)), int(m.group(2))) != (generation, records if records else -1):
            p.unlink(missing_ok=True)
            changed = True
    if changed:
        fsync_dir(docs_dir)
