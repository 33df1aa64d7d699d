"""The benchmark suite cannot rot: its quick version runs and produces every figure.

Timing targets are the suite's business (``python -m benchmarks``); this test checks only
that each figure comes out as a number, so a change that breaks a measurement is caught here
rather than on the day someone wants the figures.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FIGURES = {
    "start.first_row",
    "terminal.bytes_idle",
    "cpu.idle",
    "cpu.watching",
    "requests.finished_org",
    "requests.running_graph",
    "requests.pipelines_list",
    "graph.layout_50",
    "graph.layout_500",
    "graph.layout_large",
    "graph.paint_50",
    "graph.paint_500",
    "graph.paint_large",
    "graph.cursor_p95",
    "graph.layout_monorepo",
    "simulator.sync_idle",
    "simulator.answer",
    "memory.day",
    "log.parse",
    "log.memory",
    "log.mount",
}

#: figures judged against their baseline: the baseline must be measured too
RATIOS = {
    "start.first_row",
    "requests.running_graph",
    "requests.pipelines_list",
    "graph.layout_large",
    "graph.paint_large",
}


def test_quick_run_produces_every_figure_as_a_number(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["meta"]["quick"] is True
    figures = {f["key"]: f for f in results["figures"]}
    assert set(figures) == FIGURES
    for key, figure in figures.items():
        assert isinstance(figure["value"], int | float) and math.isfinite(figure["value"]), key
        assert figure["value"] >= 0, key
        assert figure["name"] in done.stdout, key  # and the table shows it
    for key in RATIOS:
        assert figures[key]["baseline"] and figures[key]["ratio"] is not None, key
    # The terminal figures read a real screen: the idle app drew its status line.
    assert figures["terminal.bytes_idle"]["detail"]["circletui"]["last_screen_status_line"]
