"""A problem a person must fix, as data: a stable ``code`` and its ``params``, put into words at the edge.

Checks that report rather than raise (an ID number typed at the desk, a form field, an eligibility condition)
return :class:`Problem` s. The words live in the message catalogs (``casework/data/messages``), like those of
:class:`casework.errors.DomainError`, so the same problem reads in Chinese or English, and a code may have a
second, plainer wording for residents (``<code>.plain``, used by the kiosk)::

    p = Problem("identity.resident_id.check", {"expected": "X"})
    p.text("zh_CN")     # '身份证号码校验位不正确（最后一位应为 X），请核对后重新输入'
    p.plain("zh_CN")    # '身份证号码最后一位不对，请核对'

Hazard: params may hold what the person typed (a name, a date); never put them in logs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from casework import messages

__all__ = ["PLAIN_SUFFIX", "Problem", "texts"]

#: ``<code>.plain`` is the resident's wording of ``<code>`` (the kiosk's), when the catalogs hold one.
PLAIN_SUFFIX = ".plain"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing to fix: a message ``code`` with its ``params`` (and, for forms, the field it is about)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    field: str = ""  # the form field or input the problem belongs to ("" for the whole record)

    def text(self, language: str | None = None) -> str:
        """The worker's words, in ``language`` (default: the process's current language)."""
        return messages.text(self.code, self.params, language)

    def plain(self, language: str | None = None) -> str:
        """The resident's words: ``<code>.plain`` when the catalogs hold it, else :meth:`text`."""
        lang = language or messages.current_language()
        if messages.has(self.code + PLAIN_SUFFIX, lang):
            return messages.text(self.code + PLAIN_SUFFIX, self.params, lang)
        return self.text(lang)

    def __str__(self) -> str:
        return self.text()


def texts(problems: list[Problem] | tuple[Problem, ...], language: str | None = None) -> list[str]:
    """The worker's words of every problem, in order."""
    return [p.text(language) for p in problems]
