"""The models take what CircleCI really sends: unknown keys, missing or null "required" keys,
enum values the spec does not list, numbers as strings, timestamps with and without
milliseconds. Fixtures are real captures published in public repositories (named at each).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from circletui.api import (
    Artifact,
    Collaboration,
    FlakyTest,
    Job,
    JobDetails,
    JobMessage,
    Message,
    Page,
    ParallelRun,
    Pipeline,
    PipelineConfig,
    PipelineCreation,
    RerunResult,
    TestResult,
    User,
    Workflow,
    WorkflowSummary,
    parse_time,
)

# -- timestamps ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2020-12-24T12:59:23.906Z", datetime(2020, 12, 24, 12, 59, 23, 906000, tzinfo=UTC)),
        ("2020-12-24T12:59:23Z", datetime(2020, 12, 24, 12, 59, 23, tzinfo=UTC)),
        ("2020-12-24T12:59:23.906123Z", datetime(2020, 12, 24, 12, 59, 23, 906123, tzinfo=UTC)),
        (
            "2020-12-24T13:59:23+01:00",
            datetime(2020, 12, 24, 13, 59, 23, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("2020-12-24T12:59:23", datetime(2020, 12, 24, 12, 59, 23, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
        (1608814763, None),
    ],
)
def test_parse_time(text, expected):
    assert parse_time(text) == expected


def test_mixed_precision_timestamps_compare_and_subtract():
    started = parse_time("2020-12-24T12:59:23Z")
    stopped = parse_time("2020-12-24T13:00:08.894Z")
    assert stopped - started == timedelta(seconds=45, microseconds=894000)
    assert parse_time("2020-12-24T13:59:23+01:00") == parse_time("2020-12-24T12:59:23Z")


# -- pipelines ----------------------------------------------------------------------------------

# LF-Engineering/da-ds, circlci/README.md, Dec 2020, plus keys the spec does not know.
REAL_PIPELINE = {
    "id": "98b1071e-c364-4b39-91b9-820b8588e2ae",
    "errors": [],
    "project_slug": "gh/LF-Engineering/da-ds",
    "updated_at": "2020-12-24T12:59:23.906Z",
    "number": 154,
    "state": "created",
    "created_at": "2020-12-24T12:59:23.906Z",
    "trigger": {
        "received_at": "2020-12-24T12:59:23.725Z",
        "type": "webhook",
        "actor": {"login": "lukaszgryglicki", "avatar_url": None},
    },
    "vcs": {
        "origin_repository_url": "https://github.com/LF-Engineering/da-ds",
        "target_repository_url": "https://github.com/LF-Engineering/da-ds",
        "revision": "6a8d3b2b2a9c2d1f7e0b1f5d3c4b5a6978d9e0f1",
        "provider_name": "GitHub",
        "commit": {
            "body": "Signed-off-by: Łukasz Gryglicki <lukaszgryglicki@o2.pl>",
            "subject": "Confirmed - no more needed\nsecond line",
        },
        "branch": "master",
        "brand_new_vcs_key": {"x": 1},
    },
    "some_future_field": [1, 2, 3],
}


def test_real_pipeline_parses():
    pipeline = Pipeline.from_api(REAL_PIPELINE)
    assert pipeline.id == "98b1071e-c364-4b39-91b9-820b8588e2ae"
    assert pipeline.number == 154
    assert pipeline.state == "created"
    assert pipeline.created_at == datetime(2020, 12, 24, 12, 59, 23, 906000, tzinfo=UTC)
    assert pipeline.trigger.type == "webhook"
    assert pipeline.trigger.actor.login == "lukaszgryglicki"
    assert pipeline.trigger.actor.avatar_url is None
    assert pipeline.branch == "master"
    assert pipeline.tag is None
    assert pipeline.subject == "Confirmed - no more needed"
    assert pipeline.vcs.commit.body == "Signed-off-by: Łukasz Gryglicki <lukaszgryglicki@o2.pl>"
    assert pipeline.trigger_parameters == {}
    assert pipeline.errors == ()


def test_pipeline_with_missing_optional_and_required_keys():
    pipeline = Pipeline.from_api({"id": "p", "number": "25", "state": "setup-pending"})
    assert pipeline.number == 25
    assert pipeline.state == "setup-pending"
    assert pipeline.vcs is None
    assert pipeline.updated_at is None
    assert pipeline.created_at is None
    assert pipeline.trigger.type == ""
    assert pipeline.branch is None
    assert pipeline.subject == ""


def test_pipeline_unknown_enums_and_nulls_are_kept_raw():
    pipeline = Pipeline.from_api(
        {
            "id": "p",
            "number": None,
            "state": "some-new-state",
            "trigger": {"type": "Decoupled Ingestion System", "actor": None},
            "vcs": {"commit": {"subject": None, "body": None}, "revision": None},
            "errors": [{"type": "plan-limit", "message": "over"}, "junk", None],
            "trigger_parameters": {"git": {"branch": "main"}},
        }
    )
    assert pipeline.number == 0
    assert pipeline.state == "some-new-state"
    assert pipeline.trigger.type == "Decoupled Ingestion System"
    assert pipeline.trigger.actor.login == ""
    assert pipeline.subject == ""
    assert pipeline.vcs.revision == ""
    assert [(e.type, e.message) for e in pipeline.errors] == [("plan-limit", "over")]
    assert pipeline.trigger_parameters == {"git": {"branch": "main"}}


def test_pipeline_creation_and_config():
    created = PipelineCreation.from_api(
        {
            "number": 2,
            "state": "pending",
            "id": "e411ea74",
            "created_at": "2020-01-15T15:32:36.605Z",
            "workflows": [],
        }
    )
    assert created == PipelineCreation(
        id="e411ea74",
        number=2,
        state="pending",
        created_at=datetime(2020, 1, 15, 15, 32, 36, 605000, tzinfo=UTC),
    )
    config = PipelineConfig.from_api(
        {"source": "", "compiled": None, "compiled-setup-config": "c", "setup-config": None}
    )
    assert config == PipelineConfig(
        source="", compiled="", setup_config=None, compiled_setup_config="c"
    )


# -- workflows and jobs -------------------------------------------------------------------------


def test_real_workflow_with_second_precision_and_omitted_optionals():
    workflow = Workflow.from_api(
        {
            "pipeline_id": "98b1071e",
            "id": "9552b8fe",
            "name": "workflow",
            "project_slug": "gh/LF-Engineering/da-ds",
            "status": "success",
            "started_by": "382334b0",
            "pipeline_number": 154,
            "created_at": "2020-12-24T12:59:23Z",
            "stopped_at": "2020-12-24T13:00:08Z",
        }
    )
    assert workflow.created_at == datetime(2020, 12, 24, 12, 59, 23, tzinfo=UTC)
    assert workflow.stopped_at == datetime(2020, 12, 24, 13, 0, 8, tzinfo=UTC)
    assert (workflow.canceled_by, workflow.errored_by, workflow.tag) == (None, None, None)


def test_workflow_unknown_status_null_stop_and_string_number():
    workflow = Workflow.from_api(
        {"id": "w", "status": "paused_by_gremlins", "pipeline_number": "31", "stopped_at": None}
    )
    assert workflow.status == "paused_by_gremlins"
    assert workflow.pipeline_number == 31
    assert workflow.stopped_at is None
    assert workflow.name == ""


def test_real_approval_job_2020_without_number_or_stop():
    job = Job.from_api(
        {
            "dependencies": [],
            "id": "949f0edf",
            "started_at": None,
            "name": "approve_prod",
            "approved_by": "382334b0",
            "project_slug": "gh/LF-Engineering/dev-analytics-ui",
            "status": "success",
            "type": "approval",
            "approval_request_id": "949f0edf",
        }
    )
    assert job.is_approval
    assert job.job_number is None
    assert job.started_at is None
    assert job.stopped_at is None
    assert job.approval_request_id == job.id == "949f0edf"
    assert job.approved_by == "382334b0"


def test_real_build_job_and_oddities():
    job = Job.from_api(
        {
            "dependencies": ["949f0edf", None, ""],
            "job_number": "1008",
            "id": "48ed6602",
            "started_at": "2020-12-18T16:18:02Z",
            "name": "build_and_deploy_prod",
            "status": "terminated-unknown",
            "type": "build",
            "stopped_at": "2020-12-18T16:26:18Z",
            "requires": {"949f0edf": ["success"]},
        }
    )
    assert job.job_number == 1008
    assert job.dependencies == ("949f0edf",)
    assert job.status == "terminated-unknown"
    assert not job.is_approval
    assert job.stopped_at - job.started_at == timedelta(minutes=8, seconds=16)
    assert Job.from_api({"id": "j", "job_number": "n/a"}).job_number is None
    assert Job.from_api({"id": "j", "job_number": True}).job_number is None
    assert Job.from_api({"id": "j"}).type == "build"


# LF-Engineering/da-ds job details: no project.id, ms timestamps, duration in ms.
REAL_JOB_DETAILS = {
    "web_url": "https://circleci.com/gh/LF-Engineering/da-ds/155",
    "project": {
        "external_url": "https://github.com/LF-Engineering/da-ds",
        "slug": "gh/LF-Engineering/da-ds",
        "name": "da-ds",
    },
    "parallel_runs": [{"index": 0, "status": "success"}, "junk"],
    "started_at": "2020-12-24T12:59:27.236Z",
    "latest_workflow": {"name": "workflow", "id": "9552b8fe"},
    "name": "build",
    "executor": {"resource_class": "medium", "type": "docker"},
    "parallelism": 1,
    "status": "success",
    "number": 155,
    "pipeline": {"id": "98b1071e"},
    "duration": 41658,
    "created_at": "2020-12-24T12:59:24.233Z",
    "messages": [],
    "contexts": [{"name": "org-global"}],
    "organization": {"name": "LF-Engineering"},
    "queued_at": "2020-12-24T12:59:24.256Z",
    "stopped_at": "2020-12-24T13:00:08.894Z",
}


def test_real_job_details():
    details = JobDetails.from_api(REAL_JOB_DETAILS)
    assert details.number == 155
    assert details.project_slug == "gh/LF-Engineering/da-ds"
    assert details.project_name == "da-ds"
    assert details.parallel_runs == (ParallelRun(index=0, status="success"),)
    assert (details.executor_type, details.resource_class) == ("docker", "medium")
    assert details.duration_ms == 41658
    assert details.latest_workflow_id == "9552b8fe"
    assert details.pipeline_id == "98b1071e"
    assert details.contexts == ("org-global",)
    assert details.organization_name == "LF-Engineering"
    assert details.started_at == datetime(2020, 12, 24, 12, 59, 27, 236000, tzinfo=UTC)


def test_job_details_of_a_queued_job_that_did_not_run():
    details = JobDetails.from_api(
        {
            "number": "12",
            "status": "not_run",
            "duration": None,
            "parallelism": None,
            "messages": [
                {
                    "type": "warning",
                    "reason": "no-followers",
                    "message": "Your build was not run - reason code (no-followers).",
                },
                {"type": "error", "message": "We did not test this push"},
            ],
        }
    )
    assert details.number == 12
    assert details.duration_ms is None
    assert details.parallelism == 1
    assert details.executor_type is None
    assert details.resource_class is None
    assert details.messages == (
        JobMessage(
            type="warning",
            message="Your build was not run - reason code (no-followers).",
            reason="no-followers",
        ),
        JobMessage(type="error", message="We did not test this push", reason=None),
    )


# -- artifacts, tests, insights -----------------------------------------------------------------


def test_artifact_and_test_results():
    assert Artifact.from_api(
        {"path": "a.png", "node_index": "1", "url": "https://x/1/a.png", "extra": True}
    ) == Artifact(path="a.png", node_index=1, url="https://x/1/a.png")
    result = TestResult.from_api(
        {
            "message": None,
            "source": "cucumber",
            "run_time": "0.25",
            "file": "",
            "result": "success",
            "name": "n",
            "classname": "c",
        }
    )
    assert result == TestResult(
        name="n",
        classname="c",
        result="success",
        file=None,
        message=None,
        run_time=0.25,
        source="cucumber",
    )
    assert not result.failed
    assert TestResult.from_api({"run_time": "", "result": "failure"}).run_time is None
    assert TestResult.from_api({"result": "failure"}).failed
    assert TestResult.from_api({"result": "error"}).failed
    assert not TestResult.from_api({"result": "skipped"}).failed


FLAKY_KEBAB = {
    "time-wasted": 120,
    "workflow-created-at": "2024-01-01T00:00:00Z",
    "workflow-id": {"weird": "untyped"},
    "classname": None,
    "pipeline-number": "77",
    "workflow-name": "build",
    "test-name": "test_x",
    "job-name": "test",
    "job-number": 155,
    "times-flaked": "4",
    "source": None,
    "file": None,
}
FLAKY_SNAKE = {key.replace("-", "_"): value for key, value in FLAKY_KEBAB.items()}


@pytest.mark.parametrize(
    "data", [FLAKY_SNAKE, FLAKY_KEBAB], ids=["live snake_case", "documented kebab-case"]
)
def test_flaky_test_either_key_spelling_and_string_numbers(data):
    assert FlakyTest.from_api(data) == FlakyTest(
        test_name="test_x",
        classname=None,
        job_name="test",
        workflow_name="build",
        times_flaked=4,
        file=None,
        job_number=155,
        pipeline_number=77,
        time_wasted=120,
    )


def test_workflow_summary_with_nulls():
    summary = WorkflowSummary.from_api(
        {
            "metrics": {
                "total_runs": 82,
                "successful_runs": 49,
                "failed_runs": 33,
                "success_rate": 0.5975609756097561,
                "mttr": None,
                "duration_metrics": {"median": None, "p95": "300"},
            },
            "trends": {"total_runs": 0.1},
            "workflow_names": ["build", 7],
        }
    )
    assert (summary.total_runs, summary.successful_runs, summary.failed_runs,
            summary.success_rate, summary.median_duration_secs, summary.p95_duration_secs,
            summary.workflow_names) == (82, 49, 33, 0.5975609756097561, None, 300.0,
                                        ("build", "7"))
    assert summary.trends == {"total_runs": 0.1}
    assert summary.metrics.total_runs == 82 and summary.metrics.mttr is None
    empty = WorkflowSummary.from_api({})
    assert (empty.total_runs, empty.success_rate, empty.workflow_names) == (0, 0.0, ())


# -- users, envelopes, small answers ------------------------------------------------------------


def test_user_and_collaboration():
    assert User.from_api(
        {"id": "u", "login": "alice", "name": None, "avatar_url": "https://a"}
    ) == User(id="u", login="alice", name="")
    assert Collaboration.from_api(
        {"id": None, "vcs-type": "circleci", "name": "acme", "slug": "circleci/abc"}
    ) == Collaboration(id=None, vcs_type="circleci", name="acme", slug="circleci/abc")
    assert Collaboration.from_api({"vcs_type": "github"}).vcs_type == "github"


@pytest.mark.parametrize(
    ("envelope", "token"),
    [
        ({"items": [], "next_page_token": None}, None),
        ({"items": []}, None),
        ({"items": [], "next_page_token": ""}, None),
        ({"next_page_token": "AARLwwWY_-x", "items": []}, "AARLwwWY_-x"),
    ],
)
def test_page_token_missing_null_or_empty_means_last_page(envelope, token):
    assert Page.from_api(envelope, User.from_api).next_page_token == token


def test_page_skips_items_that_are_not_objects():
    page = Page.from_api(
        {"items": [{"id": "a"}, None, "b", 3, ["c"], {"id": "d"}], "next_page_token": None},
        lambda item: item["id"],
    )
    assert page == Page(items=["a", "d"], next_page_token=None)
    assert Page.from_api({"items": None}, User.from_api).items == []
    assert Page.from_api({}, User.from_api).items == []


def test_message_and_rerun_result():
    assert Message.from_api({"message": "Accepted."}) == Message("Accepted.")
    assert Message.from_api({}) == Message("")
    assert RerunResult.from_api({"workflow_id": "0e53027b", "extra": 1}) == RerunResult("0e53027b")
