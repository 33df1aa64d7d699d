"""The job screen: why did it fail? Steps with their output, test results, artifacts, details.

A one-line summary (``JobSummary``) over four tabs, each a widget of its own in
``ui/widgets/``:

* **Steps** (``StepsPane``, the default): the steps, the selected step's output, search, save.
* **Tests** (``TestsPane``): failures first; Enter shows one result in full.
* **Artifacts** (``ArtifactsPane``): path, node, URL; ``y``/``o`` copy or open the
  highlighted artifact's URL.
* **Details** (``JobDetailsView``): the v2 job details. CircleCI answers 404 to those for
  approval jobs (and jobs that never got a number), so those show what the workflow's job
  list knows instead.

This module only routes: it subscribes to what the tabs show (``resources``), hands each
poll to the widget that shows it (``show``: one method per resource type, in ``_SHOW``) and
acts on the panes' messages. Step output is only in API v1.1, which addresses projects by
``gh/…`` or ``bb/…`` slugs; a GitHub App or GitLab project (a ``circleci/<org-id>/<project-id>``
slug) cannot be read there (https://circleci.com/docs/api-developers-guide/, "GitHub App,
GitLab and Bitbucket Data Center projects"), so its Steps tab says so and v1.1 is never asked;
everything else works the same.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, TabbedContent, TabPane, Tabs

from circletui.api.errors import CircleCIError, NotFound
from circletui.api.models import Artifact, Job, Pipeline, Workflow
from circletui.monitor import JobInfo, PipelineWorkflows, WorkflowJobs
from circletui.monitor.job_resources import (
    JobArtifacts,
    JobBuild,
    JobTests,
    StepOutput,
    supports_v1,
)
from circletui.status import is_finished
from circletui.ui.screens.base import BaseScreen
from circletui.ui.screens.case_result import CaseResultScreen
from circletui.ui.text import clean
from circletui.ui.widgets.artifacts_pane import ArtifactsPane
from circletui.ui.widgets.job_details import JobDetailsView, JobFacts, JobSummary
from circletui.ui.widgets.list_pane import ListPane, Stage
from circletui.ui.widgets.steps_pane import StepsPane
from circletui.ui.widgets.tests_pane import TestsPane
from circletui.weburls import job_web_url

#: each tab, and the widget in it that takes the focus when it is shown
TABS = {"steps-pane": "#log", "tests-pane": "#tests", "artifacts-pane": "#artifacts",
        "details-pane": "#job-body"}

LOADING_STEPS = "Loading steps…"

NO_V1_NOTE = (
    "Steps and their output are not available for this project: its slug ({slug}) is a "
    "GitHub App or GitLab one, which CircleCI's v1.1 API (the only one with step output) "
    "cannot address. Tests (2), artifacts (3) and details (4) are in the other tabs."
)


class JobScreen(BaseScreen):
    AUTO_FOCUS = None  # on_mount picks: the log, or the details of an approval job

    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="back"),
        Binding("c", "cancel_job", "Cancel job", id="cancel-job"),
        Binding("a", "approve", "Approve", id="approve"),
        Binding("r", "rerun_failed", "Rerun failed", id="rerun-failed"),
        Binding("R", "rerun_all", "Rerun all", id="rerun-all"),
        Binding("slash", "search_log", "Search", id="log-search"),
        Binding("s", "save_log", "Save log", id="log-save"),
        Binding("left_square_bracket", "previous_run", "Prev run", id="run-previous"),
        Binding("right_square_bracket", "next_run", "Next run", id="run-next"),
        Binding("1", "show_tab('steps-pane')", "Steps", show=False, id="tab-steps"),
        Binding("2", "show_tab('tests-pane')", "Tests", show=False, id="tab-tests"),
        Binding("3", "show_tab('artifacts-pane')", "Artifacts", show=False, id="tab-artifacts"),
        Binding("4", "show_tab('details-pane')", "Details", show=False, id="tab-details"),
    ]
    KEY_ORDER = ("back", "rerun-failed", "cancel-job", "approve", "log-search", "help",
                 "log-follow", "log-next-match", "log-previous-match")

    DYNAMIC_ACTIONS = (*BaseScreen.DYNAMIC_ACTIONS, "search_log", "save_log", "previous_run",
                       "next_run")

    def __init__(self, pipeline: Pipeline, workflow: Workflow, job: Job) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.workflow = workflow
        self.job = job
        self.details = None  # the v2 job details, once read
        self.details_note = ""

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
            self.details_note = "Approval jobs have no job details at CircleCI."
            self.steps.note = "Approval jobs have no steps."
            self.query_one(TabbedContent).active = "details-pane"
        elif self.job.job_number is None:
            self.details_note = "This job has not started yet."
            self.steps.note = "This job has not started yet."
        else:
            self.steps.note = self._steps_note()
        self._show_job()
        if self.steps.note == LOADING_STEPS:
            self.steps.focus_log()
        else:
            # No log to read here: the tabs take the keys (left / right switch them).
            self.query_one(Tabs).focus()

    def _steps_note(self) -> str:
        slug = self.pipeline.project_slug
        return LOADING_STEPS if supports_v1(slug) else NO_V1_NOTE.format(slug=slug)

    # -- what is shown, and subscribed -------------------------------------------------------

    def location(self) -> list[str]:
        p = self.pipeline
        return [f"{p.project_slug} #{p.number}", self.workflow.name, self.job.name]

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
            if self.steps.output is not None:
                resources.append(self.steps.output)
        return resources

    def _update_subscriptions(self) -> None:
        # Only while visible: a suspended screen holds no subscription (BaseScreen).
        if self.is_current:
            self.resubscribe()

    def show(self, resource, value) -> None:
        self._SHOW[type(resource)](self, resource, value)
        self._update_subscriptions()
        self.selection_changed()

    def _show_workflows(self, resource: PipelineWorkflows, workflows) -> None:
        self.workflow = next((w for w in workflows if w.id == self.workflow.id), self.workflow)
        self._show_job()

    def _show_jobs(self, resource: WorkflowJobs, jobs) -> None:
        job = next((j for j in jobs if j.id == self.job.id), None)
        if job is not None:
            number_appeared = self.job.job_number is None and job.job_number is not None
            self.job = self.steps.job = job
            if number_appeared and not job.is_approval:
                self.details_note = ""
                self.steps.note = self._steps_note()
        self._show_job()
        self.update_location()

    def _show_details(self, resource: JobInfo, details) -> None:
        self.details, self.details_note = details, ""
        self._show_job()

    def _show_build(self, resource: JobBuild, build) -> None:
        self.steps.note = "" if build.steps else (
            "No steps yet." if build.is_running else "This job has no steps.")
        self.steps.build = build

    def _show_output(self, resource: StepOutput, snapshot) -> None:
        self.steps.show_output(resource, snapshot)

    def _show_tests(self, resource: JobTests, tests) -> None:
        pane = self.query_one(TestsPane)
        pane.items, pane.note = tests, ""

    def _show_artifacts(self, resource: JobArtifacts, artifacts) -> None:
        pane = self.query_one(ArtifactsPane)
        pane.items, pane.note = artifacts, ""

    _SHOW = {PipelineWorkflows: _show_workflows, WorkflowJobs: _show_jobs,
             JobInfo: _show_details, JobBuild: _show_build, StepOutput: _show_output,
             JobTests: _show_tests, JobArtifacts: _show_artifacts}

    def show_error(self, resource, error: CircleCIError) -> None:
        # A failure with data on screen keeps the data: the status line says what is wrong,
        # and the poller only reports the next answer if it differs, so a note would stay.
        # Notes are for what has nothing to show yet.
        gone, message = isinstance(error, NotFound), clean(error.message)
        if isinstance(resource, JobInfo) and (gone or self.details is None):
            self.details_note = ("CircleCI has no details for this job (404)." if gone
                                 else f"Job details unavailable: {message}")
            self._show_job()
        elif isinstance(resource, JobBuild) and self.steps.build is None:
            self.steps.note = ("CircleCI has no steps for this job (404)." if gone
                               else f"Steps unavailable: {message}. Retrying.")
        elif isinstance(resource, StepOutput):
            self.steps.output_failed(resource, gone, message)
        elif isinstance(resource, JobTests) and (tests := self.query_one(TestsPane)).items is None:
            tests.note = f"Tests unavailable: {message}"
        elif isinstance(resource, JobArtifacts) and (
                artifacts := self.query_one(ArtifactsPane)).items is None:
            artifacts.note = f"Artifacts unavailable: {message}"

    def _show_job(self) -> None:
        """The job (or its workflow, or its details) changed: summary, details, tab notes."""
        runs = self.steps.runs
        facts = JobFacts(self.pipeline, self.workflow, self.job, self.details,
                         self.details_note, self.job_url(), self.steps.run_index, len(runs))
        self.query_one(JobSummary).facts = facts
        self.query_one(JobDetailsView).facts = facts
        stage = self._stage()
        for pane in self.query(ListPane):
            pane.stage = stage

    def _stage(self) -> Stage:
        if self.job.is_approval:
            return "approval"
        if self.job.job_number is None:
            return "not-started"
        return "finished" if is_finished(self.status) else "running"

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

    def selected_artifact(self) -> Artifact | None:
        if not self.is_mounted or self.query_one(TabbedContent).active != "artifacts-pane":
            return None
        return self.query_one(ArtifactsPane).selected

    def selected_url(self) -> str | None:
        if (artifact := self.selected_artifact()) is not None:
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
            steps = self.steps
            return True if (steps.has_lines if action == "save_log" else steps.has_output) \
                else None
        if action in ("previous_run", "next_run"):
            return len(self.steps.runs) > 1
        return super().check_action(action, parameters)

    # -- keys --------------------------------------------------------------------------------

    def action_search_log(self) -> None:
        if self.steps.has_output:
            self.query_one(TabbedContent).active = "steps-pane"
            self.steps.open_search()

    def action_save_log(self) -> None:
        self.steps.save()

    def action_previous_run(self) -> None:
        self.steps.switch_run(-1)

    def action_next_run(self) -> None:
        self.steps.switch_run(1)

    def action_show_tab(self, pane: str) -> None:
        if pane not in TABS:
            return
        self.query_one(TabbedContent).active = pane
        widget = self.query_one(TABS[pane])
        if widget.display:
            widget.focus()
