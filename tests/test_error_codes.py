"""Errors carry codes, words live in the message catalogs (casework.errors, casework.messages).

* both catalogs (``casework/data/messages/zh_CN.json`` and ``en.json``) hold the same codes, and every
  template formats with the same parameters in both;
* every code our packages raise — a ``code = "…"`` class attribute of an error class, or a dotted code given
  as the first argument of a raise — has an entry in both catalogs;
* no ``raise`` in the packages carries a Chinese string literal: the words are the catalogs', so an English
  UI shows English errors.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from casework import messages
from casework.errors import DomainError

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("casework", "storage", "sync", "station_app", "district_center")
# Packages whose raise sites are all converted to codes: all of them.
CODED = PACKAGES
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def _sources(packages: tuple[str, ...]) -> Iterator[tuple[Path, ast.Module]]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _fields(template: str) -> set[str]:
    return {name for _text, name, _spec, _conv in string.Formatter().parse(template) if name}


def test_catalogs_hold_the_same_codes_with_the_same_parameters() -> None:
    zh, en = messages.catalog("zh_CN"), messages.catalog("en")
    assert sorted(zh) == sorted(en)
    assert [c for c in zh if _fields(zh[c]) != _fields(en[c])] == []
    assert [c for c in en if CJK.search(en[c])] == [], "English entries in Chinese"


def _raised_codes() -> Iterator[tuple[str, str]]:
    for path, tree in _sources(PACKAGES):
        where = str(path.relative_to(ROOT))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign | ast.AnnAssign)
                        and isinstance(getattr(stmt, "value", None), ast.Constant)
                        and any(
                            isinstance(t, ast.Name) and t.id == "code"
                            for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
                        )
                        and isinstance(stmt.value.value, str)  # type: ignore[union-attr]
                        and CODE.match(stmt.value.value)  # type: ignore[union-attr]
                    ):
                        yield where, stmt.value.value  # type: ignore[union-attr]
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "ProtocolError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                variant = next(
                    (
                        k.value.value
                        for k in node.keywords
                        if k.arg == "variant" and isinstance(k.value, ast.Constant)
                    ),
                    "",
                )
                yield where, f"protocol.{node.args[0].value}" + (f".{variant}" if variant else "")
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
                first = node.exc.args[0]
                if (
                    isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                    and CODE.match(first.value)
                ):
                    yield where, first.value


def test_every_raised_code_has_words_in_both_languages() -> None:
    missing = sorted(
        {f"{where}: {code}" for where, code in _raised_codes() if not messages.has(code, "zh_CN")}
    )
    assert missing == []


def test_every_code_put_into_words_has_them_in_both_languages() -> None:
    """``messages.text("acceptance.…", …)`` with a literal code (problems listed rather than raised)."""
    used = set()
    for path, tree in _sources(PACKAGES):
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "text"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "messages"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                used.add((str(path.relative_to(ROOT)), node.args[0].value))
    assert used, "the scan found nothing: the pattern is out of date"
    assert (
        sorted(f"{w}: {c}" for w, c in used if not messages.has(c, "zh_CN") or not messages.has(c, "en"))
        == []
    )


def _chinese_in_raise(tree: ast.Module) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            for inner in ast.walk(node.exc):
                if (
                    isinstance(inner, ast.Constant)
                    and isinstance(inner.value, str)
                    and CJK.search(inner.value)
                ):
                    yield node.lineno


@pytest.mark.parametrize("package", CODED)
def test_no_chinese_string_literal_in_any_raise(package: str) -> None:
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path, tree in _sources((package,))
        for line in _chinese_in_raise(tree)
    ]
    assert found == []


def test_an_error_speaks_the_current_language() -> None:
    class Sample(DomainError):
        code = "storage.locked_out"

    err = Sample(minutes=5)
    assert err.text("zh_CN") == messages.text("storage.locked_out", {"minutes": 5}, "zh_CN")
    assert "5" in err.text("en") and not CJK.search(err.text("en"))
    assert str(err) == err.text(messages.current_language())
    previous = messages.current_language()
    try:
        messages.set_language("en")
        assert str(err) == err.text("en")
    finally:
        messages.set_language(previous)
    assert messages.text("no.such_code", {"x": 1}) == "no.such_code(x=1)", "an unknown code is never lost"
