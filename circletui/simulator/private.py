"""CircleCI's undocumented `/api/private` routes that public clients call.

CircleCI's own MCP server (CircleCI-Public/mcp-server-circleci, `src/clients/circleci-private/`)
reads a step's output as plain text from
`/api/private/output/raw/{project-slug}/{job-number}/output/{task-index}/{step-id}` and its
error stream from the same path with `error` in place of `output` (`jobsPrivate.ts`), and lists
the projects the user follows from `/api/private/me/followed-projects`, an
`{"items": [...], "next_page_token"}` envelope (`me.ts`). Both come from the world the v1.1
routes serve, so the raw text is exactly what the v1.1 `output_url` chunks hold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from circletui.simulator.model import Job, Project
from circletui.simulator.v1 import output_chunks

STREAMS = {"output": "out", "error": "err"}


def raw_output(job: Job, stream: str, index: int, step: int, now: datetime) -> str | None:
    """The text one action wrote to `stream` ("output" or "error") so far; None if no such
    action has started."""
    chunks = output_chunks(job, step, index, now)
    if chunks is None:
        return None
    kind = STREAMS[stream]
    return "".join(chunk["message"] for chunk in chunks if chunk["type"] == kind)


def followed_project_json(project: Project) -> dict[str, Any]:
    """One followed project: the keys the MCP server's `FollowedProject` type declares."""
    return {
        "default_branch": project.default_branch,
        "id": project.id,
        "name": project.name,
        "organization_id": project.org.id,
        "organization_name": project.org.name,
        "slug": project.slug,
        "vcs_type": project.org.vcs_type,
    }
