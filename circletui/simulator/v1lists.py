"""API v1.1 artifacts and test metadata of a build, from the same world data as v2.

Older clients (the v1.1 reference's "Artifacts Of A Build" and "Get Test Metadata") read
these instead of v2's paginated lists; the shapes follow the examples in circleci/circleci-docs
`src-api/source/includes/_builds_and_jobs.md` and `src-api/source/includes/artifacts/_index.md`.
"""

from __future__ import annotations

from typing import Any

from circletui.simulator.jobdata import artifacts, job_test_results
from circletui.simulator.model import Job


def artifacts_json(job: Job) -> list[dict[str, Any]]:
    """GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}/artifacts: a bare array.

    `pretty_path` "returns the same value as path. It is included in the response for
    backwards compatibility" (the v1.1 reference).
    """
    return [
        {"path": a.path, "pretty_path": a.path, "node_index": a.node_index, "url": a.url}
        for a in artifacts(job)
    ]


def tests_json(job: Job) -> dict[str, Any]:
    """GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}/tests: `{"tests": [...]}`."""
    return {
        "tests": [
            {
                "message": r.message,
                "file": r.case.file,
                "source": r.source,
                "run_time": r.run_time,
                "result": r.result,
                "name": r.case.name,
                "classname": r.case.classname,
            }
            for r in job_test_results(job)
        ]
    }
