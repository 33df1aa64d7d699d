"""The job screen's steps, output, tests and artifacts, driven with keys against the simulator.

"Why did it fail" must be answered without a key press: a failed job opens on its first failed
step, on the parallel run that failed, with the log at its end where the error is.
"""

from __future__ import annotations

import io
import stat
import threading

from rich.console import Console
from textual.widgets import DataTable, TabbedContent

from circletui.logtext import LogBuffer, parse_output
from circletui.simulator import jobdata
from circletui.ui.screens.case_result import CaseResultScreen
from circletui.ui.screens.job import JobScreen
from circletui.ui.screens.workflow import WorkflowScreen
from circletui.ui.widgets.job_graph import JobGraph
from circletui.ui.widgets.log_view import LogView
from circletui.ui.widgets.steps_pane import StepsPane

from .harness import make_app, make_simulator, open_job, select_workflow, settle, sim_job


def visible_rows(log: LogView) -> list[str]:
    return ["".join(s.text for s in log.render_line(y))
            for y in range(log.scrollable_content_region.height)]


def rendered(static) -> str:
    """The plain text a Static shows (a Text, or a Rich table of them)."""
    console = Console(file=io.StringIO(), width=200, record=True)
    console.print(static.content)
    return console.export_text()


def steps(screen: JobScreen) -> StepsPane:
    return screen.query_one(StepsPane)


def step_names(screen: JobScreen) -> list[str]:
    return [step.name for step in steps(screen).build.steps]


async def test_a_failed_job_opens_on_its_failing_step_at_the_error():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # The newest failed parallel job whose workflow is on the first page.
        shown = {ln.workflow.id for ln in app.screen.lines if ln.workflow}
        job = next(j for wf in sim.world.workflows if wf.id in shown for j in wf.jobs
                   if j.status == "failed" and j.parallelism > 1)
        await select_workflow(pilot, job.workflow.id)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WorkflowScreen)
        app.screen.query_one(JobGraph).selected_id = job.id
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, JobScreen)
        assert screen.query_one(TabbedContent).active == "steps-pane"
        # The failing step on the run that failed, selected with no key pressed.
        failing = steps(screen).build.first_failure()
        assert failing is not None
        step, action = failing
        assert steps(screen).run_index == job.failing_index == action.index
        assert steps(screen).selected_step() == step and step.name == job.spec.command
        assert screen.query_one("#steps", DataTable).cursor_row == steps(screen).step_position
        log = screen.query_one(LogView)
        assert log.has_focus
        assert log.scroll_y == log.max_scroll_y and log.follow
        rows = visible_rows(log)
        assert any("Exited with code 1" in row for row in rows)
        assert any("1 failed" in row for row in rows), "the test summary is on screen too"
        # Colours kept (the summary's red), escape sequences gone.
        assert not any("\x1b" in row or "[31m" in row for row in rows)
        summary = next(y for y, row in enumerate(rows) if "1 failed" in row)
        colours = {seg.style.color.name for seg in log.render_line(summary)
                   if seg.style and seg.style.color and "failed" in seg.text}
        assert colours == {"color(1)"}, "ANSI red (SGR 31)"
        # v1.1 was read once for the build and once for the failing step's output.
        assert len(sim.requests_matching("GET", rf"^/api/v1.1/project/gh/acme/web/{job.number}$")
                   ) == 1
        outputs = sim.requests_matching("GET", rf"^/output/{job.id}/")
        assert [r.path for r in outputs] == [f"/output/{job.id}/104/{job.failing_index}"]


async def test_parallel_runs_switch_with_brackets():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        job = sim_job(sim, status="failed", name="unit-tests", parallel=True)
        screen = await open_job(pilot, job)
        failing_index = job.failing_index
        assert steps(screen).run_index == failing_index
        await pilot.press("right_square_bracket")
        await settle(pilot)
        other = (failing_index + 1) % job.parallelism
        assert steps(screen).run_index == other
        assert steps(screen).output.index == other
        assert steps(screen).selected_action().status == "success"
        # The run that failed is pointed at from the others.
        table = screen.query_one("#steps", DataTable)
        command_row = step_names(screen).index(job.spec.command)
        cell = table.get_cell_at((command_row, 2))
        assert f"failed on run {failing_index}" in cell.plain
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert steps(screen).run_index == failing_index
        assert steps(screen).selected_action().status == "failed"


async def test_picking_another_step_opens_its_output_and_stops_following_the_job():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        job = sim_job(sim, status="failed", name="lint")
        screen = await open_job(pilot, job)
        checkout = step_names(screen).index("Checkout code")
        screen.query_one("#steps", DataTable).focus()
        for _ in range(steps(screen).step_position - checkout):
            await pilot.press("up")
        await settle(pilot)
        assert steps(screen).selected_step().name == "Checkout code"
        assert steps(screen).output.step == 101
        assert any("HEAD is now at" in row for row in visible_rows(screen.query_one(LogView)))
        await pilot.press("enter")
        assert screen.query_one(LogView).has_focus


async def test_search_moves_between_matches():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        job = sim_job(sim, status="failed", name="unit-tests", parallel=True)
        screen = await open_job(pilot, job)
        log = screen.query_one(LogView)
        await pilot.press("slash", *"ms)")
        await settle(pilot)
        expected = [i for i in range(log.line_count) if "ms)" in log.buffer.plain(i)]
        assert len(expected) > 3
        assert log.current_match is not None
        await pilot.press("enter")
        await settle(pilot)
        assert log.has_focus and isinstance(app.screen, JobScreen)
        first = log.current_match[0]
        assert first in expected
        await pilot.press("n")
        second = log.current_match[0]
        assert second == expected[(expected.index(first) + 1) % len(expected)]
        await pilot.press("N", "N")
        assert log.current_match[0] == expected[(expected.index(first) - 1) % len(expected)]
        title = rendered(screen.query_one("#log-title"))
        assert f"/ms): {len(expected)} matches" in title
        # Escape in the search bar closes the search, not the screen.
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        assert log.search_query == "" and log.has_focus


async def test_wrap_top_bottom_and_follow_keys():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_job(pilot, sim_job(sim, status="failed", name="unit-tests"))
        log = screen.query_one(LogView)
        await pilot.press("W")
        assert log.wrap
        await pilot.press("g")
        assert log.scroll_y == 0 and not log.follow
        await pilot.press("G")
        await settle(pilot)
        assert log.scroll_y == log.max_scroll_y and log.follow
        await pilot.press("W")
        assert not log.wrap


async def test_save_writes_the_plain_output_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        job = sim_job(sim, status="failed", name="unit-tests", parallel=True)
        await open_job(pilot, job)
        await pilot.press("s")
        await settle(pilot)
        (folder,) = tmp_path.iterdir()
        (saved,) = folder.iterdir()
        # Only the owner can read what a build printed.
        assert folder.name == "circletui" and stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert saved.name == (f"web-unit-tests-{job.number}-npm-run-test-split-"
                              f"node{job.failing_index}.log")
        text = saved.read_text(encoding="utf-8")
        assert "\x1b" not in text and "\r" not in text
        assert text.endswith("Exited with code 1\n")
        assert app.notes[-1] == f"Saved {saved}"


async def test_follow_mode_shows_new_output_and_sticks_to_the_bottom(monkeypatch):
    parses = []

    def counting_parse(chunks, *, finish=True):
        parses.append(len(chunks))
        return parse_output(chunks, finish=finish)

    monkeypatch.setattr("circletui.ui.widgets.steps_pane.parse_output", counting_parse)
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        job = sim_job(sim, status="running", name="integration-tests", slug="gh/acme/web")
        screen = await open_job(pilot, job)
        log = screen.query_one(LogView)
        action = steps(screen).selected_action()
        assert action.is_running and steps(screen).selected_step().name == job.spec.command
        assert log.follow and log.scroll_y == log.max_scroll_y
        before = log.line_count
        sim.clock.advance(10)
        app.monitor.refresh()
        await settle(pilot)
        grown = log.line_count
        assert grown > before
        assert log.scroll_y == log.max_scroll_y
        last = log.buffer.plain(grown - 1)
        assert visible_rows(log)[-2].endswith(last[:40]) or any(
            last[:40] in row for row in visible_rows(log)[-3:])
        assert "following" in rendered(screen.query_one("#log-title"))
        # Scrolled up, the view stays where the user is reading while the log grows.
        log.focus()
        await pilot.press("pageup")
        await settle(pilot)
        assert not log.follow
        top = log.scroll_y
        sim.clock.advance(10)
        app.monitor.refresh()
        await settle(pilot)
        assert log.line_count > grown
        assert log.scroll_y == top and not log.follow
        assert steps(screen).selected_step().name == job.spec.command
        # Parsed whole once, on opening; what came later was appended (in slices: it was big).
        assert len(parses) == 1
        assert screen.query_one(LogView).buffer is log.buffer


async def test_big_output_is_parsed_off_the_event_loop(monkeypatch):
    threads: list[bool] = []

    def recording_parse(chunks, *, finish=True):
        threads.append(threading.current_thread() is threading.main_thread())
        return parse_output(chunks, finish=finish)

    monkeypatch.setattr("circletui.ui.widgets.steps_pane.parse_output", recording_parse)
    drawn: list[tuple[LogBuffer, int]] = []
    line_text = LogBuffer.line_text

    def recording_line_text(buffer, index, **kwargs):
        drawn.append((buffer, index))
        return line_text(buffer, index, **kwargs)

    monkeypatch.setattr(LogBuffer, "line_text", recording_line_text)
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        job = sim_job(sim, status="success", name="integration-tests", slug="gh/acme/web")
        screen = await open_job(pilot, job)
        log = screen.query_one(LogView)
        assert threads == [False], "parsed once, in a thread"
        assert steps(screen).selected_step().name == job.spec.command, "the longest step"
        assert log.line_count > 24_000
        assert log.scroll_y == log.max_scroll_y
        assert any("passed" in row for row in visible_rows(log))
        # Only what was drawn became Text objects.
        lines = {index for buffer, index in drawn if buffer is log.buffer}
        assert 0 < len(lines) <= log.scrollable_content_region.height + 2


async def test_a_100k_line_step_opens(monkeypatch):
    from circletui.simulator import v1

    monkeypatch.setattr(v1, "VERBOSE_LINES", 100_000)
    v1._verbose_log.cache_clear()
    try:
        sim = make_simulator()
        app = make_app(sim)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            job = sim_job(sim, status="failed", name="integration-tests", slug="gh/acme/api")
            screen = await open_job(pilot, job)
            log = screen.query_one(LogView)
            assert log.line_count > 100_000
            assert any("Exited with code 1" in row for row in visible_rows(log))
            await pilot.press("slash", *"took")
            await pilot.press("enter")
            await settle(pilot)
            assert log.current_match is not None
    finally:
        v1._verbose_log.cache_clear()


async def test_tests_tab_lists_failures_first_and_shows_a_whole_message():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        job = sim_job(sim, status="failed", name="unit-tests", parallel=True)
        screen = await open_job(pilot, job)
        results = jobdata.job_test_results(job)
        failures = [r for r in results if r.result == "failure"]
        tabs = screen.query_one(TabbedContent)
        assert tabs.get_tab("tests-pane").label.plain == (
            f"Tests {len(failures)} failed / {len(results)}")
        await pilot.press("2")
        await settle(pilot)
        assert tabs.active == "tests-pane"
        table = screen.query_one("#tests", DataTable)
        assert table.has_focus and table.row_count == len(results)
        assert [t.name for t in screen.query_one("#tests-pane").ordered[: len(failures)]] == [
            r.case.name for r in failures]
        first = table.get_row_at(0)
        assert first[2].plain == failures[0].case.name
        assert first[4].plain == failures[0].case.file
        await pilot.press("enter")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, CaseResultScreen)
        message = modal.query_one(LogView).buffer.plain_text()
        assert message == failures[0].message + "\n"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_artifacts_tab_copies_and_opens_the_artifact_url():
    sim = make_simulator()
    app = make_app(sim)
    opened: list[str] = []
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        job = sim_job(sim, status="failed", name="unit-tests", parallel=True)
        screen = await open_job(pilot, job)
        artifacts = jobdata.artifacts(job)
        tabs = screen.query_one(TabbedContent)
        assert tabs.get_tab("artifacts-pane").label.plain == f"Artifacts {len(artifacts)}"
        await pilot.press("3")
        await settle(pilot)
        table = screen.query_one("#artifacts", DataTable)
        assert table.row_count == len(artifacts) > 1
        assert table.get_row_at(0)[1].plain == artifacts[0].path
        await pilot.press("down", "y", "o")
        await settle(pilot)
        assert app.clipboard == artifacts[1].url
        assert opened == [artifacts[1].url]
        # Elsewhere, y and o are about the job again.
        await pilot.press("1", "y")
        assert app.clipboard == screen.job_url()


async def test_a_v1_outage_leaves_details_tests_and_artifacts_working():
    sim = make_simulator()
    sim.faults.server_error(path=r"^/api/v1\.1/")
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        job = sim_job(sim, status="failed", name="unit-tests", parallel=True)
        screen = await open_job(pilot, job)
        assert steps(screen).build is None
        note = rendered(screen.query_one("#steps-note"))
        assert note.startswith("Steps unavailable") and "Retrying" in note
        assert screen.details is not None and screen.details.number == job.number
        assert len(screen.query_one("#tests-pane").items) == len(jobdata.job_test_results(job))
        assert len(screen.query_one("#artifacts-pane").items) == len(jobdata.artifacts(job))
        await pilot.press("2")
        await settle(pilot)
        tests = screen.query_one("#tests-pane").items
        assert screen.query_one("#tests", DataTable).row_count == len(tests)
        # Once v1.1 is back, the steps come (the poller retries on its own; refresh is faster).
        sim.faults.clear()
        app.monitor.refresh()
        await settle(pilot)
        assert steps(screen).build is not None
        assert steps(screen).selected_action().status == "failed"


async def test_a_circleci_slug_never_asks_v1_and_keeps_the_rest():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        job = sim_job(sim, status="failed", name="integration-tests", slug="circleci/")
        screen = await open_job(pilot, job)
        assert sim.requests_matching(None, r"^/api/v1\.1/") == []
        assert sim.requests_matching(None, r"^/output/") == []
        note = rendered(screen.query_one("#steps-note"))
        assert "v1.1" in note and job.project.slug in note
        assert not screen.query_one(LogView).display
        assert screen.details is not None
        assert len(screen.query_one("#tests-pane").items) == len(jobdata.job_test_results(job)) > 0
        assert len(screen.query_one("#artifacts-pane").items) == len(jobdata.artifacts(job)) > 0
        await pilot.press("4")
        await settle(pilot)
        assert "Executor" in rendered(screen.query_one("#job-details"))
