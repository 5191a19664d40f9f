#!/usr/bin/env python3
"""Station UI numbers, printed as JSON.

    .venv/bin/python bench/ui.py [--rounds 200] [--accepts 20] [--no-browser]

* ``start_to_unlock`` (P8): from starting ``station-app serve`` (a set-up station, the station passphrase
  given by ``STATION_PASSPHRASE``) to an unlock screen a worker can type into, in headless Chromium
  (Debian's ``/usr/bin/chromium``, a fresh browser context each time: nothing cached): the 工号 field takes
  keyboard input and the first frame has painted. Divided by the same for a hello-world Flet page
  (``bench/hello_flet.py``) started alternately in the same run; ``start_to_unlock_busy`` repeats it with
  two CPU-bound processes beside. Phases: first HTTP answer, client started, field shown, field usable.
* ``guide_search_10k``: latency of :meth:`GuideSearch.run` — what the guide screen runs (off the event loop)
  for each keystroke — over a 10,000-item synthetic catalog, for a mix of Chinese, pinyin and initials
  queries; p50/p95/max in milliseconds, plus the one-off index build.
* ``accept_to_receipt``: from pressing 受理 to the receipt PDF being ready: :meth:`IntakeViewModel.accept`
  (rules, case number, one durable encrypted commit of case + outbox + counter) plus rendering the 受理凭证
  with ``station_app.pdf``; p50/p95 in milliseconds over ``--accepts`` cases of 出生一件事.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
QUERIES = [
    "gljt",
    "gaoling",
    "高龄",
    "出生",
    "csyjs",
    "hunyin",
    "dj",
    "社会保障",
    "民政",
    "z",
    "营业执照",
    "kxcs",
    "tuixiu",
    "不存在的事项",
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(values) * 1000, 3),
        "p95_ms": round(pct(values, 95) * 1000, 3),
        "max_ms": round(max(values) * 1000, 3),
        "n": len(values),
    }


def new_station(data_dir: Path, catalog: dict | None = None):  # type: ignore[no-untyped-def]
    from station_app.services.station import StationService, load_sample_catalog
    from tests.station_app.conftest import enroll_locally

    svc = StationService(data_dir)
    svc.set_up(
        station_name="基准测试便民服务站",
        area="阎良区",
        admin_name="管理员",
        admin_secret="bench-admin-secret",
        station_passphrase="bench-passphrase",
        admin_pin="246810",
    )
    enroll_locally(svc)
    svc.install_catalog(catalog or load_sample_catalog(), actor="admin")
    return svc


def bench_search(rounds: int) -> dict[str, object]:
    from build_sample_catalog import synthetic_catalog

    from casework.catalog import Catalog
    from casework.guide_search import GuideIndex
    from station_app.viewmodels.guide import GuideSearch

    catalog = Catalog.from_dict(synthetic_catalog(10_000))
    t = time.perf_counter()
    index = GuideIndex(catalog)
    build = time.perf_counter() - t
    search = GuideSearch(index)
    times: list[float] = []
    for _ in range(rounds):
        for q in QUERIES:
            search.query = q
            t = time.perf_counter()
            search.run()
            times.append(time.perf_counter() - t)
    return {"items": len(catalog.items), "index_build_s": round(build, 3), **ms(times)}


def bench_accept(n: int) -> dict[str, object]:
    from station_app.services.cases import CaseService
    from station_app.viewmodels.guide import qr_png
    from tests.station_app.volume import intake

    with tempfile.TemporaryDirectory() as tmp:
        svc = new_station(Path(tmp) / "station")
        cases = CaseService(svc)
        catalog = svc.catalog()
        assert catalog is not None
        scan = qr_png("bench scan " * 20, scale=10)
        accept_t, render_t, total_t = [], [], []
        for _ in range(n):
            vm = intake(cases, catalog, "YJS-CS", scan)
            t0 = time.perf_counter()
            vm.accept(collected=False)
            t1 = time.perf_counter()
            pdf = vm.render_document()
            t2 = time.perf_counter()
            assert pdf.startswith(b"%PDF")
            accept_t.append(t1 - t0)
            render_t.append(t2 - t1)
            total_t.append(t2 - t0)
        svc.close()
    return {"commit": ms(accept_t), "render_pdf": ms(render_t), **ms(total_t)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _usable(page: object, url: str, t0: float) -> dict[str, float]:
    """Load ``url`` until it answers, then wait until the 工号 field takes typing; seconds since ``t0`` at
    each step (first answer, semantics tree, field found, field usable)."""
    marks: dict[str, float] = {}
    while True:
        try:
            page.goto(url, timeout=2000)  # type: ignore[attr-defined]
            break
        except Exception:
            if time.perf_counter() - t0 > 120:
                raise
            time.sleep(0.05)
    marks["answered"] = time.perf_counter() - t0
    placeholder = page.locator("flt-semantics-placeholder")  # type: ignore[attr-defined]
    placeholder.wait_for(state="attached", timeout=60_000)
    marks["client_started"] = time.perf_counter() - t0
    placeholder.dispatch_event("click")
    box = page.get_by_role("textbox", name="工号")  # type: ignore[attr-defined]
    box.wait_for(state="attached", timeout=60_000)
    marks["field_shown"] = time.perf_counter() - t0
    while True:  # usable = the field takes typing (the first frame has painted by then)
        box.click()
        page.keyboard.type("0")  # type: ignore[attr-defined]
        if box.input_value() == "0":
            break
        page.wait_for_timeout(50)  # type: ignore[attr-defined]
    marks["usable"] = time.perf_counter() - t0
    return marks


def _start_once(browser: object, cmd: list[str], env: dict[str, str], port: int) -> dict[str, float]:
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        context = browser.new_context()  # type: ignore[attr-defined]  # a cold browser cache, as after a boot
        page = context.new_page()
        marks = _usable(page, f"http://127.0.0.1:{port}/", t0)
        context.close()
        return marks
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def _busy_workers(n: int) -> list[subprocess.Popen[bytes]]:
    """``n`` processes spinning a CPU each (the station beside a busy machine)."""
    return [
        subprocess.Popen([sys.executable, "-c", "while True: pass"], start_new_session=True) for _ in range(n)
    ]


def _summary(values: list[float]) -> dict[str, float]:
    return {"median_s": round(statistics.median(values), 2), "max_s": round(max(values), 2)}


def bench_start(runs: int, busy: int = 0) -> dict[str, object]:
    """Station start → usable unlock screen, and the same for a hello-world Flet page, alternating in one
    run (so both see the same machine); optionally with ``busy`` CPU-bound processes beside them."""
    from playwright.sync_api import sync_playwright

    station: list[dict[str, float]] = []
    hello: list[dict[str, float]] = []
    workers = _busy_workers(busy)
    try:
        with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
            data = Path(tmp) / "station"
            new_station(data).close()
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            env = dict(os.environ, STATION_PASSPHRASE="bench-passphrase")
            env.pop("DISPLAY", None)
            app = str(Path(sys.executable).parent / "station-app")
            for _ in range(runs):
                port = free_port()
                serve = [app, "serve", "--data-dir", str(data), "--port", str(port), "--no-browser"]
                station.append(_start_once(browser, serve, env, port))
                port = free_port()
                hello.append(
                    _start_once(
                        browser, [sys.executable, str(ROOT / "bench" / "hello_flet.py"), str(port)], env, port
                    )
                )
            browser.close()
    finally:
        for w in workers:
            w.kill()
            w.wait()
    usable = [m["usable"] for m in station]
    floor = [m["usable"] for m in hello]
    ratios = [s / h for s, h in zip(usable, floor, strict=True)]
    return {
        "runs": runs,
        "busy_workers": busy,
        "station": _summary(usable) | {"all_s": [round(v, 2) for v in usable]},
        "hello_world": _summary(floor) | {"all_s": [round(v, 2) for v in floor]},
        "ratio_median": round(statistics.median(usable) / statistics.median(floor), 2),
        "ratio_max": round(max(ratios), 2),
        "station_phases_median_s": {
            k: round(statistics.median(m[k] for m in station), 2) for k in station[0]
        },
        "hello_phases_median_s": {k: round(statistics.median(m[k] for m in hello), 2) for k in hello[0]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100, help="passes over the query mix")
    parser.add_argument("--accepts", type=int, default=20)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--only-start", action="store_true", help="only P8 (idle, then with 2 busy CPUs)")
    args = parser.parse_args()
    out: dict[str, object] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()}
    }
    if not args.no_browser:
        out["start_to_unlock"] = bench_start(args.starts)
        out["start_to_unlock_busy"] = bench_start(args.starts, busy=2)
    if not args.only_start:
        out["guide_search_10k"] = bench_search(args.rounds)
        out["accept_to_receipt"] = bench_accept(args.accepts)
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
