"""Value objects a case (办件) carries, with their JSON forms: material records, pickup, rating (好差评),
result, supplement requests; UTC time formatting and the UUIDv7 generator.

Split from :mod:`casework.cases` (which re-exports everything public here) to keep the state machine
module readable. All dicts are JSON-ready: dates ISO-8601, times UTC with ``Z``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from casework import messages
from casework.blobref import Scans
from casework.copies import VerifiedCopy

__all__ = [
    "CaseResult",
    "MaterialRecord",
    "MissingMaterial",
    "Pickup",
    "PickupMethod",
    "Rating",
    "RatingLevel",
    "Satisfaction",
    "SupplementRequest",
    "SuppliedMaterial",
    "format_utc",
    "parse_utc",
    "require_utc",
    "uuid7",
]

# ------------------------------------------------------------------------------------------------ time / ids


def require_utc(at: dt.datetime, what: str = "time") -> dt.datetime:
    """``at`` in UTC; ``ValueError`` for a naive datetime (stored times are always UTC)."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (UTC), got naive {at!r}")
    return at.astimezone(dt.UTC)


def format_utc(at: dt.datetime) -> str:
    """``2026-11-22T02:10:17.123456Z``: UTC ISO-8601 with ``Z``, microseconds kept for exact round trips."""
    return require_utc(at).isoformat().replace("+00:00", "Z")


def parse_utc(s: str) -> dt.datetime:
    """Inverse of :func:`format_utc`; only ``Z`` times are accepted."""
    if not s.endswith("Z"):
        raise ValueError(f"expected a UTC time ending in Z, got {s!r}")
    return dt.datetime.fromisoformat(s[:-1] + "+00:00").astimezone(dt.UTC)


def uuid7(unix_ms: int | None = None, rand: bytes | None = None) -> str:
    """A UUIDv7 (RFC 9562) string: 48-bit Unix milliseconds, version 7, 74 random bits.

    Ids sort by creation time across stations. Within one millisecond order is random (not monotonic).
    ``unix_ms``/``rand`` (10 bytes) exist for tests.
    """
    ms = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    if not 0 <= ms < 1 << 48:
        raise ValueError(f"timestamp out of range: {ms}")
    r = secrets.token_bytes(10) if rand is None else rand
    if len(r) != 10:
        raise ValueError("rand must be 10 bytes")
    rand_a = int.from_bytes(r[:2]) & 0x0FFF
    rand_b = int.from_bytes(r[2:]) & ((1 << 62) - 1)
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_SHA256 = re.compile(r"[0-9a-f]{64}")


# ------------------------------------------------------------------------------------------------ parts


class Satisfaction(StrEnum):
    """How a material was satisfied at the window."""

    ORIGINAL_VERIFIED = "原件核验"  # scanned, original seen by the worker
    DEFERRED = "容缺后补"  # 容缺受理: to be supplied by ``due_date``
    COMMITMENT = "告知承诺"  # the applicant confirmed the commitment text instead of the proof
    DATA_SHARING = "数据共享"  # obtained from another department's data / 电子证照
    MISSING = "缺少"


@dataclass(frozen=True, slots=True)
class MaterialRecord:
    """One material on a case. ``attachments`` are sha256 hex digests of the scans in the blob store.

    ``problems()`` lists what is inconsistent (a verified material without a scan, 容缺 without a due date,
    a commitment without its text).

    容缺 follow-through: a 容缺 material handed in later becomes ``ORIGINAL_VERIFIED`` with its scans and
    ``supplied_at`` (``due_date`` stays the date agreed at 受理, so a late arrival shows); the department may
    instead waive it (``waived_at``, ``waived_by``, ``waiver_reason``). :attr:`outstanding` is a 容缺
    material neither handed in nor waived: 办结 and 送达 wait for it (:meth:`Case.transition`).
    """

    code: str
    name: str
    satisfaction: Satisfaction = Satisfaction.MISSING
    attachments: Scans = ()
    verified_by: str = ""
    due_date: dt.date | None = None
    commitment_text: str = ""
    source: str = ""  # 数据共享: where it came from (e.g. 电子证照库)
    note: str = ""
    supplied_at: dt.datetime | None = None  # a 容缺 material handed in after 受理
    waived_at: dt.datetime | None = None  # the department waived a 容缺 material (免于补交)
    waived_by: str = ""
    waiver_reason: str = ""
    copies: tuple[VerifiedCopy, ...] = ()  # 核验件: marked copies of the verified scans (casework.copies)

    def copy_of(self, sha256: str) -> VerifiedCopy | None:
        """The marked copy made from scan ``sha256``, if the station made one."""
        return next((c for c in self.copies if c.original_sha256 == sha256), None)

    @property
    def outstanding(self) -> bool:
        """A 容缺 material still owed: neither handed in nor waived by the department."""
        return self.satisfaction is Satisfaction.DEFERRED and self.waived_at is None

    def problems(self) -> list[str]:
        """What is inconsistent in the record, in the current language."""
        codes: list[str] = []
        bad = [h for h in self.attachments if not _SHA256.fullmatch(h)]
        if bad:
            codes.append("material.bad_digest")
        if self.satisfaction is Satisfaction.ORIGINAL_VERIFIED:
            if not self.attachments:
                codes.append("material.verified_without_scan")
            if not self.verified_by:
                codes.append("material.no_verifier")
        if self.satisfaction is Satisfaction.DEFERRED and self.due_date is None:
            codes.append("material.deferred_without_date")
        if self.satisfaction is Satisfaction.COMMITMENT and not self.commitment_text.strip():
            codes.append("material.commitment_without_text")
        return [messages.text(code, {"name": self.name}) for code in codes]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "satisfaction": self.satisfaction.value,
            "attachments": list(self.attachments),
            "verified_by": self.verified_by,
            "due_date": date_out(self.due_date),
            "commitment_text": self.commitment_text,
            "source": self.source,
            "note": self.note,
            "supplied_at": _utc_out(self.supplied_at),
            "waived_at": _utc_out(self.waived_at),
            "waived_by": self.waived_by,
            "waiver_reason": self.waiver_reason,
        }
        if self.copies:  # only when there are some: documents without copies keep their old form and digest
            out["copies"] = [c.to_dict() for c in self.copies]
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MaterialRecord:
        return cls(
            str_field(d, "code"),
            str_field(d, "name"),
            Satisfaction(d["satisfaction"]),
            strs_field(d, "attachments"),
            str_field(d, "verified_by", ""),
            date_in(d.get("due_date")),
            str_field(d, "commitment_text", ""),
            str_field(d, "source", ""),
            str_field(d, "note", ""),
            _utc_in(d.get("supplied_at")),
            _utc_in(d.get("waived_at")),
            str_field(d, "waived_by", ""),
            str_field(d, "waiver_reason", ""),
            tuple(VerifiedCopy.from_dict(c) for c in d.get("copies") or () if isinstance(c, Mapping)),
        )


class PickupMethod(StrEnum):
    """结果领取方式 (seed 004 §五(四))."""

    STATION_WINDOW = "受理窗口领取"
    JURISDICTION_WINDOW = "属地窗口领取"
    POST = "邮政寄递"
    ONLINE = "网上获取"
    SELF_SERVICE_LOCKER = "自助信包箱"


@dataclass(frozen=True, slots=True)
class Pickup:
    """Where and how the applicant gets the result; ``address`` for post, window/locker name otherwise."""

    method: PickupMethod = PickupMethod.STATION_WINDOW
    address: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"method": self.method.value, "address": self.address}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Pickup:
        return cls(PickupMethod(d["method"]), str_field(d, "address", ""))


class RatingLevel(StrEnum):
    """好差评 five levels (seed 001 item 16)."""

    VERY_SATISFIED = "非常满意"
    SATISFIED = "满意"
    BASICALLY_SATISFIED = "基本满意"
    DISSATISFIED = "不满意"
    VERY_DISSATISFIED = "非常不满意"

    @property
    def needs_follow_up(self) -> bool:
        """基本满意 and below must be followed up (回访整改)."""
        return self in (
            RatingLevel.BASICALLY_SATISFIED,
            RatingLevel.DISSATISFIED,
            RatingLevel.VERY_DISSATISFIED,
        )


@dataclass(frozen=True, slots=True)
class Rating:
    """好差评: the level, when (UTC), the reasons ticked and a free comment."""

    level: RatingLevel
    at: dt.datetime
    reasons: tuple[str, ...] = ()
    comment: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "at": format_utc(self.at),
            "reasons": list(self.reasons),
            "comment": self.comment,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Rating:
        return cls(
            RatingLevel(d["level"]),
            parse_utc(str_field(d, "at")),
            strs_field(d, "reasons"),
            str_field(d, "comment", ""),
        )


@dataclass(frozen=True, slots=True)
class CaseResult:
    """办结结果: 证照名称/编号/有效期, and the result documents as sha256 attachment digests."""

    name: str
    number: str = ""
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None  # None: 长期有效
    documents: Scans = ()
    issued_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "number": self.number,
            "valid_from": date_out(self.valid_from),
            "valid_until": date_out(self.valid_until),
            "documents": list(self.documents),
            "issued_by": self.issued_by,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CaseResult:
        return cls(
            str_field(d, "name"),
            str_field(d, "number", ""),
            date_in(d.get("valid_from")),
            date_in(d.get("valid_until")),
            strs_field(d, "documents"),
            str_field(d, "issued_by", ""),
        )


@dataclass(frozen=True, slots=True)
class MissingMaterial:
    """A material that is missing or wrong, why, and how to supply it (一次性告知 / 补齐补正)."""

    code: str
    name: str
    reason: str
    how_to_supply: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "name": self.name,
            "reason": self.reason,
            "how_to_supply": self.how_to_supply,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> MissingMaterial:
        return cls(
            str_field(d, "code"),
            str_field(d, "name"),
            str_field(d, "reason"),
            str_field(d, "how_to_supply", ""),
        )


@dataclass(frozen=True, slots=True)
class SuppliedMaterial:
    """One material handed in for a 补齐补正 request: new scans (sha256) or, where the material came on paper
    to the department or by 数据共享, a ``note`` saying what was received — by whom and when."""

    code: str
    attachments: Scans = ()
    note: str = ""
    by: str = ""
    at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "attachments": list(self.attachments),
            "note": self.note,
            "by": self.by,
            "at": _utc_out(self.at),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SuppliedMaterial:
        return cls(
            str_field(d, "code"),
            strs_field(d, "attachments"),
            str_field(d, "note", ""),
            str_field(d, "by", ""),
            _utc_in(d.get("at")),
        )


@dataclass(frozen=True, slots=True)
class SupplementRequest:
    """补齐补正 requested by the back office; ``supplied_at`` is set when the case returns to review, which
    needs a :class:`SuppliedMaterial` (a new scan or a record of what was received) for every requested
    material (:meth:`unsupplied`)."""

    items: tuple[MissingMaterial, ...]
    requested_at: dt.datetime
    requested_by: str
    item_code: str = ""  # for a bundle: which sub-case asked
    due_date: dt.date | None = None
    supplied_at: dt.datetime | None = None
    supplied_items: tuple[SuppliedMaterial, ...] = ()

    def unsupplied(self) -> list[MissingMaterial]:
        """The requested materials with nothing handed in yet."""
        have = {s.code for s in self.supplied_items}
        return [m for m in self.items if m.code not in have]

    def with_supplied(self, supplied: SuppliedMaterial) -> SupplementRequest:
        """This request with ``supplied`` recorded (a second hand-in of one material adds to the first)."""
        return SupplementRequest(
            self.items,
            self.requested_at,
            self.requested_by,
            self.item_code,
            self.due_date,
            self.supplied_at,
            (*self.supplied_items, supplied),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [m.to_dict() for m in self.items],
            "requested_at": format_utc(self.requested_at),
            "requested_by": self.requested_by,
            "item_code": self.item_code,
            "due_date": date_out(self.due_date),
            "supplied_at": None if self.supplied_at is None else format_utc(self.supplied_at),
            "supplied_items": [x.to_dict() for x in self.supplied_items],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SupplementRequest:
        supplied = d.get("supplied_at")
        return cls(
            tuple(MissingMaterial.from_dict(m) for m in list_field(d, "items")),
            parse_utc(str_field(d, "requested_at")),
            str_field(d, "requested_by"),
            str_field(d, "item_code", ""),
            date_in(d.get("due_date")),
            None if supplied is None else parse_utc(str(supplied)),
            tuple(SuppliedMaterial.from_dict(x) for x in list_field(d, "supplied_items")),
        )


# --------------------------------------------------------------------------------------- dict helpers


def str_field(d: Mapping[str, Any], key: str, default: str | None = None) -> str:
    v = d.get(key, default)
    if not isinstance(v, str):
        raise ValueError(f"{key!r} must be a string, got {type(v).__name__}")  # values may be personal data
    return v


def opt_str_field(d: Mapping[str, Any], key: str) -> str | None:
    v = d.get(key)
    return None if v is None else str_field(d, key)


def bool_field(d: Mapping[str, Any], key: str) -> bool:
    v = d.get(key, False)
    if not isinstance(v, bool):
        raise ValueError(f"{key!r} must be a boolean, got {type(v).__name__}")
    return v


def list_field(d: Mapping[str, Any], key: str) -> list[Any]:
    v = d.get(key, [])
    if not isinstance(v, list):
        raise ValueError(f"{key!r} must be a list")
    return v


def strs_field(d: Mapping[str, Any], key: str) -> tuple[str, ...]:
    v = list_field(d, key)
    if not all(isinstance(x, str) for x in v):
        raise ValueError(f"{key!r} must be a list of strings")
    return tuple(v)


def _utc_out(at: dt.datetime | None) -> str | None:
    return None if at is None else format_utc(at)


def _utc_in(v: object) -> dt.datetime | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise ValueError(f"expected a UTC time, got {type(v).__name__}")
    return parse_utc(v)


def date_out(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def date_in(v: object) -> dt.date | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise ValueError(f"expected an ISO date, got {v!r}")
    return dt.date.fromisoformat(v)
