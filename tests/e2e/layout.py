"""Measuring what a resident or a worker sees, in a page Flutter draws on a canvas.

Flet's web client renders with CanvasKit: there is no text in the DOM. What the browser does have is Flutter's
semantics tree (``flt-semantics`` elements positioned over the canvas), which gives every target's and text
block's rectangle in CSS pixels — Flutter's logical pixels (dp). Sizes of targets and horizontal overflow are
read from those rectangles. Font size, line spacing and contrast come from the screenshot's pixels inside a
text block's rectangle:

- the background is the crop's most common colour; "ink" is every pixel clearly different from it;
- the text's rows of ink form one band per line; a band's height in dp, divided by the ink height of the same
  characters in the same font file (``DroidSansFallbackFull.ttf``, measured with Pillow at 200 px), is the
  rendered font size;
- line spacing is the block's height ÷ (lines × font size) (Flutter lays out a line at ``height`` × size);
- contrast is the WCAG ratio between the background and the glyphs' core colour (the 90th percentile of the
  ink's contrast, so anti-aliased edges do not lower it).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageFont

from tests.e2e.conftest import REPO, StationProcess, free_port, start_station

FONT = REPO / "station_app" / "assets" / "fonts" / "DroidSansFallbackFull.ttf"

#: semantics elements a finger can hit (a disabled textarea is selectable text, such as a fact's value)
TARGETS_JS = """() => Array.from(document.querySelectorAll(
    'flt-semantics[role=button], flt-semantics[role=radio], flt-semantics[role=checkbox],'
    + ' flt-semantics[role=switch], flt-semantics[role=link], flt-semantics[role=textbox],'
    + ' flt-semantics input:not([disabled]), flt-semantics textarea:not([disabled]),'
    + ' flt-semantics[flt-tappable]'))
  .map(e => { const r = e.getBoundingClientRect();
    return {id: e.closest('[flt-semantics-identifier]')?.getAttribute('flt-semantics-identifier') || '',
            label: (e.getAttribute('aria-label') || e.innerText || '').slice(0, 40), tag: e.tagName,
            role: e.getAttribute('role') || '', x: r.x, y: r.y, w: r.width, h: r.height}; })
  .filter(b => b.w > 0 && b.h > 0)"""

#: every semantics element whose rectangle leaves the viewport sideways, and the page's scroll width.
#: Flutter clips a node's rectangle to the window, so a control pushed partly off the right edge shows up
#: as a node ending exactly at the edge: only full-width strips (starting at x = 0) may end there.
OVERFLOW_JS = """() => {
  const W = window.innerWidth;
  const out = Array.from(document.querySelectorAll('flt-semantics'))
    .map(e => { const r = e.getBoundingClientRect();
      return {id: e.getAttribute('flt-semantics-identifier') || '',
              label: (e.getAttribute('aria-label') || e.innerText || '').slice(0, 40),
              left: r.left, right: r.right, w: r.width}; })
    .filter(b => b.w > 0 && (b.right > W + 1 || b.left < -1 || (b.left > 0.5 && b.right >= W - 0.5)));
  return {width: W, scrollWidth: document.documentElement.scrollWidth,
          bodyScrollWidth: document.body.scrollWidth, outside: out};
}"""


def targets(page: Any) -> list[dict[str, Any]]:
    return list(page.evaluate(TARGETS_JS))


def overflow(page: Any) -> dict[str, Any]:
    return dict(page.evaluate(OVERFLOW_JS))


def rect(page: Any, ident: str) -> dict[str, float]:
    loc = page.locator(f'[flt-semantics-identifier="{ident}"]').first
    box = loc.bounding_box()
    assert box, ident
    return dict(box)


@cache
def ink_ratio(text: str) -> float:
    """Ink height of ``text``'s glyphs ÷ font size, in the bundled font."""
    font = ImageFont.truetype(str(FONT), 200)
    box = font.getmask(text).getbbox()
    assert box, text
    return (box[3] - box[1]) / 200


def _luminance(c: tuple[int, int, int]) -> float:
    def ch(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = c
    return 0.2126 * ch(r) + 0.7152 * ch(g) + 0.0722 * ch(b)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass
class TextMeasure:
    font_dp: float  # rendered font size
    lines: int
    line_spacing: float  # line height ÷ font size
    contrast: float
    background: tuple[int, int, int]
    text_colour: tuple[int, int, int]


def measure_text(
    png: bytes, box: dict[str, float], dpr: float, text: str, *, left_dp: float = 0.0
) -> TextMeasure:
    """Measure the text ``text`` drawn inside ``box`` (CSS px) of a screenshot taken at ``dpr``.
    ``left_dp`` skips that much of the box's left side (an icon in front of a label)."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    x0 = round((box["x"] + left_dp) * dpr)
    y0 = round(box["y"] * dpr)
    x1 = round((box["x"] + box["width"]) * dpr)
    y1 = round((box["y"] + box["height"]) * dpr)
    crop = img.crop((x0, y0, x1, y1))
    w, h = crop.size
    colours = crop.getcolors(w * h) or []
    background = max(colours)[1]
    px = crop.load()
    assert px is not None
    ink_rows: list[int] = []
    ink_contrasts: list[tuple[float, tuple[int, int, int]]] = []
    for y in range(h):
        row_ink = 0
        for x in range(w):
            c = px[x, y]
            if max(abs(c[i] - background[i]) for i in range(3)) > 60:
                row_ink += 1
                ink_contrasts.append((contrast(c, background), c))
        if row_ink:
            ink_rows.append(y)
    assert ink_rows, f"no text drawn in {box} for {text!r}"
    # rows of ink → one band per line; gaps inside a line of CJK text are far shorter than between lines
    bands: list[list[int]] = [[ink_rows[0], ink_rows[0]]]
    for y in ink_rows[1:]:
        if y - bands[-1][1] <= max(2, round(0.12 * (bands[0][1] - bands[0][0] + 1))):
            bands[-1][1] = y
        else:
            bands.append([y, y])
    tallest = max(b[1] - b[0] + 1 for b in bands)
    bands = [b for b in bands if (b[1] - b[0] + 1) >= 0.5 * tallest]  # drop stray specks (a cursor, a line)
    ink_dp = (bands[0][1] - bands[0][0] + 1) / dpr
    font_dp = ink_dp / ink_ratio(text)
    ink_contrasts.sort()
    core = ink_contrasts[int(0.9 * (len(ink_contrasts) - 1))]
    lines = len(bands)
    return TextMeasure(
        font_dp=round(font_dp, 2),
        lines=lines,
        line_spacing=round(box["height"] / (lines * font_dp), 3),
        contrast=round(core[0], 2),
        background=background,
        text_colour=core[1],
    )


# ------------------------------------------------------------------------------------------- the station

ELDER_ITEM = "116101148271606872051010115000000"  # 高龄津贴申领: no form fields, an 80-year-old applicant


def build_station(data_dir: Any, *, font_scale: float = 1.0) -> dict[str, str]:
    """A set-up, enrolled station (fast KDF) with the sample catalog and three 高龄津贴 cases, accepted ten
    days ago: one waiting for the center, one whose result is ready (the hand-over card), one handed over
    (rating). Returns the case numbers by state."""
    import datetime as dt

    from casework import clock
    from casework.cases import CaseStatus, Side
    from station_app.services.cases import CaseService
    from storage.crypto import KdfParams
    from tests.station_app.volume import WORKER, _accept, _center, new_station

    svc = new_station(data_dir, KdfParams.insecure_fast())
    cases, catalog = CaseService(svc), svc.catalog()
    t0 = clock.now() - dt.timedelta(days=10)
    numbers: dict[str, str] = {}
    for state in ("accepted", "result_ready", "handed_over"):
        with clock.use_clock(clock.fixed(t0)):
            case = _accept(cases, catalog, ELDER_ITEM, "accept")
        numbers[state] = case.number
        if state == "accepted":
            continue
        at = t0
        for to, side in (
            (CaseStatus.DELIVERED, Side.CENTER),
            (CaseStatus.IN_REVIEW, Side.CENTER),
        ):
            at += dt.timedelta(hours=2)
            case.transition(to, actor="center", at=at, side=side)
        scan = next(a for r in case.materials for a in r.attachments)
        for r in case.outstanding_deferred():
            case.receive_deferred(r.code, attachments=[scan], verified_by=f"worker:{WORKER}", at=at)
        at += dt.timedelta(hours=2)
        _center(case, CaseStatus.APPROVED, at, "准予")
        at += dt.timedelta(hours=2)
        case.transition(CaseStatus.RESULT_READY, actor="center", at=at, side=Side.CENTER)
        if state == "handed_over":
            at += dt.timedelta(hours=2)
            case.transition(CaseStatus.HANDED_OVER, actor=f"worker:{WORKER}", at=at, side=Side.STATION)
        cases.save(case, actor=f"worker:{WORKER}", action="test-setup")
    if font_scale != 1.0:
        svc.save_settings({"font_scale": font_scale}, actor=f"worker:{WORKER}")
    svc.close()
    return numbers


@contextmanager
def served_station(base: Path, **env: str) -> Iterator[tuple[StationProcess, dict[str, str]]]:
    """:func:`build_station` under ``base``, served (its passphrase given at start-up, plus ``env``)."""
    from tests.station_app.volume import PASSPHRASE

    numbers = build_station(base / "station")
    env = {"STATION_PASSPHRASE": PASSPHRASE, **env}
    before = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        served = start_station(["serve"], base / "station", free_port())
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        yield served, numbers
    finally:
        served.stop()
