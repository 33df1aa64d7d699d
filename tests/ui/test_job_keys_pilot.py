"""The job screen's keys beyond reading the log, in the order a user reaches for them: w
watches the job, flaky tests are marked FLAKY in the Tests tab, C opens the pipeline's config
at this job's section, W wraps the log (w is taken by watch), and a build job has no Approve
key."""

from __future__ import annotations

from circletui.ui.formatting import WATCH_MARK
from circletui.ui.widgets.key_bar import KeyBar

from .harness import make_app, make_simulator, open_job, settle, sim_job, visible_text


async def test_w_watches_the_job_and_marks_it():
    sim = make_simulator()
    app = make_app(sim)
    job = sim_job(sim, status="running", name="integration-tests", slug="gh/acme/web")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_job(pilot, job)
        await pilot.press("w")
        await settle(pilot)
        assert app.watches.is_watched(screen.job.id)
        assert f"{WATCH_MARK} {job.spec.name}" in visible_text(app)
        await pilot.press("W")  # the log's wrap, not a second watch
        await settle(pilot)
        assert app.watches.is_watched(screen.job.id)


async def test_a_build_job_has_no_approve_key_at_all():
    """Only an approval job is approved: on a build job's screen the key is left out rather
    than greyed, so the keys that apply move up."""
    sim = make_simulator()
    app = make_app(sim)
    job = sim_job(sim, status="failed", name="unit-tests")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_job(pilot, job)
        shown = [key.description for key in screen.query_one(KeyBar).keys]
        assert "Approve" not in shown
        assert shown[:3] == ["Back", "Rerun failed", "Cancel job"]
        await pilot.press("a")
        await settle(pilot)
        assert sim.requests_matching("POST", r"") == []


async def test_flaky_tests_are_marked_in_the_tests_tab():
    sim = make_simulator()
    app = make_app(sim)
    job = sim_job(sim, status="failed", name="unit-tests", parallel=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_job(pilot, job)
        flaky = await app.insights.flaky_test_names(screen.pipeline.project_slug)
        await pilot.press("2")
        await settle(pilot)
        from circletui.ui.widgets import tests_pane

        pane = screen.query_one(tests_pane.TestsPane)
        shown = {t.name for t in pane.items or ()}
        marked = {name for _, name in flaky} & shown
        assert marked, "the simulated project has flaky tests among this job's"
        assert pane.flaky >= marked
        assert "FLAKY" in visible_text(app)


async def test_C_opens_the_config_at_the_jobs_section():
    sim = make_simulator()
    app = make_app(sim)
    job = sim_job(sim, status="failed", name="unit-tests")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_job(pilot, job)
        await pilot.press("C")
        await settle(pilot)
        assert type(app.screen).__name__ == "ConfigScreen"
        assert f"{job.spec.name}:" in visible_text(app)
