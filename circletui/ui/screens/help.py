"""The help screen: every key that works where you were, with what it does."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static


def binding_rows(screen: Screen) -> list[tuple[str, str, str, str]]:
    """(where, keys, description, binding id) for every described binding active on
    ``screen``; the id is what ``[keymap]`` in the config file rebinds."""
    app = screen.app
    rows: list[tuple[str, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for active in screen.active_bindings.values():
        binding = active.binding
        if not binding.description:
            continue
        node = active.node
        where = "Global" if isinstance(node, App) else (
            "Screen" if isinstance(node, Screen) else type(node).__name__
        )
        marker = (binding.action, where)
        display = app.get_key_display(binding)
        if marker in seen:
            # One action on several keys (j and down): list the keys together.
            for i, (w, keys, desc, ident) in enumerate(rows):
                if (w, desc) == (where, binding.description) and display not in keys.split(", "):
                    rows[i] = (w, f"{keys}, {display}", desc, ident)
            continue
        seen.add(marker)
        suffix = "" if active.enabled else " (not available here)"
        rows.append((where, display, binding.description + suffix, binding.id or ""))
    order = {"Screen": 0}
    rows.sort(key=lambda r: (order.get(r[0], 1 if r[0] != "Global" else 2)))
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="close-help"),
    ]

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2), expand=False, show_header=True)
        table.add_column("Key", style="bold", no_wrap=True)
        table.add_column("Does")
        table.add_column("Where", style="dim")
        # A str header would be read as markup, and "[keymap]" is not meant as a tag.
        table.add_column(Text("Id (for [keymap])"), style="dim")
        for where, keys, description, ident in self.rows:
            table.add_row(Text(keys), Text(description), Text(where), Text(ident))
        with VerticalScroll(id="help-dialog"):
            yield Static(Text("Keys  (Escape closes; Ctrl+P searches every command)",
                              style="bold"), id="help-title")
            yield Static(table, id="help-table")

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
