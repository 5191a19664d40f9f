"""Holiday calendar publishing: files, signed envelopes holding every published year, the bootstrap."""
# ruff: noqa: F811  (pytest fixtures imported from publishing_helpers)

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from casework.workdays import CalendarSource
from district_center.cli import main
from district_center.db.engine import Database
from district_center.keys import DistrictKeys
from district_center.services.catalog.calendar import (
    CalendarError,
    builtin_tables,
    district_calendar,
    parse_holiday_file,
    publish_tables,
    published_tables,
)
from sync.protocol import ProtocolError, load_public_key, verify_envelope

from .publishing_helpers import PASSPHRASE, database_url, db, district  # noqa: F401

CSV_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-02-06,放假,春节
2027-02-07,放假,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-20,上班,调休
"""


def test_parse_csv_and_json() -> None:
    table = parse_holiday_file(2027, "2027.csv", CSV_2027.encode(), source="国办发明电〔2026〕9号")
    assert dt.date(2027, 2, 20) in table.workdays and len(table.holidays) == 8
    again = parse_holiday_file(2027, "2027.json", json.dumps(table.to_dict()).encode())
    assert again == table
    with pytest.raises(CalendarError) as bad_date:
        parse_holiday_file(2027, "x.csv", b"date,kind\n2027-01-01,holiday\n2027-13-01,holiday\n")
    assert bad_date.value.code == "center.calendar.bad_date" and bad_date.value.params["line"] == 3
    with pytest.raises(CalendarError) as bad_kind:
        parse_holiday_file(2027, "x.csv", b"date,kind\n2027-01-01,maybe\n")
    assert bad_kind.value.code == "center.calendar.bad_kind"
    with pytest.raises(CalendarError) as other_year:
        parse_holiday_file(2028, "2027.json", json.dumps(table.to_dict()).encode())
    assert other_year.value.code == "center.calendar.year_mismatch"
    with pytest.raises(CalendarError):  # a weekday cannot be a 调休 workday
        parse_holiday_file(2027, "x.csv", b"date,kind\n2027-01-01,holiday\n2027-01-04,workday\n")


def test_publish_bootstrap_then_a_new_year(db: Database, district: tuple[DistrictKeys, Path, Path]) -> None:
    keys = district[0]
    public = load_public_key(keys.signing_public_b64)
    boot = publish_tables(db, keys, builtin_tables(2024), actor="user:1")
    env = verify_envelope(boot, public, kind="calendar", now_iso="2026-12-01T00:00:00Z", key_id=keys.key_id)
    assert env.version == 1 and [t["year"] for t in env.payload["tables"]] == [2024, 2025, 2026]
    with db.read_session() as s:
        assert district_calendar(s).source(2027) is CalendarSource.PROVISIONAL

    table = parse_holiday_file(2027, "2027.csv", CSV_2027.encode())
    second = publish_tables(db, keys, [table], actor="user:1")
    env2 = verify_envelope(second, public, kind="calendar", now_iso="2026-12-01T00:00:00Z", min_version=1)
    assert [t["year"] for t in env2.payload["tables"]] == [2024, 2025, 2026, 2027]
    version, tables = published_tables(db)
    assert version == 2 and tables[2027] == table
    with db.read_session() as s:
        cal = district_calendar(s)
        assert cal.source(2027) is CalendarSource.PUBLISHED
        assert cal.is_working_day(dt.date(2027, 2, 20))  # the 调休 Saturday
        from district_center.services.catalog.current import calendar_document

        assert calendar_document(s) == second  # every row serves the newest envelope
    tampered = json.loads(json.dumps(second).replace("2027-02-20", "2027-02-27"))
    with pytest.raises(ProtocolError):
        verify_envelope(tampered, public, kind="calendar", now_iso="2026-12-01T00:00:00Z")


def test_cli_calendar_publish_and_bootstrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CENTER_DATA_DIR", str(tmp_path / "center"))
    monkeypatch.setenv("CENTER_KEY_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CENTER_CONFIG", raising=False)
    assert main(["keys", "init"]) == 0
    f = tmp_path / "2027.csv"
    f.write_text(CSV_2027, "utf-8")
    assert main(["calendar", "bootstrap", "--from-year", "2025"]) == 0
    assert main(["calendar", "publish", "2027", str(f)]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind\n2027-01-01,maybe\n", "utf-8")
    assert main(["calendar", "publish", "2027", str(bad)]) == 1
    from district_center.cli.common import open_database
    from district_center.settings import load_settings

    database = open_database(load_settings())
    try:
        version, tables = published_tables(database)
    finally:
        database.dispose()
    assert version == 2 and sorted(tables) == [2025, 2026, 2027]
