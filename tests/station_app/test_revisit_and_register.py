"""At the window: the 回访评价 after a 差评's 整改 (seen through the feed), and the 帮办代办 register with its
xlsx export."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from casework.cases import CaseStatus, RatingLevel
from station_app.viewmodels.case_detail import ActionError, CaseActions
from station_app.viewmodels.guide import qr_png
from station_app.viewmodels.register import RegisterView
from sync.outbox import OUTBOX
from tests.station_app.test_case_actions import accepted_single, center_moves
from tests.station_app.test_intake import fill_applicant, start


def _handed_over(station, cases):
    case = accepted_single(station, cases)
    center_moves(
        case, CaseStatus.DELIVERED, CaseStatus.IN_REVIEW, CaseStatus.APPROVED, CaseStatus.RESULT_READY
    )
    CaseActions(cases, case, "02").hand_over("张三", "handover.self", collector_id=case.applicant.id_number)
    return cases.get(case.id)


def test_a_poor_rating_asks_for_a_revisit_rating_once_and_the_first_stays(station, cases):
    case = _handed_over(station, cases)
    actions = CaseActions(cases, case, "02")
    assert not actions.can_revisit()
    actions.rate(RatingLevel.DISSATISFIED, ["办理时间长"], "")
    actions = CaseActions(cases, cases.get(case.id), "02")
    assert actions.can_revisit() and actions.followup() is None  # the district's notice has not come yet
    with station.unlocked_store.transaction(
        actor="sync", action="sync.feed"
    ) as tx:  # as the engine writes it
        tx.put(
            "sync_inbox",
            "000000000042",
            {
                "seq": 42,
                "type": "followup_opened",
                "case_id": case.id,
                "at": "2026-12-04T02:00:00Z",
                "payload": {"followup_id": 7, "rating": "不满意", "due": "2026-12-09"},
                "read": False,
            },
        )
    assert actions.followup() == {"followup_id": 7, "rating": "不满意", "due": "2026-12-09"}
    actions.revisit(RatingLevel.SATISFIED, [], " 整改后很快 ")
    stored = cases.get(case.id)
    assert stored.rating is not None and stored.rating.level is RatingLevel.DISSATISFIED
    assert stored.revisit_rating is not None and stored.revisit_rating.comment == "整改后很快"
    queued = station.unlocked_store.get(OUTBOX, case.id)
    assert queued["case"]["revisit_rating"]["level"] == "满意"
    again = CaseActions(cases, stored, "02")
    assert not again.can_revisit()
    with pytest.raises(ActionError, match="只能录入一次"):
        again.revisit(RatingLevel.VERY_SATISFIED, [], "")


def test_register_lists_assisted_filings_searches_and_exports_xlsx(station, cases):
    catalog = station.catalog()
    item = next(i for i in catalog.items if i.accepts_new_cases and i.station_acceptable and "高龄" in i.name)

    def file(agent: dict | None, letter: bool = False):
        vm = start(station, cases, item.code)
        fill_applicant(vm)
        vm.set_agent(agent)
        if letter:
            vm.attach_authority("委托书.png", qr_png("授权委托书"))
        for r in vm.material_rows():
            if r.necessity.value != "非必要":
                vm.attach(r.code, "scan.png", qr_png(r.code))
        return vm.accept(collected=False)

    base = {
        "id_type": "111",
        "phone": "13900139000",
        "relation": "",
        "worker_id": "",
        "is_station_worker": False,
    }
    proxy = file({**base, "name": '=HYPERLINK("x")', "id_number": "11010519491231002X"}, letter=True)
    relative = file({**base, "name": "张小三", "id_number": "610102199001011231", "relation": "子女"})
    worker = {"is_station_worker": True, "worker_id": "01", "authority": "in_person"}
    helper = file({**base, "name": "王芳", "id_number": "610102199001011231", **worker})
    alone = file(None)

    view = RegisterView(cases, {item.code: item.name})
    rows = view.search("", "", "")
    assert {r.number for r in rows} == {proxy.number, relative.number, helper.number}
    assert alone.number not in {r.number for r in rows}
    by = {r.number: r for r in rows}
    assert by[proxy.number].authority == "power_of_attorney" and by[proxy.number].letter_scanned
    assert by[proxy.number].helper_id == "1101**********002X"
    assert by[relative.number].authority == "kinship" and by[relative.number].relation == "子女"
    assert by[helper.number].authority == "in_person" and by[helper.number].worker_id == "01"
    assert [r.number for r in view.search("", "worker", "")] == [helper.number]
    assert [r.number for r in view.search("", "", relative.number[-5:])] == [relative.number]
    month = rows[0].month
    assert len(view.search(month, "", "")) == 3 and view.search("1999-01", "", "") == []
    view.search("12/2026", "", "")
    assert "YYYY-MM" in view.error and view.rows == []  # the last rows stay; the worker is told how

    view.search("", "", "")
    data, name = view.export(actor="worker:test")
    assert name.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(data)).active
    assert ws.cell(1, 1).value == "办件编号" and ws.max_row == 4
    numbers = {ws.cell(r, 1).value for r in range(2, 5)}
    assert numbers == {proxy.number, relative.number, helper.number}
    evil = next(ws.cell(r, 5) for r in range(2, 5) if ws.cell(r, 1).value == proxy.number)
    assert evil.value == '=HYPERLINK("x")' and evil.data_type == "s" and evil.quotePrefix
    exported = [e for e in view.cases.store.audit_entries() if e["action"] == "export.register"]
    assert exported and exported[-1]["actor"] == "worker:test" and exported[-1]["detail"]["rows"] == 3
