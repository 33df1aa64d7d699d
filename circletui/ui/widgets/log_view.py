"""``LogView``: a step's output, from a ``LogBuffer``, as a scrollable Line API widget.

Only visible rows are ever turned into ``Text`` and ``Strip`` objects (and a few hundred are
cached), so a 100,000-line log opens as fast as a 10-line one. Features:

* no-wrap mode (default) scrolls horizontally; the virtual width is the widest line, which the
  buffer tracks as lines arrive;
* wrap mode folds lines at the view's width, cell-exact. Its row index (first visual row of
  each line) is built once per width in O(lines) from the buffer's stored line widths, then
  extended incrementally as lines arrive;
* a dim line-number gutter that does not scroll horizontally;
* search: ``search(query)`` highlights every match on screen and moves to the nearest one;
  ``next_match``/``previous_match`` wrap around. The job screen owns the ``/`` input and
  calls these;
* follow mode: while ``follow`` is on, new output keeps the view at the bottom; scrolling up
  turns it off, reaching the bottom again (or ``F``/``G``/End) turns it back on.

Log text is data, never markup: it arrives as ``Text`` built from plain strings and spans.
Colours come from component classes so the app's theme applies.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Offset, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip

from circletui.logtext import LogBuffer, compile_query, feed_chunks
from circletui.private_files import open_private


def _char_index(text: str, cells: int) -> int:
    """The index of the character at cell ``cells`` of ``text`` (past the end: extrapolated)."""
    if text.isascii():
        return cells
    position = 0
    for index, char in enumerate(text):
        if position >= cells:
            return index
        position += cell_len(char)
    return len(text) + max(cells - position, 0)


Match = tuple[int, int, int]
"""A match: ``(line, start, end)`` with character offsets into the line's plain text."""


class LogView(ScrollView, can_focus=True):
    """A step's output: colours kept, search, wrap, line numbers and follow mode."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # W, not w: w watches the job on the job screen.
        Binding("W", "toggle_wrap", "Wrap", id="log-wrap"),
        Binding("n", "next_match", "Next match", id="log-next-match"),
        Binding("N", "previous_match", "Previous match", id="log-previous-match"),
        Binding("g,home", "scroll_top", "Top", show=False, id="log-top"),
        Binding("G,end", "scroll_bottom", "Bottom", show=False, id="log-bottom"),
        Binding("F", "toggle_follow", "Follow", id="log-follow"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "log-view--line-number",
        "log-view--match",
        "log-view--current-match",
        "log-view--stderr",
    }

    DEFAULT_CSS = """
    LogView {
        height: 1fr;
        /* A vertical scrollbar that comes and goes would change the wrap width. */
        scrollbar-gutter: stable;
        & > .log-view--line-number { color: $text-muted; text-style: dim; }
        & > .log-view--match { background: $warning 40%; }
        & > .log-view--current-match { background: $accent; text-style: bold; }
        & > .log-view--stderr { color: $text-error; }
        &.-wrap { overflow-x: hidden; }
    }
    """

    class FollowChanged(Message):
        """Follow mode was turned on or off (by a key, by scrolling, or by code)."""

        def __init__(self, log_view: LogView, follow: bool) -> None:
            super().__init__()
            self.log_view = log_view
            self.follow = follow

        @property
        def control(self) -> LogView:
            return self.log_view

    class MatchChanged(Message):
        """The current search match moved (``line`` is ``None`` when nothing matches)."""

        def __init__(self, log_view: LogView, query: str, match: Match | None) -> None:
            super().__init__()
            self.log_view = log_view
            self.query = query
            self.match = match

        @property
        def line(self) -> int | None:
            return self.match[0] if self.match else None

        @property
        def control(self) -> LogView:
            return self.log_view

    wrap: reactive[bool] = reactive(False, init=False)
    """Fold long lines at the view's width instead of scrolling horizontally."""

    follow: reactive[bool] = reactive(True, repaint=False, init=False)
    """Stay at the bottom as output arrives."""

    show_line_numbers: reactive[bool] = reactive(True, init=False)

    def __init__(
        self,
        buffer: LogBuffer | None = None,
        *,
        wrap: bool = False,
        follow: bool = True,
        show_line_numbers: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._buffer = buffer if buffer is not None else LogBuffer()
        self._known_finished = 0  # buffer lines already shown that can no longer change
        self._strips: LRUCache[int, Strip] = LRUCache(512)
        self._palette: dict[str, Style] | None = None
        # Wrap index: _row_starts[i] is line i's first visual row; valid for _wrap_width.
        self._row_starts: array[int] = array("I", [0])
        self._wrap_width = 0
        self._query = ""
        self._case_sensitive = False
        self._match: Match | None = None
        self._adjusting = False  # our own scroll changes must not toggle follow
        self._following_scroll = False  # follow is being turned on by a scroll to the end
        self.set_reactive(LogView.wrap, wrap)
        self.set_reactive(LogView.follow, follow)
        self.set_reactive(LogView.show_line_numbers, show_line_numbers)
        self.set_class(wrap, "-wrap")

    # -- data -------------------------------------------------------------------------------

    @property
    def buffer(self) -> LogBuffer:
        return self._buffer

    @buffer.setter
    def buffer(self, buffer: LogBuffer) -> None:
        """Show another buffer (another step); the search query is kept, the match is not."""
        self._buffer = buffer
        self._known_finished = 0
        self._match = None
        self._row_starts = array("I", [0])
        self._wrap_width = 0
        self._strips.clear()
        self._sync(0)

    @property
    def line_count(self) -> int:
        return len(self._buffer)

    def feed(self, text: str, stream: str = "out") -> None:
        """Append raw output (escapes and all) to the buffer and show it."""
        self._sync(self._buffer.feed(text, stream))

    def append_chunks(self, chunks: Iterable[Mapping[str, Any] | Any]) -> None:
        """Append v1.1 output chunks (``{"message", "time", "type"}``; only new ones)."""
        self._sync(feed_chunks(self._buffer, chunks))

    def finish(self) -> None:
        """The step is over: its unfinished last line becomes a line like any other."""
        first = self._buffer.finished_lines
        self._buffer.finish()
        self._sync(first)

    def refresh_lines(self, y_start: int | None = None, line_count: int = 1) -> None:
        """Without arguments: show what was appended to ``buffer`` by someone else.

        With arguments this is ``ScrollView.refresh_lines`` (repaint visual rows), after
        dropping the cached rendering of those lines.
        """
        if y_start is None:
            self._sync(self._known_finished)
            return
        for line in range(y_start, y_start + line_count):
            self._strips.discard(line)
        super().refresh_lines(y_start, line_count)

    def save(self, path: str | Path) -> Path:
        """Write the log as plain text (no escape sequences) to ``path``, readable by the
        owner only (see ``circletui.private_files``)."""
        target = Path(path).expanduser()
        with open_private(target) as fp:
            self._buffer.write_plain(fp)
        return target

    def _sync(self, changed_from: int) -> None:
        """Lines from ``changed_from`` on are new or changed: re-measure, re-render, follow."""
        changed_from = max(0, min(changed_from, self._known_finished))
        for line in [line for line in self._strips.keys() if line >= changed_from]:
            self._strips.discard(line)
        if self._wrap_width and len(self._row_starts) > changed_from + 1:
            del self._row_starts[changed_from + 1 :]
        self._known_finished = self._buffer.finished_lines
        if self._match is not None and self._match[0] >= len(self._buffer):
            self._match = None
        self._update_virtual_size()
        if self.follow:
            self._scroll_to_end()
        self.refresh()

    # -- geometry ---------------------------------------------------------------------------

    def _gutter_width(self) -> int:
        if not self.show_line_numbers:
            return 0
        return len(str(max(len(self._buffer), 1))) + 1

    def _text_width(self) -> int:
        """Cells available for log text on one row (the view minus gutter and scrollbar)."""
        return max(self.scrollable_content_region.width - self._gutter_width(), 1)

    def _ensure_wrap_index(self) -> None:
        """Bring the wrap index up to date for the current width and line count."""
        width = self._text_width()
        if width != self._wrap_width:
            self._wrap_width = width
            self._row_starts = array("I", [0])
        starts = self._row_starts
        total = len(self._buffer)
        done = len(starts) - 1
        if done > total:
            del starts[total + 1 :]
        elif done < total:
            row = starts[-1]
            append = starts.append
            for cells in self._buffer.widths(done):
                row += (cells + width - 1) // width or 1
                append(row)

    def _update_virtual_size(self) -> None:
        gutter = self._gutter_width()
        if self.wrap and self.is_mounted and self.scrollable_content_region.width:
            self._ensure_wrap_index()
            self.virtual_size = Size(self.scrollable_content_region.width, self._row_starts[-1])
        else:
            self.virtual_size = Size(gutter + self._buffer.max_width, len(self._buffer))
        self._show_scrollbars()

    def _show_scrollbars(self) -> None:
        """Show the scrollbars the new virtual size needs now rather than at the next layout,
        so that max_scroll_y (where follow mode scrolls to) already counts a horizontal
        scrollbar a wide line brings. (watch_show_horizontal_scrollbar covers a change the
        layout makes later anyway.) The rule is Textual's for ``overflow: auto``: a scrollbar
        when the content is bigger than the view, and the other one too when the first one
        leaves too little room."""
        if not self.is_scrollable or not self.container_size:
            return
        styles, virtual = self.styles, self.virtual_size
        width, height = self.container_size

        def needed(overflow: str, content: int, room: int) -> bool:
            return overflow == "scroll" or (overflow == "auto" and content > room)

        horizontal = needed(styles.overflow_x, virtual.width, width)
        vertical = needed(styles.overflow_y, virtual.height, height)
        if vertical and not horizontal:
            horizontal = needed(styles.overflow_x, virtual.width,
                                width - styles.scrollbar_size_vertical)
        if horizontal and not vertical:
            vertical = needed(styles.overflow_y, virtual.height,
                              height - styles.scrollbar_size_horizontal)
        self.show_horizontal_scrollbar = horizontal
        self.show_vertical_scrollbar = vertical
        if horizontal or self.horizontal_scrollbar.display:
            self.horizontal_scrollbar.display = horizontal
        if vertical or self.vertical_scrollbar.display:
            self.vertical_scrollbar.display = vertical

    def _line_at_row(self, row: int, wrapped: bool | None = None) -> tuple[int, int]:
        """``(line, row within the line)`` of visual row ``row`` (in wrap mode if ``wrapped``)."""
        if not (self.wrap if wrapped is None else wrapped) or not self._wrap_width:
            return row, 0
        line = bisect_right(self._row_starts, row) - 1
        return line, row - self._row_starts[line]

    def _row_of(self, line: int, cells: int = 0) -> int:
        """The visual row of line ``line`` (at ``cells`` into it, in wrap mode)."""
        if not self.wrap or not self._wrap_width:
            return line
        self._ensure_wrap_index()
        line = min(line, len(self._row_starts) - 2) if len(self._row_starts) > 1 else 0
        return self._row_starts[line] + cells // self._wrap_width

    @property
    def top_line(self) -> int:
        """The log line at the top of the view."""
        return self._line_at_row(round(self.scroll_y))[0]

    # -- scrolling and follow ---------------------------------------------------------------

    def _scroll(self, x: float | None = None, y: float | None = None) -> None:
        self._adjusting = True
        try:
            self.scroll_to(x, y, animate=False, immediate=True, force=True)
        finally:
            self._adjusting = False

    def _scroll_to_end(self) -> None:
        # Already there (perhaps the user's own scroll animation just arrived, and stopping
        # that animation from inside its own step breaks Textual's animator): nothing to do.
        if self.container_size and round(self.scroll_y) == self.max_scroll_y:
            return
        self._scroll(y=self.max_scroll_y)
        # Before the first layout max_scroll_y is not known yet; scroll again after it.
        if not self.container_size:
            self.call_after_refresh(self._scroll_end_if_following)

    def _scroll_end_if_following(self) -> None:
        if self.follow:
            self._scroll(y=self.max_scroll_y)

    def scroll_to_line(self, line: int, *, center: bool = False) -> None:
        """Bring log line ``line`` to the top of the view (or its middle with ``center``)."""
        if not len(self._buffer):
            return
        line = min(max(line, 0), len(self._buffer) - 1)
        row = self._row_of(line)
        if center:
            row -= self.scrollable_content_region.height // 2
        self._scroll(y=max(row, 0))
        self._end_follow_if_left_bottom()

    def _end_follow_if_left_bottom(self) -> None:
        """A jump (search, line, top) that leaves the bottom ends follow, as scrolling up does."""
        if self.follow and round(self.scroll_y) < self.max_scroll_y:
            self.follow = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._adjusting or not self.is_mounted:
            return
        at_end = round(new_value) >= self.max_scroll_y
        if self.follow and new_value < old_value and not at_end:
            self.follow = False
        elif not self.follow and new_value > old_value and at_end:
            self._following_scroll = True
            try:
                self.follow = True
            finally:
                self._following_scroll = False

    def watch_follow(self, follow: bool) -> None:
        # Turned on by scrolling to the end: already there, and possibly mid-animation.
        if follow and not self._following_scroll:
            self._scroll_to_end()
        self.post_message(self.FollowChanged(self, follow))

    def watch_show_horizontal_scrollbar(self, shown: bool) -> None:
        # A wide line arrived and a horizontal scrollbar appeared (or went): the bottom moved
        # by a row after the follow scroll was done, and no Resize says so.
        if self.follow:
            self.call_after_refresh(self._scroll_end_if_following)

    def watch_wrap(self, wrap: bool) -> None:
        # Keep the line at the top of the view where it was (rows counted the old way).
        top = self._line_at_row(round(self.scroll_y), wrapped=not wrap)[0]
        self.set_class(wrap, "-wrap")
        self._strips.clear()
        self._update_virtual_size()
        if self.follow:
            self._scroll_to_end()
        else:
            self._scroll(x=0, y=self._row_of(top))
        self.refresh()

    def watch_show_line_numbers(self) -> None:
        self._wrap_width = 0
        self._update_virtual_size()
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        top = self.top_line
        self._update_virtual_size()
        if self.follow:
            self._scroll_to_end()
        elif self.wrap:
            self._scroll(y=self._row_of(top))

    def on_mount(self) -> None:
        self._update_virtual_size()
        if self.follow:
            self.call_after_refresh(self._scroll_end_if_following)

    # -- search -----------------------------------------------------------------------------

    @property
    def search_query(self) -> str:
        """The query being highlighted ('' for none). Not ``query``: that is ``DOMNode.query``."""
        return self._query

    @property
    def current_match(self) -> Match | None:
        return self._match

    def match_count(self) -> int:
        """How many times the current query occurs in the whole log."""
        return self._buffer.count_matches(self._query, self._case_sensitive)

    def search(
        self, query: str, *, case_sensitive: bool | None = None, backwards: bool = False
    ) -> bool:
        """Highlight ``query`` and move to its nearest match; ``False`` if there is none.

        The search starts at the current match (so typing a longer query refines it in place)
        or at the top of the view. ``case_sensitive=None`` is smart case: sensitive only when
        the query has an uppercase letter. An empty query clears the highlighting.
        """
        self._query = query
        self._case_sensitive = query != query.lower() if case_sensitive is None else case_sensitive
        self._strips.clear()
        self.refresh()
        if compile_query(query, self._case_sensitive) is None:
            return self._set_match(None)
        if self._match is not None:
            line, col = self._match[0], self._match[1]
        else:
            line, col = self.top_line, 0
        return self._set_match(self._find(line, col, backwards, inclusive=True))

    def clear_search(self) -> None:
        self.search("")

    def next_match(self) -> bool:
        """Move to the next match, wrapping at the end; ``False`` if nothing matches."""
        return self._step(backwards=False)

    def previous_match(self) -> bool:
        """Move to the previous match, wrapping at the top; ``False`` if nothing matches."""
        return self._step(backwards=True)

    def _step(self, backwards: bool) -> bool:
        if compile_query(self._query, self._case_sensitive) is None:
            return False
        if self._match is None:
            found = self._find(self.top_line, 0, backwards, inclusive=True)
        else:
            found = self._find(self._match[0], self._match[1], backwards, inclusive=False)
        return self._set_match(found)

    def _find(self, line: int, col: int, backwards: bool, inclusive: bool) -> Match | None:
        buffer, query, case = self._buffer, self._query, self._case_sensitive
        total = len(buffer)
        if not total:
            return None
        line = min(max(line, 0), total - 1)
        spans = buffer.find_all(query, line, case)
        if backwards:
            before = [s for s in spans if (s[0] <= col if inclusive else s[0] < col)]
            if before:
                return (line, *before[-1])
            found = buffer.search(query, line - 1 if line else total - 1, True, case)
            if found is None:
                return None
            return (found, *buffer.find_all(query, found, case)[-1])
        after = [s for s in spans if (s[0] >= col if inclusive else s[0] > col)]
        if after:
            return (line, *after[0])
        found = buffer.search(query, line + 1 if line + 1 < total else 0, False, case)
        if found is None:
            return None
        return (found, *buffer.find_all(query, found, case)[0])

    def _set_match(self, match: Match | None) -> bool:
        old, self._match = self._match, match
        for item in (old, match):
            if item is not None:
                self._strips.discard(item[0])
        if match is not None:
            self._scroll_to_match(match)
        self.refresh()
        self.post_message(self.MatchChanged(self, self._query, match))
        return match is not None

    def _scroll_to_match(self, match: Match) -> None:
        line, start, end = match
        plain = self._buffer.plain(line)
        x0, x1 = cell_len(plain[:start]), cell_len(plain[:end])
        height = self.scrollable_content_region.height
        row = self._row_of(line, x0)
        y = None
        if not round(self.scroll_y) <= row < round(self.scroll_y) + max(height, 1):
            y = max(row - height // 2, 0)
        x = None
        if not self.wrap:
            width = self._text_width()
            if x0 < self.scroll_x or x1 > self.scroll_x + width:
                x = max(x0 - width // 4, 0)
        if x is not None or y is not None:
            self._scroll(x, y)
            self._end_follow_if_left_bottom()

    # -- mouse selection --------------------------------------------------------------------

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        """The selected text, read from the buffer (offsets are characters and lines)."""
        total = len(self._buffer)
        if not total:
            return None
        last = total - 1
        start = selection.start or Offset(0, 0)
        end = selection.end or Offset(len(self._buffer.plain(last)), last)
        if start.y > last:
            return None
        lines = [self._buffer.plain(i) for i in range(start.y, min(end.y, last) + 1)]
        if end.y > last:
            end = Offset(len(lines[-1]), last)
        if len(lines) == 1:
            return lines[0][start.x : end.x], "\n"
        return "\n".join([lines[0][start.x :], *lines[1:-1], lines[-1][: end.x]]), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._strips.clear()
        self.refresh()

    # -- actions ----------------------------------------------------------------------------

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap

    def action_next_match(self) -> None:
        if not self.next_match():
            self.app.bell()

    def action_previous_match(self) -> None:
        if not self.previous_match():
            self.app.bell()

    def action_scroll_top(self) -> None:
        self._scroll(y=0)
        self._end_follow_if_left_bottom()

    def action_scroll_bottom(self) -> None:
        if self.follow:
            self._scroll_to_end()
        else:
            self.follow = True

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow

    # -- rendering --------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None
        self._strips.clear()

    def _styles(self) -> dict[str, Style]:
        """Rich styles of the component classes, cached until the CSS changes.

        Overlays keep only what their CSS sets (with alpha colours blended), so a match
        highlight changes the background and leaves the log's own colours alone.
        """
        if self._palette is None:
            palette = {"base": self.rich_style}
            for name in self.COMPONENT_CLASSES:
                full = self.get_component_rich_style(name)
                partial = self.get_component_rich_style(name, partial=True)
                palette[name.removeprefix("log-view--")] = partial + Style(
                    color=full.color if partial.color else None,
                    bgcolor=full.bgcolor if partial.bgcolor else None,
                )
            palette["line-number"] = self.rich_style + palette["line-number"]
            self._palette = palette
        return self._palette

    def _line_strip(self, line: int) -> Strip:
        """Line ``line`` rendered whole (highlights included), cached."""
        strip = self._strips.get(line)
        if strip is not None:
            return strip
        styles = self._styles()
        text = self._buffer.line_text(line, err_style=None)
        selection = self.text_selection
        span = selection.get_span(line) if selection is not None else None
        if span is not None:
            start, end = span
            selection_style = self.screen.get_component_rich_style("screen--selection")
            text.stylize(selection_style, start, len(text) if end == -1 else end)
        if self._query:
            for start, end in self._buffer.find_all(self._query, line, self._case_sensitive):
                text.stylize(styles["match"], start, end)
            if self._match is not None and self._match[0] == line:
                text.stylize(styles["current-match"], self._match[1], self._match[2])
        # Text.render leaves the Text's own base style out (a console applies it), so the
        # widget's colours (and stderr's) go under the log's spans here.
        base = styles["base"]
        if self._buffer.is_err(line):
            base += styles["stderr"]
        strip = Strip(text.render(self.app.console), self._buffer.width(line)).apply_style(base)
        self._strips.set(line, strip)
        return strip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        styles = self._styles()
        base = styles["base"]
        view_width = self.size.width
        if self.wrap:
            self._ensure_wrap_index()
        line, sub_row = self._line_at_row(scroll_y + y)
        if line >= len(self._buffer):
            return Strip.blank(view_width, base)
        gutter = self._gutter_width()
        width = self._text_width()
        strip = self._line_strip(line)
        if self.wrap:
            length = strip.cell_length
            cuts = [*range(width, length, width), length] if length else []
            pieces = strip.divide(cuts) if cuts else [Strip([], 0)]
            piece = pieces[sub_row] if sub_row < len(pieces) else Strip([], 0)
            first_cell = sub_row * width
            content = piece.crop_extend(0, view_width - gutter, base)
        else:
            first_cell = scroll_x
            content = strip.crop_extend(scroll_x, scroll_x + view_width - gutter, base)
        # Offsets let Textual's mouse selection map cells back to (character, line).
        content = content.apply_offsets(_char_index(self._buffer.plain(line), first_cell), line)
        if not gutter:
            return content
        number = f"{line + 1:>{gutter - 1}} " if sub_row == 0 else " " * gutter
        return Strip.join([Strip([Segment(number, styles["line-number"])], gutter), content])
