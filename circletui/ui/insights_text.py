"""How Insights figures read: rates, durations, credits and trends as Rich ``Text``.

A trend is CircleCI's ratio of this period's figure to the previous period's: ``▲12%`` /
``▼8%`` beside the figure, coloured by whether the change is good news (a higher success rate,
a shorter duration), ``=`` when it moved by less than half a percent.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App

from circletui.timefmt import PLACEHOLDER, format_duration

#: per trend key: True when higher is better, False when lower is, None when neither
GOOD_DIRECTION: dict[str, bool | None] = {
    "success_rate": True,
    "median_duration_secs": False,
    "p95_duration_secs": False,
    "throughput": None,
    "mttr": False,
    "total_credits_used": False,
    "total_runs": None,
    "failed_runs": False,
}


def percent(rate: float | None) -> str:
    """A success rate (0 to 1) as ``87%``."""
    return PLACEHOLDER if rate is None else f"{rate * 100:.0f}%"


def credits(value: int | None) -> str:
    if value is None:
        return PLACEHOLDER
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    return f"{value:,}"


def per_day(value: float | None) -> str:
    return PLACEHOLDER if value is None else f"{value:.1f}/d"


def trend_text(key: str, ratio: float | None, app: App, *, compact: bool = False) -> Text:
    """``▲12%`` or ``▼8%`` (or ``=``), in the theme's success/error colour when it matters;
    ``compact``: the arrow alone (the colour still tells good news from bad)."""
    if ratio is None:
        return Text("")
    change = ratio - 1.0
    if abs(change) < 0.005:
        return Text("=", style="dim")
    arrow = "▲" if change > 0 else "▼"
    good = GOOD_DIRECTION.get(key)
    style = "dim"
    if good is not None:
        variable = "success" if (change > 0) == good else "error"
        style = app.theme_variables.get(variable, "")
    if compact:
        return Text(arrow, style=style)
    return Text(f"{arrow}{abs(change) * 100:.0f}%", style=style)


def figure(value: str, key: str, trends: dict[str, float], app: App, *,
           compact: bool = False) -> Text:
    """A figure and its trend: ``87% ▲4%`` (``87% ▲`` when ``compact``)."""
    text = Text(value)
    trend = trend_text(key, trends.get(key), app, compact=compact)
    if trend.plain and value != PLACEHOLDER:  # no figure, nothing to compare
        text.append(" ")
        text.append_text(trend)
    return text


def duration(seconds: float | None) -> str:
    return format_duration(seconds)
