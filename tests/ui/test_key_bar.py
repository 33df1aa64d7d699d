"""The key bar at the bottom of every screen: what it shows as the selection moves, what a click
on it does, and that it stays still when nothing it shows has changed."""

from __future__ import annotations

from textual.widgets import Input

from circletui.ui.screens.confirm import ConfirmScreen
from circletui.ui.widgets.key_bar import KeyBar

from .harness import make_app, make_simulator, select_workflow, settle


def _enabled(bar: KeyBar) -> dict[str, bool]:
    return {key.description: key.enabled for key in bar.keys}


def _workflow(app, *statuses: str):
    return next(ln.workflow for ln in app.screen.lines
                if ln.workflow and ln.workflow.status in statuses)


async def test_keys_dim_when_they_stop_applying_and_stay_where_they_were():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)

        await select_workflow(pilot, _workflow(app, "running", "failing").id)
        await settle(pilot)
        assert _enabled(bar)["Cancel"] is True
        where = bar.offset_of("Cancel")

        await select_workflow(pilot, _workflow(app, "success").id)
        await settle(pilot)
        assert _enabled(bar)["Cancel"] is False
        assert _enabled(bar)["Rerun failed"] is False
        assert bar.offset_of("Cancel") == where, "a key does not move when it is dimmed"
        assert bar.visible_keys()[:4] == ["Rerun failed", "Cancel", "Filter", "Failed only"]
        assert "^p" in bar.render().plain, "the palette key is on the right at 120 columns"


async def test_a_click_presses_the_key_and_a_dimmed_key_does_nothing():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        await select_workflow(pilot, _workflow(app, "success").id)
        await settle(pilot)

        await pilot.click(KeyBar, offset=(bar.offset_of("Rerun failed") + 1, 0))
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert sim.requests_matching("POST", r"") == []

        listed = len(app.screen.lines)
        await pilot.click(KeyBar, offset=(bar.offset_of("Filter") + 1, 0))
        await settle(pilot)
        box = app.screen.query_one("#filter", Input)
        assert box.display and box.has_focus
        await pilot.press("w", "e", "b")
        await settle(pilot)
        assert 0 < len(app.screen.lines) < listed


async def test_the_bar_keeps_what_it_shows_when_a_refresh_changes_nothing():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(KeyBar)
        shown = bar.keys
        app.screen.refresh_bindings()
        await settle(pilot)
        assert bar.keys is shown
