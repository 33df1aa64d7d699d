"""Building the real app over the simulator, as production does, for Pilot and snapshot tests.

The simulator's clock is a ``ManualClock`` at a fixed start and the world has a fixed seed, so
what the screens show is the same on every run; the app reads "now" from that clock too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import anyio
import httpx
from textual.pilot import Pilot

from circletui.api import CircleCIClient, RetryPolicy
from circletui.config import Settings
from circletui.secret import Secret
from circletui.simulator import ManualClock, Simulator
from circletui.simulator.model import Job as SimJob
from circletui.state import StateFile
from circletui.ui.app import CircleTUI
from circletui.ui.screens.job import JobScreen
from circletui.ui.screens.workflow import WorkflowScreen
from circletui.ui.widgets.live_table import LiveTable
from tests.settle import settle

HOST = "http://circleci.test"
SEED = 7


def make_simulator(seed: int = SEED, **kwargs) -> Simulator:
    return Simulator(seed=seed, clock=ManualClock(), **kwargs)


class StepClock:
    """Time for the app's monitor and client that moves only when the test says so.

    ``monotonic`` is the monitor's clock, ``epoch`` the client's (it dates ``Retry-After``
    pauses), and ``sleep`` returns once the test has advanced the clock far enough, so a
    429 pause is waited out exactly, without a real second going by.
    """

    def __init__(self) -> None:
        self.t = 1000.0
        self._moved = anyio.Event()

    def monotonic(self) -> float:
        return self.t

    def epoch(self) -> float:
        return 1_700_000_000.0 + self.t

    async def sleep(self, seconds: float) -> None:
        until = self.t + seconds
        while self.t < until:
            await self._moved.wait()

    def advance(self, seconds: float) -> None:
        self.t += seconds
        moved, self._moved = self._moved, anyio.Event()
        moved.set()


def make_app(sim: Simulator, *, clock: StepClock | None = None,
             transport: httpx.AsyncBaseTransport | None = None,
             monotonic: Callable[[], float] | None = None, state: StateFile | None = None,
             **settings) -> CircleTUI:
    """The app as production builds it, over ``sim``. ``clock`` drives the monitor and the
    client (429 pauses); ``monotonic`` alone freezes what the monitor schedules by and the
    status line counts down with; ``transport`` wraps the simulator's (see ``PostGate``)."""
    base = Settings(token=Secret(sim.token), token_source="test", host=HOST, org="gh/acme")
    config = replace(base, **settings)
    # One attempt per read: the monitor polls again anyway, and tests count requests.
    timing = {"now": clock.epoch, "sleep": clock.sleep} if clock else {}
    client = CircleCIClient(sim.token, HOST, transport=transport or sim.transport(),
                            retry=RetryPolicy(max_attempts=1), read_only=config.read_only,
                            **timing)
    if clock is not None:
        monotonic = clock.monotonic
    extra = {"monotonic": monotonic} if monotonic is not None else {}
    app = CircleTUI(config, client, now=sim.clock.now, state=state, **extra)
    record_notifications(app)
    return app


async def pass_time(pilot: Pilot, clock: StepClock, seconds: float, *,
                    sim: Simulator | None = None, wait: bool = True) -> None:
    """``seconds`` go by for the app (and for the simulated world too, given ``sim``)."""
    app = pilot.app
    if sim is not None:
        sim.clock.advance(seconds)
    clock.advance(seconds)
    app.monitor.wake()  # type: ignore[attr-defined]
    if wait:
        await settle(pilot)


class PostGate(httpx.AsyncBaseTransport):
    """A transport (the simulator's) holding every POST until ``open()``: a test can act while
    a mutation is on the wire without a real delay. ``arrived`` is set when one is held."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.arrived = anyio.Event()
        self._open = anyio.Event()

    def open(self) -> None:
        self._open.set()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.arrived.set()
            await self._open.wait()
        return await self.inner.handle_async_request(request)


def record_notifications(app: CircleTUI) -> None:
    """Keep every notification's text in ``app.notes`` (they are what the user reads)."""
    app.notes = []  # type: ignore[attr-defined]
    original = app.notify

    def notify(message, *args, **kwargs):
        app.notes.append(str(message))  # type: ignore[attr-defined]
        return original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]


async def confirm(pilot: Pilot, key: str, answer: str = "y", *, wait: bool = True) -> None:
    """Press an action's key, wait for its confirmation dialog, answer it.

    Pressing both keys at once races the worker that opens the dialog: on a busy machine the
    answer would reach the screen below (where ``y`` copies a URL) instead of the dialog.
    """
    from circletui.ui.screens.confirm import ConfirmScreen

    await pilot.press(key)
    for _ in range(200):
        if isinstance(pilot.app.screen, ConfirmScreen):
            break
        await pilot.pause()
    else:
        raise AssertionError(f"{key!r} opened no confirmation")
    await pilot.press(answer)
    if wait:
        await settle(pilot)


# -- getting somewhere the way a user does ----------------------------------------------------


def rows(app) -> list[str]:
    return app.screen.query_one(LiveTable).row_keys


async def select_workflow(pilot, workflow_id: str) -> None:
    """Put the cursor on the workflow's row with the keyboard (g, then j until there)."""
    screen = pilot.app.screen
    keys = rows(pilot.app)
    target = next(i for i, k in enumerate(keys) if k.endswith("/" + workflow_id))
    await pilot.press("g")
    for _ in range(target):
        await pilot.press("j")
    assert screen.selected_workflow().id == workflow_id


#: the project whose Insights the Health, Flaky and Config tests open
INSIGHTS_PROJECT = "gh/acme/api"


async def select_api_on_main(pilot) -> None:
    """The cursor on a finished build-and-test of gh/acme/api on main."""
    await settle(pilot)
    line = next(ln for ln in pilot.app.screen.lines if ln.workflow
                and ln.pipeline.project_slug == INSIGHTS_PROJECT and ln.pipeline.branch == "main"
                and ln.workflow.name == "build-and-test" and ln.workflow.status == "success")
    await select_workflow(pilot, line.workflow.id)


def sim_job(sim, *, status: str, name: str | None = None, parallel: bool = False,
            slug: str = "gh/acme/") -> SimJob:
    """A build job of the simulated world (gh/acme by default), newest pipelines first."""
    for wf in sim.world.workflows:
        if not wf.project.slug.startswith(slug):
            continue
        for job in wf.jobs:
            if (job.type == "build" and job.status == status and job.number is not None
                    and (name is None or name in job.spec.name)
                    and (not parallel or job.parallelism > 1)):
                return job
    raise AssertionError(f"no {status} job {name or ''} in {slug}")


async def open_job(pilot, job: SimJob) -> JobScreen:
    """Push the job screen directly, with models fetched through the app's client."""
    app = pilot.app
    client = app.client
    pipeline = await client.get_pipeline(job.workflow.pipeline.id)
    workflow = await client.get_workflow(job.workflow.id)
    jobs = (await client.list_workflow_jobs(workflow.id)).items
    app.push_screen(JobScreen(pipeline, workflow, next(j for j in jobs if j.id == job.id)))
    await settle(pilot)
    assert isinstance(app.screen, JobScreen)
    return app.screen


async def open_workflow(pilot, status: str | None = None, name: str | None = None):
    app = pilot.app
    line = next(ln for ln in app.screen.lines if ln.workflow
                and (status is None or ln.workflow.status == status)
                and (name is None or ln.workflow.name == name))
    await select_workflow(pilot, line.workflow.id)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, WorkflowScreen)
    return line.workflow


def visible_text(app) -> str:
    """The text of every widget shown on the current screen, one widget after another (what a
    user can read, through Textual's public ``render_lines``)."""
    from textual.geometry import Region

    parts = []
    for widget in app.screen.walk_children(with_self=False):
        if not widget.display or not widget.is_mounted or widget.size.area == 0:
            continue
        strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
        parts.append("\n".join(strip.text for strip in strips))
    return "\n".join(parts)
