"""``circletui watch`` against the in-process simulator in compressed time: the lines it prints
and every exit status. The loop's sleep moves the fake clocks instead of waiting."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from circletui.api import CircleCIClient, RetryPolicy
from circletui.simulator import ManualClock, Simulator
from circletui.simulator.plan import Plan
from circletui.watchcli import Connection, UsageError, main, parse_pipeline_url
from tests.config_helpers import checkout_here

WEB = "https://app.circleci.com/pipelines"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class World:
    """The simulator and the fake clocks one `circletui watch` run uses."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.sim = Simulator(seed=0, clock=self.clock)
        self.mono = 1000.0
        self.slept = 0.0
        self.on_sleep: Callable[[], None] | None = None
        self.token = self.sim.token

    @property
    def world(self):
        return self.sim.world

    async def sleep(self, seconds: float) -> None:
        self.mono += seconds
        self.slept += seconds
        if self.slept > 4 * 3600:
            raise AssertionError("still watching after four simulated hours")
        self.clock.advance(seconds)
        self.world.sync()
        if self.on_sleep is not None:
            self.on_sleep()

    def connect(self, settings) -> Connection:
        client = CircleCIClient(self.token, "http://circleci.sim", transport=self.sim.transport(),
                                retry=RetryPolicy(max_attempts=1), now=lambda: self.mono,
                                sleep=self.sleep, read_only=True)
        return Connection(client, "https://circleci.com", monotonic=lambda: self.mono,
                          sleep=self.sleep, wall_clock=self.clock.now)

    def pipeline(self, plan: Plan, *, branch: str = "feature/x", slug: str = "gh/acme/api"):
        world = self.world
        return world.create_pipeline(world.project(slug), world.now, trigger_type="api",
                                     actor=world.me, branch=branch, plan=plan)

    def run(self, *argv: str, tty: bool = False) -> tuple[int, list[str], str]:
        out = Tty() if tty else io.StringIO()
        err = io.StringIO()
        code = main(list(argv), connector=self.connect, stdout=out, stderr=err,
                    env={"CIRCLECI_TOKEN": "tok"})
        return code, out.getvalue().splitlines(), err.getvalue()


@pytest.fixture
def sim() -> World:
    return World()


def _url(pipeline) -> str:
    return f"{WEB}/gh/acme/api/{pipeline.number}"


def test_a_pipeline_that_succeeds_exits_0_with_one_line_per_change(sim: World) -> None:
    p = sim.pipeline(Plan(default_outcome="success"))
    code, lines, err = sim.run(_url(p))
    assert code == 0, err
    assert lines[0].endswith(f"watching gh/acme/api #{p.number} on feature/x "
                             f"{WEB}/github/acme/api/{p.number}")
    body = [line.split(" ", 1)[1] for line in lines[1:]]
    assert "job build-and-test/lint success" in body
    assert "workflow build-and-test success" in body
    assert body[-1] == "success (exit 0)"
    # One line per change: no status is printed twice in a row for the same thing.
    assert len(body) == len(set(body))
    assert body.index("job build-and-test/checkout running") < body.index(
        "job build-and-test/checkout success")
    assert "\x1b" not in "\n".join(lines)  # not a terminal: no colours


def test_json_lines_and_a_failure_exits_1(sim: World) -> None:
    p = sim.pipeline(Plan(default_outcome="failed"))
    code, lines, _ = sim.run(_url(p), "--json")
    assert code == 1
    records = [json.loads(line) for line in lines]
    assert records[0]["type"] == "watching" and records[0]["pipeline_number"] == p.number
    assert records[-1] == {**records[-1], "type": "end", "outcome": "failed", "exit_status": 1}
    checkout = [r for r in records if r["type"] == "job" and r["name"] == "checkout"]
    assert [(r["previous"], r["status"]) for r in checkout][-1][1] == "failed"
    assert all(r["workflow"] == "build-and-test" for r in checkout)
    assert all(r["time"].endswith("Z") for r in records)


@pytest.mark.parametrize(("plan", "expected"), [
    (Plan(default_outcome="success", cancel_after=30), "canceled"),
    (Plan(config_error=True), "error"),
])
def test_canceled_or_errored_exits_2(sim: World, plan: Plan, expected: str) -> None:
    p = sim.pipeline(plan)
    code, lines, _ = sim.run(_url(p))
    assert code == 2
    assert lines[-1].endswith(f"{expected} (exit 2)")


def test_an_approval_exits_3_unless_told_to_wait_through_it(sim: World) -> None:
    # On main, build-and-test stops at hold-for-deploy.
    p = sim.pipeline(Plan(default_outcome="success"), branch="main")
    code, lines, _ = sim.run(_url(p))
    assert code == 3
    assert any(line.endswith("job build-and-test/hold-for-deploy on hold") for line in lines)
    assert lines[-1].endswith("stopped at an approval (exit 3)")

    def approve_when_held() -> None:
        wf = p.workflows[0] if p.workflows else None
        hold = next((j for j in wf.jobs if j.status == "on_hold"), None) if wf else None
        if hold is not None:
            sim.world.approve(wf.id, hold.id)

    sim.on_sleep = approve_when_held
    code, lines, _ = sim.run(_url(p), "--through-approvals")
    assert code == 0
    assert any(line.endswith("job build-and-test/deploy-staging success") for line in lines)


def test_a_workflow_url_watches_that_workflow(sim: World) -> None:
    p = sim.pipeline(Plan(default_outcome="success"), slug="gh/acme/web")
    sim.world.sync()
    sim.clock.advance(5)
    sim.world.sync()
    docs = next(w for w in p.workflows if w.name != "build-and-test")
    code, lines, _ = sim.run(f"{WEB}/github/acme/web/{p.number}/workflows/{docs.id}")
    assert code == 0
    assert not any(" pipeline " in line or "build-and-test" in line for line in lines[1:])
    assert any(f"workflow {docs.name} success" in line for line in lines)


def test_project_and_branch_watch_the_newest_pipeline_there(sim: World) -> None:
    sim.pipeline(Plan(default_outcome="failed"), branch="feature/y")
    newest = sim.pipeline(Plan(default_outcome="success"), branch="feature/y")
    sim.pipeline(Plan(default_outcome="failed"), branch="other")
    code, lines, _ = sim.run("--project", "gh/acme/api", "--branch", "feature/y")
    assert code == 0
    assert f"#{newest.number} on feature/y" in lines[0]


def test_inside_a_checkout_it_watches_the_current_branch(
    sim: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout_here(monkeypatch, tmp_path, "https://github.com/acme/api.git", "feature/z")
    p = sim.pipeline(Plan(default_outcome="failed"), branch="feature/z")
    sim.pipeline(Plan(default_outcome="success"), branch="main")
    code, lines, _ = sim.run()
    assert (code, f"#{p.number} on feature/z" in lines[0]) == (1, True)
    code, lines, _ = sim.run("--project", "gh/acme/api")  # the branch still comes from git
    assert (code, f"#{p.number} on feature/z" in lines[0]) == (1, True)


@pytest.mark.parametrize("args", [
    ["https://example.com/not/a/pipeline"],
    [f"{WEB}/gh/acme/api/notanumber"],
    [f"{WEB}/gh/acme/api/999999"],  # 404
    ["--project", "gh/acme/api", "--branch", "no-such-branch"],
    ["--project", "gh/nobody/nothing"],  # 404
    [],  # nothing to watch
    ["--no-such-flag"],
])
def test_usage_and_api_errors_exit_4(sim: World, args: list[str]) -> None:
    code, _, err = sim.run(*args)
    assert code == 4
    assert err.strip()
    assert "Traceback" not in err


def test_a_url_from_another_circleci_is_pointed_out(sim: World) -> None:
    p = sim.pipeline(Plan(default_outcome="success"))
    code, _, err = sim.run(f"https://app.ci.example.com/pipelines/gh/acme/api/{p.number}")
    assert code == 0  # found anyway here; on a real mismatch the 404 follows the warning
    assert "the URL is on app.ci.example.com, but the API host is https://circleci.com" in err
    _, _, err = sim.run(_url(p))
    assert "warning" not in err


def test_a_refused_token_exits_4(sim: World) -> None:
    p = sim.pipeline(Plan(default_outcome="success"))
    sim.token = "wrong-token"
    code, _, err = sim.run(_url(p))
    assert code == 4
    assert "401" in err


def test_a_token_revoked_while_watching_exits_4(sim: World) -> None:
    p = sim.pipeline(Plan(default_outcome="success"))

    def revoke() -> None:
        if sim.slept > 30 and not sim.sim.faults.active:
            sim.sim.faults.revoke_token()

    sim.on_sleep = revoke
    code, _, err = sim.run(_url(p))
    assert code == 4
    assert "401" in err


def test_rate_limited_it_pauses_says_so_and_carries_on(sim: World) -> None:
    p = sim.pipeline(Plan(default_outcome="success"))

    def throttle_once() -> None:
        if 20 < sim.slept and not sim.sim.faults.active and not throttled:
            throttled.append(sim.sim.faults.rate_limit(retry_after=40, count=1))

    throttled: list = []
    sim.on_sleep = throttle_once
    code, _, err = sim.run(_url(p))
    assert code == 0
    assert "rate limiting (429)" in err and "trying again in 40 s" in err
    assert "answers again" in err


def test_ctrl_c_exits_130(sim: World) -> None:
    p = sim.pipeline(Plan(default_outcome="success"))

    def interrupt() -> None:
        raise KeyboardInterrupt

    sim.on_sleep = interrupt
    code, lines, _ = sim.run(_url(p))
    assert code == 130
    assert lines[0].split(" ", 1)[1].startswith("watching")


def test_colours_only_on_a_terminal(sim: World) -> None:
    p = sim.pipeline(Plan(default_outcome="success"))
    code, lines, _ = sim.run(_url(p), tty=True)
    assert code == 0
    assert "\x1b[32msuccess\x1b[0m" in lines[-1]


def test_api_text_cannot_reach_the_terminal_as_escape_sequences(sim: World) -> None:
    p = sim.pipeline(Plan(default_outcome="success"), branch="evil\x1b]52;c;eA==\x07")
    code, lines, _ = sim.run(_url(p))
    assert code == 0
    assert "\x1b" not in "\n".join(lines) and "\x07" not in "\n".join(lines)


@pytest.mark.parametrize(("url", "slug", "number", "workflow"), [
    (f"{WEB}/gh/acme/api/12", "gh/acme/api", 12, None),
    (f"{WEB}/github/acme/api/12/", "gh/acme/api", 12, None),
    (f"{WEB}/bitbucket/acme-labs/infra/3/workflows/0b8e7c55-8b4b-4f0e-9c55-1a2b3c4d5e6f",
     "bb/acme-labs/infra", 3, "0b8e7c55-8b4b-4f0e-9c55-1a2b3c4d5e6f"),
    (f"{WEB}/circleci/O-1/P-1/7/workflows/0b8e7c55-8b4b-4f0e-9c55-1a2b3c4d5e6f/jobs/9",
     "circleci/O-1/P-1", 7, "0b8e7c55-8b4b-4f0e-9c55-1a2b3c4d5e6f"),
])
def test_pipeline_urls(url: str, slug: str, number: int, workflow: str | None) -> None:
    target = parse_pipeline_url(url)
    assert (target.project_slug, target.number, target.workflow_id) == (slug, number, workflow)


@pytest.mark.parametrize("url", ["app.circleci.com/pipelines/gh/a/b/1", f"{WEB}/gh/a/b",
                                 f"{WEB}/gitlab/a/b/1", f"{WEB}/gh/a/b/1/workflows/x;y"])
def test_bad_pipeline_urls(url: str) -> None:
    with pytest.raises(UsageError):
        parse_pipeline_url(url)
