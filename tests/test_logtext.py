"""LogBuffer: escapes, carriage returns, chunk boundaries, search, export and memory."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from rich.color import Color
from rich.style import Style

from circletui.api.v1models import OutputChunk
from circletui.logtext import BLOCK_LINES, MAX_TAIL, LogBuffer, parse_output


def lines_of(*chunks: str) -> list[str]:
    buffer = LogBuffer()
    for chunk in chunks:
        buffer.feed(chunk)
    buffer.finish()
    return list(buffer.iter_plain())


def only_style(buffer: LogBuffer, index: int = 0) -> Style:
    [(_start, _end, style)] = buffer.spans(index)
    return style


# -- colours ----------------------------------------------------------------------------------


def test_sgr_becomes_a_style() -> None:
    buffer = parse_output([{"message": "\x1b[31mred\x1b[0m plain\n", "type": "out"}])
    assert buffer.plain(0) == "red plain"
    assert buffer.spans(0) == [(0, 3, Style(color=Color.from_ansi(1)))]
    text = buffer.line_text(0)
    assert text.plain == "red plain"
    assert [(s.start, s.end, s.style) for s in text.spans] == [
        (0, 3, Style(color=Color.from_ansi(1)))
    ]


@pytest.mark.parametrize(
    ("sequence", "expected"),
    [
        ("\x1b[1;32m", Style(color=Color.from_ansi(2), bold=True)),
        ("\x1b[92m", Style(color=Color.from_ansi(10))),
        ("\x1b[44m", Style(bgcolor=Color.from_ansi(4))),
        ("\x1b[38;5;208m", Style(color=Color.from_ansi(208))),
        ("\x1b[48;5;17m", Style(bgcolor=Color.from_ansi(17))),
        ("\x1b[38;2;255;128;0m", Style(color=Color.from_rgb(255, 128, 0))),
        ("\x1b[38:2::1:2:3m", Style(color=Color.from_rgb(1, 2, 3))),
        ("\x1b[38:5:99m", Style(color=Color.from_ansi(99))),
        ("\x1b[4;3;9m", Style(underline=True, italic=True, strike=True)),
        ("\x1b[31m\x1b[39m\x1b[1m", Style(bold=True)),  # 39 = the view's own colour
    ],
)
def test_sgr_variants(sequence: str, expected: Style) -> None:
    buffer = LogBuffer()
    buffer.feed(f"{sequence}x\n")
    assert only_style(buffer) == expected


def test_style_carries_over_lines_until_reset() -> None:
    buffer = LogBuffer()
    buffer.feed("\x1b[33mone\ntwo\x1b[0m three\n")
    assert buffer.spans(1) == [(0, 3, Style(color=Color.from_ansi(3)))]


def test_adjacent_runs_of_one_style_merge() -> None:
    buffer = LogBuffer()
    buffer.feed("\x1b[32mab\x1b[2K\x1b[32mcd\x1b[0m\n")
    assert buffer.spans(0) == [(0, 4, Style(color=Color.from_ansi(2)))]


# -- escapes and control characters -----------------------------------------------------------


@pytest.mark.parametrize(
    "sequence",
    [
        "\x1b[2K",  # erase line
        "\x1b[1A",  # cursor up
        "\x1b[2J",  # erase screen
        "\x1b[10;20H",  # cursor position
        "\x1b]0;title\x07",  # OSC window title, BEL-terminated
        "\x1b]2;title\x1b\\",  # ... ST-terminated
        "\x1b]8;;https://example.com\x1b\\",  # OSC 8 hyperlink
        "\x1b[?25l",  # hide cursor
        "\x1b[?2004h",  # bracketed paste
        "\x1b(B",  # charset designation
        "\x1b7",  # save cursor
        "\x1b=",  # keypad mode
        "\x9b2K",  # 8-bit CSI
        "\x9b31m",  # 8-bit CSI SGR: dropped, not honoured
        "\x1bPq#0;2;0;0;0\x1b\\",  # DCS
        "\x1b[>4;2m",  # xterm modifyOtherKeys: not SGR despite the m
    ],
)
def test_other_escapes_are_removed(sequence: str) -> None:
    buffer = LogBuffer()
    buffer.feed(f"a{sequence}b\n")
    assert buffer.plain(0) == "ab"
    assert buffer.spans(0) == []


def test_control_characters_are_stripped() -> None:
    assert lines_of("a\x00b\x07c\x08d\x7fe\x0bf\x85g\x1b\n") == ["abcdefg"]


def test_tabs_expand_to_8() -> None:
    assert lines_of("a\tb\n12345678\tx\n\tz\n") == ["a       b", "12345678        x", "        z"]


def test_markup_stays_literal() -> None:
    buffer = LogBuffer()
    buffer.feed("[bold]x[/bold] [red]y[/] :smile:\n")
    text = buffer.line_text(0)
    assert text.plain == "[bold]x[/bold] [red]y[/] :smile:"
    assert text.spans == []


# -- newlines and carriage returns ------------------------------------------------------------


def test_crlf_is_a_newline() -> None:
    assert lines_of("one\r\ntwo\r\n") == ["one", "two"]


def test_crlf_split_across_chunks() -> None:
    assert lines_of("one\r", "\ntwo\n") == ["one", "two"]


def test_carriage_return_keeps_the_last_segment() -> None:
    assert lines_of("10%\r50%\r100%\n") == ["100%"]
    assert lines_of("progress 10%\r", "progress 100%\r\n", "done\n") == ["progress 100%", "done"]


def test_docker_progress_redraw() -> None:
    chunks = [
        "abc123: Pulling fs layer\r\n",
        "\x1b[1A\x1b[2K\rabc123: Downloading  1MB/3MB\r\n",
        "\x1b[1A\x1b[2K\rabc123: Pull complete\r\n",
    ]
    assert lines_of(*chunks) == [
        "abc123: Pulling fs layer",
        "abc123: Downloading  1MB/3MB",
        "abc123: Pull complete",
    ]


def test_cursor_to_column_one_is_a_carriage_return() -> None:
    # npm's spinner: erase line, cursor to column 1, redraw.
    assert lines_of("⠋ fetch\x1b[2K\x1b[1G⠙ fetch\x1b[2K\x1b[1Gadded 3 packages\n") == [
        "added 3 packages"
    ]


def test_unfinished_line_is_visible_and_finish_keeps_it() -> None:
    buffer = LogBuffer()
    buffer.feed("first\nsecond")
    assert len(buffer) == 2
    assert buffer.finished_lines == 1
    assert buffer.has_partial
    assert buffer.plain(1) == "second"
    buffer.feed(" half\rrewritten")
    assert buffer.plain(1) == "rewritten"
    buffer.finish()
    assert buffer.finished_lines == 2
    assert list(buffer) == ["first", "rewritten"]


def test_feed_reports_the_first_changed_line() -> None:
    buffer = LogBuffer()
    assert buffer.feed("a\nb") == 0
    assert buffer.feed("c\nd\n") == 1
    assert buffer.feed("e\n") == 3


# -- chunk boundaries -------------------------------------------------------------------------


def test_sgr_split_across_chunks() -> None:
    buffer = LogBuffer()
    for chunk in ["\x1b", "[3", "1mred\x1b", "[0", "m\n"]:
        buffer.feed(chunk)
    assert buffer.plain(0) == "red"
    assert only_style(buffer) == Style(color=Color.from_ansi(1))


def test_osc_split_across_chunks() -> None:
    assert lines_of("\x1b]0;my ti", "tle\x1b", "\\ok\n") == ["ok"]


def test_every_split_point_gives_the_same_result() -> None:
    raw = "\x1b[1;31mERR\x1b[0m a\tb\r\n\x1b]0;t\x07\x1b[2Kx\ry\n"
    whole = LogBuffer()
    whole.feed(raw)
    whole.finish()
    for cut in range(1, len(raw)):
        split = LogBuffer()
        split.feed(raw[:cut])
        split.feed(raw[cut:])
        split.finish()
        assert list(split) == list(whole), cut
        assert [split.spans(i) for i in range(len(split))] == [
            whole.spans(i) for i in range(len(whole))
        ], cut


def test_an_unterminated_sequence_cannot_swallow_the_log() -> None:
    long = "x" * (MAX_TAIL + 10)
    # Longer than any real sequence: the introducer is dropped and the text shown.
    assert lines_of("\x1b]0;" + long) == ["0;" + long]
    # A short one waiting for its end at the end of the output is dropped by finish().
    assert lines_of("shown\n\x1b]0;cut off") == ["shown"]
    assert lines_of("\x1bPnot a dcs\nnext line\n") == ["not a dcs", "next line"]


# -- search -----------------------------------------------------------------------------------


@pytest.fixture
def searchable() -> LogBuffer:
    buffer = LogBuffer()
    for i in range(1000):
        if i in (10, 300, 700):
            buffer.feed(f"line {i}: \x1b[31mError\x1b[0m: boom\n")
        else:
            buffer.feed(f"line {i}: ok\n")
    buffer.finish()
    return buffer


def test_search_forward_from_start_inclusive(searchable: LogBuffer) -> None:
    assert searchable.search("error", 0) == 10
    assert searchable.search("error", 10) == 10
    assert searchable.search("error", 11) == 300  # crosses a block boundary
    assert BLOCK_LINES < 300


def test_search_backwards(searchable: LogBuffer) -> None:
    assert searchable.search("error", 699, backwards=True) == 300
    assert searchable.search("error", 700, backwards=True) == 700
    assert searchable.search("error", 999, backwards=True) == 700


def test_search_wraps_around(searchable: LogBuffer) -> None:
    assert searchable.search("error", 701) == 10
    assert searchable.search("error", 5, backwards=True) == 700
    assert searchable.search("error", 701, wrap=False) is None
    assert searchable.search("error", 5, backwards=True, wrap=False) is None


def test_search_case(searchable: LogBuffer) -> None:
    assert searchable.search("ERROR") == 10
    assert searchable.search("ERROR", case_sensitive=True) is None
    assert searchable.search("Error", case_sensitive=True) == 10


def test_search_is_literal_and_sees_plain_text(searchable: LogBuffer) -> None:
    assert searchable.search("[31m") is None  # escapes are gone
    assert searchable.search("line 5.") is None  # "." is not a wildcard
    assert searchable.search("") is None
    assert searchable.search("nothing like this") is None


def test_search_includes_the_unfinished_line() -> None:
    buffer = LogBuffer()
    buffer.feed("a\nb\nneedle")
    assert buffer.search("needle") == 2


def test_find_all_and_count(searchable: LogBuffer) -> None:
    assert searchable.find_all("o", 10) == [(12, 13), (17, 18), (18, 19)]  # "Error: boom"
    assert searchable.count_matches("error") == 3
    assert searchable.count_matches("line") == 1000


# -- export -----------------------------------------------------------------------------------


def test_write_plain_has_no_escapes() -> None:
    buffer = LogBuffer()
    buffer.feed("\x1b[32mok\x1b[0m\r\n\x1b]0;t\x07tab\there\nlast")
    out = io.StringIO()
    buffer.write_plain(out)
    assert out.getvalue() == "ok\ntab     here\nlast\n"
    assert buffer.plain_text() == out.getvalue()


def test_write_plain_of_many_blocks() -> None:
    buffer = LogBuffer()
    expected = [f"line {i}" for i in range(3 * BLOCK_LINES + 5)]
    buffer.feed("".join(f"\x1b[1m{line}\x1b[0m\n" for line in expected))
    out = io.StringIO()
    buffer.write_plain(out)
    assert out.getvalue() == "".join(f"{line}\n" for line in expected)
    assert buffer.plain(BLOCK_LINES) == f"line {BLOCK_LINES}"
    assert buffer.plain(-1) == expected[-1]


def test_empty_buffer() -> None:
    buffer = LogBuffer()
    buffer.finish()
    assert len(buffer) == 0
    assert buffer.plain_text() == ""
    assert buffer.search("x") is None
    with pytest.raises(IndexError):
        buffer.plain(0)


# -- v1.1 chunks ------------------------------------------------------------------------------


def test_err_chunks_mark_their_lines() -> None:
    buffer = parse_output(
        [
            {"message": "#!/bin/bash -eo pipefail\r\nmake test\r\n", "time": "x", "type": "out"},
            {"message": "Exited with code 1", "time": "x", "type": "err"},
        ]
    )
    assert list(buffer) == ["#!/bin/bash -eo pipefail", "make test", "Exited with code 1"]
    assert [buffer.is_err(i) for i in range(3)] == [False, False, True]
    assert buffer.line_text(2).style == Style.parse("red")
    assert buffer.line_text(2, err_style="bold magenta").style == Style.parse("bold magenta")
    assert buffer.line_text(2, err_style=None).style == ""
    assert buffer.line_text(0).style == ""


def test_parse_output_accepts_models_and_odd_chunks() -> None:
    chunks = [
        OutputChunk.from_api({"message": "one\n", "type": "out"}),
        {"message": None, "type": "out"},
        {"type": "err"},
        {"message": "two", "type": "err"},
    ]
    buffer = parse_output(chunks)
    assert list(buffer) == ["one", "two"]
    assert buffer.is_err(1)
    running = parse_output([{"message": "partial"}], finish=False)
    assert running.has_partial


# -- memory -----------------------------------------------------------------------------------


def _realistic_output(lines: int) -> str:
    out = []
    for i in range(lines):
        kind = i % 5
        if kind == 0:
            out.append(f"\x1b[32mPASSED\x1b[0m test_{i}\r\n")
        elif kind == 1:
            out.append(f"\x1b[1A\x1b[2K\rlayer{i}: Downloading {i % 300}MB\r\n")
        elif kind == 2:
            out.append(f"\x1b[31;1mERROR\x1b[0m step {i}\n")
        else:
            out.append(f"[{i:06d}] INFO item {i * 7 % 1000}\n")
    return "".join(out)


def test_100k_lines_are_stored_compactly() -> None:
    raw = _realistic_output(100_000)
    chunks = [raw[i : i + 4096] for i in range(0, len(raw), 4096)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        buffer = LogBuffer()
        for chunk in chunks:
            buffer.feed(chunk)
        buffer.finish()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(buffer) == 100_000
    assert buffer.plain(99_999) == "[099999] INFO item 993"
    # One copy of the text plus small per-line arrays: well under twice the raw size.
    assert held < 2 * len(raw), (held, len(raw))
