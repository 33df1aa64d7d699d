"""The job screen: why did it fail? Steps with their output, test results, artifacts, details.

Four tabs under a one-line summary:

* **Steps** (default): the job's steps from API v1.1 (v2 has none, notes §6) with a status
  glyph and duration, and the selected step's output below in a ``LogView``. Until the user
  picks a step, the screen picks it: the first failed step (switching to the parallel run that
  failed), else the running step, else the longest. A running step's output is polled and
  appended; the view sticks to the bottom unless the user scrolled up. ``[``/``]`` switch the
  parallel run, ``/`` searches, ``s`` saves the output as plain text.
* **Tests**: failures first; Enter shows one result in full.
* **Artifacts**: path, node, URL; ``y``/``o`` copy or open the highlighted artifact's URL.
* **Details**: the v2 job details. CircleCI answers 404 to those for approval jobs (and jobs
  that never got a number), so those show what the workflow's job list knows instead.

``circleci/<org-id>/<project-id>`` projects cannot be read through v1.1 (notes §9): their
Steps tab says so and is never requested; everything else works the same.

Big outputs are parsed off the event loop: the first read of a step goes to a thread worker
that builds a ``LogBuffer`` and hands it to the view (which then holds it: no copy); what a
running step adds is appended to that buffer, in slices between which the app stays responsive.
The raw chunks of the open step stay in the monitor's cache (to compare the next poll with);
lines only become ``Text`` when they are drawn.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from pathlib import Path

from rich.table import Table as Grid
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane, Tabs
from textual.worker import Worker, WorkerState

from circletui.api.errors import CircleCIError, NotFound
from circletui.api.models import Artifact, Job, JobDetails, Pipeline, TestResult, Workflow
from circletui.api.v1models import Action, Build, Step
from circletui.logtext import LogBuffer, parse_output
from circletui.monitor import JobInfo, PipelineWorkflows, WorkflowJobs
from circletui.monitor.job_resources import (
    Chunk,
    JobArtifacts,
    JobBuild,
    JobTests,
    OutputSnapshot,
    StepOutput,
    step_key,
    supports_v1,
)
from circletui.private_files import private_dir
from circletui.status import is_finished, label
from circletui.timefmt import PLACEHOLDER, elapsed, format_duration
from circletui.ui.formatting import ref_of
from circletui.ui.palette import status_text
from circletui.ui.screens.base import BaseScreen
from circletui.ui.screens.test_result import TestResultScreen, run_time_text
from circletui.ui.text import clean, safe
from circletui.ui.widgets.log_view import LogView
from circletui.ui.widgets.search_bar import SearchBar
from circletui.ui.widgets.table import Table
from circletui.weburls import job_web_url

#: output bigger than this (characters) is parsed in a thread instead of on the event loop
PARSE_IN_THREAD = 64 * 1024

TABS = ("steps-pane", "tests-pane", "artifacts-pane", "details-pane")

LOADING_STEPS = "Loading steps…"

NO_V1_NOTE = (
    "Steps and their output are not available for this project: its slug ({slug}) is a "
    "GitHub App or GitLab one, which CircleCI's v1.1 API (the only one with step output) "
    "cannot address. Tests (2), artifacts (3) and details (4) are in the other tabs."
)

# A test result string, as the status table knows it.
_TEST_STATUS = {"success": "success", "skipped": "not_run", "": "not_run"}


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "—"


def action_seconds(action: Action | None, now: datetime) -> float | None:
    """How long an action ran, or has been running so far."""
    if action is None:
        return None
    if action.run_time_millis is not None:
        return action.run_time_millis / 1000
    if action.start_time is None:
        return None
    return max(((action.end_time or now) - action.start_time).total_seconds(), 0.0)


def _slug_part(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9._]+", "-", value).strip("-.")[:60]


def log_filename(project_slug: str, job_name: str, job_number: int | None, step_name: str,
                 index: int | None = None) -> str:
    """``<project>-<job>-<number>-<step>[-node<i>].log``, safe on every file system."""
    parts = [project_slug.rsplit("/", 1)[-1], job_name]
    if job_number is not None:
        parts.append(str(job_number))
    parts.append(step_name)
    if index is not None:
        parts.append(f"node{index}")
    name = "-".join(p for p in (_slug_part(part) for part in parts) if p)
    return f"{name or 'output'}.log"


def save_folder() -> Path:
    """Where ``s`` writes: a ``circletui`` folder (``0700``, created on first use) in
    ``~/Downloads`` when there is one, else in the current directory."""
    downloads = Path.home() / "Downloads"
    return (downloads if downloads.is_dir() else Path.cwd()) / "circletui"


def tests_label(tests: tuple[TestResult, ...] | None, final: bool = True) -> Text:
    """``Tests 3 failed / 412``, ``Tests 412``; no count while unknown (or none yet)."""
    if tests is None or (not tests and not final):
        return Text("Tests")
    failed = sum(1 for t in tests if t.failed)
    if failed:
        return Text(f"Tests {failed} failed / {len(tests)}")
    return Text(f"Tests {len(tests)}")


def artifacts_label(artifacts: tuple[Artifact, ...] | None, final: bool = True) -> Text:
    """``Artifacts 5``; no count while unknown (or none yet)."""
    if artifacts is None or (not artifacts and not final):
        return Text("Artifacts")
    return Text(f"Artifacts {len(artifacts)}")


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
        self.details: JobDetails | None = None
        self.details_note = ""
        # Steps (v1.1).
        self.build: Build | None = None
        self.steps_note = ""
        self.run_index = 0
        self.step_position: int | None = None
        self._auto = True  # the screen picks the step until the user does
        self._index_chosen = False  # the user picked the parallel run
        # The output in the log view: which resource, and how much of it the buffer holds.
        self.output: StepOutput | None = None
        self.output_note = ""
        self._snapshot: OutputSnapshot | None = None
        self._fed = 0
        self._fed_last: Chunk | None = None
        self._finished = False
        self._generation = 0
        self._parse_worker: Worker | None = None
        self._feed_worker: Worker | None = None
        # ((query, lines), count): matches are counted when a search is submitted.
        self._match_count: tuple[tuple[str, int], int] | None = None
        # Tests and artifacts (v2).
        self.tests: tuple[TestResult, ...] | None = None
        self.ordered_tests: tuple[TestResult, ...] = ()  # as listed: failures first
        self.tests_note = ""
        self.artifacts: tuple[Artifact, ...] | None = None
        self.artifacts_note = ""

    # -- layout -----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static(id="job-summary")
        with TabbedContent(id="job-tabs"):
            with TabPane("Steps", id="steps-pane"):
                yield Static(id="steps-note")
                yield Table(id="steps", show_header=False)
                yield Static(id="log-title")
                yield LogView(id="log")
                yield SearchBar(placeholder="search the output", id="log-search")
            with TabPane("Tests", id="tests-pane"):
                yield Static(id="tests-note")
                yield Table(id="tests")
            with TabPane("Artifacts", id="artifacts-pane"):
                yield Static(id="artifacts-note")
                yield Table(id="artifacts")
            with TabPane("Details", id="details-pane"):
                with VerticalScroll(id="job-body"):
                    yield Static(id="job-details")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        steps = self.query_one("#steps", DataTable)
        steps.add_column("", key="status")
        steps.add_column("Time", key="time")
        steps.add_column("Step", key="name")
        tests = self.query_one("#tests", DataTable)
        for key, title in (("status", ""), ("time", "Time"), ("name", "Test"),
                           ("classname", "Class"), ("file", "File"), ("message", "Message")):
            tests.add_column(title, key=key)
        artifacts = self.query_one("#artifacts", DataTable)
        for key, title in (("node", "Node"), ("path", "Path"), ("url", "URL")):
            artifacts.add_column(title, key=key)
        self.query_one(SearchBar).display = False
        if self.job.is_approval:
            self.details_note = "Approval jobs have no job details at CircleCI."
            self.steps_note = "Approval jobs have no steps."
            self.query_one(TabbedContent).active = "details-pane"
        elif self.job.job_number is None:
            self.details_note = "This job has not started yet."
            self.steps_note = "This job has not started yet."
        elif not supports_v1(self.pipeline.project_slug):
            self.steps_note = NO_V1_NOTE.format(slug=self.pipeline.project_slug)
        else:
            self.steps_note = LOADING_STEPS
        self._render_all()
        self._show_tests()
        self._show_artifacts()
        if self.steps_note == LOADING_STEPS:
            self.query_one(LogView).focus()
        else:
            # No log to read here: the tabs take the keys (left / right switch them).
            self.query_one(Tabs).focus()

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
            if self.output is not None:
                resources.append(self.output)
        return resources

    def _update_subscriptions(self) -> None:
        # Only while visible: a suspended screen holds no subscription (BaseScreen).
        if self.is_current:
            self.resubscribe()

    def show(self, resource, value) -> None:
        if isinstance(resource, PipelineWorkflows):
            self.workflow = next((w for w in value if w.id == self.workflow.id), self.workflow)
            self._render_all()
        elif isinstance(resource, WorkflowJobs):
            job = next((j for j in value if j.id == self.job.id), None)
            if job is not None:
                number_appeared = self.job.job_number is None and job.job_number is not None
                self.job = job
                if number_appeared and not job.is_approval:
                    self.details_note = ""
                    self.steps_note = (LOADING_STEPS if supports_v1(self.pipeline.project_slug)
                                       else NO_V1_NOTE.format(slug=self.pipeline.project_slug))
            self._render_all()
            self.update_location()
        elif isinstance(resource, JobInfo):
            self.details = value
            self.details_note = ""
            self._render_all()
        elif isinstance(resource, JobBuild):
            self._show_build(value)
        elif isinstance(resource, StepOutput):
            if resource == self.output:
                self.output_note = ""
                self._snapshot = value
                self._sync_log()
        elif isinstance(resource, JobTests):
            self.tests = value
            self.tests_note = ""
            self._show_tests()
        elif isinstance(resource, JobArtifacts):
            self.artifacts = value
            self.artifacts_note = ""
            self._show_artifacts()
        self._update_subscriptions()
        self.selection_changed()

    def show_error(self, resource, error: CircleCIError) -> None:
        # A failure with data on screen keeps the data: the status line says what is wrong,
        # and the poller only reports the next answer if it differs, so a note would stay.
        # Notes are for what has nothing to show yet.
        gone = isinstance(error, NotFound)
        message = clean(error.message)
        if isinstance(resource, JobInfo) and (gone or self.details is None):
            self.details_note = ("CircleCI has no details for this job (404)." if gone
                                 else f"Job details unavailable: {message}")
            self._render_details()
        elif isinstance(resource, JobBuild) and self.build is None:
            self.steps_note = ("CircleCI has no steps for this job (404)." if gone
                               else f"Steps unavailable: {message}. Retrying.")
            self._render_steps()
        elif isinstance(resource, StepOutput) and resource == self.output and not self._fed:
            self.output_note = ("The output is gone (404)." if gone
                                else f"Output unavailable: {message}. Retrying.")
            self._render_log_title()
        elif isinstance(resource, JobTests) and self.tests is None:
            self.tests_note = f"Tests unavailable: {message}"
            self._show_tests()
        elif isinstance(resource, JobArtifacts) and self.artifacts is None:
            self.artifacts_note = f"Artifacts unavailable: {message}"
            self._show_artifacts()

    # -- the selection, as the actions see it ------------------------------------------------

    def selected_workflow(self) -> Workflow | None:
        return self.workflow

    def selected_job(self) -> Job | None:
        return self.job

    def selected_artifact(self) -> Artifact | None:
        if not self.artifacts or self.query_one(TabbedContent).active != "artifacts-pane":
            return None
        row = self.query_one("#artifacts", DataTable).cursor_row
        return self.artifacts[row] if 0 <= row < len(self.artifacts) else None

    def selected_url(self) -> str | None:
        if self.is_mounted and (artifact := self.selected_artifact()) is not None:
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

    def selected_step(self) -> Step | None:
        if self.build is None or self.step_position is None:
            return None
        steps = self.build.steps
        return steps[self.step_position] if self.step_position < len(steps) else None

    def selected_action(self) -> Action | None:
        step = self.selected_step()
        return step.action_for(self.run_index) if step else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("search_log", "save_log"):
            if self.job.is_approval or not supports_v1(self.pipeline.project_slug):
                return False  # never any output here: not even a greyed-out key
            if action == "search_log":
                return True if self.output is not None else None
            return True if self.output is not None and self._fed else None
        if action in ("previous_run", "next_run"):
            return self.build is not None and len(self.build.parallel_indexes()) > 1
        return super().check_action(action, parameters)

    # -- steps -------------------------------------------------------------------------------

    def _show_build(self, build: Build) -> None:
        self.build = build
        self.steps_note = "" if build.steps else (
            "No steps yet." if build.is_running else "This job has no steps.")
        indexes = build.parallel_indexes()
        if self.run_index not in indexes:
            self.run_index = indexes[0]
        log = self.query_one(LogView)
        # Follow the job (the failure, the running step) until the user picks a step, and not
        # while they read (scrolled up) or search.
        if self._auto and (self.output is None or (log.follow and not log.search_query)):
            pick = build.step_to_open(self.run_index if self._index_chosen else None)
            if pick is not None:
                self.step_position, self.run_index = pick
        elif self.step_position is not None and self.step_position >= len(build.steps):
            self.step_position = None
        self._render_steps()
        self._open_output()
        self._render_summary()
        if self.focused is None and self.query_one(TabbedContent).active == "steps-pane":
            log.focus()  # it could not take the focus while it was hidden

    def _render_steps(self) -> None:
        table = self.query_one("#steps", DataTable)
        note = self.query_one("#steps-note", Static)
        note.update(Text(self.steps_note, style="italic"))
        note.display = bool(self.steps_note)
        has_steps = self.build is not None and bool(self.build.steps)
        for widget in (table, self.query_one("#log-title"), self.query_one(LogView)):
            widget.display = has_steps
        if self.build is None:
            return
        now = self.tui.now()
        for position, step in enumerate(self.build.steps):
            cells = self._step_cells(step, now)
            key = str(position)
            if position < table.row_count:
                for column, value in zip(("status", "time", "name"), cells, strict=True):
                    table.update_cell(key, column, value)
            else:
                table.add_row(*cells, key=key)
        while table.row_count > len(self.build.steps):
            table.remove_row(str(table.row_count - 1))
        if self.step_position is not None and table.cursor_row != self.step_position:
            table.move_cursor(row=self.step_position)

    def _step_cells(self, step: Step, now: datetime) -> tuple[Text, Text, Text]:
        action = step.action_for(self.run_index)
        status = action.status if action else None
        glyph = status_text(status, self.app, with_label=False)
        time = Text(format_duration(action_seconds(action, now)) if action else PLACEHOLDER,
                    justify="right")
        name = Text(clean(step.name))
        if step.is_background:
            name.append("  background", style="dim")
        elsewhere = sorted({a.index for a in step.actions
                            if a.is_failure and a.counts_for_job and a.index != self.run_index
                            and (action is None or a.index != action.index)})
        if elsewhere:
            runs = ", ".join(str(i) for i in elsewhere)
            name.append(f"  failed on run {runs}", style=status_text("failed", self.app).style)
        return glyph, time, name

    @on(DataTable.RowHighlighted, "#steps")
    def _step_highlighted(self, event: DataTable.RowHighlighted) -> None:
        # Our own cursor moves land on step_position, and a highlight the cursor has already
        # left is stale: only the user's move to another step counts.
        row = event.cursor_row
        if row == self.step_position or row != event.data_table.cursor_row:
            return
        self._auto = False
        self.step_position = row
        self._render_steps()
        self._open_output()
        self._update_subscriptions()
        self.selection_changed()

    @on(DataTable.RowSelected, "#steps")
    def _step_selected(self, event: DataTable.RowSelected) -> None:
        self.query_one(LogView).focus()

    def action_previous_run(self) -> None:
        self._switch_run(-1)

    def action_next_run(self) -> None:
        self._switch_run(1)

    def _switch_run(self, delta: int) -> None:
        if self.build is None:
            return
        indexes = self.build.parallel_indexes()
        if len(indexes) < 2:
            return
        position = indexes.index(self.run_index) if self.run_index in indexes else 0
        self.run_index = indexes[(position + delta) % len(indexes)]
        self._index_chosen = True
        if self._auto:
            pick = self.build.step_to_open(self.run_index)
            if pick is not None:
                self.step_position = pick[0]
        self._render_steps()
        self._open_output()
        self._render_summary()
        self._update_subscriptions()
        self.selection_changed()
        self.notify(f"Run {self.run_index} of {len(indexes)}", timeout=2)

    # -- output ------------------------------------------------------------------------------

    def _open_output(self) -> None:
        """Point the log at the selected step on the selected run (a no-op if it already is)."""
        step, action = self.selected_step(), self.selected_action()
        resource = None
        if step is not None and action is not None and self.job.job_number is not None:
            resource = StepOutput(self.pipeline.project_slug, self.job.job_number,
                                  step_key(step, self.step_position or 0), action.index)
        if resource != self.output:
            self.output = resource
            self.output_note = ""
            self._snapshot = None
            self._fed, self._fed_last, self._finished = 0, None, False
            self._generation += 1
            for worker in (self._parse_worker, self._feed_worker):
                if worker is not None:
                    worker.cancel()
            self._parse_worker = self._feed_worker = None
            log = self.query_one(LogView)
            log.buffer = LogBuffer()
            log.follow = True  # a step opens at its end, where an error would be
            if resource is not None and action is not None and not action.has_output:
                self.output_note = "This step has no output."
        self._render_log_title()

    def _sync_log(self) -> None:
        """Bring the log view up to the latest snapshot: parse it whole in a thread when it is
        new and big (or does not continue what the view has), else append what is new."""
        snapshot = self._snapshot
        if snapshot is None or self._parse_worker is not None or self._feed_worker is not None:
            return  # nothing yet, or a parse or feed is running: it syncs again when done
        chunks, fed = snapshot.chunks, self._fed
        consistent = fed <= len(chunks) and (fed == 0 or chunks[fed - 1] == self._fed_last)
        if not consistent or (fed == 0 and snapshot.size > PARSE_IN_THREAD):
            self._parse_worker = self._parse(self._generation, chunks, not snapshot.running)
            return
        if self._feed_slice():
            # A big increment (a chatty running step) goes in slices, between which the app
            # handles keys and repaints.
            self._feed_worker = self._feed_rest(self._generation)

    def _feed_slice(self) -> bool:
        """Append up to ``PARSE_IN_THREAD`` characters of new output; whether more is left."""
        snapshot = self._snapshot
        if snapshot is None:
            return False
        chunks = snapshot.chunks
        start = end = self._fed
        budget = PARSE_IN_THREAD
        while end < len(chunks) and budget > 0:
            budget -= len(chunks[end].get("message") or "")
            end += 1
        log = self.query_one(LogView)
        if end > start:
            log.append_chunks(chunks[start:end])
            self._fed, self._fed_last = end, chunks[end - 1]
        more = end < len(chunks)
        if not more and not snapshot.running and not self._finished:
            log.finish()
            self._finished = True
        self._render_log_title()
        self.selection_changed()
        return more

    @work(group="log-feed", exclusive=True, exit_on_error=False, name="append step output")
    async def _feed_rest(self, generation: int) -> None:
        try:
            while generation == self._generation:
                await asyncio.sleep(0)  # let the app breathe between slices
                if not self._feed_slice():
                    break
        finally:
            if generation == self._generation:
                self._feed_worker = None

    @work(thread=True, group="log-parse", exclusive=True, exit_on_error=False,
          name="parse step output")
    def _parse(self, generation: int, chunks: tuple[Chunk, ...],
               finish: bool) -> tuple[int, LogBuffer, int, Chunk | None, bool]:
        # Off the event loop: a 100,000-line output takes a while to turn into lines.
        buffer = parse_output(chunks, finish=finish)
        return generation, buffer, len(chunks), chunks[-1] if chunks else None, finish

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "log-feed" and event.worker.is_finished:
            self._sync_log()  # output that came while the slices went in
            return
        if event.worker is not self._parse_worker or not event.worker.is_finished:
            return
        self._parse_worker = None
        if event.state is WorkerState.SUCCESS and event.worker.result is not None:
            generation, buffer, count, last, finished = event.worker.result
            if generation == self._generation:
                self.query_one(LogView).buffer = buffer
                self._fed, self._fed_last, self._finished = count, last, finished
        elif event.state is WorkerState.ERROR:
            self.output_note = f"Could not read the output: {event.worker.error!r}"
        self._sync_log()
        self._render_log_title()
        self.selection_changed()

    def _render_log_title(self) -> None:
        step, action = self.selected_step(), self.selected_action()
        title = Text(no_wrap=True, overflow="ellipsis")
        if step is None:
            self.query_one("#log-title", Static).update(title)
            return
        status = action.status if action else None
        title.append_text(status_text(status, self.app, with_label=False))
        title.append(" ")
        title.append(clean(step.name), style="bold")
        facts = [format_duration(action_seconds(action, self.tui.now()))]
        if action is not None and action.exit_code is not None:
            facts.append(f"exit {action.exit_code}")
        if self.build is not None and self.build.parallel > 1 and action is not None:
            facts.append(f"run {action.index}")
        log = self.query_one(LogView)
        facts.append(f"{log.line_count:,} lines")
        if self._parse_worker is not None:
            facts.append("reading…")
        elif action is not None and action.is_running:
            facts.append("following" if log.follow else "paused (G follows)")
        if log.search_query:
            facts.append(f"/{clean(log.search_query)}: {self._match_summary(log)}")
        title.append("  " + " · ".join(facts), style="dim")
        if self.output_note:
            title.append("  " + self.output_note, style="italic")
        self.query_one("#log-title", Static).update(title)

    def _match_summary(self, log: LogView) -> str:
        """``3 matches``, ``no match``; while typing, only where the match is (counting every
        match of a 100,000-line log on each key press would make typing lag)."""
        match = log.current_match
        key = (log.search_query, log.line_count)
        if self._match_count is not None and self._match_count[0] == key:
            count = self._match_count[1]
            where = f", line {match[0] + 1:,}" if match is not None else ""
            return (f"{count:,} match{'es' if count != 1 else ''}" if count else "no match") + where
        return f"line {match[0] + 1:,}" if match is not None else "no match"

    def _count_matches(self) -> None:
        log = self.query_one(LogView)
        if log.search_query:
            self._match_count = ((log.search_query, log.line_count), log.match_count())

    def on_log_view_follow_changed(self, event: LogView.FollowChanged) -> None:
        self._render_log_title()

    def on_log_view_match_changed(self, event: LogView.MatchChanged) -> None:
        # n / N after a search (not typing): the count may be stale if the log grew.
        if not self.query_one(SearchBar).display:
            log = self.query_one(LogView)
            if self._match_count is None or self._match_count[0] != (log.search_query,
                                                                     log.line_count):
                self._count_matches()
        self._render_log_title()

    # -- search and save ---------------------------------------------------------------------

    def action_search_log(self) -> None:
        if self.output is None:
            return
        self.query_one(TabbedContent).active = "steps-pane"
        bar = self.query_one(SearchBar)
        bar.value = self.query_one(LogView).search_query
        bar.display = True
        bar.focus()

    @on(SearchBar.Changed, "#log-search")
    def _search_changed(self, event: SearchBar.Changed) -> None:
        self.query_one(LogView).search(event.value)

    @on(SearchBar.Submitted, "#log-search")
    def _search_submitted(self, event: SearchBar.Submitted) -> None:
        log = self.query_one(LogView)
        self._close_search()
        self._count_matches()
        self._render_log_title()
        if event.value and log.current_match is None:
            self.notify(f"No match for {clean(event.value)}", severity="warning", markup=False)

    @on(SearchBar.Cancelled, "#log-search")
    def _search_cancelled(self, event: SearchBar.Cancelled) -> None:
        self.query_one(LogView).clear_search()
        self._close_search()

    def _close_search(self) -> None:
        self.query_one(SearchBar).display = False
        self.query_one(LogView).focus()

    def action_save_log(self) -> None:
        step, action = self.selected_step(), self.selected_action()
        if step is None or not self._fed:
            self.notify("No output to save.", severity="warning")
            return
        parallel = self.build is not None and self.build.parallel > 1
        name = log_filename(self.pipeline.project_slug, self.job.name, self.job.job_number,
                            step.name, action.index if parallel and action else None)
        path = save_folder() / name
        try:
            path = self.query_one(LogView).save(private_dir(path.parent) / name)
        except OSError as error:
            self.notify(f"Could not save {path}: {error.strerror or error}", severity="error",
                        markup=False)
        else:
            self.notify(f"Saved {path}", markup=False)

    # -- tests and artifacts -----------------------------------------------------------------

    def _show_tests(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tests-pane").label = tests_label(self.tests, is_finished(self.status))
        tests = self.tests or ()
        # Failures first; otherwise the order CircleCI gave.
        ordered = sorted(tests, key=lambda t: not t.failed)
        self.ordered_tests = tuple(ordered)
        rows = []
        for test in ordered:
            status = "failed" if test.failed else _TEST_STATUS.get(test.result, "unknown")
            message = (test.message or "").strip().splitlines()
            rows.append((
                status_text(status, self.app, with_label=False),
                Text(run_time_text(test.run_time), justify="right"),
                safe(test.name), safe(test.classname, "dim"), safe(test.file or ""),
                safe(message[0] if message else "", "italic"),
            ))
        self._fill("tests", rows, self.tests_note or self._empty_note(tests, "test results"))

    def _fill(self, name: str, rows: list[tuple[Text, ...]], note_text: str) -> None:
        """Refill the ``#name`` table (keeping the cursor's row) and its ``#name-note``."""
        table = self.query_one(f"#{name}", DataTable)
        note = self.query_one(f"#{name}-note", Static)
        note.update(Text(note_text, style="italic"))
        note.display = bool(note_text)
        table.display = bool(rows)
        row = table.cursor_row
        table.clear()
        for cells in rows:
            table.add_row(*cells)
        if rows:
            table.move_cursor(row=min(max(row, 0), len(rows) - 1))

    @on(DataTable.RowSelected, "#tests")
    def _test_selected(self, event: DataTable.RowSelected) -> None:
        ordered = self.ordered_tests
        if 0 <= event.cursor_row < len(ordered):
            self.app.push_screen(TestResultScreen(ordered[event.cursor_row]))

    def _show_artifacts(self) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("artifacts-pane").label = artifacts_label(self.artifacts,
                                                               is_finished(self.status))
        artifacts = self.artifacts or ()
        rows = [
            (Text(str(a.node_index), justify="right"), safe(a.path), safe(a.url, "dim"))
            for a in artifacts
        ]
        self._fill("artifacts", rows,
                   self.artifacts_note or self._empty_note(artifacts, "artifacts"))

    def _empty_note(self, items: tuple | None, what: str) -> str:
        """What an empty tests or artifacts tab says (nothing when it has rows)."""
        if items:
            return ""
        if self.job.is_approval:
            return f"Approval jobs have no {what}."
        if self.job.job_number is None:
            return "This job has not started yet."
        if items is None:
            return f"Loading {what}…"
        if is_finished(self.status):
            return f"No {what}."
        return f"No {what} yet: a job stores them as it runs, usually at its end."

    @on(DataTable.RowHighlighted, "#artifacts")
    def _artifact_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.selection_changed()

    # -- tabs --------------------------------------------------------------------------------

    def action_show_tab(self, pane: str) -> None:
        if pane not in TABS:
            return
        self.query_one(TabbedContent).active = pane
        target = {"steps-pane": "#log", "tests-pane": "#tests", "artifacts-pane": "#artifacts",
                  "details-pane": "#job-body"}[pane]
        widget = self.query_one(target)
        if widget.display:
            widget.focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.selection_changed()

    # -- summary and details -----------------------------------------------------------------

    def tick(self) -> None:
        """Every second: running durations move on."""
        if self.build is not None and self.build.is_running:
            self._render_steps()
            self._render_log_title()
        if not is_finished(self.status):
            self._render_summary()

    def _render_all(self) -> None:
        self._render_summary()
        self._render_steps()
        self._render_details()
        self._render_log_title()

    def _render_summary(self) -> None:
        job, d = self.job, self.details
        now = self.tui.now()
        text = status_text(self.status, self.app)
        text.append("  ")
        text.append(clean(job.name), style="bold")
        if job.job_number is not None:
            text.append(f"  #{job.job_number}")
        if d is not None:
            seconds = (d.duration_ms / 1000 if d.duration_ms is not None
                       else elapsed(d.started_at, d.stopped_at, now))
        else:
            seconds = elapsed(job.started_at, job.stopped_at, now) if job.started_at else None
        if seconds is not None:
            text.append(f"  {format_duration(seconds)}")
        if self.build is not None and len(self.build.parallel_indexes()) > 1:
            text.append(f"  run {self.run_index} of {len(self.build.parallel_indexes())}  [ ]",
                        style="dim")
        text.no_wrap = True
        text.overflow = "ellipsis"
        self.query_one("#job-summary", Static).update(text)

    def _render_details(self) -> None:
        job, d, p = self.job, self.details, self.pipeline
        now = self.tui.now()
        status = d.status if d else job.status
        grid = Grid.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()

        def row(name: str, value: str | Text) -> None:
            grid.add_row(name, value if isinstance(value, Text) else Text(clean(value)))

        title = status_text(status, self.app)
        row("Job", Text(clean(job.name), style="bold") + Text("  ") + title)
        row("Type", "approval" if job.is_approval else clean(job.type))
        if job.job_number is not None:
            row("Number", str(job.job_number))
        row("Workflow", f"{self.workflow.name} ({label(self.workflow.status)})")
        row("Pipeline", f"{p.project_slug} #{p.number}")
        row("Branch", ref_of(p) or "—")
        if p.vcs and p.vcs.revision:
            row("Commit", f"{p.vcs.revision[:12]}  {p.subject}")
        row("Triggered by", f"{p.trigger.actor.login} ({p.trigger.type})")
        if d:
            executor = " / ".join(x for x in (d.executor_type, d.resource_class) if x)
            row("Executor", executor or "—")
            runs = ", ".join(f"{r.index}:{label(r.status)}" for r in d.parallel_runs)
            row("Parallelism", f"{d.parallelism}" + (f"  ({runs})" if d.parallelism > 1 else ""))
            row("Queued", _when(d.queued_at))
            row("Started", _when(d.started_at))
            row("Stopped", _when(d.stopped_at))
            seconds = (d.duration_ms / 1000 if d.duration_ms is not None
                       else elapsed(d.started_at, d.stopped_at, now))
            row("Duration", format_duration(seconds) if seconds is not None else "—")
            if d.contexts:
                row("Contexts", ", ".join(d.contexts))
            for message in d.messages:
                row(message.type.capitalize() or "Message", message.message)
        else:
            row("Started", _when(job.started_at))
            row("Stopped", _when(job.stopped_at))
            seconds = elapsed(job.started_at, job.stopped_at, now) if job.started_at else None
            row("Duration", format_duration(seconds) if seconds is not None else "—")
            if job.approved_by:
                row("Approved by", job.approved_by)
        url = self.job_url()
        if url:
            row("Web", url)
        if self.details_note:
            row("Note", Text(self.details_note, style="italic"))
        self.query_one("#job-details", Static).update(grid)
