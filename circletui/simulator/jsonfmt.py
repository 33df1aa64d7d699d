"""JSON encoding in the two styles CircleCI answers with.

`Accept: application/json` gets compact JSON; anything else gets the Jackson pretty printer's
style seen in real captures: `"key" : value`, arrays opening inline as `[ {`, empty containers
as `[ ]` and `{ }`, two-space indents that arrays do not deepen, and control characters escaped
as upper-case `\\u001B`.
"""

from __future__ import annotations

import json
import re
from typing import Any

# A \u00xx escape not itself preceded by an escaping backslash.
_LOWER_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u00([0-9a-f]{2})")


def _jackson_escapes(text: str) -> str:
    return _LOWER_ESCAPE.sub(lambda m: f"{m.group(1)}\\u00{m.group(2).upper()}", text)


def _scalar(value: Any) -> str:
    return _jackson_escapes(json.dumps(value, ensure_ascii=False))


def _pretty(value: Any, level: int, out: list[str]) -> None:
    if isinstance(value, dict):
        if not value:
            out.append("{ }")
            return
        out.append("{")
        for position, (key, item) in enumerate(value.items()):
            if position:
                out.append(",")
            out.append("\n" + "  " * (level + 1) + _scalar(str(key)) + " : ")
            _pretty(item, level + 1, out)
        out.append("\n" + "  " * level + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[ ]")
            return
        out.append("[ ")
        for position, item in enumerate(value):
            if position:
                out.append(", ")
            _pretty(item, level, out)
        out.append(" ]")
    else:
        out.append(_scalar(value))


def dumps(value: Any, *, pretty: bool) -> str:
    if pretty:
        out: list[str] = []
        _pretty(value, 0, out)
        return "".join(out)
    return _jackson_escapes(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def wants_compact(accept: str | None) -> bool:
    """Compact only when the client asked for JSON explicitly."""
    return bool(accept) and "application/json" in accept.lower()
