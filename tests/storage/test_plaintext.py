"""Nothing in plaintext: names, ID numbers, phones and scan contents never appear in the data directory or
logs, in UTF-8, UTF-16LE or UTF-16BE — journal, case summaries and index checkpoints included — and the
case summaries held in memory carry no ID number or phone digits, only keyed tokens."""

from __future__ import annotations

import logging

from storage.retention import mark_center_confirmed, purge_expired

from .helpers import jpeg, new_store, open_admin, pdf, png

RESIDENTS = [
    {
        "name": "欧阳明华",
        "id_number": "610102199003071234",
        "phone": "13912345678",
        "address": "雁塔区科技路88号",
    },
    {
        "name": "Zhang Weiguo",
        "id_number": "63010219851212567X",
        "phone": "18609871234",
        "address": "城中区南大街7号",
    },
]
SCAN_MARKER = b"SCAN-CONTENT-MARKER-7f3a9c"


def encodings(text: str) -> list[bytes]:
    return [text.encode("utf-8"), text.encode("utf-16-le"), text.encode("utf-16-be")]


def _summarized(store):  # type: ignore[no-untyped-def]
    from casework.case_summary import VERSION, summarise_case
    from storage import Summarizer

    store.register_summarizer(Summarizer("cases", VERSION, summarise_case))
    return store


def test_no_personal_data_in_files_or_logs(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    d = tmp_path / "st"
    s = _summarized(new_store(d))
    s.add_worker("w01", "135790", actor="admin")
    scans = [jpeg(200_000, seed=SCAN_MARKER[:16]) + SCAN_MARKER, png(3000), pdf(3000)]
    scans[0] = scans[0][: -len(SCAN_MARKER)]  # keep the JPEG end marker last
    scans[0] = scans[0][:-2] + SCAN_MARKER + b"\xff\xd9"
    refs = [s.blobs.put_bytes(x) for x in scans]
    for i, r in enumerate(RESIDENTS):
        with s.transaction(actor="worker:w01") as tx:
            tx.put(
                "cases",
                f"case{i}",
                {
                    "status": "closed",
                    "applicant": r,
                    "history": [{"to": "closed", "at": "2026-01-01T00:00:00Z"}],
                    "scans": [x.sha256 for x in refs],
                },
            )
            tx.put("outbox", f"case{i}", {"kind": "case", "summary": r["name"]})
            tx.audit("case.accepted", case=f"case{i}")
    s.compact()  # and an index checkpoint with the summaries
    s.close()
    s = _summarized(open_admin(d))
    summaries = s.summaries("cases")
    assert summaries["case1"]["name"] == "Zhang Weiguo" and summaries["case1"]["tokens"]
    for r in RESIDENTS:
        digits = [r["id_number"], r["id_number"][-6:], r["id_number"][-4:], r["phone"], r["phone"][-4:]]
        for summary in summaries.values():
            plain = [str(v) for k, v in summary.items() if k != "tokens"]  # tokens: keyed HMAC hex
            assert not any(x in v for x in digits for v in plain), "ID or phone digits in a summary"
            assert all(len(t) == 16 for t in summary.get("tokens", "").split())
    with s.transaction(actor="sync") as tx:
        mark_center_confirmed(tx, "case0", "2026-01-02T00:00:00Z")
    purge_expired(s, days=30)
    assert s.checkpoint(min_records=1)
    s.close()
    assert any(p.name.startswith("index-") for p in (d / "docs").iterdir())

    blobs = b"".join(p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file())
    logs = "\n".join(r.getMessage() for r in caplog.records).encode("utf-8")
    assert len(blobs) > 200_000
    needles = [SCAN_MARKER, scans[0][1000:1032]]
    for r in RESIDENTS:
        for value in r.values():
            needles.extend(encodings(value))
    for needle in needles:
        assert needle not in blobs, f"plaintext {needle[:20]!r} found in the data directory"
        assert needle not in logs, f"plaintext {needle[:20]!r} found in the logs"
