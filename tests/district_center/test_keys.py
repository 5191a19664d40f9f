"""District keys: key file encryption, passphrase handling, the public file, envelope signatures."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from casework import messages
from district_center.keys import (
    PUBLIC_FILE_NAME,
    KdfParams,
    KeyFileError,
    generate_keys,
    init_keys,
    load_key_file,
    load_public_file,
    read_passphrase,
    write_key_file,
)
from sync.protocol import ProtocolError, b64decode, load_public_key, sign_envelope, verify_envelope

FAST_KDF = KdfParams(iterations=1, lanes=1, memory_cost=8 * 1024)
PASS = "correct horse battery staple"


def test_init_writes_private_file_0600_and_public_file(tmp_path: Path) -> None:
    keys, key_path, pub_path = init_keys(tmp_path, PASS, kdf=FAST_KDF)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert pub_path == tmp_path / PUBLIC_FILE_NAME
    public = json.loads(pub_path.read_text())
    assert set(public) == {"signing_key", "recovery_key", "key_id"}
    assert len(b64decode(public["signing_key"])) == 32 and len(b64decode(public["recovery_key"])) == 32
    assert public == keys.public_dict() == load_public_file(tmp_path)
    text = key_path.read_text()
    # neither private key appears in the clear
    assert keys.signing.private_bytes_raw().hex() not in text
    from sync.protocol import b64encode

    assert b64encode(keys.signing.private_bytes_raw()) not in text
    assert b64encode(keys.recovery.private_bytes_raw()) not in text
    assert PASS not in text


def test_round_trip_and_wrong_passphrase_refused(tmp_path: Path) -> None:
    keys = generate_keys()
    path = tmp_path / "k.json"
    write_key_file(path, keys, PASS, FAST_KDF)
    opened = load_key_file(path, PASS)
    assert opened.signing.private_bytes_raw() == keys.signing.private_bytes_raw()
    assert opened.recovery.private_bytes_raw() == keys.recovery.private_bytes_raw()
    assert opened.key_id == keys.key_id
    with pytest.raises(KeyFileError) as wrong:
        load_key_file(path, PASS + "x")
    assert wrong.value.code == "center.keys.wrong_passphrase"


def test_default_kdf_parameters_are_stored(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    write_key_file(path, generate_keys(), PASS)
    kdf = json.loads(path.read_text())["kdf"]
    assert kdf["name"] == "argon2id" and kdf["memory_cost"] == 65536 and kdf["iterations"] == 3
    load_key_file(path, PASS)


def test_tampered_header_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    write_key_file(path, generate_keys(), PASS, FAST_KDF)
    doc = json.loads(path.read_text())
    doc["signing_public_key"] = generate_keys().signing_public_b64
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError):
        load_key_file(path, PASS)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("memory_cost", 2**40),
        ("iterations", 10**9),
        ("lanes", 0),
        ("length", 20),
        ("length", 16),
        ("memory_cost", "lots"),
    ],
)
def test_edited_kdf_parameters_refused_before_deriving(tmp_path: Path, field: str, value: object) -> None:
    """The KDF parameters are used before the file is authenticated: out-of-range ones (a memory or time
    bomb, a key length AES-256-GCM cannot use) are a KeyFileError at once, not an OOM or a traceback."""
    path = tmp_path / "k.json"
    write_key_file(path, generate_keys(), PASS, FAST_KDF)
    doc = json.loads(path.read_text())
    doc["kdf"][field] = value
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileError) as refused:
        load_key_file(path, PASS)
    assert refused.value.code in {"center.keys.bad_kdf_params", "center.keys.kdf_out_of_range"}


def test_refuses_overwrite_and_short_passphrase(tmp_path: Path) -> None:
    init_keys(tmp_path, PASS, kdf=FAST_KDF)
    with pytest.raises(KeyFileError) as exists:
        init_keys(tmp_path, PASS, kdf=FAST_KDF)
    assert exists.value.code == "center.keys.already_exist"
    with pytest.raises(KeyFileError) as short:
        write_key_file(tmp_path / "other.json", generate_keys(), "short")
    assert short.value.code == "center.keys.passphrase_too_short"


def test_envelope_signature_verifies_and_one_byte_change_breaks_it() -> None:
    keys = generate_keys()
    env = sign_envelope(
        keys.signing,
        kind="catalog",
        version=3,
        payload={"items": [{"name": "教师资格认定"}]},
        issued_at="2026-01-01T00:00:00Z",
        expires_at="2099-01-01T00:00:00Z",
        key_id=keys.key_id,
    )
    public = load_public_key(keys.signing_public_b64)
    data = env.to_dict()
    verify_envelope(data, public, kind="catalog", now_iso="2026-06-01T00:00:00Z", key_id=keys.key_id)
    tampered = json.loads(json.dumps(data, ensure_ascii=False).replace("教师", "教帅"))
    with pytest.raises(ProtocolError):
        verify_envelope(tampered, public, kind="catalog", now_iso="2026-06-01T00:00:00Z")


def test_read_passphrase_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "pass.txt"
    f.write_text("from-file-passphrase\nignored\n")
    monkeypatch.setenv("CENTER_KEY_PASSPHRASE", "from-env-passphrase")
    assert read_passphrase(str(f)) == "from-file-passphrase"
    assert read_passphrase(None) == "from-env-passphrase"
    monkeypatch.delenv("CENTER_KEY_PASSPHRASE")
    with open(os.devnull) as devnull:
        monkeypatch.setattr(sys, "stdin", devnull)
        with pytest.raises(KeyFileError) as needed:
            read_passphrase(None)
        assert needed.value.code == "center.keys.passphrase_needed"


@pytest.mark.slow  # a whole-system run: in CI, not in the fast lane
def test_cli_keys_init(tmp_path: Path) -> None:
    pf = tmp_path / "pass"
    pf.write_text(PASS + "\n")
    env = {k: v for k, v in os.environ.items() if k != "CENTER_KEY_PASSPHRASE"}
    cmd = [
        sys.executable,
        "-m",
        "district_center.cli",
        "keys",
        "init",
        "--data-dir",
        str(tmp_path / "d"),
        "--passphrase-file",
        str(pf),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert PASS not in out.stdout + out.stderr
    public = json.loads((tmp_path / "d" / PUBLIC_FILE_NAME).read_text())
    assert public["key_id"] in out.stdout
    keys = load_key_file(tmp_path / "d" / "district-keys.key.json", PASS)
    assert keys.public_dict() == public
    again = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    exists = messages.text("center.keys.already_exist", {"path": tmp_path / "d" / PUBLIC_FILE_NAME}, "zh_CN")
    assert again.returncode == 1 and exists in again.stderr


@pytest.mark.slow  # a whole-system run: in CI, not in the fast lane
def test_recover_station_resets_admin_secret(tmp_path: Path) -> None:
    from storage.crypto import KdfParams as StationKdf
    from storage.errors import WrongSecret
    from storage.store import StationStore

    keys, key_path, _ = init_keys(tmp_path / "center", PASS, kdf=FAST_KDF)
    station_dir = tmp_path / "station"
    store = StationStore.create(
        station_dir,
        station_name="幸福社区便民服务站",
        admin_secret="old-admin-secret",
        station_passphrase="station passphrase 1",
        kdf=StationKdf.insecure_fast(),
    )
    store.set_recovery_key(keys.recovery_public_b64)
    store.close()
    pf, sf = tmp_path / "pass", tmp_path / "secret"
    pf.write_text(PASS + "\n")
    sf.write_text("brand-new-admin-secret\n")
    env = {k: v for k, v in os.environ.items() if k != "CENTER_KEY_PASSPHRASE"}
    base = [
        sys.executable,
        "-m",
        "district_center.cli",
        "recover-station",
        "--data-dir",
        str(station_dir),
        "--key-file",
        str(key_path),
        "--new-secret-file",
        str(sf),
    ]
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase\n")
    out = subprocess.run(
        [*base, "--passphrase-file", str(wrong)], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 1 and messages.text("center.keys.wrong_passphrase", {}, "zh_CN") in out.stderr
    out = subprocess.run(
        [*base, "--passphrase-file", str(pf)], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "brand-new-admin-secret" not in out.stdout + out.stderr
    store = StationStore.open(station_dir)
    try:
        with pytest.raises(WrongSecret):
            store.unlock_admin("old-admin-secret")
        store.unlock_admin("brand-new-admin-secret")
    finally:
        store.close()


def test_recover_station_refuses_unreadable_or_empty_new_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from district_center.cli import main

    _, key_path, _ = init_keys(tmp_path / "center", PASS, kdf=FAST_KDF)
    pf = tmp_path / "pass"
    pf.write_text(PASS + "\n")
    binary, empty = tmp_path / "binary", tmp_path / "empty"
    binary.write_bytes(b"\xff\xfe\x00secret")
    empty.write_text("\n")
    for secret_file, message in ((binary, "无法读取新密码文件"), (empty, "不能为空")):
        code = main(
            [
                "recover-station",
                "--data-dir",
                str(tmp_path / "station"),
                "--key-file",
                str(key_path),
                "--passphrase-file",
                str(pf),
                "--new-secret-file",
                str(secret_file),
            ]
        )
        assert code == 1 and message in capsys.readouterr().err


def test_commands_share_the_data_dir_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from one directory without flags: keys init writes where serve and recover-station look."""
    from district_center.cli import main
    from district_center.settings import load_settings
    from storage.crypto import KdfParams as StationKdf
    from storage.store import StationStore

    for name in ("CENTER_DATA_DIR", "CENTER_CONFIG", "CENTER_KEY_PASSPHRASE", "CENTER_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    pf, sf = tmp_path / "pass", tmp_path / "secret"
    pf.write_text(PASS + "\n")
    sf.write_text("brand-new-admin-secret\n")
    assert main(["keys", "init", "--passphrase-file", str(pf)]) == 0
    data_dir = load_settings().data_dir
    assert data_dir == (tmp_path / ".center-data").resolve()
    keys = load_key_file(data_dir / "district-keys.key.json", PASS)
    store = StationStore.create(
        tmp_path / "station",
        station_name="幸福社区便民服务站",
        admin_secret="old-admin-secret",
        station_passphrase="station passphrase 1",
        kdf=StationKdf.insecure_fast(),
    )
    store.set_recovery_key(keys.recovery_public_b64)
    store.close()
    assert (
        main(
            [
                "recover-station",
                "--data-dir",
                str(tmp_path / "station"),
                "--passphrase-file",
                str(pf),
                "--new-secret-file",
                str(sf),
            ]
        )
        == 0
    )
    store = StationStore.open(tmp_path / "station")
    try:
        store.unlock_admin("brand-new-admin-secret")
    finally:
        store.close()
