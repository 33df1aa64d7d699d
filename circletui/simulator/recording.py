"""The record of every request the simulator received, for tests to assert on."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class RecordedRequest:
    """One request as the app saw it. `path` is the decoded path, e.g. /api/v2/me."""

    method: str
    path: str
    query: dict[str, str]
    json: Any  # the parsed JSON body, or None (no body, or not JSON)
    headers: dict[str, str]  # lower-cased names
    time: datetime  # simulated time of arrival
    body: bytes = b""
    status: int | None = None  # filled in once answered; stays None if the connection dropped
    extra: dict[str, Any] = field(default_factory=dict)

    def matches(self, method: str | None, path_regex: str) -> bool:
        if method is not None and self.method.upper() != method.upper():
            return False
        return re.search(path_regex, self.path) is not None


def matching(
    requests: list[RecordedRequest], method: str | None, path_regex: str
) -> list[RecordedRequest]:
    return [request for request in requests if request.matches(method, path_regex)]
