"""The location bar (where am I: org / project / pipeline / workflow) and the status line
(is the data fresh, and if not, why and how old)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Static

from circletui.monitor import Health
from circletui.timefmt import format_clock
from circletui.ui.text import clean, linked

#: a location crumb: its text, or its text and the web URL it links to
Crumb = str | tuple[str, str | None]


class LocationBar(Static):
    """``circletui ▸ gh/acme ▸ gh/acme/api #1234 ▸ build-and-test``, plus a badge on the right
    counting the approvals that wait (``A`` opens them). The screen sets both attributes."""

    crumbs: reactive[tuple[Crumb, ...]] = reactive(tuple)
    """Where the user is, outermost first: text, or (text, web URL) for a crumb that is a
    hyperlink to its page in the CircleCI web app."""
    approvals: reactive[int] = reactive(0)

    @property
    def crumb_texts(self) -> tuple[str, ...]:
        """The crumbs' texts, without their links."""
        return tuple(c if isinstance(c, str) else c[0] for c in self.crumbs)

    def render(self) -> Text:
        width = self.size.width or 80
        count = self.approvals
        badge = f"‖ {count} approval{'s' if count != 1 else ''} waiting (A)" if count else ""
        crumbs = [(_shorten(clean(c)), None) if isinstance(c, str)
                  else (_shorten(clean(c[0])), c[1]) for c in self.crumbs]
        text = self._line(crumbs, badge, width)
        if text.cell_len > width and badge:
            # Narrow: keep where you are, shorten the badge to its count.
            badge = f"‖ {count} (A)"
            text = self._line(crumbs, badge, width)
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.truncate(width, overflow="ellipsis")
        return text

    @staticmethod
    def _line(crumbs: list[tuple[str, str | None]], badge: str, width: int) -> Text:
        text = Text("circletui", style="bold")
        for crumb, url in crumbs:
            text.append(" ▸ ", style="dim")
            text.append_text(linked(Text(crumb), url))
        if badge:
            pad = max(width - text.cell_len - len(badge) - 1, 1)
            text.append(" " * pad)
            text.append(badge, style="bold")
        return text


def _shorten(crumb: str, limit: int = 40) -> str:
    """Long crumbs (``circleci/<uuid>/<uuid> #12``) lose their middle, not their end."""
    if len(crumb) <= limit:
        return crumb
    keep = (limit - 1) // 2
    return crumb[:keep] + "…" + crumb[-(limit - 1 - keep):]


class StatusLine(Widget):
    """One line: live and when it last updated, or what is wrong, when it is retried and how
    old the data is.

    It is redrawn only when its text changes: the time of the last update (not an age that
    grows every second), and a countdown only while something is being waited out, so a
    monitor left open all day writes nothing to the terminal while nothing happens.
    """

    health: reactive[Health] = reactive(Health, always_update=True, layout=False)

    def __init__(
        self,
        *,
        now: Callable[[], datetime],
        monotonic: Callable[[], float],
        read_only: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._now = now
        self._monotonic = monotonic
        self._read_only = read_only
        self._shown = Text()

    def on_mount(self) -> None:
        # Ticks are cheap: the text is compared, and only a changed one is drawn.
        self.set_interval(1.0, self._redraw, name="status-line")

    def watch_health(self, health: Health) -> None:
        self.set_class(not health.ok, "-problem")
        self._redraw()

    def _redraw(self) -> None:
        text = self.describe(self.health)
        if text != self._shown or text.spans != self._shown.spans:
            self._shown = text
            self.refresh()

    def render(self) -> Text:
        return self._shown

    def describe(self, health: Health) -> Text:
        text = self._describe_health(health)
        if self._read_only:
            # The action keys are hidden in read-only mode; this says why.
            text.append("  read-only", style="bold")
        return text

    def _describe_health(self, health: Health) -> Text:
        now = self._now()
        if health.state == "starting":
            return Text("Connecting to CircleCI…", style="dim")
        if health.ok:
            text = Text("● live")
            if health.last_success:
                text.append(f"  updated {format_clock(health.last_success, now)}", style="dim")
            if health.stretch > 1:
                text.append("  · polling slower: the token's rate limit is nearly used",
                            style="dim")
            return text
        text = Text(f"⚠ {health.message}", style="bold")
        if health.retry_at is not None:
            wait = max(math.ceil(health.retry_at - self._monotonic()), 0)
            text.append(f", retrying in {wait} s")
        if health.last_success:
            text.append(f"  (data from {format_clock(health.last_success, now)})", style="dim")
        else:
            text.append("  (no data yet)", style="dim")
        return text
