"""A station with a year's volume of cases, built fast: the benchmark's and the 50,000-case browser test's.

Template cases come from the real intake view-model (受理 of several items and of 出生一件事, with scans and a
容缺 material, then real state-machine moves: delivered, in review, 补齐补正, decided, handed over, closed,
withdrawn; also 一次性告知 and 不予受理) in a scratch station, one set per weekday. Each of the ``n`` cases is
a clone of one of them, moved to its own creation time (a working hour of a weekday in the past year), with
its own number, id and applicant (a valid 身份证号, a phone), and a status its age allows. The center's
receipts and retention confirmations go beside them, and the newest cases wait in the outbox. Everything is
written with ``StationStore.bulk_put`` (what the issue's measurements used), summaries included::

    info = build_volume_station(data_dir, 50_000)     # a set-up, enrolled station with n cases, closed
    info.resident(123)                                # (name, 身份证号, phone) of clone 123
    info = cached_volume_station(cache_dir, 50_000)   # built once per version of the code that builds it

Scans: every template attaches its own small PNG; clones reference them (content-addressed, stored once).
The residents are made up (seeded): no real person's data is in a built store.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from casework import clock
from casework.caseparts import uuid7
from casework.cases import Case, CaseStatus, MissingMaterial, Side, SupplementRequest
from casework.catalog import Necessity
from casework.identity import resident_id_check_char
from storage.crypto import KdfParams

REPO = Path(__file__).resolve().parents[2]
log = logging.getLogger(__name__)
ADMIN_SECRET = "volume-admin-secret"
PASSPHRASE = "volume-station-passphrase"
PIN = "246810"
WORKER = "01"
STATION_NO = 7
#: what a cached store depends on: if any of these changes, the cache is rebuilt
SOURCES = (
    "tests/station_app/volume.py",
    "casework/blobref.py",
    "casework/case_summary.py",
    "casework/cases.py",
    "casework/caseparts.py",
    "casework/data/sample-catalog.json",
    "storage/docstore.py",
    "storage/journal.py",
    "storage/checkpoint.py",
    "storage/keyslots.py",
    "station_app/viewmodels/intake.py",
)
KINDS = (
    "YJS-CS",  # 出生一件事: four items, a 容缺 material
    "116101148271606872051010115000000",  # 高龄津贴申领, 15 working days
    "116101148271606872051010119000000",  # 最低生活保障申请, 20 working days
    "11610114766834358F201020112000000",  # 就业失业登记, 即办
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强晓东海燕丹玉兰"
    "红梅俊杰欣怡子涵浩然雨轩梓萱一诺"
)
# center-side steps after 受理 (the intake leaves a case 待上报): name -> hours after 受理
STEP_HOURS = {"delivered": 2, "in_review": 26, "supplement": 50, "supplied": 98, "decided": 122}
STEP_HOURS |= {"result_ready": 146, "handed_over": 194, "closed": 195, "withdrawn": 30}
_INSTANT = re.compile(r'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)"')
_DATE = re.compile(r'"(\d{4}-\d\d-\d\d)"')


@dataclass(frozen=True)
class VolumeInfo:
    """A built station: where it is, how to sign in, and how to find a clone's applicant again."""

    data_dir: Path
    n: int
    seed: int
    built_at: str  # the instant the cases were placed before (UTC ISO)
    #: a few clones to look for: clone index -> (case number, status)
    probes: dict[int, tuple[str, str]] = field(default_factory=dict)

    def resident(self, i: int) -> tuple[str, str, str]:
        return resident(self.seed, i)


def resident(seed: int, i: int) -> tuple[str, str, str]:
    """The made-up applicant of clone ``i``: (name, 身份证号, mobile)."""
    rng = random.Random(f"{seed}-{i}")
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    born = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(65 * 365))
    first17 = f"610114{born:%Y%m%d}{rng.randrange(1000):03d}"
    phone = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    return name, first17 + resident_id_check_char(first17), phone


# ------------------------------------------------------------------------------------------------ templates


def new_station(data_dir: Path, kdf: KdfParams | None) -> Any:
    """A set-up, enrolled StationService with the sample catalog (admin 王芳, worker id 01)."""
    from station_app.services.station import StationService, load_sample_catalog
    from tests.station_app.conftest import enroll_locally

    svc = StationService(data_dir)
    svc.set_up(
        station_name="阎良区凤凰路街道某某社区便民服务站",
        area="阎良区",
        admin_name="王芳",
        admin_secret=ADMIN_SECRET,
        station_passphrase=PASSPHRASE,
        admin_pin=PIN,
        kdf=kdf,
    )
    enroll_locally(svc)
    svc.install_catalog(load_sample_catalog(), actor="admin")
    return svc


def _reference_days() -> list[dt.date]:
    """Monday to Friday of one ordinary week (no holiday, no 调休)."""
    return [dt.date(2026, 3, 9) + dt.timedelta(days=d) for d in range(5)]


def intake(cases: Any, catalog: Any, code: str, scan: bytes | None, *, name: str = "张三") -> Any:
    """An intake view-model for ``code`` filled as a window does it: the applicant, every required
    material scanned (``scan``), every 容缺 material deferred to the default date. ``scan`` None: nothing
    attached (for 一次性告知 or 不予受理)."""
    from station_app.viewmodels.intake import IntakeViewModel, new_draft

    draft = new_draft(catalog, code, worker=WORKER, station_area="阎良区")
    vm = IntakeViewModel(cases, catalog, draft, WORKER, "王芳")
    # the ID was issued in Beijing; living in the district puts the applicant inside the items' 通办范围
    vm.set_applicant(
        name=name,
        id_type="111",
        id_number="11010519491231002X",
        phone="13800138000",
        address="西安市阎良区凤凰路1号",
    )
    if scan is not None:
        for r in vm.material_rows():
            if r.necessity is Necessity.DEFERRABLE:
                vm.set_satisfaction(r.code, r.satisfaction.DEFERRED, due_date=vm.default_due_date())
            elif r.necessity is Necessity.REQUIRED:
                vm.attach(r.code, "scan.png", scan)
    return vm


def _accept(cases: Any, catalog: Any, code: str, outcome: str) -> Case:
    from station_app.viewmodels.guide import qr_png

    if outcome in ("notice", "refused"):
        vm = intake(cases, catalog, code, None, name="模板")
        return vm.notice() if outcome == "notice" else vm.refuse("不符合受理条件")
    scan = qr_png(f"{code} {clock.china_today()}", scale=4)  # one scan per template, shared by its clones
    accepted: Case = intake(cases, catalog, code, scan, name="模板").accept(collected=False)
    return accepted


def _center(case: Case, to: CaseStatus, at: dt.datetime, reason: str = "") -> None:
    if case.is_bundle and to in (CaseStatus.IN_REVIEW, CaseStatus.APPROVED):
        for sub in case.sub_cases:
            case.transition_sub(sub.item_code, to, actor="reviewer", at=at, side=Side.CENTER, reason=reason)
    else:
        case.transition(to, actor="reviewer", at=at, side=Side.CENTER, reason=reason)


def _advance(case: Case, path: str, t0: dt.datetime) -> Case:
    """Move an accepted (待上报) case along ``path`` with the state machine, at fixed hours after 受理."""
    at = {k: t0 + dt.timedelta(hours=h) for k, h in STEP_HOURS.items()}
    if path == "withdrawn":
        case.transition(
            CaseStatus.WITHDRAWN,
            actor=f"worker:{WORKER}",
            at=at["withdrawn"],
            reason="申请人撤回",
            side=Side.STATION,
        )
        return case
    target, pause = PATH_STEPS[path]
    if target >= 1:
        case.transition(CaseStatus.DELIVERED, actor="center", at=at["delivered"], side=Side.CENTER)
    if target >= 2:
        _center(case, CaseStatus.IN_REVIEW, at["in_review"])
    if pause and target >= 3:
        m = case.materials[0]
        item = case.sub_cases[0].item_code if case.is_bundle else ""
        due = clock.china_date(at["supplement"]) + dt.timedelta(days=7)
        request = SupplementRequest(
            (MissingMaterial(m.code, m.name, "扫描件不清晰"),), at["supplement"], "reviewer", item, due
        )
        case.request_supplement(request, actor="reviewer")
        if target > 3:  # handed in on paper at the window, then back to review
            case.supply(
                m.code,
                by=f"worker:{WORKER}",
                at=at["supplied"],
                note="窗口收到纸质材料",
                item_code=item or None,
            )
            if case.is_bundle:
                case.transition_sub(
                    item, CaseStatus.IN_REVIEW, actor="w", at=at["supplied"], side=Side.STATION
                )
            else:
                case.transition(CaseStatus.IN_REVIEW, actor="w", at=at["supplied"], side=Side.STATION)
    if target >= 5:  # the 容缺 materials came in before the decision (准予办理 waits for them)
        scan = next(a for r in case.materials for a in r.attachments)
        for r in case.outstanding_deferred():
            case.receive_deferred(
                r.code, attachments=[scan], verified_by=f"worker:{WORKER}", at=at["decided"]
            )
        _center(case, CaseStatus.APPROVED, at["decided"], "准予")
    if target >= 6:
        case.transition(CaseStatus.RESULT_READY, actor="center", at=at["result_ready"], side=Side.CENTER)
    if target >= 7:
        case.transition(
            CaseStatus.HANDED_OVER, actor=f"worker:{WORKER}", at=at["handed_over"], side=Side.STATION
        )
    if target >= 8:
        case.transition(CaseStatus.CLOSED, actor=f"worker:{WORKER}", at=at["closed"], side=Side.STATION)
    return case


#: path -> (how many steps along: 1 delivered … 8 closed, whether a 补齐补正 pause is on the way)
PATH_STEPS = {
    "queued": (0, False),
    "delivered": (1, False),
    "in_review": (2, False),
    "supplement_requested": (3, True),
    "in_review_after_supplement": (4, True),
    "approved": (5, False),
    "result_ready": (6, False),
    "handed_over": (7, False),
    "closed": (8, False),
    "closed_after_supplement": (8, True),
}
#: path -> hours after 受理 its last step takes (a case younger than that cannot be on it yet)
PATH_HOURS = {
    "queued": 0,
    "delivered": 2,
    "in_review": 26,
    "supplement_requested": 50,
    "in_review_after_supplement": 98,
    "approved": 122,
    "result_ready": 146,
    "handed_over": 194,
    "closed": 195,
    "closed_after_supplement": 195,
    "withdrawn": 30,
    "notice": 0,
    "refused": 0,
}


def _paths_for(age_days: float) -> list[tuple[str, int]]:
    """Which paths (with weights) a case of this age may be on: old ones are mostly closed."""
    if age_days > 45:
        mix = [
            ("closed", 80),
            ("closed_after_supplement", 6),
            ("withdrawn", 5),
            ("refused", 3),
            ("notice", 6),
        ]
    elif age_days > 12:
        mix = [("closed", 40), ("handed_over", 10), ("result_ready", 20), ("approved", 5), ("in_review", 10)]
        mix += [("supplement_requested", 5), ("in_review_after_supplement", 5), ("withdrawn", 5)]
    else:
        mix = [("delivered", 15), ("in_review", 30), ("supplement_requested", 10), ("approved", 10)]
        mix += [("result_ready", 15), ("closed", 10), ("notice", 5), ("withdrawn", 5)]
    fits = [(p, w) for p, w in mix if PATH_HOURS[p] <= age_days * 24]
    return fits or [("queued", 1)]


@dataclass
class _Template:
    parts: list[str]  # literal JSON text between the slots
    slots: list[tuple[str, Any]]  # ("instant", timedelta after 受理) or ("date", days after 受理 day)
    shas: list[str]

    def render(self, t0: dt.datetime, day_shift: int) -> str:
        out = [self.parts[0]]
        for (kind, value), literal in zip(self.slots, self.parts[1:], strict=True):
            if kind == "instant":
                out.append('"' + (t0 + value).isoformat().replace("+00:00", "Z") + '"')
            else:
                out.append('"' + (value + dt.timedelta(days=day_shift)).isoformat() + '"')
            out.append(literal)
        return "".join(out)


def _template(doc: dict[str, Any], t0: dt.datetime) -> _Template:
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    parts, slots, pos = [], [], 0
    matches = sorted([*_INSTANT.finditer(text), *_DATE.finditer(text)], key=lambda m: m.start())
    for m in matches:
        parts.append(text[pos : m.start()])
        value = m.group(1)
        if "T" in value:
            slots.append(("instant", clock.parse_instant(value) - t0))
        else:
            slots.append(("date", dt.date.fromisoformat(value)))
        pos = m.end()
    parts.append(text[pos:])
    from casework.blobref import blob_refs

    return _Template(parts, slots, sorted(blob_refs(doc)))


def _templates(scratch: Path) -> tuple[dict[tuple[int, str, str], _Template], dict[str, bytes]]:
    """(weekday, kind, path) -> template, and the scans they reference (sha256 -> bytes)."""
    from station_app.services.cases import CaseService

    svc = new_station(scratch, KdfParams.insecure_fast())
    cases, catalog = CaseService(svc), svc.catalog()
    out: dict[tuple[int, str, str], _Template] = {}
    for weekday, day in enumerate(_reference_days()):
        t0 = dt.datetime.combine(day, dt.time(9, 0), tzinfo=clock.CHINA).astimezone(clock.UTC)
        with clock.use_clock(clock.fixed(t0)):
            for kind in KINDS:
                accepted = _accept(cases, catalog, kind, "accept").to_dict()
                for path in (*PATH_STEPS, "withdrawn"):  # each path moves its own copy of one accepted case
                    out[(weekday, kind, path)] = _template(
                        _advance(Case.from_dict(accepted), path, t0).to_dict(), t0
                    )
            for outcome in ("notice", "refused"):  # one kind of notice and of refusal is enough
                out[(weekday, KINDS[1], outcome)] = _template(
                    _accept(cases, catalog, KINDS[1], outcome).to_dict(), t0
                )
    store = svc.unlocked_store
    scans = {sha: store.blobs.read_bytes(sha) for t in out.values() for sha in t.shas}
    svc.close()
    return out, scans


# ------------------------------------------------------------------------------------------------ building


def _creation_times(n: int, end: dt.datetime, rng: random.Random) -> list[dt.datetime]:
    """``n`` instants on the weekdays of the year before ``end``, in working hours, oldest first."""
    first = clock.china_date(end) - dt.timedelta(days=364)
    days = [first + dt.timedelta(days=d) for d in range(365)]
    days = [d for d in days if d.weekday() < 5]
    out = []
    for i in range(n):
        day = days[min(len(days) - 1, i * len(days) // n)]
        start = dt.datetime.combine(day, dt.time(8, 30), tzinfo=clock.CHINA).astimezone(clock.UTC)
        at = start + dt.timedelta(seconds=rng.randrange(9 * 3600))
        out.append(min(at, end - dt.timedelta(minutes=1)))
    return out


def _clones(
    n: int, seed: int, end: dt.datetime, templates: dict[tuple[int, str, str], _Template]
) -> Iterator[tuple[int, dict[str, Any], str, dt.datetime]]:
    """(clone index, case document, path, 受理 instant) of each clone, oldest first."""
    rng = random.Random(seed)
    per_day: dict[str, int] = {}
    refs = _reference_days()
    for i, created in enumerate(_creation_times(n, end, rng)):
        age = (end - created).total_seconds() / 86400
        paths = _paths_for(age)
        path = rng.choices([p for p, _ in paths], [w for _, w in paths])[0]
        kind = KINDS[1] if path in ("notice", "refused") else rng.choice(KINDS)
        day = clock.china_date(created)
        template = templates[(day.weekday(), kind, path)]
        doc = json.loads(template.render(created, (day - refs[day.weekday()]).days))
        name, id_number, phone = resident(seed, i)
        stamp = f"{day:%y%m%d}"
        per_day[stamp] = per_day.get(stamp, 0) + 1
        doc["id"] = uuid7(int(created.timestamp() * 1000), rng.randbytes(10))
        doc["number"] = f"{stamp}-{STATION_NO:03d}-{per_day[stamp]:05d}"
        doc["applicant"].update(name=name, id_number=id_number, phone=phone)
        yield i, doc, path, created


def build_volume_station(
    data_dir: Path, n: int, *, seed: int = 20261203, kdf: KdfParams | None = None
) -> VolumeInfo:
    """Set up a station in ``data_dir`` (must not exist) with ``n`` cases and close it. ``kdf`` defaults
    to the real parameters (an unlock costs what it costs at a station)."""
    from storage.docstore import gc_paused

    scratch = data_dir.parent / f".{data_dir.name}-templates"
    shutil.rmtree(scratch, ignore_errors=True)
    started = time.perf_counter()
    templates, scans = _templates(scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    log.info("%d template cases in %.1f s", len(templates), time.perf_counter() - started)

    svc = new_station(data_dir, kdf)
    store = svc.unlocked_store
    for data in scans.values():
        store.blobs.put_bytes(data)
    end = clock.now()
    with gc_paused():
        probes = _fill(store, _clones(n, seed, end, templates), n)
    svc.close()
    return VolumeInfo(data_dir, n, seed, clock.iso_z(end), probes)


def probe_indices(n: int) -> tuple[int, ...]:
    return tuple(sorted({n // 7, n // 3, n // 2, max(n - 5, 0)}))


def _fill(
    store: Any, clones: Iterator[tuple[int, dict[str, Any], str, dt.datetime]], n: int
) -> dict[int, tuple[str, str]]:
    from storage.retention import CONFIRMATIONS
    from sync.outbox import OUTBOX, RECEIPTS

    batch: list[tuple[str, dict[str, Any]]] = []
    receipts: list[tuple[str, dict[str, Any]]] = []
    confirmations: list[tuple[str, dict[str, Any]]] = []
    outbox: list[tuple[str, dict[str, Any]]] = []

    def flush() -> None:
        lists = (("cases", batch), (RECEIPTS, receipts), (CONFIRMATIONS, confirmations), (OUTBOX, outbox))
        for coll, items in lists:
            if items:
                store.bulk_put(coll, items, actor="volume-builder")
                items.clear()

    probes: dict[int, tuple[str, str]] = {}
    wanted = set(probe_indices(n))
    for i, doc, path, created in clones:
        key = doc["id"]
        if i in wanted:
            probes[i] = (doc["number"], doc["status"])
        batch.append((key, doc))
        if path == "queued":
            outbox.append(
                (
                    key,
                    {
                        "case_id": key,
                        "version": doc["version"],
                        "case": doc,
                        "attachments": [],
                        "enqueued_at": doc["updated_at"],
                        "prior_version": 0,
                    },
                )
            )
        elif path not in ("notice", "refused"):
            at = clock.iso_z(created + dt.timedelta(hours=2))
            receipts.append(
                (
                    key,
                    {
                        "case_id": key,
                        "version": doc["version"],
                        "status": "accepted",
                        "seq": 0,
                        "digest": "",
                        "reason": "",
                        "at": at,
                    },
                )
            )
        if doc["status"] in ("closed", "withdrawn"):
            final = clock.parse_instant(doc["updated_at"]) + dt.timedelta(hours=1)
            confirmations.append((key, {"case_id": key, "confirmed_at": clock.iso_z(final)}))
        if len(batch) >= 2000:
            flush()
    flush()
    return probes


def source_digest() -> str:
    h = hashlib.sha256()
    for rel in SOURCES:
        h.update(rel.encode() + b"\0" + (REPO / rel).read_bytes())
    return h.hexdigest()[:16]


def cached_volume_station(cache_root: Path, n: int, *, seed: int = 20261203) -> VolumeInfo:
    """A built station under ``cache_root/<digest of the building code>-<n>/station`` (built on first use,
    and again whenever the code it depends on changes). Copy it before use: serving it changes it."""
    root = cache_root / f"{source_digest()}-{n}"
    info_file = root / "info.json"
    if info_file.exists():
        d = json.loads(info_file.read_text())
        probes = {int(i): (str(num), str(st)) for i, (num, st) in d["probes"].items()}
        return VolumeInfo(root / "station", int(d["n"]), int(d["seed"]), str(d["built_at"]), probes)
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    info = build_volume_station(root / "station", n, seed=seed)
    # case numbers and statuses only: the made-up applicants are derived again from the seed
    meta = {"n": n, "seed": seed, "built_at": info.built_at, "probes": info.probes}
    info_file.write_text(json.dumps(meta))
    for stale in cache_root.iterdir():  # older builds of this size
        if stale != root and stale.name.endswith(f"-{n}"):
            shutil.rmtree(stale, ignore_errors=True)
    return info
