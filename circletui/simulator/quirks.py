"""Switchable behaviours of the real CircleCI service, for testing how tolerant a client is.

By default the simulator answers as live CircleCI consistently does: as the OpenAPI document
says, except for the divergences listed in `divergences.py`. Each quirk turns on one more
behaviour a client can meet: a deviation live CircleCI shows only sometimes or only in older
captures, or the documented form where live CircleCI answers otherwise. `divergences.py` gives
each one's public source; `Simulator(quirks="all")` turns them all on, as the demo does.
"""

from __future__ import annotations

from collections.abc import Iterable

QUIRKS: dict[str, str] = {
    "null_started_at": "jobs that have not started report started_at: null (list and details)",
    "omit_last_page_token": "the last page has no next_page_token key at all",
    "stale_page_token_404": "a page token issued before the list changed answers 404 Not Found",
    "no_project_id": "job details omit project.id",
    "approval_without_job_number": "approval jobs look like the 2020 capture: no job_number,"
    " no stopped_at key, started_at null",
    "unknown_enum_values": "GitHub App pipelines report trigger type 'Decoupled Ingestion System'",
    "plain_text_429": "rate-limit responses are the plain text 'Rate limited.'",
    "kebab_case_flaky_tests": "flaky tests use the documented kebab-case keys (flaky-tests,"
    " test-name, ...) instead of the snake_case live CircleCI sends",
}


class QuirkSet(set[str]):
    """A set of quirk names that rejects names it does not know."""

    def __init__(self, quirks: str | Iterable[str] | None = None) -> None:
        super().__init__()
        for name in parse_quirks(quirks):
            self.add(name)

    def add(self, name: str) -> None:
        if name not in QUIRKS:
            raise ValueError(f"unknown quirk {name!r}; known: {', '.join(QUIRKS)}")
        super().add(name)


def parse_quirks(quirks: str | Iterable[str] | None) -> list[str]:
    """`None`/"none"/"" -> no quirks, "all" -> every quirk, "a,b" or an iterable -> those."""
    if quirks is None:
        return []
    if isinstance(quirks, str):
        text = quirks.strip()
        if text in ("", "none"):
            return []
        if text == "all":
            return list(QUIRKS)
        names = [part.strip() for part in text.split(",") if part.strip()]
    else:
        names = list(quirks)
    for name in names:
        if name not in QUIRKS:
            raise ValueError(f"unknown quirk {name!r}; known: {', '.join(QUIRKS)}")
    return names
