"""JSON Schemas for the answers the job screen (and other clients) read outside the v2 document.

Written from real captures, not from the simulator: the v1.1 build from Edouard-chin/ci_runner
`test/fixtures/circleci/job_step_no_output.json` and `job_parallel.json` (2022), cheung31/ci-bot
`test/fixtures/circleci.build.json` (2019) and the webhook payload in q231950/alethea
`model/incident_test.go` (2018); the step output from ci-bot's `circleci.action-output.json`
and ci_runner's `job_*_output.json`; v1.1 artifacts and tests from the v1.1 reference
(circleci/circleci-docs `src-api/source/includes/artifacts/_index.md`, `_builds_and_jobs.md`);
the private routes from what CircleCI-Public/mcp-server-circleci parses
(`src/clients/schemas.ts`, `src/clients/circleci-private/`).

Every key a capture always carries is required; keys that real payloads omit (an action's
`output_url`) are not. Types allow what the captures show (`failed` is `true` or null, never
false, on an action). Extra keys are allowed, as a client must ignore them.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

DATE_TIME = {"type": "string", "format": "date-time"}
NULLABLE_DATE_TIME = {"type": ["string", "null"], "format": "date-time"}
TRUE_OR_NULL = {"enum": [True, None]}
BOOL_OR_NULL = {"type": ["boolean", "null"]}
COUNT = {"type": "integer", "minimum": 0}

V1_ACTION: dict[str, Any] = {
    "type": "object",
    "required": [
        "truncated",
        "index",
        "parallel",
        "failed",
        "infrastructure_fail",
        "name",
        "bash_command",
        "status",
        "timedout",
        "continue",
        "end_time",
        "type",
        "allocation_id",
        "start_time",
        "background",
        "exit_code",
        "insignificant",
        "canceled",
        "step",
        "run_time_millis",
        "has_output",
    ],
    "properties": {
        "truncated": {"type": "boolean"},
        "index": COUNT,
        "parallel": {"type": "boolean"},
        "failed": TRUE_OR_NULL,
        "infrastructure_fail": BOOL_OR_NULL,
        "name": {"type": "string"},
        "bash_command": {"type": ["string", "null"]},
        "status": {"type": "string", "minLength": 1},
        "timedout": BOOL_OR_NULL,
        "continue": {"type": "null"},
        "end_time": NULLABLE_DATE_TIME,  # null while running
        "type": {"type": "string"},
        # "<24 hex>-<n>-build/<hex>", n not necessarily the index.
        "allocation_id": {"type": "string", "pattern": "^[0-9a-f]{24}-[0-9]+-build/[0-9A-F]+$"},
        # Absent on a running background step and on some failed steps (alethea).
        "output_url": {"type": "string", "format": "uri", "pattern": "^https?://"},
        "start_time": DATE_TIME,
        "background": {"type": "boolean"},
        "exit_code": {"type": ["integer", "null"]},
        "insignificant": {"type": "boolean"},
        "canceled": TRUE_OR_NULL,
        # 0 spin-up, 1+ service containers, 99 environment, 101+ the config's steps.
        "step": COUNT,
        "run_time_millis": {"type": ["integer", "null"], "minimum": 0},
        "has_output": {"type": "boolean"},
    },
}

V1_STEP: dict[str, Any] = {
    "type": "object",
    "required": ["name", "actions"],
    "properties": {
        "name": {"type": "string"},
        "actions": {"type": "array", "items": V1_ACTION, "minItems": 1},
    },
}

V1_BUILD: dict[str, Any] = {
    "type": "object",
    "required": [
        "compare",
        "previous_successful_build",
        "build_parameters",
        "oss",
        "all_commit_details_truncated",
        "committer_date",
        "steps",
        "body",
        "usage_queued_at",
        "context_ids",
        "fail_reason",
        "retry_of",
        "reponame",
        "ssh_users",
        "build_url",
        "parallel",
        "failed",
        "branch",
        "username",
        "author_date",
        "why",
        "user",
        "vcs_revision",
        "workflows",
        "owners",
        "vcs_tag",
        "pull_requests",
        "build_num",
        "infrastructure_fail",
        "committer_email",
        "has_artifacts",
        "previous",
        "status",
        "committer_name",
        "retries",
        "subject",
        "vcs_type",
        "timedout",
        "dont_build",
        "lifecycle",
        "no_dependency_cache",
        "stop_time",
        "ssh_disabled",
        "build_time_millis",
        "picard",
        "circle_yml",
        "messages",
        "is_first_green_build",
        "job_name",
        "start_time",
        "canceler",
        "all_commit_details",
        "platform",
        "outcome",
        "vcs_url",
        "author_name",
        "node",
        "queued_at",
        "canceled",
        "author_email",
    ],
    "properties": {
        "steps": {"type": "array", "items": V1_STEP},
        "build_num": {"type": "integer", "minimum": 1},
        "build_url": {"type": "string", "pattern": "^https://"},
        "parallel": {"type": "integer", "minimum": 1},
        "failed": BOOL_OR_NULL,
        "status": {"type": "string", "minLength": 1},
        "lifecycle": {"type": "string", "minLength": 1},
        "outcome": {"type": ["string", "null"]},
        "why": {"type": "string"},
        "branch": {"type": ["string", "null"]},
        "vcs_tag": {"type": ["string", "null"]},
        "subject": {"type": ["string", "null"]},
        "body": {"type": ["string", "null"]},
        "vcs_revision": {"type": "string", "pattern": "^[0-9a-f]{40}$"},
        "vcs_type": {"enum": ["github", "bitbucket"]},
        "reponame": {"type": "string"},
        "username": {"type": "string"},
        "platform": {"const": "2.0"},
        "start_time": NULLABLE_DATE_TIME,
        "stop_time": NULLABLE_DATE_TIME,
        "queued_at": DATE_TIME,
        "usage_queued_at": DATE_TIME,
        "committer_date": NULLABLE_DATE_TIME,
        "author_date": NULLABLE_DATE_TIME,
        "build_time_millis": {"type": ["integer", "null"], "minimum": 0},
        "retry_of": {"type": ["integer", "null"]},
        "has_artifacts": {"type": "boolean"},
        "canceled": {"type": "boolean"},
        "infrastructure_fail": {"type": "boolean"},
        "timedout": {"type": "boolean"},
        "oss": {"type": "boolean"},
        "ssh_disabled": {"type": "boolean"},
        "context_ids": {"type": "array"},
        "ssh_users": {"type": "array"},
        "messages": {"type": "array"},
        "owners": {"type": "array", "items": {"type": "string"}},
        "all_commit_details": {"type": "array"},
        "build_parameters": {"type": ["object", "null"]},
        "pull_requests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["head_sha", "url"],
                "properties": {"head_sha": {"type": "string"}, "url": {"type": "string"}},
            },
        },
        "workflows": {
            "type": "object",
            "required": [
                "job_name",
                "job_id",
                "workflow_id",
                "workspace_id",
                "upstream_job_ids",
                "upstream_concurrency_map",
                "workflow_name",
            ],
            "properties": {
                "job_name": {"type": "string"},
                "job_id": {"type": "string", "format": "uuid"},
                "workflow_id": {"type": "string", "format": "uuid"},
                "workspace_id": {"type": "string", "format": "uuid"},
                "upstream_job_ids": {"type": "array", "items": {"type": "string"}},
                "upstream_concurrency_map": {"type": "object"},
                "workflow_name": {"type": "string"},
            },
        },
        "user": {
            "type": "object",
            "required": ["is_user", "login", "avatar_url", "name", "vcs_type", "id"],
        },
        "picard": {
            "type": ["object", "null"],
            "required": ["build_agent", "resource_class", "executor"],
            "properties": {
                "resource_class": {
                    "type": "object",
                    "required": ["cpu", "ram", "class"],
                    "properties": {
                        "cpu": {"type": "number"},
                        "ram": {"type": "integer"},
                        "class": {"type": "string"},
                    },
                },
            },
        },
        "circle_yml": {
            "type": "object",
            "required": ["string"],
            "properties": {"string": {"type": "string"}},
        },
        "previous_successful_build": {"type": ["object", "null"]},
        "previous": {"type": ["object", "null"]},
        "canceler": {"type": ["object", "null"]},
        "vcs_url": {"type": "string"},
    },
}

STEP_OUTPUT: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["message", "time", "type"],
        "properties": {
            "message": {"type": "string"},
            "time": DATE_TIME,
            "type": {"enum": ["out", "err"]},
        },
    },
}

V1_ARTIFACTS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["path", "pretty_path", "node_index", "url"],
        "properties": {
            "path": {"type": "string", "minLength": 1},
            "pretty_path": {"type": "string"},
            "node_index": COUNT,
            "url": {"type": "string", "format": "uri", "pattern": "^https://"},
        },
    },
}

V1_TESTS: dict[str, Any] = {
    "type": "object",
    "required": ["tests"],
    "properties": {
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": [
                    "message",
                    "file",
                    "source",
                    "run_time",
                    "result",
                    "name",
                    "classname",
                ],
                "properties": {
                    # The reference's example has "" and null; see the test_message_string
                    # divergence for what live CircleCI sends now.
                    "message": {"type": ["string", "null"]},
                    "file": {"type": ["string", "null"]},
                    "source": {"type": "string"},
                    "run_time": {"type": "number", "minimum": 0},
                    "result": {"type": "string", "minLength": 1},
                    "name": {"type": "string"},
                    "classname": {"type": "string"},
                },
            },
        }
    },
}

FOLLOWED_PROJECTS: dict[str, Any] = {
    "type": "object",
    "required": ["items", "next_page_token"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                # What the MCP server's FollowedProjectSchema requires...
                "required": ["name", "slug", "vcs_type"],
                "properties": {
                    "name": {"type": "string"},
                    "slug": {"type": "string", "pattern": "^[^/]+/[^/]+/[^/]+$"},
                    "vcs_type": {"type": "string"},
                    # ...and what its FollowedProject type declares besides.
                    "default_branch": {"type": ["string", "null"]},
                    "id": {"type": "string"},
                    "organization_id": {"type": "string"},
                    "organization_name": {"type": "string"},
                },
            },
        },
        "next_page_token": {"type": ["string", "null"]},
    },
}

RAW_STEP_TEXT: dict[str, Any] = {"type": "string"}

SCHEMAS: dict[str, dict[str, Any]] = {
    "v1_build": V1_BUILD,
    "step_output": STEP_OUTPUT,
    "v1_artifacts": V1_ARTIFACTS,
    "v1_tests": V1_TESTS,
    "followed_projects": FOLLOWED_PROJECTS,
    "raw_step_text": RAW_STEP_TEXT,
}


def validator(name: str) -> Draft202012Validator:
    schema = SCHEMAS[name]
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validate(name: str, instance: Any) -> None:
    """Raise `jsonschema.ValidationError` (the most relevant one) if `instance` is not valid."""
    validator(name).validate(instance)
