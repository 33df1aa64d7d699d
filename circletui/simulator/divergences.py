"""Where live CircleCI and its OpenAPI document part ways: each fact, its public source, and
what the simulator does about it.

This is the one list of such differences. The simulator follows the live API; where live
behaviour is only occasional (or only in older captures) it is a quirk, off by default and
switched on with `--quirks`. The contract tests (`tests/contract/openapi.py`) read this list:
they validate what the simulator serves against the spec widened by exactly the `accepts` of
the divergences in effect, so an undocumented divergence fails validation. Routes live
CircleCI serves beyond the document are listed too (`routes`); the tests hold a schema for
each and validate the simulator's answers against it.

A `Relaxation` names one way of widening the document; `tests/contract/openapi.py` knows each
`kind` and refuses any other:

- `x_nullable`: a property marked `x-nullable: true` may be null (everywhere).
- `slug_path`: a project slug's slashes may be literal path separators (everywhere).
- `bearer_auth`: `Authorization: Bearer <token>` authenticates (everywhere).
- `nullable`: the property at `at` in the operations' 2xx body may be null.
- `optional`: the property at `at` in the operations' 2xx body may be absent.
- `open_enum`: the property at `at` in the operations' 2xx body may hold any string.
- `snake_case_keys`: the operations' 2xx body may spell every kebab-case key in snake_case.
- `plain_text_status`: the operations may answer status `status` with the text `body`.
- `page_token_parameter`: the operations take a `page-token` query parameter.

`at` is a dotted path of property names from the top of the body; arrays are entered on the
way (`items.started_at` is each item's `started_at`). `operations` are operationIds, `*` for
every operation that has the property.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Relaxation:
    """One way of widening the OpenAPI document to accept a divergence."""

    kind: str
    operations: tuple[str, ...] = ()
    at: str = ""
    status: int | None = None
    body: str = ""


@dataclass(frozen=True)
class Divergence:
    name: str
    fact: str  # how live CircleCI answers, and how that differs from the document
    source: str  # public evidence
    simulator: str  # what the simulator serves
    quirk: str | None = None  # None: always so; else only with this quirk on
    accepts: tuple[Relaxation, ...] = ()  # empty: the live answer is within the document
    routes: tuple[str, ...] = ()  # routes beyond the document (method and path template)


JOB_LISTS_AND_DETAILS = ("listWorkflowJobs", "getJobDetails")
PIPELINE_READS = (
    "listPipelines",
    "listPipelinesForProject",
    "listMyPipelines",
    "getPipelineById",
    "getPipelineByNumber",
)

DIVERGENCES: tuple[Divergence, ...] = (
    # -- the document's own form -------------------------------------------------------------
    Divergence(
        name="x_nullable",
        fact="The document is OpenAPI 3.0.3 but marks nullable properties with the Swagger 2"
        " extension `x-nullable: true` (96 times; OpenAPI 3's `nullable` once), which OpenAPI 3"
        " validators ignore. Live answers carry null there (`stopped_at`, `next_page_token`).",
        source="spec/circleci-openapi-v2.json; the 2020 captures in LF-Engineering/da-ds"
        ' `circlci/README.md` (`"next_page_token" : null`, `"stopped_at" : null`)',
        simulator="sends null where the document says x-nullable",
        accepts=(Relaxation("x_nullable"),),
    ),
    Divergence(
        name="slug_path",
        fact="Project slugs travel with literal slashes (`/project/gh/acme/api/pipeline`):"
        " `project-slug` is `allowReserved` and its description says the `/` may be escaped,"
        " but a path template matches one segment, so a validator must match the escaped form.",
        source="the `project-slug` parameter in spec/circleci-openapi-v2.json;"
        ' CircleCI-Labs/terraform-provider-circleci keeps `/` literal "for CircleCI Server'
        ' compatibility"',
        simulator="accepts a slug with literal or escaped (`%2F`) slashes",
        accepts=(Relaxation("slug_path"),),
    ),
    Divergence(
        name="bearer_auth",
        fact="`Authorization: Bearer <token>` authenticates, though the document lists only"
        " the `Circle-Token` header, Basic auth and the deprecated query token.",
        source='circleci/circleci-docs PR #10367 ("Our public endpoints now support Bearer'
        ' token authentication"); CircleCI-Public/circleci-cli PR #1331',
        simulator="accepts the token as Circle-Token, Basic username or Bearer",
        accepts=(Relaxation("bearer_auth"),),
    ),
    Divergence(
        name="undeclared_page_token",
        fact="A workflow's jobs, a job's artifacts and its tests answer the paginated envelope"
        " (`next_page_token`) but the document declares no `page-token` parameter for them;"
        " clients send it to get the next page.",
        source="CircleCI-Archived/api-preview-docs `docs/api-changes.md` (\"for now we're"
        ' returning all jobs, but we reserve the right to paginate them");'
        " CircleCI-Labs/terraform-provider-circleci `internal/circleci/` (its `ListJobsDrainsPages`"
        " test)",
        simulator="pages those lists by 20 and takes `page-token` like every list",
        accepts=(
            Relaxation("page_token_parameter", ("listWorkflowJobs", "getJobArtifacts", "getTests")),
        ),
    ),
    # -- answers that differ from the document, always ------------------------------------------
    Divergence(
        name="flaky_tests_snake_case",
        fact="`GET /insights/{project-slug}/flaky-tests` answers in snake_case (`flaky_tests`,"
        " `total_flaky_tests`, `test_name`, `job_number`, ...); the document says kebab-case"
        " (`flaky-tests`, `test-name`, ...).",
        source='CircleCI-Public/mcp-server-circleci PR #23 ("the api docs seem to be incorrect'
        ' here ... it seems to come back snake_case like the rest of our apis") and its'
        " `src/clients/schemas.ts`, which fails on kebab-case keys",
        simulator="snake_case keys; the `kebab_case_flaky_tests` quirk gives the documented"
        " kebab-case ones",
        accepts=(Relaxation("snake_case_keys", ("getFlakyTests",)),),
    ),
    Divergence(
        name="test_message_string",
        fact='A test result\'s `message` is a string, `""` for a passing test; the document'
        " allows null (x-nullable), and a client that requires a string rejects a whole page"
        " with one null message.",
        source="CircleCI-Public/mcp-server-circleci `src/clients/schemas.ts` (`TestSchema`:"
        " `message: z.string()`); the v1.1 reference's test metadata example"
        " (circleci/circleci-docs `src-api/source/includes/_builds_and_jobs.md`)",
        simulator='`""` for passing tests, on v2 and v1.1 (within the document)',
    ),
    Divergence(
        name="me_avatar_url",
        fact="`GET /me` also sends `avatar_url`; the document lists `id`, `login`, `name`.",
        source="CircleCI-Labs/terraform-provider-circleci `internal/circleci/user_test.go`",
        simulator="sends `avatar_url` (extra keys are within the document)",
    ),
    # -- occasional or older behaviour: quirks ------------------------------------------------
    Divergence(
        name="null_started_at",
        fact="Jobs that have not started report `started_at: null`; the document requires a"
        " date-time.",
        source="the 2020 workflow-jobs capture in LF-Engineering/da-ds `circlci/README.md`",
        simulator="a date-time; null with the quirk",
        quirk="null_started_at",
        accepts=(
            Relaxation("nullable", JOB_LISTS_AND_DETAILS, "items.started_at"),
            Relaxation("nullable", JOB_LISTS_AND_DETAILS, "started_at"),
        ),
    ),
    Divergence(
        name="omit_last_page_token",
        fact="The last page of a list has been seen without a `next_page_token` key; the"
        " document requires it (null on the last page).",
        source='con/tinuous `src/tinuous/circleci.py` ("observed to omit the field on the last'
        ' page")',
        simulator="`next_page_token: null`; no key with the quirk",
        quirk="omit_last_page_token",
        accepts=(Relaxation("optional", ("*",), "next_page_token"),),
    ),
    Divergence(
        name="stale_page_token_404",
        fact="A page token from `GET /project/{slug}/pipeline` has answered 404"
        ' `{"message": "Not Found"}` after the list changed.',
        source="circleci/circleci-docs issue #6472",
        simulator="resumes at the remembered item; 404 with the quirk (within the document)",
        quirk="stale_page_token_404",
    ),
    Divergence(
        name="no_project_id",
        fact="Job details have been captured without `project.id`, which the document requires.",
        source="the 2020 job-details capture in LF-Engineering/da-ds `circlci/README.md`",
        simulator="sends `project.id`; omits it with the quirk",
        quirk="no_project_id",
        accepts=(Relaxation("optional", ("getJobDetails",), "project.id"),),
    ),
    Divergence(
        name="approval_without_job_number",
        fact="Approval jobs have been captured with no `job_number`, no `stopped_at` and"
        " `started_at: null`; the document requires `started_at`.",
        source="the 2020 approval capture in LF-Engineering/da-ds `circlci/README.md` (the 2024"
        " capture in Kesin11/CIAnalyzer PR #1125 has all three)",
        simulator="the 2024 shape; the 2020 one with the quirk",
        quirk="approval_without_job_number",
        accepts=(Relaxation("nullable", ("listWorkflowJobs",), "items.started_at"),),
    ),
    Divergence(
        name="unknown_enum_values",
        fact="Pipelines of GitHub App projects report trigger type `Decoupled Ingestion"
        " System`, a value the document's enum lacks.",
        source="con/tinuous PR #168 (its `TriggerType`)",
        simulator="the document's values; that one for `circleci/...` projects with the quirk",
        quirk="unknown_enum_values",
        accepts=(
            Relaxation("open_enum", PIPELINE_READS, "items.trigger.type"),
            Relaxation("open_enum", PIPELINE_READS, "trigger.type"),
        ),
    ),
    Divergence(
        name="plain_text_429",
        fact="A rate-limited request has been answered with the plain text `Rate limited.`; the"
        " document's error bodies are JSON.",
        source="CircleCI-Public/CircleCI-Env-Inspector issues #5 and #13",
        simulator='`{"message": "Rate limit exceeded."}`; the plain text with the quirk',
        quirk="plain_text_429",
        accepts=(Relaxation("plain_text_status", ("*",), status=429, body="Rate limited."),),
    ),
    Divergence(
        name="kebab_case_flaky_tests",
        fact="Clients written from the document (superplanehq/superplane PR #3240) expect the"
        " documented kebab-case flaky-test keys.",
        source="the `getFlakyTests` response in spec/circleci-openapi-v2.json",
        simulator="snake_case; the documented kebab-case with the quirk (within the document)",
        quirk="kebab_case_flaky_tests",
    ),
    # -- routes beyond the document -----------------------------------------------------------
    Divergence(
        name="v1_1_job",
        fact="Steps and their output exist only in API v1.1: a build with `steps[].actions[]`,"
        " each action's output a JSON array of `{message, time, type}` chunks at its"
        " pre-signed `output_url`. v2 has no equivalent.",
        source="the v1.1 reference (circleci/circleci-docs"
        " `src-api/source/includes/_builds_and_jobs.md`); captures in Edouard-chin/ci_runner"
        " `test/fixtures/circleci/` and cheung31/ci-bot `test/fixtures/`;"
        " CircleCI-Archived/api-preview-docs issue #80",
        simulator="serves the build and the output for GitHub and Bitbucket projects",
        routes=(
            "GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}",
            "GET {output_url}",
        ),
    ),
    Divergence(
        name="v1_1_artifacts_and_tests",
        fact="v1.1 also lists a build's artifacts (a bare array with `pretty_path`) and its"
        ' test metadata (`{"tests": [...]}`), which older clients read.',
        source="circleci/circleci-docs `src-api/source/includes/artifacts/_index.md` and"
        " `_builds_and_jobs.md`; worldturtlemedia/circleci-api, pycircleci",
        simulator="serves both from the same data as v2's artifacts and tests",
        routes=(
            "GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}/artifacts",
            "GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}/tests",
        ),
    ),
    Divergence(
        name="private_step_output",
        fact="A step's output and error stream as bare text bodies, by task index and step id.",
        source="CircleCI-Public/mcp-server-circleci `src/clients/circleci-private/jobsPrivate.ts`",
        simulator="serves the `out` and `err` chunks of the v1.1 output, concatenated",
        routes=(
            "GET /api/private/output/raw/{project-slug}/{job-number}/output/{task-index}/{step-id}",
            "GET /api/private/output/raw/{project-slug}/{job-number}/error/{task-index}/{step-id}",
        ),
    ),
    Divergence(
        name="private_followed_projects",
        fact='The projects the user follows, `{"items": [{name, slug, vcs_type, ...}],'
        ' "next_page_token"}`.',
        source="CircleCI-Public/mcp-server-circleci `src/clients/circleci-private/me.ts` and"
        " `src/clients/schemas.ts` (`FollowedProjectSchema`)",
        simulator="every project of the world, paginated like v2 lists",
        routes=("GET /api/private/me/followed-projects",),
    ),
)


def in_effect(quirks: set[str] | frozenset[str] = frozenset()) -> tuple[Divergence, ...]:
    """The divergences a simulator with `quirks` on shows."""
    return tuple(d for d in DIVERGENCES if d.quirk is None or d.quirk in quirks)
