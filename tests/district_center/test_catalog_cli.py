"""The ``district-center catalog`` commands end to end on one data directory, then a station pulls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casework import messages
from casework.catalog import Catalog
from district_center.cli import main
from district_center.devtools.server import running_center
from district_center.devtools.station_client import enroll_station, station_http
from district_center.keys import load_public_file
from district_center.services.catalog.importing import import_files
from district_center.services.catalog.publishing import STAGED_FILE
from district_center.services.stations.registry import create_station
from district_center.settings import Settings
from sync.protocol import load_public_key, verify_envelope

from .catalog_samples import SAMPLE_CATALOG, XIAN_CSV

PASS = "catalog cli passphrase"


@pytest.fixture
def center_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "center"
    monkeypatch.setenv("CENTER_DATA_DIR", str(data))
    monkeypatch.setenv("CENTER_DISTRICT_CODE", "610100")
    monkeypatch.setenv("CENTER_DISTRICT_NAME", "西安市")
    monkeypatch.setenv("CENTER_KEY_PASSPHRASE", PASS)
    monkeypatch.delenv("CENTER_CONFIG", raising=False)
    assert main(["keys", "init"]) == 0
    return data


def test_import_diff_publish_export_and_pull(
    center_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("事项名称,事项类型,实施主体,承诺办结时限\n低保申请,许可证,区民政局,五天\n", "utf-8")
    assert main(["catalog", "import", str(broken)]) == 1
    err = capsys.readouterr().err
    assert "broken.csv 第2行 B列“事项类型”" in err and "broken.csv 第2行 D列“承诺办结时限”" in err
    assert "改正方法" in err and "未导入任何内容" in err

    assert main(["catalog", "import", str(XIAN_CSV)]) == 0
    assert "新增事项72项" in capsys.readouterr().out
    assert main(["catalog", "diff", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["added_items"]) == 72

    monkey_wrong = tmp_path / "wrong"
    monkey_wrong.write_text("not the passphrase\n")
    assert main(["catalog", "publish", "--passphrase-file", str(monkey_wrong)]) == 1
    assert messages.text("center.keys.wrong_passphrase", {}, "zh_CN") in capsys.readouterr().err
    assert main(["catalog", "publish"]) == 0
    assert "第1版" in capsys.readouterr().out

    # the sample catalog replaces the Xi'an list: the 72 city items stay, cancelled, unless it has them
    assert main(["catalog", "import", str(_sample_xlsx(tmp_path))]) == 0
    capsys.readouterr()
    assert main(["catalog", "publish"]) == 0
    assert "第2版" in capsys.readouterr().out
    assert main(["catalog", "history"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("第2版")

    out = tmp_path / "published.xlsx"
    assert main(["catalog", "export", str(out)]) == 0
    exported = import_files([(out.name, out.read_bytes())], base=None, district=("", ""))
    assert exported.catalog is not None and exported.catalog.version == 2

    settings = Settings(data_dir=center_dir).resolved()
    with running_center(settings) as center:
        with center.db.session() as s:
            new = create_station(s, "幸福社区便民服务站", jurisdiction="新城区")
        station = enroll_station(center.url, new.code)
        public = load_public_file(center_dir)
        assert station.enrollment.catalog_signing_key == public["signing_key"]
        key = load_public_key(public["signing_key"])
        with station_http(center.url, station) as http:
            full = http.get("/api/v1/catalog")
            assert full.status_code == 200
            env = verify_envelope(
                full.json(), key, kind="catalog", now_iso="2026-12-01T00:00:00Z", key_id=public["key_id"]
            )
            assert Catalog.from_dict(env.payload["catalog"]) == exported.catalog
            delta = http.get("/api/v1/catalog?since=1")
            assert delta.status_code == 200
            denv = verify_envelope(delta.json(), key, kind="catalog_delta", now_iso="2026-12-01T00:00:00Z")
            assert denv.version == 2 and denv.payload["since"] == 1
            assert http.get("/api/v1/catalog?since=2").status_code == 204


def _sample_xlsx(tmp_path: Path) -> Path:
    from district_center.services.catalog.sheets import export_xlsx

    catalog = Catalog.from_dict(json.loads(SAMPLE_CATALOG.read_text("utf-8")))
    path = tmp_path / "sample.xlsx"
    path.write_bytes(export_xlsx(catalog))
    return path


def test_damaged_staged_file_is_an_error_line_not_a_traceback(
    center_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["catalog", "import", str(_sample_xlsx(tmp_path))]) == 0
    staged = center_dir / STAGED_FILE
    staged.write_text("{not json", "utf-8")
    capsys.readouterr()
    for argv in (
        ["catalog", "diff"],
        ["catalog", "export", "--staged", str(tmp_path / "x.xlsx")],
        ["catalog", "import", str(_sample_xlsx(tmp_path))],
        ["catalog", "publish"],
    ):
        assert main(argv) == 1, argv
        damaged = messages.text("center.publish.staged_damaged", {"path": staged}, "zh_CN")
        assert damaged in capsys.readouterr().err, argv


def test_first_import_in_a_fresh_data_directory_names_the_district_option(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from .sheet_fixtures import notice, to_xls

    for name in ("CENTER_DISTRICT_CODE", "CENTER_DISTRICT_NAME", "CENTER_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CENTER_DATA_DIR", str(tmp_path / "fresh"))
    workbook = tmp_path / "附件1.xls"
    workbook.write_bytes(to_xls(notice()[0]))
    assert main(["catalog", "import", str(workbook)]) == 1
    err = capsys.readouterr().err
    assert "--district 610100 --district-name 西安市" in err and "CENTER_DISTRICT_CODE" in err

    argv = ["catalog", "import", str(workbook), "--district", "610100", "--district-name", "西安市"]
    assert main([*argv, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "工作表“附件1”" in out and "表头在第 3 行" in out and "B“部门名称”→实施主体" in out
    assert "共 72 个事项、18 个部门" in out and "未导入" in out
    assert not (tmp_path / "fresh" / STAGED_FILE).exists()

    assert main(argv) == 0
    assert "已导入 72 个事项" in capsys.readouterr().out
    assert (tmp_path / "fresh" / STAGED_FILE).exists()


@pytest.mark.parametrize(
    ("flags", "code", "words"),
    [
        (["--valid-days", "-1"], "center.publish.validity_not_positive", "必须大于 0"),
        (["--valid-days", "0"], "center.publish.validity_not_positive", "必须大于 0"),
        (["--valid-days", "731"], "center.publish.validity_too_long", "超过上限 730 天"),
        (["--effective", "2020-01-01"], "center.publish.effective_in_past", "早于今天"),
    ],
)
def test_publish_refuses_a_window_that_is_expired_or_too_long(
    center_dir: Path, capsys: pytest.CaptureFixture[str], flags: list[str], code: str, words: str
) -> None:
    """``--valid-days -1`` used to publish an already expired catalog; each bad window is refused with its
    reason before the key file is opened, and nothing is published or unstaged."""
    assert main(["catalog", "import", str(XIAN_CSV)]) == 0
    capsys.readouterr()
    assert main(["catalog", "publish", *flags]) == 2
    err = capsys.readouterr().err
    assert words in err, err
    assert main(["catalog", "history"]) == 0 and capsys.readouterr().out == ""
    assert (center_dir / STAGED_FILE).exists()
    from casework.messages import catalog

    assert code in catalog("zh_CN") and code in catalog("en")


def test_publish_with_a_future_effective_day_starts_the_window_then(
    center_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import datetime as dt

    from casework import clock

    day = clock.china_today() + dt.timedelta(days=3)
    assert main(["catalog", "import", str(XIAN_CSV)]) == 0
    assert main(["catalog", "publish", "--effective", day.isoformat(), "--valid-days", "10"]) == 0
    from district_center.db.engine import Database
    from district_center.db.models import CatalogVersion

    db = Database(f"sqlite:///{center_dir / 'center.sqlite3'}")
    with db.read_session() as s:
        env = json.loads(s.get(CatalogVersion, 1).document)
    db.dispose()
    start = clock.china_day_bounds(day)[0]
    assert env["issued_at"] == clock.iso_z(start)
    assert env["expires_at"] == clock.iso_z(start + dt.timedelta(days=10))
