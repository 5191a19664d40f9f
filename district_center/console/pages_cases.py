"""Back office pages (后台审批): the queue, a case, its scans, and the reviewer's actions.

Every action calls the ``district_center.services.cases.backoffice`` function the API calls, inside one
write transaction, so the feed events that carry the change back to the station(s) and the audit record
commit with it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import Response, StreamingResponse

from casework.cases import CaseResult, MissingMaterial
from district_center.db.models import Station
from district_center.services.audit import audit
from district_center.services.cases.backoffice import (
    BackofficeError,
    accept_for_review,
    add_result_document,
    case_blob_key,
    case_detail,
    decide,
    load_case,
    mark_result_ready,
    mark_supplied,
    request_supplement,
    route_tongban,
    waive_deferred,
)
from district_center.services.cases.lookup import ApplicantQuery, lookup_token
from district_center.services.catalog.current import current_catalog

from .queue import STATUS_GROUPS, QueueFilter, queue_page
from .web import (
    ConsoleError,
    actor_names,
    center_of,
    checked_form,
    db_read,
    db_write,
    form_text,
    form_texts,
    redirect,
    render,
    reviewer_of,
    signed_in,
)

router = APIRouter()
STAFF = ("reviewer", "supervisor")
SNIFF = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"))


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        raise ConsoleError(400, f"日期格式不正确：{value}（应为 年-月-日）") from None


@router.get("/cases")
async def queue(request: Request) -> Response:
    user = await signed_in(request, *STAFF)
    q = request.query_params
    status = q.get("status", "open")
    f = QueueFilter(
        status=status,
        station_no=_int(q.get("station")),
        number=q.get("number", "").strip()[:64],
        who=q.get("who", "").strip()[:64],
        due_before=(_date(q.get("due_before", "")) or None) and q.get("due_before"),
        department=(q.get("department") or None) if user.has("supervisor") else None,
    )
    page_no = _int(q.get("page"), 1) or 1
    page = await db_read(request, lambda s: queue_page(s, reviewer_of(user), f, page=page_no))
    stations = await db_read(
        request,
        lambda s: [
            (st.station_no, st.name) for st in s.scalars(select(Station).order_by(Station.station_no))
        ],
    )
    keep = {k: v for k, v in q.items() if k not in ("page", "msg") and v}
    return render(
        request,
        "queue.html",
        user,
        title="待办办件",
        page=page,
        f=f,
        groups=STATUS_GROUPS,
        stations=stations,
        keep=keep,
    )


def _materials_to_ask(s: Session, detail: dict[str, Any]) -> list[dict[str, str]]:
    """What a reviewer can tick in 补齐补正: the item's catalog materials — for a 一件事 bundle only the
    materials of the reviewer's own sub-items (``my_items``; a supervisor, who does not act, sees all) — then
    any the case recorded (already scoped by ``case_detail``) that the catalog no longer lists."""
    catalog = current_catalog(s)
    out: dict[str, dict[str, str]] = {}
    if catalog is not None:
        item_code, bundle_code = detail["item_code"], detail["bundle_code"]
        # A case may name an item or bundle the current catalog no longer has: then only what the case
        # recorded is offered (below). A published catalog is validated, so a known bundle's items exist.
        if item_code and catalog.has_item(item_code):
            for m in catalog.item(item_code).materials:
                out[m.code] = {"code": m.code, "name": m.name, "necessity": m.necessity.value}
        elif bundle_code and any(b.code == bundle_code for b in catalog.bundles):
            mine = detail.get("my_items")
            for mm in catalog.materials_for(bundle_code):
                if mine is not None and not set(mine).intersection(mm.item_codes):
                    continue
                m = mm.material
                out[m.code] = {"code": m.code, "name": m.name, "necessity": m.necessity.value}
    for m in detail["materials"]:
        out.setdefault(m["code"], {"code": m["code"], "name": m["name"], "necessity": ""})
    return list(out.values())


def _item_names(s: Session, detail: dict[str, Any]) -> dict[str, str]:
    """实施编码 → 事项名称 of the case's items (a 33-digit code means nothing to a reviewer)."""
    catalog = current_catalog(s)
    codes = [detail.get("item_code"), *(sc.get("item_code") for sc in detail["case"].get("sub_cases", []))]
    codes += list(detail.get("my_items") or [])
    if catalog is None:
        return {}
    return {c: catalog.item(c).name for c in codes if c and catalog.has_item(c)}


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str) -> Response:
    user = await signed_in(request, *STAFF)

    def load(s: Session) -> dict[str, Any]:
        detail = case_detail(s, reviewer_of(user), case_id)
        detail["ask"] = _materials_to_ask(s, detail)
        detail["actors"] = actor_names(s)
        detail["item_names"] = _item_names(s, detail)
        return detail

    detail = await db_read(request, load)
    return _case_response(request, user, detail, can_act=user.has("reviewer"))


def _case_response(request: Request, user: Any, detail: dict[str, Any], **context: Any) -> Response:
    return render(
        request,
        "case.html",
        user,
        title=f"办件 {detail['number']}",
        d=detail,
        actors=detail["actors"],
        **context,
    )


@router.post("/cases/{case_id}/reveal")
async def reveal_id_number(request: Request, case_id: str) -> Response:
    """显示完整证件号码: a reviewer who may act on the case states why (e.g. checking it against a scan); the
    full number is shown on this one response (never in a URL, never cached) and the reveal, with the
    reason, goes to the audit log. Without a reason nothing is shown."""
    user = await signed_in(request, "reviewer")
    form = await checked_form(request, user)
    reason = form_text(form, "reason", 500)
    if not reason:
        raise ConsoleError(400, "请说明查看完整证件号码的理由（例如：与扫描件核对）")

    def load(s: Session) -> dict[str, Any]:
        detail = case_detail(s, reviewer_of(user), case_id)  # 403 / 404 for a case the user may not see
        audit(s, user.actor, "case.id_number_revealed", f"case:{case_id}", reason=reason)
        detail["ask"] = _materials_to_ask(s, detail)
        detail["actors"] = actor_names(s)
        return detail

    detail = await db_write(request, load)
    response = _case_response(request, user, detail, can_act=True, revealed=True)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/cases/{case_id}/files/{sha256}")
async def case_file(request: Request, case_id: str, sha256: str) -> Response:
    """A scan or result file of a case the user may see, shown in the browser when it is a PDF or image."""
    user = await signed_in(request, *STAFF)
    key, filename, content_type = await db_read(
        request, lambda s: case_blob_key(s, reviewer_of(user), case_id, sha256)
    )
    blobs = center_of(request).blobs
    if not await run_in_threadpool(blobs.exists, key):
        raise ConsoleError(404, "区中心尚未收到该文件（服务站可能仍在上传）。")
    await db_write(
        request, lambda s: audit(s, user.actor, "case.file_view", f"case:{case_id}", sha256=sha256)
    )
    chunks = blobs.read(key)
    first = next(chunks, b"")
    if content_type == "application/octet-stream":
        content_type = next((t for magic, t in SNIFF if first.startswith(magic)), content_type)
    inline = content_type in ("application/pdf", "image/png", "image/jpeg")

    def body() -> Iterator[bytes]:
        yield first
        yield from chunks

    disposition = f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(filename)}"
    return StreamingResponse(
        body(),
        media_type=content_type,
        headers={
            "content-disposition": disposition,
            "content-security-policy": "default-src 'none'; img-src 'self'; "
            "style-src 'unsafe-inline'; sandbox",
        },
    )


async def _act(request: Request, case_id: str, msg: str, action: Callable[..., Any]) -> Response:
    """Run one reviewer action (CSRF-checked) in a write transaction and go back to the case."""
    user = await signed_in(request, "reviewer")
    form = await checked_form(request, user)
    await db_write(request, lambda s: action(s, reviewer_of(user), form))
    return redirect(request, f"/cases/{quote(case_id)}", msg)


def _item(form: Any) -> str | None:
    return form_text(form, "item_code", 64) or None


@router.post("/cases/find")
async def find_applicant(request: Request) -> Response:
    """申请人查找: the name, 身份证号 or phone arrives in a POST body and leaves as a blind-index token in
    the queue's URL, so the person's data never appears in a URL, a proxy log or the browser history."""
    user = await signed_in(request, *STAFF)
    form = await checked_form(request, user)
    query = ApplicantQuery.guess(form_text(form, "person", 64))
    if not query:
        return redirect(request, "/cases")
    return redirect(
        request, f"/cases?status=all&who={quote(lookup_token(center_of(request).db.vault, query))}"
    )


@router.post("/cases/{case_id}/accept")
async def accept(request: Request, case_id: str) -> Response:
    return await _act(
        request, case_id, "msg.accepted", lambda s, u, f: accept_for_review(s, u, case_id, item_code=_item(f))
    )


@router.post("/cases/{case_id}/supplement")
async def supplement(request: Request, case_id: str) -> Response:
    def run(s: Session, u: Any, form: Any) -> None:
        detail = case_detail(s, u, case_id)
        names = {m["code"]: m["name"] for m in _materials_to_ask(s, detail)}
        missing = [
            MissingMaterial(
                code,
                names.get(code, code),
                form_text(form, f"reason_{code}", 1000) or "材料缺失或不符合要求",
                form_text(form, "how_to_supply", 1000),
            )
            for code in form_texts(form, "missing", 64)
        ]
        other = form_text(form, "other", 200)
        if other:
            missing.append(
                MissingMaterial(
                    "OTHER",
                    other,
                    form_text(form, "other_reason", 1000) or "需补充",
                    form_text(form, "how_to_supply", 1000),
                )
            )
        if not missing:
            raise BackofficeError(400, "nothing_missing", "请勾选或填写需要补齐补正的材料")
        request_supplement(
            s, u, case_id, missing, due_date=_date(form_text(form, "due_date", 10)), item_code=_item(form)
        )

    return await _act(request, case_id, "msg.supplement", run)


@router.post("/cases/{case_id}/supplied")
async def supplied(request: Request, case_id: str) -> Response:
    return await _act(
        request,
        case_id,
        "msg.supplied",
        lambda s, u, f: mark_supplied(
            s, u, case_id, item_code=_item(f), received=str(f.get("received") or "")[:1000]
        ),
    )


@router.post("/cases/{case_id}/deferred/{code}/waive")
async def waive(request: Request, case_id: str, code: str) -> Response:
    """免于补交 of an owed 容缺 material, with the reason the form states."""
    return await _act(
        request,
        case_id,
        "msg.waived",
        lambda s, u, f: waive_deferred(
            s, u, case_id, code[:64], reason=form_text(f, "reason", 1000), item_code=_item(f)
        ),
    )


@router.post("/cases/{case_id}/decision")
async def decision(request: Request, case_id: str) -> Response:
    """办结: approve or reject, with the result (证照名称/编号/有效期) and an optional result file."""
    user = await signed_in(request, "reviewer")
    form = await checked_form(request, user)
    center = center_of(request)
    upload = form.get("result_file")
    stored: tuple[str, str, str, int] | None = None
    if isinstance(upload, UploadFile) and upload.filename:
        limit = center.settings.max_attachment_bytes
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise ConsoleError(413, f"结果文件超过 {limit // (1024 * 1024)} MB 上限。")
        if data:
            digest = hashlib.sha256(data).hexdigest()
            await db_read(request, lambda s: load_case(s, reviewer_of(user), case_id))  # may see it?
            if not await run_in_threadpool(center.blobs.exists, f"result:{digest}"):
                await run_in_threadpool(center.blobs.put, f"result:{digest}", data)
            stored = (
                digest,
                upload.filename[:255],
                upload.content_type or "application/octet-stream",
                len(data),
            )
    approve = form_text(form, "approve") == "yes"
    reason = form_text(form, "reason", 2000)
    result_name = form_text(form, "result_name", 200)

    def run(s: Session) -> None:
        u = reviewer_of(user)
        documents: tuple[str, ...] = ()
        if stored is not None:
            add_result_document(
                s, u, case_id, sha256=stored[0], filename=stored[1], content_type=stored[2], size=stored[3]
            )
            documents = (stored[0],)
        result = None
        if approve or result_name or documents:
            result = CaseResult(
                result_name or ("准予办理" if approve else "不予办理决定"),
                form_text(form, "result_number", 100),
                _date(form_text(form, "valid_from", 10)),
                _date(form_text(form, "valid_until", 10)),
                documents,
                issued_by=user.department or "",
            )
        decide(s, u, case_id, approve=approve, reason=reason, result=result, item_code=_item(form))

    await db_write(request, run)
    return redirect(request, f"/cases/{quote(case_id)}", "msg.decided")


@router.post("/cases/{case_id}/result-ready")
async def result_ready(request: Request, case_id: str) -> Response:
    return await _act(request, case_id, "msg.result_ready", lambda s, u, f: mark_result_ready(s, u, case_id))


@router.post("/cases/{case_id}/route")
async def route(request: Request, case_id: str) -> Response:
    def run(s: Session, u: Any, form: Any) -> None:
        load_case(s, u, case_id)
        if (
            route_tongban(
                s,
                u,
                case_id,
                to_station_no=_int(form_text(form, "station_no", 10)),
                reason=form_text(form, "reason", 500),
            )
            is None
        ):
            raise BackofficeError(
                409, "no_route", "该办件属地与受理服务站相同、已转办，或属地尚无注册的服务站"
            )

    return await _act(request, case_id, "msg.routed", run)
