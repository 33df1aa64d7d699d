"""``python -m benchmarks``: every figure of the suite, each beside its baseline, in one run.

Prints a table (figure, value, baseline, ratio, target, pass) and writes it as JSON
(``--json PATH``, default ``benchmarks/results.json``). ``--quick`` runs a short version of
every figure (seconds, not minutes): its numbers only show that the suite works. See
``benchmarks/README.md`` for what each figure measures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import compressed, graph, log_view, micro
from benchmarks.report import Figure, markdown_table, text_table, write_json

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = Path(__file__).with_name("results.json")


@dataclass(frozen=True)
class Plan:
    """How long each part runs."""

    start_runs: int
    settle: float
    window: float
    finished_minutes: float
    graph_minutes: float
    list_minutes: float
    warmup: float
    memory_hours: float
    graph_sizes: tuple[int, ...]
    paint_runs: int
    keys: int
    layout_runs: int
    sync_calls: int
    answers: int
    log_lines: int


FULL = Plan(
    start_runs=5, settle=10, window=60, finished_minutes=30, graph_minutes=10,
    list_minutes=10, warmup=60, memory_hours=24, graph_sizes=(50, 500, 5000), paint_runs=3,
    keys=60, layout_runs=5, sync_calls=10_000, answers=200, log_lines=100_000,
)
QUICK = Plan(
    start_runs=1, settle=1, window=3, finished_minutes=1, graph_minutes=0.5,
    list_minutes=0.5, warmup=10, memory_hours=1, graph_sizes=(50, 500, 2000), paint_runs=1,
    keys=6, layout_runs=1, sync_calls=1_000, answers=20, log_lines=5_000,
)


# -- the parts ----------------------------------------------------------------------------------


def terminal_part(plan: Plan, quick: bool) -> list[Figure]:
    from benchmarks import terminal_figures as tf

    r = tf.measure(plan.start_runs, plan.settle, plan.window, quick)
    runs = "one start, beside the others" if quick else f"median of {len(r.start)}"
    return [
        Figure(
            "start.first_row", "start to the first pipeline row (pty, 120x40)",
            tf.median(r.start), "s", tf.median(r.start_baseline), "minimal Textual app",
            ("<=", 1.5), "ratio", runs,
            {"runs": r.start, "baseline_runs": r.start_baseline},
        ),
        Figure(
            "terminal.bytes_idle", "bytes to the terminal while nothing changes",
            r.idle.bytes_per_minute, "B/min", r.idle_baseline.bytes_per_minute,
            "minimal Textual app", ("<=", 1024), "value",
            f"frozen world, {r.idle.window:.0f} s window",
            {"circletui": r.idle.detail, "baseline": r.idle_baseline.detail},
        ),
        Figure(
            "cpu.idle", "CPU while idle", r.idle.cpu_percent, "% core",
            r.idle_baseline.cpu_percent, "minimal Textual app", ("<=", 1), "value",
            f"same window as the bytes ({r.idle.window:.0f} s)",
        ),
        Figure(
            "cpu.watching", "CPU while watching 5 running workflows", r.watching.cpu_percent,
            "% core", r.idle_baseline.cpu_percent, "minimal Textual app", ("<=", 3), "value",
            f"{r.watching.window:.0f} s; running+failing at start/end: "
            f"{r.watching.detail['running_workflows']['start']}/"
            f"{r.watching.detail['running_workflows']['end']}",
            {**r.watching.detail, "bytes_per_minute": r.watching.bytes_per_minute},
        ),
    ]


async def requests_part(plan: Plan) -> list[Figure]:
    a = await compressed.finished_org(plan.finished_minutes, plan.warmup)
    b, opened = await compressed.running_graph(plan.graph_minutes, plan.warmup)
    c = await compressed.pipelines_list(plan.list_minutes, plan.warmup)

    def minimum_per_minute(w: compressed.Window) -> float:
        return (w.minimum or 0) / (w.seconds / 60)

    return [
        Figure(
            "requests.finished_org",
            f"requests/min, {a.visible} visible pipelines, all finished",
            a.per_minute, "req/min", target=("<=", 3), on="value",
            note=f"compressed time, {a.seconds / 60:.0f} simulated min",
            detail={"by_endpoint": dict(a.kinds), "simulated_seconds": a.seconds,
                    "visible_pipelines": a.visible},
        ),
        Figure(
            "requests.running_graph", "requests/min, a running workflow's graph open",
            b.per_minute, "req/min", minimum_per_minute(b), "minimum: its jobs every 5 s",
            ("<=", 2), "ratio",
            f"compressed time, {b.seconds / 60:.1f} simulated min; {opened}",
            {"by_endpoint": dict(b.kinds), "simulated_seconds": b.seconds},
        ),
        Figure(
            "requests.pipelines_list", "requests/min, the pipelines list",
            c.per_minute, "req/min", minimum_per_minute(c),
            "minimum: list + active pipelines every 5 s", ("<=", 1.2), "ratio",
            f"compressed time, {c.seconds / 60:.0f} simulated min",
            {"by_endpoint": dict(c.kinds), "simulated_seconds": c.seconds},
        ),
    ]


async def graph_part(plan: Plan, quick: bool) -> list[Figure]:
    """Layout and first paint at each size; the largest is judged against 500 jobs."""
    figures: list[Figure] = []
    layouts: dict[int, float] = {}
    paints: dict[int, float] = {}
    large = max(plan.graph_sizes)
    for n in plan.graph_sizes:
        jobs = graph.synthetic_jobs(n)
        key = "large" if n == large else str(n)
        # Best of a few runs at every size (one run of the largest swung 9x-13x against 500
        # with the machine's load); the largest gets three, the others the plan's count.
        layouts[n] = graph.best_layout_ms(jobs, plan.layout_runs if n < large else
                                          min(3, plan.layout_runs))
        paints[n] = graph.median(
            [await graph.first_paint_ms(lambda j=jobs: graph.job_graph(j))
             for _ in range(plan.paint_runs)]
        )
        if n == large:
            versus = ("500 jobs", ("<=", 12), "ratio")
            figures += [
                Figure(f"graph.layout_{key}", f"graph layout, {n:,} jobs", layouts[n], "ms",
                       layouts[500], *versus),
                Figure(f"graph.paint_{key}", f"graph first paint, {n:,} jobs", paints[n], "ms",
                       paints[500], *versus),
            ]
            continue
        table = None
        if not quick:
            table = graph.median(
                [await graph.first_paint_ms(lambda j=jobs: graph.data_table(j))
                 for _ in range(plan.paint_runs)]
            )
        figures += [
            Figure(f"graph.layout_{key}", f"graph layout, {n:,} jobs", layouts[n], "ms"),
            Figure(f"graph.paint_{key}", f"graph first paint, {n:,} jobs", paints[n], "ms",
                   table, "DataTable, same rows"),
        ]
    jobs = graph.synthetic_jobs(500)
    keys, _ = graph.serpentine(graph.layout(jobs), plan.keys + 1)
    ours = await graph.key_times(lambda: graph.job_graph(jobs), keys)
    base = await graph.key_times(lambda: graph.data_table(jobs), ["down"] * (plan.keys + 1))
    figures.append(Figure(
        "graph.cursor_p95", "cursor move, 500-job graph, p95", ours.p95, "ms", base.p95,
        "DataTable down, 500 rows", ("<=", 50), "value",
        f"key to frame, {len(ours.wall_ms)} keys",
        {"median_ms": graph.median(ours.wall_ms), "cpu_median_ms": graph.median(ours.cpu_ms),
         "baseline_median_ms": graph.median(base.wall_ms)},
    ))
    return figures


async def micro_part(plan: Plan) -> list[Figure]:
    layout_ms, small_ms = micro.monorepo_layout_ms(plan.layout_runs)
    sync, nothing = micro.sync_us(plan.sync_calls)
    ours, bare = await micro.answer_ms(plan.answers)
    ours_med, ours_p95 = micro.median_and_p95(ours)
    bare_med, _ = micro.median_and_p95(bare)
    return [
        Figure("graph.layout_monorepo", "graph layout, 498-job monorepo workflow", layout_ms,
               "ms", small_ms, "50 jobs", ("<=", 100), "value", "was tests/test_graph.py"),
        Figure("simulator.sync_idle", "World.sync() with nothing due", sync, "µs", nothing,
               "an empty method call", ("<=", 50), "value", "was tests/simulator/test_world.py"),
        Figure("simulator.answer", "simulator answers GET /me in-process, median", ours_med,
               "ms", bare_med, "bare Starlette app", ("<=", 50), "value",
               f"p95 {ours_p95:.1f} ms; was tests/simulator/test_http.py",
               {"p95_ms": ours_p95}),
    ]


def log_part(plan: Plan) -> list[Figure]:
    r = log_view.measure(plan.log_lines)
    n = f"{plan.log_lines:,}"
    interactions = {k: round(r[k] * 1000, 1) for k in ("top", "search_miss", "wrap")}
    return [
        Figure("log.parse", f"step output, {n} lines: parse", r["parse"], "s",
               r["naive_parse"], "Text.from_ansi"),
        Figure("log.memory", f"step output, {n} lines: memory held", r["held"] / 1e6, "MB",
               r["raw_bytes"] / 1e6, "the raw text"),
        Figure("log.mount", f"step output, {n} lines: open at the bottom", r["mount"], "s",
               note="then g, a search with no match, w (ms): "
               + ", ".join(f"{v:.0f}" for v in interactions.values()),
               detail={"interactions_ms": interactions}),
    ]


def start_memory(hours: float, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.memory", "--hours", f"{hours:g}", "--mode", mode],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True,
    )


def finish_memory(process: subprocess.Popen, timeout: float) -> dict:
    try:
        out, _ = process.communicate(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"benchmarks.memory exited with {process.returncode}")
    return json.loads(out)


def memory_figure(ours: dict, world: dict) -> Figure:
    growth = ours["growth_mb"] - world["growth_mb"]
    return Figure(
        "memory.day", f"memory growth, {ours['hours']:g} simulated h of a busy org",
        growth, "MB", None, "", ("<=", 20), "value",
        f"RSS growth {ours['growth_mb']:.1f} MB minus the simulator's own "
        f"{world['growth_mb']:.1f} MB; {ours['requests']:,} requests (polled at 60 s)",
        {"monitor": ours, "world": world},
    )


# -- the run ------------------------------------------------------------------------------------


def run(quick: bool) -> tuple[list[Figure], dict]:
    plan = QUICK if quick else FULL
    started = time.perf_counter()
    memory_timeout = 120 if quick else 900
    terminal: list[Figure] = []
    errors: list[BaseException] = []

    parts: dict[str, float] = {}

    def terminal_thread() -> None:
        mark = time.perf_counter()
        try:
            terminal.extend(terminal_part(plan, quick))
            parts["terminal"] = time.perf_counter() - mark
        except BaseException as error:  # reported below, after the other parts
            errors.append(error)

    memory_procs: list[subprocess.Popen] = []
    try:
        if quick:
            # Short runs measure nothing worth protecting from each other: overlap them.
            memory_procs = [start_memory(plan.memory_hours, m) for m in ("monitor", "world")]
            thread = threading.Thread(target=terminal_thread)
            thread.start()
        else:
            # The real command first and alone (start time and CPU), then the timed
            # in-process figures alone too: the two memory runs (minutes of CPU each) made
            # the 5,000-job layout swing from 250 to 390 ms on two cores. They start with
            # the request figures, which count requests and do not time anything.
            terminal_thread()
        figures: list[Figure] = []
        mark = time.perf_counter()
        figures += asyncio.run(graph_part(plan, quick))
        figures += asyncio.run(micro_part(plan))
        figures += log_part(plan)
        parts["graph+micro+log"] = time.perf_counter() - mark
        if not quick:
            memory_procs = [start_memory(plan.memory_hours, m) for m in ("monitor", "world")]
        mark = time.perf_counter()
        figures += asyncio.run(requests_part(plan))
        parts["requests"] = time.perf_counter() - mark
        if quick:
            thread.join(timeout=120)
        mark = time.perf_counter()
        ours, world = (finish_memory(p, memory_timeout) for p in memory_procs)
        parts["memory (waited)"] = time.perf_counter() - mark
        figures.append(memory_figure(ours, world))
    finally:
        for process in memory_procs:
            if process.poll() is None:
                process.kill()
                process.wait()
    if errors:
        raise errors[0]
    figures = terminal + figures
    meta = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "part_seconds": {k: round(v, 1) for k, v in parts.items()},
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "textual": _version("textual"),
        "httpx": _version("httpx"),
    }
    return figures, meta


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short run of every figure")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, metavar="PATH",
                        help=f"where to write the results (default: {DEFAULT_JSON})")
    parser.add_argument("--markdown", action="store_true",
                        help="print the table as Markdown (for the README)")
    args = parser.parse_args(argv)
    figures, meta = run(args.quick)
    print(markdown_table(figures) if args.markdown else text_table(figures))
    parts = ", ".join(f"{k} {v:.0f} s" for k, v in meta["part_seconds"].items())
    print(f"\n{'quick run, ' if args.quick else ''}{meta['wall_seconds']:.0f} s ({parts}), "
          f"load average {', '.join(f'{x:.1f}' for x in meta['load_average'])}; "
          f"JSON: {args.json}")
    write_json(args.json, figures, meta)
    return 0


if __name__ == "__main__":
    sys.exit(main())
