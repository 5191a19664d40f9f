"""Case numbers (办件编号) a station issues offline: unique across a district's stations without coordination,
all digits so they can be read over the phone, with a Damm check digit.

Shape: ``YYMMDD-SSS-NNNNC`` — the station's local date, its ``station_no`` (assigned at enrollment, unique in
the district, 1–999), a per-station per-day sequence (1–9999) and one check digit, e.g. ``261122-007-00421``.
Uniqueness follows from (station_no, day, seq) being unique, which :class:`CaseCounter` guarantees on one
station. The Damm check digit detects **every** single mistyped digit and **every** swap of two adjacent
digits (the check covers the 14 digits without hyphens, so it also catches a swap across a hyphen).

>>> generate(7, dt.date(2026, 11, 22), 42)
'261122-007-00421'
>>> normalize(" 2611 2200 7004 21 ")
'261122-007-00421'
>>> parse("26112200700421")
CaseNumber(day=datetime.date(2026, 11, 22), station_no=7, seq=42)

Hazards: the number is unique per district only; across districts use the case ``id`` (UUIDv7). Two years
ending in the same two digits a century apart would collide — the date is read as 2000–2099.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from casework.errors import DomainError

__all__ = [
    "MAX_SEQ",
    "MAX_STATION_NO",
    "CaseCounter",
    "CaseNumber",
    "CaseNumberError",
    "CaseNumbersExhausted",
    "damm_check_digit",
    "damm_is_valid",
    "generate",
    "is_valid",
    "normalize",
    "parse",
]


class CaseNumberError(DomainError, ValueError):
    """A typed case number that is not one: wrong length, failed check character, impossible date."""

    code = "case_number.format"


class CaseNumbersExhausted(DomainError, OverflowError):
    """A station used up its numbers for the day (at most ``MAX_SEQ``)."""

    code = "case_number.exhausted"


MAX_STATION_NO = 999
MAX_SEQ = 9999

# Damm's totally anti-symmetric quasigroup of order 10 (H. M. Damm, 2004).
_DAMM = (
    (0, 3, 1, 7, 5, 9, 8, 6, 4, 2),
    (7, 0, 9, 2, 1, 5, 4, 8, 6, 3),
    (4, 2, 0, 6, 8, 7, 1, 3, 5, 9),
    (1, 7, 5, 0, 9, 8, 3, 4, 2, 6),
    (6, 1, 2, 3, 0, 4, 5, 9, 7, 8),
    (3, 6, 7, 4, 2, 0, 9, 5, 8, 1),
    (5, 8, 6, 9, 7, 2, 0, 1, 3, 4),
    (8, 9, 4, 5, 3, 6, 2, 0, 1, 7),
    (9, 4, 3, 8, 6, 1, 7, 2, 0, 5),
    (2, 5, 8, 1, 4, 3, 6, 7, 9, 0),
)

_DIGITS = 14  # 6 date + 3 station + 4 sequence + 1 check
_DASHES = re.compile(r"[\s\-‐‑‒–—―−_.]")


def _damm(digits: str) -> int:
    interim = 0
    for c in digits:
        interim = _DAMM[interim][ord(c) - 48]
    return interim


def damm_check_digit(digits: str) -> str:
    """The Damm check digit for an ASCII digit string."""
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"digits only: {digits!r}")
    return str(_damm(digits))


def damm_is_valid(digits: str) -> bool:
    """True if ``digits`` (check digit last) passes the Damm check."""
    return digits.isascii() and digits.isdigit() and len(digits) >= 2 and _damm(digits) == 0


@dataclass(frozen=True, slots=True)
class CaseNumber:
    """The parts of a case number."""

    day: dt.date
    station_no: int
    seq: int

    def __str__(self) -> str:
        return generate(self.station_no, self.day, self.seq)


def generate(station_no: int, day: dt.date, seq: int) -> str:
    """The case number for the ``seq``-th case of ``day`` at station ``station_no``.

    Raises ``ValueError`` if ``station_no`` is outside 1–999, ``seq`` outside 1–9999 or ``day`` outside
    2000–2099.
    """
    if not 1 <= station_no <= MAX_STATION_NO:
        raise ValueError(f"station_no must be 1–{MAX_STATION_NO}, got {station_no}")
    if not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"seq must be 1–{MAX_SEQ}, got {seq}")
    if not 2000 <= day.year <= 2099:
        raise ValueError(f"day must be in 2000–2099, got {day}")
    body = f"{day:%y%m%d}{station_no:03d}{seq:04d}"
    check = damm_check_digit(body)
    return f"{body[:6]}-{body[6:9]}-{body[9:]}{check}"


def _digits(s: str) -> str:
    # NFKC turns full-width digits (IME input) into ASCII; then drop spaces and every kind of dash.
    return _DASHES.sub("", unicodedata.normalize("NFKC", s))


def normalize(s: str) -> str:
    """The canonical ``YYMMDD-SSS-NNNNC`` form of a number typed with spaces, other dashes, full-width
    digits or no hyphens. Raises :class:`CaseNumberError` (a ``ValueError``) if it is not 14 digits or the
    check fails."""
    digits = _digits(s)
    if not (digits.isascii() and digits.isdigit()) or len(digits) != _DIGITS:
        raise CaseNumberError("case_number.format", digits=_DIGITS, number=s)
    if not damm_is_valid(digits):
        raise CaseNumberError("case_number.check", number=s)
    return f"{digits[:6]}-{digits[6:9]}-{digits[9:]}"


def parse(s: str) -> CaseNumber:
    """Parse (after :func:`normalize`) into day, station and sequence. Raises :class:`CaseNumberError`."""
    canonical = normalize(s)
    digits = canonical.replace("-", "")
    try:
        day = dt.date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        raise CaseNumberError("case_number.date", number=s) from None
    station_no, seq = int(digits[6:9]), int(digits[9:13])
    if station_no == 0 or seq == 0:
        raise CaseNumberError("case_number.parts", number=s)
    return CaseNumber(day, station_no, seq)


def is_valid(s: str) -> bool:
    """True if ``s`` (in any form :func:`normalize` accepts) is a well-formed case number."""
    try:
        parse(s)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class CaseCounter:
    """A station's counter state, persisted by the caller with each accepted case.

    >>> c = CaseCounter(station_no=7)
    >>> c, n = c.issue(dt.date(2026, 11, 22)); n
    '261122-007-00018'

    The sequence restarts at 1 each day. If the station's clock goes back to an earlier day, numbers keep
    the later day already used (uniqueness matters more than the printed date). Raises ``OverflowError``
    after 9999 numbers in one day.
    """

    station_no: int
    day: dt.date | None = None
    seq: int = 0

    def issue(self, today: dt.date) -> tuple[CaseCounter, str]:
        """The next counter state and the number it issues; store the state before using the number."""
        if self.day is None or today > self.day:
            day, seq = today, 1
        else:
            day, seq = self.day, self.seq + 1
        if seq > MAX_SEQ:
            raise CaseNumbersExhausted(station=f"{self.station_no:03d}", day=day.isoformat(), limit=MAX_SEQ)
        state = CaseCounter(self.station_no, day, seq)
        return state, generate(self.station_no, day, seq)

    def to_dict(self) -> dict[str, int | str | None]:
        return {
            "station_no": self.station_no,
            "day": self.day.isoformat() if self.day else None,
            "seq": self.seq,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> CaseCounter:
        station_no, day, seq = data.get("station_no"), data.get("day"), data.get("seq", 0)
        if not isinstance(station_no, int) or not isinstance(seq, int):
            raise ValueError("counter station_no and seq must be integers")
        if day is not None and not isinstance(day, str):
            raise ValueError("counter day must be an ISO date or null")
        return cls(station_no, dt.date.fromisoformat(day) if day else None, seq)
