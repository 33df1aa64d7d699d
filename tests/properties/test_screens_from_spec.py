"""Every screen shows spec-generated, hostile API answers without an exception: the pipelines
list, the workflow graph and its list view, the job screen and the approvals.

The app runs as in production, with a client whose transport answers from Hypothesis-drawn
bodies (see ``spec_data``). On top of what is drawn, every example carries one pipeline,
workflow and pair of jobs made of the worst strings we know (a 10,000-character branch, a
subject with newlines, right-to-left and wide text, emoji, unknown statuses), so each run
covers them whatever Hypothesis picks. Any exception in a handler, worker or the monitor
ends the app, and ``run_test`` raises it here.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import httpx
from hypothesis import given, settings

from circletui.api import CircleCIClient, RetryPolicy
from circletui.config import Settings
from circletui.secret import Secret
from circletui.ui.app import CircleTUI
from circletui.ui.screens.approvals import ApprovalsScreen
from circletui.ui.screens.job import JobScreen
from circletui.ui.screens.pipelines import PipelinesScreen
from circletui.ui.screens.workflow import WorkflowScreen
from circletui.ui.widgets.live_table import LiveTable
from tests.settle import settle

from .spec_data import NASTY, hostile_answers

PIPELINE_ID = "5034460f-c7c4-4c43-9457-de07e2029e7b"
WORKFLOW_ID = "fda08377-fe7e-46b1-8992-3a7aaecac9c3"
NOW = datetime(2026, 1, 14, 14, 30, tzinfo=UTC)
SUBJECT = "\n".join(NASTY[1:7])

WORST_PIPELINE = {
    "id": PIPELINE_ID, "number": 7, "project_slug": "gh/acme/api", "state": "created",
    "created_at": "2026-01-14T14:00:00Z", "updated_at": None, "errors": [],
    "trigger": {"type": "webhook", "received_at": "2026-01-14T14:00:00Z",
                "actor": {"login": NASTY[3], "avatar_url": None}},
    "vcs": {"branch": NASTY[0], "revision": "abc", "commit": {"subject": SUBJECT,
                                                              "body": NASTY[6]},
            "provider_name": "GitHub", "origin_repository_url": "x", "target_repository_url": "x"},
    "unknown_new_field": {"nested": [1, 2, 3]},
}
WORST_WORKFLOW = {
    "id": WORKFLOW_ID, "name": NASTY[5], "pipeline_id": PIPELINE_ID, "pipeline_number": 7,
    "project_slug": "gh/acme/api", "status": "a_status_from_the_future",
    "created_at": "2026-01-14T14:00:01Z", "stopped_at": None, "started_by": "u",
}
WORST_JOBS = [
    {"id": "job-1", "name": NASTY[0][:300], "type": "build", "status": "quantum_superposition",
     "job_number": 11, "dependencies": ["job-404"], "project_slug": "gh/acme/api",
     "started_at": "2026-01-14T14:00:02Z", "stopped_at": None},
    {"id": "job-2", "name": NASTY[4], "type": "approval", "status": "on_hold",
     "approval_request_id": "job-2", "dependencies": ["job-1", "job-2"],
     "project_slug": "gh/acme/api", "started_at": None, "stopped_at": None},
]


def page(items: list) -> dict:
    return {"items": items, "next_page_token": None}


def with_items(drawn: object, extra: list) -> dict:
    """The drawn page with our worst items first (a drawn page may be empty or not a page)."""
    items = drawn.get("items") if isinstance(drawn, dict) else None
    return {**(drawn if isinstance(drawn, dict) else {}),
            "items": extra + (items if isinstance(items, list) else []),
            "next_page_token": None}


def spec_api(pipelines: dict, workflows: dict, jobs: dict, details: dict) -> httpx.MockTransport:
    routes = [
        (r"/api/v2/pipeline$", with_items(pipelines, [WORST_PIPELINE])),
        (r"/api/v2/pipeline/[^/]+/workflow$", with_items(workflows, [WORST_WORKFLOW])),
        (r"/api/v2/workflow/[^/]+/job$", with_items(jobs, WORST_JOBS)),
        (r"/api/v2/project/.+/job/\d+$", details),
        (r"/api/v2/project/.+/\d+/(tests|artifacts)$", page([])),
    ]

    def answer(request: httpx.Request) -> httpx.Response:
        for pattern, body in routes:
            if re.search(pattern, request.url.path):
                return httpx.Response(200, content=json.dumps(body).encode(),
                                      headers={"Content-Type": "application/json"})
        return httpx.Response(404, json={"message": "Not found."})

    return httpx.MockTransport(answer)


def make_app(transport: httpx.MockTransport) -> CircleTUI:
    token = "spec-token"
    client = CircleCIClient(token, "https://circleci.test", transport=transport,
                            retry=RetryPolicy(max_attempts=1))
    config = Settings(token=Secret(token), token_source="test", host="https://circleci.test",
                      org="gh/acme")
    return CircleTUI(config, client, now=lambda: NOW)


@settings(max_examples=max(settings().max_examples // 5, 2))  # each one starts the app
@given(pipelines=hostile_answers("/pipeline"),
       workflows=hostile_answers("/pipeline/{pipeline-id}/workflow"),
       jobs=hostile_answers("/workflow/{id}/job"),
       details=hostile_answers("/project/{project-slug}/job/{job-number}"))
async def test_every_screen_shows_generated_hostile_answers(pipelines, workflows, jobs,
                                                            details) -> None:
    app = make_app(spec_api(pipelines, workflows, jobs, details))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(LiveTable)
        assert table.row_keys, "the pipelines list shows rows"
        # A drawn pipeline whose id the client refuses to put in a URL has no workflows, and
        # Enter on it opens nothing: start from a row that has one (ours always does).
        table.move_cursor(row=next(i for i, line in enumerate(app.screen.lines)
                                   if line.workflow is not None))
        for keys, shown in ((["enter"], WorkflowScreen), (["v"], WorkflowScreen),
                            (["enter"], JobScreen), (["escape", "escape"], PipelinesScreen),
                            (["A"], ApprovalsScreen)):
            await pilot.press(*keys)
            await settle(pilot)
            assert isinstance(app.screen, shown), (keys, app.screen)
    assert app.return_code in (None, 0)
