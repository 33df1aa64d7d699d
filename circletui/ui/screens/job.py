"""The job screen: why did it fail? A one-line summary (``JobSummary``) over four tabs, each
a widget of its own in ``ui/widgets/``: Steps (``StepsPane``: the steps, the selected step's
output, search, save), Tests (``TestsPane``: failures first, Enter shows one in full),
Artifacts (``ArtifactsPane``: ``y``/``o`` copy or open the highlighted one's URL) and Details
(``JobDetailsView``).

This module only routes: it subscribes to what the tabs show (``resources``), hands each
poll to the widget that shows it (``routes``) and acts on the panes' messages. Step output is
only in API v1.1, which addresses projects by ``gh/…`` or ``bb/…`` slugs: a GitHub App or
GitLab project (slug ``circleci/<org-id>/<project-id>``) cannot be read there
(https://circleci.com/docs/api-developers-guide/, "GitHub App, GitLab and Bitbucket Data
Center projects"), so its Steps tab says so and v1.1 is never asked; the rest works the same.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, TabbedContent, TabPane, Tabs

from circletui.api.errors import CircleCIError, NotFound
from circletui.api.models import Job, JobDetails, Pipeline, Workflow
from circletui.monitor import JobInfo, PipelineWorkflows, WorkflowJobs
from circletui.monitor.job_resources import (
    JobArtifacts,
    JobBuild,
    JobTests,
    StepOutput,
    supports_v1,
)
from circletui.status import is_finished
from circletui.ui.messages import OpenConfig
from circletui.ui.screens.base import BaseScreen
from circletui.ui.screens.case_result import CaseResultScreen
from circletui.ui.text import clean
from circletui.ui.widgets.artifacts_pane import ArtifactsPane
from circletui.ui.widgets.job_details import JobDetailsView, JobFacts, JobSummary
from circletui.ui.widgets.list_pane import ListPane
from circletui.ui.widgets.location import Crumb
from circletui.ui.widgets.steps_pane import StepsPane
from circletui.ui.widgets.tests_pane import TestsPane
from circletui.weburls import job_web_url, pipeline_web_url, workflow_web_url

#: each tab, and the widget in it that takes the focus when it is shown
TABS = {"steps-pane": "#log", "tests-pane": "#tests", "artifacts-pane": "#artifacts",
        "details-pane": "#job-body"}


def _nothing(*args: object) -> None:
    """A failure the status line already reports (the job list, the workflows)."""


class JobScreen(BaseScreen):
    AUTO_FOCUS = None  # on_mount picks: the log, or the details of an approval job

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("c", "cancel_job", "Cancel job", id="cancel-job"),
        Binding("a", "approve", "Approve", id="approve"),
        Binding("r", "rerun_failed", "Rerun failed", id="rerun-failed"),
        Binding("R", "rerun_all", "Rerun all", id="rerun-all"),
        Binding("S", "rerun_ssh", "Rerun with SSH", id="rerun-ssh", show=False),
        Binding("slash", "search_log", "Search", id="log-search"),
        Binding("s", "save_log", "Save log", id="log-save"),
        Binding("left_square_bracket", "switch_run(-1)", "Prev run", id="run-previous"),
        Binding("right_square_bracket", "switch_run(1)", "Next run", id="run-next"),
        Binding("1", "show_tab('steps-pane')", "Steps", show=False, id="tab-steps"),
        Binding("2", "show_tab('tests-pane')", "Tests", show=False, id="tab-tests"),
        Binding("3", "show_tab('artifacts-pane')", "Artifacts", show=False, id="tab-artifacts"),
        Binding("4", "show_tab('details-pane')", "Details", show=False, id="tab-details"),
        Binding("w", "watch", "Watch", id="watch"),
        Binding("C", "config", "Config", id="config", show=False),
    ]
    KEY_ORDER = ("back", "rerun-failed", "cancel-job", "approve", "log-search", "help",
                 "watch", "log-follow", "log-next-match", "log-previous-match")

    def __init__(self, pipeline: Pipeline, workflow: Workflow, job: Job) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.workflow = workflow
        self.job = job
        self.details: JobDetails | None = None  # the v2 job details, once read
        self.details_note = ""  # why the details could not be read

    def compose(self) -> ComposeResult:
        now = self.tui.now
        yield from self.compose_header()
        yield JobSummary(now=now, id="job-summary")
        with TabbedContent(id="job-tabs"):
            yield StepsPane("Steps", project_slug=self.pipeline.project_slug, job=self.job,
                            now=now, id="steps-pane")
            yield TestsPane("Tests", id="tests-pane")
            yield ArtifactsPane("Artifacts", id="artifacts-pane")
            with TabPane("Details", id="details-pane"):
                yield JobDetailsView(now=now, id="job-body")
        yield from self.compose_footer()

    @property
    def steps(self) -> StepsPane:
        return self.query_one(StepsPane)

    def on_mount(self) -> None:
        if self.job.is_approval:
            self.query_one(TabbedContent).active = "details-pane"
        self._show_job()
        if self.steps.expects_output:
            self.steps.focus_log()
        else:
            # No log to read here: the tabs take the keys (left / right switch them).
            self.query_one(Tabs).focus()
        if not self.job.is_approval:
            # Flaky tests (Insights) are marked FLAKY in the Tests tab, as CircleCI's VS Code
            # extension marks them.
            tests = self.query_one(TestsPane)
            self.tui.fetch_flaky_names(self.pipeline.project_slug,
                                       lambda names: setattr(tests, "flaky", names))

    # -- what is shown, and subscribed -------------------------------------------------------

    def location(self) -> list[Crumb]:
        p, host = self.pipeline, self.tui.settings.host
        return [(f"{p.project_slug} #{p.number}", pipeline_web_url(host, p.project_slug, p.number)),
                (self.workflow.name,
                 workflow_web_url(host, p.project_slug, p.number, self.workflow.id)),
                (self.job.name, self.job_url())]

    @property
    def status(self) -> str:
        return self.details.status if self.details else self.job.status

    def resources(self) -> list:
        resources: list = [WorkflowJobs(self.workflow.id), PipelineWorkflows(self.pipeline.id)]
        number = self.job.job_number
        if self.job.is_approval or number is None:
            return resources
        slug = self.pipeline.project_slug
        final = is_finished(self.status)
        resources += [JobInfo(slug, number), JobTests(slug, number, final),
                      JobArtifacts(slug, number, final)]
        if supports_v1(slug):
            resources.append(JobBuild(slug, number))
            resources += self.steps.wanted_outputs
        return resources

    def _update_subscriptions(self) -> None:
        # Only while visible: a suspended screen holds no subscription (BaseScreen).
        if self.is_current:
            self.resubscribe()

    def routes(self) -> dict[type, tuple[Callable, Callable]]:
        """Where each resource's polls go: (its answer, a failure to read it). Each is called
        with the resource, then the answer, or whether it is gone (a 404) and why it failed."""
        steps, tests, artifacts = self.steps, self.query_one(TestsPane), self.query_one(
            ArtifactsPane)
        return {
            PipelineWorkflows: (self._show_workflows, _nothing),
            WorkflowJobs: (self._show_jobs, _nothing),
            JobInfo: (self._show_details, self._details_failed),
            JobBuild: (steps.show_build, steps.build_failed),
            StepOutput: (steps.show_output, steps.output_failed),
            JobTests: (tests.show, tests.failed),
            JobArtifacts: (artifacts.show, artifacts.failed),
        }

    def show(self, resource, value) -> None:
        self.routes()[type(resource)][0](resource, value)
        self._update_subscriptions()
        self.selection_changed()

    def show_error(self, resource, error: CircleCIError) -> None:
        # A failure with data on screen keeps the data: the status line says what is wrong,
        # and the poller only reports the next answer if it differs, so a note would stay.
        # Notes are for what has nothing to show yet.
        self.routes()[type(resource)][1](resource, isinstance(error, NotFound),
                                         clean(error.message))

    def _show_workflows(self, resource: PipelineWorkflows, workflows: list[Workflow]) -> None:
        self.workflow = next((w for w in workflows if w.id == self.workflow.id), self.workflow)
        self._show_job()

    def _show_jobs(self, resource: WorkflowJobs, jobs: list[Job]) -> None:
        job = next((j for j in jobs if j.id == self.job.id), None)
        if job is not None:
            self.job = self.steps.job = job
        self._show_job()
        self.update_location()

    def _show_details(self, resource: JobInfo, details: JobDetails) -> None:
        self.details, self.details_note = details, ""
        self._show_job()

    def _details_failed(self, resource: JobInfo, gone: bool, message: str) -> None:
        if gone or self.details is None:
            self.details_note = ("CircleCI has no details for this job (404)." if gone
                                 else f"Job details unavailable: {message}")
            self._show_job()

    def _show_job(self) -> None:
        """The job (or its workflow, or its details) changed: summary, details, tab notes."""
        facts = JobFacts(self.pipeline, self.workflow, self.job, self.details, self.details_note,
                         self.job_url(), self.steps.run_index, len(self.steps.runs),
                         ssh=self.steps.ssh_command, watched=self.job.id in self.watched)
        self.query_one(JobSummary).facts = facts
        self.query_one(JobDetailsView).facts = facts
        for pane in self.query(ListPane):
            pane.stage = facts.stage

    def tick(self) -> None:
        """Every second: running durations move on."""
        self.steps.refresh_clock()
        if not is_finished(self.status):
            self.query_one(JobSummary).refresh_clock()

    # -- what the panes say ------------------------------------------------------------------

    @on(StepsPane.Changed)
    def _steps_changed(self, event: StepsPane.Changed) -> None:
        self._show_job()  # the summary says which parallel run is shown
        self._update_subscriptions()  # the output of the step now shown
        self.selection_changed()

    @on(ListPane.LabelChanged)
    def _label_changed(self, event: ListPane.LabelChanged) -> None:
        self.query_one(TabbedContent).get_tab(event.pane.id or "").label = event.label

    @on(TestsPane.Chosen)
    def _test_chosen(self, event: TestsPane.Chosen) -> None:
        self.app.push_screen(CaseResultScreen(event.result))

    @on(TabbedContent.TabActivated)
    @on(DataTable.RowHighlighted, "#artifacts")
    def _selection_moved(self, event) -> None:
        self.selection_changed()  # y and o are about the highlighted artifact, or the job

    # -- the selection, as the actions see it ------------------------------------------------

    def selected_workflow(self) -> Workflow | None:
        return self.workflow

    def selected_job(self) -> Job | None:
        return self.job

    def selected_url(self) -> str | None:
        """The highlighted artifact's URL on the Artifacts tab, else the job's page."""
        if self.is_mounted and self.query_one(TabbedContent).active == "artifacts-pane":
            if (artifact := self.query_one(ArtifactsPane).selected) is not None:
                return artifact.url or None
        return self.job_url()

    def job_url(self) -> str | None:
        """The job's page in the CircleCI web app."""
        if self.details and self.details.web_url and self.job.job_number is None:
            return self.details.web_url
        if self.job.job_number is not None:
            return job_web_url(self.tui.settings.host, self.pipeline.project_slug,
                               self.pipeline.number, self.workflow.id, self.job.job_number)
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("search_log", "save_log"):
            if self.job.is_approval or not supports_v1(self.pipeline.project_slug):
                return False  # never any output here: not even a greyed-out key
            ready = self.steps.has_lines if action == "save_log" else self.steps.has_output
            return True if ready else None
        if action == "switch_run":
            return len(self.steps.runs) > 1
        if action == "approve" and not self.job.is_approval:
            return False  # this job can never be approved: no greyed-out key either
        return super().check_action(action, parameters)

    # -- keys --------------------------------------------------------------------------------

    def action_watch(self) -> None:
        self.tui.toggle_watch((self.job, self.workflow))

    def watch_watched(self) -> None:
        self._show_job()

    def action_copy_url(self) -> None:
        """``y``: the SSH command of a job rerun with SSH (the Artifacts tab: the artifact's
        URL), else the job's web URL."""
        on_artifacts = self.query_one(TabbedContent).active == "artifacts-pane"
        if (command := self.steps.ssh_command) and not on_artifacts:
            self.app.copy_to_clipboard(command)
            self.notify(f"Copied {command}", markup=False)
            return
        super().action_copy_url()

    def action_config(self) -> None:
        """``C``: the pipeline's configuration, at this job's section."""
        self.post_message(OpenConfig.of(self.pipeline, self.job))

    def action_search_log(self) -> None:
        if self.steps.has_output:
            self.query_one(TabbedContent).active = "steps-pane"
            self.steps.open_search()

    def action_save_log(self) -> None:
        self.steps.save()

    def action_switch_run(self, delta: int) -> None:
        self.steps.switch_run(delta)

    def action_show_tab(self, pane: str) -> None:
        if pane not in TABS:
            return
        self.query_one(TabbedContent).active = pane
        widget = self.query_one(TABS[pane])
        if widget.display:
            widget.focus()
