"""One test case's result in full (Enter on the job screen's Tests tab): where it lives,
how long it ran, and its whole failure message.

Messages are often long (stack traces, diffs) and may hold ANSI colours, so the message is a
``LogBuffer`` in a ``LogView``: colours kept, other escapes dropped, never parsed as markup.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from circletui.api.models import TestResult
from circletui.logtext import LogBuffer
from circletui.timefmt import PLACEHOLDER
from circletui.ui.text import clean
from circletui.ui.widgets.log_view import LogView
from circletui.ui.widgets.tests_pane import run_time_text


class CaseResultScreen(ModalScreen[None]):
    """Escape (or Enter) closes it; the message scrolls like a log."""

    BINDINGS = [Binding("escape,enter", "app.pop_screen", "Close", id="test-close")]

    def __init__(self, result: TestResult) -> None:
        super().__init__()
        self.result = result

    def compose(self) -> ComposeResult:
        r = self.result
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for name, value in (
            ("Test", r.name),
            ("Class", r.classname),
            ("File", r.file or PLACEHOLDER),
            ("Result", r.result),
            ("Run time", run_time_text(r.run_time)),
        ):
            grid.add_row(name, Text(clean(value)))
        buffer = LogBuffer()
        buffer.feed(r.message or "(no message)")
        buffer.finish()
        with Vertical(id="test-dialog"):
            yield Static(grid, id="test-fields")
            yield LogView(buffer, wrap=True, follow=False, show_line_numbers=False,
                          id="test-message")
