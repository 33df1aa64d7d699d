"""The Health screen: a project's Insights on a branch over a chosen window.

One row per workflow: success rate, median and 95th-percentile duration, throughput (runs a
day), mean time to recovery and credits, each with CircleCI's trend; below, a sparkline of the
highlighted workflow's recent run durations. ``w`` cycles the window (24 hours to 90 days),
``F`` opens the project's flaky tests. CircleCI refreshes these figures about daily, so they
are fetched when the screen opens (or the window changes) and kept for an hour: never polled.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Sparkline, Static

from circletui.api.errors import CircleCIError
from circletui.monitor.insights import ProjectHealth, next_window, window_label
from circletui.ui.insights_text import credits, duration, figure, per_day, percent
from circletui.ui.messages import OpenFlaky
from circletui.ui.screens.base import BaseScreen
from circletui.ui.text import clean, safe
from circletui.ui.widgets.location import Crumb
from circletui.ui.widgets.table import Table

#: the window the screen opens on (the workflow screen's health line uses the same one)
DEFAULT_WINDOW = "last-7-days"
#: narrower than this, a trend is its arrow alone, so seven columns fit 80 cells
COMPACT_BELOW = 100


class HealthScreen(BaseScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("w", "cycle_window", "Window", id="health-window"),
        Binding("F", "flaky", "Flaky tests", id="flaky-tests"),
    ]
    KEY_ORDER = ("back", "health-window", "flaky-tests", "help")

    def __init__(self, project_slug: str, branch: str | None,
                 window: str = DEFAULT_WINDOW) -> None:
        super().__init__()
        self.project_slug = project_slug
        self.branch = branch
        self.window = window
        self.health: ProjectHealth | None = None
        self._compact = False

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(id="health-heading")
        yield Table(id="health-table", columns=(
            ("name", "Workflow"), ("success", "Success"), ("median", "Median"),
            ("p95", "p95"), ("throughput", "Runs"), ("mttr", "MTTR"), ("credits", "Credits"),
        ))
        yield Static(id="health-runs-title")
        yield Sparkline([], id="health-sparkline")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(Table).focus()
        self.load()

    def location(self) -> list[Crumb]:
        return [f"{self.project_slug} @ {self.branch or 'default branch'}", "Health"]

    # -- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        self.load()

    def load(self) -> None:
        self._heading(loading=True)
        self.run_worker(self._load(self.window), name="insights", group="insights",
                        exclusive=True, exit_on_error=False)

    async def _load(self, window: str) -> None:
        try:
            health = await self.tui.insights.project_health(self.project_slug, self.branch,
                                                            window)
        except CircleCIError as error:
            self._heading(error=error.message)
            return
        if window == self.window:
            self.show_health(health)

    def show_health(self, health: ProjectHealth) -> None:
        self.health = health
        self._fill()
        self._heading()
        self._load_runs()

    def _fill(self) -> None:
        if self.health is None:
            return
        self._compact = self.size.width < COMPACT_BELOW
        rows = []
        for wf in self.health.workflows:
            m, t = wf.metrics, wf.trends

            def cell(value: str, key: str, t=t) -> Text:
                return figure(value, key, t, self.app, compact=self._compact)

            rows.append((wf.name, (
                safe(wf.name),
                cell(percent(m.success_rate), "success_rate"),
                cell(duration(m.median_duration_secs), "median_duration_secs"),
                cell(duration(m.p95_duration_secs), "p95_duration_secs"),
                cell(per_day(m.throughput), "throughput"),
                cell(duration(m.mttr), "mttr"),
                cell(credits(m.total_credits_used), "total_credits_used"),
            )))
        table = self.query_one(Table)
        if self._compact != getattr(self, "_filled_compact", None):
            # Narrower cells: the columns shrink only when the rows are put in afresh.
            table.replace_rows([])
            self._filled_compact = self._compact
        table.replace_rows(rows)

    def on_resize(self) -> None:
        if self.health is not None and (self.size.width < COMPACT_BELOW) != self._compact:
            self._fill()

    def _heading(self, *, loading: bool = False, error: str | None = None) -> None:
        text = Text()
        text.append("Insights", style="bold")
        text.append(f"  {window_label(self.window)}")
        text.append("  (w: window)", style="dim")
        if loading:
            text.append("  loading…", style="dim")
        elif error is not None:
            text.append(f"  could not load: {clean(error)}")
        elif self.health is not None:
            runs = sum(wf.metrics.total_runs for wf in self.health.workflows)
            text.append(f"  {runs} runs", style="dim")
            if not self.health.workflows:
                text.append("  no runs on this branch in this window")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#health-heading", Static).update(text)

    # -- the highlighted workflow's runs -----------------------------------------------------

    def selected_name(self) -> str | None:
        return self.query_one(Table).selected_key

    def _load_runs(self) -> None:
        name = self.selected_name()
        if name is None:
            self.query_one("#health-runs-title", Static).update("")
            self.query_one(Sparkline).display = False
            return
        self.run_worker(self._runs(name, self.window), name="insights runs",
                        group="insights-runs", exclusive=True, exit_on_error=False)

    async def _runs(self, name: str, window: str) -> None:
        title = self.query_one("#health-runs-title", Static)
        try:
            runs = await self.tui.insights.workflow_runs(self.project_slug, name, self.branch,
                                                         window)
        except CircleCIError as error:
            title.update(Text(f"Recent runs of {clean(name)}: {clean(error.message)}"))
            return
        if name != self.selected_name() or window != self.window:
            return
        durations = [float(r.duration) for r in runs if r.duration is not None]
        text = Text()
        text.append(f"Recent runs of {clean(name)}", style="bold")
        if durations:
            text.append(f"  {len(durations)} runs, oldest to newest, "
                        f"{duration(min(durations))} to {duration(max(durations))}", style="dim")
        else:
            text.append("  no finished runs in this window", style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        title.update(text)
        sparkline = self.query_one(Sparkline)
        sparkline.data = durations
        sparkline.display = bool(durations)

    @on(DataTable.RowHighlighted, "#health-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._load_runs()

    # -- actions -----------------------------------------------------------------------------

    def action_cycle_window(self) -> None:
        self.window = next_window(self.window)
        self.load()

    def action_flaky(self) -> None:
        self.post_message(OpenFlaky(self.project_slug))
