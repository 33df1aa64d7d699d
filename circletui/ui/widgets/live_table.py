"""``LiveTable``: a keyed table of ``Text`` cells that repaints only the cells that change.

Textual's ``DataTable`` repaints the whole table when one cell changes (``update_cell`` ends in
a bare ``refresh()``), so a clock cell ticking once a minute rewrites every row to the
terminal. This is a Line API widget (``ScrollView`` + ``render_line``, see "Line API" in the
Textual guide): ``set_rows`` diffs what it is given against what is shown, by row key, and when
the keys and their order are unchanged it marks only the changed cells dirty with
``refresh(Region)``, so no other line is rendered or written. (Textual 8.2 writes a dirty
region of a line from the widget's left edge to the region's right edge, see
Textualize/textual#5625: a changed cell costs its row up to the cell's end, not the table.)

The header line stays on top while rows scroll under it; a row cursor follows the keys
(arrows, Page Up/Down, Home/End and vi's j/k/g/G), a click moves it, Enter or a click on the
cursor row posts ``RowSelected``. Cells are ``rich.text.Text``, never markup. Colours come
from component classes (``live-table--header``, ``live-table--cursor``) so the .tcss themes
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

#: blank cells either side of a cell's text, as DataTable's default ``cell_padding``
PADDING = 1

#: a row as ``set_rows`` takes it: its key and one Text per column
Row = tuple[str, tuple[Text, ...]]


@dataclass(frozen=True, slots=True)
class Column:
    """A column: the key rows are addressed by, its title and its width in cells (without
    the padding)."""

    key: str
    title: str
    width: int


def _signature(cell: Text) -> tuple:
    """What a cell looks like: rich's Text equality ignores the base style, and a status
    colour change must still repaint. A caller that passes the very same Text object again
    skips even this."""
    return (cell.plain, str(cell.style), tuple(cell.spans))


class LiveTable(ScrollView, can_focus=True):
    """A table of keyed rows with a row cursor; see the module docstring."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table-up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table-page-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table-page-down"),
        Binding("home,g", "first", "First row", show=False, id="table-first"),
        Binding("end,G", "last", "Last row", show=False, id="table-last"),
        Binding("enter", "select", "Select", show=False, id="table-select"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "live-table--header",
        "live-table--cursor",
    }

    # The same look as DataTable's defaults, so swapping one for the other changes nothing
    # a user sees.
    DEFAULT_CSS = """
    LiveTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .live-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .live-table--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .live-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            background-tint: $foreground 5%;
            & > .live-table--header {
                background-tint: $foreground 5%;
            }
            & > .live-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    class _RowMessage(Message):
        def __init__(self, table: LiveTable, key: str, row: int) -> None:
            super().__init__()
            self.table = table
            self.key = key
            self.row = row

        @property
        def control(self) -> LiveTable:
            return self.table

    class RowHighlighted(_RowMessage):
        """The cursor moved to the row ``key`` (at index ``row``)."""

    class RowSelected(_RowMessage):
        """The row ``key`` was chosen: Enter, or a click on the cursor row, or a double
        click."""

    def __init__(
        self,
        columns: Sequence[Column] = (),
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._columns: tuple[Column, ...] = ()
        self._offsets: tuple[int, ...] = ()  # x of each column, padding included
        self._keys: list[str] = []
        self._index: dict[str, int] = {}
        self._cells: list[tuple[Text, ...]] = []
        self._signatures: list[tuple[tuple, ...]] = []  # per row, per cell: see _signature
        self._cursor = 0
        self._highlighted: str | None = None  # the key last reported by RowHighlighted
        self._lines: dict[int, Strip] = {}  # row index -> its full-width strip
        self._header: Strip | None = None
        self._palette: dict[str, Style] | None = None
        self.set_columns(columns)

    # -- public API -----------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def row_keys(self) -> list[str]:
        """Every row's key, top to bottom."""
        return list(self._keys)

    @property
    def cursor_row(self) -> int:
        """The cursor's row index (0 when there are no rows)."""
        return self._cursor

    @property
    def cursor_key(self) -> str | None:
        """The key of the row under the cursor, or ``None`` when there are no rows."""
        return self._keys[self._cursor] if self._keys else None

    def get_row(self, key: str) -> tuple[Text, ...]:
        """The cells of row ``key``, in column order. Raises ``KeyError`` for an unknown key."""
        return self._cells[self._index[key]]

    def get_cell(self, key: str, column: str) -> Text:
        """The cell of row ``key`` in the column keyed ``column``."""
        position = next(i for i, c in enumerate(self._columns) if c.key == column)
        return self.get_row(key)[position]

    def set_columns(self, columns: Sequence[Column]) -> None:
        """Show ``columns``. Rows keep the cells of columns whose key is still there; new
        columns start empty until the next ``set_rows``. Repaints everything."""
        old = {c.key: i for i, c in enumerate(self._columns)}
        columns = tuple(columns)
        if self._cells:
            self._cells = [
                tuple(cells[old[c.key]] if c.key in old else Text() for c in columns)
                for cells in self._cells
            ]
            self._signatures = [tuple(_signature(c) for c in cells) for cells in self._cells]
        self._columns = columns
        offsets, x = [], 0
        for column in columns:
            offsets.append(x)
            x += column.width + 2 * PADDING
        self._offsets = tuple(offsets)
        self._invalidate()
        self._update_virtual_size()
        self.refresh()

    def set_rows(self, rows: Sequence[Row]) -> None:
        """Show ``rows`` (key, one Text per column), diffed against what is shown.

        Same keys in the same order: only the cells whose text or style changed are
        repainted, each through ``refresh(Region)`` of that cell alone. Otherwise the rows are
        rebuilt: the cursor stays on its key if that row is still there (else at the same
        index, clamped) and the scroll position is kept.
        """
        keys = [key for key, _ in rows]
        if len(set(keys)) != len(keys):
            raise ValueError("LiveTable row keys must be unique")
        width = len(self._columns)
        cells = [tuple(row[:width]) + (Text(),) * (width - len(row)) for _, row in rows]
        if keys == self._keys:
            signatures = []
            for index, (old_cells, new_cells) in enumerate(zip(self._cells, cells, strict=True)):
                old_signatures = self._signatures[index]
                if all(a is b for a, b in zip(old_cells, new_cells, strict=True)):
                    signatures.append(old_signatures)  # the same Text objects: unchanged
                    continue
                row_signatures = []
                for column, (before, cell) in enumerate(
                    zip(old_signatures, new_cells, strict=True)
                ):
                    after = before if cell is old_cells[column] else _signature(cell)
                    row_signatures.append(after)
                    if after != before:
                        self._lines.pop(index, None)
                        self._refresh_cell(index, column)
                signatures.append(tuple(row_signatures))
            self._cells, self._signatures = cells, signatures
            return
        signatures = [tuple(_signature(c) for c in row) for row in cells]
        current = self.cursor_key
        self._keys = keys
        self._index = {key: i for i, key in enumerate(keys)}
        self._cells, self._signatures = cells, signatures
        if current in self._index:
            self._cursor = self._index[current]
        else:
            self._cursor = max(min(self._cursor, len(keys) - 1), 0)
        self._invalidate()
        self._update_virtual_size()
        self.refresh()
        self._scroll_to_cursor()
        self._report_highlight()

    def move_cursor(self, *, row: int) -> None:
        """Put the cursor on row index ``row`` (clamped) and scroll it into view."""
        if not self._keys:
            return
        row = max(min(row, len(self._keys) - 1), 0)
        if row != self._cursor:
            previous, self._cursor = self._cursor, row
            for index in (previous, row):
                self._lines.pop(index, None)
                self._refresh_row(index)
        self._scroll_to_cursor()
        self._report_highlight()

    def region_of(self, key: str, column: str) -> Region | None:
        """Where the cell is drawn, in the widget's content coordinates (``None`` when it is
        scrolled out of view): what ``set_rows`` refreshes when the cell changes."""
        index = self._index.get(key)
        position = next((i for i, c in enumerate(self._columns) if c.key == column), None)
        if index is None or position is None:
            return None
        return self._cell_region(index, position)

    # -- geometry -----------------------------------------------------------------------------

    @property
    def _visible_rows(self) -> int:
        """How many rows fit under the header."""
        return max(self.scrollable_content_region.height - 1, 1)

    def _update_virtual_size(self) -> None:
        width = sum(c.width + 2 * PADDING for c in self._columns)
        self.virtual_size = Size(width, len(self._keys) + 1)

    def _row_y(self, index: int) -> int | None:
        """The line a row is drawn on, or ``None`` when it is scrolled out of view."""
        y = index + 1 - round(self.scroll_y)
        return y if 1 <= y < max(self.scrollable_content_region.height, 1) else None

    def _cell_region(self, index: int, column: int) -> Region | None:
        y = self._row_y(index)
        if y is None:
            return None
        x = self._offsets[column] - round(self.scroll_x)
        region = Region(x, y, self._columns[column].width + 2 * PADDING, 1)
        visible = region.intersection(Region(0, 0, self.scrollable_content_region.width, y + 1))
        return visible if visible.area else None

    def _refresh_cell(self, index: int, column: int) -> None:
        if self.is_mounted:
            region = self._cell_region(index, column)
            if region is not None:
                self.refresh(region)

    def _refresh_row(self, index: int) -> None:
        y = self._row_y(index) if self.is_mounted else None
        if y is not None:
            self.refresh(Region(0, y, self.scrollable_content_region.width, 1))

    def _scroll_to_cursor(self) -> None:
        if not self.is_mounted or not self.size.height or not self._keys:
            return
        top = round(self.scroll_y)
        visible = self._visible_rows
        if self._cursor < top:
            target = self._cursor
        elif self._cursor >= top + visible:
            target = self._cursor - visible + 1
        else:
            return
        self.scroll_to(y=target, animate=False, immediate=True)

    def _report_highlight(self) -> None:
        key = self.cursor_key
        if key is not None and key != self._highlighted:
            self._highlighted = key
            self.post_message(self.RowHighlighted(self, key, self._cursor))

    # -- Textual hooks ------------------------------------------------------------------------

    def on_mount(self) -> None:
        self._update_virtual_size()

    def on_resize(self, event: events.Resize) -> None:
        self._invalidate()
        self.call_after_refresh(self._scroll_to_cursor)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None
        self._invalidate()

    def watch_has_focus(self, has_focus: bool) -> None:
        super().watch_has_focus(has_focus)
        # Focus changes component styles (the cursor), which Textual does not always report
        # through notify_style_update.
        self.notify_style_update()
        self.refresh()

    def _invalidate(self) -> None:
        self._lines.clear()
        self._header = None

    # -- actions ------------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(row=self._cursor - self._visible_rows)

    def action_page_down(self) -> None:
        self.move_cursor(row=self._cursor + self._visible_rows)

    def action_first(self) -> None:
        self.move_cursor(row=0)

    def action_last(self) -> None:
        self.move_cursor(row=len(self._keys) - 1)

    def action_select(self) -> None:
        key = self.cursor_key
        if key is not None:
            self.post_message(self.RowSelected(self, key, self._cursor))

    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return  # the header, or the scrollbar
        index = offset.y - 1 + round(self.scroll_y)
        if not 0 <= index < len(self._keys):
            return
        event.stop()
        self.focus()
        chosen = index == self._cursor or event.chain >= 2
        self.move_cursor(row=index)
        if chosen:
            self.action_select()

    # -- rendering ----------------------------------------------------------------------------

    def _styles(self) -> dict[str, Style]:
        """Rich styles for the base and the component classes, cached until the CSS or the
        focus changes."""
        if self._palette is None:
            base = self.rich_style
            self._palette = {
                "base": base,
                "header": base + self.get_component_rich_style("live-table--header"),
                "cursor": self.get_component_rich_style("live-table--cursor"),
            }
        return self._palette

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        styles = self._styles()
        # The header and the cursor row reach the right edge in their own style.
        fill = styles["base"]
        if y == 0:
            if self._header is None:
                self._header = self._render_header(styles)
            strip, fill = self._header, styles["header"]
        else:
            index = y - 1 + scroll_y
            if not 0 <= index < len(self._keys):
                return Strip.blank(self.size.width, fill)
            strip = self._lines.get(index)
            if strip is None:
                strip = self._lines[index] = self._render_row(index, styles)
            if index == self._cursor:
                fill = fill + styles["cursor"]
        return strip.crop_extend(scroll_x, scroll_x + self.size.width, fill)

    def _render_header(self, styles: dict[str, Style]) -> Strip:
        style = styles["header"]
        segments: list[Segment] = []
        for column in self._columns:
            segments.extend(self._cell(Text(column.title), column.width, style))
        return Strip(segments).simplify()

    def _render_row(self, index: int, styles: dict[str, Style]) -> Strip:
        cursor = index == self._cursor
        base = styles["base"]
        if cursor:
            cursor_style = styles["cursor"]
            base = base + cursor_style
            # The cursor's colour wins over a cell's own, as in DataTable; a cell's own
            # background (none today) would show through.
            post = Style.from_color(color=cursor_style.color)
        else:
            post = None
        segments: list[Segment] = []
        for column, cell in zip(self._columns, self._cells[index], strict=True):
            segments.extend(self._cell(cell, column.width, base, post))
        return Strip(segments).simplify()

    def _cell(
        self, cell: Text, width: int, base: Style, post: Style | None = None
    ) -> list[Segment]:
        text = cell.copy()
        text.no_wrap = True
        text.end = ""
        text.truncate(width, overflow=cell.overflow or "ellipsis")
        pad = Segment(" " * PADDING, base)
        console = self.app.console
        # Text.render leaves the Text's own style to the caller; the blank after the text
        # takes the row's style, not the text's.
        own = console.get_style(text.style, default=Style.null())
        body = list(Segment.apply_style(text.render(console), base + own, post))
        fill = width - text.cell_len
        if fill > 0:
            body.append(Segment(" " * fill, base))
        return [pad, *body, pad]
