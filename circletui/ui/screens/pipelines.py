"""The pipelines screen: recent pipelines, newest first, one row per workflow.

Rows are keyed by pipeline and workflow id and diffed in place by a ``LiveTable``, so the
cursor stays on the same workflow while polls come back, and a tick that moves one age or
running duration repaints that cell and nothing else. ``/`` filters as you
type; ``m`` and ``f`` toggle "mine" and "failed or on hold only".
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widgets import Input, Static

from circletui.api.models import Pipeline, Workflow
from circletui.monitor import PipelineRow
from circletui.status import needs_attention
from circletui.timefmt import elapsed, format_age, format_duration
from circletui.ui.formatting import WATCH_MARK, project_name, ref_of
from circletui.ui.messages import OpenConfig, OpenFlaky, OpenHealth, OpenWorkflow
from circletui.ui.palette import status_text
from circletui.ui.pipeline_columns import pipeline_columns
from circletui.ui.pipeline_lines import Line, build_lines, matches, same_line
from circletui.ui.screens.base import BaseScreen
from circletui.ui.text import clean, linked, safe, truncate
from circletui.ui.widgets.live_table import Column, LiveTable
from circletui.weburls import pipeline_web_url, workflow_web_url


class PipelinesScreen(BaseScreen):
    BINDINGS = [
        Binding("enter", "open_workflow", "Open", id="open-workflow", show=False),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("m", "toggle_mine", "Mine", id="toggle-mine"),
        Binding("f", "toggle_attention", "Failed only", id="toggle-failed"),
        Binding("c", "cancel", "Cancel", id="cancel"),
        Binding("r", "rerun_failed", "Rerun failed", id="rerun-failed"),
        Binding("R", "rerun_all", "Rerun all", id="rerun-all"),
        Binding("w", "watch", "Watch", id="watch"),
        Binding("t", "trigger", "Trigger", id="trigger"),
        # Kept out of the narrow footer; listed by ? and the palette.
        Binding("H", "health", "Project health", id="health", show=False),
        Binding("F", "flaky", "Flaky tests", id="flaky-tests", show=False),
        Binding("C", "config", "Pipeline config", id="config", show=False),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="clear-filter"),
    ]
    KEY_ORDER = ("rerun-failed", "cancel", "filter", "toggle-failed", "approvals", "help",
                 "watch", "rerun-all", "toggle-mine", "trigger")

    attention_only: reactive[bool] = reactive(False)
    filter_text: reactive[str] = reactive("")

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[PipelineRow] = []
        self._lines: list[Line] = []
        self._by_key: dict[str, Line] = {}
        self._columns: tuple[str, ...] = ()
        self._widths: dict[str, int] = {}
        self._render_scheduled = False
        self._rows_shown = False  # the first rows are drawn at once, later bursts coalesced
        # key -> (the line, the theme, its cells): a tick rebuilds only the clock cells, and a
        # cell whose text is unchanged is the same Text object, which the table skips at once
        self._cell_cache: dict[str, tuple[Line, str, dict[str, Text]]] = {}
        self._table: LiveTable | None = None
        self._select_when_listed: str | None = None  # a pipeline id to put the cursor on

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("Loading pipelines…", id="empty")
        yield LiveTable(id="pipelines")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self._table = self.query_one(LiveTable)
        self._setup_columns(table)
        self.tui.rows_signal.subscribe(self, self._on_rows)
        if self.tui.feed is not None:
            self._on_rows(self.tui.feed.rows, loaded=bool(self.tui.feed.rows))
        table.focus()

    # -- columns adapt to the width (pipeline_columns says how) -------------------------------

    def _setup_columns(self, table: LiveTable) -> None:
        columns = tuple(Column(key, title, width)
                        for key, title, width in pipeline_columns(max(self.app.size.width, 60)))
        widths = {column.key: column.width for column in columns}
        self._columns = tuple(widths)
        if widths != self._widths:
            self._cell_cache.clear()
        self._widths = widths
        if columns != table.columns:
            table.set_columns(columns)
        self._render_lines()

    def on_resize(self) -> None:
        self._setup_columns(self.query_one(LiveTable))

    # -- data --------------------------------------------------------------------------------

    def _on_rows(self, rows: list[PipelineRow], loaded: bool = True) -> None:
        self._rows = rows
        empty = self.query_one("#empty", Static)
        if loaded and not rows:
            empty.update("No pipelines in this scope yet.")
        empty.display = not rows
        if rows and not self._rows_shown:
            self._rows_shown = True
            # The first rows: on screen at once (the burst of answers that follows keeps
            # the app busy, and waiting for a refresh would hide them until it ends).
            self._render_lines()
            return
        # A poll round brings one answer per pipeline: draw once after the burst.
        if not self._render_scheduled:
            self._render_scheduled = True
            self.call_after_refresh(self._flush_rows)

    def _flush_rows(self) -> None:
        self._render_scheduled = False
        self._render_lines()

    def _visible_lines(self) -> list[Line]:
        lines = build_lines(self._rows)
        if self.attention_only:
            lines = [ln for ln in lines if needs_attention(
                ln.workflow.status if ln.workflow else ln.pipeline_status)]
        if self.filter_text.strip():
            lines = [ln for ln in lines if matches(ln, self.filter_text)]
        return lines

    def _cells(self, line: Line) -> dict[str, Text]:
        theme = self.app.theme
        cached = self._cell_cache.get(line.key)
        if cached is not None and cached[1] == theme and same_line(cached[0], line):
            cells = dict(cached[2])
        else:
            cells = self._data_cells(line)
        for column, text in self._clock_texts(line).items():
            previous = cells.get(column)
            if previous is None or previous.plain != text:
                cells[column] = Text(text)
        self._cell_cache[line.key] = (line, theme, cells)
        return cells

    def _data_cells(self, line: Line) -> dict[str, Text]:
        """The cells that change only when a poll brings new data (or the theme changes)."""
        p, wf = line.pipeline, line.workflow
        w = self._widths
        status = wf.status if wf else line.pipeline_status
        dim = "" if line.first else "dim"
        host = self.tui.settings.host

        def mark(item_id: str) -> str:
            return f"{WATCH_MARK} " if item_id in self.watched else ""

        # The pipeline and workflow cells are hyperlinks (OSC 8) to their pages.
        return {
            "status": status_text(status, self.app),
            "pipeline": linked(safe(truncate(
                f"{mark(p.id)}{project_name(p.project_slug)} #{p.number}",
                w.get("pipeline", 12)), dim),
                               pipeline_web_url(host, p.project_slug, p.number)),
            "branch": safe(truncate(clean(ref_of(p)), w.get("branch", 12)), dim),
            "workflow": linked(safe(truncate(f"{mark(wf.id)}{clean(wf.name)}" if wf else "—",
                                             w.get("workflow", 10))),
                               workflow_web_url(host, p.project_slug, p.number, wf.id)
                               if wf else None),
            "subject": safe(truncate(clean(p.subject) if line.first else "", w["subject"])),
            "actor": safe(truncate(clean(p.trigger.actor.login), w.get("actor", 12)), dim),
        }

    def _clock_texts(self, line: Line) -> dict[str, str]:
        """The cells that move with the clock: the age, and a running workflow's duration."""
        p, wf = line.pipeline, line.workflow
        now = self.tui.now()
        created = wf.created_at if wf else p.created_at
        seconds = elapsed(wf.created_at, wf.stopped_at, now) if wf else None
        return {
            "age": format_age((now - created).total_seconds()).replace(" ago", "")
            if created else "",
            "duration": format_duration(seconds) if seconds is not None else "",
        }

    @property
    def lines(self) -> list[Line]:
        """The rows on screen, top to bottom (after the filter and the toggles)."""
        return list(self._lines)

    def _render_lines(self, force: bool = False, *, lines: list[Line] | None = None) -> None:
        """Show the current rows (or ``lines``). The table diffs them by key and repaints only
        the cells whose text changed; ``force`` repaints everything (what a column change
        does)."""
        table = self._table
        if table is None or not table.is_attached:
            return  # a late refresh while the screen is being torn down
        if force:
            table.set_columns(table.columns)
        if lines is None:
            lines = self._visible_lines()
        keys = {line.key for line in lines}
        for key in [key for key in self._cell_cache if key not in keys]:
            del self._cell_cache[key]
        rows = []
        for line in lines:
            cells = self._cells(line)
            rows.append((line.key, tuple(cells[c] for c in self._columns)))
        table.set_rows(rows)
        self._lines = lines
        self._by_key = {ln.key: ln for ln in lines}
        if self._select_when_listed is not None:
            wanted = self._select_when_listed
            index = next((i for i, ln in enumerate(lines) if ln.pipeline.id == wanted), None)
            if index is not None:
                self._select_when_listed = None
                table.move_cursor(row=index)
        self.selection_changed()

    def _current_key(self) -> str | None:
        return self._table.cursor_key if self._table is not None else None

    def selected_line(self) -> Line | None:
        key = self._current_key()
        return self._by_key.get(key) if key else None

    def selected_workflow(self) -> Workflow | None:
        line = self.selected_line()
        return line.workflow if line else None

    def selected_pipeline(self) -> Pipeline | None:
        line = self.selected_line()
        return line.pipeline if line else None

    def select_pipeline(self, pipeline_id: str) -> None:
        """Put the cursor on this pipeline's first row, now or as soon as it is listed."""
        self._select_when_listed = pipeline_id
        if self._table is not None:
            self._render_lines()

    def selected_url(self) -> str | None:
        line = self.selected_line()
        if line is None:
            return None
        p = line.pipeline
        if line.workflow:
            return workflow_web_url(self.tui.settings.host, p.project_slug, p.number,
                                    line.workflow.id)
        return pipeline_web_url(self.tui.settings.host, p.project_slug, p.number)

    @on(LiveTable.RowHighlighted)
    def _highlighted(self, event: LiveTable.RowHighlighted) -> None:
        self.selection_changed()

    @on(LiveTable.RowSelected)
    def _selected(self, event: LiveTable.RowSelected) -> None:
        event.stop()
        self.action_open_workflow()

    # -- actions -----------------------------------------------------------------------------

    def action_open_workflow(self) -> None:
        line = self.selected_line()
        if line is None:
            return
        if line.workflow is None:
            p = line.pipeline
            if p.errors:
                self.notify(clean(p.errors[0].message), title=f"Pipeline #{p.number} errored",
                            severity="error", markup=False)
            else:
                self.notify(f"Pipeline #{p.number} has no workflows yet.")
            return
        self.post_message(OpenWorkflow(line.pipeline, line.workflow))

    def action_health(self) -> None:
        pipeline = self.selected_pipeline()
        if pipeline is not None:
            # A tag's pipeline has no branch: CircleCI's default branch is shown.
            self.post_message(OpenHealth(pipeline.project_slug, pipeline.branch))

    def action_flaky(self) -> None:
        pipeline = self.selected_pipeline()
        if pipeline is not None:
            self.post_message(OpenFlaky(pipeline.project_slug))

    def action_config(self) -> None:
        pipeline = self.selected_pipeline()
        if pipeline is not None:
            self.post_message(OpenConfig.of(pipeline))

    async def action_filter(self) -> None:
        # Mounted on first use: mounting an Input was about 4 % of a start's work.
        boxes = self.query("#filter").results(Input)
        box = next(boxes, None)
        if box is None:
            box = Input(placeholder="filter: branch, project, subject, actor…", id="filter")
            await self.mount(box, before="#empty")
        box.display = True
        box.focus()

    def action_clear_filter(self) -> None:
        box = next(self.query("#filter").results(Input), None)
        if box is not None and box.display:
            box.value = ""
            box.display = False
            self.query_one(LiveTable).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.query_one(LiveTable).focus()

    def watch_filter_text(self) -> None:
        if self.is_mounted:
            self._render_lines()

    def watch_attention_only(self) -> None:
        if self.is_mounted:
            self._render_lines()

    def action_toggle_attention(self) -> None:
        self.attention_only = not self.attention_only
        self.notify("Showing failed and on-hold only" if self.attention_only
                    else "Showing all pipelines")

    def action_watch(self) -> None:
        pipeline = self.selected_pipeline()
        if pipeline is not None:
            self.tui.toggle_watch(pipeline)

    def watch_watched(self) -> None:
        # The marks are in the cells: the rows are drawn again.
        self._cell_cache.clear()
        self._render_lines()

    def action_toggle_mine(self) -> None:
        scope = self.tui.scope
        if scope is None:
            return
        self.tui.set_scope(replace(scope, mine=not scope.mine))
        self.notify("Showing my pipelines" if not scope.mine else "Showing everyone's pipelines")

    def tick(self) -> None:
        """Called once a second: ages and running durations move on. Only the cells whose
        text changed are repainted, so most seconds write nothing to the terminal."""
        if self._lines and not self._render_scheduled:
            self._render_lines(lines=self._lines)
