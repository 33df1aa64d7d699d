"""The Config screen: a pipeline's configuration as CircleCI compiled it, or as written.

``GET /pipeline/{id}/config`` gives both: the compiled config (orbs expanded) is shown first,
``s`` switches to the source and back. The YAML is highlighted by Rich's ``Syntax`` (Pygments,
already a dependency of Rich; Textual's ``TextArea`` would need the tree-sitter extra).
``/`` searches as you type, ``n`` / ``N`` go to the next / previous match. Opened with a job
name (``OpenConfig(pipeline_id, job_name)``), it is scrolled to that job's section under
``jobs:``. A config never changes, so it is fetched once and kept.
"""

from __future__ import annotations

import re

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.widgets import Input, Static

from circletui.api.errors import CircleCIError
from circletui.api.models import PipelineConfig
from circletui.ui.screens.base import BaseScreen
from circletui.ui.text import clean
from circletui.ui.widgets.location import Crumb
from circletui.ui.widgets.search_bar import SearchBar

#: a match: (line number from 1, start column, end column)
Match = tuple[int, int, int]


def job_line(config: str, job_name: str) -> int | None:
    """The line (from 1) where ``job_name``'s definition starts under the top-level
    ``jobs:``, or None when the config defines no such job."""
    in_jobs = False
    indent: int | None = None
    for number, line in enumerate(config.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        depth = len(line) - len(line.lstrip())
        if depth == 0:
            in_jobs = stripped.rstrip() == "jobs:"
            indent = None
            continue
        if not in_jobs:
            continue
        if indent is None:
            indent = depth
        if depth == indent:
            key = stripped.split(":", 1)[0].strip().strip("'\"")
            if key == job_name and ":" in stripped:
                return number
    return None


def find_matches(config: str, needle: str) -> list[Match]:
    """Every case-insensitive occurrence of ``needle``, in reading order."""
    if not needle:
        return []
    pattern = re.compile(re.escape(needle), re.IGNORECASE)
    return [(number, m.start(), m.end())
            for number, line in enumerate(config.splitlines(), start=1)
            for m in pattern.finditer(line)]


class ConfigScreen(BaseScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("s", "toggle_source", "Source/compiled", id="config-source"),
        Binding("slash", "search", "Search", id="config-search"),
        Binding("n", "next_match", "Next", id="config-next"),
        Binding("N", "previous_match", "Previous", id="config-previous"),
    ]
    KEY_ORDER = ("back", "config-source", "config-search", "config-next", "config-previous",
                 "help")

    def __init__(self, pipeline_id: str, *, job_name: str | None = None,
                 label: str = "") -> None:
        super().__init__()
        self.pipeline_id = pipeline_id
        self.job_name = job_name
        self.label = label
        self.config: PipelineConfig | None = None
        self.showing_source = False
        self.needle = ""
        self.matches: list[Match] = []
        self.current = -1  # index into matches
        self.top_line = 1  # the line scrolled to the top, from 1
        self.error: str | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(id="config-heading")
        with ScrollableContainer(id="config-scroll"):
            yield Static(id="config-text")
        yield SearchBar(placeholder="search the config…", id="config-search-bar")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(SearchBar).display = False
        self.query_one("#config-scroll").focus()
        self._redraw()
        self.run_worker(self._load(), name="pipeline config", group="insights",
                        exclusive=True, exit_on_error=False)

    def location(self) -> list[Crumb]:
        return [self.label or f"pipeline {self.pipeline_id[:8]}", "Config"]

    async def _load(self) -> None:
        try:
            config = await self.tui.insights.pipeline_config(self.pipeline_id)
        except CircleCIError as error:
            self.error = error.message
            self._redraw()
            return
        self.config = config
        # A config that did not compile has an empty compiled form: the source says why.
        self.showing_source = not config.compiled.strip()
        self._redraw()
        if self.job_name:
            self.open_at_job(self.job_name)

    # -- what is shown -----------------------------------------------------------------------

    @property
    def text(self) -> str:
        if self.config is None:
            return ""
        return self.config.source if self.showing_source else self.config.compiled

    def _redraw(self) -> None:
        heading = Text()
        if self.config is None:
            heading.append("Config", style="bold")
            heading.append(f"  could not load: {clean(self.error)}" if self.error
                           else "  loading…")
        else:
            heading.append("Source config" if self.showing_source else "Compiled config",
                           style="bold")
            heading.append(f"  {len(self.text.splitlines())} lines", style="dim")
            if not self.config.compiled.strip():
                heading.append("  (CircleCI could not compile it)")
            heading.append("  (s: source/compiled, /: search)", style="dim")
            if self.needle:
                found = len(self.matches)
                where = f"{self.current + 1}/{found}" if found and self.current >= 0 else "0"
                heading.append(f"  {where} for ")
                heading.append(repr(self.needle)[1:-1], style="bold")
        heading.no_wrap = True
        heading.overflow = "ellipsis"
        self.query_one("#config-heading", Static).update(heading)
        body = self.query_one("#config-text", Static)
        if not self.text:
            body.update("" if self.config is None else Text("(empty)", style="dim"))
            return
        dark = self.app.current_theme.dark
        current = self.matches[self.current] if 0 <= self.current < len(self.matches) else None
        syntax = Syntax(self.text, "yaml", theme="ansi_dark" if dark else "ansi_light",
                        line_numbers=True, background_color="default", word_wrap=False,
                        highlight_lines={current[0]} if current else None)
        for line, start, end in self.matches:
            style = "reverse bold" if (line, start, end) == current else "underline"
            syntax.stylize_range(style, (line, start), (line, end))
        body.update(syntax)

    def scroll_to_line(self, line: int) -> None:
        """Scroll so ``line`` (from 1) is near the top."""
        self.top_line = max(line, 1)
        scroll = self.query_one("#config-scroll", ScrollableContainer)
        # After the next refresh: the text may just have been replaced and not laid out yet.
        self.call_after_refresh(scroll.scroll_to, y=max(line - 2, 0), animate=False,
                                force=True)

    def open_at_job(self, job_name: str) -> bool:
        """Scroll to ``job_name``'s section under ``jobs:``; False when there is none."""
        line = job_line(self.text, job_name)
        if line is None:
            self.notify(f"No job {clean(job_name)} in this config", severity="warning",
                        markup=False)
            return False
        self.scroll_to_line(line)
        return True

    # -- actions -----------------------------------------------------------------------------

    def action_toggle_source(self) -> None:
        if self.config is None:
            return
        self.showing_source = not self.showing_source
        self._search(self.needle)
        if self.job_name and job_line(self.text, self.job_name) is not None:
            self.open_at_job(self.job_name)
        else:
            self.scroll_to_line(1)

    def action_search(self) -> None:
        bar = self.query_one(SearchBar)
        bar.display = True
        bar.focus()

    def action_next_match(self) -> None:
        self._step(1)

    def action_previous_match(self) -> None:
        self._step(-1)

    def _step(self, by: int) -> None:
        if not self.matches:
            return
        self.current = (self.current + by) % len(self.matches)
        self._redraw()
        self.scroll_to_line(self.matches[self.current][0])

    def _search(self, needle: str) -> None:
        self.needle = needle
        self.matches = find_matches(self.text, needle)
        # The first match at or below where the reader is, else the first one.
        self.current = next((i for i, m in enumerate(self.matches) if m[0] >= self.top_line),
                            0) if self.matches else -1
        self._redraw()
        if self.current >= 0:
            self.scroll_to_line(self.matches[self.current][0])

    @on(Input.Changed, "#config-search-bar")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._search(event.value)

    @on(Input.Submitted, "#config-search-bar")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close_bar()

    @on(SearchBar.Cancelled)
    def _cancelled(self, event: SearchBar.Cancelled) -> None:
        event.stop()
        bar = self.query_one(SearchBar)
        bar.value = ""
        self._search("")
        self._close_bar()

    def _close_bar(self) -> None:
        self.query_one(SearchBar).display = False
        self.query_one("#config-scroll").focus()
