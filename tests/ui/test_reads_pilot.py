"""How the app reads at a glance: at 80 columns the footer shows each screen's keys that
matter first, whichever widget has the focus; statuses are told apart by their glyph alone
(monochrome, colour-blind users); ``NO_COLOR`` turns colour off."""

from __future__ import annotations

import re

from circletui.status import CATEGORIES, STATUSES, glyph, status_info
from circletui.ui.widgets.key_bar import KeyBar

from .harness import (
    make_app,
    make_simulator,
    open_job,
    open_workflow,
    settle,
    sim_job,
    visible_text,
)


def footer_keys(app) -> list[str]:
    """The descriptions of the footer keys a user can see, left to right."""
    return app.screen.query_one(KeyBar).visible_keys()


async def test_the_footer_at_80_columns_leads_with_each_screens_main_keys():
    sim = make_simulator()
    app = make_app(sim)
    job = sim_job(sim, status="failed", name="unit-tests")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        keys = footer_keys(app)
        assert keys[:4] == ["Rerun failed", "Cancel", "Filter", "Failed only"], keys

        await open_workflow(pilot, status="failed")
        keys = footer_keys(app)
        assert keys[:3] == ["Back", "Open job", "Rerun failed"], keys

        await open_job(pilot, job)
        # The log has the focus and binds Wrap, Follow and the match keys; Back and the
        # job's actions still come first.
        keys = footer_keys(app)
        assert keys[:3] == ["Back", "Rerun failed", "Cancel job"], keys
        assert "Wrap" not in keys[:5]

        await pilot.press("escape", "escape", "A")
        await settle(pilot)
        assert footer_keys(app)[:2] == ["Back", "Approve"]


def test_every_status_category_has_a_glyph_of_its_own():
    """In monochrome the glyph is all there is: one glyph never stands for two categories,
    and a failing (still running) workflow does not look like a running one."""
    categories_of: dict[str, set[str]] = {}
    for info in STATUSES.values():
        categories_of.setdefault(info.glyph, set()).add(info.category)
    shared = {g: cats for g, cats in categories_of.items() if len(cats) > 1}
    assert shared == {}
    assert glyph("failing") != glyph("running")
    assert {status_info(s).category for s in STATUSES} <= set(CATEGORIES)


def _colours(svg: str) -> set[str]:
    return set(re.findall(r"(?:fill|color): (#[0-9a-f]{6})", svg))


def _is_grey(colour: str) -> bool:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return max(r, g, b) - min(r, g, b) <= 8


async def test_no_color_turns_colour_off(monkeypatch):
    """``NO_COLOR`` (https://no-color.org) set: what reaches the screen has no hue, and the
    statuses still read by their glyphs."""
    monkeypatch.setenv("NO_COLOR", "1")
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        svg = app.export_screenshot()
        text = visible_text(app)
    assert app.no_color
    assert [c for c in _colours(svg) if not _is_grey(c)] == []
    assert "✗ failed" in text and "✓ success" in text


async def test_with_colour_statuses_are_coloured():
    """The counterpart: without NO_COLOR the same screen has colours (so the check above
    can fail)."""
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        svg = app.export_screenshot()
    assert [c for c in _colours(svg) if not _is_grey(c)] != []
