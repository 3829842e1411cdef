"""Server-rendered SVG charts: the date histogram and the sparklines of the index pages.

Pure geometry from counts (no queries, no JS, no CSS-in-attributes, so a strict CSP holds); the
templates draw the shapes. Units are SVG user units, drawn 1:1 as CSS pixels (the histogram scrolls
sideways rather than shrinking its labels when it is wider than the screen).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Protocol

MODE_COUNT, MODE_SHARE = "count", "share"
# Above this ratio between the biggest and the smallest non-empty bar, counts are drawn on a log
# scale: one 2018 bar of 2,000 articles beside years of 20 would otherwise leave those years flat.
LOG_SCALE_RATIO = 20
BAR_AREA = 100  # height of the tallest bar
LABEL_AREA = 34  # room above a bar for its count (written upright when it does not fit across)
AXIS_AREA = 18
CHAR_WIDTH = 6.2  # width of one digit at the 10-unit font the labels use


class _Bar(Protocol):
    period: str
    count: int
    date_from: dt.date
    date_to: dt.date


@dataclass
class BarShape:
    period: str
    count: int
    label: str  # what is written above the bar: the count, or the share in share mode
    url: str
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    label_upright: bool
    axis_label: str
    selected: bool
    share: float | None = None


@dataclass
class HistogramChart:
    unit: str
    mode: str
    log_scale: bool
    width: int
    height: int
    axis_y: int
    bars: list[BarShape] = field(default_factory=list)


def count_compact(n: int) -> str:
    """1234 → "1.2k", 56000 → "56k": short enough to write above a 20-unit bar."""
    if n < 1000:
        return str(n)
    if n < 10_000:
        return f"{n / 1000:.1f}k"
    return f"{round(n / 1000)}k"


def histogram_chart(
    bars: list[_Bar],
    *,
    unit: str,
    mode: str = MODE_COUNT,
    totals: dict[str, int] | None = None,
    selected: tuple[dt.date | None, dt.date | None] = (None, None),
) -> HistogramChart:
    """Bar shapes for ``bars`` (each with a ``url`` attribute set by the view).

    ``mode=share`` draws each bar as its percentage of ``totals[bar.period]`` (all the archive's
    articles of that period), so a busy month does not hide a trend. ``selected`` is the search's
    date range: the bars inside it are marked (the histogram itself ignores the date filter).
    """
    n = len(bars)
    slot = 32 if n <= 24 else 20
    width = max(n * slot, 120)
    values: list[float] = []
    shares: list[float | None] = []
    for bar in bars:
        total = (totals or {}).get(bar.period, 0)
        share = 100 * bar.count / total if total else None
        shares.append(share)
        values.append((share or 0.0) if mode == MODE_SHARE else float(bar.count))
    top = max(values, default=0) or 1
    smallest = min((v for v in values if v > 0), default=top)
    log_scale = mode == MODE_COUNT and top / smallest > LOG_SCALE_RATIO

    def height_of(value: float) -> float:
        if value <= 0:
            return 0
        scaled = math.log1p(value) / math.log1p(top) if log_scale else value / top
        return max(2.0, round(BAR_AREA * scaled, 1))  # a non-empty bar never disappears

    axis_chars = 4 if unit == "year" else 7
    axis_step = max(1, math.ceil((axis_chars * CHAR_WIDTH + 4) / slot))
    start, end = selected
    chart = HistogramChart(
        unit=unit, mode=mode, log_scale=log_scale, width=width, height=LABEL_AREA + BAR_AREA + AXIS_AREA,
        axis_y=LABEL_AREA + BAR_AREA + AXIS_AREA - 4,
    )
    base = LABEL_AREA + BAR_AREA
    for i, (bar, value, share) in enumerate(zip(bars, values, shares, strict=True)):
        h = height_of(value)
        x = i * slot + 1
        if mode == MODE_SHARE:
            label = "" if share is None else (f"{share:.1f}%" if share < 10 else f"{share:.0f}%")
        else:
            label = count_compact(bar.count) if bar.count else ""
        upright = len(label) * CHAR_WIDTH > slot - 2
        chart.bars.append(
            BarShape(
                period=bar.period,
                count=bar.count,
                label=label,
                url=getattr(bar, "url", ""),
                x=x,
                y=base - h,
                width=slot - 2,
                height=h,
                label_x=x + (slot - 2) / 2,
                label_y=base - h - 3,
                label_upright=upright,
                axis_label=bar.period if i % axis_step == 0 else "",
                selected=_inside(bar, start, end),
                share=share,
            )
        )
    return chart


def _inside(bar: _Bar, start: dt.date | None, end: dt.date | None) -> bool:
    if not (start or end):
        return False
    return (not start or bar.date_from >= start) and (not end or bar.date_to <= end)


@dataclass
class Sparkline:
    width: int
    height: int
    points: str  # "x,y x,y ..." for an SVG polyline
    last_x: float
    last_y: float


def sparkline(counts: list[int], *, width: int = 120, height: int = 24) -> Sparkline | None:
    """A polyline of ``counts`` (oldest first) scaled to ``width`` × ``height``; None when empty."""
    if not counts or not any(counts):
        return None
    top = max(counts)
    step = width / max(len(counts) - 1, 1)
    coords = [(round(i * step, 1), round(height - 1 - (height - 2) * c / top, 1)) for i, c in enumerate(counts)]
    return Sparkline(
        width=width,
        height=height,
        points=" ".join(f"{x},{y}" for x, y in coords),
        last_x=coords[-1][0],
        last_y=coords[-1][1],
    )
