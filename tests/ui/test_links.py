"""Web URLs on screen are OSC 8 hyperlinks, so a click in the local terminal opens them even
over SSH; a URL from the API that could break out of the sequence is never linked."""

from __future__ import annotations

import pytest
from rich.console import Console
from textual.geometry import Region

from circletui.ui.text import link_style
from circletui.ui.widgets.live_table import LiveTable
from circletui.ui.widgets.location import LocationBar
from circletui.weburls import commit_web_url

from .harness import HOST, make_app, make_simulator, open_workflow, settle


def links_in(widget) -> set[str]:
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return {style.link for strip in strips for _, style, _ in strip if style and style.link}


def terminal_bytes(widget) -> str:
    console = Console(color_system="truecolor", force_terminal=True)
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "".join(strip.render(console) for strip in strips)


async def test_pipelines_and_workflows_link_to_their_pages():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LiveTable)
        links = links_in(table)
        line = app.screen.lines[0]
        p = line.pipeline
        base = f"{HOST.replace('://', '://app.')}/pipelines/github/acme/"
        assert any(link.endswith(f"/{p.number}") and link.startswith(base) for link in links)
        assert any(link.endswith(f"/workflows/{line.workflow.id}") for link in links)
        # What reaches the terminal is the OSC 8 sequence around the cell's text.
        assert "\x1b]8;id=" in terminal_bytes(table)

        wf = await open_workflow(pilot, status="failed")
        bar = app.screen.query_one(LocationBar)
        crumbs = links_in(bar)
        assert any(link.endswith(f"/workflows/{wf.id}") for link in crumbs)
        assert any(link.endswith(f"/{wf.pipeline_number}") for link in crumbs)


@pytest.mark.parametrize("url", [
    "https://app.circleci.com/x\x1b]8;;\x1b\\evil",
    "https://example.com/a\x07b",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "https://exa mple.com/",
    "",
    None,
])
def test_hostile_or_odd_urls_are_not_linked(url):
    assert link_style(url) is None


def test_commit_links_for_github_and_bitbucket_only():
    sha = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
    assert commit_web_url("https://github.com/acme/api", sha) == (
        f"https://github.com/acme/api/commit/{sha}")
    assert commit_web_url("https://bitbucket.org/acme/api.git", sha) == (
        f"https://bitbucket.org/acme/api/commits/{sha}")
    assert commit_web_url("https://gitlab.com/acme/api", sha) is None
    assert commit_web_url("https://github.com/acme/api", "not-a-sha") is None


async def test_the_job_screen_links_its_crumbs_details_and_artifacts():
    from .harness import open_job, sim_job

    sim = make_simulator()
    app = make_app(sim)
    job = sim_job(sim, status="failed", name="unit-tests", parallel=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_job(pilot, job)
        crumbs = links_in(screen.query_one(LocationBar))
        assert screen.job_url() in crumbs and len(crumbs) == 3, crumbs

        await pilot.press("3")  # artifacts: each path and URL is a link to the artifact
        await settle(pilot)
        table = screen.query_one("#artifacts")
        artifact_urls = {a.url for a in screen.query_one("ArtifactsPane").items}
        assert artifact_urls and links_in(table) & artifact_urls

        await pilot.press("4")  # details: the web page and the commit
        await settle(pilot)
        details = links_in(screen.query_one("#job-details"))
        assert screen.job_url() in details
        assert any("/commit" in link for link in details)
