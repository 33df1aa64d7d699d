"""The key bar at the bottom of every screen: the keys the screen offers, in one line.

It shows what Textual's ``Footer`` shows, from the same source (``Screen.active_bindings``,
which ``BaseScreen`` orders by ``KEY_ORDER``): each key as the keymap displays it, its
description, dimmed when it does not apply now, and the command palette's key on the right.
A click on a key presses it, as in Textual's footer.

Why not ``Footer`` itself: it is a container of one widget per key, and it removes and mounts
all of them whenever the screen's bindings are refreshed, which happens whenever a key starts
or stops applying (the cursor moving from a running pipeline to a finished one). Each rebuild
styled a dozen widgets afresh: at start it ran three times before the first pipeline row was
drawn, a tenth of all the instructions of a start (counted with valgrind), and once more each
time a key's availability changed under the cursor. This is one widget that redraws one line,
and only when its text changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget

#: the palette key is left out when fewer cells than this would remain for the others
MIN_KEYS_WIDTH = 20


@dataclass(frozen=True)
class Key:
    """One key as the bar shows it."""

    key: str  # what a click presses
    display: str  # how the keymap shows it ("^r", "esc")
    description: str
    enabled: bool


def _width(key: Key) -> int:
    """`` key description `` in cells."""
    return cell_len(key.display) + 2 + (cell_len(key.description) + 1 if key.description else 0)


class KeyBar(Widget, can_focus=False):
    """One line: `` key description `` for each key the screen shows, palette key last."""

    COMPONENT_CLASSES = {
        "key-bar--key",
        "key-bar--description",
        "key-bar--disabled",
        "key-bar--hover",
        "key-bar--palette",
    }
    ALLOW_SELECT = False

    #: index into ``keys`` under the mouse (-1: none)
    hover: reactive[int] = reactive(-1)

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.keys: tuple[Key, ...] = ()
        self.palette: Key | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        # Not now: a screen's check_action may read widgets composed after this one.
        self.call_after_refresh(self._bindings_changed, self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen) -> None:
        active = screen.active_bindings
        shown = tuple(self._key(binding, enabled)
                      for _node, binding, enabled, _tooltip in active.values() if binding.show)
        palette: Key | None = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            _node, binding, enabled, _tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            palette = self._key(binding, enabled)
        if (shown, palette) != (self.keys, self.palette):
            self.keys, self.palette = shown, palette
            self.refresh()

    def _key(self, binding: Binding, enabled: bool) -> Key:
        return Key(binding.key, self.app.get_key_display(binding), binding.description, enabled)

    # -- what the user sees and does ----------------------------------------------------------

    def visible_keys(self) -> list[str]:
        """The descriptions of the keys that fit in the bar's width, left to right."""
        width = self.size.width - self._palette_width()
        spans = self._layout()
        return [key.description for key, (_start, end) in zip(self.keys, spans, strict=True)
                if end <= width]

    def offset_of(self, description: str) -> int | None:
        """The column where the key with this description starts (None: not in the bar)."""
        for key, (start, _end) in zip(self.keys, self._layout(), strict=True):
            if key.description == description:
                return start
        return None

    def _layout(self) -> list[tuple[int, int]]:
        """The x range of each key, left to right."""
        spans, x = [], 0
        for key in self.keys:
            end = x + _width(key)
            spans.append((x, end))
            x = end
        return spans

    def _palette_width(self) -> int:
        """Cells the palette key takes on the right (0: none, or the bar is too narrow)."""
        if self.palette is None:
            return 0
        # ``▏`` then ``^p palette ``: the key has no padding on its left
        width = 1 + cell_len(self.palette.display) + cell_len(self.palette.description) + 2
        return width if self.size.width >= width + MIN_KEYS_WIDTH else 0

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        # Only the text style (dim) and the background: the key and description keep their
        # colours, as a dimmed or hovered key of Textual's footer does.
        disabled = self.get_component_styles("key-bar--disabled").text_style
        hover = Style(bgcolor=self.get_component_rich_style("key-bar--hover").bgcolor)
        width = self.size.width
        palette_width = self._palette_width()
        line = Text(no_wrap=True, overflow="crop", end="")
        for index, key in enumerate(self.keys):
            part = Text.assemble((f" {key.display} ", key_style))
            if key.description:
                part.append(f"{key.description} ", description_style)
            if not key.enabled:
                part.stylize(disabled)
            if index == self.hover:
                part.stylize(hover)
            line.append_text(part)
        line.truncate(max(width - palette_width, 0))
        if palette_width and self.palette is not None:
            line.pad_right(width - palette_width - line.cell_len)
            line.append("▏", self.get_component_rich_style("key-bar--palette"))
            line.append(self.palette.display, key_style)
            line.append(f" {self.palette.description} ", description_style)
        return line

    def _index_at(self, x: int) -> int:
        limit = self.size.width - self._palette_width()
        for index, (start, end) in enumerate(self._layout()):
            if start <= x < end and end <= limit:
                return index
        return -1

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self.hover = self._index_at(event.x)

    def on_leave(self, event: events.Leave) -> None:
        self.hover = -1

    def on_click(self, event: events.Click) -> None:
        index = self._index_at(event.x)
        if index >= 0:
            key = self.keys[index]
        elif self.palette is not None and event.x >= self.size.width - self._palette_width():
            key = self.palette
        else:
            return
        if key.enabled:
            self.app.simulate_key(key.key)
        else:
            self.app.bell()
