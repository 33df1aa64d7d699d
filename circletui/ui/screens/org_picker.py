"""The org picker: shown at start when the token sees several orgs and none was chosen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from circletui.api.models import Collaboration
from circletui.ui.text import safe
from circletui.ui.widgets.key_bar import KeyBar


class OrgPickerScreen(Screen[str]):
    BINDINGS = [Binding("q", "app.quit", "Quit", id="quit-picker")]

    def __init__(self, orgs: list[Collaboration]) -> None:
        super().__init__()
        self.orgs = orgs

    def compose(self) -> ComposeResult:
        yield Static("Choose an organization (Enter). Pass --org to skip this.", id="picker-title")
        yield OptionList(
            *(Option(safe(f"{org.name}  ({org.slug})"), id=org.slug) for org in self.orgs),
            id="orgs",
        )
        yield KeyBar()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
