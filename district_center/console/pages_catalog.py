"""事项清单 and 节假日安排 pages (role ``catalog_admin``) over ``catalog_publish`` / ``catalog_calendar``.

Import → cell errors or the staged catalog and its diff → optional edits of one item's guide and materials
(written back with ``stage_catalog``) → publish with the signing key's passphrase. The passphrase is a form
field of the publish request only: it opens the key file for that request, is never put in a page, a log
line or the audit record, and the form field is ``autocomplete=off``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from casework import messages
from casework.catalog import Catalog, CatalogError, FieldKind, MaterialType, Necessity, TimeUnit
from district_center.keys import DistrictKeys, KeyFileError, configured_key_file, open_district_keys
from district_center.services.audit import audit
from district_center.services.catalog.building import material_code
from district_center.services.catalog.calendar import (
    CalendarError,
    parse_holiday_file,
    publish_tables,
    published_tables,
)
from district_center.services.catalog.column_mapping import save_mapping, targets
from district_center.services.catalog.pending import (
    discard_pending,
    read_pending,
    save_pending,
    update_pending,
)
from district_center.services.catalog.publishing import (
    PublishError,
    discard_staged,
    item_or_bundle_names,
    preview_files,
    publish_staged,
    published_catalog,
    read_staged,
    stage_catalog,
    stage_import,
    staged_diff,
    version_history,
)
from district_center.services.catalog.sheets import FIELD_KIND_TEXT, LAYOUT, export_xlsx, split_keywords
from district_center.services.catalog.tables import IGNORE, NOTE

from .web import (
    ConsoleError,
    actor_names,
    center_of,
    checked_form,
    db_read,
    db_write,
    form_text,
    lang_of,
    redirect,
    render,
    signed_in,
)

router = APIRouter()
ADMIN = "catalog_admin"
MAX_UPLOAD = 20 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELD_LABELS = {
    "name": "事项名称",
    "basic_code": "基本编码",
    "item_type": "事项类型",
    "department": "实施主体",
    "department_credit_code": "实施主体信用代码",
    "level": "行使层级",
    "jurisdiction": "业务属地",
    "promised_limit": "承诺办结时限",
    "legal_limit": "法定办结时限",
    "case_kind": "办件类型",
    "basis": "设定依据",
    "conditions": "受理条件",
    "process": "办理流程",
    "materials": "申请材料",
    "fields": "申请表字段",
    "eligibility": "申请条件",
    "visits": "到现场次数",
    "charged": "是否收费",
    "fee_basis": "收费依据",
    "place": "办理地点",
    "hours": "办理时间",
    "consult_phone": "咨询电话",
    "supervise_phone": "监督电话",
    "tongban": "通办范围",
    "service_objects": "服务对象",
    "result_name": "结果名称",
    "life_events": "生命周期",
    "status": "状态",
    "station_acceptable": "服务站可受理",
    "commitment_offered": "告知承诺制",
    "effective_from": "生效日期",
    "effective_to": "失效日期",
    "sample": "样例",
    "note": "备注",
    "item_codes": "包含事项",
    "description": "说明",
    "keywords": "关键词",
}
#: How the preview's mapping form names the two targets that are not catalog columns.
TARGET_LABELS = {NOTE: "保留为备注", IGNORE: "不导入"}


def _say(request: Request) -> Callable[[Mapping[str, Any], str], str]:
    """A problem's message (or its fix) in the console's language, from its code and parameters."""
    language = "en" if lang_of(request) == "en" else "zh_CN"

    def say(problem: Mapping[str, Any], part: str = "message") -> str:
        code = problem["code"] + (".fix" if part == "fix" else "")
        if part == "fix" and not messages.has(code, language):
            return ""
        return messages.text(code, problem.get("params") or {}, language)

    return say


def _page_data(request: Request) -> dict[str, Any]:
    center = center_of(request)
    staged = read_staged(center.settings.data_dir)
    diff = staged_diff(center.db, center.settings.data_dir) if staged else None
    with center.db.read_session() as s:
        published = published_catalog(s)
        history = version_history(s, limit=50)
        actors = actor_names(s)
    names = {
        **(item_or_bundle_names(published) if published else {}),
        **(item_or_bundle_names(staged.catalog) if staged else {}),
    }
    current = staged.catalog if staged else published
    items = sorted(current.items, key=lambda i: (i.department, i.name)) if current else []
    pending = read_pending(center.settings.data_dir)
    bundles = list(current.bundles) if current else []
    return {
        "staged": staged,
        "diff": diff,
        "published": published,
        "history": history,
        "names": names,
        "items": items,
        "bundles": bundles,
        "synonym_count": len(current.synonyms) if current else 0,
        "labels": FIELD_LABELS,
        "actors": actors,
        "pending": pending,
        "preview": pending.preview if pending else None,
        "targets": {kind: targets(kind) for kind in LAYOUT},
        "target_labels": TARGET_LABELS,
        "say": _say(request),
        "district_configured": bool(center.settings.district_code and center.settings.district_name),
    }


async def _catalog_page(
    request: Request,
    user: Any,
    *,
    problem: str = "",
    status_code: int = 200,
) -> Response:
    data = await run_in_threadpool(_page_data, request)
    return render(
        request,
        "catalog.html",
        user,
        title="事项清单",
        problem=problem,
        status_code=status_code,
        **data,
    )


@router.get("/catalog")
async def catalog(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    return await _catalog_page(request, user)


def _district(request: Request, form: FormData) -> tuple[str, str]:
    """The district code and name: the settings', else what the upload form gives (first import)."""
    settings = center_of(request).settings
    return (
        settings.district_code or form_text(form, "district_code", 12),
        settings.district_name or form_text(form, "district_name", 50),
    )


def _run_preview(
    request: Request,
    files: list[tuple[str, bytes]],
    overrides: Mapping[str, Mapping[str, str]],
    district: tuple[str, str],
) -> dict[str, Any]:
    center = center_of(request)
    preview = preview_files(
        center.db, center.settings.data_dir, files, district=district, overrides=overrides
    )
    data = preview.to_dict()
    data["district"] = list(district)
    return data


@router.post("/catalog/upload")
async def upload(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    form = await checked_form(request, user)
    files: list[tuple[str, bytes]] = []
    total = 0
    for f in form.getlist("files"):
        if isinstance(f, UploadFile) and f.filename:
            data = await f.read(MAX_UPLOAD + 1)
            total += len(data)
            if total > MAX_UPLOAD:
                raise ConsoleError(413, f"上传的表格超过 {MAX_UPLOAD // (1024 * 1024)} MB 上限。")
            files.append((f.filename, data))
    if not files:
        return await _catalog_page(
            request, user, problem="请选择要导入的表格文件（.xlsx、.xls 或 .csv）。", status_code=400
        )
    data_dir = center_of(request).settings.data_dir
    district = _district(request, form)

    def run() -> dict[str, Any]:
        pending = save_pending(data_dir, files, actor=user.actor)
        preview = _run_preview(request, files, {}, district)
        update_pending(data_dir, pending.token, preview=preview)
        return preview

    preview = await run_in_threadpool(run)
    return redirect(request, "/catalog", "msg.previewed" if preview["ok"] else "msg.preview_errors")


def _posted_overrides(
    form: FormData, preview: Mapping[str, Any], current: Mapping[str, Mapping[str, str]]
) -> dict[str, dict[str, str]]:
    """This import's mapping from the preview form: every column whose choice differs from what the preview
    showed, plus the columns already chosen by hand. Only targets valid for the sheet kind are taken."""
    out = {sheet: dict(cols) for sheet, cols in current.items()}
    for ti, table in enumerate(preview.get("tables", [])):
        allowed = set(targets(table["kind"]))
        for col in table["columns"]:
            chosen = form_text(form, f"map-{ti}-{col['letter']}", 40)
            if chosen and chosen in allowed and chosen != col["target"]:
                out.setdefault(table["sheet"], {})[col["letter"]] = chosen
    return out


@router.post("/catalog/preview")
async def remap(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    form = await checked_form(request, user)
    data_dir = center_of(request).settings.data_dir
    pending = await run_in_threadpool(read_pending, data_dir)
    if pending is None or form_text(form, "token", 64) != pending.token:
        return redirect(request, "/catalog", "msg.pending_replaced")
    overrides = _posted_overrides(form, pending.preview, pending.overrides)
    district = tuple(pending.preview.get("district") or _district(request, form))
    save = form.get("save_mapping") == "1"

    def run() -> dict[str, Any]:
        preview = _run_preview(request, pending.files, overrides, (str(district[0]), str(district[1])))
        update_pending(data_dir, pending.token, overrides=overrides, preview=preview)
        if save:
            for table in preview["tables"]:
                chosen = overrides.get(table["sheet"], {})
                entries = {c["label"]: chosen[c["letter"]] for c in table["columns"] if c["letter"] in chosen}
                if entries:
                    save_mapping(data_dir, table["kind"], entries)
        return preview

    preview = await run_in_threadpool(run)
    if save:
        await db_write(request, lambda s: audit(s, user.actor, "catalog.mapping_saved", "catalog:mapping"))
        return redirect(request, "/catalog", "msg.mapping_saved")
    return redirect(request, "/catalog", "msg.previewed" if preview["ok"] else "msg.preview_errors")


@router.post("/catalog/confirm")
async def confirm(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    form = await checked_form(request, user)
    center = center_of(request)
    data_dir = center.settings.data_dir
    pending = await run_in_threadpool(read_pending, data_dir)
    if pending is None or form_text(form, "token", 64) != pending.token:
        return redirect(request, "/catalog", "msg.pending_replaced")
    district = pending.preview.get("district") or list(_district(request, form))

    def run() -> bool:
        preview, changes = stage_import(
            center.db,
            data_dir,
            pending.files,
            actor=user.actor,
            district=(str(district[0]), str(district[1])),
            overrides=pending.overrides,
        )
        if changes is None:
            data = preview.to_dict()
            data["district"] = list(district)
            update_pending(data_dir, pending.token, preview=data)
            return False
        discard_pending(data_dir)
        return True

    if not await run_in_threadpool(run):
        return redirect(request, "/catalog", "msg.preview_errors")
    return redirect(request, "/catalog", "msg.staged")


@router.post("/catalog/pending/discard")
async def discard_upload(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    await checked_form(request, user)
    await run_in_threadpool(discard_pending, center_of(request).settings.data_dir)
    return redirect(request, "/catalog", "msg.pending_discarded")


@router.post("/catalog/discard")
async def discard(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    await checked_form(request, user)
    center = center_of(request)
    if discard_staged(center.settings.data_dir):
        await db_write(request, lambda s: audit(s, user.actor, "catalog.discard", "catalog:staged"))
    return redirect(request, "/catalog", "msg.discarded")


@router.get("/catalog/export.xlsx")
async def export(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    center = center_of(request)
    staged = request.query_params.get("staged") == "1"
    if staged:
        current = read_staged(center.settings.data_dir)
        catalog = current.catalog if current else None
    else:
        catalog = await db_read(request, published_catalog)
    if catalog is None:
        raise ConsoleError(404, "没有可导出的目录。")
    data = await run_in_threadpool(export_xlsx, catalog)
    name = f"catalog-v{catalog.version}{'-staged' if staged else ''}.xlsx"
    await db_write(request, lambda s: audit(s, user.actor, "catalog.export", f"catalog:{catalog.version}"))
    return Response(data, media_type=XLSX, headers={"content-disposition": f'attachment; filename="{name}"'})


def _working_catalog(request: Request) -> Catalog:
    center = center_of(request)
    staged = read_staged(center.settings.data_dir)
    if staged is not None:
        return staged.catalog
    with center.db.read_session() as s:
        published = published_catalog(s)
    if published is None:
        raise ConsoleError(404, "尚无目录：请先导入事项清单表格。")
    return published


#: 字段类型 choices of the item editor: (value, the words the district reads).
FIELD_KINDS = [(k.value, label) for k, label in FIELD_KIND_TEXT.items()]


@router.get("/catalog/items/{code}")
async def edit_item(request: Request, code: str) -> Response:
    user = await signed_in(request, ADMIN)
    catalog = await run_in_threadpool(_working_catalog, request)
    if not catalog.has_item(code):
        raise ConsoleError(404, "目录中没有该事项。")
    item = next(i for i in catalog.to_dict()["items"] if i["code"] == code)
    return render(
        request,
        "item_edit.html",
        user,
        title=f"编辑 {item['name']}",
        item=item,
        problems=[],
        necessities=[n.value for n in Necessity],
        types=[t.value for t in MaterialType],
        units=[u.value for u in TimeUnit],
        kinds=FIELD_KINDS,
    )


def _lines(form: FormData, name: str) -> list[str]:
    return [line.strip() for line in form_text(form, name, 20_000).splitlines() if line.strip()]


def _int(form: FormData, name: str, default: int = 0) -> int:
    try:
        return int(form_text(form, name, 10) or default)
    except ValueError:
        raise ConsoleError(400, f"“{name}”应为整数。") from None


def _edited(item: dict[str, Any], form: FormData) -> dict[str, Any]:
    """The item dict with the form's guide fields and materials (rows removed when ticked)."""
    out = dict(item)
    for key in ("place", "hours", "consult_phone", "supervise_phone", "fee_basis", "result_name", "note"):
        out[key] = form_text(form, key, 1000)
    out["keywords"] = split_keywords(form_text(form, "keywords", 5000))
    out["conditions"] = _lines(form, "conditions")
    out["basis"] = _lines(form, "basis")
    out["promised_limit"] = {
        "amount": _int(form, "promised_amount"),
        "unit": form_text(form, "promised_unit", 10),
    }
    old = {m["code"]: m for m in item.get("materials", [])}
    materials = []
    for i in range(_int(form, "material_rows")):
        mcode, name = form_text(form, f"m{i}_code", 64), form_text(form, f"m{i}_name", 200)
        if form.get(f"m{i}_remove") or not (mcode or name):
            continue
        if not mcode:  # a new material: a stable code from its name, like the spreadsheet import
            mcode = material_code(name)
        m = dict(old.get(mcode, {}))
        m.update(
            {
                "code": mcode,
                "name": name,
                "necessity": form_text(form, f"m{i}_necessity", 10),
                "material_type": form_text(form, f"m{i}_type", 20),
                "originals": _int(form, f"m{i}_originals"),
                "copies": _int(form, f"m{i}_copies"),
                "acceptance_standard": form_text(form, f"m{i}_standard", 500),
            }
        )
        materials.append(m)
    out["materials"] = materials
    out["fields"] = _edited_fields(form)
    out["eligibility"] = _edited_eligibility(form)
    return out


def _edited_fields(form: FormData) -> list[dict[str, Any]]:
    """The 表单字段 rows of the editor (a row with 删除 ticked or no key and name is dropped)."""
    fields = []
    for i in range(_int(form, "field_rows")):
        key, label = form_text(form, f"f{i}_key", 48), form_text(form, f"f{i}_label", 200)
        if form.get(f"f{i}_remove") or not (key or label):
            continue
        fields.append(
            {
                "key": key,
                "label": label,
                "label_en": form_text(form, f"f{i}_label_en", 200),
                "kind": form_text(form, f"f{i}_kind", 20) or FieldKind.TEXT.value,
                "required": bool(form.get(f"f{i}_required")),
                "choices": _lines(form, f"f{i}_choices"),
                "past_only": bool(form.get(f"f{i}_past_only")),
                "hint": form_text(form, f"f{i}_hint", 200),
            }
        )
    return fields


def _edited_eligibility(form: FormData) -> dict[str, Any] | None:
    """申请条件 from the editor; ``None`` when every box is empty."""
    ages = {k: form_text(form, k, 4) for k in ("min_age", "max_age")}
    sex, areas = form_text(form, "sex", 4), _lines(form, "area_prefixes")
    if not any(ages.values()) and not sex and not areas:
        return None
    return {
        "min_age": _int(form, "min_age") if ages["min_age"] else None,
        "max_age": _int(form, "max_age") if ages["max_age"] else None,
        "sex": sex or None,
        "area_prefixes": areas,
    }


@router.post("/catalog/items/{code}")
async def save_item(request: Request, code: str) -> Response:
    user = await signed_in(request, ADMIN)
    form = await checked_form(request, user)
    catalog = await run_in_threadpool(_working_catalog, request)
    doc = catalog.to_dict()
    index = next((n for n, i in enumerate(doc["items"]) if i["code"] == code), None)
    if index is None:
        raise ConsoleError(404, "目录中没有该事项。")
    edited = _edited(doc["items"][index], form)
    doc["items"][index] = edited
    center = center_of(request)
    try:
        new = Catalog.from_dict(doc)
        source = f"管理台编辑：{edited['name']}"
        await run_in_threadpool(
            lambda: stage_catalog(center.db, center.settings.data_dir, new, actor=user.actor, source=source)
        )
    except (CatalogError, ValueError, KeyError, TypeError) as exc:
        problems = [str(p) for p in exc.problems] if isinstance(exc, CatalogError) else [str(exc)]
        return render(
            request,
            "item_edit.html",
            user,
            title=f"编辑 {edited['name']}",
            item=edited,
            problems=problems,
            necessities=[n.value for n in Necessity],
            types=[t.value for t in MaterialType],
            units=[u.value for u in TimeUnit],
            kinds=FIELD_KINDS,
            status_code=422,
        )
    return redirect(request, "/catalog", "msg.item_saved")


def _keys(request: Request, passphrase: str) -> DistrictKeys:
    settings = center_of(request).settings
    try:
        return open_district_keys(
            settings.data_dir,
            configured_key_file(settings.data_dir, settings.extra.get("key_file")),
            passphrase,
        )
    except KeyFileError as exc:
        raise ConsoleError(403 if "口令错误" in str(exc) else 409, str(exc)) from None


@router.post("/catalog/publish")
async def publish(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    form = await checked_form(request, user)
    passphrase = form.get("passphrase")
    if not isinstance(passphrase, str) or not passphrase:
        raise ConsoleError(400, "请输入签名密钥口令。")
    center = center_of(request)

    def run() -> None:
        keys = _keys(request, passphrase)
        try:
            publish_staged(
                center.db,
                center.settings.data_dir,
                keys,
                actor=user.actor,
                expected_public_key=keys.signing_public_b64,
            )
        except PublishError as exc:
            raise ConsoleError(409, str(exc)) from None

    await run_in_threadpool(run)
    return redirect(request, "/catalog", "msg.published")


@router.get("/calendar")
async def calendar(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    version, tables = await run_in_threadpool(published_tables, center_of(request).db)
    return render(
        request,
        "calendar.html",
        user,
        title="节假日安排",
        version=version,
        tables=[tables[y] for y in sorted(tables, reverse=True)],
        problem="",
        form={},
    )


@router.post("/calendar")
async def publish_calendar(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    form = await checked_form(request, user)
    year = _int(form, "year")
    document = {
        "year": year,
        "holidays": _lines(form, "holidays"),
        "workdays": _lines(form, "workdays"),
        "source": form_text(form, "source", 500),
    }
    center = center_of(request)
    try:
        table = parse_holiday_file(year, f"{year}.json", json.dumps(document).encode())
    except CalendarError as exc:
        version, tables = await run_in_threadpool(published_tables, center.db)
        return render(
            request,
            "calendar.html",
            user,
            title="节假日安排",
            version=version,
            tables=[tables[y] for y in sorted(tables, reverse=True)],
            problem=str(exc),
            form=document,
            status_code=400,
        )
    passphrase = form.get("passphrase")
    if not isinstance(passphrase, str) or not passphrase:
        raise ConsoleError(400, "请输入签名密钥口令。")

    def run() -> None:
        publish_tables(center.db, _keys(request, passphrase), [table], actor=user.actor)

    await run_in_threadpool(run)
    return redirect(request, "/calendar", "msg.calendar_published")
