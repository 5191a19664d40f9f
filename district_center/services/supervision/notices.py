"""一次性告知 and 不予受理 from stations, and the figures supervision shows of them.

Stations send each notice or refusal (``POST /api/v1/notices``, ``sync.protocol.NoticeBatch``) as a
``casework.notices.NoticeReport``; :func:`record_notices` keeps the newest version of each, per station.
Every field that names a station must name the signing one (its id, and its station number inside the case
number and the number of a case accepted after the notice); anything else is refused by id and never fails
the batch. The applicant and a refusal's free-text reason are sealed (``services/vault``); a notice's reasons
are the catalog's material names.

:func:`notice_figures` counts them per station, per item and per reason, with the share of first visits that
ended in a notice (一次告知率, :func:`casework.notices.notice_share`): per China month of issue, notices ÷
(notices + cases accepted that month without a prior notice). A case's 受理 day is the date its 办件编号
carries (the station's day when it took the number at 受理); a case accepted after a notice is the one a
notice's ``resumed_as`` names.

    result = record_notices(db, station, entries, now=clock.now())     # NoticeResult
    figures = notice_figures(session, reviewer)                          # dict for the console and xlsx
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework import casenumber, clock
from casework.notices import NoticeKind, NoticeReport, NoticeReportError, notice_share
from district_center.db.engine import Database
from district_center.db.models import CaseRecord, NoticeRecord
from district_center.db.sealing import vault_of
from district_center.services.cases.backoffice import BackofficeError, Reviewer, station_labels
from district_center.services.stations.auth import AuthedStation
from sync.protocol import NoticeHeld, NoticeResult

__all__ = ["notice_figures", "notice_rows", "record_notices"]

_RETRIES = 3


def _context(station_id: str, notice_id: str) -> bytes:
    return f"notice:{station_id}:{notice_id}".encode()


def _station_no(number: str) -> int | None:
    try:
        return casenumber.parse(number).station_no
    except ValueError:
        return None


def _own(report: NoticeReport, station: AuthedStation) -> bool:
    """Every station-naming field names the signing station (like a new case's)."""
    if report.station_id != station.id or _station_no(report.case_number) != station.station_no:
        return False
    return not report.resumed_as or _station_no(report.resumed_as) == station.station_no


def record_notices(
    db: Database, station: AuthedStation, entries: Sequence[Any], *, now: datetime
) -> NoticeResult:
    """Store each well-formed record newer than the one held; answer with the version held of each, and the
    ids refused (malformed, or naming another station)."""
    rejected: list[str] = []
    parsed: dict[str, NoticeReport] = {}
    for entry in entries:
        raw = entry.get("id") if isinstance(entry, dict) else None
        try:
            report = NoticeReport.from_dict(entry)
        except NoticeReportError:
            if isinstance(raw, str) and 0 < len(raw) <= 64:
                rejected.append(raw)
            continue
        if not _own(report, station):
            rejected.append(report.id)
            continue
        if report.id not in parsed or parsed[report.id].version < report.version:
            parsed[report.id] = report
    # Two pushes of the same record at once (a station retrying while its first request still runs, or
    # two center instances) race to insert the same (station, notice) row: the loser's transaction rolls
    # back and is run again, and then finds the winner's row.
    for _attempt in range(_RETRIES - 1):
        try:
            return NoticeResult(_store(db, station, parsed, now), rejected)
        except IntegrityError:
            continue
    return NoticeResult(_store(db, station, parsed, now), rejected)


def _store(
    db: Database, station: AuthedStation, parsed: dict[str, NoticeReport], now: datetime
) -> list[NoticeHeld]:
    """One transaction: each record inserted, updated if newer, or left; the versions held, in the order
    received. On
    PostgreSQL an existing row is locked while it is compared, so a concurrent newer version is never
    overwritten by an older one."""
    held: dict[str, NoticeHeld] = {}
    with db.session() as s:
        vault = vault_of(s)
        for report in sorted(parsed.values(), key=lambda r: r.id):  # one lock order for every pusher
            row = s.get(NoticeRecord, (station.id, report.id), with_for_update=db.is_postgres)
            if row is not None and row.version >= report.version:
                held[report.id] = NoticeHeld(report.id, row.version)
                continue
            private: dict[str, Any] = {"applicant": dict(report.applicant)}
            if report.kind is NoticeKind.REFUSAL:
                private["reasons"] = list(report.reasons)
            values: dict[str, Any] = {
                "version": report.version,
                "kind": report.kind.value,
                "number": report.number,
                "case_number": report.case_number,
                "item_code": report.subject,
                "issued_at": report.issued_at,
                "month": clock.china_date(report.issued_at).strftime("%Y-%m"),
                "reasons": list(report.reasons) if report.kind is NoticeKind.NOTICE else [],
                "resumed_as": report.resumed_as,
                "sealed": vault.seal_json(private, context=_context(station.id, report.id)),
                "applicant_id_bidx": vault.blind("id_number", report.applicant.get("id_number") or None),
                "updated_at": now,
            }
            if row is None:
                s.add(NoticeRecord(station_id=station.id, notice_id=report.id, received_at=now, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            held[report.id] = NoticeHeld(report.id, report.version)
    return [held[key] for key in parsed]


def _reasons(s: Session, row: NoticeRecord) -> list[str]:
    if row.kind == NoticeKind.NOTICE.value:
        return list(row.reasons)
    private = vault_of(s).open_json(row.sealed, context=_context(row.station_id, row.notice_id))
    return [str(r) for r in private.get("reasons", [])]


def notice_rows(s: Session, user: Reviewer, *, month: str | None = None) -> list[dict[str, Any]]:
    """Every notice and refusal (of ``month``, a ``YYYY-MM`` China month, if given), newest first, with its
    reasons opened; no applicant data."""
    if not user.supervisor:
        raise BackofficeError("center.notices.supervisors_only")
    stmt = select(NoticeRecord).order_by(NoticeRecord.issued_at.desc())
    if month:
        stmt = stmt.where(NoticeRecord.month == month)
    stations = station_labels(s)
    out = []
    for row in s.scalars(stmt):
        no, name, _area = stations.get(row.station_id, (0, "", ""))
        out.append(
            {
                "station_id": row.station_id,
                "station_no": no,
                "station_name": name,
                "kind": row.kind,
                "number": row.number,
                "item_code": row.item_code,
                "issued_at": row.issued_at,
                "month": row.month,
                "reasons": _reasons(s, row),
                "resumed_as": row.resumed_as,
            }
        )
    return out


def _first_accepted(s: Session, resumed: dict[str, set[str]]) -> list[tuple[str, str, str]]:
    """(station id, China month of 受理, item or bundle code) of each case accepted without a notice."""
    out = []
    for station_id, number, item, bundle in s.execute(
        select(CaseRecord.station_id, CaseRecord.number, CaseRecord.item_code, CaseRecord.bundle_code)
    ):
        if number in resumed.get(station_id, set()):
            continue  # the resident's second visit: the first is the notice
        try:
            day = casenumber.parse(number).day
        except ValueError:
            continue
        out.append((station_id, day.strftime("%Y-%m"), item or bundle or ""))
    return out


def notice_figures(s: Session, user: Reviewer, *, month: str | None = None) -> dict[str, Any]:
    """Counts of notices and refusals per station, per item and per reason, and the 一次告知率 per station,
    per item, per month and overall (``month``: only that China month)."""
    rows = notice_rows(s, user)
    resumed: dict[str, set[str]] = {}
    for r in rows:
        if r["resumed_as"]:
            resumed.setdefault(r["station_id"], set()).add(r["resumed_as"])
    accepted = _first_accepted(s, resumed)
    if month:
        rows = [r for r in rows if r["month"] == month]
        accepted = [a for a in accepted if a[1] == month]
    stations = station_labels(s)

    def bucket() -> dict[str, Any]:
        return {"notices": 0, "refusals": 0, "first_accepted": 0}

    by_station: dict[str, dict[str, Any]] = {}
    by_item: dict[str, dict[str, Any]] = {}
    by_month: dict[str, dict[str, Any]] = {}
    reasons: Counter[tuple[str, str]] = Counter()
    for r in rows:
        key = "notices" if r["kind"] == NoticeKind.NOTICE.value else "refusals"
        by_station.setdefault(r["station_id"], bucket())[key] += 1
        by_item.setdefault(r["item_code"], bucket())[key] += 1
        by_month.setdefault(r["month"], bucket())[key] += 1
        for reason in r["reasons"]:
            reasons[(r["kind"], reason)] += 1
    for station_id, m, item in accepted:
        by_station.setdefault(station_id, bucket())["first_accepted"] += 1
        by_month.setdefault(m, bucket())["first_accepted"] += 1
        by_item.setdefault(item, bucket())["first_accepted"] += 1
    for table in (by_station, by_item, by_month):
        for b in table.values():
            b["share"] = notice_share(b["notices"], b["first_accepted"])
    for station_id, b in by_station.items():
        no, name, _area = stations.get(station_id, (0, station_id, ""))
        b["station_no"], b["label"] = no, f"{no} {name}"
    total = bucket()
    for b in by_station.values():
        for k in ("notices", "refusals", "first_accepted"):
            total[k] += b[k]
    total["share"] = notice_share(total["notices"], total["first_accepted"])
    return {
        "month": month,
        "total": total,
        "by_station": dict(sorted(by_station.items(), key=lambda kv: kv[1]["station_no"])),
        "by_item": dict(sorted(by_item.items())),
        "by_month": dict(sorted(by_month.items())),
        "by_reason": [
            {"kind": kind, "reason": reason, "count": n}
            for (kind, reason), n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "recent": rows[:200],
    }
