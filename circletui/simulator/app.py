"""The simulator's ASGI application: CircleCI API v2, v1.1 and private routes over the world.

Two layers. `SimulatorApp` wraps every HTTP request: it records it, applies injected faults,
authenticates API calls like CircleCI does, and syncs the world to the clock. Inside, a
Starlette application routes to small handlers that turn world state into API JSON.

Project slugs are matched as exactly three path segments (`gh/acme/api`,
`circleci/<org-id>/<project-id>`); an escaped slug (`gh%2Facme%2Fapi`) arrives decoded in the
ASGI path, so both forms reach the same route.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import anyio
from starlette.applications import Starlette
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import Message, Receive, Scope, Send

from circletui.simulator import insights, jobdata, private, serialize, v1, v1lists
from circletui.simulator.jsonfmt import dumps, wants_compact
from circletui.simulator.model import Job, Project
from circletui.simulator.paging import PageTokenError, paginate
from circletui.simulator.recording import RecordedRequest
from circletui.simulator.world import Missing, SimulationError

if TYPE_CHECKING:
    from circletui.simulator.simulator import Simulator

JSON_TYPE = "application/json;charset=utf-8"
QUERY_TOKEN_MESSAGE = (
    "Support for query parameter authentication has been deprecated to improve security. "
    "Please use a supported authentication method such as header-based, or basic "
    "authentication."
)
BAD_GATEWAY_HTML = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
)


class ConnectionDropped(Exception):
    """Raised inside the app to make the server abort the connection without a response."""


class _SlugConvertor(Convertor[str]):
    regex = "[^/]+/[^/]+/[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


class _OutputStreamConvertor(Convertor[str]):
    regex = "output|error"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("cci_project_slug", _SlugConvertor())
register_url_convertor("cci_output_stream", _OutputStreamConvertor())


# ------------------------------------------------------------------------- helpers


def _sim(request: Request) -> Simulator:
    return request.app.state.sim


def respond(request: Request, data: Any, status: int = 200) -> Response:
    pretty = not wants_compact(request.headers.get("accept"))
    return Response(dumps(data, pretty=pretty), status_code=status, media_type=JSON_TYPE)


def error(request: Request, status: int, message: str) -> Response:
    return respond(request, {"message": message}, status)


def _page(
    request: Request,
    items: list[Any],
    ident: Callable[[Any], str],
    scope: str,
    render: Callable[[Any], Any],
) -> Response:
    sim = _sim(request)
    token = request.query_params.get("page-token") or None
    try:
        page, next_token = paginate(
            items,
            ident,
            token,
            scope=scope,
            secret=f"sim-{sim.world.seed}",
            stale_404="stale_page_token_404" in sim.quirks,
        )
    except PageTokenError as exc:
        return error(request, exc.status, exc.message)
    body: dict[str, Any] = {}
    if next_token is not None or "omit_last_page_token" not in sim.quirks:
        body["next_page_token"] = next_token
    body["items"] = [render(item) for item in page]
    return respond(request, body)


def _project(request: Request) -> Project:
    project = _sim(request).world.project(request.path_params["slug"])
    if project is None:
        raise Missing("Project not found")
    return project


def _build_job(request: Request) -> Job:
    """A job addressed by project slug and number; approval jobs have no job details."""
    project = _project(request)
    job = _sim(request).world.job_by_number(project, request.path_params["number"])
    if job is None or job.type != "build":
        raise Missing("Job not found")
    return job


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise SimulationError("Invalid JSON in request body.") from exc


def _bool_param(request: Request, name: str) -> bool:
    value = request.query_params.get(name, "")
    if value.lower() in ("", "false", "0"):
        return False
    if value.lower() in ("true", "1"):
        return True
    raise SimulationError(f"Invalid value for query parameter {name}: {value!r}")


# ------------------------------------------------------------------------- v2: users


async def get_me(request: Request) -> Response:
    return respond(request, serialize.me_json(_sim(request).world.me))


async def get_collaborations(request: Request) -> Response:
    world = _sim(request).world
    return respond(request, [serialize.collaboration_json(org) for org in world.orgs])


async def get_user(request: Request) -> Response:
    user = _sim(request).world.user(request.path_params["id"])
    if user is None:
        raise Missing("User does not exist.")
    return respond(request, serialize.user_json(user))


# ------------------------------------------------------------------------- v2: pipelines


def _render_pipeline(request: Request) -> Callable[[Any], Any]:
    quirks = _sim(request).quirks
    return lambda pipeline: serialize.pipeline_json(pipeline, quirks)


async def list_pipelines(request: Request) -> Response:
    world = _sim(request).world
    org_slug = request.query_params.get("org-slug")
    pipelines = world.pipelines
    if org_slug:
        org = world.org(org_slug)
        if org is None:
            raise Missing("Organization not found")
        pipelines = [p for p in pipelines if p.project.org is org]
    if _bool_param(request, "mine"):
        pipelines = [p for p in pipelines if p.actor is world.me]
    scope = f"pipelines:{org_slug}:{request.query_params.get('mine')}"
    return _page(request, pipelines, lambda p: p.id, scope, _render_pipeline(request))


async def list_project_pipelines(request: Request) -> Response:
    project = _project(request)
    branch = request.query_params.get("branch") or None
    pipelines = [
        p
        for p in _sim(request).world.pipelines
        if p.project is project
        and (branch is None or (p.vcs is not None and p.vcs.branch == branch))
    ]
    return _page(
        request,
        pipelines,
        lambda p: p.id,
        f"project:{project.id}:{branch}",
        _render_pipeline(request),
    )


async def list_my_project_pipelines(request: Request) -> Response:
    project = _project(request)
    world = _sim(request).world
    pipelines = [p for p in world.pipelines if p.project is project and p.actor is world.me]
    return _page(
        request, pipelines, lambda p: p.id, f"mine:{project.id}", _render_pipeline(request)
    )


async def trigger_pipeline(request: Request) -> Response:
    body = await _json_body(request)
    if body is not None and not isinstance(body, dict):
        raise SimulationError("The request body must be a JSON object.")
    body = body or {}
    branch, tag, parameters = body.get("branch"), body.get("tag"), body.get("parameters")
    if branch is not None and not isinstance(branch, str):
        raise SimulationError("branch must be a string.")
    if tag is not None and not isinstance(tag, str):
        raise SimulationError("tag must be a string.")
    if parameters is not None and not isinstance(parameters, dict):
        raise SimulationError("parameters must be an object.")
    pipeline = _sim(request).world.trigger_pipeline(
        request.path_params["slug"], branch=branch, tag=tag, parameters=parameters
    )
    return respond(request, serialize.pipeline_creation_json(pipeline), 201)


async def get_pipeline_by_number(request: Request) -> Response:
    project = _project(request)
    pipeline = _sim(request).world.pipeline_by_number(project, request.path_params["number"])
    if pipeline is None:
        raise Missing("Pipeline not found")
    return respond(request, serialize.pipeline_json(pipeline, _sim(request).quirks))


def _pipeline(request: Request) -> Any:
    pipeline = _sim(request).world.pipeline(request.path_params["id"])
    if pipeline is None:
        raise Missing("Pipeline not found")
    return pipeline


async def get_pipeline(request: Request) -> Response:
    return respond(request, serialize.pipeline_json(_pipeline(request), _sim(request).quirks))


async def get_pipeline_config(request: Request) -> Response:
    return respond(request, serialize.config_json(_pipeline(request)))


async def list_pipeline_workflows(request: Request) -> Response:
    pipeline = _pipeline(request)
    # Newest first, so a rerun is listed before the run it repeats.
    workflows = sorted(pipeline.workflows, key=lambda wf: wf.created_at, reverse=True)
    return _page(
        request, workflows, lambda wf: wf.id, f"workflows:{pipeline.id}", serialize.workflow_json
    )


async def get_project(request: Request) -> Response:
    return respond(request, serialize.project_json(_project(request)))


# ------------------------------------------------------------------------- v2: workflows


def _workflow(request: Request) -> Any:
    wf = _sim(request).world.workflow(request.path_params["id"])
    if wf is None:
        raise Missing("Workflow not found")
    return wf


async def get_workflow(request: Request) -> Response:
    return respond(request, serialize.workflow_json(_workflow(request)))


async def list_workflow_jobs(request: Request) -> Response:
    wf = _workflow(request)
    quirks = _sim(request).quirks
    return _page(
        request,
        wf.jobs,
        lambda job: job.id,
        f"jobs:{wf.id}",
        lambda job: serialize.job_item_json(job, quirks),
    )


async def cancel_workflow(request: Request) -> Response:
    _sim(request).world.cancel_workflow(request.path_params["id"])
    return respond(request, {"message": "Accepted."}, 202)


def _rerun_options(body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise SimulationError("The request body must be a JSON object.")
    options: dict[str, Any] = {}
    for key in ("from_failed", "enable_ssh", "sparse_tree"):
        if key in body and body[key] is not None:
            if not isinstance(body[key], bool):
                raise SimulationError(f"{key} must be a boolean.")
            options[key] = body[key]
    if body.get("jobs") is not None:
        jobs = body["jobs"]
        if not isinstance(jobs, list) or not all(isinstance(job, str) for job in jobs):
            raise SimulationError("jobs must be an array of job IDs.")
        options["jobs"] = jobs
    return options


async def rerun_workflow(request: Request) -> Response:
    options = _rerun_options(await _json_body(request))
    new = _sim(request).world.rerun_workflow(request.path_params["id"], **options)
    return respond(request, {"workflow_id": new.id}, 202)


async def approve_job(request: Request) -> Response:
    _sim(request).world.approve(
        request.path_params["id"], request.path_params["approval_request_id"]
    )
    return respond(request, {"message": "Accepted."}, 202)


# ------------------------------------------------------------------------- v2: jobs


async def get_job_details(request: Request) -> Response:
    job = _build_job(request)
    return respond(request, serialize.job_details_json(job, _sim(request).quirks))


async def cancel_job(request: Request) -> Response:
    project = _project(request)
    world = _sim(request).world
    job = world.job_by_number(project, request.path_params["number"])
    if job is None:
        raise Missing("Job not found")
    world.cancel_job(job)
    return respond(request, {"message": "Accepted."})


async def get_artifacts(request: Request) -> Response:
    job = _build_job(request)
    return _page(
        request,
        jobdata.artifacts(job),
        lambda a: f"{a.node_index}/{a.path}",
        f"artifacts:{job.id}",
        lambda a: {"path": a.path, "node_index": a.node_index, "url": a.url},
    )


async def get_tests(request: Request) -> Response:
    job = _build_job(request)
    results = jobdata.job_test_results(job)
    return _page(
        request,
        results,
        lambda r: f"{r.case.classname}/{r.case.name}/{r.index}",
        f"tests:{job.id}",
        lambda r: {
            "message": r.message,
            "source": r.source,
            "run_time": r.run_time,
            "file": r.case.file,
            "result": r.result,
            "name": r.case.name,
            "classname": r.case.classname,
        },
    )


# ------------------------------------------------------------------------- v2: insights


def _date_param(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SimulationError(f"Invalid value for query parameter {name}: {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def list_workflow_metrics(request: Request) -> Response:
    project = _project(request)
    world = _sim(request).world
    window = request.query_params.get("reporting-window") or "last-90-days"
    if window not in insights.WINDOW_DAYS:
        raise SimulationError(f"Invalid value for query parameter reporting-window: {window!r}")
    branch = request.query_params.get("branch") or None
    all_branches = _bool_param(request, "all-branches")
    items = insights.project_workflow_metrics(
        world.workflows, project, branch, all_branches, window, world.now
    )
    return _page(
        request, items, lambda item: item["name"],
        f"insights-workflows:{project.slug}:{branch}:{all_branches}:{window}", lambda item: item,
    )


def _insights_workflow(request: Request) -> tuple[Project, str]:
    """The project and the workflow name an Insights route names; 404 for a name the
    project never ran."""
    project = _project(request)
    name = request.path_params["name"]
    if not any(wf.name == name for wf in _sim(request).world.workflows
               if wf.project is project):
        raise Missing("Workflow not found")
    return project, name


async def list_workflow_runs(request: Request) -> Response:
    project, name = _insights_workflow(request)
    world = _sim(request).world
    branch = request.query_params.get("branch") or None
    all_branches = _bool_param(request, "all-branches")
    runs = insights.workflow_runs(
        world.workflows, project, name, branch, all_branches,
        _date_param(request, "start-date"), _date_param(request, "end-date"),
    )
    return _page(
        request, runs, lambda wf: wf.id,
        f"insights-runs:{project.slug}:{name}:{branch}:{all_branches}", insights.run_json,
    )


async def get_workflow_summary(request: Request) -> Response:
    project, name = _insights_workflow(request)
    world = _sim(request).world
    data = insights.workflow_summary(
        world.workflows,
        project,
        name,
        request.query_params.get("branch") or None,
        _bool_param(request, "all-branches"),
        world.now,
    )
    return respond(request, data)


async def get_flaky_tests(request: Request) -> Response:
    project = _project(request)
    sim = _sim(request)
    kebab = "kebab_case_flaky_tests" in sim.quirks
    return respond(request, insights.flaky_tests(sim.world.workflows, project, kebab_case=kebab))


# ------------------------------------------------------------------------- v1.1 and output


def _v1_job(request: Request) -> Job:
    """A build addressed the v1.1 way (`{vcs}/{org}/{repo}/{number}`): GitHub and Bitbucket
    OAuth projects only, as v1.1 cannot serve GitHub App and GitLab (`circleci/...`) ones."""
    world = _sim(request).world
    params = request.path_params
    if params["vcs"] not in ("gh", "github", "bb", "bitbucket"):
        raise Missing("Project not found")
    project = world.project(f"{params['vcs']}/{params['org']}/{params['repo']}")
    if project is None:
        raise Missing("Project not found")
    job = world.job_by_number(project, params["number"])
    if job is None or job.type != "build":
        raise Missing("Build not found")
    return job


async def get_v1_build(request: Request) -> Response:
    job = _v1_job(request)
    base_url = str(request.base_url).rstrip("/")
    return respond(request, v1.build_json(job, _sim(request).world.now, base_url))


async def get_v1_artifacts(request: Request) -> Response:
    return respond(request, v1lists.artifacts_json(_v1_job(request)))


async def get_v1_tests(request: Request) -> Response:
    return respond(request, v1lists.tests_json(_v1_job(request)))


# ------------------------------------------------------------------------- private API


async def get_raw_step_output(request: Request) -> Response:
    job = _v1_job(request)
    params = request.path_params
    text = private.raw_output(
        job, params["stream"], params["index"], params["step"], _sim(request).world.now
    )
    if text is None:
        raise Missing("Not Found")
    return Response(text, media_type="text/plain;charset=utf-8")


async def list_followed_projects(request: Request) -> Response:
    return _page(
        request,
        _sim(request).world.projects,
        lambda project: project.id,
        "followed-projects",
        private.followed_project_json,
    )


S3_NO_SUCH_KEY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
    "<Message>The specified key does not exist.</Message></Error>"
)


async def get_step_output(request: Request) -> Response:
    world = _sim(request).world
    job = world.job(request.path_params["job_id"])
    chunks = None
    if job is not None:
        chunks = v1.output_chunks(
            job, request.path_params["step"], request.path_params["index"], world.now
        )
    if chunks is None:
        return Response(S3_NO_SUCH_KEY, status_code=404, media_type="application/xml")
    return Response(dumps(chunks, pretty=False), media_type="application/json")


# ------------------------------------------------------------------------- assembly


async def _simulation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SimulationError)
    return error(request, exc.status, exc.message)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "Not Found", 405: "Method Not Allowed"}.get(exc.status_code, exc.detail)
    return error(request, exc.status_code, message)


SLUG = "{slug:cci_project_slug}"


def build_router(sim: Simulator) -> Starlette:
    v2 = [
        Route("/me", get_me),
        Route("/me/collaborations", get_collaborations),
        Route("/user/{id}", get_user),
        Route("/pipeline", list_pipelines),
        Route(f"/project/{SLUG}", get_project),
        Route(f"/project/{SLUG}/pipeline", list_project_pipelines),
        Route(f"/project/{SLUG}/pipeline", trigger_pipeline, methods=["POST"]),
        Route(f"/project/{SLUG}/pipeline/mine", list_my_project_pipelines),
        Route(f"/project/{SLUG}/pipeline/{{number:int}}", get_pipeline_by_number),
        Route("/pipeline/{id}", get_pipeline),
        Route("/pipeline/{id}/config", get_pipeline_config),
        Route("/pipeline/{id}/workflow", list_pipeline_workflows),
        Route("/workflow/{id}", get_workflow),
        Route("/workflow/{id}/job", list_workflow_jobs),
        Route("/workflow/{id}/cancel", cancel_workflow, methods=["POST"]),
        Route("/workflow/{id}/rerun", rerun_workflow, methods=["POST"]),
        Route("/workflow/{id}/approve/{approval_request_id}", approve_job, methods=["POST"]),
        Route(f"/project/{SLUG}/job/{{number:int}}", get_job_details),
        Route(f"/project/{SLUG}/job/{{number:int}}/cancel", cancel_job, methods=["POST"]),
        Route(f"/project/{SLUG}/{{number:int}}/artifacts", get_artifacts),
        Route(f"/project/{SLUG}/{{number:int}}/tests", get_tests),
        Route(f"/insights/{SLUG}/workflows", list_workflow_metrics),
        Route(f"/insights/{SLUG}/workflows/{{name}}", list_workflow_runs),
        Route(f"/insights/{SLUG}/workflows/{{name}}/summary", get_workflow_summary),
        Route(f"/insights/{SLUG}/flaky-tests", get_flaky_tests),
    ]
    v11 = [
        Route("/project/{vcs}/{org}/{repo}/{number:int}", get_v1_build),
        Route("/project/{vcs}/{org}/{repo}/{number:int}/artifacts", get_v1_artifacts),
        Route("/project/{vcs}/{org}/{repo}/{number:int}/tests", get_v1_tests),
    ]
    raw = "/output/raw/{vcs}/{org}/{repo}/{number:int}/{stream:cci_output_stream}"
    private_routes = [
        Route(raw + "/{index:int}/{step:int}", get_raw_step_output),
        Route("/me/followed-projects", list_followed_projects),
    ]
    app = Starlette(
        routes=[
            Mount("/api/v2", routes=v2),
            Mount("/api/v1.1", routes=v11),
            Mount("/api/private", routes=private_routes),
            Route("/output/{job_id}/{step:int}/{index:int}", get_step_output),
        ],
        exception_handlers={SimulationError: _simulation_error, 404: _http_error, 405: _http_error},
    )
    app.state.sim = sim
    return app


# ------------------------------------------------------------------------- outer layer


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _token_from(headers: dict[str, str]) -> str | None:
    if headers.get("circle-token"):
        return headers["circle-token"]
    auth = headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip()).decode()
        except ValueError:
            return ""
        return decoded.split(":", 1)[0]
    return None


class SimulatorApp:
    """Records, injects faults, authenticates and syncs, then hands over to the router."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.router = build_router(sim)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.router(scope, receive, send)
            return
        sim = self.sim
        method, path = scope["method"], scope["path"]
        if sim.faults.take("refuse", method, path):
            await self._abort(send)
        body = await self._read_body(receive)
        headers = _headers(scope)
        query = dict(
            parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        )
        try:
            parsed = json.loads(body) if body.strip() else None
        except ValueError:
            parsed = None
        record = RecordedRequest(
            method=method,
            path=path,
            query=query,
            json=parsed,
            headers=headers,
            time=sim.world.now,
            body=body,
        )
        sim.requests.append(record)
        if fault := sim.faults.take("latency", method, path):
            await anyio.sleep(fault.seconds)
        # The world moves to "now" before anything is answered, faults included.
        sim.world.sync()
        record.time = sim.world.now
        status, response_headers, payload = await self._answer(scope, headers, query, body)
        if status == 200 and sim.faults.take("malformed_json", method, path):
            payload = payload[: max(len(payload) // 2, 1)]
            response_headers = [(k, v) for k, v in response_headers if k != b"content-length"]
            response_headers.append((b"content-length", str(len(payload)).encode()))
        if sim.faults.take("drop", method, path):
            await self._abort(send)
        record.status = status
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    async def _answer(
        self, scope: Scope, headers: dict[str, str], query: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        sim = self.sim
        method, path = scope["method"], scope["path"]
        pretty = not wants_compact(headers.get("accept"))
        if path.startswith("/api/"):
            message = self._auth_failure(headers, query)
            if message is None and sim.faults.take("revoked_token", method, path):
                message = "Invalid token provided."
            if message is not None:
                return _json(401, {"message": message}, pretty)
        if fault := sim.faults.take("rate_limit", method, path):
            return _rate_limited(fault.retry_after, fault.plain_text, sim.quirks, pretty)
        if fault := sim.faults.take("server_error", method, path):
            return _server_error(fault.status, pretty)
        return await self._call_router(scope, body)

    def _auth_failure(self, headers: dict[str, str], query: dict[str, str]) -> str | None:
        if "circle-token" in query:
            return QUERY_TOKEN_MESSAGE
        token = _token_from(headers)
        if token is None:
            return "You must log in first."
        if token != self.sim.token:
            return "Invalid token provided."
        return None

    async def _call_router(
        self, scope: Scope, body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        parts: list[bytes] = []

        async def send(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.router(scope, receive, send)
        return status, response_headers, b"".join(parts)

    @staticmethod
    async def _read_body(receive: Receive) -> bytes:
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    async def _abort(send: Send) -> None:
        # Headers promising a body that never comes: a real server (uvicorn) then closes the
        # connection mid-response, and the ASGI transport turns the exception into an error.
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", JSON_TYPE.encode()), (b"content-length", b"1024")],
            }
        )
        raise ConnectionDropped("connection dropped by fault injection")


def _json(
    status: int, data: Any, pretty: bool, extra: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    payload = dumps(data, pretty=pretty).encode()
    headers = [
        (b"content-type", JSON_TYPE.encode()),
        (b"content-length", str(len(payload)).encode()),
        *(extra or []),
    ]
    return status, headers, payload


def _rate_limited(
    retry_after: int, plain_text: bool | None, quirks: set[str], pretty: bool
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    limit_headers = [
        (b"retry-after", str(retry_after).encode()),
        (b"x-ratelimit-limit", b"51"),
        (b"x-ratelimit-remaining", b"0"),
        (b"x-ratelimit-reset", str(retry_after).encode()),
        (b"ratelimit-limit", b"51"),
        (b"ratelimit-remaining", b"0"),
        (b"ratelimit-reset", str(retry_after).encode()),
    ]
    if plain_text if plain_text is not None else "plain_text_429" in quirks:
        payload = b"Rate limited."
        return (
            429,
            [
                (b"content-type", b"text/plain;charset=utf-8"),
                (b"content-length", str(len(payload)).encode()),
                *limit_headers,
            ],
            payload,
        )
    return _json(429, {"message": "Rate limit exceeded."}, pretty, limit_headers)


def _server_error(status: int, pretty: bool) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    if status == 500:
        return _json(500, {"message": "Internal server error."}, pretty)
    reason = {502: "Bad Gateway", 503: "Service Temporarily Unavailable"}[status]
    payload = BAD_GATEWAY_HTML.format(status=status, reason=reason).encode()
    return (
        status,
        [(b"content-type", b"text/html"), (b"content-length", str(len(payload)).encode())],
        payload,
    )
