"""What the sync engine needs from the station's local state: one small interface.

The engine core (:mod:`sync.engine_core`) never touches the store directly; it talks to a :class:`SyncStore`.
The production implementation (:class:`sync.local.StationSyncStore`) sits on the encrypted station store;
every method that changes state is one durable commit, so a crash between two calls loses nothing and the
next sync resumes from what was committed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sync.protocol import CaseReceipt, FeedEvent, JSONObject, SignedEnvelope

__all__ = ["AppliedFeed", "OutboxItem", "ReceiptOutcome", "ResultFile", "SyncStore"]


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One case version waiting to reach the center, with the sha256 of every scan it references."""

    case_id: str
    version: int
    case: JSONObject
    attachments: tuple[str, ...] = ()
    prior_version: int = 0  # the last version of this case ever queued before (0: first send)


@dataclass(frozen=True, slots=True)
class ResultFile:
    """A result document (结果文书) a feed event listed, queued durably until it is downloaded."""

    case_id: str
    sha256: str
    name: str = ""
    size: int = 0
    mime: str = ""
    attempts: int = 0  # failed downloads so far


@dataclass(slots=True)
class ReceiptOutcome:
    """What recording one batch's receipts changed."""

    delivered: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)  # edited meanwhile: the newer version stays queued


@dataclass(slots=True)
class AppliedFeed:
    applied: int = 0
    skipped: int = 0  # already applied (idempotent replay) or not applicable, with a reason logged
    created: int = 0  # cases created by routed_in events
    results_queued: int = 0  # result documents queued for download
    pruned: int = 0  # old sync_inbox entries removed


class SyncStore(Protocol):
    """The station-side state of sync. Methods that change state commit durably before returning."""

    # -- persisted, forward-only stages of the current sync run
    def load_run(self) -> JSONObject | None: ...

    def save_run(self, run: JSONObject | None) -> None: ...

    # -- outbox
    def pending(self, limit: int, skip: Collection[str] = ()) -> list[OutboxItem]:
        """Up to ``limit`` queued case versions, oldest first, leaving out the case ids in ``skip``."""
        ...

    def pending_count(self) -> int: ...

    def record_receipts(
        self, sent: Sequence[OutboxItem], receipts: Sequence[CaseReceipt]
    ) -> ReceiptOutcome: ...

    def rejected_count(self) -> int: ...

    def confirm_final(self, case_id: str) -> None:
        """The center holds this case's final (closed / refused / withdrawn) state: retention may purge it."""
        ...

    def fail_locally(self, items: Sequence[OutboxItem], reason: str) -> None: ...

    def hold(self, items: Sequence[OutboxItem], reason: str) -> None:
        """These versions could not go this time (one of their attachments failed): keep them queued,
        with ``reason`` (Chinese) for the worker, and try again next sync."""
        ...

    # -- attachments (content-addressed by sha256 hex)
    def blob_size(self, sha256: str) -> int | None: ...

    def read_blob(self, sha256: str, offset: int, length: int) -> bytes: ...

    # -- failed guide searches (sync.search_log)
    def pending_search_misses(self, limit: int) -> list[JSONObject]:
        """Up to ``limit`` waiting records (``SearchMiss.to_dict()``), oldest first."""
        ...

    def search_misses_delivered(self, ids: Sequence[str]) -> None:
        """Forget the records the center answered for."""
        ...

    # -- 一次性告知 and 不予受理 records (sync.notices)
    def pending_notices(self, limit: int) -> list[JSONObject]:
        """Up to ``limit`` waiting records (``NoticeReport.to_dict()``), oldest first."""
        ...

    def notices_delivered(self, held: Mapping[str, int], rejected: Sequence[str]) -> None:
        """The center holds these notices at these versions (or refused them): forget each waiting entry it
        holds at that version or newer, and every refused one."""
        ...

    # -- pull
    def catalog_version(self) -> int: ...

    def apply_catalog(self, envelope: SignedEnvelope) -> JSONObject: ...

    def calendar_version(self) -> int: ...

    def apply_calendar(self, envelope: SignedEnvelope) -> None: ...

    def feed_cursor(self) -> int: ...

    def apply_feed(
        self,
        events: Sequence[FeedEvent],
        next_cursor: int,
        center_cases: Mapping[str, JSONObject] | None = None,
    ) -> AppliedFeed:
        """Apply events, queue the result documents they list and store the cursor, in one commit.
        ``center_cases``: the center's copies (``case`` of ``GET /cases/{id}``) the engine fetched."""
        ...

    # -- result documents queued by feed events
    def pending_results(self) -> list[ResultFile]: ...

    def save_result(self, item: ResultFile, data: bytes) -> str | None:
        """Store a downloaded file (sha256 already verified) and record it on its case; returns ``None``,
        or why the station cannot keep it (Chinese; the entry stays queued with the reason)."""
        ...

    def result_failed(self, item: ResultFile, reason: str) -> None: ...
