"""Turning text from CircleCI into something safe to show.

Commit messages, branch names, job names and log lines are data, never markup: they become
``rich.text.Text`` objects (which Textual never parses) with control characters removed, so a
commit subject of ``[bold]x[/]`` or one holding an escape sequence is shown literally.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from rich.style import Style
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


def link_style(url: str | None) -> Style | None:
    """A style that makes text an OSC 8 hyperlink to ``url`` (a click in the local terminal
    opens it, which works over SSH where ``o`` cannot), or None when ``url`` is not a plain
    http(s) URL. URLs come from the API: one holding a control character or an escape could
    end the terminal sequence early and inject another, so those are never linked."""
    if not url or len(url) > 2048 or _CONTROL.search(url) or "\x1b" in url or " " in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return Style(link=url)


def linked(text: Text, url: str | None) -> Text:
    """``text`` made a hyperlink to ``url`` (unchanged when the URL is not safe to link)."""
    style = link_style(url)
    if style is not None:
        text.stylize(style)
    return text
