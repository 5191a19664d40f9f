"""受理 (intake) as a plain view-model: item or 一件事 → applicant → materials → review → outcome.

The draft is a JSON dict (stored encrypted in ``drafts``, so it survives a closed browser and a restart);
``IntakeDraft`` reads and writes it. Checks come from ``casework`` (identity, acceptance rules); the durable
commits from :class:`~station_app.services.cases.CaseService`. Blocking calls are the caller's to put on a
thread: ``attach``, ``save``, ``accept``, ``notice``, ``refuse``.

Draft shape (``item_code`` / ``bundle_code`` at top level is what :func:`sync.apply.flag_draft` reads)::

    {id, item_code | bundle_code, name, catalog_version, fingerprint, step, applicant{...}, agent{...} | None,
     materials{code: {satisfaction, attachments[{sha256, name, size}], due_date, commitment_confirmed}},
     collected, jurisdiction, pickup, created_at, updated_at, worker, catalog_flag?}
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mimetypes
from dataclasses import dataclass
from typing import Any

from casework import clock, messages
from casework.acceptance import (
    AcceptanceRefused,
    accept,
    acceptance_problems,
    default_deferral_due,
    deferral_window,
    issue_notice,
    item_force_problem,
)
from casework.blobref import BlobRef
from casework.cases import Case, CaseStatus, MaterialRecord, Pickup, PickupMethod, Satisfaction, uuid7
from casework.catalog import Catalog, Item, Material, Necessity
from casework.errors import DomainError
from casework.identity import (
    AUTHORITY_POWER_OF_ATTORNEY,
    ID_TYPES,
    ORGANIZATION_ID_TYPES,
    PERSON_ID_TYPES,
    Agent,
    Applicant,
    ApplicantKind,
    check_id_number,
    check_phone,
)
from casework.messages import term
from casework.on_the_spot import decide_on_the_spot, issue_on_the_spot, on_the_spot_item
from station_app.i18n import t
from station_app.services.cases import CaseService, NoDocument
from station_app.services.notices import pending_record
from station_app.viewmodels.intake_form import IntakeForm, fill_case
from station_app.viewmodels.printing import PrinterSettings, document_layout, station_printer

STEPS = ("applicant", "materials", "review")


class IntakeError(Exception):
    """A problem the worker must fix; ``problems`` are Chinese messages."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


def fingerprint(catalog: Catalog, code: str) -> str:
    """A digest of what the draft depends on (the item or bundle and its items), to notice catalog changes."""
    if catalog.has_item(code):
        parts: list[Any] = [_entry(catalog.item(code))]
    else:
        b = catalog.bundle(code)
        parts = [b.name, b.status.value, list(b.item_codes)] + [_entry(i) for i in catalog.bundle_items(code)]
    return hashlib.sha256(
        json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode()
    ).hexdigest()


def snapshot(catalog: Catalog, code: str) -> dict[str, Any]:
    """What a draft relied on, per item: name, time limit and materials (to say later what changed)."""
    items = [catalog.item(code)] if catalog.has_item(code) else list(catalog.bundle_items(code))
    return {
        i.code: {
            "name": i.name,
            "limit": str(i.promised_limit),
            "materials": {m.code: f"{m.name}（{m.necessity.value}）" for m in i.materials},
        }
        for i in items
    }


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Plain-language differences between two :func:`snapshot` s (materials added/removed, limits, names)."""
    out: list[str] = []
    for code in old.keys() - new.keys():
        out.append(t("intake.change_item_removed", name=old[code]["name"]))
    for code in new.keys() - old.keys():
        out.append(t("intake.change_item_added", name=new[code]["name"]))
    for code in old.keys() & new.keys():
        o, n = old[code], new[code]
        if o["name"] != n["name"]:
            out.append(t("intake.change_name", old=o["name"], new=n["name"]))
        if o["limit"] != n["limit"]:
            out.append(t("intake.change_limit", name=n["name"], old=o["limit"], new=n["limit"]))
        for m in n["materials"].keys() - o["materials"].keys():
            out.append(t("intake.change_material_added", name=n["materials"][m]))
        for m in o["materials"].keys() - n["materials"].keys():
            out.append(t("intake.change_material_removed", name=o["materials"][m]))
        for m in o["materials"].keys() & n["materials"].keys():
            if o["materials"][m] != n["materials"][m]:
                out.append(t("intake.change_material", old=o["materials"][m], new=n["materials"][m]))
    return out


def _entry(item: Item) -> Any:
    return [
        item.code,
        item.name,
        item.status.value,
        str(item.promised_limit),
        [(m.code, m.name, m.necessity.value, m.commitment_allowed) for m in item.materials],
    ]


def safe_file_name(filename: str, sha256: str) -> tuple[str, str | None]:
    """(the name to keep, a notice for the worker or ``None``). A name from a USB stick written in another
    encoding can hold undecodable bytes (lone surrogates once decoded), which no document can store: the scan
    is kept under ``扫描件-<digest>.<ext>`` and the notice shows the original name escaped."""
    try:
        filename.encode("utf-8")
    except UnicodeEncodeError:
        escaped = filename.encode("utf-8", "backslashreplace").decode("utf-8")
        ext = (
            filename.rsplit(".", 1)[-1].encode("ascii", "ignore").decode().lower() if "." in filename else ""
        )
        safe = f"{t('intake.scan_name')}-{sha256[:8]}" + (f".{ext}" if ext.isalnum() else "")
        return safe, t("intake.bad_file_name", name=escaped, safe=safe)
    return filename, None


def force_problems(catalog: Catalog, code: str, today: dt.date) -> list[str]:
    """Why an item or bundle cannot be accepted on ``today`` (not yet in force, cancelled from a day on),
    by the rule the district center applies to what it receives (``casework.acceptance``)."""
    if catalog.has_item(code):
        items: tuple[Item, ...] = (catalog.item(code),)
        out: list[str] = []
    else:
        bundle = catalog.bundle(code)
        items = catalog.bundle_items(code)
        out = [] if bundle.status.value == "active" else [t("intake.cancelled", name=bundle.name)]
    return out + [p for p in (item_force_problem(i, today) for i in items) if p]


def new_draft(catalog: Catalog, code: str, *, worker: str, station_area: str) -> dict[str, Any]:
    """A fresh draft for an item or bundle. Raises :class:`IntakeError` for one that is not in force today
    (cancelled, or with a 生效日期 still to come)."""
    now = clock.now().isoformat()
    problems = force_problems(catalog, code, clock.china_today())
    if problems:
        raise IntakeError(problems)
    if catalog.has_item(code):
        item = catalog.item(code)
        key, name, jurisdiction = "item_code", item.name, item.jurisdiction
    else:
        bundle = catalog.bundle(code)
        items = catalog.bundle_items(code)
        key, name, jurisdiction = "bundle_code", bundle.name, items[0].jurisdiction
    return {
        "id": uuid7(),
        key: code,
        "name": name,
        "catalog_version": catalog.version,
        "fingerprint": fingerprint(catalog, code),
        "snapshot": snapshot(catalog, code),
        "step": "applicant",
        "applicant": {
            "kind": ApplicantKind.PERSON.value,
            "name": "",
            "id_type": "111",
            "id_number": "",
            "phone": "",
            "address": "",
            "legal_representative": "",
            "legal_representative_id_number": "",
        },
        "agent": None,
        "materials": {},
        "collected": bool(station_area) and jurisdiction != station_area,
        "jurisdiction": jurisdiction,
        "pickup": PickupMethod.STATION_WINDOW.value,
        "pickup_address": "",
        "created_at": now,
        "updated_at": now,
        "worker": worker,
    }


@dataclass(frozen=True)
class MaterialRow:
    code: str
    name: str
    necessity: Necessity
    form: str
    counts: str
    commitment_allowed: bool
    commitment_text: str
    shared_data: bool
    satisfaction: Satisfaction
    attachments: tuple[dict[str, Any], ...]
    due_date: str
    problem: str | None


class IntakeViewModel:
    def __init__(
        self, cases: CaseService, catalog: Catalog, draft: dict[str, Any], worker_id: str, worker_name: str
    ) -> None:
        self.cases = cases
        self.catalog = catalog
        self.draft = draft
        self.worker_id = worker_id
        self.worker_name = worker_name
        self.outcome: Case | None = None
        self.document_pdf: bytes | None = None
        self.attach_notice: str | None = None  # what the last attach changed (an undecodable file name)
        self.form = IntakeForm(catalog, draft)  # the catalog's 表单字段 and 申请条件 of this draft

    # -- what the draft is about ---------------------------------------------------------------------------
    @property
    def code(self) -> str:
        return str(self.draft.get("item_code") or self.draft.get("bundle_code"))

    @property
    def is_bundle(self) -> bool:
        return "bundle_code" in self.draft and bool(self.draft["bundle_code"])

    def items(self) -> tuple[Item, ...]:
        if self.is_bundle:
            return self.catalog.bundle_items(self.code)
        return (self.catalog.item(self.code),)

    def catalog_warning(self) -> str | None:
        """Why this draft may no longer be right: cancelled or changed since it was started."""
        flag = self.draft.get("catalog_flag")
        if isinstance(flag, dict) and flag.get("message"):
            return str(flag["message"])
        try:
            current = fingerprint(self.catalog, self.code)
        except KeyError:
            return t("intake.gone")
        problems = force_problems(self.catalog, self.code, clock.china_today())
        if problems:
            return problems[0]
        if current != self.draft.get("fingerprint"):
            details = describe_changes(self.draft.get("snapshot") or {}, snapshot(self.catalog, self.code))
            text = t("intake.changed", version=self.catalog.version)
            return text + (t("common.list_sep").join(details) if details else "")
        return None

    def blocked(self) -> bool:
        """Whether the item (or a bundle item) is not in force today: cancelled, or not yet in force."""
        return bool(force_problems(self.catalog, self.code, clock.china_today()))

    # -- applicant -----------------------------------------------------------------------------------------
    def jurisdiction_choices(self) -> tuple[str, ...]:
        """The 业务属地 the worker may pick for this case (the item's own first); one means no choice."""
        return tuple(dict.fromkeys(area for it in self.items() for area in it.jurisdiction_choices))

    def choose_jurisdiction(self, area: str, *, station_area: str) -> None:
        """Pick the 业务属地 (the district that owns the case) among :meth:`jurisdiction_choices`; another
        district than the station's makes it 代收 for that district."""
        if area not in self.jurisdiction_choices():
            raise IntakeError([t("intake.jurisdiction_not_offered", area=area)])
        self.draft["jurisdiction"] = area
        self.draft["collected"] = bool(station_area) and area != station_area

    def set_applicant(self, **fields: str) -> None:
        self.draft["applicant"].update({k: v.strip() if isinstance(v, str) else v for k, v in fields.items()})
        if "kind" in fields:
            kind = fields["kind"]
            allowed = ORGANIZATION_ID_TYPES if kind == ApplicantKind.ORGANIZATION.value else PERSON_ID_TYPES
            if self.draft["applicant"]["id_type"] not in allowed:
                self.draft["applicant"]["id_type"] = next(iter(allowed))

    def set_agent(self, agent: dict[str, Any] | None) -> None:
        self.draft["agent"] = agent

    def field_problems(self) -> dict[str, str]:
        """Live checks as the worker types, by field (Chinese reasons from ``casework.identity``)."""
        a, out = self.draft["applicant"], {}
        today = clock.china_today()
        if a.get("id_number"):
            reason = check_id_number(a["id_type"], a["id_number"], today=today)
            if reason:
                out["id_number"] = reason
        if a.get("phone"):
            reason = check_phone(a["phone"])
            if reason:
                out["phone"] = reason
        agent = self.draft.get("agent")
        if agent and agent.get("id_number"):
            reason = check_id_number(agent.get("id_type", "111"), agent["id_number"], today=today)
            if reason:
                out["agent_id_number"] = reason
        return out

    def applicant(self) -> Applicant:
        return Applicant.from_dict(self.draft["applicant"])

    def agent(self) -> Agent | None:
        data = self.draft.get("agent")
        return Agent.from_dict(data) if data else None

    def applicant_problems(self) -> list[str]:
        from casework.identity import check_applicant_and_agent

        return check_applicant_and_agent(self.applicant(), self.agent(), today=clock.china_today())

    # -- materials -----------------------------------------------------------------------------------------
    def catalog_materials(self) -> tuple[Material, ...]:
        if self.is_bundle:
            return tuple(m.material for m in self.catalog.materials_for(self.code))
        return self.catalog.item(self.code).materials

    def _state(self, code: str) -> dict[str, Any]:
        state: dict[str, Any] = self.draft["materials"].setdefault(
            code,
            {
                "satisfaction": Satisfaction.MISSING.value,
                "attachments": [],
                "due_date": "",
                "commitment_confirmed": False,
            },
        )
        return state

    def material_rows(self) -> list[MaterialRow]:
        case = self.build_case(number="000000-000-00000")
        today, calendar = clock.china_today(), self.cases.calendar
        problems = set(acceptance_problems(case, self.catalog, today=today, calendar=calendar))
        rows = []
        for m in self.catalog_materials():
            st = self.draft["materials"].get(m.code, {})
            problem = next((p for p in problems if f"“{m.name}”" in p), None)
            rows.append(
                MaterialRow(
                    m.code,
                    m.name,
                    m.necessity,
                    term(m.form),
                    t("guide.counts", originals=m.originals, copies=m.copies),
                    m.commitment_allowed
                    and all(i.commitment_offered for i in self.items() if m in i.materials),
                    m.commitment_text,
                    m.shared_data,
                    Satisfaction(st.get("satisfaction", Satisfaction.MISSING.value)),
                    tuple(st.get("attachments", [])),
                    st.get("due_date", ""),
                    problem,
                )
            )
        return rows

    def attach(self, code: str, filename: str, data: bytes) -> str:
        """Encrypt and store a scan (blocking) and mark the original verified by this worker."""
        if not data:
            raise IntakeError([t("intake.empty_file", name=filename)])
        try:
            sha = self.cases.put_scan(data)
        except DomainError as exc:  # wrong file type, too large, disk full: the message says what to do
            raise IntakeError([str(exc)]) from None
        st = self._state(code)
        name, self.attach_notice = safe_file_name(filename, sha)
        if not any(a["sha256"] == sha for a in st["attachments"]):
            st["attachments"].append({"sha256": sha, "name": name, "size": len(data)})
        st["satisfaction"] = Satisfaction.ORIGINAL_VERIFIED.value
        return sha

    def attach_authority(self, filename: str, data: bytes) -> str:
        """Encrypt and store the 授权委托书 scan (blocking) as the agent's authority (帮办代办登记)."""
        if not data:
            raise IntakeError([t("intake.empty_file", name=filename)])
        agent = self.draft.get("agent")
        if not agent or agent.get("is_station_worker"):
            raise IntakeError([t("intake.authority_no_agent")])
        try:
            sha = self.cases.put_scan(data)
        except DomainError as exc:
            raise IntakeError([str(exc)]) from None
        mime = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        scan = BlobRef(sha, len(data), mime).to_dict()
        agent.update({"authority": AUTHORITY_POWER_OF_ATTORNEY, "authority_scan": scan})
        return sha

    def remove_attachment(self, code: str, sha256: str) -> None:
        st = self._state(code)
        st["attachments"] = [a for a in st["attachments"] if a["sha256"] != sha256]
        if not st["attachments"] and st["satisfaction"] == Satisfaction.ORIGINAL_VERIFIED.value:
            st["satisfaction"] = Satisfaction.MISSING.value

    def set_satisfaction(
        self, code: str, how: Satisfaction, *, due_date: str = "", commitment_confirmed: bool = False
    ) -> None:
        st = self._state(code)
        st["satisfaction"] = how.value
        st["due_date"] = due_date if how is Satisfaction.DEFERRED else ""
        st["commitment_confirmed"] = commitment_confirmed if how is Satisfaction.COMMITMENT else False

    def deferral_window(self) -> tuple[dt.date, dt.date]:
        """(earliest, latest) 容缺 due date of a material accepted today: today up to the case's promised
        date, on the station's (district's) calendar."""
        case = self.build_case(number="000000-000-00000")
        return deferral_window(case, self.catalog, self.cases.calendar, clock.china_today())

    def default_due_date(self) -> str:
        """The 容缺 due date the form proposes: five working days, or the promised date if that is earlier
        (a 即办件: today)."""
        case = self.build_case(number="000000-000-00000")
        return default_deferral_due(case, self.catalog, self.cases.calendar, clock.china_today()).isoformat()

    def deferral_problem(self, code: str, due: dt.date) -> str | None:
        """What is wrong with ``due`` as the 容缺 due date of ``code`` (a message for the form), or None."""
        earliest, latest = self.deferral_window()
        name = next((m.name for m in self.catalog_materials() if m.code == code), code)
        if due < earliest:
            params = {"name": name, "due": due.isoformat(), "today": earliest.isoformat()}
            return messages.text("acceptance.deferred_due_past", params)
        if due > latest:
            params = {"name": name, "due": due.isoformat(), "promised": latest.isoformat()}
            return messages.text("acceptance.deferred_due_after_promise", params)
        return None

    # -- building the case ---------------------------------------------------------------------------------
    def records(self) -> list[MaterialRecord]:
        out = []
        by_code = {m.code: m for m in self.catalog_materials()}
        for code, st in self.draft["materials"].items():
            m = by_code.get(code)
            if m is None:
                continue
            how = Satisfaction(st.get("satisfaction", Satisfaction.MISSING.value))
            if how is Satisfaction.MISSING:
                continue
            due = dt.date.fromisoformat(st["due_date"]) if st.get("due_date") else None
            commitment = (
                m.commitment_text if how is Satisfaction.COMMITMENT and st.get("commitment_confirmed") else ""
            )
            out.append(
                MaterialRecord(
                    code=code,
                    name=m.name,
                    satisfaction=how,
                    attachments=tuple(a["sha256"] for a in st.get("attachments", [])),
                    verified_by=self.worker_id if how is Satisfaction.ORIGINAL_VERIFIED else "",
                    due_date=due,
                    commitment_text=commitment,
                    source=t("intake.shared_source") if how is Satisfaction.DATA_SHARING else "",
                )
            )
        return out

    def build_case(self, number: str, case_id: str | None = None) -> Case:
        station_id = str((self.cases.station.identity() or {}).get("station_id") or "")
        now = clock.now()
        kw: dict[str, Any] = (
            {"bundle_code": self.code, "bundle_item_codes": self.catalog.bundle(self.code).item_codes}
            if self.is_bundle
            else {"item_code": self.code}
        )
        try:
            applicant = self.applicant()
        except ValueError:
            applicant = Applicant(ApplicantKind.PERSON, "", "111", "", "")
        method = PickupMethod(self.draft.get("pickup", PickupMethod.STATION_WINDOW.value))
        case = Case.new(
            number=number,
            station_id=station_id,
            catalog_version=self.catalog.version,
            applicant=applicant,
            at=now,
            jurisdiction=str(self.draft.get("jurisdiction", "")),
            agent=self.agent(),
            pickup=Pickup(method, str(self.draft.get("pickup_address", ""))),
            case_id=case_id,
            **kw,
        )
        for record in self.records():
            case.set_material(record, at=now)
        fill_case(case, self.form, self.worker_id)
        return case

    def review_problems(self) -> list[str]:
        case = self.build_case(number="000000-000-00000")
        today = clock.china_today()
        problems = acceptance_problems(case, self.catalog, today=today, calendar=self.cases.calendar)
        for st in self.draft["materials"].values():
            if st.get("satisfaction") == Satisfaction.COMMITMENT.value and not st.get("commitment_confirmed"):
                problems.append(t("intake.commitment_unconfirmed"))
        return problems + self.form.review_problems()

    def summary(self) -> dict[str, Any]:
        rows = self.material_rows()
        return {
            "verified": sum(r.satisfaction is Satisfaction.ORIGINAL_VERIFIED for r in rows),
            "deferred": [r.name for r in rows if r.satisfaction is Satisfaction.DEFERRED],
            "commitment": [r.name for r in rows if r.satisfaction is Satisfaction.COMMITMENT],
            "missing": [
                r.name
                for r in rows
                if r.satisfaction is Satisfaction.MISSING and r.necessity is not Necessity.OPTIONAL
            ],
        }

    # -- persisting and deciding (blocking) ----------------------------------------------------------------
    def save(self) -> None:
        self.draft["updated_at"] = clock.now().isoformat()
        self.cases.save_draft(self.draft["id"], self.draft, actor=f"worker:{self.worker_id}")

    def _new_case(self) -> tuple[Case, Any]:
        counter, number = self.cases.issue_number(clock.china_today())
        case = self.build_case(number, case_id=self.draft["id"])
        case.prior_notice = str(self.from_notice.get("number", "")) if self.from_notice else ""
        return case, counter

    def notice_day(self) -> str:
        """The China date of the 一次性告知 this draft resumes ("" when none)."""
        raw = str((self.from_notice or {}).get("issued_at", ""))
        try:
            return clock.china_date(clock.parse_instant(raw)).isoformat()
        except ValueError:
            return ""

    @property
    def from_notice(self) -> dict[str, Any] | None:
        """The 一次性告知 this draft resumes (``{id, number, missing, issued_at}``), or None."""
        link = self.draft.get("from_notice")
        return link if isinstance(link, dict) and link.get("id") else None

    def accept(self, *, collected: bool | None = None) -> Case:
        """受理 (or 代收): one durable commit of case + outbox + counter + draft removal,
        then the document."""
        if self.blocked():
            raise IntakeError([t("intake.cancelled", name=self.draft.get("name", ""))])
        problems = self.review_problems()
        if problems:
            raise IntakeError(problems)
        collected = bool(self.draft.get("collected")) if collected is None else collected
        with self.cases.numbering:
            case, counter = self._new_case()
            try:
                accept(
                    case,
                    self.catalog,
                    self.cases.calendar,
                    actor=f"worker:{self.worker_id}",
                    at=clock.now(),
                    collected=collected,
                )
            except AcceptanceRefused as exc:
                raise IntakeError(list(exc.problems)) from None
            self.cases.commit_new(
                case,
                counter,
                actor=f"worker:{self.worker_id}",
                action="case.collect" if collected else "case.accept",
                draft_id=self.draft["id"],
                from_notice=str(self.from_notice["id"]) if self.from_notice else None,
            )
        self.outcome = case
        return case

    def on_the_spot(self) -> Item | None:
        """The item when the worker may decide it here and now (当场办结: the catalog flags it, a single
        item, not 代收 for another jurisdiction); None otherwise."""
        if self.draft.get("collected") or not self.draft.get("item_code"):
            return None
        return on_the_spot_item(self.build_case("", case_id=self.draft["id"]), self.catalog)

    def accept_on_the_spot(self) -> Case:
        """当场办结 in the resident's one visit: 受理, the decision (准予办理) and the result document — the
        证明 (or 回执 / 办结通知书) rendered as an A4 PDF and stored encrypted like a scan, its sha256 the
        case's result — then one durable commit that queues the case for the district as 结果待领取. 送达 is
        the next step, on the case screen. Raises :class:`IntakeError` with every problem."""
        if self.on_the_spot() is None:
            name = self.draft.get("name", "")
            raise IntakeError([messages.text("case.on_the_spot.not_flagged", {"name": name})])
        if self.blocked():
            raise IntakeError([t("intake.cancelled", name=self.draft.get("name", ""))])
        problems = self.review_problems()
        if problems:
            raise IntakeError(problems)
        actor, now = f"worker:{self.worker_id}", clock.now()
        with self.cases.numbering:
            case, counter = self._new_case()
            try:
                accept(case, self.catalog, self.cases.calendar, actor=actor, at=now)
                decide_on_the_spot(case, self.catalog, actor=actor, at=now)
            except (AcceptanceRefused, DomainError) as exc:
                raise IntakeError(list(getattr(exc, "problems", ()) or [str(exc)])) from None
            doc = self.cases.document(case, "result", worker=self.worker_name)
            official = self.cases.render_pdf(doc, "a4")  # the copy the district keeps, whatever the paper
            sha = self.cases.put_scan(official)
            station = self.cases.station_info().name
            issue_on_the_spot(case, self.catalog, documents=(sha,), issued_by=station, actor=actor, at=now)
            self.cases.commit_new(
                case,
                counter,
                actor=actor,
                action="case.on_the_spot",
                draft_id=self.draft["id"],
                from_notice=str(self.from_notice["id"]) if self.from_notice else None,
            )
        self.outcome = case
        layout = document_layout(self.printer)
        self.document_pdf = official if layout == "a4" else self.cases.render_pdf(doc, layout)
        return case

    def notice(self) -> Case:
        """一次性告知: record the case as notified with everything missing listed at once."""
        if self.from_notice:  # the resident came back still without everything: the first notice stands
            raise IntakeError([t("intake.notice_again", number=self.from_notice.get("number", ""))])
        with self.cases.numbering:
            case, counter = self._new_case()
            at = clock.now()
            missing = issue_notice(case, self.catalog, actor=f"worker:{self.worker_id}", at=at)
            self.draft["updated_at"] = at.isoformat()
            pending = pending_record(
                self.draft,
                notice_id=case.id,
                case_number=case.number,
                missing=[m.name for m in missing],
                at=at.isoformat(),
            )
            self.cases.commit_new(
                case,
                counter,
                actor=f"worker:{self.worker_id}",
                action="case.notice",
                draft_id=self.draft["id"],
                pending=pending,
            )
        self.outcome = case
        return case

    def refuse(self, reason: str) -> Case:
        """不予受理 with a reason (required)."""
        if not reason.strip():
            raise IntakeError([t("intake.need_reason")])
        with self.cases.numbering:
            case, counter = self._new_case()
            case.transition(
                CaseStatus.REFUSED, actor=f"worker:{self.worker_id}", at=clock.now(), reason=reason.strip()
            )
            self.cases.commit_new(
                case,
                counter,
                actor=f"worker:{self.worker_id}",
                action="case.refuse",
                draft_id=self.draft["id"],
            )
        self.outcome = case
        return case

    def document_kind(self) -> str:
        assert self.outcome is not None
        return document_kind(self.outcome)

    def render_document(self) -> bytes:
        """The PDF of the document this outcome needs
        (受理凭证 / 代收件通知书 / 一次性告知书 / 不予受理通知书)."""
        assert self.outcome is not None
        if self.document_pdf is not None and self.document_kind() == "result":
            return self.document_pdf  # printed once at 当场办结: the very document the case holds
        doc = self.cases.document(self.outcome, self.document_kind(), worker=self.worker_name)
        self.document_pdf = self.cases.render_pdf(doc, document_layout(self.printer))  # the station's paper
        return self.document_pdf

    @property
    def printer(self) -> PrinterSettings:
        """The station's printer and paper (设置)."""
        return station_printer(self.cases.station.settings())


def draft_time(draft: dict[str, Any]) -> str:
    """When a draft was last saved, in Beijing time for the drafts list ("2026-11-23 01:00")."""
    raw = str(draft.get("updated_at") or draft.get("created_at") or "")
    try:
        return clock.format_datetime(clock.parse_instant(raw))
    except ValueError:
        return ""


def document_name(case: Case, catalog: Catalog | None) -> str:
    """The window document's name for buttons: 受理凭证 …, or for 当场办结 the result the catalog names
    (证明 / 办结回执 / 办结通知书)."""
    kind = document_kind(case)
    if kind == "result" and catalog is not None and case.item_code and catalog.has_item(case.item_code):
        spot = catalog.item(case.item_code).on_the_spot
        if spot is not None:
            return t(f"spot.{spot.name.lower()}")
    return t(f"doc.{kind}")


def document_kind(case: Case) -> str:
    """Which window document a case's first decision needs (by history: a queued case was accepted first)."""
    if case.decided_on_the_spot:  # 当场办结: the result the station issued
        return "result"
    for status, kind in (
        (CaseStatus.ACCEPTED, "receipt"),
        (CaseStatus.COLLECTED, "collection"),
        (CaseStatus.REFUSED, "refusal"),
        (CaseStatus.NOTICE_ISSUED, "notice"),
    ):
        if case.entered_at(status) is not None:
            return kind
    raise NoDocument("station.document.none", number=case.number)


def id_type_options(kind: str) -> list[tuple[str, str]]:
    table = ORGANIZATION_ID_TYPES if kind == ApplicantKind.ORGANIZATION.value else PERSON_ID_TYPES
    return [(code, ID_TYPES[code]) for code in table]
