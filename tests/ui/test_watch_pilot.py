"""Watching from the app, in the order a user does it: ``w`` on a running pipeline marks it
in the list; when it ends the user is told once, by a toast, the bell and a desktop
notification sent through the terminal (each switchable in the config); what circletui
itself triggered or reran is watched without asking."""

from __future__ import annotations

from circletui.notify import Channels
from circletui.ui.formatting import WATCH_MARK

from .harness import (
    StepClock,
    confirm,
    make_app,
    make_simulator,
    open_workflow,
    pass_time,
    select_workflow,
    settle,
)

INTERVAL = 5.0


def _running_line(app):
    return next(ln for ln in app.screen.lines if ln.first and ln.workflow
                and ln.workflow.status == "running")


async def _run_until_announced(pilot, clock, sim, app, limit_minutes=90):
    for _ in range(limit_minutes):
        await pass_time(pilot, clock, 60, sim=sim)
        if app.watches.events:
            return
    raise AssertionError("nothing was announced")


def _count_bells(app) -> list[int]:
    bells: list[int] = []
    app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
    return bells


async def test_w_marks_a_pipeline_and_its_end_is_told_once_on_every_channel():
    sim = make_simulator()
    clock = StepClock()
    app = make_app(sim, clock=clock)
    bells = _count_bells(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pass_time(pilot, clock, 1, sim=sim)
        line = _running_line(app)
        await select_workflow(pilot, line.workflow.id)
        await pilot.press("w")
        await settle(pilot)
        assert app.watches.is_watched(line.pipeline.id)
        cell = app.screen.query_one("LiveTable").get_cell(line.key, "pipeline").plain
        assert cell.startswith(WATCH_MARK)

        await _run_until_announced(pilot, clock, sim, app)
        event = app.watches.events[-1]
        assert event.id == line.pipeline.id
        assert any(note == event.body for note in app.notes), "a toast"
        assert bells == [1], "the bell"
        desktop = app.terminal.sent[-1]
        assert desktop.startswith("\x1b]9;") and event.title in desktop

        # More time, more polls: nothing is announced twice.
        sent = len(app.terminal.sent)
        for _ in range(5):
            await pass_time(pilot, clock, 60, sim=sim)
        assert len(app.watches.events) == 1 and len(app.terminal.sent) == sent

        # w again stops watching; the mark goes.
        await select_workflow(pilot, line.workflow.id)
        await pilot.press("w")
        await settle(pilot)
        cell = app.screen.query_one("LiveTable").get_cell(line.key, "pipeline").plain
        assert not app.watches.is_watched(line.pipeline.id) and WATCH_MARK not in cell


async def test_channels_switched_off_in_the_config_stay_quiet():
    sim = make_simulator()
    clock = StepClock()
    app = make_app(sim, clock=clock, notify=Channels(bell=False, desktop=False))
    bells = _count_bells(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pass_time(pilot, clock, 1, sim=sim)
        line = _running_line(app)
        await open_workflow(pilot, name=line.workflow.name, status="running")
        workflow = app.screen.workflow
        await pilot.press("w")
        await settle(pilot)
        assert WATCH_MARK in str(app.screen.query_one("#workflow-summary").render())
        await _run_until_announced(pilot, clock, sim, app)
        assert app.watches.events[-1].id == workflow.id
        assert app.watches.events[-1].body in app.notes, "the toast is still on"
        assert bells == [] and app.terminal.sent == []


async def test_a_rerun_circletui_sent_is_watched_without_asking():
    sim = make_simulator()
    clock = StepClock()
    app = make_app(sim, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pass_time(pilot, clock, 1, sim=sim)
        await open_workflow(pilot, status="failed")
        before = {wf.id for wf in sim.world.workflows}
        await confirm(pilot, "r")
        await settle(pilot)
        [rerun] = [wf.id for wf in sim.world.workflows if wf.id not in before]
        assert app.watches.is_watched(rerun) and app.watches.reason(rerun) == "rerun"


async def test_inside_a_checkout_my_running_pipelines_on_its_branch_are_watched():
    from circletui.gitremote import GitCheckout

    sim = make_simulator()
    clock = StepClock()
    me = sim.world.me.login
    running = next(p for p in sim.world.pipelines
                   if p.actor.login == me and p.vcs and p.vcs.branch
                   and any(wf.status == "running" for wf in p.workflows))
    app = make_app(sim, clock=clock, org="gh/acme",
                   checkout=GitCheckout("git@github.com:acme/x.git", running.vcs.branch, None))
    async with app.run_test(size=(120, 40)) as pilot:
        await pass_time(pilot, clock, 1, sim=sim)
        assert app.watches.is_watched(running.id)
        assert app.watches.reason(running.id) == "mine"


async def test_a_screen_opened_later_shows_what_is_already_watched():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        workflow = await open_workflow(pilot, status="failed")
        await pilot.press("w", "escape")
        await settle(pilot)
        # The same workflow opened again: a new screen, the same mark.
        await open_workflow(pilot, status="failed")
        assert app.screen.workflow.id == workflow.id
        assert WATCH_MARK in str(app.screen.query_one("#workflow-summary").render())
