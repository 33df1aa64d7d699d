"""JobGraph: keyboard and mouse navigation along the DAG, its messages, and what it draws."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from textual.app import App, ComposeResult

from circletui.api.models import Job
from circletui.ui.widgets.job_graph import BOX_WIDTH, JobGraph

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def job(
    job_id: str,
    *deps: str,
    type: str = "build",
    status: str = "success",
    ran: tuple[int, int | None] | None = None,
    name: str | None = None,
) -> Job:
    """``ran`` is (seconds ago it started, seconds ago it stopped or None while running)."""
    started = stopped = None
    if ran is not None:
        started = NOW - timedelta(seconds=ran[0])
        stopped = NOW - timedelta(seconds=ran[1]) if ran[1] is not None else None
    return Job(
        id=job_id,
        name=name or job_id,
        type=type,
        status=status,
        dependencies=deps,
        started_at=started,
        stopped_at=stopped,
    )


def workflow() -> list[Job]:
    return [
        job("checkout", ran=(900, 870)),
        job("lint", "checkout", ran=(860, 800)),
        job("unit-tests", "checkout", status="failed", ran=(860, 600)),
        job("integration", "checkout", status="running", ran=(860, None)),
        job("build-image", "checkout", ran=(860, 700)),
        job("hold", "lint", "unit-tests", "integration", type="approval", status="on_hold"),
        job("deploy", "hold", "build-image", status="blocked"),
        job("notify", "deploy", "checkout", status="blocked"),
    ]


class GraphApp(App[None]):
    def __init__(self, jobs: Sequence[Job]) -> None:
        super().__init__()
        self.jobs = jobs
        self.selected: list[Job] = []
        self.highlighted: list[Job] = []

    def compose(self) -> ComposeResult:
        yield JobGraph(self.jobs, now=NOW)

    def on_job_graph_job_selected(self, message: JobGraph.JobSelected) -> None:
        self.selected.append(message.job)

    def on_job_graph_job_highlighted(self, message: JobGraph.JobHighlighted) -> None:
        self.highlighted.append(message.job)


def screen_text(graph: JobGraph) -> list[str]:
    """The widget's visible lines as plain text."""
    return [graph.render_line(y).text for y in range(graph.size.height)]


def line_of(lines: list[str], needle: str) -> str:
    return next(line for line in lines if needle in line)


async def test_arrows_follow_the_edges() -> None:
    app = GraphApp(workflow())
    async with app.run_test(size=(140, 30)) as pilot:
        graph = app.query_one(JobGraph)
        await pilot.pause()
        assert graph.has_focus
        assert graph.selected_id == "checkout"
        layout = graph.graph_layout

        await pilot.press("right")
        first_step = graph.selected_id
        assert first_step in layout.dependents("checkout")
        await pilot.press("left")
        assert graph.selected_id == "checkout"

        await pilot.press("l", "j")
        below = layout.columns[1][layout.columns[1].index(first_step) + 1]
        assert graph.selected_id == below
        await pilot.press("k")
        assert graph.selected_id == first_step

        graph.selected_id = "build-image"
        await pilot.press("right")
        assert graph.selected_id == "deploy"
        await pilot.press("right")
        assert graph.selected_id == "notify"
        await pilot.press("right")  # nothing further right: stays
        assert graph.selected_id == "notify"
        await pilot.press("h")
        assert graph.selected_id == "deploy"

        await pilot.press("g")
        assert graph.selected_id == "checkout"
        await pilot.press("G")
        assert graph.selected_id == "notify"
        await pilot.pause()
        assert app.highlighted[-1].id == "notify"


async def test_enter_posts_job_selected_for_the_selected_job() -> None:
    app = GraphApp(workflow())
    async with app.run_test(size=(140, 30)) as pilot:
        graph = app.query_one(JobGraph)
        graph.selected_id = "hold"
        await pilot.press("enter")
        await pilot.pause()
        assert [j.id for j in app.selected] == ["hold"]
        assert app.selected[0].is_approval


async def test_click_selects_and_a_second_click_opens() -> None:
    app = GraphApp(workflow())
    async with app.run_test(size=(140, 30)) as pilot:
        graph = app.query_one(JobGraph)
        await pilot.pause()
        region = graph.node_region("deploy")
        assert region is not None
        offset = (region.x + 3 - graph.scroll_offset.x, region.y + 1 - graph.scroll_offset.y)
        await pilot.click(JobGraph, offset=offset)
        await pilot.pause()
        assert graph.selected_id == "deploy"
        assert app.selected == []
        await pilot.click(JobGraph, offset=offset)
        await pilot.pause()
        assert [j.id for j in app.selected] == ["deploy"]


async def test_set_jobs_keeps_the_selection_on_the_same_job() -> None:
    app = GraphApp(workflow())
    async with app.run_test(size=(140, 30)) as pilot:
        graph = app.query_one(JobGraph)
        graph.selected_id = "integration"
        await pilot.pause()

        # New statuses, a new job and a different order: the same job stays selected.
        updated = [replace(j, status="success") for j in reversed(workflow())]
        updated.append(job("extra", "checkout"))
        graph.set_jobs(updated, now=NOW + timedelta(seconds=30))
        await pilot.pause()
        assert graph.selected_id == "integration"
        assert graph.selected_job is not None and graph.selected_job.status == "success"

        # The job vanishes: the selection moves to its nearest neighbour in the same column.
        graph.set_jobs([j for j in updated if j.id != "integration"], now=NOW)
        await pilot.pause()
        assert graph.selected_id in graph.graph_layout.columns[1]
        assert app.highlighted[-1].id == graph.selected_id


async def test_draws_boxes_connectors_and_approvals() -> None:
    app = GraphApp(workflow())
    async with app.run_test(size=(140, 30)) as pilot:
        graph = app.query_one(JobGraph)
        await pilot.pause()
        lines = screen_text(graph)
        text = "\n".join(lines)
        for name in ("checkout", "lint", "unit-tests", "integration", "hold", "deploy", "notify"):
            assert name in text
        # Fan-out, fan-in and arrowheads into dependents.
        for connector in ("├", "┼", "┬", "╮", "╯", "╰", "╭", "│", "─", "▶"):
            assert connector in text, connector
        assert "▶│ ✗ unit-tests" in text
        # Glyphs by status, and durations (the running one from the `now` passed in).
        assert "✓ checkout" in text and "● integration" in text and "○ deploy" in text
        assert "30s" in text and "4m 20s" in text and "14m 20s" in text
        # The approval job has a double border, a label and the on-hold glyph.
        assert "║ ‖ hold" in line_of(lines, "hold")
        assert "╔═ approval ═" in text
        assert "│ ✓ lint" in line_of(lines, "lint")


async def test_colours_come_from_component_classes() -> None:
    app = GraphApp(workflow())
    async with app.run_test(size=(140, 30)) as pilot:
        graph = app.query_one(JobGraph)
        await pilot.pause()

        def style_of(job_id: str, text: str):
            region = graph.node_region(job_id)
            assert region is not None
            strip = graph.render_line(region.y + 1 - graph.scroll_offset.y)
            return next(seg.style for seg in strip if text in seg.text)

        success = graph.get_component_rich_style("job-graph--success")
        failed = graph.get_component_rich_style("job-graph--failed")
        assert style_of("lint", "✓").color == success.color
        assert style_of("unit-tests", "✗").color == failed.color
        # The selected box (checkout) is highlighted; the name keeps its own colour.
        selected = graph.get_component_rich_style("job-graph--selected")
        assert style_of("checkout", "checkout").bgcolor == selected.bgcolor
        assert style_of("lint", "lint").bgcolor != selected.bgcolor


async def test_names_are_text_not_markup() -> None:
    jobs = [
        job("a", name="[bold]x[/bold]"),
        job("b", "a", name="evil\x1b[2Jname\x07"),
        job("c", "a", name="a-very-long-job-name-that-cannot-fit"),
    ]
    app = GraphApp(jobs)
    async with app.run_test(size=(100, 20)) as pilot:
        graph = app.query_one(JobGraph)
        await pilot.pause()
        text = "\n".join(screen_text(graph))
        assert "[bold]x[/bold]" in text
        assert "evilname" in text and "\x1b" not in text and "\x07" not in text
        assert "a-very-long-job…" in text  # truncated to the box


async def test_compact_at_80_columns() -> None:
    jobs = [job("a"), job("b", "a"), job("c", "a"), job("d", "b", "c")]
    app = GraphApp(jobs)
    async with app.run_test(size=(80, 24)) as pilot:
        graph = app.query_one(JobGraph)
        await pilot.pause()
        # Three columns fit without horizontal scrolling.
        assert graph.virtual_size.width <= graph.size.width
        assert "d" in "\n".join(screen_text(graph))

    app = GraphApp(jobs)
    async with app.run_test(size=(60, 24)) as pilot:
        graph = app.query_one(JobGraph)
        await pilot.pause()
        region = graph.node_region("a")
        assert region is not None and region.width < BOX_WIDTH
        assert graph.virtual_size.width <= graph.size.width


async def test_a_big_graph_scrolls_to_the_selection() -> None:
    jobs = [job("root")]
    jobs += [job(f"t{i:03}", "root") for i in range(150)]
    jobs += [job("end", *(f"t{i:03}" for i in range(150)))]
    app = GraphApp(jobs)
    async with app.run_test(size=(80, 24)) as pilot:
        graph = app.query_one(JobGraph)
        await pilot.pause()
        assert graph.virtual_size.height >= 150 * 4 - 1
        graph.selected_id = "t000"
        await pilot.pause()
        await pilot.press("G")
        await pilot.pause()
        await pilot.press("h")  # from the fan-in to the dependency on the closest row
        await pilot.pause()
        selected = graph.selected_id
        assert selected is not None and selected.startswith("t")
        region = graph.node_region(selected)
        assert region is not None
        top = graph.scroll_offset.y
        assert top <= region.y and region.bottom <= top + graph.size.height
        assert selected in "\n".join(screen_text(graph))
