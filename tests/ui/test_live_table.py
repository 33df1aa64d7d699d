"""LiveTable on its own: keys, scrolling, clicks, messages, and what a change repaints."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region

from circletui.ui.widgets.live_table import PADDING, Column, LiveTable

COLUMNS = (Column("name", "Name", 8), Column("age", "Age", 4))
SIZE = (40, 12)  # the table gets 12 lines: a header and 11 rows


def make_rows(count: int, age: str = "1m", prefix: str = "row") -> list:
    return [(f"{prefix}{i}", (Text(f"{prefix} {i}"), Text(age))) for i in range(count)]


class TableApp(App):
    def __init__(self, rows) -> None:
        super().__init__()
        self.initial = rows
        self.messages: list[tuple[str, str, int]] = []

    def compose(self) -> ComposeResult:
        yield LiveTable(COLUMNS)

    def on_mount(self) -> None:
        table = self.query_one(LiveTable)
        table.set_rows(self.initial)
        table.focus()

    def on_live_table_row_highlighted(self, event: LiveTable.RowHighlighted) -> None:
        self.messages.append(("highlighted", event.key, event.row))

    def on_live_table_row_selected(self, event: LiveTable.RowSelected) -> None:
        self.messages.append(("selected", event.key, event.row))


def line_text(table: LiveTable, y: int) -> str:
    return table.render_line(y).text


def record_refreshes(table: LiveTable) -> list[tuple]:
    """Every call to ``table.refresh`` from now on, as its positional regions."""
    calls: list[tuple] = []
    original = table.refresh

    def refresh(*regions, **kwargs):
        calls.append(regions)
        return original(*regions, **kwargs)

    table.refresh = refresh  # type: ignore[method-assign]
    return calls


async def test_keys_move_the_cursor_and_scroll_it_into_view():
    app = TableApp(make_rows(100))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(LiveTable)
        await pilot.press("down", "j", "j")
        assert table.cursor_row == 3 and table.cursor_key == "row3"
        assert table.scroll_offset.y == 0
        await pilot.press("k")
        assert table.cursor_row == 2
        await pilot.press("pagedown")
        await pilot.pause()
        assert table.cursor_row == 13
        # The cursor row is the last one in view, under the header.
        assert table.scroll_offset.y == 3
        assert line_text(table, 11).startswith(" row 13")
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor_row == 99 and table.scroll_offset.y == 89
        assert line_text(table, 0).startswith(" Name"), "the header stays on top"
        await pilot.press("pageup")
        await pilot.pause()
        assert table.cursor_row == 88 and table.scroll_offset.y == 88
        await pilot.press("g")
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        await pilot.press("end")
        await pilot.press("home")
        assert table.cursor_row == 0
        await pilot.press("up")
        assert table.cursor_row == 0, "the cursor stops at the first row"


async def test_one_changed_cell_repaints_that_cell_alone():
    app = TableApp(make_rows(20))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        calls = record_refreshes(table)
        rows = make_rows(20)
        rows[4] = ("row4", (Text("row 4"), Text("2m")))
        table.set_rows(rows)
        # Row 4 is on line 5 (under the header); the age column starts after the name
        # column and its padding.
        expected = Region(8 + 2 * PADDING, 5, 4 + 2 * PADDING, 1)
        assert calls == [(expected,)]
        assert table.region_of("row4", "age") == expected
        await pilot.pause()
        assert line_text(table, 5) == " row 4     2m  ".ljust(SIZE[0])
        assert table.get_cell("row4", "age").plain == "2m"


async def test_unchanged_rows_repaint_nothing_and_a_style_change_repaints_its_cell():
    app = TableApp(make_rows(20))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        calls = record_refreshes(table)
        table.set_rows(make_rows(20))
        assert calls == []
        rows = make_rows(20)
        rows[0] = ("row0", (Text("row 0", style="bold"), Text("1m")))
        table.set_rows(rows)
        assert calls == [(table.region_of("row0", "name"),)]


async def test_a_change_scrolled_out_of_view_writes_nothing():
    app = TableApp(make_rows(50))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        calls = record_refreshes(table)
        rows = make_rows(50)
        rows[40] = ("row40", (Text("row 40"), Text("9m")))
        table.set_rows(rows)
        assert calls == []
        await pilot.press("G")
        await pilot.pause()
        assert line_text(table, 40 + 1 - table.scroll_offset.y).startswith(" row 40    9m ")


async def test_cursor_stays_on_its_key_when_rows_arrive_above():
    app = TableApp(make_rows(30))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(LiveTable)
        await pilot.press(*["j"] * 5)
        assert table.cursor_key == "row5"
        table.set_rows(make_rows(3, prefix="new") + make_rows(30))
        await pilot.pause()
        assert table.cursor_key == "row5" and table.cursor_row == 8
        assert table.row_count == 33
        assert line_text(table, 1).startswith(" new 0")


async def test_cursor_keeps_its_index_when_its_row_goes():
    app = TableApp(make_rows(10))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(LiveTable)
        await pilot.press(*["j"] * 9)
        assert table.cursor_key == "row9"
        table.set_rows(make_rows(5))
        await pilot.pause()
        assert table.cursor_row == 4 and table.cursor_key == "row4"
        assert app.messages[-1] == ("highlighted", "row4", 4)
        table.set_rows([])
        assert table.cursor_key is None and table.row_count == 0


async def test_scroll_position_is_kept_when_rows_are_rebuilt():
    app = TableApp(make_rows(60))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(LiveTable)
        await pilot.press(*["j"] * 20)
        await pilot.pause()
        scroll = table.scroll_offset.y
        assert scroll > 0
        rows = make_rows(60)
        del rows[40]  # a row out of view goes: the keys change
        table.set_rows(rows)
        await pilot.pause()
        assert table.scroll_offset.y == scroll and table.cursor_key == "row20"


async def test_enter_posts_selected_and_moves_post_highlighted():
    app = TableApp(make_rows(10))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.messages.clear()
        await pilot.press("j", "enter")
        await pilot.pause()
        assert app.messages == [("highlighted", "row1", 1), ("selected", "row1", 1)]


async def test_a_click_moves_the_cursor_and_a_click_on_it_selects():
    app = TableApp(make_rows(10))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        app.messages.clear()
        await pilot.click(LiveTable, offset=(3, 4))  # line 4 is row 3
        await pilot.pause()
        assert table.cursor_key == "row3"
        assert app.messages == [("highlighted", "row3", 3)]
        await pilot.click(LiveTable, offset=(3, 4))
        await pilot.pause()
        assert app.messages[-1] == ("selected", "row3", 3)
        await pilot.click(LiveTable, offset=(3, 0))  # the header selects nothing
        await pilot.pause()
        assert table.cursor_key == "row3" and len(app.messages) == 2


async def test_text_that_looks_like_markup_is_shown_literally():
    rows = [("a", (Text("plain"), Text(""))), ("x", (Text("[b]no[/]"), Text("[i]")))]
    app = TableApp(rows)
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(LiveTable)
        await pilot.pause()
        line = table.render_line(2)  # not the cursor row, which is bold
        assert line.text.startswith(" [b]no[/]  [i]  ")
        assert not any(segment.style and (segment.style.bold or segment.style.italic)
                       for segment in line)


async def test_a_column_width_change_keeps_rows_and_cursor():
    app = TableApp(make_rows(10))
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(LiveTable)
        await pilot.press("j", "j")
        table.set_columns((Column("name", "Name", 12), Column("age", "Age", 4)))
        await pilot.pause()
        assert table.cursor_key == "row2"
        assert line_text(table, 0).startswith(" Name          Age ")
        assert line_text(table, 3).startswith(" row 2         1m  ")
        assert table.get_row("row2")[1].plain == "1m"
