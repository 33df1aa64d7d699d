"""Triggering a pipeline from the list (``t``), driven with keys against the simulator."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from circletui.ui.screens.pipelines import PipelinesScreen
from circletui.ui.screens.trigger import ParameterError, TriggerScreen, can_trigger, parse_value

from .harness import make_app, make_simulator, select_workflow, settle, visible_text


def triggers(sim):
    return sim.requests_matching("POST", r"/project/.*/pipeline$")


async def open_dialog(pilot) -> TriggerScreen:
    await pilot.press("t")
    for _ in range(200):
        if isinstance(pilot.app.screen, TriggerScreen):
            break
        await pilot.pause()
    assert isinstance(pilot.app.screen, TriggerScreen)
    return pilot.app.screen


async def type_into(pilot, widget: Input, text: str) -> None:
    widget.focus()
    widget.value = ""
    await pilot.press(*text)


async def test_trigger_from_the_selection_with_a_typed_parameter():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = next(ln for ln in app.screen.lines if ln.workflow
                    and ln.pipeline.project_slug == "gh/acme/api" and ln.pipeline.branch)
        await select_workflow(pilot, line.workflow.id)

        dialog = await open_dialog(pilot)
        # Prefilled from the selection: the project and the branch.
        assert dialog.query_one("#trigger-project", Input).value == "gh/acme/api"
        assert dialog.query_one("#trigger-ref-name", Input).value == line.pipeline.branch

        await pilot.press("ctrl+n")
        await settle(pilot)
        row = dialog.query(".trigger-parameter").last()
        await type_into(pilot, row.query_one(".parameter-name", Input), "deploy_env")
        await type_into(pilot, row.query_one(".parameter-value", Input), "staging")
        first = dialog.query(".trigger-parameter").first()
        await type_into(pilot, first.query_one(".parameter-name", Input), "run_nightly")
        first.query_one(".parameter-type").value = "boolean"
        await type_into(pilot, first.query_one(".parameter-value", Input), "true")
        before = {p.id for p in sim.world.pipelines}
        await pilot.press("ctrl+s")
        await settle(pilot)

        sent = triggers(sim)
        assert len(sent) == 1
        assert sent[0].path.endswith("/project/gh/acme/api/pipeline")
        assert sent[0].json == {"branch": line.pipeline.branch,
                                "parameters": {"run_nightly": True, "deploy_env": "staging"}}
        new = [p for p in sim.world.pipelines if p.id not in before]
        assert len(new) == 1
        # The new pipeline is listed at once, with the cursor on it.
        assert isinstance(app.screen, PipelinesScreen)
        assert app.screen.selected_pipeline().id == new[0].id
        assert any(f"Pipeline #{new[0].number} created" in n for n in app.notes)
        assert app.watches.is_watched(new[0].id), "what circletui triggered is watched"
        assert app.watches.reason(new[0].id) == "triggered"


async def test_a_bad_value_is_explained_and_nothing_is_sent():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        dialog = await open_dialog(pilot)
        row = dialog.query(".trigger-parameter").first()
        await type_into(pilot, row.query_one(".parameter-name", Input), "retries")
        row.query_one(".parameter-type").value = "integer"
        await type_into(pilot, row.query_one(".parameter-value", Input), "lots")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TriggerScreen)
        assert "not a whole number" in visible_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert triggers(sim) == []
        assert isinstance(app.screen, PipelinesScreen)


async def test_a_github_app_project_says_it_cannot_be_triggered_from_here():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        dialog = await open_dialog(pilot)
        await type_into(pilot, dialog.query_one("#trigger-project", Input),
                        "circleci/4gXkMa/9pQrT")
        await settle(pilot)
        assert "cannot be triggered" in " ".join(visible_text(app).split())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TriggerScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert triggers(sim) == []


def test_values_read_as_their_type():
    assert parse_value("integer", " 42 ") == 42
    assert parse_value("boolean", "True") is True and parse_value("boolean", "no") is False
    assert parse_value("string", " x ") == " x "
    with pytest.raises(ParameterError):
        parse_value("boolean", "maybe")
    assert can_trigger("gh/acme/api") and can_trigger("bitbucket/acme/api")
    assert not can_trigger("circleci/abc/def") and not can_trigger("acme/api")
