"""Escape sequences circletui sends to the terminal itself: desktop notifications (OSC 9 /
OSC 777, built by ``circletui.notify``).

Textual has a public call for the bell (``App.bell``) and for OSC 52 (``copy_to_clipboard``)
but none for other sequences, so they are written to the stream Textual draws on (its Linux
driver writes to ``sys.__stderr__``), whole and at once: a complete sequence between two of
Textual's writes is ignored by the screen and acted on by the terminal. Nothing is written
when that stream is not a terminal or the app runs headless (tests, the screenshot script);
``sent`` keeps what was written, or would have been, for the tests.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from textual.app import App


class TerminalSequences:
    def __init__(self, app: App) -> None:
        self.app = app
        self.sent: list[str] = []

    def write(self, sequence: str) -> None:
        if not sequence:
            return
        self.sent.append(sequence)
        del self.sent[:-20]
        stream = sys.__stderr__
        if self.app.is_headless or stream is None or not stream.isatty():
            return
        try:
            stream.write(sequence)
            stream.flush()
        except OSError:
            pass  # a terminal that went away: the toast still said it
