"""What every circletui screen shares: the location bar, the status line, the footer,
subscriptions that live exactly as long as the screen is visible, and the actions
(cancel, rerun, approve, open, copy) with their confirmation dialogs.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen

from circletui.api.errors import CircleCIError
from circletui.api.models import Job, Pipeline, Workflow
from circletui.monitor import (
    ActionInProgress,
    Cadence,
    Health,
    PendingApproval,
    PipelineWorkflows,
    Resource,
    Subscription,
    WorkflowJobs,
)
from circletui.status import (
    can_cancel_job,
    can_rerun_from_failed,
    is_active,
    is_waiting_for_approval,
)
from circletui.ui.messages import ResourceFailed, ResourceUpdated
from circletui.ui.screens.confirm import ConfirmScreen
from circletui.ui.text import clean
from circletui.ui.widgets.key_bar import KeyBar
from circletui.ui.widgets.location import Crumb, LocationBar, StatusLine

if TYPE_CHECKING:
    from textual.timer import Timer

    from circletui.ui.app import CircleTUI
    from circletui.ui.screens.trigger import TriggerRequest

#: actions that change something at CircleCI: hidden in read-only mode (and the client
#: refuses them anyway, below the UI)
MUTATIONS = {"cancel", "cancel_job", "rerun_failed", "rerun_all", "rerun_marked", "rerun_ssh",
             "approve", "trigger"}


@dataclass(frozen=True, slots=True)
class Mutation:
    """A confirmed action, as the user is asked about it and told about it."""

    question: str  # the confirmation dialog's question
    button: str  # its confirm button
    kind: str  # "Cancel", "Rerun", "Approve": how a failure is reported
    send: Callable[[], Awaitable[Any]]  # the call, made only once confirmed
    success: str  # the notification once CircleCI accepted it
    then: Callable[[Any], None] | None = None  # given the call's result once it succeeded


class BaseScreen(Screen):
    """A screen with a location bar on top, a status line and the footer at the bottom."""

    BINDINGS = [
        # Kept out of the footer (it is narrow at 80 columns); listed by ? and the palette.
        Binding("o", "open_url", "Open in browser", id="open", show=False),
        Binding("y", "copy_url", "Copy web URL", id="copy-url", show=False),
    ]

    #: ids of the watched pipelines, workflows and jobs (set by the app; screens mark them)
    watched: reactive[frozenset[str]] = reactive(frozenset, init=False)

    #: binding ids in the order the footer (and ``?``) lists them: at 80 columns the footer
    #: shows about six keys, so the ones that matter on the screen come first, whichever
    #: widget has the focus; bindings not named keep Textual's order after them
    KEY_ORDER: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        super().__init__()
        self._subscriptions: dict[Resource, Subscription] = {}
        self._job_states: dict[Resource, tuple] = {}
        self._signals_followed = False
        self._clock: Timer | None = None

    @property
    def tui(self) -> CircleTUI:
        return self.app  # type: ignore[return-value]

    @property
    def active_bindings(self) -> dict[str, Any]:
        """Textual's active bindings, reordered by ``KEY_ORDER`` (a stable sort: Textual puts
        the focused widget's keys first, a log's Wrap before the screen's Back)."""
        bindings = super().active_bindings
        rank = {binding_id: i for i, binding_id in enumerate(self.KEY_ORDER)}
        last = len(rank)
        return dict(sorted(bindings.items(),
                           key=lambda item: rank.get(item[1].binding.id or "", last)))

    def compose_header(self) -> ComposeResult:
        yield LocationBar(id="location")

    def compose_footer(self) -> ComposeResult:
        yield StatusLine(now=self.tui.now, monotonic=self.tui.monotonic,
                         read_only=self.tui.settings.read_only, id="status-line")
        yield KeyBar()

    # -- where am I ---------------------------------------------------------------------------

    def location(self) -> list[Crumb]:
        """Where this screen is, after the app's scope: text, or (text, web URL) crumbs."""
        return []

    def update_location(self) -> None:
        bars = self.query(LocationBar)
        if bars:
            bars.first().crumbs = tuple(self.tui.base_location() + self.location())

    # -- subscriptions while visible ----------------------------------------------------------

    def resources(self) -> list[Resource]:
        """What this screen shows; subscribed on resume, released on suspend."""
        return []

    def tick(self) -> None:
        """Called once a second while the screen is in front: clocks and durations move on."""

    def reload(self) -> None:
        """Ctrl+R: fetch again what this screen fetched on demand (polled resources are
        refreshed by the monitor)."""

    def on_screen_resume(self) -> None:
        # The screen owns its clock, so the clock stops with it: a tick can never reach a
        # screen whose widgets are being removed, and a screen behind another costs nothing.
        if self._clock is None:
            self._clock = self.set_interval(1.0, self.tick, name="clock")
        else:
            self._clock.resume()
        # What is watched may have changed while this screen was behind (or not yet shown).
        self.watched = self.tui.watches.watched_ids
        self.update_location()
        self.resubscribe()
        self.tui.screen_in_front(self)
        if not self._signals_followed:
            self._signals_followed = True
            self.tui.health_signal.subscribe(self, self._show_health)
            self.tui.approvals_signal.subscribe(self, self._show_approvals)
        self._show_health(self.tui.monitor.health)
        self._show_approvals(self.tui.approval_feed.approvals if self.tui.approval_feed else [])

    def _show_health(self, health: Health) -> None:
        for line in self.query(StatusLine):
            line.health = health

    def _show_approvals(self, approvals: list[PendingApproval]) -> None:
        for bar in self.query(LocationBar):
            bar.approvals = len(approvals)

    def on_screen_suspend(self) -> None:
        if self._clock is not None:
            self._clock.pause()
        self.unsubscribe_all()

    def on_unmount(self) -> None:
        self.unsubscribe_all()

    def resubscribe(self) -> None:
        wanted = self.resources()
        for resource in list(self._subscriptions):
            if resource not in wanted:
                self._subscriptions.pop(resource).close()
        shows_jobs = any(isinstance(r, WorkflowJobs) for r in wanted)
        for resource in wanted:
            if resource not in self._subscriptions:
                sub = self._subscriptions[resource] = self.tui.monitor.subscribe(
                    resource,
                    lambda value, r=resource: self.post_message(ResourceUpdated(r, value)),
                    lambda error, r=resource: self.post_message(ResourceFailed(r, error)),
                )
                if shows_jobs and isinstance(resource, PipelineWorkflows):
                    # The workflow's status (from its pipeline's workflow list) changes only
                    # when one of its jobs does, and the jobs are polled at the fast rate:
                    # the list is fetched when they change (see on_resource_updated) instead
                    # of every interval beside them.
                    sub.set_cadence(Cadence.SLOW)

    def unsubscribe_all(self) -> None:
        for sub in self._subscriptions.values():
            sub.close()
        self._subscriptions.clear()
        self._job_states.clear()

    def on_resource_updated(self, message: ResourceUpdated) -> None:
        message.stop()
        if message.resource in self._subscriptions:
            if isinstance(message.resource, WorkflowJobs):
                self._jobs_changed(message.resource, message.value)
            self.show(message.resource, message.value)

    def _jobs_changed(self, resource: WorkflowJobs, jobs: Any) -> None:
        states = tuple((job.id, job.status) for job in jobs)
        before = self._job_states.get(resource)
        self._job_states[resource] = states
        if before is not None and before != states:
            for shown in self._subscriptions:
                if isinstance(shown, PipelineWorkflows):
                    self.tui.monitor.refresh(shown)

    def on_resource_failed(self, message: ResourceFailed) -> None:
        message.stop()
        if message.resource in self._subscriptions:
            self.show_error(message.resource, message.error)

    def show(self, resource: Resource, value: Any) -> None:
        """A subscribed resource changed: update the widgets."""

    def show_error(self, resource: Resource, error: CircleCIError) -> None:
        """A subscribed resource failed; the status line already says so when it is global."""

    # -- the selection, as the actions see it ------------------------------------------------

    def selected_workflow(self) -> Workflow | None:
        return None

    def selected_job(self) -> Job | None:
        return None

    def selected_url(self) -> str | None:
        return None

    def selected_pipeline(self) -> Pipeline | None:
        return None

    def marked_jobs(self) -> list[Job]:
        """Jobs the user marked for "rerun the marked jobs" (the graph's Space)."""
        return []

    def graph_is_disconnected(self) -> bool:
        """Whether the workflow's jobs form more than one connected part."""
        return False

    # -- dynamic bindings --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in MUTATIONS and self.tui.settings.read_only:
            return False  # not offered at all: no key in the footer, help or palette
        workflow = self.selected_workflow()
        job = self.selected_job()
        if action == "cancel":
            return True if workflow and is_active(workflow.status) else None
        if action == "cancel_job":
            return (
                True if job and job.job_number is not None and not job.is_approval
                and can_cancel_job(job.status) else None
            )
        if action == "rerun_failed":
            return True if workflow and can_rerun_from_failed(workflow.status) else None
        if action == "rerun_all":
            return True if workflow and not is_active(workflow.status) else None
        if action == "rerun_marked":
            if not self.marked_jobs():
                return False  # offered only once something is marked (Space on the graph)
            return True if workflow and not is_active(workflow.status) else None
        if action == "rerun_ssh":
            return (True if workflow and not is_active(workflow.status) and job
                    and not job.is_approval and job.job_number is not None else None)
        if action == "approve":
            return (True if job and job.is_approval and is_waiting_for_approval(job.status)
                    else None)
        if action in ("open_url", "copy_url"):
            return True if self.selected_url() else None
        return True

    def selection_changed(self) -> None:
        """What the keys can do may have changed: the key bar asks ``check_action`` again
        (and redraws only if what it shows differs)."""
        self.refresh_bindings()

    # -- actions -----------------------------------------------------------------------------

    def action_cancel(self) -> None:
        self._ask("cancel")

    def action_cancel_job(self) -> None:
        self._ask("cancel_job")

    def action_rerun_failed(self) -> None:
        self._ask("rerun_failed")

    def action_rerun_all(self) -> None:
        self._ask("rerun_all")

    def action_approve(self) -> None:
        self._ask("approve")

    def action_rerun_marked(self) -> None:
        self._ask("rerun_marked")

    def action_rerun_ssh(self) -> None:
        self._ask("rerun_ssh")

    def mutation(self, action: str) -> Mutation | None:
        """What ``action`` would do to the selection, as the user is asked about it."""
        workflow, job = self.selected_workflow(), self.selected_job()
        if workflow is None:
            return None
        where = f"{workflow.project_slug} #{workflow.pipeline_number}"
        name = workflow.name
        actions = self.tui.actions
        if action == "cancel":
            return Mutation(f"Cancel workflow {name} of {where}?", "Cancel workflow", "Cancel",
                            lambda: actions.cancel_workflow(workflow),
                            f"Canceled workflow {name}")
        app = self.tui

        def watch_rerun(new_workflow_id: Any) -> None:
            # What circletui reran is watched: the user hears when it ends.
            app.rerun_sent(workflow, new_workflow_id)

        if action == "rerun_failed":
            return Mutation(f"Rerun workflow {name} of {where} from failed?", "Rerun from failed",
                            "Rerun", lambda: actions.rerun_workflow(workflow, from_failed=True),
                            f"Rerunning {name} from failed", then=watch_rerun)
        if action == "rerun_all":
            return Mutation(f"Rerun all jobs of workflow {name} of {where}?", "Rerun all",
                            "Rerun", lambda: actions.rerun_workflow(workflow, from_failed=False),
                            f"Rerunning all of {name}", then=watch_rerun)
        if action == "rerun_marked":
            marked = self.marked_jobs()
            if not marked:
                return None
            names = ", ".join(j.name for j in marked[:3]) + ("…" if len(marked) > 3 else "")
            count = f"{len(marked)} job{'s' if len(marked) != 1 else ''}"
            # CircleCI reruns the jobs and what depends on them; sparse_tree is its option
            # for workflows made of disconnected parts (the API reference, rerunWorkflow),
            # where it spares the parts the marked jobs do not touch.
            sparse = self.graph_is_disconnected()
            return Mutation(f"Rerun {count} of workflow {name} of {where}: {names}?",
                            f"Rerun {count}", "Rerun",
                            lambda: actions.rerun_jobs(workflow, marked, sparse_tree=sparse),
                            f"Rerunning {count} of {name}", then=watch_rerun)
        if job is None:
            return None
        if action == "rerun_ssh":
            pipeline = self.selected_pipeline()

            def open_new_job(new_workflow_id: Any) -> None:
                watch_rerun(new_workflow_id)
                if pipeline is not None and isinstance(new_workflow_id, str):
                    app.follow_rerun(pipeline, new_workflow_id, job.name)

            return Mutation(f"Rerun job {job.name} of {where} with SSH enabled?",
                            "Rerun with SSH", "Rerun",
                            lambda: actions.rerun_jobs(workflow, [job], enable_ssh=True),
                            f"Rerunning {job.name} with SSH; it opens when it starts",
                            then=open_new_job)
        if action == "cancel_job":
            return Mutation(f"Cancel job {job.name} (#{job.job_number}) of {where}?",
                            "Cancel job", "Cancel", lambda: actions.cancel_job(workflow, job),
                            f"Canceled job {job.name}")
        if action == "approve":
            return Mutation(f"Approve {job.name} in workflow {name} of {where}?", "Approve",
                            "Approve", lambda: actions.approve(workflow, job),
                            f"Approved {job.name}")
        return None

    def _ask(self, action: str) -> None:
        mutation = self.mutation(action)
        if mutation is not None:
            self.run_worker(self._confirm_then_send(mutation), name=f"confirm {action}",
                            group="confirm", exit_on_error=False)

    async def _confirm_then_send(self, mutation: Mutation) -> None:
        if not await self.app.push_screen_wait(ConfirmScreen(mutation.question, mutation.button)):
            return
        self._hand_over(mutation)

    def action_trigger(self) -> None:
        self.run_worker(self._trigger(), name="trigger dialog", group="confirm",
                        exit_on_error=False)

    async def _trigger(self) -> None:
        """The dialog is the confirmation: it names the project, the ref and the parameters,
        and nothing is sent unless its Trigger is pressed."""
        from circletui.ui.screens.trigger import TriggerScreen  # loaded when first used

        pipeline = self.selected_pipeline()
        scope = self.tui.scope
        slug = pipeline.project_slug if pipeline else (
            scope.projects[0] if scope and scope.projects else "")
        dialog = TriggerScreen(slug, branch=pipeline.branch if pipeline else None,
                               tag=pipeline.tag if pipeline else None)
        request: TriggerRequest | None = await self.app.push_screen_wait(dialog)
        if request is None:
            return
        actions, app = self.tui.actions, self.tui
        ref = f"tag {request.tag}" if request.tag else (request.branch or "the default branch")
        self._hand_over(Mutation(
            f"Trigger {request.project_slug} on {ref}?", "Trigger", "Trigger",
            lambda: actions.trigger(request.project_slug, branch=request.branch,
                                    tag=request.tag, parameters=request.parameters or None),
            f"Triggered {request.project_slug} on {ref}",
            then=lambda created: app.pipeline_triggered(created, request.project_slug),
        ))

    def _hand_over(self, mutation: Mutation) -> None:
        # Handed to the app: it is sent even if this screen is left, and while CircleCI's
        # rate limit pauses every request it is held, then sent once.
        held = self.tui.client.paused_for
        if held > 0:
            self.notify(
                f"CircleCI is rate limiting: {mutation.kind.lower()} held, sent in "
                f"{math.ceil(held)} s",
                severity="warning", timeout=max(held, 5), markup=False,
            )
        self.app.run_worker(_deliver(self.app, mutation), group="actions",
                            name=mutation.kind.lower(), exit_on_error=False)

    def action_open_url(self) -> None:
        url = self.selected_url()
        if url:
            self.app.open_url(url)
            self.notify(f"Opening {url}", markup=False)

    def action_copy_url(self) -> None:
        url = self.selected_url()
        if url:
            self.app.copy_to_clipboard(url)
            self.notify(f"Copied {url}", markup=False)


async def _deliver(app, mutation: Mutation) -> None:
    """Send one action and tell the user how it went (on the app: the screen may be gone)."""
    what, success = mutation.kind, mutation.success
    try:
        result = await mutation.send()
    except ActionInProgress as error:
        app.notify(str(error), severity="warning", markup=False)
    except CircleCIError as error:
        status = f" ({error.status})" if error.status else ""
        app.notify(
            f"{what} failed{status}: {clean(error.message)}", title="CircleCI",
            severity="error", timeout=10, markup=False,
        )
    except ValueError as error:
        app.notify(clean(str(error)), severity="warning", markup=False)
    else:
        # Names from the API are in these messages: never markup.
        app.notify(clean(success), markup=False)
        if mutation.then is not None:
            mutation.then(result)
