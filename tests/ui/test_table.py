"""``Table``, the one DataTable subclass: vi keys and rows replaced by key."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from circletui.ui.widgets.table import Table


class OneTable(App):
    def compose(self) -> ComposeResult:
        yield Table(columns=(("name", "Name"), ("status", "Status")))


def rows(*names: str, status: str = "running"):
    return [(name, (Text(name), Text(status))) for name in names]


def cell_text(table: Table, key: str, column: str) -> str:
    return table.get_cell(key, column).plain


async def test_vi_keys_move_the_cursor() -> None:
    app = OneTable()
    async with app.run_test() as pilot:
        table = app.query_one(Table)
        table.replace_rows(rows("a", "b", "c", "d"))
        table.focus()
        await pilot.press("j", "j")
        assert table.selected_key == "c"
        await pilot.press("k")
        assert table.selected_key == "b"
        await pilot.press("G")
        assert table.selected_key == "d"
        await pilot.press("g")
        assert table.selected_key == "a"


async def test_a_new_row_on_top_keeps_the_cursor_on_the_same_row() -> None:
    app = OneTable()
    async with app.run_test() as pilot:
        table = app.query_one(Table)
        table.replace_rows(rows("a", "b", "c"))
        table.focus()
        await pilot.press("j")
        assert table.selected_key == "b"
        table.replace_rows(rows("new", "a", "b", "c"))
        await pilot.pause()
        assert table.keys == ("new", "a", "b", "c")
        assert table.selected_key == "b"
        assert table.cursor_row == 2


async def test_when_the_selected_row_goes_the_cursor_stays_in_place() -> None:
    app = OneTable()
    async with app.run_test() as pilot:
        table = app.query_one(Table)
        table.replace_rows(rows("a", "b", "c"))
        table.focus()
        await pilot.press("G")
        table.replace_rows(rows("a", "b"))
        await pilot.pause()
        assert table.selected_key == "b"  # was on the last row: still on the last row
        table.replace_rows([])
        assert table.selected_key is None


async def test_same_rows_update_only_the_changed_cells_in_place() -> None:
    app = OneTable()
    async with app.run_test() as pilot:
        table = app.query_one(Table)
        table.replace_rows(rows("a", "b", "c"))
        table.focus()
        await pilot.press("j", "j")
        updated: list[tuple[object, object]] = []
        original = table.update_cell

        def spy(row_key, column_key, value, **kwargs):
            updated.append((row_key, column_key))
            return original(row_key, column_key, value, **kwargs)

        table.update_cell = spy  # type: ignore[method-assign]
        changed = rows("a", "b", "c")
        changed[1] = ("b", (Text("b"), Text("success")))
        table.replace_rows(changed)
        await pilot.pause()
        assert updated == [("b", table.ordered_columns[1].key)]
        assert cell_text(table, "b", "status") == "success"
        assert table.selected_key == "c"
        table.replace_rows(changed)
        assert len(updated) == 1  # nothing changed: nothing written
