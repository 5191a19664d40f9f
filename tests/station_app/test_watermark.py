"""The mark on copies of verified scans (核验件): “此件经与原件核对无误，仅供办理[item]使用 [date] [station]”.

Pictures and PDFs both get it (checked on pixels and, for PDFs, on the extracted text); the original scan
in the store keeps its bytes and its sha256; a scan that was not verified against its original gets no
copy. Every marked copy is also saved as PNG under ``test-artifacts/copies/`` for a person to look at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from casework import clock
from casework.blobref import BlobRef, blob_refs
from casework.cases import MaterialRecord, Satisfaction
from casework.copies import VerifiedCopy, mark_text
from station_app.pdf import render
from station_app.pdf.preview import to_png
from station_app.pdf.samples import long_materials
from station_app.pdf.watermark import MarkError, copy_as_pdf, mark_copy, mark_image, mark_pdf
from station_app.services.cases import CaseService
from station_app.services.station import StationService
from station_app.viewmodels.case_detail import CaseActions
from station_app.viewmodels.guide import qr_png
from tests.station_app.test_case_actions import accepted_single

TEXT = mark_text("高龄津贴申领", dt.date(2026, 12, 4), "测试社区便民服务站")


@pytest.fixture
def out_dir(artifacts_dir: Path) -> Path:
    d = artifacts_dir / "copies"
    d.mkdir(exist_ok=True)
    return d


def scan_picture(fmt: str, size: tuple[int, int] = (1200, 760)) -> bytes:
    """A scan-like picture: a card with lines of dark "text" on light paper."""
    im = Image.new("RGB", size, (236, 238, 232))
    d = ImageDraw.Draw(im)
    w, h = size
    d.rounded_rectangle(
        (w // 12, h // 10, w - w // 12, h - h // 10), radius=24, outline=(40, 40, 40), width=4
    )
    for i in range(6):
        y = h // 5 + i * h // 10
        d.rectangle((w // 6, y, w // 6 + (w // 2 if i % 2 else w // 3), y + h // 40), fill=(30, 30, 30))
    buf = io.BytesIO()
    im.save(buf, fmt)
    return buf.getvalue()


def pixels(image: Image.Image) -> list[tuple[int, ...]]:
    flat = getattr(image, "get_flattened_data", None) or image.getdata  # getdata goes in Pillow 14
    return list(flat())


def reddish(px: tuple[int, ...]) -> bool:
    r, g, b = px[:3]
    return r > 150 and g < 110 and b < 110


def test_the_mark_text_names_the_item_the_china_date_and_the_station() -> None:
    assert TEXT == "此件经与原件核对无误，仅供办理高龄津贴申领使用 2026年12月04日 测试社区便民服务站"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_picture_gets_the_mark_under_and_across_it(fmt: str, out_dir: Path) -> None:
    scan = scan_picture(fmt)
    marked, mime = mark_image(scan, TEXT)
    assert mime == f"image/{fmt.lower()}"
    original = Image.open(io.BytesIO(scan)).convert("RGB")
    copy = Image.open(io.BytesIO(marked))
    assert copy.format == fmt
    copy = copy.convert("RGB")
    copy.save(out_dir / f"marked-{fmt.lower()}.png")
    w, h = original.size
    assert copy.width == w and copy.height > h  # the band is added under the picture, nothing cropped

    band = copy.crop((0, h, w, copy.height))
    red = sum(reddish(px) for px in pixels(band))
    assert red > 2000, "the band carries the mark in red"
    # the band's text runs across most of its width (a whole line of the mark, not a stray dot)
    columns = {x for x in range(w) for y in range(band.height) if reddish(band.getpixel((x, y)))}
    assert max(columns) - min(columns) > w * 0.6

    picture = copy.crop((0, 0, w, h))
    changed = [(a, b) for a, b in zip(pixels(original), pixels(picture), strict=True) if _distance(a, b) > 24]
    share = len(changed) / (w * h)
    assert 0.03 < share < 0.5, f"the repeated mark covers part of the picture, not all of it ({share:.2%})"
    assert sum(b[0] > b[1] + 20 for _a, b in changed) > 0.8 * len(changed), "and it is red"

    assert mark_image(scan, TEXT)[0] == marked  # the same scan and words give the same copy


def _distance(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def test_a_pdf_gets_the_mark_on_every_page_over_its_own_content(out_dir: Path, tmp_path: Path) -> None:
    original = render(long_materials(), "a4")
    marked = mark_pdf(original, TEXT)
    src, out = PdfReader(io.BytesIO(original)), PdfReader(io.BytesIO(marked))
    assert len(out.pages) == len(src.pages) > 1
    for before, after in zip(src.pages, out.pages, strict=True):
        text = after.extract_text()
        assert "此件经与原件核对无误" in text and "仅供办理高龄津贴申领使用" in text
        assert "2026年12月04日" in text and "测试社区便民服务站" in text
        assert before.extract_text().split("\n")[0] in text  # the page's own words are still there
        assert after.mediabox == before.mediabox

    (tmp_path / "o.pdf").write_bytes(original)
    path = out_dir / "marked-pdf.pdf"
    path.write_bytes(marked)
    plain = Image.open(to_png(tmp_path / "o.pdf")[0]).convert("RGB")
    page = Image.open(to_png(path)[0]).convert("RGB")
    assert page.size == plain.size
    w, h = page.size
    foot = page.crop((0, int(h * 0.9), w, h))
    assert sum(reddish(px) for px in pixels(foot)) > 500, "the band along the foot of the page"
    body_changed = sum(
        _distance(a, b) > 24
        for a, b in zip(
            pixels(plain.crop((0, 0, w, int(h * 0.85)))),
            pixels(page.crop((0, 0, w, int(h * 0.85)))),
            strict=True,
        )
    )
    assert body_changed > 0.02 * w * h * 0.85, "the repeated mark across the page"
    assert mark_pdf(original, TEXT) == marked


def test_what_cannot_be_read_is_refused_with_a_code() -> None:
    for bad in (b"\xff\xd8\xff\xe0" + b"\0" * 200, b"%PDF-1.4\n% nothing\n", b"GIF89a" + b"\0" * 50):
        with pytest.raises(MarkError) as err:
            mark_copy(bad, TEXT)
        assert err.value.code.startswith("station.copy.")
        assert "核验件" in err.value.text("zh_CN")


def test_a_picture_copy_prints_as_an_a4_pdf(out_dir: Path) -> None:
    marked, mime = mark_image(scan_picture("JPEG"), TEXT)
    pdf = copy_as_pdf(marked, mime)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1 and round(float(reader.pages[0].mediabox.width) * 25.4 / 72) == 210
    (out_dir / "printed-copy.pdf").write_bytes(pdf)
    to_png(out_dir / "printed-copy.pdf")
    assert copy_as_pdf(b"%PDF-1.4 x", "application/pdf") == b"%PDF-1.4 x"


def test_accepting_a_case_stores_a_marked_copy_of_each_verified_scan_and_keeps_the_original(
    station: StationService, cases: CaseService, out_dir: Path
) -> None:
    case = accepted_single(station, cases)
    store = station.unlocked_store
    verified = [
        m for m in case.materials if m.satisfaction is Satisfaction.ORIGINAL_VERIFIED and m.attachments
    ]
    assert verified
    for m in verified:
        assert [c.original_sha256 for c in m.copies] == list(m.attachments)
        for c in m.copies:
            original = store.blobs.read_bytes(c.original_sha256)
            assert original == qr_png(m.code)  # the original, byte for byte as scanned
            assert hashlib.sha256(original).hexdigest() == c.original_sha256
            assert c.original == store.blobs.ref(c.original_sha256)
            copy = store.blobs.read_bytes(c.sha256)
            assert hashlib.sha256(copy).hexdigest() == c.sha256 and copy != original
            assert c.blob.mime == "image/png"
            image = Image.open(io.BytesIO(copy)).convert("RGB")
            assert image.height > Image.open(io.BytesIO(original)).height
            assert sum(reddish(px) for px in pixels(image)) > 1000
            image.save(out_dir / f"case-{m.code}.png")
    stored = cases.get(case.id)
    assert stored.materials == case.materials  # the copies are on the stored case
    doc = store.get("outbox", case.id)
    assert doc is not None  # the copies go to the center with the case
    assert {c.sha256 for m in verified for c in m.copies} <= set(doc["attachments"])

    # the mark on the copy says what the case is for, at which station, on which day
    expected = mark_text(
        station.catalog().item(case.item_code).name, clock.china_today(), "测试社区便民服务站"
    )
    pdf = CaseActions(cases, stored, "01").copy_pdf(verified[0].copies[0].sha256)
    assert PdfReader(io.BytesIO(pdf)).pages  # a printable page
    marked_again, _ = mark_copy(store.blobs.read_bytes(verified[0].attachments[0]), expected)
    assert marked_again == store.blobs.read_bytes(verified[0].copies[0].sha256)

    # saving again makes no second copy
    before = [m.copies for m in stored.materials]
    cases.save(stored, actor="worker:01", action="case.note")
    assert [m.copies for m in cases.get(case.id).materials] == before


def test_a_scan_not_checked_against_its_original_gets_no_mark(
    station: StationService, cases: CaseService
) -> None:
    case = accepted_single(station, cases)
    sha = cases.put_scan(scan_picture("PNG"))
    bad = cases.put_scan(
        b"\xff\xd8\xff\xe0" + b"\1" * 300 + b"\xff\xd9"
    )  # stored, but not a readable picture
    case.materials.append(
        MaterialRecord("M-SHARED", "婚姻登记信息", Satisfaction.DATA_SHARING, (sha,), source="数据共享")
    )
    case.materials.append(
        MaterialRecord("M-BAD", "户口簿", Satisfaction.ORIGINAL_VERIFIED, (bad,), verified_by="01")
    )
    cases.save(
        case, actor="worker:01", action="case.note"
    )  # a scan that cannot be read does not stop the save
    stored = cases.get(case.id)
    shared = stored.material("M-SHARED")
    unreadable = stored.material("M-BAD")
    assert shared is not None and shared.copies == ()
    assert unreadable is not None and unreadable.copies == ()
    assert cases.read_scan(sha) == scan_picture("PNG")
    # and the model refuses a copy for it outright
    copy = VerifiedCopy(BlobRef("a" * 64, 1, "image/png"), BlobRef(sha, 1, "image/png"))
    assert stored.add_copies("M-SHARED", [copy]) == 0


def test_a_copy_in_a_document_is_a_blob_reference_both_ways() -> None:
    copy = VerifiedCopy(BlobRef("a" * 64, 10, "image/jpeg"), BlobRef("b" * 64, 20, "image/jpeg"))
    record = MaterialRecord(
        "M1", "居民身份证", Satisfaction.ORIGINAL_VERIFIED, ("b" * 64,), "w1", copies=(copy,)
    )
    doc = record.to_dict()
    assert doc["copies"] == [
        {
            "sha256": "a" * 64,
            "size": 10,
            "mime": "image/jpeg",
            "original": {"sha256": "b" * 64, "size": 20, "mime": "image/jpeg"},
        }
    ]
    assert blob_refs(doc) == {"a" * 64, "b" * 64}
    assert MaterialRecord.from_dict(doc) == record
    assert (
        "copies" not in MaterialRecord("M2", "户口簿", Satisfaction.MISSING).to_dict()
    )  # old documents unchanged
