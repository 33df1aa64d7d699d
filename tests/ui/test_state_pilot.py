"""The app remembers the theme, the scope and the workflow view a user chose, and the next
start restores them (the file itself: tests/test_state.py)."""

from __future__ import annotations

import json

from circletui.state import StateFile

from .harness import make_app, make_simulator, open_workflow, settle


async def test_the_app_remembers_the_theme_scope_and_view_for_the_next_start(tmp_path):
    path = tmp_path / "state.json"
    sim = make_simulator()
    app = make_app(sim, state=StateFile(path, "http://circleci.test"), org="gh/acme",
                   branch="main")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # The command palette offers the theme (Textual's own command); choosing one sets it.
        assert "Theme" in [command.title for command in app.get_system_commands(app.screen)]
        app.theme = "nord"
        await open_workflow(pilot)
        await pilot.press("v")  # the list of jobs instead of the graph
        await settle(pilot)
    saved = json.loads(path.read_text())
    assert saved["theme"] == "nord" and saved["list_view"] is True
    assert saved["hosts"]["http://circleci.test"]["org"] == "gh/acme"
    assert saved["hosts"]["http://circleci.test"]["branch"] == "main"

    # Next start: the same view comes back.
    app = make_app(make_simulator(), state=StateFile(path, "http://circleci.test"),
                   org="gh/acme")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_workflow(pilot)
        assert app.screen.list_view
        assert app.screen.query_one("#job-list").display
