"""The confirmation dialog every action goes through: it names exactly what will happen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from circletui.ui.text import clean


class ConfirmScreen(ModalScreen[bool]):
    """``y`` or Enter confirms, ``n`` or Escape aborts. Returns True only when confirmed."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]

    def __init__(self, question: str, verb: str = "Yes") -> None:
        super().__init__()
        self.question = question
        self.verb = verb

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            # The question holds names from the API: plain text, never markup.
            yield Static(clean(self.question), id="confirm-question", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(f"{self.verb} (y)", variant="error", id="confirm-yes")
                yield Button("No (n)", variant="default", id="confirm-no")

    def on_mount(self) -> None:
        # The buttons are for the mouse; keys go to the bindings so Enter always means yes.
        for button in self.query(Button):
            button.can_focus = False

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
