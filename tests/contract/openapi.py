"""Validate requests and responses against spec/circleci-openapi-v2.json with openapi-core.

The document marks nullability with the Swagger 2 extension `x-nullable: true`; OpenAPI 3
validators ignore it and would reject the nulls the real service sends, so the loader rewrites
it to `nullable: true`. Nothing else is changed except the server list (`/api/v2`, so any host
works). Project slugs (`gh/acme/api`) contain slashes that the spec's path templates cannot
match (`allowReserved` path parameters match one segment), so the helpers re-escape a
slug's slashes as `%2F` before matching, which the spec explicitly allows.

    from .openapi import validate_httpx
    validate_httpx(response)  # an httpx.Response; validates its request too
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "circleci-openapi-v2.json"
API_PREFIX = "/api/v2"
VCS_SLUGS = frozenset({"gh", "github", "bb", "bitbucket", "circleci"})


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


@lru_cache(maxsize=1)
def load_spec() -> dict[str, Any]:
    spec = translate_nullable(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
    spec["servers"] = [{"url": API_PREFIX}]
    return spec


@lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    return OpenAPI.from_dict(load_spec())


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
        host_url: str = "http://circleci.sim",
    ) -> None:
        self.host_url = host_url
        self.method = method.lower()
        self.path = spec_path(path)
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


def validate_request(
    method: str,
    path: str,
    query: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> None:
    """Raise if the request does not match the spec (path, parameters, security, body)."""
    with warnings.catch_warnings():
        # The spec uses the deprecated allowEmptyValue; openapi-core warns on every request.
        warnings.simplefilter("ignore", DeprecationWarning)
        openapi().validate_request(_Request(method, path, query, headers, body))


def validate_response(
    method: str,
    path: str,
    query: Mapping[str, Any] | None,
    request_body: bytes | None,
    status: int,
    headers: Mapping[str, str],
    body_bytes: bytes,
) -> None:
    """Raise if the response does not match what the spec declares for that operation."""
    request = _Request(method, path, query, None, request_body)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        openapi().validate_response(request, _Response(status, headers, body_bytes))


def validate_httpx_request(request: httpx.Request) -> None:
    validate_request(
        request.method,
        request.url.path,
        dict(request.url.params),
        dict(request.headers),
        request.content or None,
    )


def validate_httpx_response(response: httpx.Response) -> None:
    request = response.request
    validate_response(
        request.method,
        request.url.path,
        dict(request.url.params),
        request.content or None,
        response.status_code,
        dict(response.headers),
        response.content,
    )


def validate_httpx(response: httpx.Response) -> None:
    """Validate an exchange: its request and its response."""
    validate_httpx_request(response.request)
    validate_httpx_response(response)
