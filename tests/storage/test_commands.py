"""``station-app init`` and ``station-app verify``: headless set-up and a whole-store check with exit
codes."""

from __future__ import annotations

import pytest

from station_app.cli import main
from storage import StationStore

from .helpers import jpeg


@pytest.fixture
def secrets(tmp_path, monkeypatch):
    admin = tmp_path / "admin.txt"
    admin.write_text("cli-admin-secret-1\n")
    monkeypatch.setenv("STATION_PASSPHRASE", "cli-passphrase-2")
    monkeypatch.delenv("STATION_ADMIN_SECRET", raising=False)
    return admin


def test_init_then_verify_ok_then_tampered(tmp_path, secrets, capsys):
    d = tmp_path / "st"
    assert (
        main(
            [
                "init",
                "--data-dir",
                str(d),
                "--station-name",
                "某某社区便民服务站",
                "--admin-secret-file",
                str(secrets),
            ]
        )
        == 0
    )
    assert "已在" in capsys.readouterr().out
    assert main(["init", "--data-dir", str(d), "--admin-secret-file", str(secrets)]) == 1
    assert "已经初始化" in capsys.readouterr().err

    s = StationStore.open(d)
    s.unlock_station("cli-passphrase-2")
    s.unlock_admin("cli-admin-secret-1")
    ref = s.blobs.put_bytes(jpeg(100_000))
    with s.transaction() as tx:
        tx.put("cases", "c1", {"status": "accepted", "scan": ref.to_dict()})
    blob_path = s.blobs.path_for(ref.sha256)
    s.close()

    assert main(["verify", "--data-dir", str(d), "--admin-secret-file", str(secrets)]) == 0
    out = capsys.readouterr().out
    assert "数据完好" in out and "audit chain holds" in out

    raw = bytearray(blob_path.read_bytes())
    raw[5000] ^= 0x40
    blob_path.write_bytes(bytes(raw))
    assert main(["verify", "--data-dir", str(d), "--admin-secret-file", str(secrets)]) == 1
    out = capsys.readouterr().out
    assert "FAILED" in out and "PROBLEM" in out


def test_verify_reports_corrupt_journal_and_busy_store(tmp_path, secrets, capsys, monkeypatch):
    d = tmp_path / "st"
    monkeypatch.setenv("STATION_ADMIN_SECRET", "cli-admin-secret-1")
    assert main(["init", "--data-dir", str(d)]) == 0
    s = StationStore.open(d)
    assert main(["verify", "--data-dir", str(d)]) == 2
    assert "另一个站点程序" in capsys.readouterr().err
    s.close()
    journal = next((d / "docs").glob("journal-*"))
    raw = bytearray(journal.read_bytes())
    raw[20] ^= 1
    journal.write_bytes(bytes(raw))
    assert main(["verify", "--data-dir", str(d)]) == 1
    out = capsys.readouterr().out
    assert "journal record 0" in out and "FAILED" in out


def test_init_without_secrets_and_without_terminal_fails_clearly(tmp_path, monkeypatch, capsys):
    for k in (
        "STATION_PASSPHRASE",
        "STATION_ADMIN_SECRET",
        "STATION_PASSPHRASE_FILE",
        "STATION_ADMIN_SECRET_FILE",
    ):
        monkeypatch.delenv(k, raising=False)
    assert main(["init", "--data-dir", str(tmp_path / "st")]) == 1
    assert "STATION_ADMIN_SECRET" in capsys.readouterr().err
