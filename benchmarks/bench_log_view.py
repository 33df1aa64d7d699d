"""Benchmark: a 100,000-line step output in ``LogBuffer``/``LogView`` against the naive approach.

Run with ``python benchmarks/bench_log_view.py`` (about a minute at most). It generates a
realistic ~3 MB output (ANSI colours, CRLF, docker-style progress redraws, tabs), then measures
in this one run, so the figures are relative to the same machine:

* building a ``LogBuffer`` from the output fed in 4 KB chunks;
* the memory the buffer retains (tracemalloc) against the raw text's size;
* mounting a ``LogView`` in a headless ``App.run_test(size=(120, 40))`` until the bottom of
  the log is on screen, then a few interactions (top, search with no match, wrap on);
* the naive approach: one ``Text.from_ansi`` of the whole output (time and memory) and a
  ``RichLog`` holding it, mounted in a subprocess with a time cap.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import RichLog

from circletui.logtext import LogBuffer
from circletui.ui.widgets.log_view import LogView

LINES = 100_000
CHUNK = 4096
SIZE = (120, 40)
BASELINE_MOUNT_TIMEOUT = 20.0


def realistic_output(lines: int = LINES, seed: int = 1) -> str:
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


async def measure_log_view(buffer: LogBuffer) -> dict[str, float]:
    figures: dict[str, float] = {}
    start = time.perf_counter()
    app = LogViewApp(buffer)
    async with app.run_test(size=SIZE) as pilot:
        view = app.query_one(LogView)
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0, "not at the bottom"
        assert str(LINES) in "".join(
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


class RichLogApp(App[None]):
    def __init__(self, text: Text) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        yield RichLog()

    def on_mount(self) -> None:
        self.query_one(RichLog).write(self.text)


async def baseline_mount() -> float:
    raw = realistic_output()
    start = time.perf_counter()
    app = RichLogApp(Text.from_ansi(raw))
    async with app.run_test(size=SIZE) as pilot:
        log = app.query_one(RichLog)
        log.scroll_end(animate=False)
        await pilot.pause()
        while len(log.lines) < LINES // 2:  # RichLog may defer the write until it has a size
            await pilot.pause(0.05)
    return time.perf_counter() - start


def run_baseline_mount() -> str:
    """The naive mount in a subprocess, so a slow one can be cut off."""
    try:
        done = subprocess.run(
            [sys.executable, __file__, "--baseline-mount"],
            capture_output=True,
            text=True,
            timeout=BASELINE_MOUNT_TIMEOUT,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return f"> {BASELINE_MOUNT_TIMEOUT:.0f} s (cut off)"
    except subprocess.CalledProcessError as error:
        return f"failed: {error.stderr.strip().splitlines()[-1:]}"
    return f"{float(done.stdout.strip()):.2f} s"


def mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline-mount", action="store_true", help=argparse.SUPPRESS)
    if parser.parse_args().baseline_mount:
        print(asyncio.run(baseline_mount()))
        return

    raw = realistic_output()
    raw_size = len(raw.encode())
    chunks = chunks_of(raw)
    print(f"output: {LINES:,} lines, {mb(raw_size)} in {len(chunks)} chunks of {CHUNK} B")

    buffer, build_time = timed(lambda: build_buffer(chunks))
    assert len(buffer) == LINES, len(buffer)
    _, buffer_memory = retained(lambda: build_buffer(chunks))
    view = asyncio.run(measure_log_view(buffer))

    naive, naive_time = timed(lambda: Text.from_ansi(raw))
    del naive
    _, naive_memory = retained(lambda: Text.from_ansi(raw))
    naive_mount = run_baseline_mount()

    rows = [
        ("parse 100k lines (ANSI → styled lines)", f"{build_time:.2f} s", f"{naive_time:.2f} s"),
        (
            "memory held (tracemalloc)",
            f"{mb(buffer_memory)} ({buffer_memory / raw_size:.2f}x raw)",
            f"{mb(naive_memory)} ({naive_memory / raw_size:.2f}x raw)",
        ),
        (
            f"mount + bottom on screen {SIZE[0]}x{SIZE[1]}",
            f"{view['mount']:.2f} s",
            f"RichLog: {naive_mount} (incl. parse)",
        ),
        ("g (to top)", f"{view['top'] * 1000:.0f} ms", "-"),
        ("search, no match (full scan)", f"{view['search_miss'] * 1000:.0f} ms", "-"),
        ("w (wrap index for 100k lines)", f"{view['wrap'] * 1000:.0f} ms", "-"),
    ]
    header = ("", "LogBuffer + LogView", "naive: Text.from_ansi")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
