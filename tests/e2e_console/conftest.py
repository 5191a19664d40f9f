"""Real-browser fixtures for the district console: a real center, a real station, Debian's Chromium.

* ``world`` (module scope) — the center from ``tests/sync/harness.py`` (SQLite, sample catalog published and
  signed) with a passphrase-protected key file, one console user per role, a **real station** (encrypted
  store + ``SyncService``) that accepted and synced cases with scans, and a second station that pushes
  cases through the signed station API with past deadlines and 好差评 ratings;
* ``browser`` (session) — Chromium headless; ``page`` — a fresh context whose every request is routed through
  a guard that aborts and records any request to a host other than the center. The test fails if one was made.
* ``shoot(page, name)`` — a full-page screenshot under ``test-artifacts/console/``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from casework import clock
from casework.caseparts import Rating, RatingLevel
from casework.cases import Case, CaseStatus, Pickup, PickupMethod
from casework.catalog import Item
from casework.identity import Applicant, ApplicantKind
from district_center.devtools.station_client import StationIdentity, enroll_station, station_http
from district_center.keys import KdfParams, write_key_file
from district_center.services.stations.registry import create_station
from district_center.services.users.accounts import create_user
from sync.protocol import canonical_json
from tests.sync.harness import CenterHandle, Station, new_station, start_center

REPO = Path(__file__).resolve().parents[2]
SHOTS = REPO / "test-artifacts" / "console"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct-horse-battery"
PASSPHRASE = "district passphrase for console tests"
FAST_KDF = KdfParams(iterations=1, lanes=1, memory_cost=8 * 1024)
OTHER_DEPARTMENT = "市民政局"

pytestmark = pytest.mark.e2e


@dataclass
class World:
    center: CenterHandle
    station: Station
    api_station: StationIdentity
    department: str  # the department of the real station's cases
    station_cases: list[str] = field(default_factory=list)
    overdue_case: str = ""
    other_case: str = ""

    @property
    def url(self) -> str:
        return self.center.url


def _api_case(
    station: StationIdentity, item: Item, n: int, *, promised: dt.date, rating: RatingLevel | None = None
) -> dict[str, Any]:
    """A case of ``item`` as a station pushes it; its 业务属地 is the item's (the center refuses another)."""
    at = dt.datetime(2026, 8, 1, 2, 0, tzinfo=dt.UTC) + dt.timedelta(days=5 * n)
    applicant = Applicant(ApplicantKind.PERSON, "王五", "111", "11010519491231002X", "13800138000")
    case = Case.new(
        number=f"261102-{station.station_no:03d}-{n:05d}",
        station_id=station.station_id,
        catalog_version=1,
        applicant=applicant,
        at=at,
        item_code=item.code,
        jurisdiction=item.jurisdiction,
        pickup=Pickup(PickupMethod.STATION_WINDOW),
    )
    case.transition(CaseStatus.ACCEPTED, actor="w-02", at=at)
    case.set_promised_date(promised, False, at=at)
    case.transition(CaseStatus.QUEUED, actor="w-02", at=at)
    if rating is not None:
        case.rate(Rating(rating, at + dt.timedelta(days=1)))
    doc = case.to_dict()
    return {"id": case.id, "version": case.version, "case": doc}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("console")
    center = start_center(base / "center")
    write_key_file(center.settings.data_dir / "district-keys.key.json", center.keys, PASSPHRASE, FAST_KDF)
    station = new_station(center, base / "station")
    item = next(i for i in center.catalog.items if i.code == station.item_code)
    other = next(i for i in center.catalog.items if i.department == OTHER_DEPARTMENT and i.accepts_new_cases)
    with center.center.db.session() as s:
        create_user(s, "admin", PASSWORD, ["catalog_admin"], display_name="清单管理员")
        create_user(
            s, "reviewer", PASSWORD, ["reviewer"], department=item.department, display_name="审批员甲"
        )
        create_user(
            s, "reviewer2", PASSWORD, ["reviewer"], department=OTHER_DEPARTMENT, display_name="审批员乙"
        )
        create_user(s, "super", PASSWORD, ["supervisor"], display_name="监察员")
        create_user(s, "stadmin", PASSWORD, ["station_admin"], display_name="站点管理员")
        create_user(s, "locked", PASSWORD, ["supervisor"])
        code = create_station(s, "第二社区便民服务站", jurisdiction="新城区").code
    try:
        assert station.service.run_once(raise_errors=True) is not None  # catalog v1 comes down
        cases = [station.accept(scans=1, size=3000) for _ in range(3)]
        report = station.service.run_once(raise_errors=True)
        assert report is not None and report.cases_delivered == 3
        api_station = enroll_station(center.url, code, name="第二社区便民服务站")
        today = clock.china_today()
        entries = [
            _api_case(api_station, item, 1, promised=today - dt.timedelta(days=9)),
            _api_case(api_station, other, 2, promised=today + dt.timedelta(days=20)),
        ]
        levels = [
            RatingLevel.VERY_SATISFIED,
            RatingLevel.SATISFIED,
            RatingLevel.BASICALLY_SATISFIED,
            RatingLevel.DISSATISFIED,
        ]
        entries += [
            _api_case(
                api_station,
                item if n % 2 else other,
                n,
                promised=today + dt.timedelta(days=30),
                rating=levels[n % 4] if n % 5 else RatingLevel.VERY_SATISFIED,
            )
            for n in range(3, 23)
        ]
        with station_http(center.url, api_station) as http:
            resp = http.post(
                "/api/v1/cases/batch",
                content=canonical_json({"cases": entries}),
                headers={"content-type": "application/json"},
            )
            assert resp.status_code == 200, resp.text
            assert all(r["status"] == "accepted" for r in resp.json()["receipts"]), resp.text
        yield World(
            center,
            station,
            api_station,
            item.department,
            [c.id for c in cases],
            overdue_case=entries[0]["id"],
            other_case=entries[1]["id"],
        )
    finally:
        station.close()
        center.stop()


@pytest.fixture(scope="session")
def browser(chromium: Any) -> Any:
    return chromium


@pytest.fixture
def page(browser: Any, world: World) -> Iterator[Any]:
    allowed = urlparse(world.url).netloc
    foreign: list[str] = []
    context = browser.new_context(
        viewport={"width": 1360, "height": 900}, locale="zh-CN", accept_downloads=True
    )

    def guard(route: Any) -> None:
        if urlparse(route.request.url).netloc == allowed:
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    p = context.new_page()
    p.set_default_timeout(15_000)
    try:
        yield p
    finally:
        context.close()
    assert not foreign, f"the console requested other hosts: {foreign}"


@pytest.fixture(scope="session")
def shoot() -> Callable[[Any, str], None]:
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(p: Any, name: str) -> None:
        p.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    return take


def sign_in(p: Any, world: World, username: str, *, go: str = "/console/") -> None:
    p.goto(world.url + go)
    p.get_by_label("用户名").fill(username)
    p.get_by_label("密码").fill(PASSWORD)
    p.get_by_role("button", name="登录").click()
    p.wait_for_load_state()
    assert "/console/login" not in p.url, p.content()[:2000]
