"""The Flaky tests screen: a project's tests that passed and failed on the same commit.

CircleCI's list (``/insights/{project-slug}/flaky-tests``), one row per flaky test: times
flaked, time wasted, job, file, test. ``s`` cycles the sort (times flaked, time wasted, job,
file, test name). Fetched when the screen opens and kept for an hour, never polled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from circletui.api.errors import CircleCIError
from circletui.api.models import FlakyTest
from circletui.monitor.insights import FlakyTests
from circletui.timefmt import format_duration
from circletui.ui.screens.base import BaseScreen
from circletui.ui.text import clean, safe
from circletui.ui.widgets.location import Crumb
from circletui.ui.widgets.table import Table

#: (label, key): the sorts ``s`` cycles through; counts and times biggest first
SORTS: tuple[tuple[str, Callable[[FlakyTest], Any]], ...] = (
    ("times flaked", lambda t: (-t.times_flaked, -(t.time_wasted or 0), t.test_name)),
    ("time wasted", lambda t: (-(t.time_wasted or 0), -t.times_flaked, t.test_name)),
    ("job", lambda t: (t.job_name, -t.times_flaked, t.test_name)),
    ("file", lambda t: (t.file or "", t.test_name)),
    ("test name", lambda t: (t.test_name, t.classname or "")),
)


def sort_tests(tests: tuple[FlakyTest, ...] | list[FlakyTest], sort: int) -> list[FlakyTest]:
    return sorted(tests, key=SORTS[sort % len(SORTS)][1])


class FlakyScreen(BaseScreen):
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("s", "cycle_sort", "Sort", id="flaky-sort"),
    ]
    KEY_ORDER = ("back", "flaky-sort", "help")

    def __init__(self, project_slug: str) -> None:
        super().__init__()
        self.project_slug = project_slug
        self.sort = 0
        self.flaky: FlakyTests | None = None
        self.shown: list[FlakyTest] = []

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(id="flaky-heading")
        yield Table(id="flaky-table", columns=(
            ("flaked", "Flaked"), ("wasted", "Wasted"), ("job", "Job"), ("file", "File"),
            ("test", "Test"),
        ))
        yield from self.compose_footer()

    def on_mount(self) -> None:
        self.query_one(Table).focus()
        self.reload()

    def reload(self) -> None:
        self._heading("loading…")
        self.run_worker(self._load(), name="flaky tests", group="insights", exclusive=True,
                        exit_on_error=False)

    def location(self) -> list[Crumb]:
        return [self.project_slug, "Flaky tests"]

    async def _load(self) -> None:
        try:
            flaky = await self.tui.insights.flaky_tests(self.project_slug)
        except CircleCIError as error:
            self._heading(f"could not load: {clean(error.message)}")
            return
        self.flaky = flaky
        self._fill()

    def _fill(self) -> None:
        if self.flaky is None:
            return
        self.shown = sort_tests(self.flaky.tests, self.sort)
        rows = []
        seen: dict[str, int] = {}
        for test in self.shown:
            base = f"{test.job_number}/{test.classname}/{test.test_name}"
            seen[base] = seen.get(base, 0) + 1
            name = Text(clean(test.test_name))
            if test.classname:
                name.append(f"  {clean(test.classname)}", style="dim")
            rows.append((f"{base}#{seen[base]}", (
                Text(str(test.times_flaked), justify="right"),
                Text(format_duration(test.time_wasted), justify="right"),
                safe(test.job_name),
                safe(test.file or ""),
                name,
            )))
        self.query_one(Table).replace_rows(rows)
        count = len(self.flaky.tests)
        self._heading(f"{count} flaky test{'s' if count != 1 else ''}"
                      if count else "no flaky tests: nothing failed and passed on one commit")

    def _heading(self, status: str) -> None:
        text = Text()
        text.append("Flaky tests", style="bold")
        text.append(f"  {status}")
        text.append(f"  sorted by {SORTS[self.sort][0]}", style="dim")
        text.append("  (s: sort)", style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#flaky-heading", Static).update(text)

    def action_cycle_sort(self) -> None:
        self.sort = (self.sort + 1) % len(SORTS)
        self._fill()
