"""The circletui application: wires settings, the client, the monitor and the screens.

The app owns the monitor (one poller for everything), the pipeline feed of the watched scope
and the approvals that ride on it; screens subscribe to what they show. IO runs in named
worker groups (``monitor``, ``startup``, ``actions``) with ``exit_on_error=False``; a worker
that fails anyway is reported in one place, :meth:`CircleTUI.on_worker_state_changed`.

An unexpected exception ends the app the way Textual would, with exit status 1 and the terminal
restored, but without Textual's crash report (it prints every frame's locals): one short line
instead, and a scrubbed report file (``circletui.crash``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerFailed, WorkerState

from circletui import crash
from circletui.api import CircleCIClient, RetryPolicy
from circletui.api.errors import CircleCIError
from circletui.api.models import Job, Pipeline, PipelineCreation, Workflow
from circletui.config import ConfigError, Settings
from circletui.monitor import (
    Actions,
    ApprovalFeed,
    FollowRerun,
    Health,
    Insights,
    Monitor,
    PendingApproval,
    PipelineFeed,
    PipelineRow,
    PipelineScope,
)
from circletui.monitor.watch import Watches, WatchEvent
from circletui.notify import desktop_sequence
from circletui.state import Remembered, StateFile
from circletui.ui.commands import ScreenCommands
from circletui.ui.messages import OpenConfig, OpenFlaky, OpenHealth, OpenJob, OpenWorkflow
from circletui.ui.screens.base import BaseScreen
from circletui.ui.screens.pipelines import PipelinesScreen
from circletui.ui.terminal import TerminalSequences

# The first screen is the pipelines list; the other screens (and what they need: the graph
# layout, log parsing, the v1 API models, YAML highlighting) are imported when they are first
# opened, so a start does not pay for them before the first rows are on screen.

#: How hard one poll tries: a quick second attempt for a blip, then the error goes to the
#: monitor, which backs off (or waits as Retry-After says) and tells the status line, instead
#: of one request sitting in retries for a minute while the screen looks fine.
POLL_RETRY = RetryPolicy(max_attempts=2, base_delay=0.5, max_delay=2.0, max_retry_after=5.0)

#: seconds a rerun's new job is looked for before giving up on opening it
FOLLOW_RERUN_TIMEOUT = 120.0

#: the org the demo opens on: the simulated world's busiest
DEMO_ORG = "gh/acme"
#: the demo's CircleCI host: a Server-style name, so web links show how Server URLs look
DEMO_HOST = "https://circleci.demo"


class CircleTUI(App[int]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "circletui"
    COMMANDS = App.COMMANDS | {ScreenCommands}
    BINDINGS = [
        Binding("A", "approvals", "Approvals", id="approvals"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+r", "refresh", "Refresh", id="refresh"),
    ]

    def __init__(
        self,
        settings: Settings,
        client: CircleCIClient,
        *,
        now: Callable[[], datetime] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        simulator: object | None = None,
        state: StateFile | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        #: where the scope, the theme and the workflow view are remembered (None: nowhere)
        self.state = state
        self.remembered = state.load() if state is not None else Remembered()
        self.client = client
        self.simulator = simulator
        self.now: Callable[[], datetime] = now or (lambda: datetime.now(UTC))
        self.monotonic = monotonic
        self.monitor = Monitor(
            client,
            interval=settings.interval,
            slow_interval=settings.slow_interval,
            clock=monotonic,
            wall_clock=self.now,
        )
        self.actions = Actions(self.monitor, clock=monotonic)
        #: what the user (or circletui itself, after a trigger or a rerun) asked to hear about
        self.watches = Watches(self.monitor, self._announce, on_change=self._watches_changed)
        #: where desktop notifications and the bell go (tests replace it)
        self.terminal = TerminalSequences(self)
        #: Insights, flaky tests and configs: fetched when a screen asks, kept for an hour
        self.insights = Insights(client, clock=monotonic, wall_clock=self.now)
        self.scope: PipelineScope | None = None
        self.feed: PipelineFeed | None = None
        self.approval_feed: ApprovalFeed | None = None
        self.rows_signal: Signal[list[PipelineRow]] = Signal(self, "rows")
        self.approvals_signal: Signal[list[PendingApproval]] = Signal(self, "approvals")
        self.health_signal: Signal[Health] = Signal(self, "health")
        #: set when an unexpected exception ended the app: what to tell the user
        self.crash_message: str | None = None

    # -- start and stop ----------------------------------------------------------------------

    def on_load(self) -> None:
        # Sent before the terminal is set up and the first screen composed: with the scope
        # known from the settings, the first listing request goes out now, while the UI is
        # being built, instead of after the first screen is mounted.
        self.monitor.add_health_listener(self.health_signal.publish)
        self.run_worker(self.monitor.run(), name="monitor", group="monitor", exit_on_error=False)
        scope = self._given_scope()
        if scope is not None:
            self.set_scope(scope)

    def on_mount(self) -> None:
        if self.settings.theme:
            if self.settings.theme in self.available_themes:
                self.theme = self.settings.theme
            else:
                self.notify(f"Unknown theme {self.settings.theme!r}; using the default.",
                            severity="warning", markup=False)
        self.theme_changed_signal.subscribe(self, lambda theme: self.remember(theme=theme.name))
        if self.settings.keymap:
            self.set_keymap(self.settings.keymap)
        for warning in self.settings.warnings:
            self.notify(warning, title="Your token is exposed", severity="warning",
                        timeout=30, markup=False)
        self.push_screen(PipelinesScreen())
        self.set_interval(1.0, self._sweep_actions, name="sweep-actions")
        if self.scope is None:
            self.resolve_scope()
        self.watch_my_pipelines()

    async def on_unmount(self) -> None:
        self.watches.close()
        if self.feed:
            self.feed.close()
        await self.client.aclose()

    def _sweep_actions(self) -> None:
        self.actions.sweep()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            if event.worker.group == "monitor" and isinstance(error, Exception):
                # Nothing would be polled any more: stale data shown as live is worse than
                # an exit that says why.
                self._handle_exception(error)
                return
            message = error.message if isinstance(error, CircleCIError) else repr(error)
            message = crash.scrub(message, self._secrets())
            self.notify(f"{event.worker.name or event.worker.group}: {message}",
                        title="Something went wrong", severity="error", timeout=10, markup=False)

    # -- crashes -----------------------------------------------------------------------------

    def _secrets(self) -> list[str]:
        token = self.settings.token
        return [token.reveal()] if token is not None else []

    def _handle_exception(self, error: Exception) -> None:
        """Every unhandled exception (a message handler, a worker with ``exit_on_error``, the
        monitor) ends here. Overrides Textual's ``App._handle_exception``, whose report is a
        Rich traceback with ``show_locals=True``: the same exit, a different message."""
        if isinstance(error, WorkerFailed) and isinstance(error.error, Exception):
            error = error.error
        self._return_code = 1
        if self._exception is None:  # what Textual does: run_test() re-raises it in tests
            self._exception = error
            self._exception_event.set()
        report = crash.write_report(error, self._secrets())
        self.crash_message = crash.short_message(error, self._secrets(), report)
        # Exits like Textual's own crash path, with nothing for Textual to print: the message
        # is printed by run_until_exit(), as plain text a path can be copied from.
        self.panic()

    # -- scope -------------------------------------------------------------------------------

    def _given_scope(self) -> PipelineScope | None:
        """The scope the settings name, if they name one (else the token's orgs decide)."""
        s = self.settings
        org = s.org or (DEMO_ORG if s.demo and not s.projects else None)
        if org or s.projects:
            return PipelineScope(org=org, projects=s.projects, branch=s.branch, mine=s.mine)
        return None

    @work(group="startup", exclusive=True, exit_on_error=False, name="organizations")
    async def resolve_scope(self) -> None:
        s = self.settings
        given = self._given_scope()
        if given is not None:
            self.set_scope(given)
            return
        try:
            orgs = [o for o in await self.client.get_collaborations() if o.slug]
        except CircleCIError as error:
            self.notify(f"Could not list your organizations: {error.message}. Retrying.",
                        severity="error", markup=False)
            self.set_timer(10, self.resolve_scope)
            return
        if not orgs:
            self.notify("Your token sees no organizations. Pass --org or --project.",
                        severity="error", timeout=30)
            return
        slug = orgs[0].slug
        if len(orgs) > 1:
            from circletui.ui.screens.org_picker import OrgPickerScreen

            slug = await self.push_screen_wait(OrgPickerScreen(orgs))
        self.set_scope(PipelineScope(org=slug, branch=s.branch, mine=s.mine))

    def set_scope(self, scope: PipelineScope) -> None:
        if self.feed is not None:
            self.feed.close()
        if self.approval_feed is not None:
            self.approval_feed.close()
        self.scope = scope
        self.remember(org=scope.org, projects=tuple(scope.projects), branch=scope.branch,
                      mine=scope.mine)
        self.approval_feed = ApprovalFeed(lambda: self.feed.rows if self.feed else [],
                                          self.monitor, self.approvals_signal.publish)
        self.feed = PipelineFeed(self.monitor, scope, self._on_rows, now=self.now)
        # No screen yet (at load): the pipelines list is the one about to be shown.
        front = self.screen if self.screen_stack else None
        self.feed.background = front is not None and not isinstance(front, PipelinesScreen)
        self.feed.start()
        if isinstance(front, PipelinesScreen):
            front.update_location()

    def remember(self, **changes: Any) -> None:
        """Keep ``changes`` for the next start (see ``circletui.state``); written only when
        they change what is remembered, and only the fields changed (another circletui may
        have written the rest)."""
        remembered = replace(self.remembered, **changes)
        if remembered != self.remembered:
            self.remembered = remembered
            if self.state is not None:
                self.state.update(**changes)

    def screen_in_front(self, screen: Screen) -> None:
        """A circletui screen came to the front (dialogs do not count): the pipeline list
        behind any other screen is out of sight and polls at the slow rate at most."""
        if self.feed is not None:
            self.feed.set_background(not isinstance(screen, PipelinesScreen))

    def _on_rows(self, rows: list[PipelineRow]) -> None:
        self.watches.update_rows(rows)
        self.rows_signal.publish(rows)
        if self.approval_feed is not None:
            self.approval_feed.update(rows)

    def base_location(self) -> list[str]:
        return [self.scope.describe()] if self.scope else []

    # -- global actions ----------------------------------------------------------------------

    def action_help(self) -> None:
        from circletui.ui.screens.help import HelpScreen, binding_rows

        if isinstance(self.screen, HelpScreen):
            return
        self.push_screen(HelpScreen(binding_rows(self.screen)))

    def action_approvals(self) -> None:
        from circletui.ui.screens.approvals import ApprovalsScreen

        if not isinstance(self.screen, ApprovalsScreen):
            self.push_screen(ApprovalsScreen())

    def action_refresh(self) -> None:
        self.monitor.refresh()
        # What is fetched on demand (Insights, flaky tests, configs) is asked again too, and
        # the screen showing it reloads.
        self.insights.forget()
        if isinstance(self.screen, BaseScreen):
            self.screen.reload()
        self.notify("Refreshing…", timeout=2)

    # -- navigation: screens ask, the app pushes ----------------------------------------------

    def on_open_workflow(self, message: OpenWorkflow) -> None:
        from circletui.ui.screens.workflow import WorkflowScreen

        self.push_screen(WorkflowScreen(message.pipeline, message.workflow))

    def on_open_job(self, message: OpenJob) -> None:
        from circletui.ui.screens.job import JobScreen

        self.push_screen(JobScreen(message.pipeline, message.workflow, message.job))

    def on_open_health(self, message: OpenHealth) -> None:
        from circletui.ui.screens.health import HealthScreen

        self.push_screen(HealthScreen(message.project_slug, message.branch))

    def on_open_flaky(self, message: OpenFlaky) -> None:
        from circletui.ui.screens.flaky import FlakyScreen

        self.push_screen(FlakyScreen(message.project_slug))

    def on_open_config(self, message: OpenConfig) -> None:
        from circletui.ui.screens.config import ConfigScreen

        self.push_screen(ConfigScreen(message.pipeline_id, job_name=message.job_name,
                                      label=message.label))

    def fetch_flaky_names(self, project_slug: str,
                          deliver: Callable[[frozenset[str]], None]) -> None:
        """Give ``deliver`` the names of the project's flaky tests (Insights, fetched on
        demand and kept for an hour); nothing when they cannot be read."""

        async def fetch() -> None:
            try:
                names = await self.insights.flaky_test_names(project_slug)
            except CircleCIError:
                return  # the Tests tab is whole without the marks
            deliver(frozenset(name for _, name in names))

        self.run_worker(fetch(), name="flaky tests", group="insights", exit_on_error=False)

    # -- watches: told once when something finishes, fails or waits for approval -------------

    @work(group="watches", exclusive=True, exit_on_error=False, name="watch my pipelines")
    async def watch_my_pipelines(self) -> None:
        """Inside a git checkout: the user's own pipelines on its branch are watched."""
        checkout = self.settings.checkout
        if checkout is None or not checkout.branch or self.settings.demo:
            return
        try:
            me = await self.client.get_me()
        except CircleCIError:
            return  # a convenience: the lists work without it
        if me.login:
            self.watches.watch_mine(me.login, checkout.branch)

    def toggle_watch(self, item: Pipeline | Workflow | tuple[Job, Workflow]) -> None:
        """``w``: watch ``item`` (or stop)."""
        watched = self.watches.toggle(item)
        what = item[0].name if isinstance(item, tuple) else (
            item.name if isinstance(item, Workflow) else f"#{item.number}")
        self.notify(f"Watching {what}: you will be told when it ends or waits for approval"
                    if watched else f"No longer watching {what}", markup=False, timeout=4)

    def rerun_sent(self, workflow: Workflow, new_workflow_id: Any) -> None:
        if isinstance(new_workflow_id, str):
            self.watches.watch_rerun(workflow.pipeline_id, new_workflow_id, workflow.name)

    def _announce(self, event: WatchEvent) -> None:
        channels = self.settings.notify
        if channels.toast:
            severity = {"success": "information", "on_hold": "warning"}.get(event.outcome,
                                                                             "error")
            self.notify(event.body, title=event.title, severity=severity,  # type: ignore[arg-type]
                        timeout=15, markup=False)
        if channels.bell:
            self.bell()
        if channels.desktop:
            self.terminal.write(desktop_sequence(event.title, event.body,
                                                 form=channels.desktop_form))

    def _watches_changed(self) -> None:
        watched = self.watches.watched_ids
        for screen in self.screen_stack:
            if isinstance(screen, BaseScreen):
                screen.watched = watched

    def pipeline_triggered(self, created: Any, project_slug: str = "") -> None:
        """A pipeline circletui triggered: selected in the list as soon as it is listed,
        and watched."""
        if not isinstance(created, PipelineCreation):
            return
        self.watches.watch_triggered(created, project_slug)
        for screen in self.screen_stack:
            if isinstance(screen, PipelinesScreen):
                screen.select_pipeline(created.id)
        self.notify(f"Pipeline #{created.number} created", markup=False)

    def follow_rerun(self, pipeline: Pipeline, workflow_id: str, job_name: str) -> None:
        """Open the job ``job_name`` of the rerun workflow ``workflow_id`` once CircleCI lists
        it (a rerun with SSH: the user wants its output, where the SSH command appears)."""

        def found(workflow: Workflow, job: Job) -> None:
            self.post_message(OpenJob(pipeline, workflow, job))

        follow = FollowRerun(self.monitor, pipeline.id, workflow_id, job_name, found)
        # Given up if the job never shows (a rerun CircleCI did not start, say).
        self.set_timer(FOLLOW_RERUN_TIMEOUT, follow.close, name="follow-rerun")


def build_demo(settings: Settings, *, clock=None, seed: int = 0, live: bool = True,
               state: StateFile | None = None) -> CircleTUI:
    """The app over the in-process simulator: by default a live world on the real clock,
    with the real service's documented quirks switched on so the demo exercises them too.
    The screenshot script passes a fixed clock and seed."""
    from circletui.simulator import RealClock, Simulator

    clock = clock or RealClock()
    simulator = Simulator(seed=seed, clock=clock, live=live, quirks="all")
    client = CircleCIClient(simulator.token, DEMO_HOST, transport=simulator.transport(),
                            retry=POLL_RETRY, read_only=settings.read_only)
    return CircleTUI(replace(settings, host=DEMO_HOST), client, now=clock.now,
                     simulator=simulator, state=state)


def build_app(settings: Settings, state: StateFile | None = None) -> CircleTUI:
    if settings.demo:
        return build_demo(settings, state=state)
    assert settings.token is not None
    try:
        client = CircleCIClient(
            settings.token,
            settings.host,
            retry=POLL_RETRY,
            read_only=settings.read_only,
            ca_bundle=settings.ca_bundle,
            allow_insecure_http=settings.insecure_http,
        )
    except ValueError as exc:  # an unreadable CA bundle, a host the client refuses
        raise ConfigError(str(exc)) from None
    return CircleTUI(settings, client, state=state)


def run_until_exit(app: CircleTUI) -> int:
    """Run ``app`` in the terminal; after a crash, say so in one line once the terminal is back."""
    app.run()
    if app.crash_message:
        print(app.crash_message, file=sys.stderr)
    return app.return_code or 0


def run_app(settings: Settings, state: StateFile | None = None) -> int:
    return run_until_exit(build_app(settings, state))
