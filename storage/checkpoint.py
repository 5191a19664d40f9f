"""Index checkpoints: the document index, scan references and summaries, saved encrypted, so opening a store
of 100,000 cases reads one file and the few records committed after it instead of the whole journal.

A checkpoint is a cache, never the only copy of anything. ``docs/index-GGGGGGGG-RRRRRRRRRR.bin`` holds the
in-memory index of generation ``G`` as it was after record ``R``; the head pins ``R`` (``Head.index``), and
opening restores the index from that file, then scans the journal from the record after it with every
open-time rule (:mod:`storage.journal`). A checkpoint that is missing, damaged or from elsewhere is not used:
the store reads the whole journal as before, keeps working, and ``verify`` reports the problem. Files no head
pins (a crash between writing one and pinning it, an older generation) are removed on open.

Format: a sequence of parts, each ``[u32 length][AES-256-GCM]`` under a sub-key of the data key with (store
id, generation, record count, part number, last?) as associated data; each part one JSON value of a columnar
layout — one list per field rather than one object per document, repeated values stored once — which decodes
several times faster than the journal's per-record summary lines, and is written and read one column at a
time (the whole text of 100,000 summaries is never in memory at once). It is written by the station's
background worker when enough records follow the last one, at compaction and at close
(:meth:`storage.store.StationStore.checkpoint`).

What the records *before* a checkpoint do not get at open is the authentication of every frame: a damaged
frame there is found when a document in it is read, and by ``verify``, which reads them all.
"""

from __future__ import annotations

import json
import os
import re
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice, repeat
from pathlib import Path
from typing import Any, BinaryIO

from storage.crypto import InvalidTag, canonical, open_sealed, seal
from storage.fsutil import disk_full, fsync_dir, is_enospc, replace

__all__ = [
    "CheckpointUnusable",
    "PendingSummaries",
    "State",
    "encode",
    "path_for",
    "read",
    "remove_unpinned",
    "write",
]

FORMAT = 3
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
    #: read with ``lazy_summaries``: the summaries, authenticated but not parsed yet (``summaries`` is empty)
    pending: PendingSummaries | None = None
    #: read from a file: one string object per scan digest, the one every tuple of ``refs`` holds
    shas: dict[str, str] = field(default_factory=dict)


@dataclass
class PendingSummaries:
    """The summary parts of a checkpoint, decrypted and authenticated at open but not parsed: a store opens
    (and a worker reaches the home screen) without building 100,000 summary dicts first; :meth:`decode`
    builds them when the lists first need them (or on a thread right after the sign-in). Per collection:
    (name, keys, [(fields, positions part, one part per field)])."""

    collections: list[tuple[str, list[str], list[tuple[list[str], bytes, list[bytes]]]]]

    def decode(self) -> dict[str, dict[str, dict[str, Any]]]:
        """collection → key → summary; :class:`CheckpointUnusable` if a part is malformed (it authenticated,
        so only a bug writes one: the summaries are then recomputed from the documents)."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        try:
            for name, keys, shapes in self.collections:
                rows: dict[str, dict[str, Any]] = {}
                for fields, pos_raw, col_raws in shapes:
                    pos = json.loads(pos_raw)
                    _rows_into(
                        rows, name, keys, fields, pos, [_decode_column(json.loads(c)) for c in col_raws]
                    )
                if rows:
                    out[name] = rows
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            raise CheckpointUnusable(f"summaries are malformed ({exc})") from exc
        return out


def path_for(docs_dir: Path, generation: int, records: int) -> Path:
    return docs_dir / f"index-{generation:08d}-{records:010d}.bin"


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
        return list(map(col["u"].__getitem__, col["c"]))  # a C loop: twice the speed of a comprehension
    if not isinstance(col, list):
        raise CheckpointUnusable("malformed column")
    return col


def _rows_into(
    rows: dict[str, dict[str, Any]],
    name: str,
    keys: list[str],
    fields: list[str],
    pos: list[int],
    columns: list[Any],
) -> None:
    """One shape's rows (``fields`` → the values of ``columns``) under ``keys[p]`` for ``p`` in ``pos``."""
    if any(len(col) != len(pos) for col in columns):
        raise CheckpointUnusable(f"summaries of {name} are malformed")
    # the hot loop of building the summaries of a big store, in C (lengths are checked above), a few
    # thousand rows per call: a thread parsing them lets the others (the UI's loop) run in between
    rows_of = zip(map(keys.__getitem__, pos), map(dict, map(zip, repeat(fields), zip(*columns))))  # noqa: B905
    for _ in range(0, len(pos), _CHUNK):
        rows.update(islice(rows_of, _CHUNK))


_PART = struct.Struct(">I")
_CHUNK = 4096


def _dump(value: Any) -> bytes:
    # ASCII JSON: the text of 100,000 summaries stays one byte per character in memory while it is built
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def _parts(state: State) -> Iterator[Any]:
    """The checkpoint as a sequence of JSON values, one column at a time (what is written and read)."""
    yield {"format": FORMAT, "generation": state.generation, "records": state.records, "length": state.length}
    yield [list(col) for col in zip(*state.frames, strict=True)] if state.frames else [[], [], []]
    yield len(state.collections)
    table: dict[str, int] = {}  # a case's key is in cases, receipts, confirmations …: written (and made) once
    for _name, keys, _frames in state.collections:
        for k in keys:
            table.setdefault(k, len(table))
    yield list(table)
    for name, keys, frames in state.collections:
        refs = [(i, tuple(state.refs[(name, k)])) for i, k in enumerate(keys) if (name, k) in state.refs]
        distinct: dict[tuple[str, ...], int] = {}
        ref_sets = [distinct.setdefault(r, len(distinct)) for _, r in refs]
        rows = state.summaries.get(name, {})
        position = {k: i for i, k in enumerate(keys)}
        shapes: dict[tuple[str, ...], list[str]] = {}
        for key, row in rows.items():
            if key in position:
                shapes.setdefault(tuple(row), []).append(key)
        yield {"name": name, "shapes": [list(fields) for fields in shapes]}
        yield [table[k] for k in keys]
        yield frames
        yield {"pos": [i for i, _ in refs], "set": ref_sets, "sets": [list(r) for r in distinct]}
        for fields, members in shapes.items():
            yield [position[k] for k in members]
            for f in fields:
                yield _column([rows[k][f] for k in members])


def _part_aad(store_id: str, generation: int, records: int, part: int, last: bool) -> bytes:
    return canonical(
        {
            "store": store_id,
            "file": "index",
            "gen": generation,
            "records": records,
            "part": part,
            "last": last,
        }
    )


def encode(state: State, key: bytes, store_id: str) -> Iterator[bytes]:
    """The sealed parts of the checkpoint of ``state``, each ``[u32 length][AES-GCM]`` with (store,
    generation, record count, part number, last?) as associated data, so no part can be reordered, dropped
    or cut off unnoticed. CPU work only: take the state under the store's mutex, encode it outside.
    Memory: one column at a time."""
    parts = iter(_parts(state))
    current = next(parts)
    i = 0
    for upcoming in parts:
        sealed = seal(key, _dump(current), _part_aad(store_id, state.generation, state.records, i, False))
        yield _PART.pack(len(sealed)) + sealed
        current, i = upcoming, i + 1
    sealed = seal(key, _dump(current), _part_aad(store_id, state.generation, state.records, i, True))
    yield _PART.pack(len(sealed)) + sealed


def write(docs_dir: Path, generation: int, records: int, parts: Iterable[bytes]) -> Path:
    """Write a checkpoint's sealed parts under its name (temp file, fsync, rename: atomic). Pinning it in
    the head is the caller's. Raises :class:`DiskFull` on ENOSPC (nothing is left behind)."""
    path = path_for(docs_dir, generation, records)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with open(tmp, "wb") as f:
            for part in parts:
                f.write(part)
            f.flush()
            os.fsync(f.fileno())
        replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if is_enospc(exc):
            raise disk_full(exc, f"writing {path.name}") from exc
        raise
    fsync_dir(docs_dir)
    return path


def _read_parts(f: BinaryIO, name: str, key: bytes, aad: Callable[[int, bool], bytes]) -> Iterator[bytes]:
    i, last = 0, False
    while not last:
        head = f.read(_PART.size)
        if len(head) < _PART.size:
            raise CheckpointUnusable(f"{name} is cut short")
        (n,) = _PART.unpack(head)
        sealed = f.read(n)
        if len(sealed) < n:
            raise CheckpointUnusable(f"{name} is cut short")
        try:
            body, last = open_sealed(key, sealed, aad(i, False)), False
        except InvalidTag:
            try:
                body, last = open_sealed(key, sealed, aad(i, True)), True
            except InvalidTag as exc:
                raise CheckpointUnusable(
                    f"{name} does not authenticate (changed or not this store's)"
                ) from exc
        yield body
        i += 1
    if f.read(1):
        raise CheckpointUnusable(f"{name} has bytes after its last part")


def read(
    docs_dir: Path, key: bytes, store_id: str, generation: int, records: int, *, lazy_summaries: bool = False
) -> State:
    """The checkpoint the head pins, or :class:`CheckpointUnusable` saying why it cannot be used. Every
    part is decrypted and authenticated here; ``lazy_summaries``: the summaries are left unparsed
    (``State.pending``)."""
    path = path_for(docs_dir, generation, records)
    try:
        f = open(path, "rb")  # noqa: SIM115  # closed below; read part by part
    except OSError as exc:
        raise CheckpointUnusable(f"{path.name} cannot be read ({exc.strerror or exc})") from exc

    def aad(part: int, last: bool) -> bytes:
        return _part_aad(store_id, generation, records, part, last)

    with f:
        parts = _read_parts(f, path.name, key, aad)
        try:
            state = _decode(parts, lazy_summaries)
            for _extra in parts:  # the last part must have been read: nothing may follow
                raise CheckpointUnusable(f"{path.name} has more parts than its layout")
        except (ValueError, KeyError, TypeError, IndexError, StopIteration, RuntimeError) as exc:
            raise CheckpointUnusable(f"{path.name} is malformed") from exc
    return state


def _decode(raw: Iterator[bytes], lazy_summaries: bool = False) -> State:
    parts = map(json.loads, raw)
    head = next(parts)
    if head.get("format") != FORMAT:
        raise CheckpointUnusable(f"unknown checkpoint format {head.get('format')!r}")
    seqs, offsets, sizes = next(parts)
    frames = list(zip(seqs, offsets, sizes, strict=True))
    collections: list[tuple[str, list[str], list[int]]] = []
    refs: dict[tuple[str, str], tuple[str, ...]] = {}
    shas: dict[str, str] = {}
    summaries: dict[str, dict[str, dict[str, Any]]] = {}
    later: list[tuple[str, list[str], list[tuple[list[str], bytes, list[bytes]]]]] = []
    count = int(next(parts))
    table = next(parts)
    for _ in range(count):
        info = next(parts)
        name = str(info["name"])
        keys, positions = list(map(table.__getitem__, next(parts))), next(parts)
        fits = not positions or 0 <= min(positions) <= max(positions) < len(frames)
        if len(keys) != len(positions) or not fits:
            raise CheckpointUnusable(f"collection {name} does not fit its frames")
        collections.append((name, keys, positions))
        ref_part = next(parts)
        # one tuple per distinct set of scans, shared by its documents; one string per scan digest
        sets = [tuple(shas.setdefault(x, x) for x in r) for r in ref_part["sets"]]
        where, which = ref_part["pos"], ref_part["set"]
        if len(where) != len(which):
            raise CheckpointUnusable(f"scan references of {name} are malformed")
        refs.update(zip(zip(repeat(name), map(keys.__getitem__, where)), map(sets.__getitem__, which)))  # noqa: B905
        shapes = [[str(f) for f in fields] for fields in info["shapes"]]
        if lazy_summaries:
            if shapes:
                later.append(
                    (name, keys, [(fields, next(raw), [next(raw) for _f in fields]) for fields in shapes])
                )
            continue
        rows: dict[str, dict[str, Any]] = {}
        for fields in shapes:
            pos = next(parts)
            _rows_into(rows, name, keys, fields, pos, [_decode_column(next(parts)) for _f in fields])
        if rows:
            summaries[name] = rows
    generation, records, length = int(head["generation"]), int(head["records"]), int(head["length"])
    pending = PendingSummaries(later) if lazy_summaries else None
    return State(generation, records, length, frames, collections, refs, summaries, pending, shas)


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
