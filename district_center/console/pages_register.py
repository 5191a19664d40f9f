"""帮办代办登记 (roles ``reviewer``, ``supervisor``): the register of assisted and proxy filings,
searchable by station, month, helper kind and 办件编号, and exportable as xlsx. A department reviewer
sees their department's filings only (``services.cases.register``)."""

from __future__ import annotations

import io
from typing import Any

from fastapi import APIRouter, Request
from openpyxl import Workbook
from openpyxl.styles import Font
from starlette.responses import Response

from district_center.services.audit import audit
from district_center.services.cases.backoffice import station_labels
from district_center.services.cases.register import list_register
from district_center.services.catalog.sheets import append_text_row

from .pages_supervision import XLSX, _names
from .web import db_read, db_write, render, reviewer_of, signed_in

router = APIRouter(prefix="/register")
AUTHORITY_LABELS = {
    "power_of_attorney": "授权委托书",
    "kinship": "亲属关系",
    "in_person": "本人到场委托帮办",
    "unstated": "未说明",
}
KIND_LABELS = {"worker": "帮办员", "agent": "代理人"}
HEADER = [
    "办件编号",
    "受理时间",
    "受理服务站",
    "事项",
    "部门",
    "类型",
    "代办人",
    "代办人证件",
    "与申请人关系",
    "帮办员工号",
    "代理依据",
    "委托书扫描件",
    "申请人",
]


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    return {k: (q.get(k) or "").strip()[:64] for k in ("station_id", "month", "kind", "number")}


def _rows(request: Request, user: Any) -> Any:
    filters = _filters(request)

    def read(s: Any) -> dict[str, Any]:
        return {
            "rows": list_register(s, reviewer_of(user), **filters),
            "names": _names(s),
            "stations": {k: f"{v[0]} {v[1]}" for k, v in station_labels(s).items()},
        }

    return filters, read


def _cells(r: dict[str, Any], names: dict[str, str]) -> list[Any]:
    return [
        r["number"],
        r["filed_at"],
        r["station"],
        names.get(r["item_code"] or "", r["item_code"] or ""),
        r["department"] or "（一件事）",
        KIND_LABELS.get(r["helper_kind"], r["helper_kind"]),
        r["helper_name"],
        r["helper_id"],
        r["relation"],
        r["worker_id"],
        AUTHORITY_LABELS.get(r["authority"], r["authority"]),
        "已扫描" if r["authority_sha256"] else "",
        r["applicant_name"],
    ]


@router.get("")
async def register(request: Request) -> Response:
    user = await signed_in(request, "reviewer", "supervisor")
    filters, read = _rows(request, user)
    data = await db_read(request, read)
    return render(
        request,
        "register.html",
        user,
        title="帮办代办登记",
        rows=[{**r, "cells": _cells(r, data["names"])} for r in data["rows"]],
        header=HEADER,
        stations=data["stations"],
        filters=filters,
        kinds=KIND_LABELS,
        query=str(request.url.query),
    )


def register_workbook(rows: list[dict[str, Any]], names: dict[str, str]) -> bytes:
    """The register as one sheet; every text cell goes through ``append_text_row`` (names and relations
    come from stations: kept as text, never a formula)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "帮办代办登记"
    append_text_row(ws, HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        append_text_row(ws, _cells(r, names))
    for i, _ in enumerate(HEADER, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@router.get("/export.xlsx")
async def export(request: Request) -> Response:
    user = await signed_in(request, "reviewer", "supervisor")
    _, read = _rows(request, user)
    data = await db_read(request, read)
    await db_write(
        request, lambda s: audit(s, user.actor, "register.export", "register", rows=len(data["rows"]))
    )
    return Response(
        register_workbook(data["rows"], data["names"]),
        media_type=XLSX,
        headers={"content-disposition": 'attachment; filename="assisted-filings.xlsx"'},
    )
