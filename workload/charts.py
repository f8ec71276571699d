"""Inline SVG charts for the dashboards: server-rendered, no JavaScript, no CDN.

Pure Python, no Django. Every chart prints its values as text next to the marks (colour is
never the only signal) and is `role="img"` with a title; the page puts an equivalent table
next to it (docs/architecture.md: numbers a person compares go into a chart and a table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

LABEL_LIMIT = 56
FONT = 'font-family="system-ui, sans-serif"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    text: str  # the value as shown next to the bar
    tone: str = "accent"  # a CSS class: accent, low, moderate, high, very_high, ok, muted


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _svg(width: int, height: int, title: str, body: list[str], css: str) -> str:
    return (
        f'<svg class="chart {css}" viewBox="0 0 {width} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT}><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


CHAR_WIDTH = 8.2  # about one character of 14 px system-ui, for sizing the value column
BAR_ROW = 44  # a label line above a 16 px bar


def bar_chart(*, title: str, bars: Sequence[Bar], width: int = 400) -> str:
    """Horizontal bars, one row per item: the label on its own line above the bar (never
    clipped, however long a channel label is), the value printed after the bar, and a zero
    line (negative values extend left). The viewBox is narrow (400) so that text stays at
    least 11 px when a phone shrinks the chart to its width."""
    if not bars:
        return ""
    values = [float(b.value) for b in bars]
    lo, hi = min(0.0, *values), max(0.0, *values)
    if hi - lo < 1e-12:
        hi = lo + 1
    value_width = max(56, int(max(len(b.text) for b in bars) * CHAR_WIDTH) + 10)
    plot_x, plot_w = 4, width - 4 - value_width
    height = len(bars) * BAR_ROW + 4

    def x(value: float) -> float:
        return plot_x + (value - lo) / (hi - lo) * plot_w

    zero = x(0.0)
    body = []
    for i, bar in enumerate(bars):
        y = i * BAR_ROW + 4
        x1 = x(float(bar.value))
        left, right = min(zero, x1), max(zero, x1)
        body.append(
            f'<text x="{plot_x}" y="{y + 14}" font-size="14" class="label">'
            f"{escape(_short(bar.label, LABEL_LIMIT))}</text>"
            f'<rect x="{left:.1f}" y="{y + 20}" width="{max(right - left, 1):.1f}" height="16" '
            f'rx="2" class="bar {escape(bar.tone)}"/>'
            f'<text x="{right + 6:.1f}" y="{y + 33}" font-size="14" class="value">'
            f"{escape(bar.text)}</text>"
        )
    body.append(f'<line x1="{zero:.1f}" y1="20" x2="{zero:.1f}" y2="{height}" class="axis"/>')
    return _svg(width, height, title, body, "bars")


def column_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    texts: Sequence[str],
    reference: Sequence[float] | None = None,
    reference_label: str = "",
    tone: str = "accent",
    width: int = 640,
    height: int = 210,
) -> str:
    """Vertical columns over time (one per week), values printed above, and an optional
    dashed reference line (e.g. contracted hours) named in a legend."""
    if not values:
        return ""
    top, bottom, left, right = 24, 34, 8, 8
    plot_h = height - top - bottom
    n = len(values)
    slot = (width - left - right) / n
    peak = max([0.0, *map(float, values), *map(float, reference or [])]) or 1.0

    def y(value: float) -> float:
        return top + plot_h - float(value) / peak * plot_h

    body = []
    for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        cx = left + slot * i + slot / 2
        bw = slot * 0.62
        yv = y(value)
        body.append(
            f'<rect x="{cx - bw / 2:.1f}" y="{yv:.1f}" width="{bw:.1f}" '
            f'height="{max(top + plot_h - yv, 0):.1f}" class="bar {escape(tone)}"/>'
            f'<text x="{cx:.1f}" y="{yv - 4:.1f}" text-anchor="middle" font-size="11" '
            f'class="value">{escape(text)}</text>'
            f'<text x="{cx:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'font-size="11" class="label">{escape(label)}</text>'
        )
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'class="axis"/>'
    )
    if reference:
        points = []
        for i, value in enumerate(reference):
            points += [f"{left + slot * i:.1f},{y(value):.1f}",
                       f"{left + slot * (i + 1):.1f},{y(value):.1f}"]  # fmt: skip
        body.append(f'<polyline points="{" ".join(points)}" class="reference"/>')
        body.append(
            f'<line x1="{width - 190}" y1="10" x2="{width - 166}" y2="10" class="reference"/>'
            f'<text x="{width - 160}" y="14" font-size="12" class="label">'
            f"{escape(reference_label)}</text>"
        )
    return _svg(width, height, title, body, "columns")


def line_chart(
    *,
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    texts: Sequence[str],
    max_value: float | None = None,
    width: int = 640,
    height: int = 190,
) -> str:
    """A line over time with a labelled marker per point; None leaves a gap."""
    if not values:
        return ""
    top, bottom, left, right = 22, 34, 20, 20
    plot_h = height - top - bottom
    n = len(values)
    step = (width - left - right) / max(n - 1, 1)
    known = [float(v) for v in values if v is not None]
    peak = max_value or max([*known, 0.0]) or 1.0

    def y(value: float) -> float:
        return top + plot_h - float(value) / peak * plot_h

    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        'class="axis"/>'
    ]
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, value in enumerate(values):
        if value is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        segment.append(f"{left + step * i:.1f},{y(value):.1f}")
    if segment:
        segments.append(segment)
    for points in segments:
        body.append(f'<polyline points="{" ".join(points)}" class="line"/>')
    for i, (label, value, text) in enumerate(zip(labels, values, texts, strict=True)):
        cx = left + step * i
        if value is not None:
            body.append(
                f'<circle cx="{cx:.1f}" cy="{y(value):.1f}" r="3.5" class="dot"/>'
                f'<text x="{cx:.1f}" y="{y(value) - 8:.1f}" text-anchor="middle" '
                f'font-size="11" class="value">{escape(text)}</text>'
            )
        body.append(
            f'<text x="{cx:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
            f'font-size="11" class="label">{escape(label)}</text>'
        )
    return _svg(width, height, title, body, "lines")
