"""The figures measured on the real ``circletui`` command in a pseudo-terminal.

The simulator is served by ``circletui simulator`` on a loopback port; the app is the console
script, token in ``CIRCLECI_TOKEN``, config and HOME in a temporary folder, 120x40; pyte keeps
the screen. The baseline is ``benchmarks/baseline_app.py`` (one ``DataTable`` row), started the
same way with the same interpreter.

* start: wall time from spawning the process to the first screen (as pyte draws it) that
  shows the newest pipeline's number (the app's first row) or the baseline's row. The
  package's bytecode is compiled first, as ``pip install`` compiles an installed package's
  (Textual's is): the runs set ``PYTHONDONTWRITEBYTECODE``, and an editable checkout whose
  ``__pycache__`` is stale would otherwise compile every changed module at every start. One
  untimed start of each first (disk cache), then alternate runs; medians.
* idle: ``--frozen`` world (everything finished, nothing moves). Once the first row is on
  screen and a settling time has passed, the bytes written to the terminal and the CPU time
  of the process (user + system, all threads) over the window; the baseline app likewise.
* watching: the seed-7 world on the real clock without new arrivals (5 workflows of gh/acme
  running or failing for the first 100 s), CPU over the window.

The three windowed runs go at the same time (two cores; each mostly sleeps), so the full
run takes one window rather than three.
"""

from __future__ import annotations

import compileall
import re
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from benchmarks.terminal import (
    ORG,
    TOKEN,
    PtySession,
    Served,
    circletui_command,
    isolated_env,
)

BASELINE_SCRIPT = Path(__file__).with_name("baseline_app.py")
PACKAGE = Path(__file__).resolve().parent.parent / "circletui"
BASELINE_MARKER = "baseline #1"
FIRST_ROW_TIMEOUT = 30.0


def first_row(number: int):
    pattern = re.compile(rf"#{number}\b")
    return lambda text: pattern.search(text) is not None


def baseline_row(text: str) -> bool:
    return BASELINE_MARKER in text


def start_once(command: list[str], env: dict[str, str], shown) -> float:
    with PtySession(command, env) as session:
        return session.wait_for(shown, FIRST_ROW_TIMEOUT)


def start_times(served: Served, home: Path, runs: int) -> tuple[list[float], list[float]]:
    ours_command = circletui_command(served)
    ours_env = isolated_env(home, CIRCLECI_TOKEN=TOKEN)
    base_command = [sys.executable, str(BASELINE_SCRIPT)]
    base_env = isolated_env(home)
    shown = first_row(served.newest_pipeline_number())
    start_once(ours_command, ours_env, shown)  # warm-up: disk cache, bytecode
    start_once(base_command, base_env, baseline_row)
    ours, baseline = [], []
    for _ in range(runs):
        ours.append(start_once(ours_command, ours_env, shown))
        baseline.append(start_once(base_command, base_env, baseline_row))
    return ours, baseline


@dataclass
class Windowed:
    start: float  # seconds to the first row
    bytes_per_minute: float
    cpu_percent: float
    window: float
    detail: dict


def windowed(command, env, shown, settle: float, window: float, probe=None) -> Windowed:
    """Start, wait for the first row, settle, then measure bytes and CPU over ``window``."""
    with PtySession(command, env) as session:
        start = session.wait_for(shown, FIRST_ROW_TIMEOUT)
        time.sleep(settle)
        before = probe() if probe else None
        cpu0, t0 = session.cpu_seconds(), time.perf_counter()
        time.sleep(window)
        cpu1, t1 = session.cpu_seconds(), time.perf_counter()
        written = session.bytes_between(t0, t1)
        after = probe() if probe else None
        screen = session.text()
    span = t1 - t0
    detail = {"bytes": written, "seconds": round(span, 2), "cpu_seconds": round(cpu1 - cpu0, 4)}
    if probe:
        detail["running_workflows"] = {"start": before, "end": after}
    detail["last_screen_status_line"] = screen.splitlines()[-2].strip() if screen else ""
    return Windowed(start, written / span * 60, (cpu1 - cpu0) / span * 100, span, detail)


def running_in_org(served: Served) -> int:
    """Workflows of the org's first page that are running or failing, asked of the server."""
    count = 0
    for pipeline in served.get("/api/v2/pipeline", **{"org-slug": ORG}).json()["items"]:
        workflows = served.get(f"/api/v2/pipeline/{pipeline['id']}/workflow").json()["items"]
        count += sum(1 for wf in workflows if wf["status"] in ("running", "failing"))
    return count


@dataclass
class TerminalFigures:
    start: list[float]
    start_baseline: list[float]
    idle: Windowed
    idle_baseline: Windowed
    watching: Windowed


def measure(runs: int, settle: float, window: float, quick: bool = False) -> TerminalFigures:
    """``quick``: no separate start runs (the start figure is the windowed runs' own start,
    taken while they start side by side) and no warm-up: every figure, in seconds."""
    compileall.compile_dir(PACKAGE, quiet=1)
    with tempfile.TemporaryDirectory(prefix="circletui-bench-") as tmp, ExitStack() as stack:
        home = Path(tmp)
        frozen, busy = Served("--frozen"), Served("--no-live")
        stack.callback(frozen.close)
        stack.callback(busy.close)
        frozen.spawn()
        if quick:
            busy.spawn()
        frozen.ready()
        ours, baseline = [], []
        if not quick:
            ours, baseline = start_times(frozen, home, runs)
            busy.spawn()  # now, so that its five workflows still run through the window
        busy.ready()
        figures = _windows(frozen, busy, home, ours, baseline, settle, window)
        if quick:
            figures.start = [figures.idle.start]
            figures.start_baseline = [figures.idle_baseline.start]
        return figures


def _windows(
    frozen: Served, busy: Served, home: Path, ours, baseline, settle: float, window: float
) -> TerminalFigures:
    ours_env = isolated_env(home, CIRCLECI_TOKEN=TOKEN)
    with ThreadPoolExecutor(max_workers=3) as pool:
        idle = pool.submit(
            windowed, circletui_command(frozen), ours_env,
            first_row(frozen.newest_pipeline_number()), settle, window,
        )
        idle_base = pool.submit(
            windowed, [sys.executable, str(BASELINE_SCRIPT)], isolated_env(home),
            baseline_row, settle, window,
        )
        watching = pool.submit(
            windowed, circletui_command(busy), ours_env,
            first_row(busy.newest_pipeline_number()), settle, window,
            lambda: running_in_org(busy),
        )
        return TerminalFigures(ours, baseline, idle.result(), idle_base.result(),
                               watching.result())


def median(values: list[float]) -> float:
    return statistics.median(values)
