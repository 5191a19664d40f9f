"""Charts as inline SVG made on the server: no canvas, no script, readable by screen readers and tests.

    svg = bar_chart([Bar("2026-10", 0.93, "93%（41 件）")], title="满意率（按月）")

Each bar is a ``<g role="listitem">`` holding a ``<title>`` and a text label, so the figures are in the DOM.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

ROW = 26
LABEL_W = 220
BAR_W = 360
VALUE_W = 150


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    fraction: float  # 0..1, the bar's length
    text: str  # the value as written next to the bar
    warn: bool = False  # drawn in the warning colour (e.g. a satisfaction rate under target)


def _clip(text: str, limit: int = 16) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(bars: list[Bar], *, title: str, chart_id: str = "") -> Markup:
    """A horizontal bar chart; an empty list gives a short "no data" figure."""
    height = max(1, len(bars)) * ROW + 34
    width = LABEL_W + BAR_W + VALUE_W
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-t"'
        f"{f' data-testid={chr(34)}{escape(chart_id)}{chr(34)}' if chart_id else ''}>",
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<text x="0" y="16" class="chart-title">{escape(title)}</text>',
        '<g role="list" transform="translate(0,28)">',
    ]
    if not bars:
        parts.append('<text x="0" y="16" class="chart-empty">暂无数据</text>')
    for i, bar in enumerate(bars):
        y = i * ROW
        length = max(0.0, min(1.0, bar.fraction)) * BAR_W
        parts.append(
            f'<g role="listitem" class="bar{" bar-warn" if bar.warn else ""}">'
            f"<title>{escape(bar.label)}：{escape(bar.text)}</title>"
            f'<text x="{LABEL_W - 8}" y="{y + 16}" text-anchor="end" class="bar-label">'
            f"{escape(_clip(bar.label))}</text>"
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{BAR_W}" height="16" class="bar-track"/>'
            f'<rect x="{LABEL_W}" y="{y + 4}" width="{length:.1f}" height="16" class="bar-fill"/>'
            f'<text x="{LABEL_W + BAR_W + 8}" y="{y + 16}" class="bar-value">{escape(bar.text)}</text></g>'
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))
