"""LogView: big logs, search highlighting and navigation, wrap, follow mode and saving."""

from __future__ import annotations

from pathlib import Path

from rich.style import Style
from textual.app import App, ComposeResult
from textual.selection import Selection
from textual.strip import Strip

from circletui.logtext import LogBuffer
from circletui.ui.widgets.log_view import LogView

SIZE = (80, 20)


class LogApp(App[None]):
    def __init__(self, buffer: LogBuffer, **options: bool) -> None:
        super().__init__()
        self.buffer = buffer
        self.options = options
        self.follow_changes: list[bool] = []

    def compose(self) -> ComposeResult:
        yield LogView(self.buffer, **self.options)

    def on_log_view_follow_changed(self, event: LogView.FollowChanged) -> None:
        self.follow_changes.append(event.follow)


def numbered(count: int, *, every: int = 0, word: str = "needle") -> LogBuffer:
    """``count`` lines ``line N``; every ``every``-th line also holds ``word`` (coloured)."""
    buffer = LogBuffer()
    buffer.feed(
        "".join(
            f"line {i} \x1b[31m{word}\x1b[0m\n" if every and i % every == 0 else f"line {i}\n"
            for i in range(count)
        )
    )
    return buffer


def row_text(view: LogView, y: int) -> str:
    return "".join(segment.text for segment in view.render_line(y))


def backgrounds(strip: Strip) -> set[object]:
    return {segment.style.bgcolor for segment in strip if isinstance(segment.style, Style)}


async def test_100k_lines_open_and_show_the_end() -> None:
    buffer = LogBuffer()
    for start in range(0, 100_000, 10_000):
        buffer.feed("".join(f"\x1b[32mok\x1b[0m row {i}\r\n" for i in range(start, start + 10_000)))
    app = LogApp(buffer, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        assert view.scroll_y == 0
        assert row_text(view, 0).startswith("     1 ok row 0")
        await pilot.press("G")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0
        assert view.follow
        last_row = view.scrollable_content_region.height - 1
        assert row_text(view, last_row).startswith("100000 ok row 99999")
        await pilot.press("g")
        await pilot.pause()
        assert view.scroll_y == 0
        assert not view.follow


async def test_follow_is_on_by_default_and_opens_at_the_bottom() -> None:
    app = LogApp(numbered(500))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        assert view.follow
        assert view.scroll_y == view.max_scroll_y > 0


async def test_search_highlights_and_n_moves_to_the_next_match() -> None:
    app = LogApp(numbered(200, every=50), follow=False)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        assert view.search("needle")
        assert view.current_match == (0, 7, 13)
        await pilot.pause()
        current_bg = view.get_component_rich_style("log-view--current-match").bgcolor
        assert current_bg in backgrounds(view.render_line(0))

        await pilot.press("n")
        await pilot.pause()
        assert view.current_match is not None and view.current_match[0] == 50
        height = view.scrollable_content_region.height
        assert view.scroll_y <= 50 < view.scroll_y + height
        assert current_bg in backgrounds(view.render_line(50 - round(view.scroll_y)))

        await pilot.press("n", "n")
        assert view.current_match[0] == 150
        await pilot.press("n")  # wraps to the top
        assert view.current_match[0] == 0
        assert view.scroll_y == 0
        await pilot.press("N")  # and back around the end
        assert view.current_match[0] == 150
        assert view.match_count() == 4


async def test_all_visible_matches_are_highlighted() -> None:
    buffer = LogBuffer()
    buffer.feed("foo bar foo\nnothing\nfoo\n")
    app = LogApp(buffer, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        assert view.search("foo")
        await pilot.pause()
        match_bg = view.get_component_rich_style("log-view--match").bgcolor
        current_bg = view.get_component_rich_style("log-view--current-match").bgcolor
        assert {match_bg, current_bg} <= backgrounds(view.render_line(0))
        assert match_bg in backgrounds(view.render_line(2))
        assert match_bg not in backgrounds(view.render_line(1))
        assert view.next_match()
        assert view.current_match == (0, 8, 11)
        assert view.next_match()
        assert view.current_match == (2, 0, 3)


async def test_search_smart_case_and_no_match() -> None:
    buffer = LogBuffer()
    buffer.feed("Error here\nerror there\n")
    app = LogApp(buffer, follow=False)
    async with app.run_test(size=SIZE):
        view = app.query_one(LogView)
        assert view.search("error")
        assert view.current_match == (0, 0, 5)
        assert view.next_match()
        assert view.current_match == (1, 0, 5)
        assert view.search("Error")  # an uppercase letter makes it case sensitive
        assert view.current_match == (0, 0, 5)
        assert not view.search("nowhere")
        assert view.current_match is None
        assert not view.next_match()
        view.clear_search()
        assert view.search_query == ""


async def test_wrap_toggle_changes_virtual_height() -> None:
    buffer = LogBuffer()
    buffer.feed("".join(f"{i} " + "x" * 250 + "\n" for i in range(10)))
    buffer.feed("short\n")
    app = LogApp(buffer, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        assert view.virtual_size.height == 11
        assert view.virtual_size.width > 250
        await pilot.press("W")
        await pilot.pause()
        assert view.wrap
        text_width = view.scrollable_content_region.width - 3  # "11" + a space of gutter
        rows_per_long_line = -(-252 // text_width)
        assert view.virtual_size.height == 10 * rows_per_long_line + 1
        assert view.max_scroll_x == 0
        assert row_text(view, 1).startswith("   x")  # a continuation row: no number
        await pilot.press("W")
        await pilot.pause()
        assert view.virtual_size.height == 11


async def test_wrap_keeps_the_top_line() -> None:
    buffer = LogBuffer()
    buffer.feed("".join(f"{i} " + "y" * 200 + "\n" for i in range(100)))
    app = LogApp(buffer, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        view.scroll_to_line(40)
        await pilot.press("W")
        await pilot.pause()
        assert view.top_line == 40
        await pilot.press("W")
        await pilot.pause()
        assert view.top_line == 40


async def test_follow_stays_at_the_bottom_while_output_arrives() -> None:
    app = LogApp(numbered(100))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y
        for batch in range(3):
            view.feed("".join(f"new {batch}.{i}\n" for i in range(25)))
            await pilot.pause()
            assert view.scroll_y == view.max_scroll_y
        assert view.line_count == 175
        assert view.follow
        assert app.follow_changes == []


async def test_scrolling_up_stops_follow_and_keeps_the_position() -> None:
    app = LogApp(numbered(100))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        await pilot.press("pageup")
        await pilot.pause()
        assert not view.follow
        assert app.follow_changes == [False]
        position = view.scroll_y
        assert position < view.max_scroll_y
        view.append_chunks([{"message": "more\n" * 50, "type": "out"}])
        await pilot.pause()
        assert view.scroll_y == position
        assert view.line_count == 150

        await pilot.press("F")
        await pilot.pause()
        assert view.follow
        assert view.scroll_y == view.max_scroll_y
        assert app.follow_changes == [False, True]


async def test_scrolling_back_to_the_end_resumes_follow() -> None:
    app = LogApp(numbered(100))
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        await pilot.press("up")
        await pilot.pause()
        assert not view.follow
        await pilot.press("down")
        await pilot.pause()
        assert view.follow
        await pilot.press("g", "end")
        await pilot.pause()
        assert view.follow and view.scroll_y == view.max_scroll_y


async def test_unfinished_line_updates_in_place() -> None:
    app = LogApp(LogBuffer())
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        view.feed("Downloading 10%")
        await pilot.pause()
        assert view.line_count == 1
        assert row_text(view, 0).startswith("1 Downloading 10%")
        view.feed("\rDownloading 100%\r\nDone")
        await pilot.pause()
        assert view.line_count == 2
        assert row_text(view, 0).startswith("1 Downloading 100% ")
        view.finish()
        assert view.buffer.finished_lines == 2


async def test_buffer_extended_elsewhere_then_refresh_lines() -> None:
    buffer = numbered(10)
    app = LogApp(buffer, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        buffer.feed("line 10\nline 11\n")
        view.refresh_lines()
        await pilot.pause()
        assert view.virtual_size.height == 12
        assert row_text(view, 11).startswith("12 line 11")
        view.buffer = numbered(3)
        await pilot.pause()
        assert view.virtual_size.height == 3


async def test_stderr_lines_use_the_stderr_style() -> None:
    app = LogApp(LogBuffer(), follow=False)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        view.append_chunks(
            [{"message": "fine\n", "type": "out"}, {"message": "Exited with code 1", "type": "err"}]
        )
        await pilot.pause()
        stderr = view.get_component_rich_style("log-view--stderr").color
        colours = {segment.style.color for segment in view.render_line(1) if segment.style}
        assert stderr in colours
        assert stderr not in {segment.style.color for segment in view.render_line(0)}


async def test_save_writes_plain_text(tmp_path: Path) -> None:
    buffer = LogBuffer()
    buffer.feed(
        "\x1b[31mred\x1b[0m\r\n\x1b]0;title\x07plain [bold]x[/bold]\nprogress 1\rprogress 2"
    )
    app = LogApp(buffer)
    async with app.run_test(size=SIZE):
        view = app.query_one(LogView)
        target = view.save(tmp_path / "step.log")
    assert target.read_text(encoding="utf-8") == "red\nplain [bold]x[/bold]\nprogress 2\n"


async def test_mouse_selection_copies_plain_text() -> None:
    buffer = LogBuffer()
    buffer.feed("\x1b[31malpha\x1b[0m one\nbeta two\ngamma three\n")
    app = LogApp(buffer, follow=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # The gutter is 2 cells ("1 "): cell 8 is "o" of "one".
        await pilot.mouse_down(LogView, offset=(8, 0))
        await pilot.hover(LogView, offset=(6, 2))
        await pilot.mouse_up(LogView, offset=(6, 2))
        await pilot.pause()
        assert app.screen.get_selected_text() == "one\nbeta two\ngamma"
        view = app.query_one(LogView)
        assert view.get_selection(Selection(None, None)) == (
            "alpha one\nbeta two\ngamma three",
            "\n",
        )
