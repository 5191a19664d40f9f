"""A real district center on loopback, over SQLite and PostgreSQL, and helpers to act as stations.

Fixtures:

* ``backend`` — ``"sqlite"`` or ``"postgres"`` (every center test runs on both);
* ``center`` — a :class:`RunningCenter` (uvicorn in a thread, module scope) with district keys written;
* ``new_station()`` — enroll a fresh station over HTTP and return its identity;
* ``client(station)`` — an httpx client that signs every request as that station;
* ``make_case(station, …)`` — a valid ``casework`` case document.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from casework import clock
from casework.cases import Case, CaseStatus, MaterialRecord, Satisfaction
from casework.identity import Applicant, ApplicantKind
from district_center.db.models import CatalogVersion
from district_center.devtools.server import RunningCenter, running_center
from district_center.devtools.station_client import StationIdentity, enroll_station, station_http
from district_center.keys import DistrictKeys, generate_keys, write_public_file
from district_center.services.stations.registry import create_station
from district_center.settings import Settings
from sync.protocol import canonical_json, sign_envelope

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CATALOG = REPO / "casework" / "data" / "sample-catalog.json"
ITEM = "11610100100933345H200010001000000"  # an active item of the sample catalog


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def database_url(backend: str, request: pytest.FixtureRequest, tmp: Path) -> str:
    if backend == "postgres":
        return str(request.getfixturevalue("postgres_server").create_database("center"))
    return f"sqlite:///{tmp / 'center.sqlite3'}"


@pytest.fixture(scope="module")
def district_keys() -> DistrictKeys:
    return generate_keys()


@pytest.fixture(scope="module")
def center(
    backend: str,
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    district_keys: DistrictKeys,
) -> Iterator[RunningCenter]:
    data = tmp_path_factory.mktemp(f"center-{backend}")
    write_public_file(data, district_keys)
    settings = Settings(
        data_dir=data,
        database_url=database_url(backend, request, data),
        district_code="610113",
        district_name="雁塔区",
        max_attachment_bytes=2 * 1024 * 1024,
    )
    with running_center(settings) as running:
        yield running


@pytest.fixture
def new_station(center: RunningCenter) -> Callable[..., StationIdentity]:
    def make(name: str = "测试便民服务站", jurisdiction: str = "") -> StationIdentity:
        with center.db.session() as s:
            code = create_station(s, name, jurisdiction=jurisdiction).code
        return enroll_station(center.url, code, name=name)

    return make


@pytest.fixture
def client(center: RunningCenter) -> Iterator[Callable[[StationIdentity], httpx.Client]]:
    opened: list[httpx.Client] = []

    def make(station: StationIdentity) -> httpx.Client:
        http = station_http(center.url, station)
        opened.append(http)
        return http

    yield make
    for http in opened:
        http.close()


NOW = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


def make_case(
    station: StationIdentity,
    *,
    version: int = 1,
    item_code: str | None = ITEM,
    attachments: tuple[str, ...] = (),
    case_id: str | None = None,
    bundle: tuple[str, tuple[str, ...]] | None = None,
    at: dt.datetime = NOW,
    queued: bool = False,
    jurisdiction: str = "西安市",
) -> dict[str, Any]:
    """A valid, accepted case document as a station would push it (``version`` set as asked); its 业务属地
    is ``ITEM``'s (a case must name one its item offers)."""
    applicant = Applicant(ApplicantKind.PERSON, "张三", "111", "11010519491231002X", "13800138000")
    case = Case.new(
        number=f"261120-{station.station_no:03d}-00001",
        station_id=station.station_id,
        catalog_version=1,
        applicant=applicant,
        at=at,
        item_code=None if bundle else item_code,
        bundle_code=bundle[0] if bundle else None,
        bundle_item_codes=bundle[1] if bundle else (),
        jurisdiction=jurisdiction,
        case_id=case_id,
    )
    if attachments:
        case.set_material(
            MaterialRecord(
                "M1", "居民身份证", Satisfaction.ORIGINAL_VERIFIED, attachments, verified_by="w-01"
            ),
            at=at,
        )
    case.transition(CaseStatus.ACCEPTED, actor="w-01", at=at)
    if queued:
        case.transition(CaseStatus.QUEUED, actor="w-01", at=at)
    doc = case.to_dict()
    doc["version"] = version
    return doc


def batch(*docs: dict[str, Any]) -> bytes:
    return canonical_json({"cases": [{"id": d["id"], "version": d["version"], "case": d} for d in docs]})


def push(http: httpx.Client, *docs: dict[str, Any]) -> list[dict[str, Any]]:
    resp = http.post(
        "/api/v1/cases/batch", content=batch(*docs), headers={"content-type": "application/json"}
    )
    assert resp.status_code == 200, resp.text
    receipts: list[dict[str, Any]] = resp.json()["receipts"]
    return receipts


def publish_catalog(center: RunningCenter, keys: DistrictKeys, catalog: dict[str, Any], version: int) -> None:
    """Store a signed catalog envelope the way the publishing side does."""
    env = sign_envelope(
        keys.signing,
        kind="catalog",
        version=version,
        payload={"catalog": catalog},
        issued_at="2026-11-01T00:00:00Z",
        expires_at="2099-01-01T00:00:00Z",
        key_id=keys.key_id,
    )
    with center.db.session() as s:
        s.add(
            CatalogVersion(
                version=version,
                document=canonical_json(env.to_dict()),
                published_at=clock.now(),
                published_by="test",
                summary={},
            )
        )


def sample_catalog() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_CATALOG.read_text("utf-8"))
    return data
