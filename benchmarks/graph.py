"""The workflow graph: layout (pure), first paint of ``JobGraph`` and a cursor move.

Synthetic layered DAGs (a root fanning out, five layers each requiring one to three jobs of
the layer before or the one before that, a fan-in to one job) of 50, 500 and 5,000 jobs.

* layout: ``circletui.graph.layout(jobs)``, best of a few runs (the least disturbed by other
  work on the machine), each from a collected heap, after one untimed run;
* first paint: a running headless app (``run_test(size=(120, 40))``) mounts a ``JobGraph`` of
  the jobs; wall time from ``mount()`` until the widget's first frame has been composed
  (``App._display`` called with an update after the widget rendered); baseline: a plain
  ``DataTable`` with the same jobs as rows, mounted the same way;
* cursor move: arrow keys along a serpentine walk through the 500-job graph (every key moves
  the selection); per key, the wall time from the key event to the frame that shows it
  (the last ``App._display`` before the app is idle again), against ``down`` in the
  ``DataTable``.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from random import Random

from textual.app import App, ComposeResult
from textual.containers import Container
from textual.widgets import DataTable

from circletui.api import Job
from circletui.graph import Layout, layout
from circletui.simulator import DEFAULT_START
from circletui.ui.widgets.job_graph import JobGraph

SIZE = (120, 40)
NOW = DEFAULT_START


def synthetic_jobs(n: int, seed: int = 1) -> list[Job]:
    """A layered DAG of ``n`` jobs: fan-out from one root, five layers, fan-in to one job."""
    rng = Random(seed)
    middle = n - 2
    widths = [max(1, round(middle * w)) for w in (0.12, 0.25, 0.3, 0.2, 0.13)]
    widths[2] += middle - sum(widths)
    sizes = [1, *widths, 1]
    layers: list[list[str]] = []
    jobs: list[Job] = []
    status_by_layer = ["success", "success", "success", "running", "queued", "blocked", "blocked"]
    names = ["checkout", "build", "test", "lint", "deploy", "approve", "release"]
    for depth, size in enumerate(sizes):
        ids = []
        for i in range(size):
            job_id = f"job-{depth}-{i}"
            if depth == 0:
                deps: tuple[str, ...] = ()
            elif depth == 1 or depth == len(sizes) - 1:
                deps = tuple(layers[-1])[: (None if depth > 1 else 1)]  # fan-out, fan-in
            else:
                pool = layers[-1] + (layers[-2] if rng.random() < 0.15 else [])
                deps = tuple(sorted(rng.sample(pool, min(len(pool), rng.randint(1, 3)))))
            status = status_by_layer[depth]
            if status == "success" and rng.random() < 0.05:
                status = "failed"
            approval = depth == len(sizes) - 2 and i == 0
            started = NOW - timedelta(seconds=rng.uniform(60, 900))
            jobs.append(
                Job(
                    id=job_id,
                    name=f"{names[depth]}-{i:04d}",
                    type="approval" if approval else "build",
                    status="on_hold" if approval else status,
                    project_slug="gh/acme/api",
                    dependencies=deps,
                    job_number=len(jobs) + 1 if status != "blocked" else None,
                    started_at=started if status in ("success", "failed", "running") else None,
                    stopped_at=started + timedelta(seconds=50)
                    if status in ("success", "failed")
                    else None,
                )
            )
            ids.append(job_id)
        layers.append(ids)
    assert len(jobs) == n
    return jobs


def serpentine(graph: Layout, count: int) -> tuple[list[str], str]:
    """Arrow keys that each move: down (or up) a column, right to the next, and back."""
    current = graph.first()
    assert current is not None
    keys: list[str] = []
    vertical = "down"
    while len(keys) < count:
        target = graph.neighbour(current, vertical)  # type: ignore[arg-type]
        if target is None:
            target = graph.neighbour(current, "right")
            if target is None:
                raise RuntimeError("the walk ran out of graph")
            keys.append("right")
            vertical = "up" if vertical == "down" else "down"
        else:
            keys.append(vertical)
        current = target
    return keys, current


def best_layout_ms(jobs: list[Job], runs: int) -> float:
    # One untimed run first, as pyperf warms up: the first layout of a size in a process
    # also pays for growing the heap (the 5,000-job one measured 370 ms first, 260 after).
    layout(jobs)
    best = math.inf
    for _ in range(runs):
        # From a collected heap, as the first paint is measured: a full collection pending
        # from earlier work (the 5,000 jobs just built) is not the layout's cost.
        gc.collect()
        started = time.perf_counter()
        layout(jobs)
        best = min(best, time.perf_counter() - started)
    return best * 1000


class Stage(App[None]):
    """An empty app that records when it hands a frame to the terminal."""

    def compose(self) -> ComposeResult:
        yield Container(id="stage")

    def on_mount(self) -> None:
        self.frames: list[float] = []
        original = self._display

        def display(screen, renderable) -> None:
            if renderable is not None:
                self.frames.append(time.perf_counter())
            original(screen, renderable)

        self._display = display  # type: ignore[method-assign]


def job_graph(jobs: list[Job]) -> JobGraph:
    return JobGraph(jobs, now=NOW)


def job_row(job: Job) -> tuple[str, ...]:
    return (job.status, job.name, job.type, str(len(job.dependencies)), job.id)


def data_table(jobs: list[Job]) -> DataTable:
    table = DataTable(cursor_type="row")
    table.add_columns("Status", "Job", "Type", "Requires", "Id")
    table.add_rows(job_row(j) for j in jobs)
    return table


async def first_paint_ms(make_widget) -> float:
    """Wall ms from mounting the widget to the first frame composed after it rendered."""
    app = Stage()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        gc.collect()
        started = time.perf_counter()
        widget = make_widget()  # JobGraph lays out here
        await app.query_one("#stage").mount(widget)
        widget.focus()
        await pilot.pause()
        frames = [t for t in app.frames if t > started]
        if not frames:
            raise RuntimeError("no frame after mounting")
        return (frames[-1] - started) * 1000


@dataclass
class KeyTimes:
    wall_ms: list[float]
    cpu_ms: list[float]

    @property
    def p95(self) -> float:
        return nearest_rank(self.wall_ms, 0.95)


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


async def key_times(make_widget, keys: list[str]) -> KeyTimes:
    app = Stage()
    wall: list[float] = []
    cpu: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        widget = make_widget()
        await app.query_one("#stage").mount(widget)
        widget.focus()
        await pilot.pause()
        gc.collect()
        await pilot.press(keys[0])  # warm-up, not timed
        for key in keys[1:]:
            started, cpu_started = time.perf_counter(), time.process_time()
            await pilot.press(key)
            cpu.append((time.process_time() - cpu_started) * 1000)
            frames = [t for t in app.frames if t > started]
            wall.append((frames[-1] - started) * 1000 if frames else math.nan)
    return KeyTimes([w for w in wall if not math.isnan(w)], cpu)


def median(values: list[float]) -> float:
    return statistics.median(values)
