"""How often a workflow's jobs are polled, from what they say."""

from __future__ import annotations

from circletui.api.models import Job
from circletui.monitor import Cadence, WorkflowJobs


def job(job_id: str, status: str, *deps: str) -> Job:
    return Job.from_api({"id": job_id, "name": job_id, "type": "build", "status": status,
                         "dependencies": list(deps)})


RESOURCE = WorkflowJobs("w")


def test_a_running_job_is_polled_fast():
    assert RESOURCE.cadence((job("a", "success"), job("b", "running", "a"))) is Cadence.FAST


def test_a_workflow_just_created_by_a_rerun_is_polled_fast_before_its_first_job_queues():
    # CircleCI lists a new workflow's jobs "blocked" until the first one is queued; the kept
    # jobs of a rerun from failed are already "success".
    jobs = (job("a", "success"), job("b", "blocked", "a"), job("c", "blocked", "b"))
    assert RESOURCE.cadence(jobs) is Cadence.FAST
    assert RESOURCE.cadence((job("a", "blocked"), job("b", "blocked", "a"))) is Cadence.FAST


def test_jobs_blocked_behind_a_failure_never_move():
    jobs = (job("a", "failed"), job("b", "blocked", "a"), job("c", "blocked", "b"))
    assert RESOURCE.cadence(jobs) is Cadence.DONE
    assert RESOURCE.cadence((job("a", "success"), job("b", "canceled", "a"))) is Cadence.DONE
