"""Every document the window prints reads in English when the station is in English: the receipt, the
collection notice, the one-time notice, the refusal and the corrected receipt, on A4 and on the 80 mm roll.

The text is taken back out of each PDF with ``pdftotext``; after the case's own data (names of the
applicant, agent, station, items, departments and materials, the recorded reason, the catalog's
requirement text) is taken out, not one CJK character (nor full-width punctuation) may remain. The PDFs are
also rendered to PNG under ``test-artifacts/documents/english/`` to look at. The same documents in
Chinese keep their Chinese words (the default does not change).
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest

from casework.acceptance import accept, issue_notice
from casework.cases import Case, CaseStatus
from casework.deadlines import DateChange, Recomputed
from casework.documents import (
    CaseDocument,
    StationInfo,
    acceptance_receipt,
    collection_notice,
    correction_receipt,
    one_time_notice,
    refusal_notice,
)
from casework.workdays import WorkCalendar
from station_app.pdf import LAYOUTS, render
from tests.casework.case_helpers import AGENT, APPLICANT, BUNDLE, CATALOG, FORM, NOW, new_case
from tests.casework.test_documents import filled_case, verified

CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")
OUT = Path(__file__).resolve().parents[2] / "test-artifacts" / "documents" / "english"
STATION = StationInfo("大雁塔街道某社区便民服务站（样例）", "雁塔区", "雁塔区某路1号", "029-88888888")
REASON = "申请事项不属于本机关职权范围"
WINDOW = CATALOG.jurisdiction("雁塔区")
CAL = WorkCalendar()

#: The data a document may print in Chinese in an English UI: what the case, the catalog and the station
#: recorded, never the document's own words.
DATA = sorted(
    {
        APPLICANT.name,
        AGENT.name,
        STATION.name,
        STATION.district,
        STATION.address,
        WINDOW.window,
        REASON,
        FORM.acceptance_standard,
        BUNDLE.name,
        *(i.name for i in CATALOG.items),
        *(i.department for i in CATALOG.items),
        *(m.name for i in CATALOG.items for m in i.materials),
    },
    key=len,
    reverse=True,  # longest first, so a name inside another is taken out with it
)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _without_data(text: str) -> str:
    out = _squash(text)
    for value in DATA:
        out = out.replace(_squash(value), "")
    return out


def _documents(language: str) -> dict[str, CaseDocument]:
    at = NOW
    receipt_case = filled_case()
    accept(receipt_case, CATALOG, CAL, actor="w-01", at=at)
    collected = filled_case()
    accept(collected, CATALOG, CAL, actor="w-01", at=at, collected=True)
    notice_case = new_case()
    notice_case.agent = AGENT
    notice_case.set_material(verified("M-ID", "居民身份证"), at=at)
    issue_notice(notice_case, CATALOG, actor="w-01", at=at)
    refused: Case = filled_case()
    refused.transition(CaseStatus.REFUSED, actor="w-01", at=at, reason=REASON)
    bundle = new_case(bundle=BUNDLE)
    for code, name in (("M-ID", "居民身份证"), ("M-HH", "户口簿")):
        bundle.set_material(verified(code, name), at=at)
    accept(bundle, CATALOG, CAL, actor="w-01", at=at)
    assert receipt_case.promised_date is not None
    change = Recomputed(
        receipt_case.id,
        receipt_case.number,
        1,
        2,
        (
            DateChange(
                None,
                receipt_case.promised_date,
                False,
                receipt_case.promised_date + dt.timedelta(days=2),
                True,
            ),
        ),
        receipt_case.promised_date,
        receipt_case.promised_date + dt.timedelta(days=2),
    )
    common = {"station": STATION, "worker": AGENT.name, "issued_at": at, "language": language}
    return {
        "receipt": acceptance_receipt(receipt_case, CATALOG, **common),  # type: ignore[arg-type]
        "bundle-receipt": acceptance_receipt(bundle, CATALOG, **common),  # type: ignore[arg-type]
        "collection": collection_notice(collected, CATALOG, jurisdiction=WINDOW, **common),  # type: ignore[arg-type]
        "one-time-notice": one_time_notice(notice_case, CATALOG, **common),  # type: ignore[arg-type]
        "refusal": refusal_notice(refused, CATALOG, **common),  # type: ignore[arg-type]
        "correction": correction_receipt(receipt_case, CATALOG, correction=change, **common),  # type: ignore[arg-type]
    }


def _pdftotext(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def english() -> dict[tuple[str, str], Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, doc in _documents("en").items():
        for layout in LAYOUTS:
            path = OUT / f"{name}-{layout}.pdf"
            path.write_bytes(render(doc, layout))
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(path), str(path.with_suffix(""))], check=True)
            paths[name, layout] = path
    return paths


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    "name", ["receipt", "bundle-receipt", "collection", "one-time-notice", "refusal", "correction"]
)
def test_english_document_prints_no_chinese_but_the_data(
    english: dict[tuple[str, str], Path], name: str, layout: str
) -> None:
    text = _pdftotext(english[name, layout])
    left = _without_data(text)
    assert CJK.findall(left) == [], f"Chinese words in the English {name} ({layout}):\n{text}"
    assert APPLICANT.name in text  # the data is still there, in Chinese
    words = _squash(text)
    assert (
        _squash({"receipt": "Acceptance receipt", "bundle-receipt": "Acceptance receipt"}.get(name, ""))
        in words
    )
    assert "Caseno." in words and ("Handledby" in words or "Acceptedby" in words)


def test_english_documents_say_what_the_chinese_ones_say(english: dict[tuple[str, str], Path]) -> None:
    receipt = _squash(_pdftotext(english["receipt", "a4"]))
    assert (
        _squash("Promised completion date") in receipt and _squash("original checked, 2 scan(s)") in receipt
    )
    assert _squash("to be supplied later (by 2026-10-09)") in receipt
    refusal = _squash(_pdftotext(english["refusal", "a4"]))
    assert (
        _squash(f"Reason: {REASON}") in refusal
        and _squash("administrative reconsideration within sixty days") in refusal
    )
    assert _squash("the People's Government of 雁塔区") in refusal
    correction = _squash(_pdftotext(english["correction", "receipt80"]))
    assert _squash("Acceptance receipt (corrected)") in correction and "(provisional)" in correction
    notice = _squash(_pdftotext(english["one-time-notice", "a4"]))
    assert _squash("The material “申请表” is missing") in notice and _squash("1 original(s)") in notice


def test_the_same_documents_in_chinese_keep_their_chinese_words() -> None:
    docs = _documents("zh_CN")
    assert docs["receipt"].title == "受理凭证" and "承诺办结日期：" in "\n".join(docs["receipt"].lines())
    assert "理由：" + REASON in docs["refusal"].lines()
    assert docs["correction"].title == "受理凭证（更正）"
