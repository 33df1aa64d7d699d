"""A long step output: ``LogBuffer`` + ``LogView`` against the naive ``Text.from_ansi``.

A realistic CI output (ANSI colours, CRLF, docker-style progress redraws, tabs; 100,000
lines, about 3 MB) fed in 4 KB chunks:

* parse: building the ``LogBuffer``, against one ``Text.from_ansi`` of the whole output;
* memory held (tracemalloc) by the buffer, against the raw text (the ``Text`` held 3.99x the
  raw size when last measured; tracing it takes longer than the rest of this figure);
* mount: a headless app (120x40) with a ``LogView`` of the buffer until the bottom of the log
  is on screen, then ``g`` (to the top), a search with no match and ``w`` (wrap).

(The naive mount, a ``RichLog`` holding the ``Text``, took 9.5 s for 100,000 lines when it
was last measured; it is no longer run, so that the suite stays short.)
"""

from __future__ import annotations

import gc
import random
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from textual.app import App, ComposeResult

from circletui.logtext import LogBuffer
from circletui.ui.widgets.log_view import LogView

CHUNK = 4096
SIZE = (120, 40)


def realistic_output(lines: int, seed: int = 1) -> str:
    """CI-like output: pytest, docker pulls, compiler and npm lines, mostly coloured."""
    rnd = random.Random(seed)
    out = []
    for i in range(lines):
        kind = i % 10
        if kind == 0:
            out.append(f"\x1b[32mPASSED\x1b[0m test_{i} \x1b[90m[{i % 100}%]\x1b[0m\r\n")
        elif kind == 1:
            out.append(f"\x1b[1A\x1b[2K\r{rnd.getrandbits(24):06x}: Downloading {i % 300}MB\r\n")
        elif kind == 2:
            out.append(f"\x1b[31;1mERROR\x1b[0m step {i}: \x1b[38;5;208mwarn\x1b[0m\n")
        elif kind == 3:
            out.append(f"GET 200 /pkg-{i} {i % 900}ms\n")
        elif kind == 4:
            out.append(f"{i:6d}\tcc m{i}.c\n")
        elif kind == 5:
            out.append(f"\x1b[2K\x1b[1G{i % 7}0%\r\x1b[2K\x1b[1Gdone {i}\n")
        else:
            out.append(f"[{i:06d}] INFO item {rnd.random():.4f}\n")
    return "".join(out)


def chunks_of(text: str, size: int = CHUNK) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def build_buffer(chunks: list[str]) -> LogBuffer:
    buffer = LogBuffer()
    for chunk in chunks:
        buffer.feed(chunk)
    buffer.finish()
    return buffer


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def retained(fn: Callable[[], Any]) -> tuple[Any, int]:
    """``fn()``'s result and the bytes it still holds when done (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = fn()
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return result, held


class LogViewApp(App[None]):
    def __init__(self, buffer: LogBuffer) -> None:
        super().__init__()
        self.buffer = buffer

    def compose(self) -> ComposeResult:
        yield LogView(self.buffer)


async def measure_log_view(buffer: LogBuffer, lines: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    start = time.perf_counter()
    app = LogViewApp(buffer)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0, "not at the bottom"
        assert str(lines) in "".join(
            s.text for s in view.render_line(view.scrollable_content_region.height - 1)
        )
        figures["mount"] = time.perf_counter() - start

        start = time.perf_counter()
        await pilot.press("g")
        await pilot.pause()
        figures["top"] = time.perf_counter() - start

        start = time.perf_counter()
        found = view.search("no such text anywhere")
        await pilot.pause()
        assert not found
        figures["search_miss"] = time.perf_counter() - start

        start = time.perf_counter()
        await pilot.press("w")
        await pilot.pause()
        figures["wrap"] = time.perf_counter() - start
    return figures


def measure(lines: int) -> dict[str, float]:
    """Seconds and bytes for an output of ``lines`` lines (see the module's docstring)."""
    import asyncio

    from rich.text import Text

    raw = realistic_output(lines)
    chunks = chunks_of(raw)
    buffer, parse = timed(lambda: build_buffer(chunks))
    if len(buffer) != lines:
        raise RuntimeError(f"{len(buffer)} lines parsed, {lines} expected")
    _, held = retained(lambda: build_buffer(chunks))
    _, naive_parse = timed(lambda: Text.from_ansi(raw))
    view = asyncio.run(measure_log_view(buffer, lines))
    return {
        "raw_bytes": len(raw.encode()),
        "parse": parse,
        "naive_parse": naive_parse,
        "held": held,
        **view,
    }
