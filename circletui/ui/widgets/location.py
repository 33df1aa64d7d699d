"""The location bar (where am I: org / project / pipeline / workflow) and the status line
(is the data fresh, and if not, why and how old)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from circletui.monitor import Health
from circletui.timefmt import format_age
from circletui.ui.text import clean


class LocationBar(Static):
    """``circletui ▸ gh/acme ▸ gh/acme/api #1234 ▸ build-and-test``, plus a badge on the right
    counting the approvals that wait (``A`` opens them)."""

    crumbs: reactive[tuple[str, ...]] = reactive(tuple)
    badge: reactive[str] = reactive("")

    def on_mount(self) -> None:
        app = self.app
        app.approvals_signal.subscribe(self, self._on_approvals)  # type: ignore[attr-defined]
        feed = app.approval_feed  # type: ignore[attr-defined]
        self._on_approvals(feed.approvals if feed else [])

    def _on_approvals(self, approvals: list) -> None:
        count = len(approvals)
        self.badge = f"‖ {count} approval{'s' if count != 1 else ''} waiting (A)" if count else ""

    def render(self) -> Text:
        text = Text("circletui", style="bold")
        for crumb in self.crumbs:
            text.append(" ▸ ", style="dim")
            text.append(clean(crumb))
        if self.badge:
            pad = max(self.size.width - text.cell_len - len(self.badge) - 1, 1)
            text.append(" " * pad)
            text.append(self.badge, style="bold")
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text


class StatusLine(Static):
    """One line: fresh and fine, or what is wrong, when it is retried and how old the data is."""

    health: reactive[Health] = reactive(Health, always_update=True)

    def __init__(self, *, now: Callable[[], datetime] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._now = now

    def on_mount(self) -> None:
        self.app.health_signal.subscribe(self, self._on_health)  # type: ignore[attr-defined]
        self._on_health(self.app.monitor.health)  # type: ignore[attr-defined]
        self.set_interval(1.0, self.refresh)

    def _on_health(self, health: Health) -> None:
        self.health = health
        self.set_class(not health.ok, "-problem")

    def render(self) -> Text:
        health = self.health
        app = self.app
        now_wall = getattr(app, "now", None)
        now = now_wall() if callable(now_wall) else datetime.now(UTC)
        clock = getattr(app, "monotonic", None)
        mono = clock() if callable(clock) else None
        if health.state == "starting":
            return Text("Connecting to CircleCI…", style="dim")
        if health.ok:
            text = Text("● live")
            if health.last_success:
                text.append(
                    f"  updated {format_age((now - health.last_success).total_seconds())}",
                    style="dim",
                )
            return text
        text = Text(f"⚠ {health.message}", style="bold")
        if health.retry_at is not None and mono is not None:
            wait = max(round(health.retry_at - mono), 0)
            text.append(f", retrying in {wait} s")
        if health.last_success:
            age = format_age((now - health.last_success).total_seconds())
            text.append(f"  (data from {age})", style="dim")
        else:
            text.append("  (no data yet)", style="dim")
        return text
