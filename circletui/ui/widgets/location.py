"""The location bar (where am I: org / project / pipeline / workflow) and the status line
(is the data fresh, and if not, why and how old)."""

from __future__ import annotations

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
    _approvals: list = []

    def on_mount(self) -> None:
        app = self.app
        app.approvals_signal.subscribe(self, self._on_approvals)  # type: ignore[attr-defined]
        feed = app.approval_feed  # type: ignore[attr-defined]
        self._on_approvals(feed.approvals if feed else [])

    def _on_approvals(self, approvals: list) -> None:
        self._approvals = approvals
        count = len(approvals)
        self.badge = f"‖ {count} approval{'s' if count != 1 else ''} waiting (A)" if count else ""

    def render(self) -> Text:
        width = self.size.width or 80
        badge = self.badge
        crumbs = [_shorten(clean(c)) for c in self.crumbs]
        text = self._line(crumbs, badge, width)
        if text.cell_len > width and badge:
            # Narrow: keep where you are, shorten the badge to its count.
            badge = f"‖ {len(self._approvals)} (A)"
            text = self._line(crumbs, badge, width)
        text.no_wrap = True
        text.overflow = "ellipsis"
        text.truncate(width, overflow="ellipsis")
        return text

    @staticmethod
    def _line(crumbs: list[str], badge: str, width: int) -> Text:
        text = Text("circletui", style="bold")
        for crumb in crumbs:
            text.append(" ▸ ", style="dim")
            text.append(crumb)
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


class StatusLine(Static):
    """One line: fresh and fine, or what is wrong, when it is retried and how old the data is."""

    health: reactive[Health] = reactive(Health, always_update=True)

    def on_mount(self) -> None:
        self.app.health_signal.subscribe(self, self._on_health)  # type: ignore[attr-defined]
        self._on_health(self.app.monitor.health)  # type: ignore[attr-defined]
        self.set_interval(1.0, self.refresh)

    def _on_health(self, health: Health) -> None:
        self.health = health
        self.set_class(not health.ok, "-problem")

    def render(self) -> Text:
        text = self._health_text()
        settings = getattr(self.app, "settings", None)
        if getattr(settings, "read_only", False):
            # The action keys are hidden in read-only mode; this says why.
            text.append("  read-only", style="bold")
        return text

    def _health_text(self) -> Text:
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
