"""``StepsPane``: the job screen's Steps tab, the job's steps over the selected step's output.

The steps come from API v1.1 (v2 has no steps or step output; v1.1's build details list each
step with its actions, https://circleci.com/docs/api/v1/). Each has a status glyph and a
duration; the selected step's output is in a ``LogView`` below, with a ``SearchBar`` under it.
Until the user picks a step, the pane picks it: the first failed step (switching to the
parallel run that failed), else the running step, else the longest. A running step's output
is appended as it comes; the view sticks to the bottom unless the user scrolled up.

Attributes down, messages up: the screen sets ``job`` (as the workflow's job list says) and
``build`` (each poll of the steps, through ``show_build``), and hands each poll of the open
step's output to ``show_output``. ``output`` is the output the pane wants; when it (or the
parallel run, or what the keys can do) changes the pane posts ``StepsPane.Changed``, and the
screen subscribes to the new output and refreshes its footer. The screen's keys call
``open_search`` (``/``), ``save`` (``s``) and ``switch_run`` (``[``/``]``).

Big outputs are parsed off the event loop: the first read of a step goes to a thread worker
that builds a ``LogBuffer`` and hands it to the view (which then holds it: no copy); what a
running step adds is appended to that buffer, in slices between which the app stays
responsive. A generation counter, bumped when another step opens, drops what a worker
finishes for a step no longer shown. The raw chunks of the open step stay in the monitor's
cache (to compare the next poll with); lines only become ``Text`` when they are drawn.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import DataTable, Static, TabPane
from textual.worker import Worker, WorkerState

from circletui.api.models import Job
from circletui.api.v1models import Action, Build, Step
from circletui.logtext import LogBuffer, parse_output
from circletui.monitor.job_resources import (
    Chunk,
    OutputSnapshot,
    StepOutput,
    step_key,
    supports_v1,
)
from circletui.private_files import private_dir
from circletui.sshcommand import is_ssh_step, ssh_command_in_chunks
from circletui.timefmt import PLACEHOLDER, format_duration
from circletui.ui.palette import status_text
from circletui.ui.text import clean
from circletui.ui.widgets.log_view import LogView
from circletui.ui.widgets.search_bar import SearchBar
from circletui.ui.widgets.table import Table

#: output bigger than this (characters) is parsed in a thread instead of on the event loop
PARSE_IN_THREAD = 64 * 1024

LOADING_STEPS = "Loading steps…"

NO_V1_NOTE = (
    "Steps and their output are not available for this project: its slug ({slug}) is a "
    "GitHub App or GitLab one, which CircleCI's v1.1 API (the only one with step output) "
    "cannot address. Tests (2), artifacts (3) and details (4) are in the other tabs."
)


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


class StepsPane(TabPane):
    """The steps table, the selected step's title line and output, and the search bar."""

    job: reactive[Job | None] = reactive(None, init=False)
    """The job, as the workflow's job list last said (its number appears when it starts)."""
    build: reactive[Build | None] = reactive(None, always_update=True, init=False)
    """The job's steps (v1.1), as last polled."""
    note: reactive[str] = reactive("", init=False)
    """Said instead of the steps (loading, none, unavailable and why)."""

    class Changed(Message):
        """The output to follow, the parallel run or what the keys can do changed."""

        def __init__(self, pane: StepsPane) -> None:
            super().__init__()
            self.pane = pane

        @property
        def control(self) -> StepsPane:
            return self.pane

    def __init__(self, title: str, *, project_slug: str, job: Job,
                 now: Callable[[], datetime], id: str | None = None) -> None:
        super().__init__(title, id=id)
        self.project_slug = project_slug
        self._now = now
        self.run_index = 0
        self.step_position: int | None = None
        self._auto = True  # the pane picks the step until the user does
        self._index_chosen = False  # the user picked the parallel run
        # The output in the log view: which resource, and how much of it the buffer holds.
        self.output: StepOutput | None = None
        self._output_note = ""
        self._snapshot: OutputSnapshot | None = None
        self._fed = 0
        self._fed_last: Chunk | None = None
        self._finished = False
        self._generation = 0
        self._parse_worker: Worker | None = None
        self._feed_worker: Worker | None = None
        # ((query, lines), count): matches are counted when a search is submitted.
        self._match_count: tuple[tuple[str, int], int] | None = None
        self._announced: tuple | None = None
        # A job rerun with SSH: its "Enable SSH" step's output (read until it names the
        # command, whichever step is shown) and the command, for the screen to show and copy.
        self.ssh_output: StepOutput | None = None
        self.ssh_command: str | None = None
        self.set_reactive(StepsPane.job, job)
        self.set_reactive(StepsPane.note, self._waiting_note(job))

    def compose(self) -> ComposeResult:
        yield Static(id="steps-note")
        yield Table(id="steps", show_header=False,
                    columns=(("status", ""), ("time", "Time"), ("name", "Step")))
        yield Static(id="log-title")
        yield LogView(id="log")
        yield SearchBar(placeholder="search the output", id="log-search")

    def on_mount(self) -> None:
        self.query_one(SearchBar).display = False
        self._render_steps()

    # -- what the screen asks ----------------------------------------------------------------

    @property
    def log(self) -> LogView:
        return self.query_one(LogView)

    @property
    def runs(self) -> tuple[int, ...]:
        """The parallel runs' indexes (one for a job without parallelism)."""
        return tuple(self.build.parallel_indexes()) if self.build is not None else ()

    @property
    def has_output(self) -> bool:
        return self.output is not None

    @property
    def has_lines(self) -> bool:
        """Whether some output is in the view (there is something to save)."""
        return self.output is not None and bool(self._fed)

    @property
    def expects_output(self) -> bool:
        """Whether steps are on their way (else the note says why there are none)."""
        return self.build is not None or self.note == LOADING_STEPS

    def selected_step(self) -> Step | None:
        if self.build is None or self.step_position is None:
            return None
        steps = self.build.steps
        return steps[self.step_position] if self.step_position < len(steps) else None

    def selected_action(self) -> Action | None:
        step = self.selected_step()
        return step.action_for(self.run_index) if step else None

    def focus_log(self) -> None:
        self.log.focus()

    def refresh_clock(self) -> None:
        """Every second: a running step's duration moves on."""
        if self.build is not None and self.build.is_running:
            self._render_steps()
            self._render_log_title()

    def _announce(self) -> None:
        state = (self.output, self.has_lines, self.run_index, self.runs)
        if state != self._announced:
            self._announced = state
            self.post_message(self.Changed(self))

    # -- steps -------------------------------------------------------------------------------

    def _waiting_note(self, job: Job) -> str:
        """What the tab says until the steps come."""
        if job.is_approval:
            return "Approval jobs have no steps."
        if job.job_number is None:
            return "This job has not started yet."
        if not supports_v1(self.project_slug):
            return NO_V1_NOTE.format(slug=self.project_slug)
        return LOADING_STEPS

    def watch_job(self, old: Job | None, job: Job | None) -> None:
        if job is not None and old is not None and old.job_number is None \
                and job.job_number is not None and not job.is_approval:
            self.note = self._waiting_note(job)

    def watch_note(self) -> None:
        self._render_steps()

    def show_build(self, resource: object, build: Build) -> None:
        """A poll of the job's steps (``resource``) answered."""
        self.build = build
        self._find_ssh_step(build)

    def build_failed(self, resource: object, gone: bool, message: str) -> None:
        """Reading the steps failed (``gone``: a 404); said only while there are none."""
        if self.build is None:
            self.note = ("CircleCI has no steps for this job (404)." if gone
                         else f"Steps unavailable: {message}. Retrying.")

    def watch_build(self, build: Build | None) -> None:
        if build is None:
            return
        self.note = "" if build.steps else (
            "No steps yet." if build.is_running else "This job has no steps.")
        indexes = build.parallel_indexes()
        if self.run_index not in indexes:
            self.run_index = indexes[0]
        log = self.log
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
        if self.screen.focused is None and self.display:
            log.focus()  # it could not take the focus while it was hidden

    def _render_steps(self) -> None:
        table = self.query_one("#steps", Table)
        note = self.query_one("#steps-note", Static)
        note.update(Text(self.note, style="italic"))
        note.display = bool(self.note)
        has_steps = self.build is not None and bool(self.build.steps)
        for widget in (table, self.query_one("#log-title"), self.log):
            widget.display = has_steps
        if self.build is None:
            return
        now = self._now()
        table.replace_rows((str(position), self._step_cells(step, now))
                           for position, step in enumerate(self.build.steps))
        # One row per step, set here rather than left to ``height: auto``: an auto-height
        # DataTable measures its rows when it is next idle, and on a busy machine the layout
        # sometimes kept the height it had before the rows came (none), hiding the steps.
        table.styles.height = len(self.build.steps)
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

    @on(DataTable.RowSelected, "#steps")
    def _step_selected(self, event: DataTable.RowSelected) -> None:
        self.log.focus()

    def switch_run(self, delta: int) -> None:
        """Show the next (``delta`` 1) or previous (-1) parallel run."""
        indexes = self.runs
        if len(indexes) < 2 or self.build is None:
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
        self.notify(f"Run {self.run_index} of {len(indexes)}", timeout=2)

    # -- output ------------------------------------------------------------------------------

    def _open_output(self) -> None:
        """Point the log at the selected step on the selected run (a no-op if it already is)."""
        step, action = self.selected_step(), self.selected_action()
        resource = None
        number = self.job.job_number if self.job is not None else None
        if step is not None and action is not None and number is not None:
            resource = StepOutput(self.project_slug, number,
                                  step_key(step, self.step_position or 0), action.index)
        if resource != self.output:
            self.output = resource
            self._output_note = ""
            self._snapshot = None
            self._fed, self._fed_last, self._finished = 0, None, False
            self._generation += 1
            for worker in (self._parse_worker, self._feed_worker):
                if worker is not None:
                    worker.cancel()
            self._parse_worker = self._feed_worker = None
            log = self.log
            log.buffer = LogBuffer()
            log.follow = True  # a step opens at its end, where an error would be
            if resource is not None and action is not None and not action.has_output:
                self._output_note = "This step has no output."
        self._render_log_title()
        self._announce()

    def _find_ssh_step(self, build: Build) -> None:
        number = self.job.job_number if self.job is not None else None
        for position, step in enumerate(build.steps):
            action = step.action_for(self.run_index) if is_ssh_step(step.name) else None
            if action is not None and number is not None:
                self.ssh_output = StepOutput(self.project_slug, number,
                                             step_key(step, position), action.index)
                return

    @property
    def wanted_outputs(self) -> list[StepOutput]:
        """The outputs to poll: the one shown, and the SSH step's until it named the command."""
        wanted = [self.output] if self.output is not None else []
        if self.ssh_command is None and self.ssh_output not in (None, self.output):
            wanted.append(self.ssh_output)
        return wanted

    def show_output(self, resource: StepOutput, snapshot: OutputSnapshot) -> None:
        """A poll of ``resource``: the output the pane shows, or the SSH step's."""
        if resource == self.ssh_output and self.ssh_command is None:
            self.ssh_command = ssh_command_in_chunks(snapshot.chunks)
            if self.ssh_command:
                self.post_message(self.Changed(self))
        if resource == self.output:
            self._output_note = ""
            self._snapshot = snapshot
            self._sync_log()

    def output_failed(self, resource: StepOutput, gone: bool, message: str) -> None:
        """Reading ``resource`` failed (``gone``: a 404); said only while nothing is shown."""
        if resource == self.output and not self._fed:
            self._output_note = ("The output is gone (404)." if gone
                                 else f"Output unavailable: {message}. Retrying.")
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
        log = self.log
        if end > start:
            log.append_chunks(chunks[start:end])
            self._fed, self._fed_last = end, chunks[end - 1]
        more = end < len(chunks)
        if not more and not snapshot.running and not self._finished:
            log.finish()
            self._finished = True
        self._render_log_title()
        self._announce()
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
                self.log.buffer = buffer
                self._fed, self._fed_last, self._finished = count, last, finished
        elif event.state is WorkerState.ERROR:
            self._output_note = f"Could not read the output: {event.worker.error!r}"
        self._sync_log()
        self._render_log_title()
        self._announce()

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
        facts = [format_duration(action_seconds(action, self._now()))]
        if action is not None and action.exit_code is not None:
            facts.append(f"exit {action.exit_code}")
        if self.build is not None and self.build.parallel > 1 and action is not None:
            facts.append(f"run {action.index}")
        log = self.log
        facts.append(f"{log.line_count:,} lines")
        if self._parse_worker is not None:
            facts.append("reading…")
        elif action is not None and action.is_running:
            facts.append("following" if log.follow else "paused (G follows)")
        if log.search_query:
            facts.append(f"/{clean(log.search_query)}: {self._match_summary(log)}")
        title.append("  " + " · ".join(facts), style="dim")
        if self._output_note:
            title.append("  " + self._output_note, style="italic")
        self.query_one("#log-title", Static).update(title)

    # -- search and save ---------------------------------------------------------------------

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
        log = self.log
        if log.search_query:
            self._match_count = ((log.search_query, log.line_count), log.match_count())

    def on_log_view_follow_changed(self, event: LogView.FollowChanged) -> None:
        self._render_log_title()

    def on_log_view_match_changed(self, event: LogView.MatchChanged) -> None:
        # n / N after a search (not typing): the count may be stale if the log grew.
        if not self.query_one(SearchBar).display:
            log = self.log
            if self._match_count is None or self._match_count[0] != (log.search_query,
                                                                     log.line_count):
                self._count_matches()
        self._render_log_title()

    def open_search(self) -> None:
        """Show the ``/`` bar under the log, holding the current query."""
        if self.output is None:
            return
        bar = self.query_one(SearchBar)
        bar.value = self.log.search_query
        bar.display = True
        bar.focus()

    @on(SearchBar.Changed, "#log-search")
    def _search_changed(self, event: SearchBar.Changed) -> None:
        self.log.search(event.value)

    @on(SearchBar.Submitted, "#log-search")
    def _search_submitted(self, event: SearchBar.Submitted) -> None:
        log = self.log
        self._close_search()
        self._count_matches()
        self._render_log_title()
        if event.value and log.current_match is None:
            self.notify(f"No match for {clean(event.value)}", severity="warning", markup=False)

    @on(SearchBar.Cancelled, "#log-search")
    def _search_cancelled(self, event: SearchBar.Cancelled) -> None:
        self.log.clear_search()
        self._close_search()

    def _close_search(self) -> None:
        self.query_one(SearchBar).display = False
        self.log.focus()

    def save(self) -> None:
        """Write the output as plain text (see ``save_folder``) and say where."""
        step, action = self.selected_step(), self.selected_action()
        if step is None or not self._fed or self.job is None:
            self.notify("No output to save.", severity="warning")
            return
        parallel = self.build is not None and self.build.parallel > 1
        name = log_filename(self.project_slug, self.job.name, self.job.job_number,
                            step.name, action.index if parallel and action else None)
        path = save_folder() / name
        try:
            path = self.log.save(private_dir(path.parent) / name)
        except OSError as error:
            self.notify(f"Could not save {path}: {error.strerror or error}", severity="error",
                        markup=False)
        else:
            self.notify(f"Saved {path}", markup=False)
