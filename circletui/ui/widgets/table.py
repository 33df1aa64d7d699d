"""``Table``: the ``DataTable`` every circletui table is (the pipelines list, which repaints
cell by cell, is the ``LiveTable``).

It owns what every table needs: the vi keys beside the arrows, and ``replace_rows``, which
puts new rows in by key the way a poll delivers them: when the keys are the same rows as
before, only the cells whose content changed are updated (no redraw of the rest, the cursor
and the scroll position untouched); otherwise the rows are rebuilt and the cursor stays on
the row with the same key (or at the same place, if that row is gone).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.console import RenderableType
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

#: one row: its key, then one cell per column
Row = tuple[str, Sequence[RenderableType]]


class Table(DataTable):
    """A row-cursor ``DataTable`` with vi keys and keyed, in-place row replacement."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table-down"),
        Binding("k", "cursor_up", "Up", show=False, id="table-up"),
        Binding("home,g", "scroll_top", "First row", show=False, id="table-first"),
        Binding("end,G", "scroll_bottom", "Last row", show=False, id="table-last"),
    ]

    def __init__(self, *, columns: Sequence[tuple[str, str]] = (), show_header: bool = True,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(cursor_type="row", show_header=show_header, id=id, classes=classes)
        self._columns_to_add = tuple(columns)
        self._keys: list[str] = []
        self._cells: dict[str, tuple[RenderableType, ...]] = {}

    def on_mount(self) -> None:
        for key, title in self._columns_to_add:
            self.add_column(title, key=key)

    # -- rows --------------------------------------------------------------------------------

    @property
    def keys(self) -> tuple[str, ...]:
        """The row keys, top to bottom."""
        return tuple(self._keys)

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor (None when the table is empty)."""
        if not self._keys:
            return None
        return self._keys[min(max(self.cursor_row, 0), len(self._keys) - 1)]

    def select_key(self, key: str) -> bool:
        """Move the cursor to the row with ``key``; False when there is none."""
        if key not in self._keys:
            return False
        self.move_cursor(row=self._keys.index(key), animate=False)
        return True

    def replace_rows(self, rows: Iterable[Row]) -> None:
        """Show exactly ``rows``, in order, changing as little as possible (see the module)."""
        rows = [(key, tuple(cells)) for key, cells in rows]
        keys = [key for key, _ in rows]
        if keys == self._keys:
            columns = list(self.columns)
            for key, cells in rows:
                before = self._cells.get(key)
                for index, cell in enumerate(cells):
                    if before is None or before[index] != cell:
                        self.update_cell(key, columns[index], cell, update_width=True)
                self._cells[key] = cells
            return
        current = self.selected_key
        position = self.cursor_row
        self.clear()
        self._keys = keys
        self._cells = dict(rows)
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if not keys:
            return
        if current is not None and current in keys:
            self.move_cursor(row=keys.index(current), animate=False)
        else:
            self.move_cursor(row=min(max(position, 0), len(keys) - 1), animate=False)
