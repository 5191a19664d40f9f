"""智能导办 pages (role ``catalog_admin``): the synonym table, bundle keywords, and the failed-query list.

* ``/catalog/synonyms`` — the district's 同义词表 as text (one ``词：同义词、同义词`` per line), saved into
  the staged catalog; it reaches stations signed with the next publication (``docs/catalog.md``);
* ``/catalog/bundles/{code}`` — a 一件事's keywords (俗称) and description;
* ``/catalog/search-misses`` — what stations searched for and did not find (``未找到的搜索``), most asked
  first, with what the working catalog (staged, else published) finds for each query now, and a form that
  adds a query as a keyword of the entry that should answer it.

Every change goes into the staged catalog through ``stage_catalog`` (validated there) and is published with
the usual signed publication; nothing here reaches a station before that.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.responses import Response

from casework import clock
from casework.catalog import Bundle, Catalog, CatalogError, Item
from casework.messages import text as message_text
from casework.synonyms import DEFAULT_SYNONYMS, format_synonym_text, parse_synonym_text
from district_center.services.catalog.publishing import (
    published_catalog,
    read_staged,
    stage_catalog,
)
from district_center.services.catalog.search_misses import current_answers, guide_index, miss_groups
from district_center.services.catalog.sheets import split_keywords

from .web import ConsoleError, center_of, checked_form, form_text, redirect, render, signed_in

router = APIRouter()
ADMIN = "catalog_admin"
PERIODS = (30, 90, 365)


def _working(request: Request) -> tuple[Catalog, str]:
    """The staged catalog (else the published one) and a key naming that copy, for the index cache."""
    center = center_of(request)
    staged = read_staged(center.settings.data_dir)
    if staged is not None:
        return staged.catalog, f"staged:{staged.staged_at}"
    with center.db.read_session() as s:
        published = published_catalog(s)
    if published is None:
        raise ConsoleError(404, "尚无目录：请先导入事项清单表格。")
    return published, "published"


async def _stage(request: Request, user: Any, doc: dict[str, Any], source: str) -> list[str]:
    """Stage ``doc`` (a catalog dict); the problems as text when it breaks a rule (nothing staged then)."""
    center = center_of(request)
    try:
        catalog = Catalog.from_dict(doc)
        await run_in_threadpool(
            lambda: stage_catalog(
                center.db, center.settings.data_dir, catalog, actor=user.actor, source=source
            )
        )
    except CatalogError as exc:
        return [str(p) for p in exc.problems]
    return []


# ------------------------------------------------------------------------------------------ synonyms


@router.get("/catalog/synonyms")
async def synonyms(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    catalog, _ = await run_in_threadpool(_working, request)
    return _synonyms_page(request, user, format_synonym_text(catalog.synonyms), [], len(catalog.synonyms))


def _synonyms_page(
    request: Request, user: Any, text: str, problems: list[str], count: int, status_code: int = 200
) -> Response:
    return render(
        request,
        "synonyms.html",
        user,
        title="同义词表",
        text=text,
        problems=problems,
        count=count,
        status_code=status_code,
    )


@router.post("/catalog/synonyms")
async def save_synonyms(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    form = await checked_form(request, user)
    catalog, _ = await run_in_threadpool(_working, request)
    text = format_synonym_text(DEFAULT_SYNONYMS) if form.get("defaults") else form_text(form, "text", 200_000)
    table, problems = parse_synonym_text(text)
    if problems:
        words = [message_text(code, params) for _line, code, params in problems]
        return _synonyms_page(request, user, text, words, len(table), status_code=422)
    doc = catalog.to_dict()
    doc["synonyms"] = {word: list(words) for word, words in table.items()}
    failed = await _stage(request, user, doc, "管理台编辑：同义词表")
    if failed:
        return _synonyms_page(request, user, text, failed, len(table), status_code=422)
    return redirect(request, "/catalog", "msg.synonyms_saved")


# ------------------------------------------------------------------------------------------ bundles


@router.get("/catalog/bundles/{code}")
async def edit_bundle(request: Request, code: str) -> Response:
    user = await signed_in(request, ADMIN)
    catalog, _ = await run_in_threadpool(_working, request)
    bundle = next((b for b in catalog.to_dict()["bundles"] if b["code"] == code), None)
    if bundle is None:
        raise ConsoleError(404, "目录中没有该一件事。")
    return render(
        request, "bundle_edit.html", user, title=f"编辑 {bundle['name']}", bundle=bundle, problems=[]
    )


@router.post("/catalog/bundles/{code}")
async def save_bundle(request: Request, code: str) -> Response:
    user = await signed_in(request, ADMIN)
    form = await checked_form(request, user)
    catalog, _ = await run_in_threadpool(_working, request)
    doc = catalog.to_dict()
    bundle = next((b for b in doc["bundles"] if b["code"] == code), None)
    if bundle is None:
        raise ConsoleError(404, "目录中没有该一件事。")
    bundle["keywords"] = split_keywords(form_text(form, "keywords", 5000))
    bundle["description"] = form_text(form, "description", 2000)
    failed = await _stage(request, user, doc, f"管理台编辑：{bundle['name']}")
    if failed:
        return render(
            request,
            "bundle_edit.html",
            user,
            title=f"编辑 {bundle['name']}",
            bundle=bundle,
            problems=failed,
            status_code=422,
        )
    return redirect(request, "/catalog", "msg.item_saved")


# ------------------------------------------------------------------------------------------ failed queries


@router.get("/catalog/search-misses")
async def search_misses(request: Request) -> Response:
    user = await signed_in(request, ADMIN)
    try:
        days = int(request.query_params.get("days", "90"))
    except ValueError:
        days = 90
    days = days if days in PERIODS else 90
    only_none = request.query_params.get("only") == "none"
    center = center_of(request)

    def load() -> dict[str, Any]:
        since = clock.now() - timedelta(days=days)
        with center.db.read_session() as s:
            groups = miss_groups(s, since=since, only_none=only_none)
        try:
            catalog, key = _working(request)
        except ConsoleError:
            return {"groups": groups, "answers": {}, "entries": [], "working": ""}
        answers = current_answers(guide_index(catalog, key), [g.query for g in groups])
        offered: list[Item | Bundle] = [*catalog.active_items(), *catalog.active_bundles()]
        entries = sorted((e.name, e.code) for e in offered)
        return {"groups": groups, "answers": answers, "entries": entries, "working": key}

    data = await run_in_threadpool(load)
    return render(
        request,
        "search_misses.html",
        user,
        title="未找到的搜索",
        days=days,
        periods=PERIODS,
        only_none=only_none,
        **data,
    )


@router.post("/catalog/search-misses/keyword")
async def add_keyword(request: Request) -> Response:
    """Add a failed query as a keyword (俗称) of the entry the administrator names (staged)."""
    user = await signed_in(request, ADMIN)
    form = await checked_form(request, user)
    query, target = form_text(form, "query", 60), form_text(form, "entry", 200)
    query = " ".join(query.split())
    catalog, _ = await run_in_threadpool(_working, request)
    doc = catalog.to_dict()
    entry = next(
        (e for e in (*doc["items"], *doc["bundles"]) if target in (e["code"], e["name"]) and target), None
    )
    if entry is None:
        raise ConsoleError(400, f"目录中没有名为“{target}”的事项或一件事，请从列表中选择。")
    if not query:
        raise ConsoleError(400, "要添加的关键词为空。")
    if query not in entry["keywords"]:
        entry["keywords"] = [*entry["keywords"], query]
    failed = await _stage(request, user, doc, f"管理台编辑：{entry['name']} 增加关键词“{query}”")
    if failed:
        raise ConsoleError(422, "未保存：" + "；".join(failed))
    return redirect(request, "/catalog/search-misses", "msg.keyword_added")
