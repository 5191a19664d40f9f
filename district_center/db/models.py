"""The center's tables as typed SQLAlchemy 2 ORM models.

The schema is created and changed only by the Alembic migrations in ``district_center/migrations`` (a test
compares these models with the migrated database). Times are timezone-aware UTC. Case documents and feed
payloads are JSON; the columns beside them exist for querying (办件编号, station, department, status,
承诺办结日期, 业务属地).

Tables other components fill: ``catalog_versions`` and ``holiday_calendars`` (catalog publishing),
``users`` / ``auth_tokens`` / ``audit_log`` (back office).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, object_session

from district_center.db.sealing import document_columns, open_document, vault_of

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on both backends (SQLite hands back naive values; they are UTC by construction)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use casework.clock.now()")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# BigInteger autoincrement is not a rowid alias on SQLite; use INTEGER there.
BigInt = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Station(Base):
    """A 便民服务站. ``feed_seq`` is the last feed sequence number allocated (see ``services.feed``)."""

    __tablename__ = "stations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    station_no: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | active | revoked
    public_key: Mapped[str | None] = mapped_column(String(64))
    app_version: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime]
    enrolled_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    feed_seq: Mapped[int] = mapped_column(BigInt, default=0)
    feed_acked: Mapped[int] = mapped_column(BigInt, default=0)


class EnrollmentCode(Base):
    """A one-time enrollment code, stored as its sha256 only; single use, expires."""

    __tablename__ = "enrollment_codes"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class StationNonce(Base):
    """Request nonces seen per station, kept for twice the skew window (replay protection)."""

    __tablename__ = "station_nonces"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class CaseRecord(Base):
    """The newest accepted version of a case (办件) as the station sent it, plus query columns."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    routed_to: Mapped[str | None] = mapped_column(ForeignKey("stations.id"), index=True)
    number: Mapped[str] = mapped_column(String(64), index=True)
    item_code: Mapped[str | None] = mapped_column(String(64), index=True)
    bundle_code: Mapped[str | None] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    promised_date: Mapped[str | None] = mapped_column(String(10), index=True)
    #: 限时办结 due day: promised date + working days paused for 补齐补正 (services.deadlines); migration 0005
    due_date: Mapped[str | None] = mapped_column(String(10))
    jurisdiction: Mapped[str | None] = mapped_column(String(64), index=True)
    plain_document: Mapped[dict[str, Any] | None] = mapped_column(
        "document", JSON(none_as_null=True), nullable=True
    )
    """Only rows from before migration 0007, until sealed at start-up; read :attr:`document`."""
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The case document, sealed (``district_center.db.sealing``)."""
    applicant_name_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    applicant_id_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    applicant_phone_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(BigInt)
    received_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    @property
    def document(self) -> dict[str, Any]:
        """The case document, opened through the session's vault (cached until the row changes)."""
        sealed = self.sealed
        cached = self.__dict__.get("_opened")
        if cached is not None and cached[0] is sealed:
            opened: dict[str, Any] = cached[1]  # (sealed bytes, opened document), set below
            return opened
        session = object_session(self)
        vault = session.info.get("vault") if session is not None else self.__dict__.get("_vault")
        doc = open_document(vault, self.id, sealed, self.plain_document)
        self.__dict__["_opened"] = (sealed, doc)
        return doc

    @document.setter
    def document(self, doc: dict[str, Any]) -> None:
        for column, value in document_columns(vault_of(object_session(self)), self.id, doc).items():
            setattr(self, "plain_document" if column == "document" else column, value)


class CaseReceiptRecord(Base):
    """The accepted receipt of each ``(case id, version)``; ``seq`` is the center's sequence number.

    The unique constraint is what makes concurrent duplicate sends produce one case."""

    __tablename__ = "case_receipts"
    __table_args__ = (UniqueConstraint("case_id", "version", name="uq_case_receipts_case_version"),)

    seq: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime]


class Attachment(Base):
    """A verified scan shared by content address (sha256). Since migration 0006 a row exists only once some
    station's upload session hashed to it (``complete`` is then always true); ``station_id`` is the first
    station that proved it. Uploads in progress are :class:`UploadSession` rows."""

    __tablename__ = "attachments"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInt)
    received: Mapped[int] = mapped_column(BigInt, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    unreferenced_since: Mapped[datetime | None]
    """Set by the blob GC when it first finds no case referencing the blob, cleared when one does again
    (migration 0013); the blob goes once it stayed unreferenced for the grace period."""


class UploadSession(Base):
    """One station's upload of one digest (migration 0006): chunks, offset and declared size are the
    station's own until the whole file hashed to ``sha256``; then ``complete`` (the station has proven it
    holds the file) and the blob is shared in ``attachments``. Another station's session for the same digest
    never touches this one, so a wrong size or bad bytes from one station cannot block another."""

    __tablename__ = "upload_sessions"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    size: Mapped[int] = mapped_column(BigInt)
    received: Mapped[int] = mapped_column(BigInt, default=0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]


class CaseAttachment(Base):
    """A digest a stored case references (migration 0006): which stations may see an attachment's status
    (those of the case) and which blobs are still in use (blob GC). Ingest keeps the rows of a case equal
    to the references of its latest accepted version (a replaced scan's row goes)."""

    __tablename__ = "case_attachments"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class DataKey(Base):
    """A data key of the envelope encryption (migration 0007), stored only wrapped by the key-encryption key
    ``kek_id``. ``purpose``: ``pii`` (sealed case documents), ``index`` (blind-index HMAC key, one
    generation, never changed), ``blob`` (S3 blobs). The highest ``generation`` of a purpose seals new
    data; older generations stay to open what they sealed (``services.vault``)."""

    __tablename__ = "data_keys"
    __table_args__ = (UniqueConstraint("purpose", "generation", name="uq_data_keys_purpose_generation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    purpose: Mapped[str] = mapped_column(String(16))
    generation: Mapped[int] = mapped_column(Integer)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    kek_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]
    rewrapped_at: Mapped[datetime | None]


class JobRun(Base):
    """The last run of one periodic job (migration 0008): several center instances tick, the first to claim
    a due job runs it (``services.jobs``); ``instance`` says which one, ``result`` what it did (no personal
    data)."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    instance: Mapped[str] = mapped_column(String(100))
    runs: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any]]


class FeedEventRecord(Base):
    """One event of one station's feed; ``seq`` is gap-free and commit-ordered per station."""

    __tablename__ = "feed_events"

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(32))
    case_id: Mapped[str | None] = mapped_column(String(64), index=True)
    at: Mapped[datetime]
    payload: Mapped[dict[str, Any]]


class CatalogVersion(Base):
    """A published catalog (事项清单) version; ``document`` is the signed envelope as canonical JSON."""

    __tablename__ = "catalog_versions"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document: Mapped[bytes] = mapped_column(LargeBinary)
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(100))
    summary: Mapped[dict[str, Any]]


class CatalogDelta(Base):
    """A signed ``catalog_delta`` envelope taking a station from ``since_version`` to ``version``."""

    __tablename__ = "catalog_deltas"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    since_version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document: Mapped[bytes] = mapped_column(LargeBinary)


class SearchMissRecord(Base):
    """A failed guide search a station reported (``casework.search_log.SearchMiss``): the scrubbed query,
    where it was typed and when. Keyed by station and the station's record id, so a resent batch stores
    nothing twice. The console lists them grouped by ``query`` (``services/catalog/search_misses.py``)."""

    __tablename__ = "search_misses"
    __table_args__ = (Index("ix_search_misses_at", "at"),)

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    miss_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    at: Mapped[datetime]
    query: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(10))
    result: Mapped[str] = mapped_column(String(10))
    catalog_version: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]


class NoticeRecord(Base):
    """A 一次性告知 or 不予受理 a station reported (``casework.notices.NoticeReport``), newest version kept.

    Keyed by station and the station's notice id, so a resent record stores nothing twice and no station
    can touch another's. ``reasons`` holds a notice's missing materials' names (catalog words, no personal
    data); a refusal's free-text reason and the applicant are ``sealed`` (context ``notice:<station>:<id>``).
    ``month`` is the China month of issue; ``resumed_as`` the number of the case accepted after the notice.
    Supervision counts them (``services/supervision/notices.py``)."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_month", "month"),)

    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id", ondelete="CASCADE"), primary_key=True)
    notice_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    version: Mapped[int] = mapped_column(BigInt)
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(70), index=True)
    case_number: Mapped[str] = mapped_column(String(64))
    item_code: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[datetime]
    month: Mapped[str] = mapped_column(String(7))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    resumed_as: Mapped[str] = mapped_column(String(64))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    applicant_id_bidx: Mapped[str | None] = mapped_column(String(32), index=True)
    received_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class FollowUp(Base):
    """差评回访整改: a rating of 基本满意 or below, due by ``due_date`` (ISO) in working days (a district
    rule)."""

    __tablename__ = "followups"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(64), unique=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    item_code: Mapped[str | None] = mapped_column(String(64))
    rating: Mapped[str] = mapped_column(String(16))
    rated_at: Mapped[datetime]
    due_date: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | closed
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(String(100))
    resolution: Mapped[str] = mapped_column(String(2000), default="")
    #: 整改: what the responsible department changed (migration 0011); 整改率 counts ``rectified_at`` rows
    rectified_at: Mapped[datetime | None]
    rectified_by: Mapped[str | None] = mapped_column(String(100))
    rectification: Mapped[str | None] = mapped_column(String(2000))
    #: 回访评价: the resident's second rating, once; ``second_channel`` ``station`` (came back to the window)
    #: or ``call`` (the center's follow-up call); the first rating stays in ``rating`` / ``ratings``
    second_level: Mapped[str | None] = mapped_column(String(16))
    second_at: Mapped[datetime | None]
    second_channel: Mapped[str | None] = mapped_column(String(16))
    second_by: Mapped[str | None] = mapped_column(String(100))
    #: the resident's comment with it, sealed (``services/vault``, context ``followup:<id>``): free text
    second_comment: Mapped[bytes | None] = mapped_column(LargeBinary)


class RatingRecord(Base):
    """好差评: one rating per case (一事一评) as it arrived from the station; ``month`` (YYYY-MM, China time)
    for statistics."""

    __tablename__ = "ratings"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(200))
    item_code: Mapped[str | None] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    rated_at: Mapped[datetime]
    month: Mapped[str] = mapped_column(String(7), index=True)


class HandoverRecord(Base):
    """送达: a case handed over to the resident (migration 0011), once, as the station reported it; the
    denominator of 参评率 by ``month`` (YYYY-MM, China time) of the hand-over."""

    __tablename__ = "handovers"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(200))
    item_code: Mapped[str | None] = mapped_column(String(64))
    handed_over_at: Mapped[datetime]
    month: Mapped[str] = mapped_column(String(7), index=True)


class AssistedFiling(Base):
    """帮办代办登记 (migration 0011): a case filed by an agent (代理人) or with a station worker's help
    (``helper_kind`` ``agent`` | ``worker``), on what authority (``casework.identity.AUTHORITIES``), when and
    where. Who helped (name, ID number) stays in the sealed case document; ``worker_id`` is the station's
    worker number, ``authority_sha256`` the 授权委托书 scan."""

    __tablename__ = "assisted_filings"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    station_id: Mapped[str] = mapped_column(ForeignKey("stations.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(200), index=True)
    item_code: Mapped[str | None] = mapped_column(String(64))
    helper_kind: Mapped[str] = mapped_column(String(16))
    authority: Mapped[str] = mapped_column(String(32))
    worker_id: Mapped[str | None] = mapped_column(String(64))
    authority_sha256: Mapped[str | None] = mapped_column(String(64))
    filed_at: Mapped[datetime]
    month: Mapped[str] = mapped_column(String(7), index=True)


class ResultDocument(Base):
    """A result file (办结结果文件) a reviewer uploaded for a case; the bytes are blob ``result:<sha256>``."""

    __tablename__ = "result_documents"

    case_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInt)
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[datetime]


class HolidayCalendar(Base):
    """The holiday calendar (法定节假日与调休) the district published for one year."""

    __tablename__ = "holiday_calendars"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document: Mapped[dict[str, Any]]
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(100))


class User(Base):
    """A back-office account. ``roles``: catalog_admin, reviewer, supervisor, station_admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    roles: Mapped[list[Any]]
    department: Mapped[str | None] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]


class AuthToken(Base):
    """A bearer token (stored as sha256) with its expiry."""

    __tablename__ = "auth_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)


class AuditLog(Base):
    """Center-side audit trail: who did what to which target, when (no personal data in ``details``)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(100), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(index=True)
    details: Mapped[dict[str, Any]]


Index("ix_cases_station_status", CaseRecord.station_id, CaseRecord.status)
# The reviewer queue and supervision (migration 0005, replacing 0004's promised-date indexes): filter, then
# walk in due-date (限时办结) order; supervision filters a status group by due date.
Index(
    "ix_cases_queue_department_due",
    CaseRecord.department,
    CaseRecord.due_date,
    CaseRecord.id,
    CaseRecord.status,
)
Index("ix_cases_queue_due_date", CaseRecord.due_date, CaseRecord.id, CaseRecord.status)
Index("ix_cases_status_due", CaseRecord.status, CaseRecord.due_date)


@event.listens_for(CaseRecord, "load")
def _keep_vault(target: CaseRecord, context: Any) -> None:
    """Remember the loading session's vault, so a row read in a closed session still opens."""
    target.__dict__["_vault"] = context.session.info.get("vault")
