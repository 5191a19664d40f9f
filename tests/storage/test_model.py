"""Property test: any sequence of transactions, deletes, compactions and reopenings behaves like a dict."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import storage
from storage.audit import verify_chain

from .helpers import new_store, open_admin

keys = st.sampled_from([f"k{i}" for i in range(6)])
colls = st.sampled_from(["cases", "outbox", "settings"])
docs = st.dictionaries(
    st.text(max_size=5),
    st.one_of(st.integers(), st.text(max_size=20), st.none(), st.lists(st.integers(), max_size=3)),
    max_size=4,
)
op = st.one_of(
    st.tuples(
        st.just("tx"), st.lists(st.tuples(colls, keys, st.one_of(st.none(), docs)), min_size=1, max_size=4)
    ),
    st.tuples(st.just("compact"), st.none()),
    st.tuples(st.just("reopen"), st.none()),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(op, max_size=20))
def test_store_behaves_like_a_dict(ops):
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "st"
        s = new_store(d)
        model: dict[tuple[str, str], dict[str, object]] = {}
        try:
            for kind, arg in ops:
                if kind == "tx":
                    with s.transaction() as tx:
                        for c, k, doc in arg:
                            if doc is None:
                                tx.delete(c, k)
                            else:
                                tx.put(c, k, doc)
                    for c, k, doc in arg:
                        if doc is None:
                            model.pop((c, k), None)
                        else:
                            model[(c, k)] = doc
                elif kind == "compact":
                    s.compact()
                else:
                    s.close()
                    s = open_admin(d)
                for c in ("cases", "outbox", "settings"):
                    assert dict(s.items(c)) == {k: v for (mc, k), v in model.items() if mc == c}
            assert verify_chain(s.docs.items("_audit")) is None
        finally:
            s.close()


def test_public_api_is_pinned():
    assert sorted(storage.__all__) == [
        "AttachmentRejected",
        "BlobNotFound",
        "BlobRef",
        "BlobStore",
        "DiskFull",
        "DiskSpaceLow",
        "DiskStatus",
        "KdfParams",
        "RecoveryFailed",
        "SlotLockedOut",
        "StationSecretRequired",
        "StationStore",
        "StorageError",
        "StoreBusy",
        "StoreCorrupted",
        "StoreExists",
        "StoreLocked",
        "StoreNotFound",
        "StoreOptions",
        "Summarizer",
        "Transaction",
        "UnknownSlot",
        "WeakSecret",
        "WrongKey",
        "WrongSecret",
        "blob_refs",
        "open_recovery_slot",
        "recover_with_district_key",
        "seal_recovery_slot",
    ]
    assert all(hasattr(storage, name) for name in storage.__all__)
