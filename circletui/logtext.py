"""Raw step output (chunks with ANSI escapes and carriage returns) turned into display lines.

``LogBuffer`` is fed the output as it arrives, in arbitrary slices (a v1.1 output chunk is not
a line, and an escape sequence can straddle two chunks), and keeps a list of finished lines:

* SGR colour sequences (``ESC[...m``: 16, 256 and truecolour, ``;`` or ``:`` separated) become
  styles; every other escape sequence (cursor moves, erase line/screen, OSC titles and
  hyperlinks, DCS strings, private modes like ``ESC[?25l``, charset switches, 8-bit C1 CSI)
  and every control character other than ``\\n`` and ``\\t`` is dropped. Tabs expand to 8.
* ``\\r\\n`` is a newline; a bare ``\\r`` (a progress bar redrawing itself) means the text after
  it replaces the line, so only the last segment of a redrawn line is kept. ``ESC[G`` and
  ``ESC[1G`` (cursor to column 1, npm's spinner) count as a carriage return.
* Output text is never parsed as markup: lines come back as ``rich.text.Text`` built from the
  plain string and spans.

Memory: a 100,000-line log must not be held several times over. Finished lines are stored in
blocks of ``BLOCK_LINES`` joined into one string (one str header per block instead of one per
line, and one contiguous string to run a search over), with an array of line offsets; styles
are flat ``array('I')`` triples (start, end, style id) indexing a small table of distinct
styles. A line's ``Text`` is built on demand, so only visible lines ever become objects.

No Textual import here: the widget (``ui/widgets/log_view.py``) adds the view on top.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import IO, Any, Literal

from rich.cells import cell_len
from rich.color import Color
from rich.style import Style
from rich.text import Span, Text

BLOCK_LINES = 256
"""Lines per sealed block. Small enough that one wide character (which makes Python store a
whole string at 2 or 4 bytes per character) only widens a few KB of text."""

TAB_SIZE = 8
MAX_TAIL = 4096
"""The longest incomplete escape sequence carried over to the next chunk. Past this, the
introducer is taken for garbage and dropped, so a stray ``ESC P`` cannot swallow the log."""

DEFAULT_ERR_STYLE = "red"

Stream = Literal["out", "err"]

# Printable text (possibly empty), then one "special" token: an escape sequence, one cut off by
# the end of the data, or a single control character. One ``match`` per token is about five
# times faster than ``search`` for the specials alone, as the text run is a plain class scan.
_TOKEN = re.compile(
    r"(?P<text>[^\x00-\x1f\x7f-\x9f]*+)"
    r"(?:"
    # CSI, 7-bit or 8-bit: parameters, intermediates, final byte.
    r"(?:\x1b\[|\x9b)(?P<params>[0-?]*)(?P<inter>[ -/]*)(?P<final>[@-~])"
    # OSC (titles, hyperlinks), ended by BEL or ST.
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c\n\r]*(?:\x07|\x1b\\|\x9c)"
    # DCS, SOS, PM, APC strings, ended by ST. Not across a newline: a stray ESC P must not
    # hide the rest of the log.
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c\n]*(?:\x1b\\|\x9c)"
    # The same, cut off by the end of the chunk: kept for the next feed.
    r"|(?P<partial>(?:\x1b\[|\x9b)[0-?]*[ -/]*\Z"
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c\n\r]*\x1b?\Z"
    r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c\n]*\x1b?\Z"
    r"|\x1b[ -/]*\Z)"
    # Any other escape: charset designation (ESC ( B), ESC 7/8, keypad modes, ...
    r"|\x1b[ -/]*[0-~]"
    # A lone control character (\n, \r and \t are handled by value).
    r"|[\x00-\x1f\x7f-\x9f]"
    r")"
)
_SGR_PARAMS = re.compile(r"[0-9;:]*")
# A whole line with nothing to interpret: the common case, stored without tokenizing.
_PLAIN_LINE = re.compile(r"[^\x00-\x1f\x7f-\x9f]*+\n")

# Attribute bits of a style state.
_BOLD, _DIM, _ITALIC, _UNDERLINE, _BLINK, _REVERSE, _STRIKE, _OVERLINE = (1 << n for n in range(8))
_SET_BITS = {
    1: _BOLD,
    2: _DIM,
    3: _ITALIC,
    4: _UNDERLINE,
    5: _BLINK,
    6: _BLINK,
    7: _REVERSE,
    9: _STRIKE,
    21: _UNDERLINE,
    53: _OVERLINE,
}
_CLEAR_BITS = {
    22: _BOLD | _DIM,
    23: _ITALIC,
    24: _UNDERLINE,
    25: _BLINK,
    27: _REVERSE,
    29: _STRIKE,
    55: _OVERLINE,
}

# A style state: (foreground, background, attribute bits). ``None`` colours mean "the
# widget's own colour", which is what SGR 39/49 (default colour) should look like in a TUI.
_State = tuple[Color | None, Color | None, int]
_RESET: _State = (None, None, 0)


def _extended_colour(values: list[int]) -> tuple[Color | None, int]:
    """A 38/48 colour from the values after the 38/48, and how many values it used."""
    if not values:
        return None, 0
    if values[0] == 5 and len(values) >= 2:
        return Color.from_ansi(min(max(values[1], 0), 255)), 2
    if values[0] == 2 and len(values) >= 4:
        r, g, b = (min(max(v, 0), 255) for v in values[1:4])
        return Color.from_rgb(r, g, b), 4
    return None, len(values)


def _apply_sgr(state: _State, params: str) -> _State:
    """The style state after ``ESC[<params>m``."""
    fg, bg, bits = state
    groups = params.split(";") if params else [""]
    position = 0
    while position < len(groups):
        group = groups[position]
        position += 1
        if ":" in group:
            # ITU form: 38:5:n, 38:2::r:g:b (the colour space id may be empty), 4:3 ...
            sub = group.split(":")
            code = int(sub[0]) if sub[0].isdigit() else -1
            values = [int(v) for v in sub[1:] if v.isdigit()]
            if code in (38, 48) and sub[1:2] == ["2"] and len(values) >= 4:
                values = [2, *values[-3:]]
            if code == 38:
                fg = _extended_colour(values)[0] or fg
            elif code == 48:
                bg = _extended_colour(values)[0] or bg
            elif code == 4:
                bits = bits | _UNDERLINE if values[:1] != [0] else bits & ~_UNDERLINE
            continue
        code = int(group) if group.isdigit() else (0 if group == "" else -1)
        if code == 0:
            fg, bg, bits = _RESET
        elif code in _SET_BITS:
            bits |= _SET_BITS[code]
        elif code in _CLEAR_BITS:
            bits &= ~_CLEAR_BITS[code]
        elif 30 <= code <= 37:
            fg = Color.from_ansi(code - 30)
        elif 90 <= code <= 97:
            fg = Color.from_ansi(code - 90 + 8)
        elif 40 <= code <= 47:
            bg = Color.from_ansi(code - 40)
        elif 100 <= code <= 107:
            bg = Color.from_ansi(code - 100 + 8)
        elif code == 39:
            fg = None
        elif code == 49:
            bg = None
        elif code in (38, 48, 58):
            rest = [int(v) if v.isdigit() else 0 for v in groups[position : position + 4]]
            colour, used = _extended_colour(rest)
            position += used
            if code == 38 and colour is not None:
                fg = colour
            elif code == 48 and colour is not None:
                bg = colour
            # 58 (underline colour) is consumed and ignored.
    return fg, bg, bits


def _state_style(state: _State) -> Style:
    fg, bg, bits = state
    return Style(
        color=fg,
        bgcolor=bg,
        bold=bool(bits & _BOLD) or None,
        dim=bool(bits & _DIM) or None,
        italic=bool(bits & _ITALIC) or None,
        underline=bool(bits & _UNDERLINE) or None,
        blink=bool(bits & _BLINK) or None,
        reverse=bool(bits & _REVERSE) or None,
        strike=bool(bits & _STRIKE) or None,
        overline=bool(bits & _OVERLINE) or None,
    )


def _width(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


@lru_cache(maxsize=64)
def compile_query(query: str, case_sensitive: bool = False) -> re.Pattern[str] | None:
    """The regex for a literal search; ``None`` for an empty query or one spanning lines."""
    if not query or "\n" in query:
        return None
    return re.compile(re.escape(query), 0 if case_sensitive else re.IGNORECASE)


class LogBuffer:
    """Streaming ANSI output → lines of plain text plus style spans (see the module docstring).

    ``len(buffer)`` counts finished lines plus the unfinished last line when it has text, so a
    live log shows what it has so far; that last line is the only one that can still change.
    """

    def __init__(self) -> None:
        # Finished lines: sealed blocks, then the open block.
        self._blocks: list[str] = []
        self._block_starts: list[array[int]] = []
        self._open: list[str] = []
        self._count = 0
        self._span_index: array[int] = array("I", [0])  # per line: spans so far (cumulative)
        self._span_data: array[int] = array("I")  # (start, end, style id) triples
        self._widths: array[int] = array("I")
        self._flags = bytearray()  # 1 = the line holds stderr text
        self._max_width = 0
        # Style states: id 0 is "no style" and never stored in spans.
        self._states: list[_State] = [_RESET]
        self._state_ids: dict[_State, int] = {_RESET: 0}
        self._styles: list[Style | None] = [None]
        self._transitions: dict[tuple[int, str], int] = {}
        self._state = 0
        # The line being built.
        self._parts: list[str] = []
        self._spans: list[list[int]] = []
        self._col = 0
        self._cr = False  # a bare \r was seen: the next text replaces the line
        self._err = False
        self._tail = ""  # an escape sequence cut by the end of the last chunk
        self._open_chunk: tuple[str, array[int]] | None = None

    # -- feeding ------------------------------------------------------------------------------

    def feed(self, chunk: str, stream: Stream | str = "out") -> int:
        """Add a slice of output; returns the index of the first line that may have changed."""
        first = self._count
        data = self._tail + chunk if self._tail else chunk
        self._tail = ""
        if not data:
            return first
        self._open_chunk = None
        err = stream == "err"
        token, plain_line = _TOKEN.match, _PLAIN_LINE.match
        pos, end = 0, len(data)
        while pos < end:
            if not self._col and not self._cr and (line := plain_line(data, pos)) is not None:
                text = data[pos : line.end() - 1]
                pos = line.end()
                spans = [[0, len(text), self._state]] if self._state and text else []
                self._store(text, spans, err and bool(text))
                continue
            match = token(data, pos)
            if match is None:  # no control character left: the rest is text
                self._text(data[pos:], err)
                break
            start = match.end("text")
            if start > pos:
                self._text(data[pos:start], err)
            pos = match.end()
            char = data[start]
            if char == "\n":
                self._end_line()
            elif char == "\r":
                self._cr = True
            elif char == "\t":
                self._text("", err)  # a pending \r applies first: the tab may open the line
                self._text(" " * (TAB_SIZE - self._col % TAB_SIZE), err)
            elif (final := match.group("final")) is not None:
                if match.group("inter"):
                    continue
                params = match.group("params")
                if char == "\x9b":
                    continue  # 8-bit CSI: terminals in UTF-8 mode do not honour it either
                if final == "m" and _SGR_PARAMS.fullmatch(params):
                    self._sgr(params)
                elif final == "G" and params in ("", "1"):
                    self._cr = True
            elif match.group("partial") is not None:
                if end - start <= MAX_TAIL:
                    self._tail = data[start:]
                    break
                # Too long to be a real sequence: drop the introducer and go on from there.
                pos = start + (1 if char != "\x1b" else 2)
        return first

    def finish(self) -> None:
        """End of output: an incomplete escape is dropped and a final partial line kept."""
        self._tail = ""
        if self._col:
            self._end_line()
        self._parts, self._spans, self._cr, self._err = [], [], False, False
        self._open_chunk = None

    def _sgr(self, params: str) -> None:
        key = (self._state, params)
        new = self._transitions.get(key)
        if new is None:
            state = _apply_sgr(self._states[self._state], params)
            new = self._state_ids.get(state)
            if new is None:
                new = len(self._states)
                self._states.append(state)
                self._styles.append(None)
                self._state_ids[state] = new
            self._transitions[key] = new
        self._state = new

    def _text(self, text: str, err: bool) -> None:
        if self._cr:
            self._parts, self._spans, self._col, self._err = [], [], 0, False
            self._cr = False
        if not text:
            return
        self._parts.append(text)
        start = self._col
        self._col += len(text)
        if self._state:
            spans = self._spans
            if spans and spans[-1][2] == self._state and spans[-1][1] == start:
                spans[-1][1] = self._col
            else:
                spans.append([start, self._col, self._state])
        if err:
            self._err = True

    def _end_line(self) -> None:
        self._store("".join(self._parts), self._spans, self._err)
        self._parts, self._spans, self._col, self._cr, self._err = [], [], 0, False, False

    def _store(self, text: str, spans: list[list[int]], err: bool) -> None:
        """Append a finished line."""
        self._open.append(text)
        data = self._span_data
        for span in spans:
            data.extend(span)
        self._span_index.append(len(data) // 3)
        width = len(text) if text.isascii() else cell_len(text)
        self._widths.append(width)
        if width > self._max_width:
            self._max_width = width
        self._flags.append(err)
        self._count += 1
        if len(self._open) == BLOCK_LINES:
            self._seal()

    def _seal(self) -> None:
        starts = array("I", [0])
        pos = 0
        for line in self._open:
            pos += len(line) + 1
            starts.append(pos)
        self._blocks.append("\n".join(self._open))
        self._block_starts.append(starts)
        self._open = []

    # -- reading ------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._count + (1 if self._col else 0)

    @property
    def lines_count(self) -> int:
        """``len(buffer)``: finished lines, plus the unfinished last one if it has text."""
        return len(self)

    @property
    def finished_lines(self) -> int:
        """Lines ended by a newline (or by ``finish``): these never change again."""
        return self._count

    @property
    def has_partial(self) -> bool:
        return bool(self._col)

    @property
    def max_width(self) -> int:
        """The widest line in terminal cells (the unfinished line included)."""
        if self._col:
            return max(self._max_width, _width("".join(self._parts)))
        return self._max_width

    def _check(self, index: int) -> int:
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("log line index out of range")
        return index

    def plain(self, index: int) -> str:
        """Line ``index`` as plain text (no escapes, tabs expanded)."""
        index = self._check(index)
        block, row = divmod(index, BLOCK_LINES)
        if block < len(self._blocks):
            starts = self._block_starts[block]
            return self._blocks[block][starts[row] : starts[row + 1] - 1]
        if index < self._count:
            return self._open[row]
        return "".join(self._parts)

    def width(self, index: int) -> int:
        """Line ``index``'s width in terminal cells."""
        index = self._check(index)
        if index < self._count:
            return self._widths[index]
        return _width("".join(self._parts))

    def widths(self, start: int = 0) -> Iterator[int]:
        """The cell widths of lines ``start`` onwards (stored, so no line is rebuilt)."""
        if start < self._count:
            yield from self._widths[start:]
        if self._col and start <= self._count:
            yield _width("".join(self._parts))

    def is_err(self, index: int) -> bool:
        """Whether line ``index`` holds text from an ``err`` chunk."""
        index = self._check(index)
        if index < self._count:
            return bool(self._flags[index])
        return self._err

    def spans(self, index: int) -> list[tuple[int, int, Style]]:
        """Line ``index``'s styled ranges as ``(start, end, style)`` in character offsets."""
        index = self._check(index)
        if index < self._count:
            lo, hi = self._span_index[index] * 3, self._span_index[index + 1] * 3
            raw: Iterable[int] = self._span_data[lo:hi]
            it = iter(raw)
            triples = list(zip(it, it, it, strict=True))
        else:
            triples = [(s, e, sid) for s, e, sid in self._spans]
        return [(start, end, self._style(sid)) for start, end, sid in triples]

    def _style(self, state_id: int) -> Style:
        style = self._styles[state_id]
        if style is None:
            style = self._styles[state_id] = _state_style(self._states[state_id])
        return style

    def line_text(
        self,
        index: int,
        *,
        style: Style | str = "",
        err_style: Style | str | None = DEFAULT_ERR_STYLE,
    ) -> Text:
        """Line ``index`` as a styled ``Text`` (built now; callers cache what they show).

        ``style`` is the base under the log's own colours; an stderr line gets ``err_style``
        (``None`` to show it like any other line).
        """
        base: Style | str = style
        if err_style is not None and self.is_err(index):
            base = Style.parse(err_style) if isinstance(err_style, str) else err_style
            if style:
                base = (Style.parse(style) if isinstance(style, str) else style) + base
        return Text(
            self.plain(index),
            style=base,
            no_wrap=True,
            end="",
            spans=[Span(start, end, s) for start, end, s in self.spans(index)],
        )

    def __iter__(self) -> Iterator[str]:
        return self.iter_plain()

    # -- blocks, search and export --------------------------------------------------------------

    def _chunk(self, block: int) -> tuple[str, array[int]]:
        """Block ``block``'s lines joined by ``\\n`` and its line offsets (the last one open)."""
        if block < len(self._blocks):
            return self._blocks[block], self._block_starts[block]
        if self._open_chunk is None:
            lines = list(self._open)
            if self._col:
                lines.append("".join(self._parts))
            starts = array("I", [0])
            pos = 0
            for line in lines:
                pos += len(line) + 1
                starts.append(pos)
            self._open_chunk = ("\n".join(lines), starts)
        return self._open_chunk

    def _chunks(self) -> Iterator[tuple[str, array[int]]]:
        total = len(self)
        for block in range((total + BLOCK_LINES - 1) // BLOCK_LINES):
            yield self._chunk(block)

    def _first_in(self, pattern: re.Pattern[str], lo: int, hi: int) -> int | None:
        """The first line in ``[lo, hi)`` with a match."""
        block = lo // BLOCK_LINES
        while block * BLOCK_LINES < hi:
            text, starts = self._chunk(block)
            base = block * BLOCK_LINES
            first, last = max(lo - base, 0), min(hi - base, len(starts) - 1)
            if first < last:
                match = pattern.search(text, starts[first], starts[last] - 1)
                if match is not None:
                    return base + bisect_right(starts, match.start()) - 1
            block += 1
        return None

    def _last_in(self, pattern: re.Pattern[str], lo: int, hi: int) -> int | None:
        """The last line in ``[lo, hi)`` with a match."""
        if hi <= lo:
            return None
        block = (hi - 1) // BLOCK_LINES
        while block >= 0 and (block + 1) * BLOCK_LINES > lo:
            text, starts = self._chunk(block)
            base = block * BLOCK_LINES
            first, last = max(lo - base, 0), min(hi - base, len(starts) - 1)
            if first < last:
                found = deque(pattern.finditer(text, starts[first], starts[last] - 1), maxlen=1)
                if found:
                    return base + bisect_right(starts, found[0].start()) - 1
            block -= 1
        return None

    def search(
        self,
        query: str,
        start: int = 0,
        backwards: bool = False,
        case_sensitive: bool = False,
        *,
        wrap: bool = True,
    ) -> int | None:
        """The index of the nearest line containing ``query``, from line ``start`` inclusive.

        Forwards finds the first match at or after ``start``, backwards the last at or
        before it; with ``wrap`` the search goes on from the other end. ``None`` when nothing
        matches (or the query is empty).
        """
        pattern = compile_query(query, case_sensitive)
        total = len(self)
        if pattern is None or not total:
            return None
        start = min(max(start, 0), total - 1)
        if backwards:
            found = self._last_in(pattern, 0, start + 1)
            if found is None and wrap:
                found = self._last_in(pattern, start + 1, total)
        else:
            found = self._first_in(pattern, start, total)
            if found is None and wrap:
                found = self._first_in(pattern, 0, start)
        return found

    def find_all(
        self, query: str, index: int, case_sensitive: bool = False
    ) -> list[tuple[int, int]]:
        """Every match of ``query`` in line ``index`` as ``(start, end)`` character offsets."""
        pattern = compile_query(query, case_sensitive)
        if pattern is None:
            return []
        return [match.span() for match in pattern.finditer(self.plain(index))]

    def count_matches(self, query: str, case_sensitive: bool = False) -> int:
        """How many times ``query`` occurs in the whole log."""
        pattern = compile_query(query, case_sensitive)
        if pattern is None:
            return 0
        # findall counts in C; a generator over finditer costs a Python step per match.
        return sum(len(pattern.findall(text)) for text, _ in self._chunks())

    def iter_plain(self) -> Iterator[str]:
        """Every line as plain text, in order."""
        for index in range(len(self)):
            yield self.plain(index)

    def plain_text(self) -> str:
        """The whole log as plain text, one ``\\n`` after each line."""
        return "".join(text + "\n" for text, _ in self._chunks())

    def write_plain(self, fp: IO[str]) -> None:
        """Write the log as plain text (no escapes), one ``\\n`` after each line."""
        for text, _ in self._chunks():
            fp.write(text)
            fp.write("\n")


def _chunk_fields(chunk: Any) -> tuple[str, str]:
    """``(message, type)`` of a v1.1 output chunk: a dict or an ``OutputChunk``-like object."""
    if isinstance(chunk, Mapping):
        message, kind = chunk.get("message"), chunk.get("type")
    else:
        message, kind = getattr(chunk, "message", None), getattr(chunk, "type", None)
    return (message if isinstance(message, str) else ""), (kind if isinstance(kind, str) else "")


def feed_chunks(buffer: LogBuffer, chunks: Iterable[Any]) -> int:
    """Feed v1.1 output chunks (``{"message", "time", "type"}``) to ``buffer``.

    Returns the index of the first line that may have changed. ``err`` chunks mark their
    lines (``LogBuffer.is_err``) so the view can colour them.
    """
    first = buffer.finished_lines
    for chunk in chunks:
        message, kind = _chunk_fields(chunk)
        buffer.feed(message, "err" if kind == "err" else "out")
    return first


def parse_output(chunks: Iterable[Any], *, finish: bool = True) -> LogBuffer:
    """A ``LogBuffer`` of a whole v1.1 output array (``finish=False`` for a running step)."""
    buffer = LogBuffer()
    feed_chunks(buffer, chunks)
    if finish:
        buffer.finish()
    return buffer
