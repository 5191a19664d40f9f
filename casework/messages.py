"""Message catalogs for error codes (:class:`casework.errors.DomainError`) in every language we ship.

``text("case.illegal_transition", {"frm": "accepted", "to": "closed"}, "en")`` looks the code up in
``casework/data/messages/<language>.json`` and formats it with ``str.format``. A parameter named ``*_code``
(or a list under a name ending in ``_codes``) is itself a code and is replaced by its text; a
:class:`casework.problems.Problem` given as a parameter is put into words in the same language. An unknown
code falls back to the code itself with its parameters, so a message is never lost — and a test keeps every
raised code in both catalogs.

The current language is process-wide (a station process has one UI language; see ``station_app.i18n``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import Enum
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["LANGUAGES", "catalog", "current_language", "has", "set_language", "term", "text"]

LANGUAGES = ("zh_CN", "en")
_current = "zh_CN"


@cache
def catalog(language: str) -> dict[str, str]:
    """``code -> template`` of one language."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")
    path = resources.files("casework").joinpath("data", "messages", f"{language}.json")
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def set_language(language: str) -> None:
    global _current
    catalog(language)
    _current = language


def current_language() -> str:
    return _current


def has(code: str, language: str | None = None) -> bool:
    return code in catalog(language or _current)


def _value(name: str, value: Any, language: str) -> Any:
    if callable(getattr(value, "text", None)):  # a casework.problems.Problem nested in another's params
        return value.text(language)
    if name.endswith("_code") and isinstance(value, str):
        return text(value, {}, language)
    if name.endswith("_codes") and isinstance(value, list | tuple):
        sep = "；" if language == "zh_CN" else "; "
        return sep.join(text(v, {}, language) if isinstance(v, str) else str(v) for v in value)
    if isinstance(value, list | tuple):
        sep = "、" if language == "zh_CN" else ", "
        return sep.join(str(v) for v in value)
    return value


def text(code: str, params: Mapping[str, Any] | None = None, language: str | None = None) -> str:
    """The message of ``code`` in ``language`` (default: current), formatted with ``params``."""
    lang = language or _current
    params = params or {}
    template = catalog(lang).get(code)
    if template is None:
        shown = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{code}({shown})" if shown else code
    values = {k: _value(k, v, lang) for k, v in params.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def term(value: Enum, language: str | None = None) -> str:
    """A code-table value (必要, 纸质, 承诺件, 全市通办, 原件核验, 邮政寄递 …) in ``language`` (default: the
    current one), from ``term.<EnumClass>.<MEMBER>``. The records and the documents keep the Chinese value;
    the UI shows this. A value without an entry stays as it is (its ``label`` when it has one)."""
    code = f"term.{type(value).__name__}.{value.name}"
    if has(code, language):
        return text(code, {}, language)
    own = getattr(value, "code", None)  # e.g. CaseStatus.code, "case.status.<value>"
    if isinstance(own, str) and has(own, language):
        return text(own, {}, language)
    return str(getattr(value, "label", value.value))
