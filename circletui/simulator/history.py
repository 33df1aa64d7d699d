"""The world's past: about sixty pipelines over the last three days, scripted by outcome.

Each entry says what should have happened (success, a failing job, a cancel, an approval left
waiting, a rerun that recovered...) and roughly when; the seeded RNG picks the details. The
pipelines are then created in chronological order and the engine replays them up to the start
time, so their timestamps, job numbers and statuses are exactly what live simulation produces.

At the start time the mix is always: six pipelines running (one of them `failing`, one a
25-job nightly), three workflows `on_hold` waiting for approval, one errored config, three
canceled, eight failed, one `error`, two failed-then-recovered by a rerun, three scheduled
nightlies and the rest successful.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from circletui.simulator import content
from circletui.simulator.model import Project, User
from circletui.simulator.plan import Plan

if TYPE_CHECKING:
    from circletui.simulator.world import World

HOUR = 3600.0
APPROVE_AFTER = (120.0, 1500.0)
MARKUP_SUBJECT = next(c for c in content.COMMITS if "[bold red]" in c[0])


@dataclass
class _Entry:
    project: Project
    ago: float
    plan: Plan
    branch: str | None = None
    tag: str | None = None
    trigger: str = "webhook"
    actor: User | None = None
    commit: tuple[str, str] | None = None
    no_commit: bool = False
    parameters: dict[str, Any] = field(default_factory=dict)
    review_id: str | None = None
    fork_owner: str | None = None


def populate(world: World, rng: random.Random) -> None:
    t0 = world.now
    api, web, mobile, infra, platform = world.projects
    me = world.me
    priya, jonas = world.user_by_login("priya-natarajan"), world.user_by_login("jonas-weber")
    team = world.team
    entries: list[_Entry] = []

    def uniform(low: float, high: float) -> float:
        return rng.uniform(low, high)

    def feature() -> str:
        return rng.choice(content.FEATURE_BRANCHES)

    def ok(**kwargs: Any) -> Plan:
        kwargs.setdefault("approve_after", APPROVE_AFTER)
        return Plan(default_outcome="success", **kwargs)

    # Running right now. Outcomes still to come are sampled, so the demo sees surprises.
    entries += [
        _Entry(api, uniform(45, 90), Plan(), branch=feature()),
        _Entry(web, uniform(120, 200), Plan(), branch="main"),
        _Entry(mobile, uniform(30, 60), Plan(), branch="fix/camera-permission-crash"),
        _Entry(
            api,
            uniform(150, 240),
            Plan(),
            branch="main",
            trigger="explicit",
            actor=me,
            parameters={"run_nightly": True},
        ),
        # Lint fails early while the long test jobs keep running: the workflow is `failing`.
        _Entry(
            api,
            100.0,
            ok(
                outcomes={"lint": "failed"},
                durations={"lint": 25.0, "unit-tests": 480.0, "integration-tests": 520.0},
            ),
            branch="fix/invoice-rounding",
            actor=me,
        ),
        _Entry(platform, uniform(60, 120), Plan(), branch="main"),
    ]
    # Waiting for an approval that nobody has given yet.
    entries += [
        _Entry(api, uniform(50, 120) * 60, ok(approve_after=None), branch="main"),
        _Entry(
            api,
            uniform(2, 4) * HOUR,
            ok(approve_after=None),
            tag="v2.4.0",
            trigger="api",
            actor=world.release_bot,
            commit=("Release 2.4.0", "Changelog:\n- feat: CSV export"),
        ),
        _Entry(infra, uniform(3, 6) * HOUR, ok(approve_after=None), branch="main"),
    ]
    # A config that does not compile.
    entries.append(
        _Entry(web, uniform(3, 20) * HOUR, Plan(config_error=True), branch="feature/dark-mode")
    )
    # Canceled part-way.
    entries += [
        _Entry(
            api,
            uniform(2, 30) * HOUR,
            ok(cancel_after=uniform(40, 120), canceler=me),
            branch=feature(),
            actor=me,
        ),
        _Entry(
            web,
            uniform(5, 40) * HOUR,
            ok(cancel_after=uniform(60, 200), canceler=priya),
            branch="main",
        ),
        _Entry(
            mobile,
            uniform(10, 60) * HOUR,
            ok(cancel_after=uniform(20, 80), canceler=jonas),
            branch=content.DEPENDABOT_BRANCHES[0],
            actor=world.dependabot,
        ),
    ]
    # Failed on one job.
    for project, job, branch in (
        (api, "unit-tests", feature()),
        (api, "integration-tests", feature()),
        (api, "smoke-tests", "main"),
        (web, "unit-tests", feature()),
        (web, "lint", "refactor/order-service"),
        (mobile, "ui-tests-android", "main"),
        (platform, "integration-tests", feature()),
        (infra, "terraform-validate", "feature/search-rate-limit"),
    ):
        entries.append(
            _Entry(project, uniform(1.5, 70) * HOUR, ok(outcomes={job: "failed"}), branch=branch)
        )
    # An infrastructure failure: the workflow ends in `error`.
    entries.append(
        _Entry(
            mobile,
            uniform(5, 50) * HOUR,
            ok(outcomes={"build-ios": "infrastructure_fail"}),
            branch="main",
        )
    )
    # Failed, then rerun (from failed, and in full) and recovered.
    entries += [
        _Entry(
            api,
            uniform(3, 30) * HOUR,
            ok(outcomes={"unit-tests": "failed"}, rerun_after=uniform(15, 40) * 60, rerunner=me),
            branch="fix/flaky-login-test",
            actor=me,
            commit=next(c for c in content.COMMITS if "flaky login" in c[0]),
        ),
        _Entry(
            web,
            uniform(2, 10) * HOUR,
            ok(
                outcomes={"integration-tests": "failed"},
                rerun_after=uniform(15, 40) * 60,
                rerun_from_failed=False,
                rerunner=priya,
            ),
            branch="feature/checkout-v2",
        ),
    ]
    # Nightly schedule at 02:00 UTC, the last three that have finished.
    two_am = t0.replace(hour=2, minute=0, second=0, microsecond=0)
    nights = [two_am - timedelta(days=day) for day in range(4)]
    nights = [night for night in nights if night < t0 - timedelta(hours=2)][:3]
    for index, night in enumerate(nights):
        outcomes = {"e2e-safari": "failed"} if index == 1 else {}
        entries.append(
            _Entry(
                api,
                (t0 - night).total_seconds() - uniform(0, 3),
                ok(outcomes=outcomes),
                branch="main",
                trigger="scheduled_pipeline",
                actor=world.release_bot,
                no_commit=True,
            )
        )
    # Successes, a few with something special about them.
    entries += [
        _Entry(web, uniform(1.5, 3) * HOUR, ok(), branch="main", commit=MARKUP_SUBJECT),
        _Entry(
            api,
            uniform(40, 60) * HOUR,
            ok(),
            tag="v2.3.1",
            trigger="api",
            actor=world.release_bot,
            commit=next(c for c in content.COMMITS if c[0] == "Release 2.3.1"),
        ),
        _Entry(
            web, uniform(20, 30) * HOUR, ok(), tag="v1.18.0", trigger="api", actor=world.release_bot
        ),
        _Entry(
            api,
            uniform(5, 20) * HOUR,
            ok(),
            branch="pull/431",
            fork_owner="octo-contrib",
            actor=world.user_by_login("amara-okafor"),
        ),
        _Entry(platform, uniform(4, 30) * HOUR, ok(), branch=feature(), review_id="87"),
        _Entry(
            api,
            uniform(6, 50) * HOUR,
            ok(),
            branch=content.DEPENDABOT_BRANCHES[1],
            actor=world.dependabot,
            commit=next(c for c in content.COMMITS if c[0].startswith("Bump requests")),
        ),
    ]
    # Recent ones on feature branches (no approval), so the last hour is not empty.
    entries += [
        _Entry(api, uniform(12, 25) * 60, ok(), branch=feature()),
        _Entry(platform, uniform(15, 40) * 60, ok(), branch=feature()),
        _Entry(web, uniform(20, 45) * 60, ok(), branch=feature()),
    ]
    weights = [(api, 9), (web, 6), (mobile, 4), (infra, 3), (platform, 2)]
    for project, count in weights:
        for _ in range(count):
            roll = rng.random()
            branch = project.default_branch if roll < 0.4 else feature()
            trigger = rng.choices(["webhook", "api", "explicit"], weights=[8, 1, 1])[0]
            entries.append(
                _Entry(project, uniform(2, 72) * HOUR, ok(), branch=branch, trigger=trigger)
            )

    created: list[tuple[datetime, _Entry]] = []
    for entry in entries:
        created.append((t0 - timedelta(seconds=round(entry.ago, 3)), entry))
    created.sort(key=lambda item: item[0])
    for when, entry in created:
        actor = entry.actor
        if actor is None:
            actor = me if rng.random() < 0.35 else rng.choice(team)
        commit = entry.commit
        if commit is None and not entry.no_commit:
            commit = rng.choice([c for c in content.COMMITS if c is not MARKUP_SUBJECT])
        world.create_pipeline(
            entry.project,
            when,
            trigger_type=entry.trigger,
            actor=actor,
            branch=entry.branch,
            tag=entry.tag,
            commit=commit,
            plan=entry.plan,
            parameters=entry.parameters,
            review_id=entry.review_id,
            fork_owner=entry.fork_owner,
            rng=rng,
        )
