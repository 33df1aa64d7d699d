"""``TestsPane``: the job screen's Tests tab, the job's test results with failures first.

The screen sets ``items`` to the results of each poll of the job's tests (see
``ListPane``); Enter on a row posts ``TestsPane.Chosen`` and the screen opens that result in
full. ``flaky`` names the tests known to be flaky: their rows are marked.

(A test module should import this module rather than the class: pytest would take a class
named ``Test…`` in a test module's namespace for tests.)
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable

from circletui.api.models import TestResult
from circletui.timefmt import PLACEHOLDER
from circletui.ui.palette import status_text
from circletui.ui.text import safe
from circletui.ui.widgets.list_pane import ListPane
from circletui.ui.widgets.table import Row

# A test result string, as the status table knows it.
_TEST_STATUS = {"success": "success", "skipped": "not_run", "": "not_run"}


def run_time_text(seconds: float | None) -> str:
    """``0.123s``, ``12.4s``; an en dash when unknown."""
    if seconds is None:
        return PLACEHOLDER
    return f"{seconds:.3f}s" if seconds < 10 else f"{seconds:.1f}s"


def tests_label(tests: tuple[TestResult, ...] | None, final: bool = True) -> Text:
    """``Tests 3 failed / 412``, ``Tests 412``; no count while unknown (or none yet)."""
    if tests is None or (not tests and not final):
        return Text("Tests")
    failed = sum(1 for t in tests if t.failed)
    if failed:
        return Text(f"Tests {failed} failed / {len(tests)}")
    return Text(f"Tests {len(tests)}")


class TestsPane(ListPane):
    """Status, time, name, class, file and the first line of the message of each test."""

    TITLE = "Tests"
    WHAT = "test results"
    COLUMNS = (("status", ""), ("time", "Time"), ("name", "Test"), ("classname", "Class"),
               ("file", "File"), ("message", "Message"))

    items: reactive[tuple[TestResult, ...] | None] = reactive(None, init=False)
    flaky: reactive[frozenset[str]] = reactive(frozenset, init=False)
    """Names of tests known to be flaky."""

    class Chosen(Message):
        """Enter on a test: show ``result`` in full."""

        def __init__(self, result: TestResult) -> None:
            super().__init__()
            self.result = result

    @property
    def ordered(self) -> tuple[TestResult, ...]:
        """The tests as listed: failures first, otherwise in the order CircleCI gave."""
        return tuple(sorted(self.items or (), key=lambda t: not t.failed))

    def watch_flaky(self) -> None:
        self.fill()

    def label(self) -> Text:
        return tests_label(self.items, self.stage == "finished")

    def rows(self) -> list[Row]:
        rows = []
        for index, test in enumerate(self.ordered):
            status = "failed" if test.failed else _TEST_STATUS.get(test.result, "unknown")
            message = (test.message or "").strip().splitlines()
            name = safe(test.name)
            if test.name in self.flaky:
                name.append("  FLAKY", style="bold")
            rows.append((str(index), (
                status_text(status, self.app, with_label=False),
                Text(run_time_text(test.run_time), justify="right"),
                name, safe(test.classname, "dim"), safe(test.file or ""),
                safe(message[0] if message else "", "italic"),
            )))
        return rows

    @on(DataTable.RowSelected)
    def _chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        ordered = self.ordered
        if 0 <= event.cursor_row < len(ordered):
            self.post_message(self.Chosen(ordered[event.cursor_row]))
