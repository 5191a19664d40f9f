"""Applicant identity checks: 居民身份证号码 (GB 11643), 统一社会信用代码 (GB 32100), phone numbers,
证件类型 codes, and the applicant / agent (申请人 / 代理人) records a case carries.

Two layers:

* ``is_valid_*`` return a bool, for filters and assertions;
* ``*_problem`` return ``None`` when the value is fine, else a :class:`casework.problems.Problem` (a message
  code with params, worded in either language, with a plainer ``.plain`` wording for residents);
* ``check_*`` return that problem in words (the current language): one sentence a community worker can act on.

>>> is_valid_resident_id("11010519491231002X")
True
>>> check_resident_id("110105194912310021")
'身份证号码校验位不正确（最后一位应为 X），请核对后重新输入'
>>> birth_date_from_resident_id("11010519491231002X")
datetime.date(1949, 12, 31)

Case of the check character: GB 11643 writes the check value 10 as an upper-case ``X``.
``is_valid_resident_id`` accepts **only** the canonical form (digits and upper-case X, no spaces) so stored
numbers compare equal; input from a keyboard goes through :func:`normalize_resident_id` first (strips
spaces, upper-cases ``x``), and ``check_resident_id`` says so when it sees a lower-case ``x``.

Hazards: a valid checksum proves nothing about the person — identity is verified against the card (身份核验).
Some early pilot 统一社会信用代码 (e.g. a few issued in Fujian before GB 32100-2015) fail the checksum
although they are real; the message asks the worker to compare with the 营业执照 rather than calling the
code fake.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from casework import clock
from casework.blobref import BlobRef
from casework.problems import Problem

__all__ = [
    "AUTHORITIES",
    "AUTHORITY_IN_PERSON",
    "AUTHORITY_KINSHIP",
    "AUTHORITY_POWER_OF_ATTORNEY",
    "ID_TYPES",
    "ORGANIZATION_ID_TYPES",
    "PERSON_ID_TYPES",
    "USCC_ALPHABET",
    "Agent",
    "Applicant",
    "ApplicantKind",
    "Sex",
    "birth_date_from_resident_id",
    "check_applicant_and_agent",
    "check_id_number",
    "check_mobile",
    "check_phone",
    "check_resident_id",
    "check_uscc",
    "id_number_problem",
    "is_valid_mobile",
    "is_valid_phone",
    "is_valid_resident_id",
    "is_valid_uscc",
    "mask_id_number",
    "mobile_problem",
    "normalize_resident_id",
    "normalize_uscc",
    "phone_problem",
    "resident_id_check_char",
    "resident_id_problem",
    "sex_from_resident_id",
    "uscc_check_char",
    "uscc_problem",
]

# ---------------------------------------------------------------------------------------------------------
# 证件类型 (identity document types). Codes as used by GB/T 39046 办件 data and the national 政务服务平台
# (GA/T 517 lineage for persons; 001/099 for organisations as 电子证照 持证主体 codes use them).
# ---------------------------------------------------------------------------------------------------------

PERSON_ID_TYPES: dict[str, str] = {
    "111": "居民身份证",
    "112": "临时居民身份证",
    "113": "户口簿",
    "114": "中国人民解放军军官证",
    "115": "中国人民武装警察部队警官证",
    "117": "出生医学证明",
    "414": "普通护照",
    "511": "台湾居民来往大陆通行证",
    "513": "往来港澳通行证",
    "516": "港澳居民来往内地通行证",
    "553": "外国人永久居留身份证",
    "999": "其他自然人有效证件",
}
ORGANIZATION_ID_TYPES: dict[str, str] = {
    "001": "统一社会信用代码",
    "099": "其他法人或其他组织有效证件",
}
ID_TYPES: dict[str, str] = {**PERSON_ID_TYPES, **ORGANIZATION_ID_TYPES}

# Document types whose number is a GB 11643 citizen number (a 户口簿 page carries the same number).
_RESIDENT_ID_TYPES = frozenset({"111", "112", "113"})

# ---------------------------------------------------------------------------------------------------------
# 居民身份证号码 GB 11643-1999
# ---------------------------------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
# First two digits of the GB/T 2260 region code: provinces, plus 81/82/83 used by the 居住证 numbers
# issued to Hong Kong, Macao and Taiwan residents.
_PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    }
)
_EARLIEST_BIRTH = dt.date(1900, 1, 1)


class Sex(StrEnum):
    """Sex encoded by the parity of the 顺序码 (digit 17): odd = male, even = female."""

    MALE = "男"
    FEMALE = "女"


def normalize_resident_id(s: str) -> str:
    """Strip whitespace and upper-case the check character: ``" 11010519491231002x "`` → ``"…002X"``."""
    return "".join(s.split()).upper()


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for 17 digits. Raises ``ValueError`` on anything else."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError(f"need exactly 17 digits, got {len(first17)} characters")  # never echo the number
    total = sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def _birth_date(s: str) -> dt.date | None:
    try:
        return dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return None


def resident_id_problem(s: str, *, today: dt.date | None = None) -> Problem | None:
    """Why ``s`` is not a canonical 18-character 居民身份证号码 (a :class:`Problem` with an
    ``identity.resident_id.*`` code), or ``None`` if it is. ``today`` bounds the birth date (defaults to
    the China date; pass it in tests and on the center)."""
    if not s:
        return Problem("identity.resident_id.empty")
    if len(s) == 15 and s.isascii() and s.isdigit():
        return Problem("identity.resident_id.old_15")
    if len(s) != 18:
        return Problem("identity.resident_id.length", {"length": len(s)})
    body, check = s[:17], s[17]
    if not (body.isascii() and body.isdigit()):
        return Problem("identity.resident_id.body_digits")
    if check == "x":
        return Problem("identity.resident_id.lower_x")
    if check != "X" and not (check.isascii() and check.isdigit()):
        return Problem("identity.resident_id.last_char")
    if body[:2] not in _PROVINCES:
        return Problem("identity.resident_id.province", {"prefix": body[:2]})
    born = _birth_date(s)
    if born is None:
        return Problem("identity.resident_id.birth_invalid", {"digits": body[6:14]})
    if born < _EARLIEST_BIRTH:
        return Problem("identity.resident_id.birth_before_1900")
    if born > (today or clock.china_today()):
        return Problem("identity.resident_id.birth_future")
    expected = resident_id_check_char(body)
    if check != expected:
        return Problem("identity.resident_id.check", {"expected": expected})
    return None


def check_resident_id(s: str, *, today: dt.date | None = None) -> str | None:
    """Why ``s`` is not a canonical 18-character 居民身份证号码, in the current language; ``None`` if it is
    (:func:`resident_id_problem` put into words)."""
    return _words(resident_id_problem(s, today=today))


def _words(problem: Problem | None) -> str | None:
    return None if problem is None else problem.text()


def is_valid_resident_id(s: str, *, today: dt.date | None = None) -> bool:
    """True for a canonical 18-character number with a correct check character and a real birth date
    between 1900-01-01 and ``today``. Lower-case ``x`` is rejected: normalise input first."""
    return check_resident_id(s, today=today) is None


def birth_date_from_resident_id(s: str) -> dt.date:
    """出生日期 of a valid number. Raises ``ValueError`` if ``s`` is not valid (ignoring the future bound)."""
    if check_resident_id(s, today=dt.date.max) is not None:
        raise ValueError(f"not a valid resident ID number: {mask_id_number(s)}")
    born = _birth_date(s)
    assert born is not None  # checked above
    return born


def sex_from_resident_id(s: str) -> Sex:
    """性别 of a valid number. Raises ``ValueError`` if ``s`` is not valid."""
    if check_resident_id(s, today=dt.date.max) is not None:
        raise ValueError(f"not a valid resident ID number: {mask_id_number(s)}")
    return Sex.MALE if int(s[16]) % 2 == 1 else Sex.FEMALE


# ---------------------------------------------------------------------------------------------------------
# 统一社会信用代码 GB 32100-2015
# ---------------------------------------------------------------------------------------------------------

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalize_uscc(s: str) -> str:
    """Strip whitespace and upper-case: the code is printed in capitals on the 营业执照."""
    return "".join(s.split()).upper()


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters. Raises ``ValueError`` on bad input."""
    if len(first17) != 17 or any(c not in _USCC_VALUE for c in first17):
        raise ValueError(f"need 17 characters from {USCC_ALPHABET}, got {first17!r}")
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(s: str) -> Problem | None:
    """Why ``s`` is not a canonical 统一社会信用代码 (``identity.uscc.*``), or ``None`` if it is."""
    if not s:
        return Problem("identity.uscc.empty")
    if len(s) != 18:
        return Problem("identity.uscc.length", {"length": len(s)})
    bad = sorted({c for c in s if c not in _USCC_VALUE})
    if bad:
        return Problem("identity.uscc.chars", {"chars": bad})
    expected = uscc_check_char(s[:17])
    if s[17] != expected:
        return Problem("identity.uscc.check", {"expected": expected})
    return None


def check_uscc(s: str) -> str | None:
    """Why ``s`` is not a canonical 统一社会信用代码, in the current language; ``None`` if it is."""
    return _words(uscc_problem(s))


def is_valid_uscc(s: str) -> bool:
    """True for 18 characters over GB 32100's 31-symbol alphabet with a correct check character."""
    return check_uscc(s) is None


# ---------------------------------------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}-?[1-9][0-9]{6,7}(?:-[0-9]{1,6})?")


def is_valid_mobile(s: str) -> bool:
    """Mainland mobile number: 11 digits ``1[3-9]xxxxxxxxx``, no spaces, no ``+86``."""
    return _MOBILE.fullmatch(s) is not None


def is_valid_phone(s: str) -> bool:
    """Mobile number or landline with area code (``029-86785189``, optional extension ``-123``)."""
    return is_valid_mobile(s) or _LANDLINE.fullmatch(s) is not None


def mobile_problem(s: str) -> Problem | None:
    """Why ``s`` is not a mainland mobile number (``identity.mobile.*``), or ``None``."""
    if not s:
        return Problem("identity.mobile.empty")
    return None if is_valid_mobile(s) else Problem("identity.mobile.format")


def check_mobile(s: str) -> str | None:
    """Why ``s`` is not a mainland mobile number, in the current language, or ``None``."""
    return _words(mobile_problem(s))


def phone_problem(s: str) -> Problem | None:
    """Why ``s`` is neither a mobile number nor a landline with area code (``identity.phone.*``), or None."""
    if not s:
        return Problem("identity.phone.empty")
    return None if is_valid_phone(s) else Problem("identity.phone.format")


def check_phone(s: str) -> str | None:
    """Why ``s`` is neither a mobile number nor a landline with area code, in the current language, or
    ``None``."""
    return _words(phone_problem(s))


# ---------------------------------------------------------------------------------------------------------
# Numbers by document type, masking
# ---------------------------------------------------------------------------------------------------------


def id_number_problem(id_type: str, number: str, *, today: dt.date | None = None) -> Problem | None:
    """Check ``number`` as a number of 证件类型 ``id_type``. GB 11643 for 111/112/113, GB 32100 for 001,
    otherwise only presence and length (≤ 50 characters, no whitespace) since other documents have no
    public checksum."""
    if id_type not in ID_TYPES:
        return Problem("identity.id_type.unknown", {"id_type": id_type})
    if id_type in _RESIDENT_ID_TYPES:
        return resident_id_problem(number, today=today)
    if id_type == "001":
        return uscc_problem(number)
    label = {"id_type_code": f"id_type.{id_type}"}
    if not number:
        return Problem("identity.other.empty", label)
    if len(number) > 50 or any(c.isspace() for c in number):
        return Problem("identity.other.format", label)
    return None


def check_id_number(id_type: str, number: str, *, today: dt.date | None = None) -> str | None:
    """:func:`id_number_problem` in the current language, or ``None``."""
    return _words(id_number_problem(id_type, number, today=today))


def mask_id_number(number: str) -> str:
    """Mask a document number for printing: first 4 and last 4 characters kept,
    ``"610102199001011234"`` → ``"6101**********1234"``. Numbers of 8 characters or fewer keep only the
    last 2."""
    if len(number) <= 8:
        return "*" * max(len(number) - 2, 0) + number[-2:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


# ---------------------------------------------------------------------------------------------------------
# Applicant (申请人) and agent (代理人)
# ---------------------------------------------------------------------------------------------------------


class ApplicantKind(StrEnum):
    """服务对象: a natural person or a legal person / other organisation."""

    PERSON = "自然人"
    ORGANIZATION = "法人或其他组织"


def _str(data: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise ValueError(f"field {key!r} must be a string, got {type(value).__name__}")  # no personal data
    return value


@dataclass(slots=True)
class Applicant:
    """申请人. For an organisation ``id_type`` is usually ``"001"`` and ``legal_representative`` (法定代表人 /
    负责人) is required.

    >>> a = Applicant(ApplicantKind.PERSON, "张三", "111", "11010519491231002X", "13800138000", "西安市…")
    >>> a.validate(today=dt.date(2026, 1, 1))
    []
    """

    kind: ApplicantKind
    name: str
    id_type: str
    id_number: str
    phone: str
    address: str = ""
    legal_representative: str = ""
    legal_representative_id_number: str = ""

    def validate(self, *, today: dt.date | None = None) -> list[str]:
        """Every problem, in the current language; empty when the record is complete."""
        return [p.text() for p in self.problems(today=today)]

    def problems(self, *, today: dt.date | None = None) -> list[Problem]:
        """Every problem as a :class:`Problem` (code and params, worded in either language)."""
        problems: list[Problem] = []
        if not self.name.strip():
            problems.append(Problem("identity.applicant.name_empty"))
        id_type = {"id_type_code": f"id_type.{self.id_type}"}
        if self.kind is ApplicantKind.PERSON and self.id_type in ORGANIZATION_ID_TYPES:
            problems.append(Problem("identity.applicant.person_id_type", id_type))
        if self.kind is ApplicantKind.ORGANIZATION and self.id_type in PERSON_ID_TYPES:
            problems.append(Problem("identity.applicant.organization_id_type", id_type))
        problem = id_number_problem(self.id_type, self.id_number, today=today)
        if problem:
            problems.append(problem)
        problem = phone_problem(self.phone)
        if problem:
            problems.append(problem)
        if self.kind is ApplicantKind.ORGANIZATION:
            if not self.legal_representative.strip():
                problems.append(Problem("identity.applicant.representative_empty"))
            if self.legal_representative_id_number:
                problem = resident_id_problem(self.legal_representative_id_number, today=today)
                if problem:
                    problems.append(
                        Problem("identity.applicant.representative_problem", {"problem": problem})
                    )
        elif self.legal_representative or self.legal_representative_id_number:
            problems.append(Problem("identity.applicant.person_representative"))
        return problems

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "name": self.name,
            "id_type": self.id_type,
            "id_number": self.id_number,
            "phone": self.phone,
            "address": self.address,
            "legal_representative": self.legal_representative,
            "legal_representative_id_number": self.legal_representative_id_number,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Applicant:
        return cls(
            kind=ApplicantKind(_str(data, "kind")),
            name=_str(data, "name"),
            id_type=_str(data, "id_type"),
            id_number=_str(data, "id_number"),
            phone=_str(data, "phone"),
            address=_str(data, "address", ""),
            legal_representative=_str(data, "legal_representative", ""),
            legal_representative_id_number=_str(data, "legal_representative_id_number", ""),
        )


#: 帮办代办 authority kinds (:attr:`Agent.authority`).
AUTHORITY_POWER_OF_ATTORNEY = "power_of_attorney"  # 授权委托书 (scanned)
AUTHORITY_KINSHIP = "kinship"  # 亲属关系 (stated at the window)
AUTHORITY_IN_PERSON = "in_person"  # 本人到场委托帮办 (a station worker helps the applicant present)
AUTHORITIES = (AUTHORITY_POWER_OF_ATTORNEY, AUTHORITY_KINSHIP, AUTHORITY_IN_PERSON)


def _scan_in(value: object) -> BlobRef | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError("field 'authority_scan' must be a scan reference {sha256, size, mime}")
    return BlobRef.from_dict(value)


@dataclass(slots=True)
class Agent:
    """代理人: someone applying on the applicant's behalf, or a station worker acting as 帮办员 (帮办代办).

    ``relation`` is the relation to the applicant (子女, 配偶, 受托人 …); a 帮办员 needs ``worker_id``
    instead, and ``relation`` defaults to "帮办代办" for display.

    ``authority`` is what the agent acts on (帮办代办登记): :data:`AUTHORITY_POWER_OF_ATTORNEY` (a 授权委托书,
    scanned: ``authority_scan``), :data:`AUTHORITY_KINSHIP` (the relation stated at the window) or, for a
    帮办员, :data:`AUTHORITY_IN_PERSON` (the applicant asked for help at the window). Empty in records from
    before it was asked: read :attr:`authority_kind`.
    """

    name: str
    id_type: str
    id_number: str
    phone: str
    relation: str = ""
    is_station_worker: bool = False
    worker_id: str = ""
    authority: str = ""
    authority_scan: BlobRef | None = None

    def validate(self, *, today: dt.date | None = None) -> list[str]:
        """Every problem, in the current language; empty when the record is complete."""
        return [p.text() for p in self.problems(today=today)]

    def problems(self, *, today: dt.date | None = None) -> list[Problem]:
        """Every problem as a :class:`Problem` (code and params, worded in either language)."""
        problems: list[Problem] = []
        if not self.name.strip():
            problems.append(Problem("identity.agent.name_empty"))
        if self.id_type not in PERSON_ID_TYPES:
            problems.append(Problem("identity.agent.id_type"))
        else:
            problem = id_number_problem(self.id_type, self.id_number, today=today)
            if problem:
                problems.append(Problem("identity.agent.problem", {"problem": problem}))
        problem = phone_problem(self.phone)
        if problem:
            problems.append(Problem("identity.agent.problem", {"problem": problem}))
        kind = self.authority_kind
        if kind not in AUTHORITIES:
            problems.append(Problem("identity.agent.authority_invalid"))
        if self.is_station_worker:
            if not self.worker_id.strip():
                problems.append(Problem("identity.agent.worker_id_empty"))
        elif kind == AUTHORITY_POWER_OF_ATTORNEY:
            if self.authority_scan is None:
                problems.append(Problem("identity.agent.authority_scan_missing"))
        elif kind == AUTHORITY_IN_PERSON:
            problems.append(Problem("identity.agent.in_person_worker_only"))
        elif not self.relation.strip():
            problems.append(Problem("identity.agent.relation_empty"))
        return problems

    @property
    def authority_kind(self) -> str:
        """The authority recorded, or for older records the one implied: a 帮办员 helps the applicant in
        person, anyone else stated a relation."""
        if self.authority:
            return self.authority
        return AUTHORITY_IN_PERSON if self.is_station_worker else AUTHORITY_KINSHIP

    @property
    def relation_label(self) -> str:
        if self.relation:
            return self.relation
        if self.is_station_worker:
            return "帮办代办"
        return "受托人" if self.authority_kind == AUTHORITY_POWER_OF_ATTORNEY else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "id_type": self.id_type,
            "id_number": self.id_number,
            "phone": self.phone,
            "relation": self.relation,
            "is_station_worker": self.is_station_worker,
            "worker_id": self.worker_id,
            "authority": self.authority,
            "authority_scan": None if self.authority_scan is None else self.authority_scan.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Agent:
        flag = data.get("is_station_worker", False)
        if not isinstance(flag, bool):
            raise ValueError(f"field 'is_station_worker' must be a boolean, got {type(flag).__name__}")
        return cls(
            name=_str(data, "name"),
            id_type=_str(data, "id_type"),
            id_number=_str(data, "id_number"),
            phone=_str(data, "phone"),
            relation=_str(data, "relation", ""),
            is_station_worker=flag,
            worker_id=_str(data, "worker_id", ""),
            authority=_str(data, "authority", ""),
            authority_scan=_scan_in(data.get("authority_scan")),
        )


def check_applicant_and_agent(
    applicant: Applicant, agent: Agent | None, *, today: dt.date | None = None
) -> list[str]:
    """All problems of an application's applicant and optional agent together, including
    "代理人不能是申请人本人", in the current language."""
    problems = applicant.problems(today=today)
    if agent is not None:
        problems += agent.problems(today=today)
        if (
            applicant.kind is ApplicantKind.PERSON
            and agent.id_type == applicant.id_type
            and agent.id_number == applicant.id_number
        ):
            problems.append(Problem("identity.agent.is_applicant"))
    return [p.text() for p in problems]
