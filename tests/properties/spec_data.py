"""API answers generated from the vendored OpenAPI document, then made hostile.

``answers(path)`` is a Hypothesis strategy for the 200 body of a GET in
``spec/circleci-openapi-v2.json``: every shape the contract allows, unknown extra fields
included (the schemas do not forbid them), nulls where the document says ``x-nullable``. Then
``hostile()`` replaces some of the strings with what CircleCI users can put in front of us:
10,000-character branch names, commit subjects with newlines, right-to-left text, wide
characters, emoji, escape sequences, markup, and enum values this version has never heard of.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

SPEC_PATH = Path(__file__).resolve().parents[2] / "spec" / "circleci-openapi-v2.json"

#: strings that broke (or could break) a terminal UI somewhere
NASTY = [
    "b" * 10_000,  # a 10,000-character branch name
    "Fix the build\n\nLonger explanation\r\nwith CRLF and a trailing newline\n",
    "\u202eevil\u202c right-to-left override",
    "שלום עולם مرحبا بالعالم",  # Hebrew and Arabic
    "全角の文字列とカタカナ　ﾃｽﾄ",  # wide and half-width characters
    "🚀🔥 deploy 👩‍👩‍👧‍👦 family 🏳️‍🌈 flag",  # emoji, ZWJ sequences
    "\x1b[2J\x1b[31mred\x1b]0;title\x07 escape sequences",
    "[bold red]not markup[/] [link=https://example.com]x[/link]",
    "",
    " ",
    "\u0000nul\u200b zero width\u00ad soft hyphen",
    "e\u0301\u0301\u0301\u0301 combining marks",
    "a_status_from_the_future",  # an unknown enum value wherever a status goes
]


def nullable_to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 (with Swagger's ``x-nullable``) to plain JSON Schema for the generator."""
    if isinstance(node, list):
        return [nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {
        key: nullable_to_json_schema(value)
        for key, value in node.items()
        if not key.startswith("x-") and key not in ("example", "nullable", "description")
    }
    if out.get("type") == "array":
        out.setdefault("maxItems", 3)  # a page of 3 shows as much as a page of 20, faster
    if node.get("x-nullable") is True or node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


def response_schema(path: str) -> dict[str, Any]:
    response = _spec()["paths"][path]["get"]["responses"]["200"]
    return nullable_to_json_schema(response["content"]["application/json"]["schema"])


@cache
def answers(path: str) -> st.SearchStrategy[Any]:
    """The generated 200 body of ``GET path`` (a path template as the document spells it).

    Built once per path: turning a schema into a strategy is the expensive part.
    """
    return from_schema(response_schema(path))


_REPLACE = st.integers(0, 9)  # built once: a strategy per draw is slow to describe
_NASTY_TEXT = st.sampled_from(NASTY) | st.text(max_size=50)


def hostile(value: Any, draw: st.DrawFn) -> Any:
    """``value`` with about a third of its strings replaced by nasty ones (keys kept)."""
    if isinstance(value, dict):
        return {k: hostile(v, draw) for k, v in value.items()}
    if isinstance(value, list):
        return [hostile(v, draw) for v in value]
    if isinstance(value, str) and draw(_REPLACE) < 3:
        return draw(_NASTY_TEXT)
    return value


@st.composite
def hostile_answers(draw: st.DrawFn, path: str) -> Any:
    return hostile(draw(answers(path)), draw)
