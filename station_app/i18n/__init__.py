"""Message catalog for every string the station app shows.

``t("unlock.title")`` looks the key up in the current language (简体中文 by default, English available) and
formats it with ``str.format(**kw)``. Both catalogs must hold the same keys; a test enforces it. A missing
key raises ``KeyError`` in tests instead of showing a raw key to a resident.

The language is a station-wide setting (one station process serves the desk and the kiosk), so it is module
state set by the settings service, not per browser session.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from casework import messages

LANGUAGES: dict[str, str] = {"zh_CN": "简体中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
_current = DEFAULT_LANGUAGE


@cache
def catalog(language: str) -> dict[str, str]:
    """The flat ``key -> template`` mapping of one language."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {sorted(LANGUAGES)}")
    data: dict[str, str] = json.loads(
        resources.files(__name__).joinpath(f"{language}.json").read_text(encoding="utf-8")
    )
    return data


def set_language(language: str) -> None:
    """Switch the station's language, for the UI strings here and the error messages of ``casework``
    (``casework.messages``: acceptance problems, domain errors) alike."""
    global _current
    catalog(language)  # validates
    _current = language
    messages.set_language(language)


def current_language() -> str:
    return _current


def t(key: str, **kw: object) -> str:
    """Translate ``key`` into the current language, formatting ``{name}`` placeholders from ``kw``."""
    template = catalog(_current)[key]
    return template.format(**kw) if kw else template


def has(key: str) -> bool:
    return key in catalog(_current)
