"""Charts drawn on the server as SVG: the geometry here, the markup in
``templates/reporting/charts/``. Every chart has a title and a description for screen readers,
text labels on its axes and values, and a table of the same numbers next to it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Series colours (classes in reporting.css), readable on white and distinct in grey.
SERIES = ("s1", "s2", "s3", "s4")


@dataclass
class Chart:
    title: str
    desc: str
    width: int
    height: int
    bars: list[dict[str, Any]] = field(default_factory=list)
    labels: list[dict[str, Any]] = field(default_factory=list)
    ticks: list[dict[str, Any]] = field(default_factory=list)
    legend: list[dict[str, Any]] = field(default_factory=list)
    line: str = ""
    points: list[dict[str, Any]] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)


def nice_max(value: float) -> float:
    """The smallest 1, 2 or 5 × 10^n at or above ``value`` (at least 1)."""
    if value <= 1:
        return 1
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return 10 * magnitude


def stacked_bars(
    *,
    title: str,
    desc: str,
    categories: list[str],
    series: list[tuple[str, list[int]]],
    rate: tuple[str, list[float | None]] | None = None,
) -> Chart:
    """Vertical bars per category, stacked by series; an optional rate (0–100 %) as a line."""
    left, right, top, bottom = 44, 44 if rate else 12, 12, 48
    slot = 48
    width = left + right + slot * max(1, len(categories))
    height = 240
    plot = height - top - bottom
    totals = [sum(values[i] for _name, values in series) for i in range(len(categories))]
    top_value = nice_max(max(totals, default=0))
    chart = Chart(title, desc, width, height)
    for i in range(5):
        value = top_value * i / 4
        y = top + plot - plot * i / 4
        chart.ticks.append({"y": round(y, 1), "label": f"{value:g}", "x": left - 6})
    for index, category in enumerate(categories):
        x = left + slot * index + 8
        y = top + plot
        for number, (name, values) in enumerate(series):
            value = values[index]
            if not value:
                continue
            h = plot * value / top_value
            y -= h
            chart.bars.append(
                {
                    "x": x,
                    "y": round(y, 1),
                    "w": slot - 16,
                    "h": round(h, 1),
                    "cls": SERIES[number % len(SERIES)],
                    "title": f"{category}: {name} {value}",
                }
            )
        chart.labels.append(
            {
                "x": x + (slot - 16) / 2,
                "y": height - bottom + 16,
                "text": category,
                "total": totals[index],
                "ty": round(y - 4, 1),
            }
        )
    chart.legend = [
        {"cls": SERIES[number % len(SERIES)], "text": name, "x": left + 130 * number}
        for number, (name, _values) in enumerate(series)
    ]
    if rate:
        rate_name, rates = rate
        points = []
        for index, percent in enumerate(rates):
            if percent is None:
                continue
            px = left + slot * index + slot / 2
            py = top + plot - plot * percent / 100
            points.append({"x": round(px, 1), "y": round(py, 1), "text": f"{percent:g} %"})
        chart.points = points
        chart.line = " ".join(f"{p['x']},{p['y']}" for p in points)
        chart.legend.append({"cls": "rate", "text": rate_name, "x": left + 130 * len(series)})
    return chart


def ranked_bars(
    *, title: str, desc: str, rows: list[tuple[str, float | None]], unit: str = "%"
) -> Chart:
    """Horizontal bars, one per row (already ranked), the value written at the bar's end."""
    label_width, bar_width, row_height = 260, 300, 30
    width = label_width + bar_width + 70
    height = row_height * max(1, len(rows)) + 8
    top_value = 100 if unit == "%" else nice_max(max((v or 0 for _l, v in rows), default=0))
    chart = Chart(title, desc, width, height)
    for index, (label, value) in enumerate(rows):
        y = 4 + row_height * index
        w = bar_width * (value or 0) / top_value
        chart.bars.append(
            {
                "x": label_width,
                "y": y + 4,
                "w": round(w, 1),
                "h": row_height - 10,
                "cls": SERIES[0],
                "title": f"{label}: {value if value is not None else '—'} {unit}",
            }
        )
        chart.labels.append(
            {
                "x": label_width - 8,
                "y": y + row_height / 2 + 5,
                "text": label if len(label) <= 38 else label[:37] + "…",
                "value": "—" if value is None else f"{value:g} {unit}",
                "vx": round(label_width + w + 6, 1),
            }
        )
    return chart


def heatmap(
    *,
    title: str,
    desc: str,
    counts: dict[tuple[int, int], int],
    weekdays: list[str],
    hours: list[int],
) -> Chart:
    """Weekday × hour cells, darker for more arrivals, each with its number."""
    left, top, cell_w, cell_h = 76, 26, 40, 30
    width = left + cell_w * len(hours) + 4
    height = top + cell_h * 7 + 4
    most = max(counts.values(), default=0)
    chart = Chart(title, desc, width, height)
    for column, hour in enumerate(hours):
        chart.labels.append({"x": left + cell_w * column + cell_w / 2, "y": 18, "text": f"{hour}h"})
    for row in range(7):
        chart.ticks.append(
            {"x": left - 8, "y": top + cell_h * row + cell_h / 2 + 5, "label": str(weekdays[row])}
        )
        for column, hour in enumerate(hours):
            n = counts.get((row + 1, hour), 0)
            level = 0 if not n else min(5, 1 + int(4 * n / most)) if most else 0
            chart.cells.append(
                {
                    "x": left + cell_w * column,
                    "y": top + cell_h * row,
                    "w": cell_w - 2,
                    "h": cell_h - 2,
                    "level": level,
                    "n": n,
                    "title": f"{weekdays[row]} {hour}h: {n}",
                }
            )
    return chart
