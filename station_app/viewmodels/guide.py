"""办事指南: search state and item/bundle detail as plain data for the screens.

The search itself is :class:`casework.guide_search.GuideIndex`; this view-model keeps the query and filters,
runs the search (callers put it on a worker thread for big catalogs) and turns catalog entries into the
sections a guide page shows, with every label already translated.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from casework import clock
from casework.catalog import Bundle, Catalog, Item, LifeEvent, Material, Necessity
from casework.guide_search import GuideIndex, HitKind, MatchKind, SearchHit, SearchResult
from casework.messages import term
from station_app.i18n import current_language, t

PAGE_SIZE = 200


@dataclass
class GuideFilters:
    item_type: str | None = None
    life_event: LifeEvent | None = None
    department: str | None = None
    kind: HitKind | None = None
    include_cancelled: bool = True


@dataclass
class GuideSearch:
    """The query, filters and last result of one guide screen.

    ``to_log()`` says which finished search belongs in the failed-query log (未找到的搜索): one that found
    nothing or only loose matches, each query once per screen — the screen calls it when the person
    stopped typing (desk) or pressed 搜索 (kiosk), never on every keystroke."""

    index: GuideIndex
    query: str = ""
    filters: GuideFilters = field(default_factory=GuideFilters)
    hits: tuple[SearchHit, ...] = ()
    total: int = 0
    result: SearchResult | None = None
    limit: int = PAGE_SIZE
    logged: set[str] = field(default_factory=set)

    def run(self) -> None:
        f = self.filters
        result = self.index.search(
            self.query,
            item_type=f.item_type,
            life_event=f.life_event,
            department=f.department,
            kind=f.kind,
            include_cancelled=f.include_cancelled,
            limit=self.limit,
        )
        self.result = result
        self.hits, self.total = result.hits, result.total

    @property
    def suggestions(self) -> tuple[SearchHit, ...]:
        return self.result.suggestions if self.result else ()

    @property
    def life_events(self) -> tuple[LifeEvent, ...]:
        return self.result.life_events if self.result else ()

    @property
    def miss(self) -> bool:
        """The query found nothing: the screen shows suggestions and life events instead."""
        return self.result is not None and self.result.miss

    def to_log(self) -> SearchResult | None:
        """The current result if it should be logged now (and was not logged from this screen before)."""
        result = self.result
        if result is None or result.outcome not in ("none", "weak") or self.filters.life_event is not None:
            return None
        key = " ".join(result.query.split())
        if key in self.logged:
            return None
        self.logged.add(key)
        return result

    def summary(self) -> str:
        if self.total > len(self.hits):
            return t("guide.count_more", shown=len(self.hits), total=self.total)
        return t("guide.count", total=self.total)


def hit_tags(hit: SearchHit) -> list[str]:
    """What a result row says under the name: bundle or department, why it matched, cancelled."""
    entry = hit.entry
    tags = [t("guide.bundle_tag") if hit.kind == HitKind.BUNDLE else getattr(entry, "department", "")]
    if hit.matched and hit.match is MatchKind.KEYWORD:
        tags.append(t("guide.matched_keyword", word=hit.matched))
    elif hit.matched and hit.match is MatchKind.SIMILAR:
        tags.append(t("guide.matched_similar", word=hit.matched))
    if hit.cancelled:
        tags.append(t("guide.cancelled_tag"))
    return tags


@dataclass(frozen=True)
class MaterialLine:
    name: str
    necessity: str
    form: str
    counts: str
    deferrable: bool
    commitment: bool
    note: str


@dataclass(frozen=True)
class GuidePage:
    """Everything a guide page shows, as label/value rows (values already strings)."""

    code: str
    name: str
    is_bundle: bool
    cancelled: bool  # takes no new case today: cancelled, or not yet in force (see ``notice``)
    facts: list[tuple[str, str]]
    conditions: list[str]
    materials: list[MaterialLine]
    items: list[tuple[str, str]]  # for bundles: (code, name) of the member items
    qr_text: str
    notice: str = ""  # 将于 … 起施行 / 已于 … 起取消 / 将于 … 起取消 (still accepted until the day before)


def _day(day: dt.date) -> str:
    return clock.format_date(day, current_language())


def force_notice(item: Item, today: dt.date) -> str:
    """The line a guide page shows about the item's 生效日期 and cancellation on ``today`` (China date):
    "将于 2027年01月01日 起施行" before it is in force, the day a cancellation took or takes effect, or ""."""
    if item.effective_from is not None and today < item.effective_from:
        return t("guide.not_yet_in_force", date=_day(item.effective_from))
    if item.effective_to is not None:
        if today < item.effective_to:
            return t("guide.cancelling_on", date=_day(item.effective_to))
        return t("guide.cancelled_from", date=_day(item.effective_to))
    if not item.accepts_new_cases:
        return t("guide.cancelled_notice")
    return ""


def material_line(m: Material) -> MaterialLine:
    counts = t("guide.counts", originals=m.originals, copies=m.copies)
    return MaterialLine(
        name=m.name,
        necessity=term(m.necessity),
        form=term(m.form),
        counts=counts,
        deferrable=m.necessity == Necessity.DEFERRABLE,
        commitment=m.commitment_allowed,
        note=m.acceptance_standard or m.note,
    )


def item_page(catalog: Catalog, item: Item, today: dt.date | None = None) -> GuidePage:
    """The guide page of ``item`` as it stands on ``today`` (default: today in China)."""
    today = today or clock.china_today()
    limit = str(item.promised_limit)
    legal = str(item.legal_limit) if item.legal_limit else t("guide.none")
    facts = [
        (t("guide.department"), item.department),
        (t("guide.item_type"), catalog.item_type_name(item.item_type)),
        (t("guide.promised_limit"), limit),
        (t("guide.legal_limit"), legal),
        (t("guide.case_kind"), term(item.case_kind)),
        (t("guide.visits"), t("guide.visits_n", n=item.visits)),
        (t("guide.fee"), (item.fee_basis or t("guide.charged")) if item.charged else t("guide.free")),
        (t("guide.place"), item.place or "-"),
        (t("guide.hours"), item.hours or "-"),
        (t("guide.consult_phone"), item.consult_phone or "-"),
        (t("guide.supervise_phone"), item.supervise_phone or "-"),
        (t("guide.tongban"), term(item.tongban) if item.tongban else t("guide.tongban_none")),
        (t("guide.jurisdiction"), item.jurisdiction),
        (t("guide.service_objects"), t("common.list_sep").join(term(o) for o in item.service_objects)),
        (t("guide.result"), item.result_name or "-"),
        (t("guide.code"), item.code),
    ]
    if item.life_events:
        facts.append((t("guide.life_events"), t("common.list_sep").join(term(e) for e in item.life_events)))
    if item.effective_from is not None:
        facts.append((t("guide.effective_from"), _day(item.effective_from)))
    if item.effective_to is not None:
        facts.append((t("guide.effective_to"), _day(item.effective_to)))
    materials = [material_line(m) for m in item.materials]
    return GuidePage(
        code=item.code,
        name=item.name,
        is_bundle=False,
        cancelled=not item.in_force(today),
        notice=force_notice(item, today),
        facts=facts,
        conditions=list(item.conditions),
        materials=materials,
        items=[],
        qr_text=qr_text(item.name, [m.name for m in item.materials], item.consult_phone, item.place),
    )


def bundle_page(catalog: Catalog, bundle: Bundle, today: dt.date | None = None) -> GuidePage:
    today = today or clock.china_today()
    items = catalog.bundle_items(bundle.code)
    merged = catalog.materials_for(bundle.code)
    facts = [
        (t("guide.bundle_items"), str(len(items))),
        (t("guide.promised_limit"), str(bundle.promised_limit) if bundle.promised_limit else "-"),
        (t("guide.departments"), t("common.list_sep").join(sorted({i.department for i in items}))),
    ]
    if bundle.life_events:
        facts.append((t("guide.life_events"), t("common.list_sep").join(term(e) for e in bundle.life_events)))
    phones = next((i.consult_phone for i in items if i.consult_phone), "")
    return GuidePage(
        code=bundle.code,
        name=bundle.name,
        is_bundle=True,
        cancelled=bundle.status.value != "active" or any(not i.in_force(today) for i in items),
        notice=next((n for n in (force_notice(i, today) for i in items) if n), "")
        if bundle.status.value == "active"
        else t("guide.cancelled_notice"),
        facts=facts,
        conditions=[bundle.description] if bundle.description else [],
        materials=[material_line(mm.material) for mm in merged],
        items=[(i.code, i.name) for i in items],
        qr_text=qr_text(bundle.name, [mm.material.name for mm in merged], phones, ""),
    )


def page_for(catalog: Catalog, code: str, today: dt.date | None = None) -> GuidePage:
    if catalog.has_item(code):
        return item_page(catalog, catalog.item(code), today)
    return bundle_page(catalog, catalog.bundle(code), today)


def qr_text(name: str, materials: list[str], phone: str, place: str) -> str:
    """Plain text for the resident's phone: readable offline by any camera app, no link to follow."""
    lines = [name, t("guide.qr_materials")]
    lines += [f"{n}. {m}" for n, m in enumerate(materials, 1)]
    if place:
        lines.append(t("guide.qr_place", place=place))
    if phone:
        lines.append(t("guide.qr_phone", phone=phone))
    return "\n".join(lines)


def qr_png(text: str, scale: int = 4) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()
