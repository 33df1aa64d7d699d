"""The baseline of the terminal figures: a minimal Textual app showing one ``DataTable`` row.

Started in the same pseudo-terminal, with the same interpreter, as the ``circletui`` command,
it shows what any Textual app costs to start and to sit idle. Run as a script.
"""

from textual.app import App, ComposeResult
from textual.widgets import DataTable

#: what the benchmark looks for on screen
MARKER = "baseline #1"


class OneRow(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Status", "Pipeline", "Branch")
        table.add_row("success", MARKER, "main")


if __name__ == "__main__":
    OneRow().run()
