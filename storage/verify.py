"""Whole-store verification (``station-app verify``): every document and blob decrypts and authenticates,
the audit chain holds, every referenced scan exists, no blob is orphaned, no unknown file lies around.

Unlocking already checks the head, every journal record and keys.json against the head; this adds the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from storage import checkpoint
from storage.audit import AUDIT, verify_chain
from storage.errors import StorageError
from storage.store import KEYS_FILE, StationStore

_KNOWN_TOP = {KEYS_FILE, ".station.lock", "docs", "blobs", "quarantine"}


@dataclass
class VerifyReport:
    problems: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def text(self) -> str:
        lines = [f"问题 PROBLEM: {p}" for p in self.problems] + [f"信息 INFO: {i}" for i in self.info]
        lines.append("结果：数据完好 (OK)" if self.ok else f"结果：发现 {len(self.problems)} 个问题 (FAILED)")
        return "\n".join(lines)


ExtraCheck = Callable[[Path], tuple[list[str], list[str]]]


def verify_store(store: StationStore, extra: Mapping[str, ExtraCheck] | None = None) -> VerifyReport:
    """Check an unlocked store. Reports, never repairs.

    ``extra`` names the other top-level entries the program keeps in the data directory (the station app's
    ``web``, ``uploads``, ``tmp``) with a check returning (problems, info) for the whole directory; every
    check runs once, and any other unknown entry is a problem."""
    rep = VerifyReport()
    extra = extra or {}
    docs = store.docs
    referenced: set[str] = set()
    total = 0
    for coll in sorted(docs.collections()):
        try:
            n = sum(1 for _ in docs.items(coll))
            total += n
        except StorageError as exc:
            rep.problems.append(f"collection {coll}: {exc.detail or exc}")
    for refs in docs.refs.values():
        referenced.update(refs)
    rep.info.append(
        f"{total} documents in {len(docs.collections())} collections, "
        f"journal generation {docs.head.generation}, {docs.head.records} records"
    )
    for coll, sz in sorted(docs.summarizers.items()):
        stored = dict(docs.meta.get(coll, {}))
        stale = wrong = 0
        for key, doc in docs.items(coll):
            meta = stored.get(key)
            if meta is None or meta.get("v") != sz.version:
                stale += 1
            elif meta != docs.summary_of(coll, doc):
                wrong += 1
                if wrong <= 5:
                    rep.problems.append(f"summary of {coll}/{key[:12]} does not match its document")
        if wrong > 5:
            rep.problems.append(f"{wrong} summaries of {coll} do not match their documents")
        if stale:
            rep.info.append(f"{stale} summaries of {coll} from an older version (rewritten at compaction)")
    brk = verify_chain(docs.items(AUDIT))
    if brk is not None:
        rep.problems.append(f"audit chain broken at entry {brk.seq}: {brk.reason}")
    else:
        rep.info.append(f"audit chain holds ({docs.count(AUDIT)} entries)")
    blobs = store.blobs
    names = {blobs.name_for(s): s for s in referenced}
    for sha in sorted(referenced):
        if not blobs.has(sha):
            rep.problems.append(f"attachment {sha[:12]}… is referenced but missing")
            continue
        try:
            blobs.verify(sha)
        except StorageError as exc:
            rep.problems.append(f"attachment {sha[:12]}…: {exc.detail or exc}")
    for p in blobs.list_files():
        if p.name not in names:
            rep.problems.append(f"orphan or unknown file in blobs/: {p.parent.name}/{p.name[:12]}…")
    for p in Path(store.data_dir).iterdir():
        if p.name not in _KNOWN_TOP and p.name not in extra:
            rep.problems.append(f"unknown file in the data directory: {p.name}")
    for check in dict.fromkeys(extra.values()):
        problems, info = check(Path(store.data_dir))
        rep.problems += problems
        rep.info += info
    problem = docs.verify_checkpoint()
    if problem:
        rep.problems.append(problem)
    elif docs.head.index:
        rep.info.append(f"index checkpoint after record {docs.head.index} matches the journal")
    expected_docs = {"head.bin", f"journal-{docs.head.generation:08d}.log"}
    if docs.head.index:
        expected_docs.add(checkpoint.path_for(docs.dir, docs.head.generation, docs.head.index).name)
    for p in (store.data_dir / "docs").iterdir():
        if p.name not in expected_docs:
            rep.problems.append(f"unknown file in docs/: {p.name}")
    q = store.data_dir / "quarantine"
    if q.exists():
        rep.info.append(f"{sum(1 for _ in q.iterdir())} quarantined unreferenced attachments")
    rep.info.append(f"{len(referenced)} attachments verified")
    return rep
