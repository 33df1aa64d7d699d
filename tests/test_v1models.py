"""v1.1 build models: a realistic payload, odd values, failure lookup and parallel fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from circletui.api.v1models import Action, Build, OutputChunk, Step

S3 = "https://circle-production-action-output.s3.amazonaws.com/abc-{step}-{index}?X-Amz-Expires=431999"


def action(index: int, step: int | None, name: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "truncated": False,
        "index": index,
        "parallel": True,
        "failed": None,
        "infrastructure_fail": None,
        "name": name,
        "bash_command": None,
        "status": "success",
        "timedout": None,
        "continue": None,
        "end_time": "2022-03-01T10:00:05.123Z",
        "type": "test",
        "allocation_id": f"5f1e2d3c4b5a69788796a5b4-{index + 13}-build/ABCDEF",
        "output_url": S3.format(step=step, index=index),
        "start_time": "2022-03-01T10:00:01.000Z",
        "background": False,
        "exit_code": 0,
        "insignificant": False,
        "canceled": None,
        "step": step,
        "run_time_millis": 4123,
        "has_output": True,
    }
    data.update(extra)
    return data


def realistic_build() -> dict[str, Any]:
    spin_up = action(0, 0, "Spin up environment", exit_code=None)
    postgres = [
        action(i, 1, "Container postgres:10.1-alpine", background=True, insignificant=True)
        for i in range(3)
    ]
    # A service container that died: insignificant, so it does not fail the job.
    postgres[2].update(status="failed", failed=True, exit_code=137)
    # A canceled background container: no output at all.
    postgres[1].update(status="canceled", canceled=True, has_output=False, exit_code=None)
    del postgres[1]["output_url"]
    env = [action(i, 99, "Preparing environment variables") for i in range(3)]
    checkout = [
        action(i, 101, "Checkout code", bash_command="#!/bin/sh\nset -e\n...") for i in range(3)
    ]
    tests = [
        action(i, 103, "Run tests", bash_command="#!/bin/bash -eo pipefail\npytest")
        for i in range(3)
    ]
    tests[1].update(status="failed", failed=True, exit_code=1)
    # Still running: no end, no run time, no output_url yet.
    tests[2].update(status="running", end_time=None, run_time_millis=None, exit_code=None)
    del tests[2]["output_url"]
    upload = [action(1, 115, "Upload results", status="failed", failed=True, exit_code=2)]
    del upload[0]["step"]  # some payloads omit the step id
    return {
        "compare": None,
        "previous_successful_build": {"build_num": 41, "status": "success"},
        "build_parameters": {"CIRCLE_JOB": "test"},
        "oss": True,
        "steps": [
            {"name": "Spin up environment", "actions": [spin_up]},
            {"name": "Container postgres:10.1-alpine", "actions": postgres},
            {"name": "Preparing environment variables", "actions": env},
            {"name": "Checkout code", "actions": checkout},
            {"name": "Run tests", "actions": tests},
            {"name": "Upload results", "actions": upload},
            "not a step",
        ],
        "fail_reason": None,
        "build_url": "https://circleci.com/gh/acme/widgets/42",
        "parallel": 3,
        "failed": True,
        "branch": "main",
        "vcs_revision": "0123456789abcdef0123456789abcdef01234567",
        "workflows": {
            "job_name": "test",
            "job_id": "a1b2c3d4-0000-4000-8000-000000000001",
            "workflow_id": "a1b2c3d4-0000-4000-8000-000000000002",
            "workspace_id": "a1b2c3d4-0000-4000-8000-000000000003",
            "upstream_job_ids": [],
            "upstream_concurrency_map": {},
            "workflow_name": "build-and-test",
        },
        "build_num": 42,
        "infrastructure_fail": False,
        "status": "failed",
        "subject": "Fix the [bold]thing[/bold]",
        "timedout": False,
        "lifecycle": "finished",
        "outcome": "failed",
        "start_time": "2022-03-01T10:00:00.000Z",
        "stop_time": "2022-03-01T10:05:00.000Z",
        "build_time_millis": 300000,
        "picard": {"resource_class": {"cpu": 2.0, "ram": 4096, "class": "medium"}},
        "circle_yml": {"string": "version: 2.1\n..."},
        "platform": "2.0",
        "a_field_from_the_future": {"x": 1},
    }


def test_build_summary_fields() -> None:
    build = Build.from_api(realistic_build())
    assert build.build_num == 42
    assert build.status == "failed"
    assert build.lifecycle == "finished"
    assert build.outcome == "failed"
    assert build.parallel == 3
    assert build.build_url == "https://circleci.com/gh/acme/widgets/42"
    assert build.job_id == "a1b2c3d4-0000-4000-8000-000000000001"
    assert build.workflow_id == "a1b2c3d4-0000-4000-8000-000000000002"
    assert build.workflow_name == "build-and-test"
    assert build.job_name == "test"
    assert build.subject == "Fix the [bold]thing[/bold]"
    assert build.branch == "main"
    assert build.vcs_revision.startswith("0123")
    assert build.fail_reason is None
    assert build.failed is True
    assert build.start_time == datetime(2022, 3, 1, 10, 0, tzinfo=UTC)
    assert build.build_time_millis == 300000
    assert not build.is_running
    assert [step.name for step in build.steps] == [
        "Spin up environment",
        "Container postgres:10.1-alpine",
        "Preparing environment variables",
        "Checkout code",
        "Run tests",
        "Upload results",
    ]


def test_action_fields_and_odd_values() -> None:
    build = Build.from_api(realistic_build())
    spin_up = build.steps[0].actions[0]
    assert spin_up.step == 0
    assert spin_up.exit_code is None
    assert spin_up.output_url == S3.format(step=0, index=0)
    assert spin_up.start_time == datetime(2022, 3, 1, 10, 0, 1, tzinfo=UTC)
    assert spin_up.end_time == datetime(2022, 3, 1, 10, 0, 5, 123000, tzinfo=UTC)
    assert spin_up.run_time_millis == 4123
    assert not spin_up.failed and not spin_up.canceled  # null flags are false

    canceled = build.steps[1].actions[1]
    assert canceled.background and canceled.insignificant and canceled.canceled
    assert canceled.output_url is None
    assert not canceled.has_output

    env = build.steps[2]
    assert env.step_id == 99
    assert build.steps[3].step_id == 101
    assert build.steps[3].actions[0].bash_command == "#!/bin/sh\nset -e\n..."

    running = build.steps[4].actions[2]
    assert running.is_running
    assert running.end_time is None and running.run_time_millis is None
    assert running.output_url is None

    failed = build.steps[4].actions[1]
    assert failed.failed and failed.is_failure and failed.exit_code == 1

    no_step_id = build.steps[5].actions[0]
    assert no_step_id.step is None
    assert build.steps[5].step_id is None


def test_first_failed_step_ignores_service_containers() -> None:
    build = Build.from_api(realistic_build())
    # Container index 2: postgres failed there, but it is insignificant; tests are running.
    assert build.first_failed_step(2) is None
    assert build.first_failed_step(0) is None
    step = build.first_failed_step(1)
    assert step is not None and step.name == "Run tests"
    assert build.first_failed_step() is step
    found = build.first_failure(1)
    assert found is not None and found[1].index == 1 and found[1].exit_code == 1


def test_first_failed_step_with_a_single_action_step() -> None:
    data = realistic_build()
    data["steps"][0]["actions"][0].update(status="failed", failed=True)
    build = Build.from_api(data)
    # Spin-up ran once, for every container: its failure is every container's failure.
    for index in (0, 1, 2):
        step = build.first_failed_step(index)
        assert step is not None and step.name == "Spin up environment"


def test_failure_by_status_only() -> None:
    step = Step.from_api(
        {"name": "x", "actions": [{"index": 0, "step": 101, "status": "timedout"}]}
    )
    assert step.actions[0].is_failure
    build = Build.from_api(
        {
            "build_num": 1,
            "steps": [
                {
                    "name": "x",
                    "actions": [
                        {"index": 0, "step": 101, "status": "failed", "failed": None},
                    ],
                }
            ],
        }
    )
    assert build.first_failed_step(0) is not None


def test_action_for_falls_back_when_a_step_has_fewer_actions() -> None:
    build = Build.from_api(realistic_build())
    spin_up = build.steps[0]
    assert spin_up.action_for(0) is spin_up.actions[0]
    assert spin_up.action_for(2) is spin_up.actions[0]
    assert spin_up.has_action_for(0) and not spin_up.has_action_for(2)
    tests = build.steps[4]
    assert tests.action_for(1) is tests.actions[1]
    upload = build.steps[5]  # only index 1
    assert upload.action_for(0) is upload.actions[0]
    assert Step(name="empty").action_for(0) is None


def test_parallel_indexes() -> None:
    build = Build.from_api(realistic_build())
    assert build.parallel_indexes() == (0, 1, 2)
    assert Build.from_api({"build_num": 1}).parallel_indexes() == (0,)
    # An index beyond the declared parallelism still shows up.
    odd = Build.from_api(
        {"parallel": 2, "steps": [{"name": "x", "actions": [{"index": 3, "status": "success"}]}]}
    )
    assert odd.parallel_indexes() == (0, 1, 3)
    assert Build.from_api({"parallel": 0}).parallel == 1


def test_tolerates_empty_and_junk() -> None:
    build = Build.from_api({})
    assert build.build_num == 0
    assert build.steps == ()
    assert build.job_id is None
    assert build.first_failed_step() is None
    junk = Build.from_api(
        {
            "build_num": "17",
            "parallel": "4",
            "workflows": None,
            "steps": [{"actions": [None, {"index": "2", "exit_code": "3", "name": "n"}]}],
        }
    )
    assert junk.build_num == 17
    assert junk.parallel == 4
    assert junk.steps[0].name == "n"
    assert junk.steps[0].actions[0] == Action(index=2, step=None, name="n", status="", exit_code=3)


def test_output_chunk() -> None:
    chunk = OutputChunk.from_api(
        {"message": "Exited with code 1", "time": "2019-01-01T00:00:00.000Z", "type": "err"}
    )
    assert chunk.is_err
    assert chunk.time == datetime(2019, 1, 1, tzinfo=UTC)
    assert OutputChunk.from_api({}).type == "out"
    assert OutputChunk.from_api({"message": None}).message == ""
