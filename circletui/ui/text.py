"""Turning text from CircleCI into something safe to show.

Commit messages, branch names, job names and log lines are data, never markup: they become
``rich.text.Text`` objects (which Textual never parses) with control characters removed, so a
commit subject of ``[bold]x[/]`` or one holding an escape sequence is shown literally.
"""

from __future__ import annotations

import re

from rich.text import Text

# C0 controls except tab, DEL, and C1 controls (which include the 8-bit CSI).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# A whole ANSI/VT sequence, so that "\x1b[2J" vanishes instead of leaving "[2J" behind.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def clean(value: object) -> str:
    """One line of display text: escape sequences and control characters removed."""
    if value is None:
        return ""
    text = _ESCAPE.sub("", str(value))
    text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ").replace("\t", " ")
    return _CONTROL.sub("", text)


def safe(value: object, style: str = "") -> Text:
    """A ``Text`` of ``value`` that no markup parser will ever see."""
    return Text(clean(value), style=style, no_wrap=True, overflow="ellipsis")


def truncate(value: str, width: int) -> str:
    if width <= 0:
        return ""
    return value if len(value) <= width else value[: max(width - 1, 0)] + "…"
