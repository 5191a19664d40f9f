"""The root of every error our packages raise for a person to read: a stable ``code`` and its ``params``.

The words are not in the code. They live in the message catalogs (``casework/data/messages/<lang>.json``,
one ``"code": "template"`` per line) and are put together at the edge — the station UI, the console, the
CLIs, the center's problem+json — with :func:`casework.messages.text`. So the English UI shows English
errors, tests assert on codes, and a message can be reworded without touching a ``raise``::

    class AttachmentTooLarge(DomainError):
        code = "attachment.too_large"

    raise AttachmentTooLarge(name=file_name, limit_mb=50)
    # zh_CN.json: "attachment.too_large": "文件“{name}”超过 {limit_mb} MB，请压缩后重新扫描"
    # en.json:    "attachment.too_large": "“{name}” is larger than {limit_mb} MB; scan it again smaller"

``str(err)`` is the message in the process's current language (:func:`casework.messages.set_language`,
Simplified Chinese by default), so code that shows ``str(err)`` keeps working. ``err.detail`` is an
optional English technical note for logs; it never carries personal data.

Codes are dotted, lower case, grouped by who raises them (``case.*``, ``catalog.*``, ``storage.*``,
``sync.*``, ``center.*``, ``intake.*`` …). Parameters are plain values (str, int, float, dates as ISO
strings) or lists of them. A parameter whose name ends in ``_code`` names another message and is shown as
that message's text (e.g. a list of problem codes).
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = ["DomainError"]


class DomainError(Exception):
    """An error with a stable ``code`` and ``params``; see the module docstring.

    Subclasses set ``code`` as a class attribute (the default for that class); a call may pass another code
    of the same family as the first positional argument: ``CaseError("case.not_found", case_id=x)``.
    """

    code: ClassVar[str] = "error"

    def __init__(self, code: str | None = None, /, *, detail: str = "", **params: Any) -> None:
        self.code = code or type(self).code  # type: ignore[misc]  # an instance may narrow the class's code
        self.params: dict[str, Any] = params
        self.detail = detail
        super().__init__(self.code)

    def text(self, language: str | None = None) -> str:
        """The message for a person, in ``language`` (default: the process's current language)."""
        from casework.messages import text

        return text(self.code, self.params, language)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.params!r})"
