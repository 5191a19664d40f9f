"""The message catalogs: same keys in both languages, placeholders match, no CJK literal in screen code."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from station_app import i18n

SCREENS = Path(i18n.__file__).resolve().parents[1] / "screens"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogs_have_the_same_keys_and_placeholders():
    zh, en = i18n.catalog("zh_CN"), i18n.catalog("en")
    assert set(zh) == set(en)
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key
        assert zh[key].strip() and en[key].strip(), key


def test_chinese_is_the_default_and_english_switches():
    assert i18n.t("nav.intake") == "受理"
    i18n.set_language("en")
    assert i18n.t("nav.intake") == "Intake"
    assert i18n.t("intake.promised", date="2026-12-31") == "Promised by: 2026-12-31"
    with pytest.raises(ValueError):
        i18n.set_language("fr")


def test_missing_key_raises():
    with pytest.raises(KeyError):
        i18n.t("no.such.key")


@pytest.mark.parametrize("path", sorted(SCREENS.glob("*.py")), ids=lambda p: p.name)
def test_no_screen_module_has_a_cjk_literal(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc_nodes = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    bad = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in doc_nodes
        and CJK.search(node.value)
    ]
    assert bad == [], f"{path.name}: user-visible text must come from the catalog: {bad}"


def test_every_key_used_in_code_exists():
    root = SCREENS.parent
    used = set()
    for f in root.rglob("*.py"):
        used |= set(re.findall(r'\bt\(\s*"([a-z_]+\.[a-z0-9_]+)"', f.read_text(encoding="utf-8")))
    assert used - set(i18n.catalog("zh_CN")) == set()
