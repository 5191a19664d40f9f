"""Both console scripts are installed and answer --help."""

import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("script", ["station-app", "district-center"])
def test_console_script_help(script):
    out = subprocess.run([str(BIN / script), "--help"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith(f"usage: {script}")


STATION_SUBCOMMANDS = ["serve", "init", "enroll", "sync", "export-bundle", "import-bundle", "verify"]


def _data_dirs(env_dir: str | None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    from station_app.cli import build_parser
    from station_app.config import data_dir_of

    if env_dir is None:
        monkeypatch.delenv("STATION_DATA_DIR", raising=False)
    else:
        monkeypatch.setenv("STATION_DATA_DIR", env_dir)
    parser = build_parser()
    extra = {"enroll": ["http://127.0.0.1:1", "CODE"], "export-bundle": ["f"], "import-bundle": ["f"]}
    return {c: data_dir_of(parser.parse_args([c, *extra.get(c, [])])) for c in STATION_SUBCOMMANDS}


def test_every_station_subcommand_has_the_same_data_dir_default(monkeypatch, tmp_path):
    from station_app.config import default_data_dir

    dirs = _data_dirs(None, monkeypatch)
    assert set(dirs.values()) == {default_data_dir().resolve()}, dirs
    assert "bianmin-station" in str(default_data_dir())
    dirs = _data_dirs(str(tmp_path / "env-dir"), monkeypatch)
    assert set(dirs.values()) == {(tmp_path / "env-dir").resolve()}, "STATION_DATA_DIR overrides it"


def test_data_dir_default_is_shown_in_help(monkeypatch, tmp_path):
    monkeypatch.setenv("STATION_DATA_DIR", str(tmp_path / "shown"))
    for command in STATION_SUBCOMMANDS:
        out = subprocess.run(
            [str(BIN / "station-app"), command, "--help"], capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, out.stderr
        assert "--data-dir" in out.stdout and "shown" in " ".join(out.stdout.split()), command
