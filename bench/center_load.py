"""Load on N center instances (PostgreSQL + SeaweedFS), driven by an asyncio load generator.

Used by ``bench/center.py --load`` (see there). Two phases per instance count:

* **schedule** — ``stations`` simulated stations, each syncing every ``period`` seconds (5 minutes in life,
  compressed so that the run lasts ``duration`` seconds): per sync 1–5 new cases, each with one 200 KB scan
  (``PUT /attachments``, whole file), one ``POST /cases/batch``, ``GET /feed`` and ``POST /feed/ack``.
  Reports p50/p95/p99 request latency, errors and throughput;
* **saturation** — ``workers`` closed-loop clients doing the same syncs back to back for ``saturate``
  seconds: the throughput the instances reach when nothing waits on a schedule.

During both phases a sampler reads ``pg_stat_activity`` and ``pg_locks`` of the load's database every
half second (its own connection): how often the center's backends were active, what they waited on
(``wait_event_type:wait_event``, e.g. ``Lock:transactionid`` for a hot row, ``LWLock:WALWrite`` for the
WAL flush, ``Client:ClientRead`` for an idle connection in a transaction) and how many lock requests were
not granted. A shared bottleneck between instances shows there as lock waits that grow with the load.

Requests go round-robin over the instances, as a reverse proxy without sticky sessions would send them (a
station's scan may land on one instance and its case on another).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import json
import os
import random
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from casework import clock  # noqa: E402
from district_center.db.engine import Database  # noqa: E402
from district_center.devtools.server import center_process  # noqa: E402
from district_center.keys import generate_keys, write_public_file  # noqa: E402
from district_center.services.stations import registry  # noqa: E402
from sync.protocol import HEADER_TOTAL_SIZE, canonical_json, public_key_b64, sign_request  # noqa: E402

SCAN_BYTES = 200_000
ITEM = "11610100100933345H200010001000000"
AT = dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC)


@dataclass
class Sim:
    station_id: str
    station_no: int
    key: Ed25519PrivateKey
    cursor: int = 0
    sent: int = 0


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    cases: int = 0
    bytes: int = 0

    def summary(self, seconds: float) -> dict[str, Any]:
        lat = sorted(self.latencies)
        q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [0.0] * 99
        return {
            "requests": self.requests,
            "errors": self.errors,
            "error_kinds": self.error_kinds,
            "p50_ms": round(q[49] * 1000, 1),
            "p95_ms": round(q[94] * 1000, 1),
            "p99_ms": round(q[98] * 1000, 1),
            "requests_per_s": round(self.requests / seconds, 1),
            "cases_per_s": round(self.cases / seconds, 1),
            "scan_mb_per_s": round(self.bytes / 2**20 / seconds, 2),
            "seconds": round(seconds, 1),
        }


def make_case(sim: Sim, sha: str) -> dict[str, Any]:
    from casework.cases import Case, CaseStatus, MaterialRecord, Satisfaction
    from casework.identity import Applicant, ApplicantKind

    sim.sent += 1
    applicant = Applicant(ApplicantKind.PERSON, "张三", "111", "11010519491231002X", "13800138000")
    case = Case.new(
        number=f"261120-{sim.station_no:04d}-{sim.sent % 100000:05d}",
        station_id=sim.station_id,
        catalog_version=1,
        applicant=applicant,
        at=AT,
        item_code=ITEM,
        jurisdiction="雁塔区",
    )
    case.set_material(
        MaterialRecord("M1", "居民身份证", Satisfaction.ORIGINAL_VERIFIED, (sha,), verified_by="w"), at=AT
    )
    case.transition(CaseStatus.ACCEPTED, actor="w-01", at=AT)
    case.transition(CaseStatus.QUEUED, actor="w-01", at=AT)
    doc = case.to_dict()
    doc["version"] = 1
    return doc


class Generator:
    def __init__(self, bases: list[str], tally: Tally) -> None:
        self.bases = bases
        self.tally = tally
        self.client = httpx.AsyncClient(
            timeout=60, limits=httpx.Limits(max_connections=256, max_keepalive_connections=256)
        )
        self._next = 0

    def _base(self) -> str:
        self._next += 1
        return self.bases[self._next % len(self.bases)]

    async def _send(
        self, sim: Sim, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response | None:
        signed = sign_request(sim.key, sim.station_id, method, path, body, now=clock.timestamp())
        t0 = time.perf_counter()
        self.tally.requests += 1
        try:
            resp = await self.client.request(
                method, self._base() + path, content=body, headers={**signed, **(headers or {})}
            )
        except httpx.HTTPError as exc:
            self._error(type(exc).__name__)
            return None
        self.tally.latencies.append(time.perf_counter() - t0)
        if resp.status_code >= 300:
            self._error(f"{resp.status_code}:{path.split('?')[0].rsplit('/', 1)[-1][:12]}")
            return None
        return resp

    def _error(self, kind: str) -> None:
        self.tally.errors += 1
        self.tally.error_kinds[kind] = self.tally.error_kinds.get(kind, 0) + 1

    async def sync(self, sim: Sim, rng: random.Random) -> None:
        """One station sync: scans, one batch, the feed and its ack."""
        docs = []
        for _ in range(rng.randint(1, 5)):
            scan = os.urandom(SCAN_BYTES)
            sha = hashlib.sha256(scan).hexdigest()
            put = await self._send(
                sim,
                "PUT",
                f"/api/v1/attachments/{sha}?offset=0",
                scan,
                {HEADER_TOTAL_SIZE: str(len(scan)), "content-type": "application/octet-stream"},
            )
            if put is None:
                continue
            self.tally.bytes += len(scan)
            docs.append(make_case(sim, sha))
        if docs:
            body = canonical_json({"cases": [{"id": d["id"], "version": 1, "case": d} for d in docs]})
            resp = await self._send(
                sim, "POST", "/api/v1/cases/batch", body, {"content-type": "application/json"}
            )
            if resp is not None:
                receipts = resp.json()["receipts"]
                refused = [r for r in receipts if r["status"] != "accepted"]
                if refused:
                    self._error("rejected:" + str(refused[0].get("reason"))[:20])
                self.tally.cases += len(receipts) - len(refused)
        feed = await self._send(sim, "GET", f"/api/v1/feed?after={sim.cursor}&limit=500")
        if feed is not None:
            nxt = int(feed.json()["next"])
            if nxt > sim.cursor:
                sim.cursor = nxt
                await self._send(
                    sim,
                    "POST",
                    "/api/v1/feed/ack",
                    canonical_json({"cursor": nxt}),
                    {"content-type": "application/json"},
                )

    async def schedule(self, sims: list[Sim], duration: float, period: float, seed: int) -> float:
        rng = random.Random(seed)
        start = time.perf_counter()

        async def station(sim: Sim, offset: float) -> None:
            t = offset
            while t < duration:
                await asyncio.sleep(max(0.0, start + t - time.perf_counter()))
                await self.sync(sim, rng)
                t += period

        await asyncio.gather(*(station(s, rng.uniform(0, period)) for s in sims))
        await self.client.aclose()
        return time.perf_counter() - start

    async def saturate(self, sims: list[Sim], seconds: float, workers: int, seed: int) -> float:
        rng = random.Random(seed)
        start = time.perf_counter()

        async def worker(w: int) -> None:
            i = w
            while time.perf_counter() - start < seconds:
                await self.sync(sims[i % len(sims)], rng)
                i += workers

        await asyncio.gather(*(worker(w) for w in range(workers)))
        await self.client.aclose()
        return time.perf_counter() - start


class PgSampler:
    """``pg_stat_activity`` / ``pg_locks`` of one database, sampled on a thread (see the module docstring)."""

    def __init__(self, url: str, interval: float = 0.5) -> None:
        import threading

        self.url = url.replace("postgresql+psycopg://", "postgresql://")
        self.interval = interval
        self.samples = 0
        self.active = 0
        self.waits: dict[str, int] = {}
        self.idle_in_transaction = 0
        self.ungranted_locks = 0
        self.max_ungranted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="pg-sampler", daemon=True)

    def __enter__(self) -> PgSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            dbname = conn.info.dbname
            while not self._stop.wait(self.interval):
                rows = conn.execute(
                    "SELECT state, wait_event_type, wait_event FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
                    (dbname,),
                ).fetchall()
                ungranted = conn.execute(
                    "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
                    " WHERE d.datname = %s AND NOT l.granted",
                    (dbname,),
                ).fetchone()
                self.samples += 1
                for state, kind, event in rows:
                    if state == "active":
                        self.active += 1
                        if kind:
                            key = f"{kind}:{event}"
                            self.waits[key] = self.waits.get(key, 0) + 1
                    elif state == "idle in transaction":
                        self.idle_in_transaction += 1
                n = int(ungranted[0]) if ungranted else 0
                self.ungranted_locks += n
                self.max_ungranted = max(self.max_ungranted, n)

    def summary(self) -> dict[str, Any]:
        per = max(self.samples, 1)
        top = sorted(self.waits.items(), key=lambda kv: -kv[1])[:8]
        return {
            "samples": self.samples,
            "active_backends_mean": round(self.active / per, 2),
            "waiting_mean": {k: round(v / per, 3) for k, v in top},
            "idle_in_transaction_mean": round(self.idle_in_transaction / per, 3),
            "ungranted_locks_mean": round(self.ungranted_locks / per, 3),
            "ungranted_locks_max": self.max_ungranted,
        }


def enroll_many(url: str, n: int) -> list[Sim]:
    db = Database(url, pool_size=2)
    db.upgrade()
    sims = []
    with db.session() as s:
        for i in range(n):
            key = Ed25519PrivateKey.generate()
            new = registry.create_station(s, f"负载站{i}")
            registry.enroll(s, new.code, public_key_b64(key), "bench")
            sims.append(Sim(new.station_id, new.station_no, key))
    db.dispose()
    return sims


def run_load(
    pg: Any,
    s3: Any,
    work: Path,
    *,
    instances: int,
    stations: int,
    duration: float,
    period: float,
    saturate: float,
    workers: int,
) -> dict[str, Any]:
    url = pg.create_database(f"load{instances}")
    sims = enroll_many(url, stations)
    env = {
        "CENTER_DATABASE_URL": url,
        "CENTER_KEK": base64.b64encode(os.urandom(32)).decode(),
        "CENTER_DB_POOL_SIZE": "20",
        "CENTER_JOBS_TICK_SECONDS": "30",
        **{
            f"CENTER_{k.upper()}": str(v)
            for k, v in s3.settings(bucket=f"load-{uuid.uuid4().hex[:8]}").items()
        },
    }
    keys = generate_keys()
    with ExitStack() as stack:
        bases = []
        for i in range(instances):
            d = work / f"i{instances}-{i}"
            d.mkdir(parents=True)
            write_public_file(d, keys)
            bases.append(stack.enter_context(center_process(d, {**env, "CENTER_INSTANCE_NAME": f"i{i}"})))
        print(
            f"  {instances} instance(s): schedule of {stations} stations for {duration:.0f}s", file=sys.stderr
        )
        sched = Tally()
        gen = Generator(bases, sched)
        with PgSampler(url) as sampler:
            took = asyncio.run(gen.schedule(sims, duration, period, seed=1))
        schedule = sched.summary(took) | {"postgres": sampler.summary()}
        print(f"  schedule: {json.dumps(schedule, ensure_ascii=False)}", file=sys.stderr, flush=True)
        print(f"  saturation: {workers} closed-loop clients for {saturate:.0f}s", file=sys.stderr)
        sat = Tally()
        gen2 = Generator(bases, sat)
        with PgSampler(url) as sampler:
            took = asyncio.run(gen2.saturate(sims, saturate, workers, seed=2))
        saturation = sat.summary(took) | {"postgres": sampler.summary()}
        print(f"  saturation: {json.dumps(saturation, ensure_ascii=False)}", file=sys.stderr, flush=True)
    return {"instances": instances, "schedule": schedule, "saturation": saturation}
