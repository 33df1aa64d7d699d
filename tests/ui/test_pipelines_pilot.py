"""The pipelines screen and the workflow actions, driven with keys against the simulator.

Each action test asserts what the simulator received: exactly one request after a confirmed
action, none after an aborted one.
"""

from __future__ import annotations

import anyio

from circletui.api.models import Pipeline, Workflow
from circletui.monitor import PipelineRow
from circletui.ui.pipeline_lines import build_lines
from circletui.ui.screens.base import MUTATIONS
from circletui.ui.screens.confirm import ConfirmScreen
from circletui.ui.screens.pipelines import PipelinesScreen
from circletui.ui.screens.workflow import WorkflowScreen
from circletui.ui.widgets.live_table import LiveTable
from circletui.ui.widgets.location import LocationBar, StatusLine

from .harness import PostGate, confirm, make_app, make_simulator, rows, select_workflow, settle


def posts(sim, path_regex: str):
    return sim.requests_matching("POST", path_regex)


async def test_pipelines_newest_first_with_each_workflow():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PipelinesScreen)
        keys = rows(app)
        world_ids = [p.id for p in sim.world.pipelines if p.project.org.slug == "gh/acme"]
        shown_pipelines = list(dict.fromkeys(k.split("/")[0] for k in keys))
        assert shown_pipelines == world_ids[: len(shown_pipelines)]
        # A pipeline with several workflows shows one row for each.
        multi = next(p for p in sim.world.pipelines
                     if p.project.org.slug == "gh/acme" and len(sim.world.workflows_of(p.id)) > 1)
        assert sum(1 for k in keys if k.startswith(multi.id + "/")) == len(
            sim.world.workflows_of(multi.id))
        assert "gh/acme" in app.screen.query_one(LocationBar).render().plain
        # Only the first page of pipelines is asked for: never the org's whole history.
        lists = sim.requests_matching("GET", r"^/api/v2/pipeline$")
        assert lists and all("page-token" not in r.query for r in lists)
        assert lists[0].query["org-slug"] == "gh/acme"


async def test_rerun_from_failed_sends_exactly_one_request():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        failed = next(wf for wf in app.screen.lines if wf.workflow and
                      wf.workflow.status == "failed").workflow
        await select_workflow(pilot, failed.id)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "from failed" in app.screen.question and failed.name in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        sent = posts(sim, rf"^/api/v2/workflow/{failed.id}/rerun$")
        assert len(sent) == 1
        assert sent[0].json == {"from_failed": True}
        assert sent[0].status == 202
        # The pipeline's workflows were fetched again at once, and the rerun is on screen.
        new_ids = {wf.id for wf in sim.world.workflows_of(failed.pipeline_id)} - {failed.id}
        assert any(k.split("/")[-1] in new_ids for k in rows(app))


async def test_aborted_rerun_sends_nothing():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        failed = next(ln.workflow for ln in app.screen.lines
                      if ln.workflow and ln.workflow.status == "failed")
        await select_workflow(pilot, failed.id)
        for key in ("r", "n", "R", "escape"):
            await pilot.press(key)
            await settle(pilot)
        assert isinstance(app.screen, PipelinesScreen)
        assert posts(sim, r"/rerun$") == []


async def test_rerun_all_sends_no_from_failed():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        done = next(ln.workflow for ln in app.screen.lines
                    if ln.workflow and ln.workflow.status == "success")
        await select_workflow(pilot, done.id)
        await pilot.press("R")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        sent = posts(sim, rf"^/api/v2/workflow/{done.id}/rerun$")
        assert len(sent) == 1
        assert sent[0].json in (None, {})


async def test_cancel_running_workflow():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        running = next(ln.workflow for ln in app.screen.lines
                       if ln.workflow and ln.workflow.status in ("running", "failing"))
        await select_workflow(pilot, running.id)
        await confirm(pilot, "c")
        await settle(pilot)
        assert len(posts(sim, rf"^/api/v2/workflow/{running.id}/cancel$")) == 1
        line = next(ln for ln in app.screen.lines if ln.workflow and ln.workflow.id == running.id)
        assert line.workflow.status == "canceled", "refreshed at once, not at the next tick"


async def test_rerun_from_failed_is_unavailable_on_a_green_workflow():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        done = next(ln.workflow for ln in app.screen.lines
                    if ln.workflow and ln.workflow.status == "success")
        await select_workflow(pilot, done.id)
        assert app.screen.check_action("rerun_failed", ()) is None  # greyed out in the footer
        await pilot.press("r")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert posts(sim, r"/rerun$") == []


async def test_read_only_hides_every_action_key_and_says_why():
    sim = make_simulator()
    app = make_app(sim, read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        failed = next(ln.workflow for ln in app.screen.lines
                      if ln.workflow and ln.workflow.status == "failed")
        await select_workflow(pilot, failed.id)
        for action in MUTATIONS:
            assert app.screen.check_action(action, ()) is False, action  # hidden, not greyed
        offered = {b.binding.action for b in app.screen.active_bindings.values()}
        assert not offered & MUTATIONS  # so not in the footer, the help or the palette
        assert "read-only" in app.screen.query_one(StatusLine).render().plain
        await pilot.press("r", "R", "c")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert posts(sim, r"") == []


async def test_failed_mutation_is_not_retried_and_is_reported():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        failed = next(ln.workflow for ln in app.screen.lines
                      if ln.workflow and ln.workflow.status == "failed")
        await select_workflow(pilot, failed.id)
        sim.faults.server_error(500, method="POST")
        await confirm(pilot, "r")
        await settle(pilot)
        assert len(sim.requests_matching("POST", r"/rerun$")) == 1
        assert any("Rerun failed (500)" in note for note in app.notes)


async def test_a_second_confirmation_while_the_first_is_in_flight_sends_nothing():
    sim = make_simulator()
    gate = PostGate(sim.transport())
    app = make_app(sim, transport=gate)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        failed = next(ln.workflow for ln in app.screen.lines
                      if ln.workflow and ln.workflow.status == "failed")
        await select_workflow(pilot, failed.id)
        await confirm(pilot, "r", wait=False)
        with anyio.fail_after(10):  # a guard against a hang, not a timing
            await gate.arrived.wait()  # the first rerun is on the wire, unanswered
        await confirm(pilot, "r", wait=False)
        for _ in range(200):
            if any("already sent" in note for note in app.notes):
                break
            await pilot.pause()
        assert any("waiting for CircleCI's answer" in note for note in app.notes)
        gate.open()
        await settle(pilot)
        assert len(posts(sim, rf"^/api/v2/workflow/{failed.id}/rerun$")) == 1


async def test_filter_as_you_type_and_toggles():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        everything = rows(app)
        await pilot.press("slash", *"fix/")
        await settle(pilot)
        filtered = app.screen.lines
        assert 0 < len(filtered) < len(everything)
        assert all("fix/" in (ln.pipeline.branch or "") or "fix/" in ln.pipeline.subject.lower()
                   for ln in filtered)
        await pilot.press("escape")
        await settle(pilot)
        assert rows(app) == everything
        await pilot.press("f")
        await settle(pilot)
        statuses = {ln.workflow.status if ln.workflow else ln.pipeline_status
                    for ln in app.screen.lines}
        assert statuses and statuses <= {"failed", "failing", "error", "errored", "on_hold",
                                         "unauthorized"}
        await pilot.press("m")
        await settle(pilot)
        mine = sim.requests_matching("GET", r"^/api/v2/pipeline$")[-1]
        assert mine.query.get("mine") == "true"


async def test_cursor_stays_on_the_same_pipeline_when_new_ones_arrive():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")
        before = app.screen.selected_line().key
        sim.world.trigger_pipeline("gh/acme/api", branch="main")
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert rows(app)[0] != before
        assert app.screen.selected_line().key == before


async def test_enter_opens_the_graph_and_escape_comes_back():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wf = app.screen.selected_workflow()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WorkflowScreen)
        assert app.screen.workflow.id == wf.id
        crumbs = app.screen.query_one(LocationBar).crumb_texts
        assert wf.name in crumbs
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PipelinesScreen)


async def test_outage_keeps_data_and_says_so_then_recovers():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = rows(app)
        sim.faults.refuse_connection()
        await pilot.press("ctrl+r")
        await settle(pilot)
        status = app.screen.query_one(StatusLine).render().plain
        assert "CircleCI unreachable" in status and "retrying in" in status
        assert rows(app) == shown, "what was on screen stays"
        sim.faults.clear()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "live" in app.screen.query_one(StatusLine).render().plain


async def test_revoked_token_is_named():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sim.faults.revoke_token()
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "token rejected (401)" in app.screen.query_one(StatusLine).render().plain


async def test_api_text_is_shown_literally_never_interpreted():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(220, 60)) as pilot:
        await settle(pilot)
        line = next(ln for ln in app.screen.lines if "[bold red]" in ln.pipeline.subject)
        assert "\x1b" in line.pipeline.subject, "the simulator sends an escape sequence too"
        cell = app.screen.query_one(LiveTable).get_cell(line.key, "subject")
        assert "[bold red]not markup[/]" in cell.plain
        assert "\x1b" not in cell.plain and "[2J" not in cell.plain
        assert not cell.spans and "bold" not in str(cell.style)


async def test_the_clock_tick_repaints_only_cells_whose_text_changed():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        table = screen.query_one(LiveTable)
        calls = []
        original = table.refresh

        def refresh(*regions, **kwargs):
            calls.append(regions)
            return original(*regions, **kwargs)

        table.refresh = refresh
        screen.tick()
        assert calls == [], "no time passed: nothing is repainted"
        before = {key: [c.plain for c in table.get_row(key)] for key in table.row_keys}
        sim.clock.advance(1)
        screen.tick()
        # One second on: running durations and ages under a minute move, each cell repainted
        # alone; nothing else is.
        changed = {
            table.region_of(key, column.key)
            for key in table.row_keys
            for column, old, new in zip(table.columns, before[key], table.get_row(key),
                                    strict=True)
            if old != new.plain
        }
        assert changed and None not in changed
        assert sorted(calls) == sorted((region,) for region in changed)
        assert all(region.height == 1 and region.width <= 12 for region in changed)
        assert len(changed) < len(table.row_keys), "not the whole table"


async def test_a_theme_change_recolours_the_status_cells_at_the_next_tick():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LiveTable)
        def colours():
            return [str(table.get_cell(key, "status").style) for key in table.row_keys]

        before = colours()
        app.theme = "nord"
        await settle(pilot)
        app.screen.tick()
        after = colours()
        assert after != before and all(style.startswith(("bold", "dim")) for style in after)


async def test_narrowing_the_terminal_drops_columns_and_keeps_the_cursor():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "j")
        before = app.screen.selected_line().key
        table = app.screen.query_one(LiveTable)
        assert [c.key for c in table.columns][-3:] == ["actor", "age", "duration"]
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert [c.key for c in table.columns][-2:] == ["subject", "age"]
        assert app.screen.selected_line().key == before
        assert sum(c.width + 2 for c in table.columns) <= 80
        assert all(len(table.get_cell(key, "pipeline").plain) <= 12 for key in table.row_keys)
        await pilot.resize_terminal(140, 40)
        await settle(pilot)
        assert app.screen.selected_line().key == before
        assert all(table.get_cell(key, "actor").plain for key in table.row_keys), \
            "a column that comes back is filled at once"


def test_a_workflow_an_answer_lists_twice_is_one_row():
    """Row keys are pipeline/workflow ids; an answer that repeats a workflow must not take the
    list down (a table refuses duplicate keys)."""
    pipeline = Pipeline.from_api({"id": "p-1", "number": 1, "project_slug": "gh/acme/api",
                                  "state": "created", "created_at": "2026-01-14T14:00:00Z"})
    build, deploy = (Workflow.from_api({"id": wid, "name": wid, "status": "success",
                                        "created_at": at})
                     for wid, at in (("w-1", "2026-01-14T14:00:01Z"),
                                     ("w-2", "2026-01-14T14:00:02Z")))
    lines = build_lines([PipelineRow(pipeline, (build, deploy, build))])
    assert [line.key for line in lines] == ["p-1/w-2", "p-1/w-1"]
    assert [line.first for line in lines] == [True, False]
