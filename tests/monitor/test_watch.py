"""Watches against the simulator in compressed time: each outcome announced once, when it
happens, for what the user watches and what circletui triggered, reran or the user pushed."""

from __future__ import annotations

from circletui.api.models import PipelineCreation, Workflow
from circletui.monitor import PipelineScope, PipelineWorkflows, Watches, WatchEvent
from circletui.simulator.plan import Plan

from .rig import Rig, tick_until


def _watches(rig: Rig) -> tuple[Watches, list[WatchEvent]]:
    events: list[WatchEvent] = []
    return Watches(rig.monitor, events.append), events


def _new_pipeline(rig: Rig, plan: Plan, *, slug: str = "gh/acme/api", branch: str = "main",
                  actor=None):
    world = rig.world
    return world.create_pipeline(world.project(slug), world.now, trigger_type="api",
                                 actor=actor or world.me, branch=branch, plan=plan)


def _created(sim_pipeline) -> PipelineCreation:
    return PipelineCreation(sim_pipeline.id, sim_pipeline.number, "pending", None)


def _summary(events: list[WatchEvent]) -> list[tuple[str, str, str]]:
    return [(e.kind, e.outcome, e.title) for e in events]


async def test_a_triggered_pipeline_is_announced_once_when_it_succeeds(rig: Rig) -> None:
    watches, events = _watches(rig)
    sim_pipeline = _new_pipeline(rig, Plan(default_outcome="success"), branch="feature/x")
    watches.watch_triggered(_created(sim_pipeline), "gh/acme/api")
    await rig.settle()
    await tick_until(rig, lambda: events)
    assert _summary(events) == [("pipeline", "success", "Pipeline succeeded")]
    assert events[0].body == f"gh/acme/api #{sim_pipeline.number}"
    # Finished: the auto-watch ends, and nothing is said again however often it is polled.
    assert not watches.is_watched(sim_pipeline.id)
    rig.monitor.refresh()
    for _ in range(30):
        await rig.tick(60)
    assert len(events) == 1


async def test_failed_canceled_and_a_config_error(rig: Rig) -> None:
    watches, events = _watches(rig)
    failed = _new_pipeline(rig, Plan(default_outcome="failed"), branch="f1")
    canceled = _new_pipeline(rig, Plan(default_outcome="success", cancel_after=20), branch="f2")
    broken = _new_pipeline(rig, Plan(config_error=True), branch="f3")
    for p in (failed, canceled, broken):
        watches.watch_triggered(_created(p), "gh/acme/api")
    await rig.settle()
    await tick_until(rig, lambda: len(events) >= 3)
    for _ in range(10):
        await rig.tick(60)
    assert sorted((e.id, e.outcome) for e in events) == sorted(
        [(failed.id, "failed"), (canceled.id, "canceled"), (broken.id, "error")])
    assert next(e for e in events if e.id == broken.id).title == "Pipeline could not run"


async def test_an_approval_is_announced_then_what_follows_it(rig: Rig) -> None:
    # On main, build-and-test stops at hold-for-deploy until someone approves it.
    watches, events = _watches(rig)
    sim_pipeline = _new_pipeline(rig, Plan(default_outcome="success"))
    watches.watch_triggered(_created(sim_pipeline), "gh/acme/api")
    await rig.settle()
    await tick_until(rig, lambda: events)
    assert _summary(events) == [("pipeline", "on_hold", "Pipeline is waiting for approval")]
    assert watches.is_watched(sim_pipeline.id)  # an approval is not the end
    for _ in range(20):  # on hold for a while: said once
        await rig.tick(60)
    assert len(events) == 1

    workflow = sim_pipeline.workflows[0]
    hold = next(j for j in workflow.jobs if j.status == "on_hold")
    rig.world.approve(workflow.id, hold.id)
    await tick_until(rig, lambda: len(events) == 2)
    assert events[1].outcome == "success"


async def test_a_manual_watch_says_nothing_about_the_past_but_announces_a_rerun(rig: Rig) -> None:
    watches, events = _watches(rig)
    wf = rig.world.find_failed_workflow()
    pipeline = await rig.client.get_pipeline(wf.pipeline.id)
    watches.watch_pipeline(pipeline)
    await rig.settle()
    for _ in range(5):
        await rig.tick(60)
    assert events == []

    rig.world.rerun_workflow(wf.id, from_failed=True)
    rig.monitor.refresh()
    await tick_until(rig, lambda: events)
    assert [e.outcome for e in events] in (["success"], ["failed"])
    assert watches.is_watched(pipeline.id)  # the user's own watch stays
    for _ in range(10):
        await rig.tick(60)
    assert len(events) == 1


async def test_a_watched_job_and_a_rerun_workflow(rig: Rig) -> None:
    watches, events = _watches(rig)
    sim_pipeline = _new_pipeline(rig, Plan(default_outcome="success"), branch="f")
    await tick_until(rig, lambda: sim_pipeline.workflows)
    workflows = (await rig.client.list_pipeline_workflows(sim_pipeline.id)).items
    jobs = (await rig.client.list_workflow_jobs(workflows[0].id)).items
    lint = next(j for j in jobs if j.name == "lint")
    watches.watch_job(lint, workflows[0])
    await rig.settle()
    await tick_until(rig, lambda: events)
    assert _summary(events) == [("job", "success", "Job succeeded")]
    assert events[0].body.startswith("job lint of build-and-test of gh/acme/api #")

    await tick_until(rig, lambda: sim_pipeline.workflows[0].finished)
    new = rig.world.rerun_workflow(workflows[0].id)
    watches.watch_rerun(sim_pipeline.id, new.id)
    rig.monitor.refresh()
    await tick_until(rig, lambda: len(events) == 2)
    assert events[1].kind == "workflow" and events[1].reason == "rerun"
    assert events[1].body.startswith("workflow build-and-test of gh/acme/api")


async def test_the_users_own_running_pipelines_on_the_branch_are_auto_watched(rig: Rig) -> None:
    watches, events = _watches(rig)
    me = rig.world.me
    other = next(u for u in rig.world.team if u is not me)
    rig.start_feed(PipelineScope(projects=("gh/acme/web",)))
    watches.watch_mine(me.login, "feature/login")
    mine = _new_pipeline(rig, Plan(default_outcome="failed"), slug="gh/acme/web",
                         branch="feature/login")
    theirs = _new_pipeline(rig, Plan(default_outcome="failed"), slug="gh/acme/web",
                           branch="feature/login", actor=other)
    elsewhere = _new_pipeline(rig, Plan(default_outcome="failed"), slug="gh/acme/web",
                              branch="main")
    rig.feed.refresh_pipeline(mine.id)
    rig.monitor.refresh()

    def feed_rows() -> None:
        watches.update_rows(rig.feed.rows)

    await rig.settle()
    feed_rows()
    for _ in range(120):
        await rig.tick(5)
        feed_rows()
        if events:
            break
    assert {e.id for e in events} == {mine.id}
    assert events[0].reason == "mine" and events[0].outcome == "failed"
    assert not watches.is_watched(theirs.id) and not watches.is_watched(elsewhere.id)


async def test_unwatch_stops_polling_what_only_the_watch_needed(rig: Rig) -> None:
    watches, events = _watches(rig)
    sim_pipeline = _new_pipeline(rig, Plan(default_outcome="success"), branch="g")
    watches.watch_triggered(_created(sim_pipeline), "gh/acme/api")
    await rig.settle()
    assert rig.monitor.subscribed
    watches.unwatch(sim_pipeline.id)
    assert rig.monitor.subscribed == []
    await tick_until(rig, lambda: sim_pipeline.workflows and all(
        w.finished for w in sim_pipeline.workflows))
    assert events == []


# -- the decisions alone, on values handed in directly ---------------------------------------


class _Sub:
    def __init__(self, registry: dict, resource) -> None:
        self.registry, self.resource = registry, resource

    def close(self) -> None:
        self.registry.pop(self.resource, None)


class _HandFed:
    """Stands in for the monitor: the test hands each resource's value in itself."""

    def __init__(self) -> None:
        self.callbacks: dict = {}

    def subscribe(self, resource, on_value, on_error=None):
        self.callbacks[resource] = on_value
        return _Sub(self.callbacks, resource)

    def give(self, resource, value) -> None:
        if resource in self.callbacks:  # closed: nothing is delivered
            self.callbacks[resource](value)


def _workflow(status: str, wid: str = "w1", name: str = "deploy"):
    return Workflow(id=wid, name=name, pipeline_id="p1", pipeline_number=7,
                    project_slug="gh/acme/api", status=status, created_at=None)


def test_the_same_status_again_is_not_news_but_a_second_approval_is() -> None:
    monitor = _HandFed()
    events: list[WatchEvent] = []
    watches = Watches(monitor, events.append)  # type: ignore[arg-type]
    watches.watch_rerun("p1", "w1", "deploy")
    resource = PipelineWorkflows("p1")
    for status in ["running", "on_hold", "on_hold", "running", "running", "on_hold",
                   "on_hold", "running", "success", "success"]:
        monitor.give(resource, (_workflow(status),))
    assert [e.outcome for e in events] == ["on_hold", "on_hold", "success"]
    assert events[-1].body == "workflow deploy of gh/acme/api #7"
    assert not watches.is_watched("w1")  # an auto-watch ends with its workflow
    assert monitor.callbacks == {}  # and nothing is polled for it any more


def test_a_manual_watch_keeps_quiet_about_the_state_it_started_in() -> None:
    monitor = _HandFed()
    events: list[WatchEvent] = []
    watches = Watches(monitor, events.append)  # type: ignore[arg-type]
    watches.watch_workflow(_workflow("on_hold"))
    resource = PipelineWorkflows("p1")
    monitor.give(resource, (_workflow("on_hold"),))
    monitor.give(resource, (_workflow("on_hold"),))
    assert events == []
    monitor.give(resource, (_workflow("running"),))
    monitor.give(resource, (_workflow("failed"),))
    monitor.give(resource, (_workflow("failed"),))
    assert [(e.outcome, e.title) for e in events] == [("failed", "Workflow failed")]
    assert watches.toggle(_workflow("failed")) is False  # toggled off
    assert monitor.callbacks == {}
