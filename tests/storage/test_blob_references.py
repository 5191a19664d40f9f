"""A scan held by a document field nobody told storage about is still a scan: retention keeps it while any
document references it (by the one rule of casework.blobref), verify counts it, and the outbox uploads it."""

from __future__ import annotations

import datetime as dt

from casework.blobref import BlobRef
from storage.retention import mark_center_confirmed, purge_expired
from storage.verify import verify_store
from sync.outbox import attachments_of

from .helpers import jpeg, new_store, open_admin
from .test_retention import NOW, case


def test_a_new_field_holding_a_scan_keeps_it_through_retention(tmp_path):
    s = new_store(tmp_path / "st")
    photo = s.blobs.put_bytes(jpeg(6000))
    letter = s.blobs.put_bytes(jpeg(7000))
    gone = s.blobs.put_bytes(jpeg(8000))
    open_case = case("accepted", "2026-09-10T00:00:00Z", [])
    # Fields that did not exist when the retention code was written, at any depth and under any name.
    open_case["guardian_photo"] = photo.to_dict()
    open_case["proxy"] = {
        "authority": {"letters": [BlobRef(letter.sha256, letter.size, letter.mime).to_dict()]}
    }
    old_case = case("closed", "2026-09-10T00:00:00Z", [])
    old_case["guardian_photo"] = photo.to_dict()  # the same scan on an expired case
    old_case["extra_scan"] = gone.to_dict()  # referenced by the expired case only
    with s.transaction(actor="worker:w01") as tx:
        tx.put("cases", "open", open_case)
        tx.put("cases", "old", old_case)
        mark_center_confirmed(tx, "old", "2026-09-15T00:00:00Z")
    assert attachments_of(open_case) == sorted([photo.sha256, letter.sha256])
    s.close()

    s = open_admin(tmp_path / "st")
    assert purge_expired(s, now=NOW + dt.timedelta(days=400)).purged_cases == ["old"]
    assert s.blobs.has(photo.sha256) and s.blobs.has(letter.sha256)  # still referenced by the open case
    assert not s.blobs.has(gone.sha256)  # the rule is not "keep everything": its only reference went
    report = verify_store(s)
    assert report.ok, report.problems
    s.close()
