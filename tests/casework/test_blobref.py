"""One rule for scan references (casework.blobref): the document rule, and the case model held to it by
type."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import types
import typing
from typing import Annotated, Any, get_args, get_origin, get_type_hints

import pytest

from casework.blobref import BLOB_LIST_KEYS, SCANS, BlobRef, blob_refs, is_digest, walk_refs
from casework.caseparts import CaseResult, MaterialRecord, Satisfaction
from casework.cases import Case
from tests.casework.case_helpers import new_case


def sha(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def test_the_document_rule() -> None:
    doc = {
        "guardian_photo": BlobRef(sha(1), 10, "image/jpeg").to_dict(),  # a new field: found by its shape
        "deep": {"more": [{"any_name": [BlobRef(sha(2), 1, "application/pdf").to_dict()]}]},
        "receipt_sha256": sha(3),
        "materials": [{"attachments": [sha(4), "not-a-digest"]}],
        "result": {"documents": [sha(5)]},
        "scans": [sha(6)],
        "a_bare_digest": sha(7),  # not a reference: a bare string under an unknown key
        "upper": {"sha256": sha(8).upper()},  # digests are lower case
        "short": {"sha256": sha(9)[:63]},
    }
    assert blob_refs(doc) == {sha(i) for i in range(1, 7)}
    assert is_digest(sha(1)) and not is_digest(sha(1).upper()) and not is_digest(1)
    assert BlobRef.from_dict(BlobRef(sha(1), 10, "image/jpeg").to_dict()) == BlobRef(sha(1), 10, "image/jpeg")
    with pytest.raises(ValueError):
        BlobRef.from_dict({"sha256": "x"})


def test_the_walk_reports_floats_where_it_meets_them() -> None:
    seen: list[str] = []
    refs = walk_refs({"a": 1.5, "b": [2.5, {"sha256": sha(1)}], "c": {"d": 0.1}}, on_float=seen.append)
    assert refs == {sha(1)}
    assert sorted(seen) == ["[]", "a", "d"]


# -- the case model, by type ------------------------------------------------------------------------------

_SUSPECT = re.compile(r"sha|scan|attach|blob|photo|image|picture|file|document|receipt_pdf")


def _unwrap(tp: Any) -> list[Any]:
    """The types a field's annotation names (through Optional, unions, tuples, lists, Annotated)."""
    origin = get_origin(tp)
    if origin is Annotated:
        return [tp, *_unwrap(get_args(tp)[0])]
    if origin in (typing.Union, types.UnionType, tuple, list, set, frozenset, dict):
        return [t for a in get_args(tp) if a is not Ellipsis for t in _unwrap(a)]
    return [tp]


def _is_scans(tp: Any) -> bool:
    return any(get_origin(t) is Annotated and SCANS in get_args(t)[1:] for t in _unwrap(tp))


def _model_classes(root: type) -> list[type]:
    seen: list[type] = []
    todo = [root]
    while todo:
        cls = todo.pop()
        if cls in seen or cls is BlobRef:  # the reference type itself, not a model that holds one
            continue
        seen.append(cls)
        for tp in get_type_hints(cls, include_extras=True).values():
            # BlobRef is the reference itself: a field of that type is one, its own fields are not walked
            todo.extend(
                t
                for t in _unwrap(tp)
                if dataclasses.is_dataclass(t) and isinstance(t, type) and t is not BlobRef
            )
    return seen


def test_every_field_of_the_case_model_that_holds_a_scan_is_typed_as_one() -> None:
    """A field whose name says it holds a scan must be a ``BlobRef`` (found by its shape, any name) or
    ``Scans`` (serialised under a list key the rule knows); a bare ``str`` would be invisible to retention."""
    classes = _model_classes(Case)
    assert MaterialRecord in classes and CaseResult in classes
    wrong = []
    scan_fields = []
    for cls in classes:
        for f in dataclasses.fields(cls):
            tp = get_type_hints(cls, include_extras=True)[f.name]
            if _is_scans(tp):
                scan_fields.append(f"{cls.__name__}.{f.name}")
                if f.name not in BLOB_LIST_KEYS:
                    wrong.append(
                        f"{cls.__name__}.{f.name}: Scans must be serialised under {sorted(BLOB_LIST_KEYS)}"
                    )
            elif BlobRef in _unwrap(tp):
                scan_fields.append(f"{cls.__name__}.{f.name}")
            elif _SUSPECT.search(f.name) and str in _unwrap(tp):
                wrong.append(f"{cls.__name__}.{f.name}: holds a scan? type it BlobRef or Scans")
    assert wrong == []
    assert {
        "MaterialRecord.attachments",
        "CaseResult.documents",
        "VerifiedCopy.blob",
        "Agent.authority_scan",
    } <= set(scan_fields)


def _typed_refs(obj: Any) -> set[str]:
    """Digests found by walking a model object by its type hints (not by key names)."""
    found: set[str] = set()
    if isinstance(obj, BlobRef):
        return {obj.sha256}
    if isinstance(obj, list | tuple):
        for x in obj:
            found |= _typed_refs(x)
        return found
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        return found
    hints = get_type_hints(type(obj), include_extras=True)
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if _is_scans(hints[f.name]):
            found |= set(value)
        else:
            found |= _typed_refs(value)
    return found


def test_the_document_rule_finds_what_the_types_say() -> None:
    case: Case = new_case()
    case.materials = [
        MaterialRecord(
            "M1", "居民身份证", Satisfaction.ORIGINAL_VERIFIED, (sha(1), sha(2)), verified_by="w1"
        ),
        MaterialRecord("M2", "户口簿", Satisfaction.MISSING),
    ]
    case.result = CaseResult("证明", documents=(sha(3),))
    assert _typed_refs(case) == {sha(1), sha(2), sha(3)}
    assert blob_refs(case.to_dict()) == _typed_refs(case)
