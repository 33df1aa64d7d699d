"""Health (H), Flaky tests (F) and Config (C), driven with the keyboard against the simulator:
what a user sees when they open them, cycle the window, sort, toggle and search."""

from __future__ import annotations

from circletui.monitor.insights import window_label
from circletui.ui.screens.config import ConfigScreen, job_line
from circletui.ui.screens.flaky import FlakyScreen
from circletui.ui.screens.health import HealthScreen
from circletui.ui.screens.pipelines import PipelinesScreen
from circletui.ui.widgets.table import Table

from .harness import INSIGHTS_PROJECT as API
from .harness import (
    make_app,
    make_simulator,
    open_workflow,
    select_api_on_main,
    settle,
    visible_text,
)


def insight_requests(sim, kind: str = r"/insights/") -> list[str]:
    return [f"{r.path}?" + "&".join(f"{k}={v}" for k, v in sorted(r.query.items()))
            for r in sim.requests if kind in r.path]


def cells(app, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(table_id, Table)
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)]
            for i in range(table.row_count)]


async def test_H_opens_the_projects_health_and_w_changes_the_window() -> None:
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_api_on_main(pilot)
        await pilot.press("H")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HealthScreen)
        assert (screen.project_slug, screen.branch, screen.window) == (API, "main",
                                                                       "last-7-days")
        week = cells(app, "#health-table")
        assert [row[0] for row in week] == ["build-and-test", "nightly"]
        assert "%" in week[0][1]  # the success rate
        text = visible_text(app)
        assert "last 7 days" in text and "Recent runs of build-and-test" in text
        week_runs = len(screen.query_one("#health-sparkline").data)
        assert week_runs >= 5

        # Cycle round to the last 24 hours: fewer runs, so other figures.
        for window in ("last-30-days", "last-60-days", "last-90-days", "last-24-hours"):
            await pilot.press("w")
            await settle(pilot)
            assert screen.window == window
            assert window_label(window) in visible_text(app)
        day = cells(app, "#health-table")
        assert day != week
        assert any("reporting-window=last-24-hours" in r for r in insight_requests(sim))
        assert len(screen.query_one("#health-sparkline").data) < week_runs


async def test_a_second_look_within_the_hour_sends_no_request() -> None:
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_api_on_main(pilot)
        await pilot.press("H")
        await settle(pilot)
        first = insight_requests(sim)
        assert first
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PipelinesScreen)
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HealthScreen)
        assert insight_requests(sim) == first
        assert cells(app, "#health-table")[0][0] == "build-and-test"

        await pilot.press("ctrl+r")  # asked for: fetched again
        await settle(pilot)
        assert len(insight_requests(sim)) > len(first)


async def test_flaky_tests_sort_with_s_and_open_from_health_too() -> None:
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_api_on_main(pilot)
        await pilot.press("F")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FlakyScreen)
        assert screen.project_slug == API
        rows = cells(app, "#flaky-table")
        assert rows and "flaky test" in visible_text(app)
        flaked = [int(r[0]) for r in rows]
        assert flaked == sorted(flaked, reverse=True)

        await pilot.press("s")  # time wasted, biggest first
        await settle(pilot)
        assert "sorted by time wasted" in visible_text(app)
        wasted = [t.time_wasted for t in screen.shown]
        assert wasted == sorted(wasted, reverse=True)
        await pilot.press("s")  # job
        await settle(pilot)
        jobs = [r[2] for r in cells(app, "#flaky-table")]
        assert jobs == sorted(jobs)

        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, FlakyScreen)
        # Kept from the first look: one request for the project's flaky tests in all.
        assert len(insight_requests(sim, "flaky-tests")) == 1


async def test_flaky_tests_in_the_documented_kebab_case_read_the_same() -> None:
    app = make_app(make_simulator(quirks="kebab_case_flaky_tests"))
    async with app.run_test(size=(80, 24)) as pilot:
        await select_api_on_main(pilot)
        await pilot.press("F")
        await settle(pilot)
        rows = cells(app, "#flaky-table")
        assert rows and all(r[2] and r[4] for r in rows)  # job and test name read
        names = await app.insights.flaky_test_names(API)
        assert {t.test_name for t in app.screen.shown} == {name for _, name in names}


async def test_config_toggles_searches_and_opens_at_a_job() -> None:
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_api_on_main(pilot)
        pipeline = app.screen.selected_pipeline()
        await pilot.press("C")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConfigScreen)
        compiled = sim.world.pipeline(pipeline.id).config_compiled
        assert screen.text == compiled
        assert "Compiled config" in visible_text(app)

        await pilot.press("s")
        await settle(pilot)
        assert screen.text == sim.world.pipeline(pipeline.id).config_source
        assert "Source config" in visible_text(app)
        await pilot.press("s")
        await settle(pilot)

        await pilot.press("slash", *"image")
        await settle(pilot)
        found = compiled.lower().count("image")
        assert len(screen.matches) == found > 2
        assert f"1/{found} for image" in visible_text(app)
        await pilot.press("enter", "n", "n")
        await settle(pilot)
        assert f"3/{found} for image" in visible_text(app)
        await pilot.press("N")
        await settle(pilot)
        assert screen.current == 1
        scroll = screen.query_one("#config-scroll")
        assert scroll.scroll_y > 0  # the matches further down are scrolled into view
        await pilot.press("escape")  # back to the list
        await settle(pilot)
        assert isinstance(app.screen, PipelinesScreen)


async def test_C_on_the_graph_opens_the_config_at_the_selected_job() -> None:
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_workflow(pilot, status="failed", name="build-and-test")
        graph_screen = app.screen
        job = graph_screen.selected_job()
        assert job is not None and not job.is_approval
        await pilot.press("C")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConfigScreen)
        line = job_line(screen.text, job.name)
        assert line is not None and screen.top_line == line
        assert screen.text.splitlines()[line - 1].strip() == f"{job.name}:"


async def test_the_workflow_header_has_a_line_of_insights() -> None:
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await select_api_on_main(pilot)
        await pilot.press("enter")
        await settle(pilot)
        text = visible_text(app)
        assert "Insights · main, last 7 days:" in text
        assert "% success" in text and "median" in text
        # Fetched once: the metrics for the window and this workflow's summary.
        assert len(insight_requests(sim)) == 2
