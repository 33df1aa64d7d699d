"""Insights, flaky tests and configs are fetched when asked and kept for an hour: asking again
within that time sends nothing, after it sends again, and two askers at once share a request."""

from __future__ import annotations

import anyio

from circletui.monitor.insights import INSIGHTS_TTL, Insights, next_window

from .rig import Hold, Rig

API = "gh/acme/api"


def insights_of(rig: Rig) -> Insights:
    return Insights(rig.client, clock=rig.clock, wall_clock=rig.sim_clock.now)


def sent(rig: Rig, before: int) -> list[str]:
    return [r.path for r in rig.sim.requests[before:]]


async def test_a_second_look_within_the_hour_sends_no_request(rig: Rig) -> None:
    insights = insights_of(rig)
    before = len(rig.sim.requests)
    first = await insights.project_health(API, "main", "last-7-days")
    asked = sent(rig, before)
    assert "/api/v2/insights/gh/acme/api/workflows" in asked
    assert first.workflows and all(w.trends for w in first.workflows)

    before = len(rig.sim.requests)
    rig.clock.t += INSIGHTS_TTL - 1
    assert await insights.project_health(API, "main", "last-7-days") == first
    assert sent(rig, before) == []

    rig.clock.t += 1
    await insights.project_health(API, "main", "last-7-days")
    assert "/api/v2/insights/gh/acme/api/workflows" in sent(rig, before)


async def test_each_window_is_kept_apart_and_summaries_are_shared(rig: Rig) -> None:
    insights = insights_of(rig)
    week = await insights.project_health(API, "main", "last-7-days")
    before = len(rig.sim.requests)
    day = await insights.project_health(API, "main", "last-24-hours")
    # Only the window's metrics: the trends (the summaries) were kept from the first look.
    assert sent(rig, before) == ["/api/v2/insights/gh/acme/api/workflows"]
    runs = {w.name: w.metrics.total_runs for w in week.workflows}
    assert any(w.metrics.total_runs < runs[w.name] for w in day.workflows)


def test_the_window_key_cycles_through_the_five_windows() -> None:
    seen = ["last-24-hours"]
    for _ in range(5):
        seen.append(next_window(seen[-1]))
    assert seen == ["last-24-hours", "last-7-days", "last-30-days", "last-60-days",
                    "last-90-days", "last-24-hours"]


async def test_flaky_names_and_configs_are_fetched_once(rig: Rig) -> None:
    insights = insights_of(rig)
    names = await insights.flaky_test_names(API)
    assert names and all(isinstance(n, tuple) and len(n) == 2 for n in names)
    pipeline = rig.world.workflows[0].pipeline
    config = await insights.pipeline_config(pipeline.id)
    before = len(rig.sim.requests)
    assert await insights.flaky_test_names(API) == names
    assert await insights.pipeline_config(pipeline.id) == config
    assert sent(rig, before) == []


async def test_two_askers_at_once_share_one_request(rig: Rig) -> None:
    hold = Hold(rig.transport.inner)
    rig.transport.inner = hold
    hold.close_gate()
    insights = insights_of(rig)
    results = []

    async def ask() -> None:
        results.append(await insights.flaky_tests(API))

    async with anyio.create_task_group() as tg:
        tg.start_soon(ask)
        tg.start_soon(ask)
        await hold.wait_for(1)
        await anyio.wait_all_tasks_blocked()
        assert hold.held == 1
        hold.release()
    assert results[0] is results[1]
    assert len(rig.sim.requests_matching("GET", r"flaky-tests$")) == 1
