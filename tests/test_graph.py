"""The DAG layout (circletui.graph), the status table and the time formats: pure functions."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.cells import cell_len

from circletui import status
from circletui.api.models import Job
from circletui.graph import Layout, layout
from circletui.timefmt import elapsed, format_age, format_duration

SPEC = Path(__file__).resolve().parent.parent / "spec" / "circleci-openapi-v2.json"


def job(job_id: str, *deps: str, type: str = "build", status: str = "success") -> Job:
    return Job(id=job_id, name=job_id, type=type, status=status, dependencies=deps)


def diamond() -> list[Job]:
    """checkout fans out to three jobs that fan in to deploy; notify also needs checkout."""
    return [
        job("checkout"),
        job("lint", "checkout"),
        job("test", "checkout"),
        job("build", "checkout"),
        job("deploy", "lint", "test", "build"),
        job("notify", "deploy", "checkout"),
    ]


def crossings(result: Layout) -> int:
    """Crossings between adjacent columns, counted from the final rows (long edges skipped)."""
    pairs = [
        (result.nodes[e.src_id], result.nodes[e.dst_id])
        for e in result.edges
        if result.nodes[e.dst_id].column == result.nodes[e.src_id].column + 1
    ]
    total = 0
    for i, (a_src, a_dst) in enumerate(pairs):
        for b_src, b_dst in pairs[i + 1 :]:
            if a_src.column != b_src.column:
                continue
            if (a_src.row - b_src.row) * (a_dst.row - b_dst.row) < 0:
                total += 1
    return total


# -- layout ------------------------------------------------------------------------------------


def test_columns_follow_the_longest_dependency_chain() -> None:
    result = layout(diamond())
    columns = {job_id: pos.column for job_id, pos in result.nodes.items()}
    assert columns == {"checkout": 0, "lint": 1, "test": 1, "build": 1, "deploy": 2, "notify": 3}
    assert [sorted(c) for c in result.columns] == [
        ["checkout"],
        ["build", "lint", "test"],
        ["deploy"],
        ["notify"],
    ]
    assert len(result.edges) == 8


def test_rows_are_distinct_within_a_column_and_match_the_column_order() -> None:
    result = layout(diamond())
    for column in result.columns:
        rows = [result.nodes[job_id].row for job_id in column]
        assert rows == sorted(set(rows))


def test_fan_out_and_fan_in_are_one_lane_each_and_chains_are_straight() -> None:
    result = layout(diamond())
    fan_out, fan_in, _ = result.gutters
    (lane,) = fan_out.lanes  # checkout to its three jobs and the pass-through above them
    assert lane.sources == (result.nodes["checkout"].row,) and len(lane.targets) == 4
    deploy_row = result.nodes["deploy"].row
    (lane,) = [lane for lane in fan_in.lanes if lane.targets == (deploy_row,)]
    assert lane.sources == tuple(result.nodes[j].row for j in ("lint", "test", "build"))
    # The fan-out is centred on its jobs, so the middle one lines up with its source.
    assert result.nodes["test"].row == result.nodes["checkout"].row

    chain = layout([job("a"), job("b", "a"), job("c", "b")])
    assert all(lane.straight for gutter in chain.gutters for lane in gutter.lanes)
    assert {pos.row for pos in chain.nodes.values()} == {0}


def test_a_long_edge_passes_through_the_columns_it_skips() -> None:
    result = layout(diamond())
    # checkout -> notify skips columns 1 and 2: one pass-through row in each, not on a job.
    for column in (1, 2):
        (row,) = result.passes[column]
        assert result.job_at(column, row) is None
    assert result.passes[0] == frozenset() and result.passes[3] == frozenset()


def test_dependencies_on_missing_jobs_are_ignored() -> None:
    result = layout([job("a", "ghost"), job("b", "a", "other-workflow-job")])
    assert result.nodes["a"].column == 0
    assert result.nodes["b"].column == 1
    assert [(e.src_id, e.dst_id) for e in result.edges] == [("a", "b")]


@pytest.mark.parametrize(
    "jobs",
    [
        [job("a", "a")],
        [job("a", "b"), job("b", "a")],
        [job("a", "c"), job("b", "a"), job("c", "b"), job("d", "c")],
        [job("root"), job("x", "root", "z"), job("y", "x"), job("z", "y")],
    ],
)
def test_cycles_are_broken_without_hanging(jobs: list[Job]) -> None:
    result = layout(jobs)
    assert set(result.nodes) == {j.id for j in jobs}
    assert layout(jobs) == result
    for edge in result.edges:  # what is drawn goes left to right
        assert result.nodes[edge.src_id].column < result.nodes[edge.dst_id].column


def test_layout_is_deterministic_and_duplicated_ids_keep_the_first() -> None:
    jobs = [*diamond(), job("lint", "deploy")]
    assert layout(jobs) == layout(list(jobs))
    assert layout(jobs).nodes["lint"].column == 1
    assert layout(jobs).ordered_ids().count("lint") == 1


def test_empty_list() -> None:
    result = layout([])
    assert result.columns == [] and result.nodes == {} and result.first() is None
    assert result.neighbour("nope", "left") is None


def test_barycenter_removes_a_crossing_the_list_order_has() -> None:
    # Listed order puts c above d, but c hangs off b and d off a: drawn naively they cross.
    jobs = [job("a"), job("b"), job("c", "b"), job("d", "a")]
    result = layout(jobs)
    assert result.columns[0] == ["a", "b"]
    assert result.columns[1] == ["d", "c"]
    assert crossings(result) == 0


def test_barycenter_on_two_interleaved_fans() -> None:
    jobs = [
        job("a"),
        job("b"),
        job("a1", "a"),
        job("b1", "b"),
        job("a2", "a"),
        job("b2", "b"),
    ]
    result = layout(jobs)
    assert crossings(result) == 0
    assert result.columns[1] == ["a1", "a2", "b1", "b2"]


def test_neighbour_moves_along_edges() -> None:
    result = layout(diamond())
    lint, test, build = result.columns[1]
    assert result.neighbour("checkout", "right") == test  # the dependent on the closest row
    assert result.neighbour(lint, "left") == "checkout"
    assert result.neighbour(lint, "right") == "deploy"
    assert result.neighbour("deploy", "left") == test
    assert result.neighbour("deploy", "right") == "notify"
    assert result.neighbour("notify", "left") == "deploy"  # closest row beats a long edge
    assert result.neighbour(lint, "down") == test
    assert result.neighbour(build, "up") == test
    # The ends stay put.
    assert result.neighbour("checkout", "left") is None
    assert result.neighbour("notify", "right") is None
    assert result.neighbour(lint, "up") is None
    assert result.neighbour(build, "down") is None
    assert result.neighbour("unknown", "up") is None


def test_right_from_a_leaf_goes_to_the_next_column() -> None:
    result = layout([job("a"), job("leaf"), job("b", "a")])
    assert result.neighbour("leaf", "right") == "b"


def test_first_last_and_nearest() -> None:
    result = layout(diamond())
    assert result.first() == "checkout"
    assert result.last() == "notify"
    assert result.ordered_ids()[0] == "checkout" and len(result.ordered_ids()) == 6
    pos = result.nodes[result.columns[1][2]]
    assert result.nearest(pos) == result.columns[1][2]
    assert result.nearest(type(pos)(column=9, row=0)) == "notify"


def realistic_500() -> list[Job]:
    """A big monorepo workflow: one build, eight stages of ~62 jobs, a final fan-in."""
    rng = random.Random(7)
    jobs = [job("build")]
    previous = ["build"]
    for stage in range(8):
        current = []
        for k in range(62):
            deps = [rng.choice(previous)]
            if rng.random() < 0.3:
                deps.append(rng.choice(previous))
            if stage > 1 and rng.random() < 0.05:
                deps.append("build")
            jobs.append(job(f"s{stage}-{k}", *deps))
            current.append(f"s{stage}-{k}")
        previous = current
    jobs.append(job("deploy", *previous))
    return jobs


def test_500_jobs_lay_out_in_stages() -> None:
    # How long this takes is a benchmark figure (python -m benchmarks), not a test.
    jobs = realistic_500()
    assert len(jobs) == 498
    result = layout(jobs)
    assert len(result.nodes) == len(jobs)
    columns = {job_id: pos.column for job_id, pos in result.nodes.items()}
    assert columns["build"] == 0 and columns["deploy"] == len(result.columns) - 1
    for j in jobs:
        assert all(columns[dep] < columns[j.id] for dep in j.dependencies), j.id
    assert len({(n.column, n.row) for n in result.nodes.values()}) == len(jobs)  # no overlap


def test_wide_and_deep_graphs_complete() -> None:
    fan = [job("root"), *(job(f"t{i}", "root") for i in range(498)), job("end")]
    chain = [job("c0"), *(job(f"c{i}", f"c{i - 1}") for i in range(1, 500))]
    assert len(layout(fan).columns[1]) == 498
    assert len(layout(chain).columns) == 500


# -- statuses ----------------------------------------------------------------------------------


def spec_status_values() -> set[str]:
    """Every status/state enum value in the vendored OpenAPI document."""
    found: set[str] = set()

    def walk(node: object, key: str = "") -> None:
        if isinstance(node, dict):
            if key in ("status", "state") and isinstance(node.get("enum"), list):
                found.update(node["enum"])
            for child_key, child in node.items():
                walk(child, child_key)
        elif isinstance(node, list):
            for child in node:
                walk(child, key)

    walk(json.loads(SPEC.read_text()))
    # The usage-export job's state is not a pipeline, workflow or job status.
    return found - {"processing", "completed"}


def test_every_spec_status_has_an_entry() -> None:
    values = spec_status_values()
    assert {"success", "on_hold", "terminated-unknown", "failing", "setup-pending"} <= values
    for value in values:
        info = status.status_info(value)
        assert info is not status.UNKNOWN, value
        assert info.category in status.CATEGORIES
        assert not (info.active and info.finished)


@pytest.mark.parametrize(
    ("value", "glyph", "category"),
    [
        ("success", "✓", "success"),
        ("failed", "✗", "failed"),
        ("running", "●", "running"),
        ("queued", "◷", "queued"),
        ("on_hold", "‖", "on_hold"),
        ("blocked", "○", "blocked"),
        ("canceled", "⊘", "canceled"),
        ("not_run", "\N{EN DASH}", "not_run"),
        ("brand-new-status", "?", "unknown"),
        ("", "?", "unknown"),
        (None, "?", "unknown"),
    ],
)
def test_glyph_and_category(value: str | None, glyph: str, category: str) -> None:
    assert status.glyph(value) == glyph
    assert status.category(value) == category


def test_glyphs_are_single_cell() -> None:
    for info in [*status.STATUSES.values(), status.UNKNOWN]:
        assert cell_len(info.glyph) == 1, info


def test_active_and_finished() -> None:
    for value in ("running", "queued", "on_hold", "failing", "blocked", "not_running", "setup"):
        assert status.is_active(value) and not status.is_finished(value)
    for value in ("success", "failed", "canceled", "not_run", "timedout", "error", "retried"):
        assert status.is_finished(value) and not status.is_active(value)
    for value in ("created", "surprise", None):
        assert not status.is_active(value) and not status.is_finished(value)


def test_labels() -> None:
    assert status.label("on_hold") == "on hold"
    assert status.label("infrastructure_fail") == "infrastructure fail"
    assert status.label("surprise") == "surprise"
    assert status.label(None) == "unknown"


# -- time formats ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "\N{EN DASH}"),
        (-3, "0s"),
        (0, "0s"),
        (42.9, "42s"),
        (59, "59s"),
        (60, "1m 00s"),
        (185, "3m 05s"),
        (3599, "59m 59s"),
        (3600, "1h 00m"),
        (3720, "1h 02m"),
        (90000, "25h 00m"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "just now"),
        (0.4, "just now"),
        (12, "12s ago"),
        (300, "5m ago"),
        (3599, "59m ago"),
        (3 * 3600 + 59, "3h ago"),
        (2 * 86400 + 5, "2d ago"),
        (None, "\N{EN DASH}"),
    ],
)
def test_format_age(seconds: float | None, text: str) -> None:
    assert format_age(seconds) == text


def test_elapsed() -> None:
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    start = now - timedelta(minutes=3)
    assert elapsed(None, None, now) is None
    assert elapsed(start, None, now) == 180
    assert elapsed(start, start + timedelta(seconds=42), now) == 42
    assert elapsed(now + timedelta(seconds=5), None, now) == 0
