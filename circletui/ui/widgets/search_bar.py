"""``SearchBar``: the one-line ``/`` input under a log.

An ``Input`` that says when it is abandoned: Escape here must close the search, not go back a
screen (the screen's Escape binding would otherwise get the key, as ``Input`` has none).
Typing searches as you go (``Input.Changed``), Enter keeps the match (``Input.Submitted``).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input


class SearchBar(Input):
    BINDINGS = [Binding("escape", "cancel", "Close search", id="search-cancel")]

    class Cancelled(Message):
        """Escape was pressed: close the bar and drop the search."""

        def __init__(self, search_bar: SearchBar) -> None:
            super().__init__()
            self.search_bar = search_bar

        @property
        def control(self) -> SearchBar:
            return self.search_bar

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled(self))
