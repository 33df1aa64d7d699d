"""``ListPane``: a tab of the job screen that lists what a job stored (its test results, its
artifacts) in a ``Table``, with a note above it when there is nothing to list, or not yet.

The screen sets two attributes (attributes down): ``items`` (``None`` until CircleCI
answered; ``show`` sets it and drops the note) and ``stage`` (where the job is, which says
what "nothing" means); ``failed`` says why they could not be read, while there are none. The
pane posts ``LabelChanged`` when its tab's label (with its count) changes; the screen owns
the tabs and puts it there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static, TabPane

from circletui.ui.widgets.table import Row, Table

#: where the job is: an approval job, one without a number yet, one running, one finished
Stage = Literal["approval", "not-started", "running", "finished"]


class ListPane(TabPane):
    """A note and a table; subclasses say what the rows are."""

    #: the tab's title ("Tests")
    TITLE: ClassVar[str] = "Items"
    #: what is listed, in the notes ("test results", "artifacts")
    WHAT: ClassVar[str] = "items"
    #: the table's columns, (key, title)
    COLUMNS: ClassVar[Sequence[tuple[str, str]]] = ()

    items: reactive[tuple | None] = reactive(None, init=False)
    note: reactive[str] = reactive("", init=False)
    stage: reactive[Stage] = reactive("running", init=False)

    class LabelChanged(Message):
        """The tab's label (its title and count) is now ``label``."""

        def __init__(self, pane: ListPane, label: Text) -> None:
            super().__init__()
            self.pane = pane
            self.label = label

        @property
        def control(self) -> ListPane:
            return self.pane

    def __init__(self, title: str, *, id: str) -> None:
        super().__init__(title, id=id)
        self._name = id.removesuffix("-pane")
        self._label: Text | None = None

    def compose(self) -> ComposeResult:
        yield Static(id=f"{self._name}-note")
        yield Table(id=self._name, columns=self.COLUMNS)

    @property
    def table(self) -> Table:
        return self.query_one(f"#{self._name}", Table)

    def on_mount(self) -> None:
        self.fill()

    def watch_items(self) -> None:
        self.fill()

    def watch_note(self) -> None:
        self.fill()

    def watch_stage(self) -> None:
        self.fill()

    def show(self, resource: object, items: tuple) -> None:
        """A poll of ``resource`` answered: list ``items``."""
        self.items, self.note = items, ""

    def failed(self, resource: object, gone: bool, message: str) -> None:
        """Reading the items failed: said only while there is nothing to list."""
        if self.items is None:
            self.note = f"{self.TITLE} unavailable: {message}"

    def rows(self) -> list[Row]:
        """The table's rows for ``items``."""
        return []

    def label(self) -> Text:
        """The tab's label: its title, with a count once there is one."""
        return Text(self.TITLE)

    def fill(self) -> None:
        """Refill the table (keeping the cursor's row) and the note, and say the new label."""
        if not self.is_mounted:
            return
        rows = self.rows()
        note_text = self.note or self.empty_note()
        note = self.query_one(f"#{self._name}-note", Static)
        note.update(Text(note_text, style="italic"))
        note.display = bool(note_text)
        table = self.table
        table.display = bool(rows)
        table.replace_rows(rows)
        label = self.label()
        if label != self._label:
            self._label = label
            self.post_message(self.LabelChanged(self, label))

    def empty_note(self) -> str:
        """What an empty tab says (nothing when it has rows)."""
        what, items = self.WHAT, self.items
        if items:
            return ""
        if self.stage == "approval":
            return f"Approval jobs have no {what}."
        if self.stage == "not-started":
            return "This job has not started yet."
        if items is None:
            return f"Loading {what}…"
        if self.stage == "finished":
            return f"No {what}."
        return f"No {what} yet: a job stores them as it runs, usually at its end."
