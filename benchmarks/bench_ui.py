"""Benchmark: what a user feels in the app, against plain Textual doing the same job.

Run with ``python benchmarks/bench_ui.py`` (about half a minute on 2 cores). Everything runs
headless in-process (``App.run_test(size=(120, 40))``) over the simulated CircleCI (seed 7,
``ManualClock``); no network. Each figure has a baseline measured in the same run:

* **startup**: wall time from entering ``run_test()`` to the pipelines table having rows, and
  to every row's status being known; the app is built as production builds it
  (``CircleTUI(settings, client, now=sim.clock.now)``). Baseline: a bare Textual app with
  a ``DataTable`` that adds the same number of rows in ``on_mount``, with no IO at all.
* **workflow graph**: synthetic workflows of 100 and 400 jobs (a layered DAG: one root fanning
  out, several layers each requiring one to three jobs of the previous layer or the one
  before, a fan-in to one last job) in a ``JobGraph`` alone in an app. 50 arrow keys through
  ``Pilot`` (a serpentine walk: down a column, right, up the next one, so every key moves the
  selection), then ``set_jobs()`` with one job's status changed, 12 times. Baseline: the same
  jobs as rows of a plain ``DataTable``: 50 ``down`` keys, and ``clear()`` + ``add_rows()``
  (and, for scale, one ``update_cell()``).
* **pipelines screen**: a poll answer applied to ``PipelinesScreen`` (published on the app's
  rows signal, as the feed does) with nothing changed, with one workflow's status changed,
  and the per-second tick one simulated second later; baseline: the screen's own full table
  rebuild (``_render_lines(force=True)``, what a column change does).

Times are per operation and include everything until the app is idle again and has painted
(``pilot.pause()``); a series of repeated operations starts with one untimed warm-up. ``cpu``
is the process time spent, which is what the operation costs; ``wall`` also holds Pilot's own
waits (each ``press`` and ``pause`` sleeps at least 20 ms while it checks that the app is
idle), so it has a floor of about 60 ms per key here.
"""

from __future__ import annotations

import asyncio
import gc
import math
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from random import Random
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.text import Text
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Footer, Header

from circletui.api import CircleCIClient, Job, RetryPolicy
from circletui.config import Settings
from circletui.graph import Layout, layout
from circletui.monitor import PipelineRow
from circletui.secret import Secret
from circletui.simulator import DEFAULT_START, ManualClock, Simulator
from circletui.ui.app import CircleTUI
from circletui.ui.screens.pipelines import PipelinesScreen
from circletui.ui.widgets.job_graph import JobGraph

SEED = 7
HOST = "http://circleci.bench"
SIZE = (120, 40)
STARTUP_RUNS = 3
KEYS = 50
REFRESHES = 12
GRAPH_SIZES = (100, 400)
NOW = DEFAULT_START


# -- measuring ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sample:
    cpu: float
    wall: float


async def timed(pilot: Pilot, action: Callable[[], Awaitable[Any] | Any]) -> Sample:
    """Run ``action`` and wait until the app is idle and painted; process and wall time."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = action()
    if isinstance(result, Awaitable):
        await result
    await pilot.pause()
    return Sample(time.process_time() - cpu, time.perf_counter() - wall)


async def repeat(
    pilot: Pilot, action: Callable[[int], Any], count: int = REFRESHES
) -> list[Sample]:
    """``timed(action(i))`` for ``i`` in ``0..count``; the first (i = 0) only warms up."""
    samples = [await timed(pilot, lambda i=i: action(i)) for i in range(count + 1)]
    return samples[1:]


def mean_ms(samples: list[Sample], what: str = "cpu") -> str:
    return f"{statistics.fmean(getattr(s, what) for s in samples) * 1000:.1f}"


def p95_ms(samples: list[Sample], what: str = "cpu") -> str:
    """The nearest-rank 95th percentile (the largest of fewer than 20 samples)."""
    values = sorted(getattr(s, what) for s in samples)
    return f"{values[math.ceil(0.95 * len(values)) - 1] * 1000:.1f}"


def per_op(samples: list[Sample]) -> str:
    """``mean / p95`` cpu ms, then the mean wall ms."""
    return f"{mean_ms(samples)} / {p95_ms(samples)}  ({mean_ms(samples, 'wall')})"


def show_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


# -- (a) startup --------------------------------------------------------------------------------


def make_app(sim: Simulator, **settings: Any) -> CircleTUI:
    """As production builds it (and as tests/ui/harness.py does), over the simulator."""
    config = Settings(
        token=Secret(sim.token), token_source="bench", host=HOST, org="gh/acme", **settings
    )
    client = CircleCIClient(
        sim.token, HOST, transport=sim.transport(), retry=RetryPolicy(max_attempts=1)
    )
    return CircleTUI(config, client, now=sim.clock.now)


def pipelines_table(app: App) -> DataTable | None:
    screen = app.screen
    if isinstance(screen, PipelinesScreen) and screen.is_mounted:
        return screen.query_one("#pipelines", DataTable)
    return None


def plain(cell: object) -> str:
    return cell.plain if isinstance(cell, Text) else str(cell)


def all_known(table: DataTable) -> bool:
    statuses = table.get_column("status")
    return table.row_count > 0 and not any("loading" in plain(s) for s in statuses)


async def startup() -> tuple[float, float, int]:
    """Seconds to the first rows, to every status known; how many rows."""
    sim = Simulator(seed=SEED, clock=ManualClock())
    app = make_app(sim)
    start = time.perf_counter()
    async with app.run_test(size=SIZE):
        first = None
        deadline = start + 30
        while time.perf_counter() < deadline:
            table = pipelines_table(app)
            if table is not None and table.row_count:
                first = first or time.perf_counter() - start
                if all_known(table):
                    return first, time.perf_counter() - start, table.row_count
            await asyncio.sleep(0.001)
    raise RuntimeError("no rows within 30 s")


class PlainTableApp(App[None]):
    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Header()
        yield DataTable(cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Status", "Pipeline", "Branch", "Workflow", "Commit", "Actor", "Age")
        table.add_rows(
            [
                ("✓ success", f"api #{i}", "main", "build", "a commit", "someone", "5m")
                for i in range(self.rows)
            ]
        )


async def plain_startup(rows: int) -> float:
    app = PlainTableApp(rows)
    start = time.perf_counter()
    async with app.run_test(size=SIZE):
        table = app.query_one(DataTable)
        while not table.row_count:
            await asyncio.sleep(0.001)
        return time.perf_counter() - start


async def measure_startup() -> None:
    ours = [await startup() for _ in range(STARTUP_RUNS)]
    rows = ours[0][2]
    plain = [await plain_startup(rows) for _ in range(STARTUP_RUNS)]
    first = statistics.median(o[0] for o in ours)
    known = statistics.median(o[1] for o in ours)
    baseline = statistics.median(plain)
    print(f"(a) startup at {SIZE[0]}x{SIZE[1]}, median of {STARTUP_RUNS}, wall ms")
    show_table(
        ("", "circletui", f"plain DataTable, {rows} rows, no IO"),
        [
            ("run_test() entry -> table has rows", f"{first * 1000:.0f}", f"{baseline * 1000:.0f}"),
            ("  -> every status known", f"{known * 1000:.0f}", "-"),
        ],
    )


# -- (b) the workflow graph ---------------------------------------------------------------------


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
                    name=f"{names[depth]}-{i:03d}",
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


def with_status(jobs: list[Job], job_id: str, status: str) -> list[Job]:
    return [replace(j, status=status) if j.id == job_id else j for j in jobs]


class GraphApp(App[None]):
    def __init__(self, jobs: list[Job]) -> None:
        super().__init__()
        self.jobs = jobs

    def compose(self) -> ComposeResult:
        yield JobGraph(self.jobs, now=NOW)


def job_row(job: Job) -> tuple[str, ...]:
    return (job.status, job.name, job.type, str(len(job.dependencies)), job.id)


class TableApp(App[None]):
    def __init__(self, jobs: list[Job]) -> None:
        super().__init__()
        self.jobs = jobs

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Status", "Job", "Type", "Requires", "Id")
        table.add_rows(job_row(j) for j in self.jobs)
        table.focus()


@dataclass
class GraphFigures:
    mount: float
    keys: list[Sample]
    refresh: list[Sample]
    update_cell: list[Sample] | None = None


async def measure_graph(jobs: list[Job]) -> GraphFigures:
    graph_layout = layout(jobs)
    keys, last = serpentine(graph_layout, KEYS)
    app = GraphApp(jobs)
    start = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(JobGraph)
        widget.focus()
        await pilot.pause()
        mount = time.perf_counter() - start
        assert widget.selected_id == graph_layout.first()
        gc.collect()
        pressed = [await timed(pilot, lambda k=key: pilot.press(k)) for key in keys]
        assert widget.selected_id == last, "the walk did not end where the layout said"
        target = next(j for j in jobs if j.id == last)
        changed = with_status(jobs, last, "failed" if target.status != "failed" else "success")
        refresh = await repeat(
            pilot, lambda i: widget.set_jobs(changed if i % 2 == 0 else jobs, now=NOW)
        )
    return GraphFigures(mount, pressed, refresh)


async def measure_table(jobs: list[Job]) -> GraphFigures:
    ordered = {j.id: j for j in jobs}
    jobs = [ordered[i] for i in layout(jobs).ordered_ids()]  # reading order, as the list view
    app = TableApp(jobs)
    start = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(DataTable)
        await pilot.pause()
        mount = time.perf_counter() - start
        gc.collect()
        pressed = [await timed(pilot, lambda: pilot.press("down")) for _ in range(KEYS)]
        assert widget.cursor_row == KEYS
        target = jobs[KEYS]
        changed = with_status(jobs, target.id, "failed" if target.status != "failed" else "success")

        def rebuild(rows: list[Job]) -> None:
            widget.clear()
            widget.add_rows(job_row(j) for j in rows)

        refresh = await repeat(pilot, lambda i: rebuild(changed if i % 2 == 0 else jobs))
        # The cell under the cursor, so the change is on screen.
        cell_key = widget.coordinate_to_cell_key((widget.cursor_row, 0))
        cell = await repeat(
            pilot,
            lambda i: widget.update_cell(
                cell_key.row_key, cell_key.column_key, "failed" if i % 2 == 0 else "success"
            ),
        )
    return GraphFigures(mount, pressed, refresh, cell)


async def measure_graphs() -> None:
    rows = []
    for n in GRAPH_SIZES:
        jobs = synthetic_jobs(n)
        start = time.perf_counter()
        graph_layout = layout(jobs)
        layout_time = time.perf_counter() - start
        graph = await measure_graph(jobs)
        plain = await measure_table(jobs)
        assert plain.update_cell is not None
        shape = f"{len(graph_layout.columns)} columns, {graph_layout.height} rows"
        rows += [
            (f"{n} jobs ({shape})", "", ""),
            (
                "  mount until painted (wall ms)",
                f"{graph.mount * 1000:.0f}",
                f"{plain.mount * 1000:.0f}",
            ),
            ("  layout(jobs), pure (ms)", f"{layout_time * 1000:.1f}", "-"),
            (f"  arrow key, {KEYS} presses", per_op(graph.keys), per_op(plain.keys)),
            (
                "  one status changed: set_jobs() | clear()+add_rows()",
                per_op(graph.refresh),
                per_op(plain.refresh),
            ),
            ("  one status changed: DataTable.update_cell()", "-", per_op(plain.update_cell)),
        ]
    print(f"(b) workflow graph at {SIZE[0]}x{SIZE[1]}: cpu ms mean / p95  (wall ms mean)")
    show_table(("", "JobGraph", "plain DataTable"), rows)


# -- (c) the pipelines screen -------------------------------------------------------------------


async def settle(pilot: Pilot, app: CircleTUI) -> DataTable:
    for _ in range(500):
        await pilot.pause()
        table = pipelines_table(app)
        if table is not None and all_known(table) and app.monitor.idle:
            return table
    raise RuntimeError("the app did not settle")


def one_status_changed(
    rows: list[PipelineRow], selected: str | None, *, want_selected: bool
) -> tuple[list[PipelineRow], str, str]:
    """The rows with one workflow's status flipped: the selected line's, or the last other
    one. Returns the rows, the changed line's key and its new status."""
    candidates = [
        (index, row, wf)
        for index, row in enumerate(rows)
        for wf in row.workflows or ()
        if (f"{row.pipeline.id}/{wf.id}" == selected) == want_selected
    ]
    if not candidates:
        raise RuntimeError("no workflow to change")
    index, row, wf = candidates[0] if want_selected else candidates[-1]
    status = "success" if wf.status != "success" else "failed"
    workflows = tuple(replace(w, status=status) if w.id == wf.id else w for w in row.workflows)
    changed = [*rows[:index], replace(row, workflows=workflows), *rows[index + 1 :]]
    return changed, f"{row.pipeline.id}/{wf.id}", status


async def measure_pipelines_screen() -> None:
    sim = Simulator(seed=SEED, clock=ManualClock())
    # No polls and no clock ticks while measuring: only what the benchmark applies runs.
    app = make_app(sim, interval=3600.0, slow_interval=3600.0)
    app._tick = lambda: None  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        data_table = await settle(pilot, app)
        screen = app.screen
        assert isinstance(screen, PipelinesScreen) and app.feed is not None
        rows = list(app.feed.rows)
        line = screen.selected_line()
        selected = line.key if line else None
        updates = 0
        original = data_table.update_cell

        def counting_update_cell(*args: Any, **kwargs: Any) -> None:
            nonlocal updates
            updates += 1
            original(*args, **kwargs)

        data_table.update_cell = counting_update_cell  # type: ignore[method-assign]

        async def apply(answers: list[list[PipelineRow]]) -> tuple[list[Sample], float]:
            """Publish the answers in turn, as the feed does; per-answer times, updates."""
            nonlocal updates
            updates = 0
            samples = await repeat(
                pilot, lambda i: app.rows_signal.publish(answers[i % len(answers)])
            )
            return samples, updates / (REFRESHES + 1)

        async def flips(want_selected: bool) -> tuple[list[Sample], float]:
            changed, key, status = one_status_changed(rows, selected, want_selected=want_selected)
            figures = await apply([changed, rows])
            await timed(pilot, lambda: app.rows_signal.publish(changed))
            shown = plain(data_table.get_cell(key, "status"))
            assert status.replace("_", " ") in shown, (status, shown)
            await timed(pilot, lambda: app.rows_signal.publish(rows))
            return figures

        gc.collect()
        same = await apply([rows])
        other = await flips(want_selected=False)
        mine = await flips(want_selected=True)
        updates = 0

        def tick(_: int) -> None:
            sim.clock.advance(1)
            screen.tick()

        ticks = await repeat(pilot, tick)
        tick_updates = updates / (REFRESHES + 1)
        rebuild = await repeat(pilot, lambda _: screen._render_lines(force=True))
    print(
        f"(c) pipelines screen, {data_table.row_count} rows at {SIZE[0]}x{SIZE[1]}: "
        "cpu ms mean / p95  (wall ms mean)"
    )
    show_table(
        ("", "time", "update_cell calls"),
        [
            ("poll answer, nothing changed", per_op(same[0]), f"{same[1]:.0f}"),
            ("poll answer, one status changed (another row)", per_op(other[0]), f"{other[1]:.0f}"),
            ("poll answer, the selected row's status changed", per_op(mine[0]), f"{mine[1]:.0f}"),
            (
                "tick, per second (ages and durations redrawn every 5 s)",
                per_op(ticks),
                f"{tick_updates:.0f}",
            ),
            ("baseline: full table rebuild", per_op(rebuild), "-"),
        ],
    )


async def main() -> None:
    started = time.perf_counter()
    await measure_startup()
    print()
    await measure_graphs()
    print()
    await measure_pipelines_screen()
    print(f"\ntotal {time.perf_counter() - started:.1f} s wall")


if __name__ == "__main__":
    asyncio.run(main())
