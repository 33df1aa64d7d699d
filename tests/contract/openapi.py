"""Validate requests and responses against spec/circleci-openapi-v2.json with openapi-core,
widened by exactly the documented divergences of live CircleCI and nothing else.

`circletui/simulator/divergences.py` lists where live CircleCI and the document part ways;
each entry says how the document is widened to accept it (its `accepts`). The validators take
the names of the divergences to accept (`accept=`, by default those a simulator without quirks
shows, `DEFAULT`); `accepting(quirks)` gives the names for a simulator with quirks on. Nothing
else in the document is changed except the server list (`/api/v2`, so any host works).

    from .openapi import validate_httpx
    validate_httpx(response)  # an httpx.Response; validates its request too
"""

from __future__ import annotations

import copy
import json
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from circletui.simulator.divergences import DIVERGENCES, Divergence, Relaxation, in_effect

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "circleci-openapi-v2.json"
API_PREFIX = "/api/v2"
VCS_SLUGS = frozenset({"gh", "github", "bb", "bitbucket", "circleci"})
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})

DEFAULT: frozenset[str] = frozenset(d.name for d in in_effect())
"""What a simulator with no quirks shows: the divergences live CircleCI always has."""

STRICT: frozenset[str] = frozenset()
"""The document exactly as written."""


def accepting(quirks: Iterable[str]) -> frozenset[str]:
    """The divergences a simulator with `quirks` on shows."""
    return frozenset(d.name for d in in_effect(frozenset(quirks)))


def _divergences(accept: frozenset[str]) -> list[Divergence]:
    unknown = accept - {d.name for d in DIVERGENCES}
    if unknown:
        raise ValueError(f"not in the divergence list: {sorted(unknown)}")
    return [d for d in DIVERGENCES if d.name in accept]


def _relaxations(accept: frozenset[str]) -> list[Relaxation]:
    return [r for d in _divergences(accept) for r in d.accepts]


# -- widening the document ----------------------------------------------------------------------


def translate_nullable(node: Any) -> Any:
    """A copy of `node` with every `x-nullable: true` turned into `nullable: true`."""
    if isinstance(node, dict):
        out = {key: translate_nullable(value) for key, value in node.items() if key != "x-nullable"}
        if node.get("x-nullable") is True:
            out["nullable"] = True
        return out
    if isinstance(node, list):
        return [translate_nullable(item) for item in node]
    return node


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in spec["paths"].values():
        for method, operation in item.items():
            if method in HTTP_METHODS and isinstance(operation, dict):
                yield operation.get("operationId", ""), operation


def _success_schemas(operation: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
    """(the content entry, media type) of each 2xx JSON response of an operation."""
    for status, response in operation.get("responses", {}).items():
        if str(status).startswith("2"):
            for media, content in response.get("content", {}).items():
                if "json" in media and "schema" in content:
                    yield content, media


def _enter(node: dict[str, Any]) -> dict[str, Any]:
    while node.get("type") == "array" and isinstance(node.get("items"), dict):
        node = node["items"]
    return node


def _holder(schema: dict[str, Any], at: str) -> tuple[dict[str, Any], str] | None:
    """The object schema holding the last property of the dotted path `at`, and that name."""
    *parents, last = at.split(".")
    node = schema
    for name in parents:
        properties = _enter(node).get("properties", {})
        if name not in properties:
            return None
        node = properties[name]
    node = _enter(node)
    return (node, last) if last in node.get("properties", {}) else None


def _snake(node: Any) -> Any:
    """A schema whose property names (and `required` entries) use `_` where it had `-`."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out[key] = {name.replace("-", "_"): _snake(sub) for name, sub in value.items()}
            elif key == "required" and isinstance(value, list):
                out[key] = [name.replace("-", "_") for name in value]
            else:
                out[key] = _snake(value)
        return out
    if isinstance(node, list):
        return [_snake(item) for item in node]
    return node


KINDS = frozenset(
    {
        "x_nullable",
        "slug_path",
        "bearer_auth",
        "nullable",
        "optional",
        "open_enum",
        "snake_case_keys",
        "plain_text_status",
        "page_token_parameter",
    }
)

PAGE_TOKEN = {"name": "page-token", "in": "query", "required": False, "schema": {"type": "string"}}


def _apply(spec: dict[str, Any], relaxation: Relaxation) -> None:
    kind = relaxation.kind
    if kind not in KINDS:
        raise ValueError(f"unknown relaxation kind {kind!r}")
    if kind in ("x_nullable", "slug_path", "plain_text_status"):
        return  # applied by load_spec, by the request adapter, by validate_response
    if kind == "bearer_auth":
        spec["components"]["securitySchemes"]["bearer_auth"] = {"type": "http", "scheme": "bearer"}
        spec["security"] = [*spec.get("security", []), {"bearer_auth": []}]
        return
    every = relaxation.operations == ("*",)
    matched = False
    for operation_id, operation in _operations(spec):
        if not every and operation_id not in relaxation.operations:
            continue
        if kind == "page_token_parameter":
            operation["parameters"] = [*operation.get("parameters", []), dict(PAGE_TOKEN)]
            matched = True
            continue
        for content, _ in _success_schemas(operation):
            if kind == "snake_case_keys":
                content["schema"] = {"anyOf": [content["schema"], _snake(content["schema"])]}
                matched = True
                continue
            found = _holder(content["schema"], relaxation.at)
            if found is None:
                continue
            holder, name = found
            matched = True
            if kind == "nullable":
                holder["properties"][name]["nullable"] = True
            elif kind == "optional":
                holder["required"] = [key for key in holder.get("required", []) if key != name]
            else:  # open_enum
                holder["properties"][name].pop("enum", None)
    if not matched:
        # A relaxation that widens nothing documents nothing: the list is out of date.
        raise ValueError(f"{relaxation} matches nothing in the document")


@lru_cache(maxsize=16)
def load_spec(accept: frozenset[str] = DEFAULT) -> dict[str, Any]:
    """The document widened by the divergences named in `accept`."""
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    relaxations = _relaxations(accept)
    if any(r.kind == "x_nullable" for r in relaxations):
        spec = translate_nullable(spec)
    else:
        spec = copy.deepcopy(spec)
    spec["servers"] = [{"url": API_PREFIX}]
    for relaxation in relaxations:
        _apply(spec, relaxation)
    return spec


@lru_cache(maxsize=16)
def openapi(accept: frozenset[str] = DEFAULT) -> OpenAPI:
    # Checking the document itself takes a second per variant; the contract tests check the
    # one widened by every divergence instead (which holds every kind of widening).
    return OpenAPI.from_dict(load_spec(accept), config=Config(spec_validator_cls=None))


# -- adapters -------------------------------------------------------------------------------------


def spec_path(path: str) -> str:
    """The request path with a project slug's slashes escaped, so spec templates match it."""
    if not path.startswith(API_PREFIX + "/"):
        return path
    segments = path[len(API_PREFIX) + 1 :].split("/")
    if len(segments) >= 4 and segments[0] in ("project", "insights") and segments[1] in VCS_SLUGS:
        slug = quote("/".join(segments[1:4]), safe="")
        segments = [segments[0], slug, *segments[4:]]
    return API_PREFIX + "/" + "/".join(segments)


class _Request:
    """openapi-core's Request protocol over plain values."""

    def __init__(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        accept: frozenset[str],
        host_url: str = "http://circleci.sim",
    ) -> None:
        self.host_url = host_url
        self.method = method.lower()
        slug_path = any(r.kind == "slug_path" for r in _relaxations(accept))
        self.path = spec_path(path) if slug_path else path
        self.body = body or b""
        header_map = Headers(dict(headers or {}))
        self.content_type = header_map.get("content-type", "application/json").lower()
        self.parameters = RequestParameters(
            path={},
            query=ImmutableMultiDict(list((query or {}).items())),
            header=header_map,
            cookie=ImmutableMultiDict(),
        )


class _Response:
    """openapi-core's Response protocol over plain values."""

    def __init__(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.status_code = status
        self.headers = Headers(dict(headers))
        self.content_type = self.headers.get("content-type", "").lower()
        self.data = body


# -- validation -----------------------------------------------------------------------------------


class UndeclaredQueryParameter(ValueError):
    """A request sent a query parameter its operation does not declare.

    openapi-core ignores such parameters; a client sending one relies on behaviour the
    document does not promise, so it is a divergence like any other.
    """


def _template_regex(template: str) -> re.Pattern[str]:
    """A spec path template as a regex over request paths (slugs escaped, as `spec_path`)."""
    parts = re.split(r"(\{[^}]+\})", template)
    body = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile("^" + re.escape(API_PREFIX) + body + "$")


@lru_cache(maxsize=16)
def _declared_queries(accept: frozenset[str]) -> list[tuple[re.Pattern[str], str, frozenset[str]]]:
    """(path pattern, method, query parameter names) of every operation, the most literal
    templates first, so `/pipeline/continue` is not taken for `/pipeline/{id}`."""
    spec = load_spec(accept)
    by_query_auth = frozenset(
        scheme["name"]
        for scheme in spec["components"]["securitySchemes"].values()
        if scheme.get("in") == "query"
    )
    operations = []
    for template in sorted(spec["paths"], key=lambda t: t.count("{")):
        item = spec["paths"][template]
        shared = [p for p in item.get("parameters", []) if p.get("in") == "query"]
        for method, operation in item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            own = [p for p in operation.get("parameters", []) if p.get("in") == "query"]
            names = frozenset(p["name"] for p in shared + own) | by_query_auth
            operations.append((_template_regex(template), method, names))
    return operations


def _check_query_names(
    method: str, path: str, query: Mapping[str, Any] | None, accept: frozenset[str]
) -> None:
    for pattern, operation_method, names in _declared_queries(accept):
        if operation_method == method and pattern.match(path):
            undeclared = set(query or {}) - names
            if undeclared:
                raise UndeclaredQueryParameter(f"{method.upper()} {path}: {sorted(undeclared)}")
            return


def validate_request(
    method: str,
    path: str,
    query: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
    *,
    accept: frozenset[str] = DEFAULT,
) -> None:
    """Raise if the request does not match the spec (path, parameters, security, body)."""
    request = _Request(method, path, query, headers, body, accept)
    with warnings.catch_warnings():
        # The spec uses the deprecated allowEmptyValue; openapi-core warns on every request.
        warnings.simplefilter("ignore", DeprecationWarning)
        openapi(accept).validate_request(request)
    _check_query_names(request.method, request.path, query, accept)


def _plain_text_accepted(
    status: int, headers: Mapping[str, str], body: bytes, accept: frozenset[str]
) -> bool:
    content_type = Headers(dict(headers)).get("content-type", "").lower()
    return content_type.startswith("text/plain") and any(
        r.kind == "plain_text_status" and r.status == status and r.body.encode() == body
        for r in _relaxations(accept)
    )


def validate_response(
    method: str,
    path: str,
    query: Mapping[str, Any] | None,
    request_body: bytes | None,
    status: int,
    headers: Mapping[str, str],
    body_bytes: bytes,
    *,
    accept: frozenset[str] = DEFAULT,
) -> None:
    """Raise if the response does not match what the spec declares for that operation."""
    if _plain_text_accepted(status, headers, body_bytes, accept):
        return
    request = _Request(method, path, query, None, request_body, accept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        openapi(accept).validate_response(request, _Response(status, headers, body_bytes))


def validate_httpx_request(request: httpx.Request, *, accept: frozenset[str] = DEFAULT) -> None:
    validate_request(
        request.method,
        request.url.path,
        dict(request.url.params),
        dict(request.headers),
        request.content or None,
        accept=accept,
    )


def validate_httpx_response(response: httpx.Response, *, accept: frozenset[str] = DEFAULT) -> None:
    request = response.request
    validate_response(
        request.method,
        request.url.path,
        dict(request.url.params),
        request.content or None,
        response.status_code,
        dict(response.headers),
        response.content,
        accept=accept,
    )


def validate_httpx(response: httpx.Response, *, accept: frozenset[str] = DEFAULT) -> None:
    """Validate an exchange: its request and its response."""
    validate_httpx_request(response.request, accept=accept)
    validate_httpx_response(response, accept=accept)
