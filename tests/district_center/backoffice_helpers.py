"""Helpers for the back-office tests: case documents with a jurisdiction and pickup, users, feeds."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import httpx

from casework.cases import Case, CaseStatus, Pickup, PickupMethod
from casework.identity import Applicant, ApplicantKind
from district_center.devtools.server import RunningCenter
from district_center.devtools.station_client import StationIdentity
from district_center.keys import DistrictKeys
from district_center.services.catalog.current import latest_catalog_version
from district_center.services.users.accounts import create_user

from .conftest import publish_catalog, sample_catalog

AT = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)
_counter = iter(range(1, 10**6))


#: The districts these tests file city-level items for: the published catalog lets those items belong to them
#: (可选业务属地), since ingest refuses a 业务属地 an item does not offer.
DISTRICTS = ("新城区", "阎良区", "碑林区")


def backoffice_catalog() -> dict[str, Any]:
    """The sample catalog, with its city-level (西安市) items also offered to :data:`DISTRICTS`."""
    catalog = sample_catalog()
    for it in catalog["items"]:
        if it["jurisdiction"] == "西安市":
            offered = it["jurisdictions"]
            it["jurisdictions"] = [*offered, *(d for d in DISTRICTS if d not in offered)]
    return catalog


def ensure_sample_published(center: RunningCenter, keys: DistrictKeys) -> None:
    """Publish :func:`backoffice_catalog` as version 1 unless the (module-scoped) center already has a
    catalog."""
    with center.db.read_session() as s:
        if latest_catalog_version(s) is not None:
            return
    publish_catalog(center, keys, backoffice_catalog(), version=1)


def unique(prefix: str) -> str:
    """A user name no other test of the module-scoped center has taken."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def items_by_department() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for it in sample_catalog()["items"]:
        if it["status"] == "active":
            out.setdefault(it["department"], []).append(it)
    return out


def case_doc(
    station: StationIdentity,
    item_code: str,
    *,
    jurisdiction: str,
    collected: bool = False,
    pickup: PickupMethod = PickupMethod.STATION_WINDOW,
    promised: dt.date | None = None,
    at: dt.datetime = AT,
) -> Case:
    applicant = Applicant(ApplicantKind.PERSON, "李四", "111", "11010519491231002X", "13800138000")
    n = next(_counter)
    case = Case.new(
        number=f"261120-{station.station_no:03d}-{n:05d}",
        station_id=station.station_id,
        catalog_version=1,
        applicant=applicant,
        at=at,
        item_code=item_code,
        jurisdiction=jurisdiction,
        pickup=Pickup(pickup),
    )
    case.transition(CaseStatus.COLLECTED if collected else CaseStatus.ACCEPTED, actor="w-01", at=at)
    case.set_promised_date(promised or dt.date(2026, 11, 27), False, at=at)
    case.transition(CaseStatus.QUEUED, actor="w-01", at=at)
    return case


def entry(case: Case) -> dict[str, Any]:
    doc = case.to_dict()
    return {"id": case.id, "version": case.version, "case": doc}


def login(
    center: RunningCenter, username: str, roles: list[str], department: str | None = None
) -> httpx.Client:
    password = "correct-horse-battery"
    with center.db.session() as s:
        create_user(s, username, password, roles, department=department)
    resp = httpx.post(center.url + "/api/v1/auth/token", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    token = resp.json()["access_token"]
    return httpx.Client(base_url=center.url, headers={"authorization": f"Bearer {token}"}, timeout=60)


def feed(http: httpx.Client) -> list[dict[str, Any]]:
    resp = http.get("/api/v1/feed?after=0&limit=500")
    assert resp.status_code == 200, resp.text
    events: list[dict[str, Any]] = resp.json()["events"]
    return events
