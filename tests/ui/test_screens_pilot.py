"""The workflow graph, job and approvals screens, help and the command palette, driven with keys
against the simulator."""

from __future__ import annotations

from textual.widgets import DataTable

from circletui.ui.screens.approvals import ApprovalsScreen
from circletui.ui.screens.confirm import ConfirmScreen
from circletui.ui.screens.help import HelpScreen
from circletui.ui.screens.job import JobScreen
from circletui.ui.screens.pipelines import PipelinesScreen
from circletui.ui.screens.workflow import WorkflowScreen
from circletui.ui.widgets.job_graph import JobGraph
from circletui.ui.widgets.key_bar import KeyBar
from circletui.ui.widgets.location import LocationBar

from .harness import confirm, make_app, make_simulator, open_workflow, settle, visible_text


async def test_graph_shows_every_job_and_arrows_follow_edges():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wf = await open_workflow(pilot, name="build-and-test")
        graph = app.screen.query_one(JobGraph)
        assert {j.id for j in graph.jobs} == {j.id for j in sim.world.jobs_of(wf.id)}
        first = graph.selected_job
        assert not first.dependencies, "the selection starts at a root of the DAG"
        await pilot.press("right")
        await settle(pilot)
        assert first.id in graph.selected_job.dependencies, "right goes to a dependent"
        await pilot.press("left")
        await settle(pilot)
        assert graph.selected_job.id == first.id
        await pilot.press("l", "j")
        await settle(pilot)
        assert graph.selected_job.id != first.id


async def test_list_view_toggle_keeps_the_selection():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_workflow(pilot, name="build-and-test")
        await pilot.press("right", "down")
        await settle(pilot)
        chosen = app.screen.selected_job()
        await pilot.press("v")
        await settle(pilot)
        table = app.screen.query_one("#job-list", DataTable)
        assert table.display and not app.screen.query_one(JobGraph).display
        assert app.screen.selected_job().id == chosen.id
        assert table.row_count == len(app.screen.jobs)
        await pilot.press("v")
        await settle(pilot)
        assert app.screen.query_one(JobGraph).selected_job.id == chosen.id


async def test_enter_on_a_job_opens_its_details():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wf = await open_workflow(pilot, status="success", name="build-and-test")
        job = app.screen.query_one(JobGraph).selected_job
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        assert app.screen.details is not None and app.screen.details.number == job.job_number
        fetched = sim.requests_matching(
            "GET", rf"^/api/v2/project/gh/acme/[^/]+/job/{job.job_number}$")
        assert len(fetched) == 1
        assert app.screen.query_one(LocationBar).crumb_texts[-2:] == (wf.name, job.name)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WorkflowScreen)


async def test_approve_from_the_graph():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wf = await open_workflow(pilot, status="on_hold")
        graph = app.screen.query_one(JobGraph)
        approval = next(j for j in graph.jobs if j.is_approval and j.status == "on_hold")
        graph.selected_id = approval.id
        await settle(pilot)
        assert app.screen.check_action("approve", ()) is True
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert approval.name in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        sent = sim.requests_matching("POST", rf"^/api/v2/workflow/{wf.id}/approve/")
        assert [r.path.rsplit("/", 1)[-1] for r in sent] == [approval.id]
        assert sent[0].status == 202
        approved = next(j for j in app.screen.jobs if j.id == approval.id)
        assert approved.status == "success", "the graph is refreshed at once"


async def test_approve_is_unavailable_on_a_build_job():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_workflow(pilot, status="on_hold")
        graph = app.screen.query_one(JobGraph)
        assert not graph.selected_job.is_approval
        await pilot.press("a")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert sim.requests_matching("POST", r"/approve/") == []


async def test_cancel_a_running_job_from_the_graph():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wf = await open_workflow(pilot, status="running")
        graph = app.screen.query_one(JobGraph)
        running = next(j for j in graph.jobs if j.status == "running")
        graph.selected_id = running.id
        await settle(pilot)
        await confirm(pilot, "x")
        await settle(pilot)
        sent = sim.requests_matching("POST", r"/job/\d+/cancel$")
        assert [r.path for r in sent] == [
            f"/api/v2/project/{wf.project_slug}/job/{running.job_number}/cancel"]


async def test_approval_job_screen_uses_the_job_list():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_workflow(pilot, status="on_hold")
        graph = app.screen.query_one(JobGraph)
        approval = next(j for j in graph.jobs if j.is_approval)
        graph.selected_id = approval.id
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, JobScreen)
        assert "Approval jobs have no job details" in visible_text(app)  # on the Details tab
        # CircleCI answers 404 for approval jobs: the app does not even ask.
        assert sim.requests_matching("GET", r"/job/\d+$") == []
        await confirm(pilot, "a")
        await settle(pilot)
        assert len(sim.requests_matching("POST", rf"/approve/{approval.id}$")) == 1


async def test_approvals_screen_lists_and_approves_from_anywhere():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
        expected = {
            job.id for wf in sim.world.workflows for job in wf.jobs
            if job.type == "approval" and job.status == "on_hold"
            and wf.project.org.slug == "gh/acme"
        }
        assert {a.job.id for a in app.screen.approvals} == expected
        assert len(expected) >= 2
        assert "2 approvals waiting" in app.screen.query_one(LocationBar).render().plain
        target = app.screen.approvals[0]
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert len(sim.requests_matching(
            "POST", rf"^/api/v2/workflow/{target.workflow.id}/approve/{target.job.id}$")) == 1
        assert target.job.id not in {a.job.id for a in app.screen.approvals}
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PipelinesScreen)


async def test_help_lists_the_keys_of_the_screen_it_was_opened_from():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_workflow(pilot, name="build-and-test")
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        described = {desc.split(" (")[0] for _, _, desc, _ in app.screen.rows}
        ids = {ident for _, _, _, ident in app.screen.rows}
        assert {"rerun-failed", "approve", "toggle-view", "approvals"} <= ids
        assert {"Rerun failed", "Rerun all", "Approve", "Cancel workflow", "Cancel job",
                "List/graph", "Back", "Quit", "Approvals", "Refresh"} <= described
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WorkflowScreen)


async def test_command_palette_runs_the_same_action_as_the_key():
    sim = make_simulator()
    app = make_app(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Approvals")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)


async def test_open_and_copy_the_web_url():
    sim = make_simulator()
    app = make_app(sim)
    opened: list[str] = []
    app.open_url = lambda url, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        wf = app.screen.selected_workflow()
        line = app.screen.selected_line()
        await pilot.press("o", "y")
        await settle(pilot)
        number = line.pipeline.number
        project = line.pipeline.project_slug.replace("gh/", "github/", 1)
        # A CircleCI Server host: the web app lives on its app. subdomain.
        expected = f"http://app.circleci.test/pipelines/{project}/{number}/workflows/{wf.id}"
        assert opened == [expected]
        assert app.clipboard == expected


async def test_web_urls_point_at_the_app_for_the_cloud():
    sim = make_simulator()
    app = make_app(sim, host="https://circleci.com")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        url = app.screen.selected_url()
        assert url.startswith("https://app.circleci.com/pipelines/github/acme/")


async def test_several_orgs_give_a_picker():
    sim = make_simulator()
    app = make_app(sim, org=None)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        from circletui.ui.screens.org_picker import OrgPickerScreen

        assert isinstance(app.screen, OrgPickerScreen)
        slugs = [org.slug for org in app.screen.orgs]
        assert "gh/acme" in slugs and "bb/acme-labs" in slugs
        target = slugs.index("bb/acme-labs")
        await pilot.press(*["down"] * target, "enter")
        await settle(pilot)
        assert isinstance(app.screen, PipelinesScreen)
        assert app.scope.org == "bb/acme-labs"
        lines = app.screen.lines
        assert lines and {ln.pipeline.project_slug for ln in lines} == {"bb/acme-labs/infra"}


async def test_project_scope_and_branch_filter():
    sim = make_simulator()
    app = make_app(sim, org=None, projects=("gh/acme/web",), branch="main")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        asked = sim.requests_matching("GET", r"^/api/v2/project/gh/acme/web/pipeline$")
        assert asked and asked[0].query == {"branch": "main"}
        assert {ln.pipeline.branch for ln in app.screen.lines} == {"main"}


async def test_keymap_from_config_rebinds_by_id():
    sim = make_simulator()
    app = make_app(sim, keymap={"approvals": "ctrl+a"})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = {key.description: key.display for key in app.screen.query_one(KeyBar).keys}
        assert shown["Approvals"] == "^a", "the key bar shows the key the user chose"
        await pilot.press("ctrl+a")
        await settle(pilot)
        assert isinstance(app.screen, ApprovalsScreen)
