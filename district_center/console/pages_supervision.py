"""电子监察 pages (role ``supervisor``): deadlines, 好差评 as SVG, 差评回访, station health, xlsx export."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from casework.cases import RatingLevel
from district_center.db.models import CaseRecord
from district_center.services.audit import audit
from district_center.services.cases.backoffice import (
    station_labels,
)
from district_center.services.catalog.current import current_catalog
from district_center.services.catalog.sheets import append_text_row
from district_center.services.supervision.deadlines import deadline_report
from district_center.services.supervision.notices import notice_figures
from district_center.services.supervision.ratings import close_followup, list_followups, rating_statistics
from district_center.services.supervision.rectification import (
    BY,
    coverage_report,
    record_call_revisit,
    record_rectification,
)

from .charts import Bar, bar_chart
from .health import station_health
from .web import checked_form, db_read, db_write, form_text, redirect, render, reviewer_of, signed_in

router = APIRouter(prefix="/supervision")
TARGET_RATE = 0.9  # 满意率 under this is drawn in the warning colour
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
GROUP_TITLES = {"month": "按月", "item": "按事项", "station": "按服务站"}
COVERAGE_TITLES = {"station": "按服务站", "department": "按部门"}


def _names(s: Session) -> dict[str, str]:
    catalog = current_catalog(s)
    if catalog is None:
        return {}
    return {**{i.code: i.name for i in catalog.items}, **{b.code: b.name for b in catalog.bundles}}


def _overview(s: Session, user: Any) -> dict[str, Any]:
    reviewer = reviewer_of(user)
    names = _names(s)
    ratings = {g: rating_statistics(s, reviewer, group=g) for g in GROUP_TITLES}
    for row in ratings["item"]:
        row["label"] = names.get(row["group"], row["group"])
    notices = notice_figures(s, reviewer)
    for code, row in notices["by_item"].items():
        row["label"] = names.get(code, code)
    return {
        "notices": notices,
        "deadlines": deadline_report(s, reviewer),
        "ratings": ratings,
        "followups": list_followups(s, reviewer, status="open"),
        "coverage": {by: coverage_report(s, reviewer, by=by) for by in BY},
        "stations": station_health(s),
        "names": names,  # item and bundle codes -> names, wherever a row has only the code
    }


def _chart(rows: list[dict[str, Any]], group: str) -> Any:
    bars = [
        Bar(
            r["label"],
            r["satisfied_rate"],
            f"{r['satisfied_rate'] * 100:.1f}%（{r['total']} 件）",
            warn=r["satisfied_rate"] < TARGET_RATE,
        )
        for r in rows
    ]
    return bar_chart(bars, title=f"满意率（非常满意＋满意）{GROUP_TITLES[group]}", chart_id=f"chart-{group}")


@router.get("")
async def overview(request: Request) -> Response:
    user = await signed_in(request, "supervisor")
    data = await db_read(request, lambda s: _overview(s, user))
    all_ratings = data["ratings"]["month"]
    total = sum(r["total"] for r in all_ratings)
    satisfied = sum(r["satisfied_rate"] * r["total"] for r in all_ratings)
    charts = {g: _chart(rows, g) for g, rows in data["ratings"].items()}
    return render(
        request,
        "supervision.html",
        user,
        title="电子监察",
        d=data,
        charts=charts,
        coverage_titles=COVERAGE_TITLES,
        total_ratings=total,
        overall_rate=(satisfied / total if total else None),
    )


@router.get("/followups")
async def followups(request: Request) -> Response:
    """差评回访整改: supervisors see all; a department reviewer sees and rectifies their department's."""
    user = await signed_in(request, "supervisor", "reviewer")
    status = request.query_params.get("status", "open")
    status = status if status in ("open", "closed", "all") else "open"
    rows = await db_read(
        request, lambda s: list_followups(s, reviewer_of(user), status=None if status == "all" else status)
    )
    names = await db_read(request, _names)
    stations = await db_read(request, lambda s: {k: f"{v[0]} {v[1]}" for k, v in station_labels(s).items()})
    ids = [f["case_id"] for f in rows]
    numbers = await db_read(
        request,
        lambda s: (
            dict(s.execute(select(CaseRecord.id, CaseRecord.number).where(CaseRecord.id.in_(ids))).all())
            if ids
            else {}
        ),
    )
    return render(
        request,
        "followups.html",
        user,
        title="差评回访",
        rows=rows,
        status=status,
        names=names,
        stations=stations,
        numbers=numbers,
        supervisor=user.has("supervisor"),
        levels=[lv.value for lv in RatingLevel],
    )


@router.post("/followups/{followup_id}/rectify")
async def rectify(request: Request, followup_id: int) -> Response:
    user = await signed_in(request, "supervisor", "reviewer")
    form = await checked_form(request, user)
    text = form_text(form, "rectification", 2000)
    await db_write(request, lambda s: record_rectification(s, reviewer_of(user), followup_id, text))
    return redirect(request, "/supervision/followups", "msg.rectified")


@router.post("/followups/{followup_id}/revisit")
async def revisit(request: Request, followup_id: int) -> Response:
    user = await signed_in(request, "supervisor")
    form = await checked_form(request, user)
    level, comment = form_text(form, "level", 20), form_text(form, "comment", 500)
    await db_write(request, lambda s: record_call_revisit(s, reviewer_of(user), followup_id, level, comment))
    return redirect(request, "/supervision/followups", "msg.revisit_recorded")


@router.post("/followups/{followup_id}/close")
async def close(request: Request, followup_id: int) -> Response:
    user = await signed_in(request, "supervisor")
    form = await checked_form(request, user)
    resolution = form_text(form, "resolution", 2000)
    await db_write(request, lambda s: close_followup(s, reviewer_of(user), followup_id, resolution))
    return redirect(request, "/supervision/followups", "msg.followup_closed")


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]]) -> None:
    """One sheet; every text cell goes through ``catalog_sheets.append_text_row`` (kept as text, never a
    formula: station, department and item names are user-supplied)."""
    ws = wb.create_sheet(title)
    append_text_row(ws, header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        append_text_row(ws, [v.replace(tzinfo=None) if isinstance(v, datetime) else v for v in row])
    for i, _ in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = 18


def export_workbook(data: dict[str, Any]) -> bytes:
    """The 电子监察 workbook; every item is named (``data["names"]``: code -> name), never a bare code."""
    names: dict[str, str] = data.get("names", {})
    wb = Workbook()
    wb.remove(wb.active)
    _sheet(
        wb,
        "超期与临期办件",
        ["办件编号", "事项", "部门", "受理服务站", "状态", "承诺办结", "剩余时限", "超期"],
        [
            [
                c["number"],
                c["name"] or names.get(c["item_code"], c["item_code"]),
                c["department"],
                f"{c['station_no']} {c['station_name']}",
                c["status_label"],
                c["promised_date"],
                c["deadline"]["text"],
                "是" if c["overdue"] else "否",
            ]
            for c in data["deadlines"]["cases"]
        ],
    )
    _sheet(
        wb,
        "按部门统计",
        ["部门", "超期", "临期"],
        [[k, v["overdue"], v["soon_due"]] for k, v in sorted(data["deadlines"]["by_department"].items())],
    )
    for group, rows in data["ratings"].items():
        _sheet(
            wb,
            f"好差评{GROUP_TITLES[group]}",
            ["分组", "评价数", "满意率", "差评率", "非常满意", "满意", "基本满意", "不满意", "非常不满意"],
            [
                [r["label"], r["total"], r["satisfied_rate"], r["bad_rate"], *r["levels"].values()]
                for r in rows
            ],
        )
    notices = data["notices"]
    share_head = ["一次性告知", "不予受理", "首次来办即受理", "一次告知率"]

    def counts(b: dict[str, Any]) -> list[Any]:
        return [b["notices"], b["refusals"], b["first_accepted"], b["share"]]

    _sheet(
        wb,
        "一次告知按服务站",
        ["服务站", *share_head],
        [[b["label"], *counts(b)] for b in notices["by_station"].values()],
    )
    _sheet(
        wb,
        "一次告知按事项",
        ["事项编码", "事项", *share_head],
        [[code, b["label"], *counts(b)] for code, b in notices["by_item"].items()],
    )
    _sheet(
        wb, "一次告知按月", ["月份", *share_head], [[m, *counts(b)] for m, b in notices["by_month"].items()]
    )
    _sheet(
        wb,
        "告知与不予受理原因",
        ["类别", "原因", "件数"],
        [
            ["一次性告知" if r["kind"] == "notice" else "不予受理", r["reason"], r["count"]]
            for r in notices["by_reason"]
        ],
    )
    _sheet(
        wb,
        "差评回访",
        ["办件", "事项", "评价", "部门", "回访期限", "状态", "是否超期"],
        [
            [
                f["case_id"],
                names.get(f.get("item_code") or "", f.get("item_code") or ""),
                f["rating"],
                f["department"],
                f["due_date"],
                f["status"],
                "是" if f.get("overdue") else "否",
            ]
            for f in data["followups"]
        ],
    )
    for by, rows in data["coverage"].items():
        _sheet(
            wb,
            f"参评率与整改率{COVERAGE_TITLES[by]}",
            ["分组", "月份", "送达", "已评价", "参评率", "差评", "已整改", "整改率"],
            [
                [
                    r["label"],
                    r["month"],
                    r["delivered"],
                    r["rated"],
                    r["participation_rate"],
                    r["poor"],
                    r["rectified"],
                    r["rectification_rate"],
                ]
                for r in rows
            ],
        )
    _sheet(
        wb,
        "服务站运行",
        [
            "编号",
            "名称",
            "状态",
            "最近联系(UTC)",
            "待同步事件",
            "在办办件",
            "应用版本",
            "目录版本",
            "近7天同步错误",
        ],
        [
            [
                h["station_no"],
                h["name"],
                h["status"],
                h["last_seen_at"],
                h["backlog"],
                h["open_cases"],
                h["app_version"],
                h["catalog_version"],
                h["error_count"],
            ]
            for h in data["stations"]
        ],
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@router.get("/export.xlsx")
async def export(request: Request) -> Response:
    user = await signed_in(request, "supervisor")
    data = await db_read(request, lambda s: _overview(s, user))
    await db_write(request, lambda s: audit(s, user.actor, "supervision.export", "supervision"))
    return Response(
        export_workbook(data),
        media_type=XLSX,
        headers={"content-disposition": 'attachment; filename="supervision.xlsx"'},
    )
