"""The case list, home tiles and search over the summary index give what reading every case gives — without
decrypting one — and page, sort and follow commits; a case is found by number, name (汉字 or pinyin
initials), 身份证号 (full or last 4–6) and phone (last 4)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from casework import clock
from casework.cases import Case, CaseStatus, Side
from station_app.services.cases import CaseService
from station_app.viewmodels.case_query import CaseQuery
from station_app.viewmodels.cases import PRESETS, CaseFilter, Dashboard, apply
from storage.crypto import KdfParams
from storage.journal import Journal
from storage.retention import is_tombstone
from sync.apply import CORRECTIONS
from tests.station_app.volume import PASSPHRASE, PIN, VolumeInfo, build_volume_station

N = 400


@pytest.fixture(scope="module")
def volume(tmp_path_factory: pytest.TempPathFactory) -> VolumeInfo:
    return build_volume_station(tmp_path_factory.mktemp("vol") / "station", N, kdf=KdfParams.insecure_fast())


@pytest.fixture
def cases(volume: VolumeInfo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CaseService]:
    import shutil

    from station_app.services.station import StationService

    data = tmp_path / "station"
    shutil.copytree(volume.data_dir, data)
    monkeypatch.setenv("STATION_PASSPHRASE", PASSPHRASE)
    svc = StationService(data)
    svc.unlock("01", PIN)
    yield CaseService(svc)
    svc.close()


def rows_the_old_way(cases: CaseService, today: dt.date) -> list[Any]:
    """What the list was before the index: every case decrypted, parsed and judged."""
    catalog, sync = cases.station.catalog(), cases.sync_states()
    out = []
    for key, doc in cases.store.iter_items("cases"):
        if is_tombstone(doc):
            continue
        case = Case.from_dict(doc)
        sent = case.status is not CaseStatus.DRAFT and any(h.side.value == "center" for h in case.history)
        state = sync.get(key, "synced" if sent else "local")
        out.append(cases.row(case, today, catalog, state, corrected=bool(doc.get(CORRECTIONS))))
    out.sort(key=lambda r: r.created_at, reverse=True)
    return out


@pytest.mark.parametrize("days_ago", [0, 9, 40])
def test_index_rows_and_tiles_are_those_of_the_whole_cases(cases: CaseService, days_ago: int) -> None:
    today = clock.china_today() - dt.timedelta(days=days_ago)
    calendar = cases.work_calendar()
    old = rows_the_old_way(cases, today)
    new = CaseQuery(cases.index).all_rows(today, calendar)
    assert len(new) == len(old) == N
    assert sorted(map(dataclasses.astuple, new)) == sorted(map(dataclasses.astuple, old))
    counts = CaseQuery(cases.index).dashboard(today, calendar)
    assert counts == Dashboard.from_rows(old, today, calendar).counts
    assert counts["overdue"] + counts["due_soon"] + counts["pickup"] > 0, "the data set exercises the tiles"
    if days_ago == 0:  # … and the 补正 / 容缺 ones
        assert counts["supplement"] and counts["supplement_overdue"] and counts["deferred_overdue"], counts
    for preset in PRESETS:
        want = {r.id for r in apply(old, CaseFilter(preset=preset), today, calendar)}
        page = CaseQuery(cases.index).page(CaseFilter(preset=preset), today, calendar, page_size=1000)
        assert {r.id for r in page.rows} == want and page.total == counts[preset], preset


def test_the_list_decrypts_nothing(cases: CaseService, monkeypatch: pytest.MonkeyPatch) -> None:
    query = CaseQuery(cases.index)
    query.dashboard(clock.china_today(), cases.work_calendar())  # loads the index
    reads: list[int] = []
    real = Journal.read
    monkeypatch.setattr(Journal, "read", lambda self, *a: reads.append(1) or real(self, *a))
    calendar = cases.work_calendar()
    reads.clear()
    query.page(CaseFilter(text="张"), clock.china_today(), calendar)
    query.page(CaseFilter(preset="overdue"), clock.china_today(), calendar, sort="promised")
    query.dashboard(clock.china_today(), calendar)
    assert reads == []


def test_pages_and_sorts(cases: CaseService) -> None:
    query, today, calendar = CaseQuery(cases.index), clock.china_today(), cases.work_calendar()
    first = query.page(CaseFilter(), today, calendar)
    assert first.total == N and first.pages == 8 and len(first.rows) == 50 and first.page == 0
    last = query.page(CaseFilter(), today, calendar, page=99)
    assert last.page == 7 and len(last.rows) == N - 7 * 50
    seen = [r.id for p in range(8) for r in query.page(CaseFilter(), today, calendar, page=p).rows]
    assert len(set(seen)) == N
    created = [r.created_at for r in first.rows]
    assert created == sorted(created, reverse=True)
    oldest = query.page(CaseFilter(), today, calendar, sort="oldest").rows
    assert [r.created_at for r in oldest] == sorted(r.created_at for r in oldest)
    promised = [r.promised_date for r in query.page(CaseFilter(), today, calendar, sort="promised").rows]
    assert promised == sorted(promised, key=lambda d: (d is None, d or dt.date.min))
    numbers = [r.number for r in query.page(CaseFilter(), today, calendar, sort="number").rows]
    assert numbers == sorted(numbers)


def test_search_by_number_name_initials_id_and_phone(cases: CaseService, volume: VolumeInfo) -> None:
    query, today, calendar = CaseQuery(cases.index), clock.china_today(), cases.work_calendar()
    rows = query.all_rows(today, calendar)
    target = rows[123]
    doc = cases.store.get("cases", target.id)
    assert doc is not None
    name, ident, phone = doc["applicant"]["name"], doc["applicant"]["id_number"], doc["applicant"]["phone"]

    def found(text: str) -> set[str]:
        return {r.id for r in query.page(CaseFilter(text=text), today, calendar, page_size=1000).rows}

    assert found(target.number) == {target.id}
    assert target.id in found(target.number[-5:])
    assert target.id in found(name)
    from casework.case_summary import name_initials

    assert target.id in found(name_initials(name)) and target.id in found(name_initials(name).upper())
    assert found(ident) == {target.id}
    assert (
        target.id in found(ident[-4:]) and target.id in found(ident[-5:]) and target.id in found(ident[-6:])
    )
    assert target.id in found(phone[-4:])
    assert target.id in found(target.name[:4])  # the item's name
    assert found("查无此人") == set()
    assert cases.find_by_number(target.number).id == target.id  # type: ignore[union-attr]


def test_the_list_follows_commits(cases: CaseService) -> None:
    query, today, calendar = CaseQuery(cases.index), clock.china_today(), cases.work_calendar()
    before = query.page(CaseFilter(status=CaseStatus.IN_REVIEW), today, calendar).total
    case = cases.get(query.page(CaseFilter(status=CaseStatus.IN_REVIEW), today, calendar).rows[0].id)
    case.transition(CaseStatus.WITHDRAWN, actor="w", at=clock.now(), reason="申请人撤回", side=Side.STATION)
    cases.save(case, actor="worker:01", action="case.withdraw")
    assert query.page(CaseFilter(status=CaseStatus.IN_REVIEW), today, calendar).total == before - 1
    assert case.id in {
        r.id for r in query.page(CaseFilter(sync="pending"), today, calendar, page_size=999).rows
    }


def test_a_case_a_newer_calendar_moved_is_marked_corrected(cases: CaseService) -> None:
    from casework.case_summary import CORRECTED_FIELD

    assert CORRECTED_FIELD == CORRECTIONS  # the summary reads the field the sync layer writes
    query, today, calendar = CaseQuery(cases.index), clock.china_today(), cases.work_calendar()
    target = query.page(CaseFilter(status=CaseStatus.IN_REVIEW), today, calendar).rows[0]
    assert not target.corrected
    doc = cases.store.get("cases", target.id)
    assert doc is not None
    with cases.store.transaction(actor="sync", action="case.deadline_changed") as tx:
        tx.put("cases", target.id, {**doc, CORRECTIONS: [{"at": clock.iso_z(clock.now()), "dates": []}]})
    (row,) = [r for r in query.all_rows(today, calendar) if r.id == target.id]
    assert row.corrected
    assert row == cases.row(cases.get(target.id), today, cases.station.catalog(), row.sync, corrected=True)
