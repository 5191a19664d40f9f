"""自助办 (kiosk) view-model: pre-applications (预审) that become intake drafts at the desk, a case's progress
(办件进度), and resident rating.

The kiosk shows no case data without proof: a pre-application only writes a draft and returns its ticket
code; progress and rating ask for the case number **and** the last four digits of the applicant's phone.
Progress answers with the item name, the status and the promised date as the station holds it now — after
the district published a calendar that moved it, the new date (marked 暂定 while it still is); never the
applicant's name or number. Blocking: call from a thread.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from casework import clock
from casework.casenumber import normalize
from casework.cases import Case, CaseStatus, RatingLevel
from casework.messages import term
from station_app.i18n import t
from station_app.services.cases import CaseService
from station_app.viewmodels.case_detail import ActionError, CaseActions
from station_app.viewmodels.intake import IntakeError, new_draft

TICKET_DIGITS = 6


class KioskError(Exception):
    """What the resident must fix, in plain words; ``fields`` says which box each message belongs to."""

    def __init__(self, message: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields: dict[str, str] = dict(fields or {})


def resident_problems(*, name: str, id_type: str, id_number: str, phone: str) -> dict[str, str]:
    """The kiosk form's problems by box (``name`` / ``id_number`` / ``phone``), in the plain wording a
    resident reads ("身份证号码最后一位不对，请核对"), not the desk's ("校验位"). Empty boxes count."""
    from casework.identity import id_number_problem, normalize_resident_id, phone_problem

    out: dict[str, str] = {}
    if not name.strip():
        out["name"] = t("kiosk.need_name")
    number = normalize_resident_id(id_number) if id_type in ("111", "112", "113") else id_number.strip()
    problem = id_number_problem(id_type, number, today=clock.china_today())
    if problem is not None:
        out["id_number"] = problem.plain()
    problem = phone_problem(phone.strip())
    if problem is not None:
        out["phone"] = problem.plain()
    return out


@dataclass(frozen=True)
class KioskProgress:
    """What a resident sees of a case at the kiosk."""

    number: str
    item_name: str
    status: str  # the status in the UI language
    promised_date: dt.date | None
    provisional: bool


class KioskViewModel:
    def __init__(self, cases: CaseService) -> None:
        self.cases = cases

    def preapply(self, code: str, *, name: str, id_type: str, id_number: str, phone: str) -> str:
        """预审: store the resident's pre-application as a draft; returns the ticket code
        they show at the desk."""
        problems = resident_problems(name=name, id_type=id_type, id_number=id_number, phone=phone)
        if problems:
            raise KioskError(t("common.list_sep").join(problems.values()), problems)
        catalog = self.cases.station.catalog()
        if catalog is None:
            raise KioskError(t("guide.no_catalog"))
        try:
            draft = new_draft(
                catalog, code, worker="kiosk", station_area=str(self.cases.station.settings().get("area", ""))
            )
        except IntakeError as exc:
            raise KioskError(t("common.list_sep").join(exc.problems)) from None
        ticket = self._new_ticket()
        draft["applicant"].update(
            {
                "name": name.strip(),
                "id_type": id_type,
                "id_number": id_number.strip().upper(),
                "phone": phone.strip(),
            }
        )
        draft.update({"ticket": ticket, "source": "kiosk", "step": "materials"})
        self.cases.save_draft(draft["id"], draft, actor="kiosk")
        return ticket

    def _new_ticket(self) -> str:
        used = {d.get("ticket") for d in self.cases.drafts()}
        while True:
            ticket = "".join(secrets.choice("23456789") for _ in range(TICKET_DIGITS))
            if ticket not in used:
                return ticket

    def claim(self, ticket: str, worker_id: str) -> str | None:
        """The desk opens a ticket: the draft id, now owned by ``worker_id``; ``None`` when unknown."""
        ticket = "".join(ch for ch in ticket if ch.isdigit())
        for draft in self.cases.drafts():
            if ticket and draft.get("ticket") == ticket:
                draft["worker"] = worker_id
                draft.pop("ticket", None)
                draft["claimed_ticket"] = ticket
                self.cases.save_draft(draft["id"], draft, actor=f"worker:{worker_id}")
                return str(draft["id"])
        return None

    def _find(self, number: str, phone_last4: str) -> Case:
        """The case with this number whose applicant's phone ends in ``phone_last4`` (four digits)."""
        try:
            number = normalize(number)
        except ValueError:
            raise KioskError(t("kiosk.rate_not_found")) from None
        last4 = phone_last4.strip()
        case = self.cases.find_by_number(number)
        if case is None or len(last4) != 4 or not case.applicant.phone.endswith(last4):
            raise KioskError(t("kiosk.rate_not_found"))
        if case.status is CaseStatus.DRAFT:
            raise KioskError(t("kiosk.rate_not_found"))
        return case

    def progress(self, number: str, phone_last4: str) -> KioskProgress:
        """办件进度: status and promised date of the case, if number and phone digits match."""
        case = self._find(number, phone_last4)
        return KioskProgress(
            case.number,
            self._item_name(case),
            term(case.status),
            case.promised_date,
            case.promised_date_provisional,
        )

    def find_for_rating(self, number: str, phone_last4: str) -> tuple[Case, str]:
        """The case to rate and its item name, if number and phone digits match and it can still be rated."""
        case = self._find(number, phone_last4)
        if case.rating is not None:
            raise KioskError(t("rating.already"))
        return case, self._item_name(case)

    def _item_name(self, case: Case) -> str:
        catalog = self.cases.station.catalog()
        name = ""
        if catalog is not None:
            try:
                name = (
                    catalog.item(case.item_code).name
                    if case.item_code
                    else catalog.bundle(case.bundle_code or "").name
                )
            except KeyError:
                name = ""
        return name

    def rate(self, case: Case, level: RatingLevel, reasons: list[str], comment: str) -> None:
        try:
            CaseActions(self.cases, case, "kiosk").rate(level, reasons, comment)
        except ActionError as exc:
            raise KioskError(str(exc)) from None


def rating_levels() -> list[RatingLevel]:
    return list(RatingLevel)


__all__: list[Any] = ["KioskError", "KioskProgress", "KioskViewModel", "rating_levels"]
