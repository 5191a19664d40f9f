"""Fonts for the printed documents: the bundled CJK font plus a Latin font for digits and letters.

``DroidSansFallbackFull.ttf`` (``station_app/assets/fonts``) covers CJK but has no Latin glyphs at all, so
digits, letters and ASCII punctuation come from the bundled DejaVu Sans (``fonts/DejaVuSans.ttf``).

The CJK font has ~49,000 glyphs; letting fpdf2 parse it costs about half a second per document. So each
document gets its own small CJK font holding only the glyphs of the characters it prints, cut from a
parsed copy of the full font that is loaded once per process and only ever read (under a lock). The
result depends only on the text, so rendering stays a pure function of the document.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import Any

from fontTools.fontBuilder import FontBuilder  # type: ignore[import-untyped]  # fontTools ships no type information
from fontTools.ttLib import TTFont, newTable  # type: ignore[import-untyped]  # fontTools ships no type information
from fontTools.ttLib.tables._g_l_y_f import Glyph  # type: ignore[import-untyped]  # fontTools ships no type information

from station_app.resources import CJK_FONT, LATIN_FONT, font_path

CJK_FONT_PATH = font_path(CJK_FONT)
LATIN_FONT_PATH = font_path(LATIN_FONT)

#: PostScript/family name of the per-document CJK font (fpdf2 prefixes a subset tag when embedding).
CJK_FAMILY_NAME = "DroidSansFallbackStation"

_source_lock = threading.Lock()


@functools.lru_cache(maxsize=2)
def _source(path: Path) -> TTFont:
    """The full CJK font, parsed once. Only read (under ``_source_lock``), never modified."""
    font = TTFont(str(path), recalcTimestamp=False)
    font.getGlyphOrder()
    return font


@functools.lru_cache(maxsize=2)
def _latin_codepoints(path: Path) -> frozenset[int]:
    with TTFont(str(path), lazy=True) as font:
        return frozenset(font.getBestCmap())


@functools.lru_cache(maxsize=1)
def printable_codepoints() -> frozenset[int]:
    """Code points one of the two fonts can draw."""
    with _source_lock:
        cjk = frozenset(_source(CJK_FONT_PATH).getBestCmap())
    return cjk | latin_codepoints()


def latin_codepoints() -> frozenset[int]:
    """Code points the Latin font covers (used to route characters between the two fonts)."""
    return _latin_codepoints(LATIN_FONT_PATH)


def cjk_subset_font(text: Iterable[str], source_path: Path = CJK_FONT_PATH) -> bytes:
    """A TrueType font with the glyphs of every character of ``text`` that the CJK font has.

    Simple glyphs are copied as raw bytes; composite glyphs are decoded from their raw bytes (so their
    components can be renumbered) and bring their components along. The source's tiny hinting tables
    (``fpgm``, ``prep``, ``cvt``) and ``maxp`` limits are kept so the copied glyph programs stay valid.
    """
    wanted = sorted({ord(ch) for chunk in text for ch in chunk})
    with _source_lock:
        src = _source(source_path)
        cmap = src.getBestCmap()
        glyf = src["glyf"]
        hmtx = src["hmtx"]
        mapping = {cp: cmap[cp] for cp in wanted if cp in cmap}
        order: list[str] = []
        glyphs: dict[str, Glyph] = {}
        metrics: dict[str, tuple[int, int]] = {}
        queue = [".notdef", *sorted(set(mapping.values()), key=src.getGlyphID)]
        while queue:
            name = queue.pop(0)
            if name in glyphs:
                continue
            glyph = _copy_glyph(glyf, name)
            if glyph.isComposite():
                queue.extend(c.glyphName for c in glyph.components if c.glyphName not in glyphs)
            glyphs[name] = glyph
            metrics[name] = hmtx[name]
            order.append(name)
        head = src["head"]
        hhea = src["hhea"]
        os2 = src["OS/2"]
        maxp = src["maxp"]
        units_per_em = head.unitsPerEm
        head_dates = (head.created, head.modified)
        ascent, descent = hhea.ascent, hhea.descent
        panose = copy.deepcopy(os2.panose)
        hinting = {tag: copy.deepcopy(src[tag]) for tag in ("fpgm", "prep", "cvt ") if tag in src}
        # With bounding-box recalculation off (see below) these keep the full font's values: upper
        # bounds of the subset's, which is what readers need.
        maxp_limits = {k: v for k, v in vars(maxp).items() if k.startswith("max")}
        hhea_extents = {k: getattr(hhea, k) for k in _HHEA_EXTENTS}
        bbox = {k: getattr(head, k) for k in ("xMin", "yMin", "xMax", "yMax")}

    builder = FontBuilder(units_per_em, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(mapping)
    # Not FontBuilder.setupGlyf: it would decode every glyph; the raw copies already carry their bounds.
    builder.font["loca"] = newTable("loca")
    glyf_table = newTable("glyf")
    glyf_table.glyphs = glyphs
    glyf_table.glyphOrder = order
    builder.font["glyf"] = glyf_table
    builder.setupHorizontalMetrics(metrics)
    builder.setupHorizontalHeader(ascent=ascent, descent=descent)
    builder.setupNameTable(
        {
            "familyName": CJK_FAMILY_NAME,
            "styleName": "Regular",
            "psName": CJK_FAMILY_NAME,
            "copyright": "Droid Sans Fallback, Copyright (C) 2008 The Android Open Source Project, "
            "Apache License 2.0",
        }
    )
    builder.setupOS2(
        sTypoAscender=ascent,
        sTypoDescender=descent,
        usWinAscent=ascent,
        usWinDescent=-descent,
        sCapHeight=int(ascent * 0.8),
        sxHeight=int(ascent * 0.55),
        panose=panose,
        fsType=0,
    )
    builder.setupPost()
    builder.setupHead(unitsPerEm=units_per_em, created=head_dates[0], modified=head_dates[1], **bbox)
    for tag, table in hinting.items():
        builder.font[tag] = table
    for key, value in maxp_limits.items():
        setattr(builder.font["maxp"], key, value)
    for key, value in hhea_extents.items():
        setattr(builder.font["hhea"], key, value)
    builder.font.recalcBBoxes = False  # copied glyphs carry their bounds; don't decode them all again
    out = BytesIO()
    builder.save(out)
    return out.getvalue()


_HHEA_EXTENTS = ("advanceWidthMax", "minLeftSideBearing", "minRightSideBearing", "xMaxExtent")


def _copy_glyph(glyf: Any, name: str) -> Glyph:
    """An independent copy of glyph ``name``; never expands (mutates) the shared source glyph."""
    stored = glyf.glyphs[name]
    data = stored.data if hasattr(stored, "data") else stored.compile(glyf)
    glyph = Glyph(data)
    if glyph.isComposite():
        glyph.expand(glyf)
    return glyph
