"""Status colours, taken from the active Textual theme.

Table cells are Rich ``Text`` (so API text is never parsed as markup), and Rich styles cannot
name CSS classes; so cell colours come from the theme's variables (``$success``, ``$error``,
``$warning``, ``$accent``), which keeps them in step with ``.tcss`` and with theme changes.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App

from circletui.status import category, glyph, label

_VARIABLE = {
    "success": "success",
    "failed": "error",
    "running": "accent",
    "queued": "secondary",
    "on_hold": "warning",
}
_DIM = {"blocked", "canceled", "not_run"}


def status_style(status: str | None, app: App) -> str:
    cat = category(status)
    if cat in _DIM:
        return "dim"
    if cat == "unknown":
        return "italic"
    variable = _VARIABLE.get(cat)
    colour = app.theme_variables.get(variable, "") if variable else ""
    return f"bold {colour}".strip()


def status_text(status: str | None, app: App, *, with_label: bool = True) -> Text:
    text = f"{glyph(status)} {label(status)}" if with_label else glyph(status)
    return Text(text, style=status_style(status, app))
