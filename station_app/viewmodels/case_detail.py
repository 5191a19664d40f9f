"""One case (办件): its timeline and what the window can do next — supplements (补齐补正), hand-over (已送达),
rating (好差评), withdrawal (撤回). Each action changes the :class:`Case` through ``casework`` rules and is
saved with a new outbox version in one commit (:meth:`CaseService.save`). Blocking: call from a thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from casework import clock
from casework.cases import (
    AlreadyRated,
    Case,
    CaseError,
    CaseStatus,
    MaterialRecord,
    Rating,
    RatingLevel,
    Satisfaction,
    Side,
)
from casework.errors import DomainError
from station_app.i18n import t
from station_app.services.cases import CaseService

RATING_REASONS = (
    "rating.reason_fast",
    "rating.reason_attitude",
    "rating.reason_clear",
    "rating.reason_slow",
    "rating.reason_runs",
    "rating.reason_unclear",
)
HANDOVER_METHODS = ("handover.self", "handover.agent", "handover.post", "handover.locker")


class ActionError(DomainError):
    """A case action the worker cannot take now. Coded (``station.case.*``) where the words are the error
    catalog's; some raises still pass a sentence worded with :func:`station_app.i18n.t` as the code, which
    ``str()`` shows as it is."""

    code = "station.case.action_refused"


@dataclass(frozen=True)
class TimelineEntry:
    at: str  # China local time, minutes
    label: str
    side: str
    actor: str
    reason: str


# what the back office does to one item of a 一件事 (front-desk steps are the parent's, cascaded to each item)
ITEM_STEPS = frozenset(
    {CaseStatus.IN_REVIEW, CaseStatus.SUPPLEMENT_REQUESTED, CaseStatus.APPROVED, CaseStatus.REJECTED}
)


def timeline(case: Case, item_names: Mapping[str, str] | None = None) -> list[TimelineEntry]:
    """The case's history; for a 一件事 also each item's back-office steps (审查, 补正, 决定 with the
    department's reason), labelled with the item's name — the parent's own entries only summarise them."""
    steps = [(h, "") for h in case.history]
    for sub in case.sub_cases:
        name = (item_names or {}).get(sub.item_code, sub.item_code)
        steps += [(h, name) for h in sub.history if h.side is Side.CENTER and h.to_status in ITEM_STEPS]
    steps.sort(key=lambda s: (s[0].at, not s[1]))  # an item's step before the parent's summary of it
    out = []
    for h, item in steps:
        out.append(
            TimelineEntry(
                clock.format_datetime(h.at),
                t("common.labelled", label=item, text=h.to_status.label) if item else h.to_status.label,
                t("case.side_center") if h.side is Side.CENTER else t("case.side_station"),
                h.actor,
                h.reason,
            )
        )
    return out


class CaseActions:
    def __init__(self, cases: CaseService, case: Case, worker_id: str) -> None:
        self.cases = cases
        self.case = case
        self.actor = f"worker:{worker_id}"

    def can_hand_over(self) -> bool:
        return self.case.status is CaseStatus.RESULT_READY

    def can_rate(self) -> bool:
        return self.case.rating is None and self.case.status is not CaseStatus.DRAFT

    def can_withdraw(self) -> bool:
        return CaseStatus.WITHDRAWN in self.case.allowed_transitions(Side.STATION)

    def open_supplement_items(self) -> list[tuple[str, str, str]]:
        """(code, name, why) of the materials the back office asked for, while the request is open."""
        req = self.case.open_supplement()
        if req is None or self.case.status is not CaseStatus.SUPPLEMENT_REQUESTED:
            return []
        return [(m.code, m.name, m.reason) for m in req.items]

    def hand_over(self, collector: str, method_key: str, note: str = "") -> Case:
        """已送达: who collected the result and how; then it is the resident's turn to rate."""
        if not collector.strip():
            raise ActionError(t("handover.need_collector"))
        if method_key not in HANDOVER_METHODS:
            raise ActionError(t("handover.need_method"))
        reason = t("handover.reason", who=collector.strip(), how=t(method_key)) + (
            f"；{note.strip()}" if note.strip() else ""
        )
        self._transition(CaseStatus.HANDED_OVER, reason)
        self.cases.save(self.case, actor=self.actor, action="case.hand_over")
        return self.case

    def rate(self, level: RatingLevel, reasons: list[str], comment: str) -> Case:
        """好差评, once per case; it travels to the district with the next sync."""
        try:
            self.case.rate(Rating(level, clock.now(), tuple(reasons), comment.strip()))
        except AlreadyRated as exc:
            raise ActionError(str(exc)) from None
        except CaseError as exc:
            raise ActionError(str(exc)) from None
        self.cases.save(self.case, actor="resident", action="case.rate")
        return self.case

    def withdraw(self, reason: str) -> Case:
        if not reason.strip():
            raise ActionError(t("case.withdraw_reason_needed"))
        self._transition(CaseStatus.WITHDRAWN, reason.strip())
        self.cases.save(self.case, actor=self.actor, action="case.withdraw")
        return self.case

    def supply(self, code: str, filename: str, data: bytes) -> None:
        """Attach a scan for a requested supplement (encrypted at once); resend with :meth:`resend`."""
        name = next((n for c, n, _w in self.open_supplement_items() if c == code), None)
        if name is None:
            raise ActionError(t("case.not_requested"))
        sha = self.cases.put_scan(data)
        old = self.case.material(code)
        shas = tuple(dict.fromkeys([*(old.attachments if old else ()), sha]))
        self.case.set_material(
            MaterialRecord(
                code=code,
                name=name,
                satisfaction=Satisfaction.ORIGINAL_VERIFIED,
                attachments=shas,
                verified_by=self.actor.split(":", 1)[1],
            ),
            at=clock.now(),
        )

    def resend(self) -> Case:
        """补齐补正 handed in at this window: back to review, and a new version to the center."""
        req = self.case.open_supplement()
        missing = [
            n
            for c, n, _w in self.open_supplement_items()
            if not (m := self.case.material(c)) or not m.attachments
        ]
        if missing:
            raise ActionError("station.case.still_missing", names=missing)
        if self.case.is_bundle and req is not None and req.item_code:
            self.case.transition_sub(
                req.item_code,
                CaseStatus.IN_REVIEW,
                actor=self.actor,
                at=clock.now(),
                side=Side.STATION,
                reason=t("case.supplied"),
            )
        else:
            self._transition(CaseStatus.IN_REVIEW, t("case.supplied"))
        self.cases.save(self.case, actor=self.actor, action="case.supplement")
        return self.case

    def _transition(self, to: CaseStatus, reason: str) -> None:
        try:
            self.case.transition(to, actor=self.actor, at=clock.now(), reason=reason, side=Side.STATION)
        except CaseError as exc:
            raise ActionError(str(exc)) from None
