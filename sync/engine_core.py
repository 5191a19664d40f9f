"""The sync engine's sans-I/O core: what to send next and how to apply each answer.

:func:`sync_flow` is a generator in the style of httpx's ``Auth.auth_flow``: it yields a :class:`Request`
and is sent back the :class:`Response`; it returns a :class:`SyncReport`. It never opens a socket, so the
same code runs over httpx (:mod:`sync.client`), over a test transport, or not at all (offline bundles
reuse its pieces). Local state goes through the injected :class:`sync.ports.SyncStore`, whose every
change is one durable commit.

A sync run walks forward-only **stages**, persisted in ``sync_state`` before each starts::

    push -> push_search_log -> push_notices -> pull_catalog -> pull_calendar -> pull_feed -> pull_results
         -> done

A run killed in a stage resumes there; every stage is itself idempotent (delivered cases leave the outbox
only on a receipt, attachments resume from the byte the center holds, feed events are applied by cursor in
the same commit that moves the cursor, and so are the result documents they list, queued for
``pull_results``), so resuming never loses or duplicates anything. After finishing a
resumed run the flow starts one fresh run, so a single call always pushes everything queued.

Transport failures are the shell's business: it raises :class:`sync.errors.NetworkError` into the
generator (``gen.throw``) or simply stops; nothing half-applied survives because the core commits only
complete answers.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from casework import messages
from casework.cases import FINAL
from sync.errors import AuthError, CenterError, DocumentRefused
from sync.ports import OutboxItem, SyncStore
from sync.protocol import (
    API_PREFIX,
    HEADER_TOTAL_SIZE,
    AttachmentStatus,
    BatchCase,
    CaseBatch,
    CaseBatchResult,
    FeedAck,
    FeedEvent,
    FeedPage,
    JSONObject,
    NoticeBatch,
    NoticeResult,
    Problem,
    ProtocolError,
    SearchMissBatch,
    SearchMissResult,
    SignedEnvelope,
    canonical_json,
    verify_envelope,
)
from sync.search_log import MAX_PENDING as MAX_PENDING_SEARCH_LOG

__all__ = [
    "CHUNK_SIZE",
    "STAGES",
    "NullProgress",
    "Progress",
    "Request",
    "Response",
    "SyncConfig",
    "SyncFlow",
    "SyncReport",
    "check_response",
    "sync_flow",
    "verify_document",
]

CHUNK_SIZE = 1024 * 1024  # 1 MiB, as docs/protocol.md states for the station
BATCH_SIZE = 50
FEED_PAGE = 500
STAGES = (
    "push",
    "push_search_log",
    "push_notices",
    "pull_catalog",
    "pull_calendar",
    "pull_feed",
    "pull_results",
    "done",
)
SEARCH_LOG_BATCH = 200
NOTICE_BATCH = 100
MAX_NOTICE_BATCHES = 100  # one sync sends at most 10,000 notice records; the rest go next time
CATALOG_KINDS = ("catalog", "catalog_delta")
FINAL_STATUSES = frozenset(s.value for s in FINAL)


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to make. ``path`` includes the query exactly as it must be sent and signed."""

    method: str
    path: str
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    signed: bool = True


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise CenterError("sync.engine.damaged_response", wire_code="bad_response") from None

    def problem(self) -> Problem | None:
        try:
            return Problem.from_dict(json.loads(self.body))
        except (ValueError, ProtocolError):
            return None


@dataclass(frozen=True, slots=True)
class SyncConfig:
    chunk_size: int = CHUNK_SIZE
    batch_size: int = BATCH_SIZE
    feed_page: int = FEED_PAGE


class Progress(Protocol):
    """Where the core reports progress (implemented by the shell over a :class:`sync.status.StatusBoard`)."""

    def step(self, name: str) -> None: ...

    def totals(self, *, cases: int = 0, bytes_: int = 0) -> None: ...

    def advance(self, *, cases: int = 0, bytes_: int = 0) -> None: ...


class NullProgress:
    def step(self, name: str) -> None:
        pass

    def totals(self, *, cases: int = 0, bytes_: int = 0) -> None:
        pass

    def advance(self, *, cases: int = 0, bytes_: int = 0) -> None:
        pass


@dataclass(slots=True)
class SyncReport:
    """What one sync did; ``to_dict`` is the JSON summary ``station-app sync --once`` prints."""

    run_id: str = ""
    resumed_from: str | None = None
    cases_delivered: int = 0
    cases_rejected: int = 0
    cases_held: int = 0  # kept queued: one of their scans failed this time (outbox entry ``held``)
    cases_superseded: int = 0
    attachments_uploaded: int = 0
    attachment_bytes_sent: int = 0
    batches: int = 0
    catalog_version: int = 0
    catalog_updated: bool = False
    calendar_version: int = 0
    feed_events_applied: int = 0
    feed_cursor: int = 0
    result_files_downloaded: int = 0
    result_files_pending: int = 0  # queued result documents still to download (retried next sync)
    search_misses_sent: int = 0  # failed guide searches the center now holds
    notices_sent: int = 0  # 一次性告知 / 不予受理 records the center now holds
    warnings: list[str] = field(default_factory=list)  # refused documents and similar, in Chinese

    def to_dict(self) -> JSONObject:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


SyncFlow = Generator[Request, Response, SyncReport]


def check_response(resp: Response, step_code: str) -> Response:
    """Return a 2xx response; translate anything else into the :mod:`sync.errors` hierarchy.

    ``step_code`` names what the station was doing (``sync.step.upload_cases`` …), a catalog entry the
    error's message quotes. The center's reason is its problem ``detail``, or — when the problem names a
    message code this station knows (``params["code"]``) — that message in the station's language."""
    if resp.ok:
        return resp
    problem = resp.problem()
    code = problem.code if problem else f"http_{resp.status}"
    if resp.status in (401, 403):
        action = "sync.action.fix_clock" if code == "clock_skew" else None
        if problem is not None:
            raise AuthError(
                "sync.engine.refused", wire_code=code, action_code=action, reason=_reason(problem)
            )
        raise AuthError("sync.engine.refused_status", wire_code=code, action_code=action, status=resp.status)
    if resp.status in (408, 425, 429) or resp.status >= 500:
        raise CenterError(
            "sync.engine.center_unavailable", wire_code=code, step_code=step_code, status=resp.status
        )
    if problem is not None:
        raise CenterError(
            "sync.engine.step_failed", wire_code=code, step_code=step_code, reason=_reason(problem)
        )
    raise CenterError(
        "sync.engine.step_failed_status", wire_code=code, step_code=step_code, status=resp.status
    )


def _reason(problem: Problem) -> str:
    params = dict(problem.params)
    code = params.pop("code", None)
    if isinstance(code, str) and messages.has(code):
        return messages.text(code, params)
    return problem.detail


def verify_document(
    data: Any, pinned_key: Ed25519PublicKey, *, kinds: tuple[str, ...], now_iso: str, current_version: int
) -> SignedEnvelope | None:
    """Verify a signed district document against the pinned key.

    Returns the envelope when it is newer than ``current_version``, ``None`` when it is exactly the version
    the station already has (nothing to do), and raises :class:`DocumentRefused` for a bad signature,
    another district's key, an expired or malformed (e.g. truncated) document, or an older version.
    """
    document = "sync.document.catalog" if kinds[0].startswith("catalog") else "sync.document.calendar"
    if not isinstance(data, Mapping) or data.get("kind") not in kinds:
        raise DocumentRefused("sync.engine.bad_document", wire_code="bad_document", document_code=document)
    pinned_id = "district-" + hashlib.sha256(pinned_key.public_bytes_raw()).hexdigest()[:16]
    try:
        env = verify_envelope(data, pinned_key, kind=str(data["kind"]), now_iso=now_iso, key_id=pinned_id)
    except ProtocolError as exc:
        raise DocumentRefused(
            "sync.engine.document_unverified",
            wire_code=exc.wire_code,
            document_code=document,
            reason=exc.text(),
        ) from None
    if env.version == current_version:
        return None
    if env.version < current_version:
        raise DocumentRefused(
            "sync.engine.stale_document",
            wire_code="stale_document",
            document_code=document,
            version=env.version,
            held=current_version,
        )
    return env


def sync_flow(
    store: SyncStore,
    *,
    pinned_key: Ed25519PublicKey,
    now_iso: Callable[[], str],
    progress: Progress | None = None,
    config: SyncConfig = SyncConfig(),
) -> SyncFlow:
    """One full sync (push, then pull catalog, calendar and feed), resuming an interrupted run first."""
    progress = progress or NullProgress()
    report = SyncReport()
    run = store.load_run()
    if run is not None and run.get("stage") in STAGES and run["stage"] != "done":
        report.resumed_from = str(run["stage"])
    else:
        run = {"id": uuid.uuid4().hex, "stage": STAGES[0], "started_at": now_iso()}
        store.save_run(run)
    while True:
        report.run_id = str(run["id"])
        start = STAGES.index(str(run["stage"]))
        for index in range(start, len(STAGES) - 1):
            stage = STAGES[index]
            progress.step(stage)
            if stage == "push":
                yield from _push(store, config, report, progress)
            elif stage == "push_search_log":
                yield from _push_search_log(store, report)
            elif stage == "push_notices":
                yield from _push_notices(store, report)
            elif stage == "pull_catalog":
                yield from _pull_catalog(store, pinned_key, now_iso, report)
            elif stage == "pull_calendar":
                yield from _pull_calendar(store, pinned_key, now_iso, report)
            elif stage == "pull_feed":
                yield from _pull_feed(store, config, report)
            else:
                yield from _pull_results(store, report)
            run = {**run, "stage": STAGES[index + 1], "at": now_iso()}
            store.save_run(run)
        if start == 0:
            break
        # a resumed run skipped the push stage: run once more from the start so nothing queued waits
        run = {"id": uuid.uuid4().hex, "stage": STAGES[0], "started_at": now_iso()}
        store.save_run(run)
    progress.step("done")
    report.catalog_version = store.catalog_version()
    report.calendar_version = store.calendar_version()
    report.feed_cursor = store.feed_cursor()
    return report


# --------------------------------------------------------------------------- push


def _push(
    store: SyncStore, config: SyncConfig, report: SyncReport, progress: Progress
) -> Generator[Request, Response, None]:
    progress.totals(cases=store.pending_count())
    complete: set[str] = set()
    stuck: dict[str, str] = {}  # scans that failed this run, with the reason: their cases are held
    held_back: set[str] = set()  # cases the center failed on (500) even alone, or held: retried next sync
    while True:
        items = store.pending(config.batch_size, skip=held_back)
        if not items:
            if held_back:
                report.warnings.append(messages.text("sync.warning.cases_held", {"count": len(held_back)}))
            return
        ready: list[OutboxItem] = []
        for item in items:
            failure: _UploadFailure | None = None
            try:
                canonical_json(item.case)
            except ProtocolError as exc:  # e.g. a float: it could never be signed alike on both sides
                failure = _UploadFailure(messages.text("sync.warning.case_unsendable", {"problem": exc}))
            for sha in item.attachments if failure is None else ():
                if sha in complete:
                    continue
                if sha in stuck:
                    failure = _UploadFailure(stuck[sha], hold=True)
                    break
                failure = yield from _upload(
                    store, sha, config, report, progress, probe=item.prior_version > 0
                )
                if failure is not None:
                    if failure.hold:
                        stuck[sha] = failure.reason
                    break
                complete.add(sha)
            if failure is None:
                ready.append(item)
            elif failure.hold:  # only the cases of this scan wait; the rest of the push goes on
                store.hold([item], failure.reason)
                held_back.add(item.case_id)
                report.cases_held += 1
                progress.advance(cases=1)
            else:
                store.fail_locally([item], failure.reason)
                report.cases_rejected += 1
                progress.advance(cases=1)
        if ready:
            yield from _send_batch(store, ready, report, progress, held_back)


@dataclass(frozen=True, slots=True)
class _UploadFailure:
    """Why a scan did not reach the center: ``hold`` — try again next sync (the case stays queued, marked
    held with the reason); otherwise the case cannot be delivered as it is (rejected locally)."""

    reason: str
    hold: bool = False


def _send_batch(
    store: SyncStore, ready: list[OutboxItem], report: SyncReport, progress: Progress, held_back: set[str]
) -> Generator[Request, Response, None]:
    """POST one batch and record its receipts. A 500 or 413 on a batch is bisected so that one case the
    center chokes on cannot hold back the others (that case waits for the next sync); 502/503/504 mean the
    center is unavailable and stop the sync instead."""
    batch = CaseBatch([BatchCase(i.case_id, i.version, i.case) for i in ready])
    resp = yield Request(
        "POST",
        f"{API_PREFIX}/cases/batch",
        canonical_json(batch.to_dict()),
        {"Content-Type": "application/json"},
    )
    if resp.status in (500, 413):
        if len(ready) == 1:
            held_back.add(ready[0].case_id)
            return
        middle = len(ready) // 2
        yield from _send_batch(store, ready[:middle], report, progress, held_back)
        yield from _send_batch(store, ready[middle:], report, progress, held_back)
        return
    try:
        result = CaseBatchResult.from_dict(check_response(resp, "sync.step.upload_cases").json())
    except ProtocolError as exc:
        raise CenterError("sync.engine.bad_receipts", wire_code="bad_response", reason=exc.text()) from None
    outcome = store.record_receipts(ready, result.receipts)
    yield from _confirm_final(store, [i for i in ready if i.case_id in outcome.delivered])
    report.batches += 1
    report.cases_delivered += len(outcome.delivered)
    report.cases_rejected += len(outcome.rejected)
    report.cases_superseded += len(outcome.superseded)
    progress.advance(cases=len(outcome.delivered) + len(outcome.rejected))
    if not (outcome.delivered or outcome.rejected or outcome.superseded):
        raise CenterError("sync.engine.missing_receipts", wire_code="missing_receipts")


def _confirm_final(store: SyncStore, delivered: list[OutboxItem]) -> Generator[Request, Response, None]:
    """For each delivered version whose status is final, read the center's copy: its merge keeps its own
    status when the station's move does not follow from it (撤回 after the department decided), and the
    receipt says ``accepted`` either way. Only a copy that shows the same final status lets retention purge
    the case; anything else (another status, a refusal) leaves it unconfirmed."""
    for item in delivered:
        status = item.case.get("status")
        if status not in FINAL_STATUSES:
            continue
        resp = yield Request("GET", f"{API_PREFIX}/cases/{item.case_id}")
        if resp.status in (401, 403):
            check_response(resp, "sync.step.query_case")
        body = resp.json() if resp.ok else None
        if isinstance(body, Mapping) and body.get("status") == status:
            store.confirm_final(item.case_id)


def _upload(
    store: SyncStore, sha: str, config: SyncConfig, report: SyncReport, progress: Progress, *, probe: bool
) -> Generator[Request, Response, _UploadFailure | None]:
    """Upload one scan in chunks, resuming from the byte the center holds. ``None`` when the center holds
    it complete; otherwise why not — to hold its cases for the next sync (the center kept refusing the
    position or never confirmed the whole file) or to reject them locally (a 4xx the center will give
    again, e.g. over its size limit)."""
    size = store.blob_size(sha)
    if size is None:
        return _UploadFailure(messages.text("sync.warning.scan_missing"))
    progress.totals(bytes_=size)
    path = f"{API_PREFIX}/attachments/{sha}"
    offset = 0
    # Small scans (one chunk) are sent straight away: re-sending one at most costs one chunk. Larger ones,
    # and scans of a re-sent case version, ask first so that a resumed upload never repeats held bytes.
    if probe or size > config.chunk_size:
        held = yield from _held(path)
        if held is None:
            pass
        elif held.complete:
            progress.advance(bytes_=size)
            return None
        else:
            offset = held.received
    progress.advance(bytes_=offset)
    limit = 3 * (size // max(config.chunk_size, 1) + 2) + 4
    for _ in range(limit):
        chunk = store.read_blob(sha, offset, min(config.chunk_size, size - offset))
        resp = yield Request(
            "PUT",
            f"{path}?offset={offset}",
            chunk,
            {HEADER_TOTAL_SIZE: str(size), "Content-Type": "application/octet-stream"},
        )
        if resp.status == 409:
            problem = resp.problem()
            received = problem.extra.get("received") if problem else None
            if problem is not None and problem.code == "size_mismatch":
                received = 0  # our earlier session declared another size: start it again from byte 0
            if isinstance(received, int) and not isinstance(received, bool) and 0 <= received <= size:
                progress.advance(bytes_=received - offset)
                offset = received
            else:
                held = yield from _held(path)
                new_offset = 0 if held is None else held.received
                progress.advance(bytes_=new_offset - offset)
                offset = new_offset
                if held is not None and held.complete:
                    return None
            continue
        if resp.status == 413 or (400 <= resp.status < 500 and resp.status not in (401, 403, 408, 429)):
            problem = resp.problem()
            return _UploadFailure(
                _reason(problem)
                if problem
                else messages.text("sync.warning.scan_refused", {"status": resp.status})
            )
        status = _attachment_status(check_response(resp, "sync.step.upload_scan"))
        report.attachment_bytes_sent += len(chunk)
        progress.advance(bytes_=status.received - offset)
        if status.complete:
            report.attachments_uploaded += 1
            return None
        offset = status.received
        if offset > size:
            return _UploadFailure(messages.text("sync.warning.scan_size_mismatch"), hold=True)
    return _UploadFailure(messages.text("sync.warning.scan_unconfirmed"), hold=True)


def _held(path: str) -> Generator[Request, Response, AttachmentStatus | None]:
    resp = yield Request("GET", path)
    if resp.status == 404:
        return None
    return _attachment_status(check_response(resp, "sync.step.query_scan"))


def _attachment_status(resp: Response) -> AttachmentStatus:
    try:
        return AttachmentStatus.from_dict(resp.json())
    except ProtocolError as exc:
        raise CenterError(
            "sync.engine.bad_attachment_status", wire_code="bad_response", reason=exc.text()
        ) from None


def _push_search_log(store: SyncStore, report: SyncReport) -> Generator[Request, Response, None]:
    """Send the failed guide searches waiting in the station's log, in batches; forget what the center
    answered for. A center that predates the log (404/405) keeps them waiting; a center error here is a
    warning, not a failed sync — cases and the catalog matter more than the log."""
    for _ in range(1 + MAX_PENDING_SEARCH_LOG // SEARCH_LOG_BATCH):
        misses = store.pending_search_misses(SEARCH_LOG_BATCH)
        if not misses:
            return
        resp = yield Request(
            "POST",
            f"{API_PREFIX}/search-misses",
            canonical_json(SearchMissBatch(misses).to_dict()),
            {"Content-Type": "application/json"},
        )
        if resp.status in (404, 405):
            return
        try:
            result = SearchMissResult.from_dict(check_response(resp, "sync.step.upload_search_misses").json())
        except ProtocolError as exc:
            report.warnings.append(messages.text("sync.warning.search_log_reply", {"detail": exc.detail}))
            return
        except AuthError:
            raise
        except CenterError as exc:
            report.warnings.append(exc.worker_text())
            return
        sent = {str(m.get("id")) for m in misses}
        answered = sent & (set(result.accepted) | set(result.rejected))
        if not answered:
            report.warnings.append(messages.text("sync.warning.search_log_unconfirmed"))
            return
        store.search_misses_delivered(sorted(answered))
        report.search_misses_sent += len(sent & set(result.accepted))


def _push_notices(store: SyncStore, report: SyncReport) -> Generator[Request, Response, None]:
    """Send the 一次性告知 / 不予受理 records waiting on the station, in batches; forget what the center
    holds at the sent version. As for the search log, a center that predates the endpoint (404/405) keeps
    them waiting, and a center error here is a warning for the worker, not a failed sync."""
    sent_total = 0
    for _ in range(MAX_NOTICE_BATCHES):
        notices = store.pending_notices(NOTICE_BATCH)
        if not notices:
            break
        resp = yield Request(
            "POST",
            f"{API_PREFIX}/notices",
            canonical_json(NoticeBatch(notices).to_dict()),
            {"Content-Type": "application/json"},
        )
        if resp.status in (404, 405):
            break
        try:
            result = NoticeResult.from_dict(check_response(resp, "sync.step.upload_notices").json())
        except ProtocolError as exc:
            report.warnings.append(messages.text("sync.warning.notices_reply", {"detail": exc.detail}))
            break
        except AuthError:
            raise
        except CenterError as exc:
            report.warnings.append(exc.worker_text())
            break
        sent = {str(n.get("id")): int(n.get("version", 0)) for n in notices}
        held = {h.id: h.version for h in result.held if h.id in sent and h.version >= sent[h.id]}
        rejected = sorted(set(result.rejected) & set(sent))
        if not held and not rejected:
            report.warnings.append(messages.text("sync.warning.notices_unconfirmed"))
            break
        store.notices_delivered(held, rejected)
        if rejected:
            report.warnings.append(messages.text("sync.warning.notices_rejected", {"count": len(rejected)}))
        sent_total += len(held)
    report.notices_sent += sent_total


# --------------------------------------------------------------------------- pull


def _pull_catalog(
    store: SyncStore, pinned_key: Ed25519PublicKey, now_iso: Callable[[], str], report: SyncReport
) -> Generator[Request, Response, None]:
    current = store.catalog_version()
    path = f"{API_PREFIX}/catalog" + (f"?since={current}" if current else "")
    for _ in range(2):
        resp = yield Request("GET", path)
        if resp.status in (204, 304):
            return
        if resp.status == 404:
            report.warnings.append(messages.text("sync.warning.no_catalog"))
            return
        check_response(resp, "sync.step.download_catalog")
        try:
            env = verify_document(
                _json_or_refuse(resp, "sync.document.catalog"),
                pinned_key,
                kinds=CATALOG_KINDS,
                now_iso=now_iso(),
                current_version=current,
            )
            if env is not None:
                store.apply_catalog(env)
                report.catalog_updated = True
            return
        except DocumentRefused as exc:
            if exc.wire_code == "delta_base" and path != f"{API_PREFIX}/catalog":
                path = f"{API_PREFIX}/catalog"  # the delta does not fit: take the full, signed snapshot
                continue
            report.warnings.append(exc.worker_text())
            return


def _pull_calendar(
    store: SyncStore, pinned_key: Ed25519PublicKey, now_iso: Callable[[], str], report: SyncReport
) -> Generator[Request, Response, None]:
    resp = yield Request("GET", f"{API_PREFIX}/calendar")
    if resp.status in (204, 304, 404):
        return
    check_response(resp, "sync.step.download_calendar")
    try:
        env = verify_document(
            _json_or_refuse(resp, "sync.document.calendar"),
            pinned_key,
            kinds=("calendar",),
            now_iso=now_iso(),
            current_version=store.calendar_version(),
        )
        if env is not None:
            store.apply_calendar(env)
    except DocumentRefused as exc:
        report.warnings.append(exc.worker_text())


def _json_or_refuse(resp: Response, document_code: str) -> Any:
    try:
        return json.loads(resp.body)
    except ValueError:
        raise DocumentRefused(
            "sync.engine.truncated_document", wire_code="truncated_document", document_code=document_code
        ) from None


def _pull_feed(
    store: SyncStore, config: SyncConfig, report: SyncReport
) -> Generator[Request, Response, None]:
    cursor = store.feed_cursor()
    while True:
        resp = yield Request("GET", f"{API_PREFIX}/feed?after={cursor}&limit={config.feed_page}")
        try:
            page = FeedPage.from_dict(check_response(resp, "sync.step.receive_results").json())
        except ProtocolError as exc:
            raise CenterError("sync.engine.bad_feed", wire_code="bad_response", reason=exc.text()) from None
        events = [e for e in page.events if e.seq > cursor]
        if page.next < cursor:
            raise CenterError("sync.engine.feed_cursor_back", wire_code="bad_response")
        if events or page.next > cursor:
            center_cases = yield from _center_copies(events)
            applied = store.apply_feed(events, page.next, center_cases)
            report.feed_events_applied += applied.applied
            cursor = page.next
            ack = yield Request(
                "POST",
                f"{API_PREFIX}/feed/ack",
                canonical_json(FeedAck(cursor).to_dict()),
                {"Content-Type": "application/json"},
            )
            check_response(ack, "sync.step.ack_results")
        if not events or len(page.events) < config.feed_page:
            return


def _center_copies(events: list[FeedEvent]) -> Generator[Request, Response, dict[str, JSONObject]]:
    """The center's copies of the cases a page asks supplements for (``GET /cases/{id}``): the station
    records the request under the center's own time, by which the center recognises it when the case comes
    back supplied. A copy the center does not give is simply not used."""
    out: dict[str, JSONObject] = {}
    for case_id in dict.fromkeys(e.case_id for e in events if e.type == "supplement_requested" and e.case_id):
        assert case_id is not None
        resp = yield Request("GET", f"{API_PREFIX}/cases/{case_id}")
        if resp.status in (401, 403):
            check_response(resp, "sync.step.query_case")
        body = resp.json() if resp.ok else None
        if isinstance(body, Mapping) and isinstance(body.get("case"), Mapping):
            out[case_id] = dict(body["case"])
    return out


def _pull_results(store: SyncStore, report: SyncReport) -> Generator[Request, Response, None]:
    """Download the result documents (结果文书) feed events queued, verify each one's sha256 and keep it in
    the encrypted blob store. A file the center cannot give (404, another refusal, a wrong hash) or the
    station cannot keep stays queued with the reason and is tried again next sync; the events are already
    applied, so nothing else waits for it. A transport failure ends the sync (the scheduler retries)."""
    failed = 0
    for item in store.pending_results():
        resp = yield Request("GET", f"{API_PREFIX}/cases/{item.case_id}/results/{item.sha256}")
        if resp.status in (401, 403) or resp.status in (408, 425, 429) or resp.status >= 500:
            check_response(resp, "sync.step.download_result_file")  # raises: not this file's fault
        reason: str | None
        if not resp.ok:
            problem = resp.problem()
            reason = (
                _reason(problem)
                if problem
                else messages.text("sync.warning.result_unavailable", {"status": resp.status})
            )
            store.result_failed(item, reason)
        elif hashlib.sha256(resp.body).hexdigest() != item.sha256:
            reason = messages.text("sync.warning.result_corrupt")
            store.result_failed(item, reason)
        else:
            reason = store.save_result(item, resp.body)
        if reason is None:
            report.result_files_downloaded += 1
        else:
            failed += 1
    report.result_files_pending = failed
    if failed:
        report.warnings.append(messages.text("sync.warning.results_pending", {"count": failed}))
