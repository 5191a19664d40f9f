"""A real district center on loopback and real stations, for the sync tests and ``bench/sync.py``.

``start_center(dir)`` runs ``district_center.app.create_app`` under uvicorn in a thread (SQLite by default,
any SQLAlchemy URL via ``database_url``), with freshly generated district keys and the sample catalog
published and signed. ``new_station(center, dir)`` creates an encrypted station store, enrolls it with a
one-time code from the center's own service, and returns a :class:`Station` with a ready
:class:`sync.service.SyncService`. ``station.accept(n_scans, size)`` accepts a case offline the way the
intake service does: scans into the blob store, then the case and its outbox entry in one commit.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from sqlalchemy import select

from casework import clock
from casework.caseparts import MaterialRecord, Satisfaction
from casework.cases import Case, CaseStatus
from casework.catalog import Catalog
from casework.identity import Applicant, ApplicantKind
from district_center.app import create_app
from district_center.db.models import Attachment, CaseRecord, UploadSession
from district_center.keys import DistrictKeys, generate_keys, write_public_file
from district_center.services.cases import feed as feed_service
from district_center.services.catalog.publishing import publish_staged, stage_catalog
from district_center.services.stations.registry import create_station
from district_center.settings import Settings
from storage import KdfParams, StationStore
from sync.enrollment import enroll_station
from sync.local import StationSyncStore, load_identity
from sync.outbox import enqueue
from sync.service import SyncService

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CATALOG = REPO / "casework" / "data" / "sample-catalog.json"
ADMIN_SECRET = "admin-secret-for-tests-1"
PASSPHRASE = "station passphrase for tests"
ID_NUMBERS = ["11010519491231002X", "110105194912310029"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class CenterHandle:
    url: str
    port: int
    settings: Settings
    app: Any
    keys: DistrictKeys
    server: uvicorn.Server
    thread: threading.Thread
    catalog: Catalog

    @property
    def center(self) -> Any:
        return self.app.state.center

    def new_code(self, name: str = "测试社区便民服务站") -> str:
        with self.center.db.session() as s:
            return create_station(s, name).code

    def publish(self, catalog: Catalog) -> int:
        stage_catalog(self.center.db, self.settings.data_dir, catalog, actor="test", source="test")
        row = publish_staged(self.center.db, self.settings.data_dir, self.keys, actor="test")
        return int(row.version)

    def transition(self, case_id: str, to: str, *, reason: str = "") -> None:
        """A status change by the back office through the center's feed service (one event per station)."""
        with self.center.db.session() as s:
            feed_service.transition_case(s, case_id, to, actor="user:reviewer", reason=reason)

    def review(self, case_id: str, *, approve: bool, reason: str = "", result: Any = None) -> None:
        """后台审批 through ``district_center.services.cases.backoffice``: accept for review, then decide."""
        from district_center.services.cases import backoffice

        with self.center.db.read_session() as s:
            record = s.get(CaseRecord, case_id)
            assert record is not None
            department = record.department
        user = backoffice.Reviewer("user:reviewer", ("reviewer",), department)
        with self.center.db.session() as s:
            backoffice.accept_for_review(s, user, case_id)
        with self.center.db.session() as s:
            backoffice.decide(s, user, case_id, approve=approve, reason=reason, result=result)

    def cases(self) -> dict[str, Any]:
        with self.center.db.read_session() as s:
            return {r.id: (r.version, r.status, r.digest) for r in s.scalars(select(CaseRecord))}

    def attachments(self) -> dict[str, tuple[int, bool]]:
        """sha256 -> (bytes held, verified): the stations' upload sessions, then the verified blobs."""
        with self.center.db.read_session() as s:
            held = {u.sha256: (u.received, u.complete) for u in s.scalars(select(UploadSession))}
            return held | {a.sha256: (a.size, True) for a in s.scalars(select(Attachment))}

    def blob_bytes(self, sha256: str) -> bytes:
        return b"".join(self.center.blobs.read(sha256))

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def sample_catalog() -> Catalog:
    return Catalog.from_dict(json.loads(SAMPLE_CATALOG.read_text("utf-8")))


def start_center(
    data_dir: Path,
    *,
    database_url: str = "",
    port: int | None = None,
    keys: DistrictKeys | None = None,
    publish: bool = True,
    **overrides: Any,
) -> CenterHandle:
    port = port or free_port()
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        port=port,
        district_code="610102",
        district_name="新城区",
        **overrides,
    ).resolved()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    keys = keys or generate_keys()
    write_public_file(settings.data_dir, keys)
    app = create_app(settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="error", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("center did not start")
        time.sleep(0.02)
    catalog = sample_catalog()
    handle = CenterHandle(f"http://127.0.0.1:{port}", port, settings, app, keys, server, thread, catalog)
    if publish:
        handle.publish(catalog)
    return handle


def fake_jpeg(size: int) -> bytes:
    """Random bytes framed as a JPEG (the station's blob store accepts only JPG/PNG/PDF scans)."""
    return b"\xff\xd8\xff\xe0" + os.urandom(max(0, size - 6)) + b"\xff\xd9"


@dataclass
class Station:
    data_dir: Path
    store: StationStore
    sync_store: StationSyncStore
    service: SyncService
    item_code: str
    material: tuple[str, str]
    counter: int = 0
    accepted: list[str] = field(default_factory=list)

    def accept(
        self,
        scans: int = 1,
        size: int = 2048,
        *,
        item_code: str | None = None,
        pad: int = 0,
        tx: Any = None,
        collected_for: str = "",
    ) -> Case:
        """Accept one case offline (受理): scans first (durable), then case + outbox in one commit (or in
        the caller's ``tx``). ``pad`` lengthens the applicant's address to make bigger documents;
        ``collected_for`` makes it a 代收 case for that jurisdiction (业务属地)."""
        self.counter += 1
        shas = []
        for i in range(scans):
            payload = fake_jpeg(size)
            ref = self.store.blobs.put_bytes(payload)
            shas.append(ref.sha256)
            del i
        identity = load_identity(self.store)
        now = clock.now()
        applicant = Applicant(
            ApplicantKind.PERSON,
            "测试申请人",
            "111",
            ID_NUMBERS[self.counter % 2],
            "13800138000",
            "西安市新城区" + "某" * pad,
        )
        case = Case.new(
            number=f"261120-{identity.station_no:03d}-{self.counter % 100000:05d}",
            station_id=identity.station_id,
            item_code=item_code or self.item_code,
            catalog_version=self.sync_store.catalog_version(),
            applicant=applicant,
            at=now,
            jurisdiction=collected_for,
        )
        code, name = self.material
        case.set_material(
            MaterialRecord(code, name, Satisfaction.ORIGINAL_VERIFIED, tuple(shas), verified_by="w01"), at=now
        )
        case.transition(CaseStatus.COLLECTED if collected_for else CaseStatus.ACCEPTED, actor="w01", at=now)
        case.transition(CaseStatus.QUEUED, actor="w01", at=now)
        doc = case.to_dict()
        if tx is not None:
            tx.put("cases", case.id, doc)
            enqueue(tx, doc)
        else:
            with self.store.transaction(actor="worker:w01", action="case.accept") as own:
                own.put("cases", case.id, doc)
                enqueue(own, doc)
        self.accepted.append(case.id)
        return case

    def case(self, case_id: str) -> dict[str, Any]:
        doc = self.store.get("cases", case_id)
        assert doc is not None
        return doc

    def close(self) -> None:
        self.service.close()
        self.store.close()


def create_station_store(data_dir: Path) -> StationStore:
    return StationStore.create(
        data_dir,
        station_name="测试社区便民服务站",
        admin_secret=ADMIN_SECRET,
        station_passphrase=PASSPHRASE,
        kdf=KdfParams.insecure_fast(),
    )


def open_station_store(data_dir: Path) -> StationStore:
    store = StationStore.open(data_dir)
    store.unlock_admin(ADMIN_SECRET)
    return store


def station_for(
    center: CenterHandle | Catalog,
    store: StationStore,
    data_dir: Path,
    *,
    url: str | None = None,
    **service_kw: Any,
) -> Station:
    catalog = center if isinstance(center, Catalog) else center.catalog
    sync_store = StationSyncStore(store)
    identity = load_identity(store)
    if url is not None:
        identity = type(identity)(
            url,
            identity.station_id,
            identity.station_no,
            identity.key,
            identity.district_signing_key,
            identity.district_code,
        )
    service = SyncService(sync_store, identity, **service_kw)
    item = next(i for i in catalog.items if i.station_acceptable and i.materials and i.accepts_new_cases)
    return Station(
        data_dir, store, sync_store, service, item.code, (item.materials[0].code, item.materials[0].name)
    )


def new_station(
    center: CenterHandle, data_dir: Path, *, url: str | None = None, **service_kw: Any
) -> Station:
    store = create_station_store(data_dir)
    enroll_station(store, center.url, center.new_code(), station_name="测试社区便民服务站")
    return station_for(center, store, data_dir, url=url, **service_kw)
