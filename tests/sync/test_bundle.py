"""Offline bundles: station export -> district import (real services) -> answer -> station import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from district_center.keys import KEY_FILE_NAME, KdfParams, write_key_file
from district_center.services.stations.bundle_import import import_bundle
from sync.bundle import export_bundle, import_answer
from sync.bundle_format import BundleError
from sync.outbox import OUTBOX
from tests.sync.harness import ADMIN_SECRET, CenterHandle, Station

BIN = Path(sys.executable).parent


def _roundtrip(center: CenterHandle, station: Station, tmp_path: Path, name: str) -> tuple[dict, dict]:  # type: ignore[type-arg]
    bundle, answer = tmp_path / f"{name}.bmzz", tmp_path / f"{name}-answer.bmzz"
    export_bundle(station.store, bundle)
    district = import_bundle(center.center, center.keys, bundle, answer)
    return district, import_answer(station.store, answer)


def test_bundle_roundtrip_is_idempotent(center: CenterHandle, station: Station, tmp_path: Path) -> None:
    cases = [station.accept(scans=2, size=30_000 + i) for i in range(12)]
    bundle, answer = tmp_path / "out.bmzz", tmp_path / "answer.bmzz"
    summary = export_bundle(station.store, bundle)
    assert summary["cases"] == 12 and summary["blobs"] == 24
    raw = bundle.read_bytes()
    assert "测试申请人".encode() not in raw and b"13800138000" not in raw  # encrypted, not just signed

    first = import_bundle(center.center, center.keys, bundle, answer)
    assert first["accepted"] == 12 and first["rejected"] == 0
    held = center.cases()
    second = import_bundle(center.center, center.keys, bundle, tmp_path / "answer2.bmzz")
    assert second["accepted"] == 12 and center.cases() == held  # the same bundle twice changes nothing

    applied = import_answer(station.store, answer)
    assert applied["delivered"] == 12 and applied["catalog_updated"]
    assert station.store.count(OUTBOX) == 0
    assert all(station.case(c.id)["status"] == "delivered" for c in cases)
    assert all(held[c.id][1] == "delivered" for c in cases), "the center records the delivery on ingest too"
    again = import_answer(station.store, answer)  # and the same answer twice changes nothing
    assert again["delivered"] == 0 and not again["catalog_updated"] and again["feed_events"] == 0
    assert import_answer(station.store, tmp_path / "answer2.bmzz")["delivered"] == 0

    # back-office decisions travel back by the next bundle
    for to in ("in_review", "approved"):
        center.transition(cases[0].id, to)
    _, result = _roundtrip(center, station, tmp_path, "next")
    assert result["feed_events"] == 2 and station.case(cases[0].id)["status"] == "approved"
    _, result = _roundtrip(center, station, tmp_path, "after")
    assert result["feed_events"] == 0


def test_tampered_or_truncated_bundles_are_refused(
    center: CenterHandle, station: Station, tmp_path: Path
) -> None:
    station.accept(scans=1, size=50_000)
    bundle = tmp_path / "out.bmzz"
    export_bundle(station.store, bundle)
    data = bundle.read_bytes()
    for name, damaged in {
        "flipped byte": data[:5000] + bytes([data[5000] ^ 1]) + data[5001:],
        "truncated": data[: len(data) - 100],
    }.items():
        path = tmp_path / f"{name}.bmzz"
        path.write_bytes(damaged)
        with pytest.raises(BundleError):
            import_bundle(center.center, center.keys, path, tmp_path / "answer.bmzz")
        assert center.cases() == {}, name
    # an answer signed by someone else is refused by the station
    import_bundle(center.center, center.keys, bundle, tmp_path / "answer.bmzz")
    answer = (tmp_path / "answer.bmzz").read_bytes()
    (tmp_path / "bad-answer.bmzz").write_bytes(answer[:-64] + bytes(64))
    with pytest.raises(BundleError):
        import_answer(station.store, tmp_path / "bad-answer.bmzz")
    assert station.store.count(OUTBOX) == 1


def test_bundle_streams_scans(center: CenterHandle, station: Station, tmp_path: Path) -> None:
    for _ in range(12):
        station.accept(scans=2, size=1_000_000)  # 24 MB of scans
    bundle, answer = tmp_path / "big.bmzz", tmp_path / "big-answer.bmzz"
    tracemalloc.start()
    try:
        export_bundle(station.store, bundle)
        _, export_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        summary = import_bundle(center.center, center.keys, bundle, answer)
        _, import_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert summary["accepted"] == 12
    assert bundle.stat().st_size > 24_000_000
    assert export_peak < 12_000_000, export_peak
    assert import_peak < 12_000_000, import_peak


@pytest.mark.slow  # a whole-system run: in CI, not in the fast lane
def test_bundle_commands(center: CenterHandle, station: Station, tmp_path: Path) -> None:
    case = station.accept(scans=1, size=20_000)
    passphrase = "district key passphrase for tests"
    write_key_file(
        center.settings.data_dir / KEY_FILE_NAME,
        center.keys,
        passphrase,
        KdfParams(iterations=1, lanes=1, memory_cost=8 * 1024),
    )
    station.close()
    env = dict(os.environ, STATION_ADMIN_SECRET=ADMIN_SECRET, CENTER_KEY_PASSPHRASE=passphrase)
    bundle, answer = tmp_path / "cli.bmzz", tmp_path / "cli-answer.bmzz"

    def run(*argv: str) -> dict:  # type: ignore[type-arg]
        out = subprocess.run(
            [str(BIN / argv[0]), *argv[1:]], env=env, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        result: dict = json.loads(out.stdout)  # type: ignore[type-arg]
        assert result["ok"]
        return result

    assert run("station-app", "export-bundle", str(bundle), "--data-dir", str(station.data_dir))["cases"] == 1
    assert (
        run(
            "district-center",
            "import-bundle",
            str(bundle),
            "--out",
            str(answer),
            "--data-dir",
            str(center.settings.data_dir),
        )["accepted"]
        == 1
    )
    assert case.id in center.cases()
    station_dir = str(station.data_dir)
    assert run("station-app", "import-bundle", str(answer), "--data-dir", station_dir)["delivered"] == 1
    assert run("station-app", "import-bundle", str(answer), "--data-dir", station_dir)["delivered"] == 0
