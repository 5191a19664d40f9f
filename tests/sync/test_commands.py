"""``station-app enroll`` (with the QR payload) and ``station-app sync --once`` as a worker would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from casework import messages
from sync.enrollment import parse_enrollment
from sync.errors import CenterError, SyncError
from sync.local import load_identity
from tests.sync.harness import (
    ADMIN_SECRET,
    CenterHandle,
    create_station_store,
    open_station_store,
    station_for,
)

BIN = Path(sys.executable).parent


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, STATION_ADMIN_SECRET=ADMIN_SECRET)
    return subprocess.run(
        [str(BIN / "station-app"), *argv], env=env, capture_output=True, text=True, timeout=120
    )


def test_parse_enrollment_accepts_url_and_code_or_the_qr_payload() -> None:
    expected = ("http://10.0.0.1:8700", "7KQ2-M9XD")
    assert parse_enrollment("http://10.0.0.1:8700/", "7KQ2-M9XD") == expected
    assert parse_enrollment("bmzz-enroll:http://10.0.0.1:8700#7KQ2-M9XD") == expected


def test_parse_enrollment_refuses_a_missing_code_or_a_bad_address_with_codes() -> None:
    with pytest.raises(SyncError) as no_code:
        parse_enrollment("http://10.0.0.1:8700")
    assert no_code.value.code == "sync.enrollment.no_code" and no_code.value.wire_code == "no_code"
    assert no_code.value.action == messages.text("sync.action.enter_code")
    with pytest.raises(CenterError) as bad_url:
        parse_enrollment("10.0.0.1:8700", "7KQ2-M9XD")
    assert bad_url.value.code == "sync.enrollment.bad_url" and bad_url.value.wire_code == "bad_url"
    assert (
        "http://10.0.0.1:8700" in bad_url.value.action
        and "http://10.0.0.1:8700" in bad_url.value.worker_text("en")
    )


@pytest.mark.slow  # a whole-system run: in CI, not in the fast lane
def test_enroll_then_sync_once(center: CenterHandle, tmp_path: Path) -> None:
    data_dir = tmp_path / "station"
    create_station_store(data_dir).close()
    code = center.new_code()
    out = _run("enroll", f"bmzz-enroll:{center.url}#{code}", "--data-dir", str(data_dir))
    assert out.returncode == 0, out.stderr
    enrolled = json.loads(out.stdout)
    assert enrolled["ok"] and enrolled["station_no"] >= 1 and "注册成功" in out.stderr

    again = _run("enroll", center.url, center.new_code(), "--data-dir", str(data_dir))
    assert again.returncode == 1 and "已经注册" in again.stderr

    store = open_station_store(data_dir)
    identity = load_identity(store)
    assert identity.station_id == enrolled["station_id"]
    assert store.keys.recovery is not None  # the data key is sealed to the district recovery key
    pinned = identity.district_signing_key.public_bytes_raw()
    assert pinned == center.keys.signing.public_key().public_bytes_raw()
    station = station_for(center, store, data_dir)
    case = station.accept(scans=1, size=10_000)
    station.close()

    out = _run("sync", "--once", "--data-dir", str(data_dir))
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["ok"] and summary["report"]["cases_delivered"] == 1
    assert summary["status"]["step"] == "done" and summary["status"]["last_error"] is None
    assert case.id in center.cases()

    center.stop()  # the center goes away: a clear Chinese answer and exit code 2
    out = _run("sync", "--once", "--data-dir", str(data_dir))
    summary = json.loads(out.stdout)
    assert out.returncode == 2 and not summary["ok"]
    assert summary["status"]["last_error"] == messages.text("sync.client.connection_lost", {}, "zh_CN")
    assert summary["status"]["last_error_action"] == messages.text("sync.action.check_network", {}, "zh_CN")
