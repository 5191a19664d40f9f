"""The case (办件) and its forward-only state machine.

A :class:`Case` is one application: the applicant and agent, how each material was satisfied, where it is
handled (业务属地) and where the result is collected, the promised date, the rating (好差评), the result,
and the full history of status changes. Statuses change only along :data:`TRANSITIONS`; anything else
raises :class:`IllegalTransition` with a message naming both states in Chinese.

Use::

    case = Case.new(number="261122-007-00421", station_id="st-7", item_code=item.code, catalog_version=3,
                    applicant=applicant, jurisdiction="雁塔区", at=now)
    case.transition(CaseStatus.ACCEPTED, actor="w-01", at=now)   # side inferred: only a station accepts
    case.transition(CaseStatus.CLOSED, actor="w-01", at=now)
    # IllegalTransition: 不能从“已受理”变为“已办结”（accepted → closed）

The main path::

    draft ─┬─► notice_issued (一次性告知) ─┬─► accepted / collected / refused / withdrawn
           ├─► refused (不予受理, final)    │
           ├─► accepted (受理) ─────────────┤
           └─► collected (代收, 全市通办) ───┘
    accepted | collected ─► queued ─► delivered ─► in_review ⇄ supplement_requested (补齐补正)
    in_review ─► approved | rejected ─► result_ready ─► handed_over (已送达) ─► closed
    withdrawn (撤回): from every state before a decision (draft … supplement_requested)

当场办结 (decided at the window) adds one move, :data:`ON_THE_SPOT`: ``accepted ─► approved``, recorded by the
station, and only with ``on_the_spot=True`` — which the station passes only for an item the catalog flags
``Item.on_the_spot`` (see :mod:`casework.on_the_spot`; the district center checks the flag again on ingest).
From ``approved`` the case follows the main path at the window: ``result_ready ─► handed_over``.

Bundle cases (一件事) own one :class:`SubCase` per item. Front-desk transitions (up to ``delivered``, and
``withdrawn``) cascade to every undecided sub-case; the back office moves sub-cases one by one with
:meth:`Case.transition_sub`, and the parent follows: ``in_review`` once any sub-case is in review,
``supplement_requested`` while any sub-case waits for a supplement, and decided once **every** sub-case is
decided — ``approved`` if at least one item was approved (there is a result to hand over), else ``rejected``.
Review states of a bundle parent cannot be set directly.

Every mutating method bumps :attr:`Case.version` (the sync layer sends the highest version) and
``updated_at``. Times are timezone-aware UTC ``datetime`` s; naive ones raise ``ValueError``.

Hazard: nothing here checks the catalog — use :mod:`casework.acceptance` (``accept``) to accept with the
material rules of the item applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from casework import clock
from casework.caseparts import (
    CaseResult,
    MaterialRecord,
    MissingMaterial,
    Pickup,
    PickupMethod,
    Rating,
    RatingLevel,
    Satisfaction,
    SupplementRequest,
    SuppliedMaterial,
    bool_field,
    date_in,
    date_out,
    format_utc,
    list_field,
    opt_str_field,
    parse_utc,
    require_utc,
    str_field,
    uuid7,
)
from casework.copies import VerifiedCopy
from casework.errors import DomainError
from casework.identity import Agent, Applicant
from casework.timelimit import TimeLimit

__all__ = [
    "DECIDED",
    "FINAL",
    "ON_THE_SPOT",
    "TRANSITIONS",
    "AlreadyRated",
    "Case",
    "CaseError",
    "CaseResult",
    "CaseStatus",
    "DeferredOutstanding",
    "IllegalTransition",
    "MaterialRecord",
    "MissingMaterial",
    "Pickup",
    "PickupMethod",
    "Rating",
    "RatingLevel",
    "Satisfaction",
    "Side",
    "SubCase",
    "SupplementIncomplete",
    "SupplementRequest",
    "SuppliedMaterial",
    "Transition",
    "format_utc",
    "parse_utc",
    "uuid7",
]


# ------------------------------------------------------------------------------------------------ errors


class CaseError(DomainError):
    """Base of case-rule errors: a ``case.*`` code with parameters (statuses as ``*_code`` parameters, so each
    language words them); ``str(e)`` is the message in the current UI language."""

    code = "case.error"


class IllegalTransition(CaseError):
    """A status change the table does not allow (or allows only for the other side)."""

    code = "case.transition.not_allowed"


class AlreadyRated(CaseError):
    """好差评 is one rating per case (一事一评)."""

    code = "case.already_rated"


class DeferredOutstanding(CaseError):
    """办结 or 送达 while a 容缺 material is still owed (neither handed in nor waived by the department)."""

    code = "case.deferred_outstanding"


class SupplementIncomplete(CaseError):
    """补齐补正 marked complete before every requested material has a new scan or a record of receipt."""

    code = "case.supplement_incomplete"


# ------------------------------------------------------------------------------------------------ statuses


class CaseStatus(StrEnum):
    """办件状态. Values are stable English keys (stored, sent); :attr:`label` is the Chinese for the UI."""

    DRAFT = "draft"
    NOTICE_ISSUED = "notice_issued"
    REFUSED = "refused"
    ACCEPTED = "accepted"
    COLLECTED = "collected"
    QUEUED = "queued"
    DELIVERED = "delivered"
    IN_REVIEW = "in_review"
    SUPPLEMENT_REQUESTED = "supplement_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RESULT_READY = "result_ready"
    HANDED_OVER = "handed_over"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """The status in Chinese (documents and the district's records); the UI words it per language with
        :attr:`code` (``casework.messages.text(status.code)``)."""
        return _LABELS[self]

    @property
    def code(self) -> str:
        """The message-catalog code of the status's name: ``case.status.<value>``."""
        return f"case.status.{self.value}"


_LABELS: dict[CaseStatus, str] = {
    CaseStatus.DRAFT: "填写中",
    CaseStatus.NOTICE_ISSUED: "已一次性告知",
    CaseStatus.REFUSED: "不予受理",
    CaseStatus.ACCEPTED: "已受理",
    CaseStatus.COLLECTED: "已代收",
    CaseStatus.QUEUED: "待上报",
    CaseStatus.DELIVERED: "已报送中心",
    CaseStatus.IN_REVIEW: "审查中",
    CaseStatus.SUPPLEMENT_REQUESTED: "待补齐补正",
    CaseStatus.APPROVED: "准予办理",
    CaseStatus.REJECTED: "不予办理",
    CaseStatus.RESULT_READY: "结果待领取",
    CaseStatus.HANDED_OVER: "已送达",
    CaseStatus.CLOSED: "已办结",
    CaseStatus.WITHDRAWN: "已撤回",
}


class Side(StrEnum):
    """Who records a transition: the station (前台) or the district center (后台)."""

    STATION = "station"
    CENTER = "center"


_S = frozenset({Side.STATION})
_C = frozenset({Side.CENTER})
_BOTH = frozenset({Side.STATION, Side.CENTER})

S = CaseStatus
#: The only allowed status changes, with the sides that may record each.
TRANSITIONS: Mapping[CaseStatus, Mapping[CaseStatus, frozenset[Side]]] = {
    S.DRAFT: {S.NOTICE_ISSUED: _S, S.REFUSED: _S, S.ACCEPTED: _S, S.COLLECTED: _S, S.WITHDRAWN: _S},
    S.NOTICE_ISSUED: {S.ACCEPTED: _S, S.COLLECTED: _S, S.REFUSED: _S, S.WITHDRAWN: _S},
    S.ACCEPTED: {S.QUEUED: _S, S.WITHDRAWN: _BOTH},
    S.COLLECTED: {S.QUEUED: _S, S.WITHDRAWN: _BOTH},
    # delivered is recorded by the station when the center's receipt arrives, or by the center itself
    S.QUEUED: {S.DELIVERED: _BOTH, S.WITHDRAWN: _BOTH},
    S.DELIVERED: {S.IN_REVIEW: _C, S.WITHDRAWN: _BOTH},
    S.IN_REVIEW: {S.SUPPLEMENT_REQUESTED: _C, S.APPROVED: _C, S.REJECTED: _C, S.WITHDRAWN: _BOTH},
    # supplements may be handed in at either window
    S.SUPPLEMENT_REQUESTED: {S.IN_REVIEW: _BOTH, S.WITHDRAWN: _BOTH},
    S.APPROVED: {S.RESULT_READY: _BOTH},
    S.REJECTED: {S.RESULT_READY: _BOTH},
    # 代收 results may be collected at the jurisdiction's window, so both sides hand over
    S.RESULT_READY: {S.HANDED_OVER: _BOTH},
    S.HANDED_OVER: {S.CLOSED: _BOTH},
    S.REFUSED: {},
    S.CLOSED: {},
    S.WITHDRAWN: {},
}
#: 当场办结: moves the station may record **only** for an item the catalog flags ``on_the_spot`` (the caller
#: passes ``on_the_spot=True`` to :meth:`Case.transition`; the center refuses them for any other item). The
#: decision is the station's alone: the case never went to the center, so the center records none of these.
ON_THE_SPOT: Mapping[CaseStatus, Mapping[CaseStatus, frozenset[Side]]] = {
    S.ACCEPTED: {S.APPROVED: _S},
}
del S

FINAL = frozenset({CaseStatus.REFUSED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN})
#: Decided by the back office (审批决定): no withdrawal after these.
DECIDED = frozenset({CaseStatus.APPROVED, CaseStatus.REJECTED})
_FRONT_DESK = frozenset(
    {
        CaseStatus.NOTICE_ISSUED,
        CaseStatus.REFUSED,
        CaseStatus.ACCEPTED,
        CaseStatus.COLLECTED,
        CaseStatus.QUEUED,
        CaseStatus.DELIVERED,
    }
)
_REVIEW = frozenset(
    {CaseStatus.IN_REVIEW, CaseStatus.SUPPLEMENT_REQUESTED, CaseStatus.APPROVED, CaseStatus.REJECTED}
)
#: Reasons are mandatory for these (the document or follow-up needs them).
_NEEDS_REASON = frozenset({CaseStatus.REFUSED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN})


def _check_transition(
    frm: CaseStatus, to: CaseStatus, side: Side | None, reason: str, on_the_spot: bool = False
) -> Side:
    allowed = TRANSITIONS[frm]
    if on_the_spot:
        allowed = {**allowed, **ON_THE_SPOT.get(frm, {})}
    if to not in allowed:
        raise IllegalTransition(
            "case.transition.not_allowed", frm_code=frm.code, to_code=to.code, frm=frm.value, to=to.value
        )
    sides = allowed[to]
    if side is None:
        if len(sides) != 1:
            raise ValueError(f"side is required for {frm.value} → {to.value} (either side may record it)")
        (side,) = sides
    elif side not in sides:
        raise IllegalTransition(
            "case.transition.side",
            side_code=f"case.side.{side.value}",
            frm_code=frm.code,
            to_code=to.code,
            frm=frm.value,
            to=to.value,
        )
    if to in _NEEDS_REASON and not reason.strip():
        raise IllegalTransition("case.transition.reason_required", to_code=to.code)
    return side


@dataclass(frozen=True, slots=True)
class Transition:
    """One status change (办理环节): who, when (UTC), why, and on which side."""

    from_status: CaseStatus
    to_status: CaseStatus
    actor: str
    at: dt.datetime
    side: Side
    reason: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "from": self.from_status.value,
            "to": self.to_status.value,
            "actor": self.actor,
            "at": format_utc(self.at),
            "side": self.side.value,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Transition:
        return cls(
            CaseStatus(d["from"]),
            CaseStatus(d["to"]),
            str_field(d, "actor"),
            parse_utc(str_field(d, "at")),
            Side(d["side"]),
            str_field(d, "reason", ""),
        )


@dataclass(slots=True)
class SubCase:
    """One item of a bundle case (一件事), with its own status, history and result."""

    item_code: str
    status: CaseStatus = CaseStatus.DRAFT
    history: list[Transition] = field(default_factory=list)
    result: CaseResult | None = None
    promised_date: dt.date | None = None
    promised_date_provisional: bool = False
    promised_limit: TimeLimit | None = None  # the item's 承诺办结时限 the date counts (set at 受理)
    form_values: dict[str, Any] = field(default_factory=dict)  # this item's 表单字段 values (formfields)

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_code": self.item_code,
            "status": self.status.value,
            "history": [t.to_dict() for t in self.history],
            "result": None if self.result is None else self.result.to_dict(),
            "promised_date": date_out(self.promised_date),
            "promised_date_provisional": self.promised_date_provisional,
            "promised_limit": limit_out(self.promised_limit),
            "form_values": dict(self.form_values),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SubCase:
        result = d.get("result")
        return cls(
            str_field(d, "item_code"),
            CaseStatus(d["status"]),
            [Transition.from_dict(t) for t in list_field(d, "history")],
            None if result is None else CaseResult.from_dict(result),
            date_in(d.get("promised_date")),
            bool_field(d, "promised_date_provisional"),
            limit_in(d.get("promised_limit")),
            form_values_in(d.get("form_values")),
        )


def form_values_in(value: object) -> dict[str, Any]:
    """Stored 表单字段 values: a JSON object (missing in documents written before form fields existed)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError("form_values must be an object")
    return dict(value)


def _record_in(value: object, field: str, text_key: str) -> dict[str, Any] | None:
    """An optional recorded object (``eligibility_override``, ``handover``) whose ``text_key`` is a string."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or not isinstance(value.get(text_key), str):
        raise ValueError(f"{field} must be an object with a {text_key}")
    return dict(value)


def limit_out(limit: TimeLimit | None) -> dict[str, int | str] | None:
    return None if limit is None else limit.to_dict()


def limit_in(value: object) -> TimeLimit | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"expected a time limit {{amount, unit}}, got {value!r}")
    return TimeLimit.from_dict(value)


def _int_field(d: Mapping[str, Any], key: str, default: int = 0) -> int:
    v = d.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool):
        raise ValueError(f"{key!r} must be an integer, got {type(v).__name__}")
    return v


# ------------------------------------------------------------------------------------------------ the case


@dataclass(slots=True)
class Case:
    """办件. Create with :meth:`new`; change status only with :meth:`transition` / :meth:`transition_sub`.

    The promised date carries what it was computed from (:mod:`casework.deadlines`): ``clock_start`` (the 受理
    day, or for 代收 the day the jurisdiction received the file), ``promised_limit`` (the 承诺办结时限
    counted; ``None`` on a 一件事 without its own promise: the latest of its items' dates) and
    ``calendar_version``
    (the district calendar version it was computed with; ``0``: the built-in tables). Documents written
    before these fields existed load with ``None`` / ``0``.
    """

    id: str
    number: str
    station_id: str
    catalog_version: int
    applicant: Applicant
    created_at: dt.datetime
    updated_at: dt.datetime
    item_code: str | None = None
    bundle_code: str | None = None
    version: int = 1
    status: CaseStatus = CaseStatus.DRAFT
    agent: Agent | None = None
    materials: list[MaterialRecord] = field(default_factory=list)
    jurisdiction: str = ""  # 业务属地
    pickup: Pickup = field(default_factory=Pickup)
    promised_date: dt.date | None = None
    promised_date_provisional: bool = False
    clock_start: dt.date | None = None
    promised_limit: TimeLimit | None = None
    calendar_version: int = 0
    rating: Rating | None = None
    result: CaseResult | None = None
    supplements: list[SupplementRequest] = field(default_factory=list)
    sub_cases: list[SubCase] = field(default_factory=list)
    history: list[Transition] = field(default_factory=list)
    # 表单字段 values of a single-item case (a bundle keeps each item's in its sub-case); hazard: they hold
    # personal data (a parent's ID number) and live only inside the encrypted case document.
    form_values: dict[str, Any] = field(default_factory=dict)
    # 申请条件 not met and accepted anyway: {"reason", "codes": {item_code: [code, …]}, "by"}; None if none.
    eligibility_override: dict[str, Any] | None = None
    # 送达: who collected the result, how they were checked (casework.handover.handover_record); None before.
    handover: dict[str, Any] | None = None
    # 一次性告知 follow-through (casework.notices): on a case accepted after a notice, that notice's
    # number (GZ…); on the notice itself, the number of the case accepted when the resident came back.
    prior_notice: str = ""
    resumed_as: str = ""
    # 回访评价: the resident's second rating after a 差评's 整改 (seed 003), once; None before. The first
    # rating (:attr:`rating`) never changes.
    revisit_rating: Rating | None = None

    def __post_init__(self) -> None:
        if (self.item_code is None) == (self.bundle_code is None):
            raise ValueError("a case has exactly one of item_code or bundle_code")
        require_utc(self.created_at, "created_at")
        require_utc(self.updated_at, "updated_at")

    @classmethod
    def new(
        cls,
        *,
        number: str,
        station_id: str,
        catalog_version: int,
        applicant: Applicant,
        at: dt.datetime,
        item_code: str | None = None,
        bundle_code: str | None = None,
        bundle_item_codes: Sequence[str] = (),
        jurisdiction: str = "",
        agent: Agent | None = None,
        pickup: Pickup | None = None,
        case_id: str | None = None,
    ) -> Case:
        """A draft case with a fresh UUIDv7 id. A bundle case needs ``bundle_item_codes`` (the bundle's
        ``item_codes``) and gets one draft sub-case per item."""
        at = require_utc(at, "at")
        if bundle_code is not None and not bundle_item_codes:
            raise ValueError("a bundle case needs the bundle's item codes")
        if bundle_code is None and bundle_item_codes:
            raise ValueError("bundle_item_codes given for a single-item case")
        return cls(
            id=case_id or uuid7(int(at.timestamp() * 1000)),
            number=number,
            station_id=station_id,
            catalog_version=catalog_version,
            applicant=applicant,
            created_at=at,
            updated_at=at,
            item_code=item_code,
            bundle_code=bundle_code,
            agent=agent,
            jurisdiction=jurisdiction,
            pickup=pickup or Pickup(),
            sub_cases=[SubCase(code) for code in bundle_item_codes],
        )

    # ---- queries

    @property
    def is_bundle(self) -> bool:
        return self.bundle_code is not None

    @property
    def is_final(self) -> bool:
        return self.status in FINAL

    def allowed_transitions(self, side: Side | None = None) -> list[CaseStatus]:
        """Statuses reachable now (for buttons), optionally only those ``side`` may record."""
        out = [to for to, sides in TRANSITIONS[self.status].items() if side is None or side in sides]
        if self.is_bundle:
            out = [s for s in out if s not in _REVIEW]
        return out

    def entered_at(self, status: CaseStatus) -> dt.datetime | None:
        """When the case last entered ``status`` (e.g. the 受理 time), or None."""
        for t in reversed(self.history):
            if t.to_status is status:
                return t.at
        return None

    def sub_case(self, item_code: str) -> SubCase:
        """The bundle sub-case of ``item_code``; ``KeyError`` when the case has none."""
        for sub in self.sub_cases:
            if sub.item_code == item_code:
                return sub
        raise KeyError(f"case {self.number} has no sub-case for item {item_code}")

    def material(self, code: str) -> MaterialRecord | None:
        """The recorded material ``code``, or None when nothing was recorded for it yet."""
        for m in self.materials:
            if m.code == code:
                return m
        return None

    def open_supplement(self, item_code: str | None = None) -> SupplementRequest | None:
        """The 补齐补正 request not yet supplied, if any (the latest one; of one item of a 一件事 with
        ``item_code``)."""
        for s in reversed(self.supplements):
            if s.supplied_at is None and (item_code is None or s.item_code == item_code):
                return s
        return None

    # ---- mutations

    def mark_resumed(self, case_number: str, *, at: dt.datetime) -> None:
        """On a 一次性告知 record: the resident came back and case ``case_number`` was accepted from it."""
        if self.status is not CaseStatus.NOTICE_ISSUED:
            raise CaseError("case.not_a_notice", status_code=self.status.code)
        if self.resumed_as:
            raise CaseError("case.notice_already_resumed", number=self.number, case=self.resumed_as)
        self.resumed_as = case_number
        self._touch(require_utc(at, "at"))

    def _touch(self, at: dt.datetime) -> None:
        self.version += 1
        self.updated_at = max(self.updated_at, at)

    def transition(
        self,
        to: CaseStatus,
        *,
        actor: str,
        at: dt.datetime,
        reason: str = "",
        side: Side | None = None,
        check_rules: bool = True,
        on_the_spot: bool = False,
    ) -> Transition:
        """Move the case to ``to``. ``side`` may be omitted when only one side may record this change.
        ``on_the_spot=True`` also allows the moves of :data:`ON_THE_SPOT` (当场办结 of a flagged item: use
        :func:`casework.on_the_spot.decide_on_the_spot`, which checks the flag).

        Raises :class:`IllegalTransition` for a change not in :data:`TRANSITIONS`, one recorded by the
        wrong side, a refusal/rejection/withdrawal without a reason, or a review state set directly on a
        bundle parent; :class:`DeferredOutstanding` for 准予办理 or 送达 of an approved case while a 容缺
        material is owed; :class:`SupplementIncomplete` for leaving 补齐补正 before every requested material
        was handed in (:meth:`supply`). Front-desk changes and withdrawal cascade to the sub-cases.

        ``check_rules=False`` replays a change the other side already recorded under these rules (a station
        applying the center's feed): only the transition table is checked then.
        """
        at = require_utc(at, "at")
        if not actor:
            raise ValueError("actor is required")
        if self.is_bundle and to in _REVIEW:
            raise IllegalTransition(
                "case.bundle.decided_by_items", to_code=to.code, frm=self.status.value, to=to.value
            )
        side = _check_transition(self.status, to, side, reason, on_the_spot and not self.is_bundle)
        if check_rules:
            self._check_rules(self.status, to)
        if to is CaseStatus.WITHDRAWN and any(s.status in DECIDED for s in self.sub_cases):
            raise IllegalTransition("case.bundle.partly_decided")
        record = Transition(self.status, to, actor, at, side, reason)
        if to is CaseStatus.IN_REVIEW and self.status is CaseStatus.SUPPLEMENT_REQUESTED:
            self._mark_supplied(at)
        self.history.append(record)
        self.status = to
        if to in _FRONT_DESK or to is CaseStatus.WITHDRAWN:
            for sub in self.sub_cases:
                if sub.status not in DECIDED and sub.status not in FINAL:
                    sub.history.append(Transition(sub.status, to, actor, at, side, reason))
                    sub.status = to
        self._touch(at)
        return record

    def transition_sub(
        self,
        item_code: str,
        to: CaseStatus,
        *,
        actor: str,
        at: dt.datetime,
        reason: str = "",
        side: Side | None = None,
        check_rules: bool = True,
    ) -> Transition:
        """Back-office change of one bundle sub-case (审查, 补正, 决定, 撤回 of one item); the parent status
        follows (see the module docstring). Only review states and ``withdrawn`` are allowed here. The
        容缺 and 补正 rules of :meth:`transition` apply (a 一件事's 容缺 materials hold every item)."""
        at = require_utc(at, "at")
        if not self.is_bundle:
            raise IllegalTransition("case.bundle.no_sub_cases")
        if to not in _REVIEW and to is not CaseStatus.WITHDRAWN:
            raise IllegalTransition("case.bundle.whole_case_only", to_code=to.code)
        sub = self.sub_case(item_code)
        side = _check_transition(sub.status, to, side, reason)
        if check_rules:
            self._check_rules(sub.status, to, item_code)
        record = Transition(sub.status, to, actor, at, side, reason)
        sub.history.append(record)
        sub.status = to
        if to is CaseStatus.IN_REVIEW:
            self._mark_supplied(at, item_code)
        self._follow_subs(actor, at, side)
        self._touch(at)
        return record

    # ---- 容缺 and 补正 rules

    def outstanding_deferred(self) -> list[MaterialRecord]:
        """容缺 materials still owed (neither handed in nor waived), earliest due first."""
        owed = [m for m in self.materials if m.outstanding]
        return sorted(owed, key=lambda m: m.due_date or dt.date.max)

    def station_decisions(self) -> list[Transition]:
        """Decisions (准予/不予办理) the station side recorded: only 当场办结 (:data:`ON_THE_SPOT`)."""
        tracks = [self.history, *(sub.history for sub in self.sub_cases)]
        return [t for track in tracks for t in track if t.side is Side.STATION and t.to_status in DECIDED]

    @property
    def decided_on_the_spot(self) -> bool:
        """当场办结: the station decided the case at the window."""
        return bool(self.station_decisions())

    def was_approved(self) -> bool:
        """Whether the case (or an item of a 一件事) was approved: there is a result to hand over."""
        tracks = [self.history, *(sub.history for sub in self.sub_cases)]
        return any(t.to_status is CaseStatus.APPROVED for track in tracks for t in track)

    def _check_rules(self, frm: CaseStatus, to: CaseStatus, item_code: str = "") -> None:
        handing_over = to is CaseStatus.HANDED_OVER and self.was_approved()
        if to is CaseStatus.APPROVED or handing_over:
            owed = self.outstanding_deferred()
            if owed:
                raise DeferredOutstanding(names=[m.name for m in owed], number=self.number)
        if frm is CaseStatus.SUPPLEMENT_REQUESTED and to is CaseStatus.IN_REVIEW:
            request = self.open_supplement(item_code)
            if request is not None and request.unsupplied():
                raise SupplementIncomplete(names=[m.name for m in request.unsupplied()])

    def supply(
        self,
        code: str,
        *,
        by: str,
        at: dt.datetime,
        attachments: Sequence[str] = (),
        note: str = "",
        item_code: str | None = None,
    ) -> SuppliedMaterial:
        """Hand in one material a 补齐补正 request asked for: new scans (sha256 of scans not yet on the case)
        or a ``note`` of what was received (paper at the department, 数据共享). The scans are added to the
        case's material record of ``code`` as 原件核验 by ``by``. Raises :class:`CaseError`
        (``case.supplement_not_requested``, ``case.supplement_nothing_new``)."""
        at = require_utc(at, "at")
        index = next(
            (
                i
                for i in range(len(self.supplements) - 1, -1, -1)
                if self.supplements[i].supplied_at is None
                and (item_code is None or self.supplements[i].item_code == item_code)
                and any(m.code == code for m in self.supplements[i].items)
            ),
            None,
        )
        if index is None:
            raise CaseError("case.supplement_not_requested", code=code)
        request = self.supplements[index]
        name = next(m.name for m in request.items if m.code == code)
        known = {a for m in self.materials for a in m.attachments}
        known |= {a for x in request.supplied_items for a in x.attachments}
        new = tuple(dict.fromkeys(a for a in attachments if a not in known))
        if not new and not note.strip():
            raise CaseError("case.supplement_nothing_new", name=name)
        supplied = SuppliedMaterial(code, new, note.strip(), by, at)
        self.supplements[index] = request.with_supplied(supplied)
        if new:
            old = self.material(code)
            self._put_material(
                MaterialRecord(
                    code=code,
                    name=old.name if old else name,
                    satisfaction=Satisfaction.ORIGINAL_VERIFIED,
                    attachments=tuple(dict.fromkeys([*(old.attachments if old else ()), *new])),
                    verified_by=by,
                    due_date=old.due_date if old else None,
                    copies=old.copies if old else (),
                )
            )
        self._touch(at)
        return supplied

    def receive_deferred(
        self, code: str, *, attachments: Sequence[str], verified_by: str, at: dt.datetime
    ) -> None:
        """容缺 follow-through: the late material arrived — scans taken and the original checked (原件核验) by
        ``verified_by``. The record keeps the agreed ``due_date`` and gains ``supplied_at``. Allowed until
        the result is handed over. Raises :class:`CaseError` (``case.deferred_not_owed``,
        ``case.deferred_needs_scan``, ``case.closed_for_materials``)."""
        at = require_utc(at, "at")
        old = self.material(code)
        if old is None or not old.outstanding:
            raise CaseError("case.deferred_not_owed", code=code, name=old.name if old else code)
        if not attachments:
            raise CaseError("case.deferred_needs_scan", name=old.name)
        if self.is_final or self.status is CaseStatus.HANDED_OVER:
            raise CaseError("case.closed_for_materials", status_code=self.status.code)
        self._put_material(
            MaterialRecord(
                code=code,
                name=old.name,
                satisfaction=Satisfaction.ORIGINAL_VERIFIED,
                attachments=tuple(dict.fromkeys(attachments)),
                verified_by=verified_by,
                due_date=old.due_date,
                note=old.note,
                supplied_at=at,
            )
        )
        self._touch(at)

    def add_copies(self, code: str, copies: Sequence[VerifiedCopy]) -> int:
        """Record marked copies (核验件, :mod:`casework.copies`) of material ``code``'s scans; returns how
        many were added. Only a scan the record holds and has verified (原件核验) gets one, once; nothing
        else of the record changes, so this is allowed at any status."""
        old = self.material(code)
        if old is None or old.satisfaction is not Satisfaction.ORIGINAL_VERIFIED:
            return 0
        have = {c.original_sha256 for c in old.copies}
        new: list[VerifiedCopy] = []
        for c in copies:
            if c.original_sha256 in old.attachments and c.original_sha256 not in have:
                have.add(c.original_sha256)
                new.append(c)
        if new:
            self._put_material(replace(old, copies=(*old.copies, *new)))
        return len(new)

    def waive_deferred(self, code: str, *, by: str, reason: str, at: dt.datetime) -> None:
        """The department waives an owed 容缺 material (免于补交) with a reason; 办结 and 送达 may go on.
        Raises :class:`CaseError` (``case.deferred_not_owed``, ``case.waiver_reason_required``)."""
        at = require_utc(at, "at")
        old = self.material(code)
        if old is None or not old.outstanding:
            raise CaseError("case.deferred_not_owed", code=code, name=old.name if old else code)
        if not reason.strip():
            raise CaseError("case.waiver_reason_required", name=old.name)
        self._put_material(replace(old, waived_at=at, waived_by=by, waiver_reason=reason.strip()))
        self._touch(at)

    def _put_material(self, record: MaterialRecord) -> None:
        for i, m in enumerate(self.materials):
            if m.code == record.code:
                self.materials[i] = record
                return
        self.materials.append(record)

    def _follow_subs(self, actor: str, at: dt.datetime, side: Side) -> None:
        states = [s.status for s in self.sub_cases]
        if all(s in DECIDED or s is CaseStatus.WITHDRAWN for s in states):
            if all(s is CaseStatus.WITHDRAWN for s in states):
                target = CaseStatus.WITHDRAWN
            elif CaseStatus.APPROVED in states:
                target = CaseStatus.APPROVED
            else:
                target = CaseStatus.REJECTED
        elif CaseStatus.SUPPLEMENT_REQUESTED in states:
            target = CaseStatus.SUPPLEMENT_REQUESTED
        elif any(s in _REVIEW for s in states):
            target = CaseStatus.IN_REVIEW
        else:
            return
        if target is not self.status:
            why = "全部子事项已撤回" if target is CaseStatus.WITHDRAWN else "由子事项办理状态汇总"
            self.history.append(Transition(self.status, target, actor, at, side, why))
            self.status = target

    def _mark_supplied(self, at: dt.datetime, item_code: str = "") -> None:
        for i in range(len(self.supplements) - 1, -1, -1):
            s = self.supplements[i]
            if s.supplied_at is None and s.item_code == item_code:
                self.supplements[i] = replace(s, supplied_at=at)
                return

    def request_supplement(
        self, request: SupplementRequest, *, actor: str, side: Side = Side.CENTER
    ) -> Transition:
        """补齐补正: record what is missing and move the case (or the sub-case ``request.item_code``) to
        ``supplement_requested``."""
        if not request.items:
            raise ValueError("a supplement request lists at least one material")
        if self.is_bundle:
            if not request.item_code:
                raise ValueError("a bundle supplement request names the item (item_code)")
            record = self.transition_sub(
                request.item_code,
                CaseStatus.SUPPLEMENT_REQUESTED,
                actor=actor,
                at=request.requested_at,
                side=side,
                reason="；".join(m.name for m in request.items),
            )
        else:
            record = self.transition(
                CaseStatus.SUPPLEMENT_REQUESTED,
                actor=actor,
                at=request.requested_at,
                side=side,
                reason="；".join(m.name for m in request.items),
            )
        self.supplements.append(request)
        return record

    def set_material(self, record: MaterialRecord, *, at: dt.datetime) -> None:
        """Add or replace (by ``code``) a material record. Allowed until the case is decided or final."""
        if (
            self.status in DECIDED
            or self.is_final
            or self.status in (CaseStatus.RESULT_READY, CaseStatus.HANDED_OVER)
        ):
            raise CaseError("case.materials_locked", status_code=self.status.code)
        at = require_utc(at, "at")
        for i, m in enumerate(self.materials):
            if m.code == record.code:
                self.materials[i] = record
                break
        else:
            self.materials.append(record)
        self._touch(at)

    def set_promised_date(
        self, date: dt.date, provisional: bool, *, at: dt.datetime, item_code: str | None = None
    ) -> None:
        """Record the 承诺办结日期 (computed with :mod:`casework.workdays`), on the case or one sub-case."""
        at = require_utc(at, "at")
        if item_code is None:
            self.promised_date, self.promised_date_provisional = date, provisional
        else:
            sub = self.sub_case(item_code)
            sub.promised_date, sub.promised_date_provisional = date, provisional
        self._touch(at)

    def set_deadline_basis(
        self,
        *,
        start: dt.date,
        limit: TimeLimit | None,
        item_limits: Mapping[str, TimeLimit] | None = None,
        calendar_version: int,
        at: dt.datetime,
    ) -> None:
        """Record what the promised dates count from: the clock start, the 承诺办结时限 of the case (and of
        each sub-case, ``item_limits``) and the calendar version the dates are computed with. Use
        :func:`casework.deadlines.recompute_deadlines` (or ``acceptance.set_promised_dates``) rather than
        calling this directly: it keeps the dates and their basis together."""
        at = require_utc(at, "at")
        self.clock_start, self.promised_limit, self.calendar_version = start, limit, calendar_version
        for code, item_limit in (item_limits or {}).items():
            self.sub_case(code).promised_limit = item_limit
        self._touch(at)

    def set_result(self, result: CaseResult, *, at: dt.datetime, item_code: str | None = None) -> None:
        """Attach the 办结结果 once the case (or sub-case) is decided."""
        at = require_utc(at, "at")
        status = self.status if item_code is None else self.sub_case(item_code).status
        if status not in DECIDED and status not in (CaseStatus.RESULT_READY, CaseStatus.HANDED_OVER):
            raise CaseError("case.result_before_decision", status_code=status.code)
        if item_code is None:
            self.result = result
        else:
            self.sub_case(item_code).result = result
        self._touch(at)

    def rate(self, rating: Rating) -> None:
        """好差评, once per case (一事一评). Raises :class:`AlreadyRated` the second time and
        :class:`CaseError` for a draft (nothing to rate yet)."""
        if self.rating is not None:
            raise AlreadyRated(number=self.number, day=clock.china_date(self.rating.at).isoformat())
        if self.status is CaseStatus.DRAFT:
            raise CaseError("case.rate_not_submitted")
        at = require_utc(rating.at, "rating.at")
        self.rating = Rating(rating.level, at, rating.reasons, rating.comment)
        self._touch(rating.at)

    def rate_revisit(self, rating: Rating) -> None:
        """回访评价: the resident's second rating of a case whose first rating was 基本满意 or below (a 差评
        that opened a 整改), once, never before the first rating. The first rating stays as it was."""
        first = self.rating
        if first is None or not first.level.needs_follow_up:
            raise CaseError("case.revisit_not_due", number=self.number)
        if self.revisit_rating is not None:
            day = clock.china_date(self.revisit_rating.at).isoformat()
            raise CaseError("case.revisit_already_rated", number=self.number, day=day)
        at = require_utc(rating.at, "revisit_rating.at")
        if at < first.at:
            raise CaseError("case.revisit_before_rating", number=self.number)
        self.revisit_rating = Rating(rating.level, at, rating.reasons, rating.comment)
        self._touch(at)

    # ---- serialisation

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``Case.from_dict(c.to_dict()) == c``."""
        return {
            "id": self.id,
            "number": self.number,
            "version": self.version,
            "status": self.status.value,
            "station_id": self.station_id,
            "item_code": self.item_code,
            "bundle_code": self.bundle_code,
            "catalog_version": self.catalog_version,
            "applicant": self.applicant.to_dict(),
            "agent": None if self.agent is None else self.agent.to_dict(),
            "materials": [m.to_dict() for m in self.materials],
            "jurisdiction": self.jurisdiction,
            "pickup": self.pickup.to_dict(),
            "promised_date": date_out(self.promised_date),
            "promised_date_provisional": self.promised_date_provisional,
            "clock_start": date_out(self.clock_start),
            "promised_limit": limit_out(self.promised_limit),
            "calendar_version": self.calendar_version,
            "rating": None if self.rating is None else self.rating.to_dict(),
            "result": None if self.result is None else self.result.to_dict(),
            "supplements": [s.to_dict() for s in self.supplements],
            "sub_cases": [s.to_dict() for s in self.sub_cases],
            "history": [t.to_dict() for t in self.history],
            "form_values": dict(self.form_values),
            "eligibility_override": self.eligibility_override,
            "handover": self.handover,
            "revisit_rating": None if self.revisit_rating is None else self.revisit_rating.to_dict(),
            "created_at": format_utc(self.created_at),
            "updated_at": format_utc(self.updated_at),
            **({"prior_notice": self.prior_notice} if self.prior_notice else {}),
            **({"resumed_as": self.resumed_as} if self.resumed_as else {}),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Case:
        """Inverse of :meth:`to_dict`. Raises ``ValueError``/``KeyError`` on a malformed dict."""
        version, catalog_version = d["version"], d["catalog_version"]
        if not isinstance(version, int) or not isinstance(catalog_version, int):
            raise ValueError("version and catalog_version must be integers")
        agent, rating, result = d.get("agent"), d.get("rating"), d.get("result")
        return cls(
            id=str_field(d, "id"),
            number=str_field(d, "number"),
            station_id=str_field(d, "station_id"),
            catalog_version=catalog_version,
            applicant=Applicant.from_dict(d["applicant"]),
            created_at=parse_utc(str_field(d, "created_at")),
            updated_at=parse_utc(str_field(d, "updated_at")),
            item_code=opt_str_field(d, "item_code"),
            bundle_code=opt_str_field(d, "bundle_code"),
            version=version,
            status=CaseStatus(d["status"]),
            agent=None if agent is None else Agent.from_dict(agent),
            materials=[MaterialRecord.from_dict(m) for m in list_field(d, "materials")],
            jurisdiction=str_field(d, "jurisdiction", ""),
            pickup=Pickup.from_dict(d["pickup"]),
            promised_date=date_in(d.get("promised_date")),
            promised_date_provisional=bool_field(d, "promised_date_provisional"),
            clock_start=date_in(d.get("clock_start")),
            promised_limit=limit_in(d.get("promised_limit")),
            calendar_version=_int_field(d, "calendar_version"),
            rating=None if rating is None else Rating.from_dict(rating),
            result=None if result is None else CaseResult.from_dict(result),
            supplements=[SupplementRequest.from_dict(s) for s in list_field(d, "supplements")],
            sub_cases=[SubCase.from_dict(s) for s in list_field(d, "sub_cases")],
            history=[Transition.from_dict(t) for t in list_field(d, "history")],
            form_values=form_values_in(d.get("form_values")),
            eligibility_override=_record_in(d.get("eligibility_override"), "eligibility_override", "reason"),
            handover=_record_in(d.get("handover"), "handover", "collector"),
            prior_notice=str_field(d, "prior_notice", ""),
            resumed_as=str_field(d, "resumed_as", ""),
            revisit_rating=None if d.get("revisit_rating") is None else Rating.from_dict(d["revisit_rating"]),
        )
