#!/usr/bin/env python3
"""The console's reviewer queue at 100,000 cases: time to first render, then p95 of paging and filtering.

Usage::

    .venv/bin/python bench/console.py [--cases 100000] [--rounds 40] [--backends sqlite,postgres]

For each backend: a fresh center database (PostgreSQL: a private cluster started with initdb/pg_ctl under a
temp dir, as tests/conftest.py does; run as the ``postgres`` user when we are root), the sample catalog
published and signed, 20 stations, and ``--cases`` case rows bulk-inserted with SQLAlchemy Core
(``executemany``; the documents are real ``casework`` cases, copied with new ids, numbers and deadlines).
30 % of the cases belong to the reviewer's department; 40 % are open. Then a real center runs on loopback
(uvicorn) and a reviewer signs in through the console's login form.

Measured over HTTP, server-rendered HTML included (``time.perf_counter``):

* ``first_render_ms`` — the reviewer's first ``GET /console/cases`` after the center started;
* ``paging`` — random pages of the default (open) queue;
* ``filtering`` — status groups, a station, a 办件编号 prefix, a due-date bound, and combinations;
* ``api_case_list`` — the back-office API list (``GET /api/v1/backoffice/cases``, 200 rows) as the reviewer;
* ``deadline_report`` — the supervision deadline report (every overdue or soon-due open case).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import random
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from casework import clock  # noqa: E402
from casework.cases import Case, CaseStatus  # noqa: E402
from casework.catalog import Catalog  # noqa: E402
from casework.identity import Applicant, ApplicantKind  # noqa: E402
from district_center.db.engine import Database  # noqa: E402
from district_center.db.models import CaseRecord, Station  # noqa: E402
from district_center.db.sealing import document_columns  # noqa: E402
from district_center.devtools import pg as devtools_pg  # noqa: E402
from district_center.devtools.server import running_center  # noqa: E402
from district_center.keys import generate_keys, write_public_file  # noqa: E402
from district_center.services.catalog.publishing import publish_staged, stage_catalog  # noqa: E402
from district_center.services.users.accounts import create_user  # noqa: E402
from district_center.services.vault import open_vault  # noqa: E402
from district_center.settings import Settings  # noqa: E402

SAMPLE = ROOT / "casework" / "data" / "sample-catalog.json"
PASSWORD = "bench-password-123"
STATIONS = 20
OPEN = ("queued", "delivered", "in_review", "supplement_requested")
OTHER = ("approved", "rejected", "result_ready", "handed_over", "closed")


@contextmanager
def private_postgres() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on 127.0.0.1 (fsync off: this measures queries); yields the
    SQLAlchemy URL of a fresh database."""
    with devtools_pg.private_postgres(100, fsync=False) as pg:
        yield pg.create_database("bench")


def populate(db: Database, data_dir: Path, n_cases: int, seed: int = 7) -> dict[str, Any]:
    """Catalog v1, stations, users and ``n_cases`` cases; returns what the queries need."""
    rng = random.Random(seed)
    catalog = Catalog.from_dict(json.loads(SAMPLE.read_text("utf-8")))
    keys = generate_keys()
    write_public_file(data_dir, keys)
    stage_catalog(db, data_dir, catalog, actor="bench", source="bench")
    publish_staged(db, data_dir, keys, actor="bench")
    items = [i for i in catalog.items if i.accepts_new_cases]
    mine = items[0].department
    my_items = [i for i in items if i.department == mine]
    others = [i for i in items if i.department != mine]
    now = clock.now()
    station_ids = [str(uuid.uuid4()) for _ in range(STATIONS)]
    with db.session() as s:
        for n, sid in enumerate(station_ids, start=1):
            s.add(
                Station(
                    id=sid,
                    station_no=n,
                    name=f"第{n}便民服务站",
                    jurisdiction="新城区",
                    status="active",
                    created_at=now,
                    enrolled_at=now,
                    last_seen_at=now,
                    feed_seq=0,
                    feed_acked=0,
                    public_key="x" * 44,
                    app_version="bench",
                )
            )
        create_user(s, "reviewer", PASSWORD, ["reviewer"], department=mine)
        create_user(s, "supervisor", PASSWORD, ["supervisor"])
    applicant = Applicant(ApplicantKind.PERSON, "测试申请人", "111", "11010519491231002X", "13800138000")
    template = Case.new(
        number="T",
        station_id=station_ids[0],
        catalog_version=1,
        applicant=applicant,
        at=now,
        item_code=items[0].code,
        jurisdiction="新城区",
    )
    template.transition(CaseStatus.ACCEPTED, actor="w", at=now)
    template.transition(CaseStatus.QUEUED, actor="w", at=now)
    base_doc = template.to_dict()
    today = clock.china_today()
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for i in range(n_cases):
        item = rng.choice(my_items) if rng.random() < 0.3 else rng.choice(others)
        status = rng.choice(OPEN) if rng.random() < 0.4 else rng.choice(OTHER)
        station_no = rng.randrange(STATIONS)
        promised = (today + dt.timedelta(days=rng.randint(-30, 60))).isoformat()
        number = f"26{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}-{station_no + 1:03d}-{i:06d}"
        case_id = str(uuid.UUID(int=rng.getrandbits(128)))
        doc = dict(
            base_doc,
            id=case_id,
            number=number,
            item_code=item.code,
            station_id=station_ids[station_no],
            promised_date=promised,
            status=status,
        )
        rows.append(
            {
                "id": case_id,
                "version": doc["version"],
                "station_id": station_ids[station_no],
                "routed_to": None,
                "number": number,
                "item_code": item.code,
                "bundle_code": None,
                "department": item.department,
                "status": status,
                "promised_date": promised,
                "due_date": promised,
                "jurisdiction": "新城区",
                **{
                    "plain_document" if k == "document" else k: v
                    for k, v in document_columns(db.vault, case_id, doc).items()
                },
                "digest": "0" * 64,
                "seq": i + 1,
                "received_at": now,
                "updated_at": now,
            }
        )
        if len(rows) == 5000:
            with db.session() as s:
                s.execute(insert(CaseRecord), rows)
            rows = []
    if rows:
        with db.session() as s:
            s.execute(insert(CaseRecord), rows)
    if db.is_postgres:  # what autovacuum does after a bulk load: statistics and the visibility map
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE cases")
    else:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return {"department": mine, "insert_s": round(time.perf_counter() - started, 1)}


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def sign_in(url: str) -> httpx.Client:
    http = httpx.Client(base_url=url, timeout=120)
    page = http.get("/console/login")
    nonce = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert nonce is not None
    resp = http.post(
        "/console/login",
        data={"csrf": nonce.group(1), "username": "reviewer", "password": PASSWORD, "next": "/console/cases"},
    )
    assert resp.status_code == 303, resp.text
    return http


def api_client(url: str, username: str) -> httpx.Client:
    token = httpx.post(
        url + "/api/v1/auth/token", json={"username": username, "password": PASSWORD}, timeout=120
    ).json()["access_token"]
    return httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=300)


def timed(http: httpx.Client, path: str) -> tuple[float, str]:
    start = time.perf_counter()
    resp = http.get(path)
    ms = (time.perf_counter() - start) * 1000
    assert resp.status_code == 200, (path, resp.status_code, resp.text[:500])
    return ms, resp.text


def run_backend(backend: str, n_cases: int, rounds: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="consolebench-") as tmp,
        private_postgres() if backend == "postgres" else _sqlite_url(Path(tmp)) as url,
    ):
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        settings = Settings(
            data_dir=data_dir, database_url=url, district_code="610102", district_name="新城区"
        )
        db = Database(settings.resolved().database_url, pool_size=2)
        db.upgrade()
        db.vault = open_vault(settings.resolved(), db)  # rows sealed as ingest seals them
        info = populate(db, data_dir, n_cases)
        db.dispose()
        with running_center(settings) as center:
            http = sign_in(center.url)
            first, html = timed(http, "/console/cases")
            total = int(re.search(r"共 (\d+) 件", html).group(1))  # type: ignore[union-attr]
            pages = max(1, -(-total // 50))
            rng = random.Random(11)
            paging = [timed(http, f"/console/cases?page={rng.randint(1, pages)}")[0] for _ in range(rounds)]
            today = clock.china_today()
            filters = [
                "status=all",
                "status=decided",
                "status=done",
                "status=in_review",
                f"station={rng.randint(1, STATIONS)}",
                f"station={rng.randint(1, STATIONS)}&status=all",
                "number=2603",
                "number=2611",
                "number=2605",
                f"due_before={today.isoformat()}",
                f"due_before={(today + dt.timedelta(days=10)).isoformat()}&status=all",
                f"status=all&page={rng.randint(1, 300)}",
            ]
            filtering = [timed(http, f"/console/cases?{filters[i % len(filters)]}")[0] for i in range(rounds)]
            http.close()
            # the back-office API list (200 rows, sorted and filtered in SQL on cases.due_date) and the
            # supervision deadline report (every overdue / soon-due open case, parsed for its deadline text)
            api = api_client(center.url, "reviewer")
            lists = [
                "/api/v1/backoffice/cases",
                "/api/v1/backoffice/cases?status=in_review",
                f"/api/v1/backoffice/cases?due_before={today.isoformat()}",
                f"/api/v1/backoffice/cases?station_no={rng.randint(1, STATIONS)}",
            ]
            api_list = [timed(api, lists[i % len(lists)])[0] for i in range(rounds)]
            api.close()
            sup = api_client(center.url, "supervisor")
            deadlines = "/api/v1/backoffice/supervision/deadlines"
            report_ms, body = timed(sup, deadlines)
            watched = len(json.loads(body)["cases"])
            report = [report_ms] + [timed(sup, deadlines)[0] for _ in range(2)]
            sup.close()
        return {
            "cases": n_cases,
            "reviewer_department_open_cases": total,
            "insert_s": info["insert_s"],
            "first_render_ms": round(first, 1),
            "paging_ms": {
                "p50": p(paging, 0.5),
                "p95": p(paging, 0.95),
                "max": round(max(paging), 1),
                "n": len(paging),
            },
            "filtering_ms": {
                "p50": p(filtering, 0.5),
                "p95": p(filtering, 0.95),
                "max": round(max(filtering), 1),
                "n": len(filtering),
            },
            "api_case_list_ms": {
                "p50": p(api_list, 0.5),
                "p95": p(api_list, 0.95),
                "max": round(max(api_list), 1),
                "n": len(api_list),
            },
            "deadline_report_ms": {
                "p50": p(report, 0.5),
                "max": round(max(report), 1),
                "n": len(report),
                "cases_reported": watched,
            },
        }


@contextmanager
def _sqlite_url(tmp: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp / 'center.sqlite3'}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--backends", default="sqlite,postgres")
    args = parser.parse_args()
    out: dict[str, Any] = {
        "benchmark": "console reviewer queue",
        "python": platform.python_version(),
        "page_size": 50,
    }
    for backend in args.backends.split(","):
        out[backend] = run_backend(backend, args.cases, args.rounds)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
