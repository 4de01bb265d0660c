"""A small SVG chart renderer for the PDF reports (horizontal bars, one line series).

WeasyPrint draws inline SVG, but SVG ``<text>`` does not inherit the page's font: every text
element names the CJK font family itself (platform notes, "the SVG font trap")."""

from __future__ import annotations

from html import escape

FONT = "'Noto Sans CJK SC', 'Noto Serif CJK SC', sans-serif"
BAR = "#2f6fba"
WEAK = "#b8c4d6"


def _text(x: float, y: float, text: str, *, size: int = 11, anchor: str = "start", fill: str = "#222") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" '
        f'text-anchor="{anchor}" fill="{fill}">{escape(text)}</text>'
    )


def bar_chart(
    items: list[tuple[str, float | None]],
    *,
    title: str,
    width: int = 640,
    max_value: float = 100.0,
    muted: list[bool] | None = None,
) -> str:
    """Horizontal bars, one per (label, value); ``None`` draws an empty, labelled row; ``muted``
    bars (e.g. insufficient data) are drawn pale."""
    row, left, top = 16, 150, 28
    height = top + row * max(len(items), 1) + 10
    plot = width - left - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        _text(0, 16, title, size=13),
    ]
    for i, (label, value) in enumerate(items):
        y = top + i * row
        parts.append(_text(left - 8, y + 11, label[:14], size=10, anchor="end"))
        if value is None:
            parts.append(_text(left + 4, y + 11, "—", size=10, fill="#888"))
            continue
        w = max(0.0, min(1.0, value / max_value)) * plot
        fill = WEAK if muted and muted[i] else BAR
        parts.append(f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row - 5}" fill="{fill}"/>')
        parts.append(_text(left + w + 4, y + 11, f"{value:.1f}", size=10))
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    points: list[tuple[str, float | None]],
    *,
    title: str,
    width: int = 640,
    height: int = 170,
    low: float = 0.0,
    high: float = 100.0,
) -> str:
    """One series over labelled x positions; gaps (``None``) break the line."""
    left, right, top, bottom = 40, 20, 30, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(points) - 1, 1)

    def y_of(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low or 1))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">',
        _text(0, 16, title, size=13),
    ]
    for tick in (low, (low + high) / 2, high):
        y = y_of(tick)
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{WEAK}"/>')
        parts.append(_text(left - 6, y + 4, f"{tick:g}", size=10, anchor="end", fill="#666"))
    segments: list[list[str]] = [[]]
    for i, (label, value) in enumerate(points):
        x = left + i * step
        parts.append(_text(x, height - 10, label, size=10, anchor="middle", fill="#444"))
        if value is None:
            segments.append([])
            continue
        segments[-1].append(f"{x:.1f},{y_of(value):.1f}")
        parts.append(f'<circle cx="{x:.1f}" cy="{y_of(value):.1f}" r="3" fill="{BAR}"/>')
        parts.append(_text(x, y_of(value) - 7, f"{value:.1f}", size=10, anchor="middle"))
    for segment in segments:
        if len(segment) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{BAR}" stroke-width="2" points="{" ".join(segment)}"/>'
            )
    parts.append("</svg>")
    return "".join(parts)
