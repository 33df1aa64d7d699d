"""The rows of the pipelines list: one per workflow of each pipeline (one for a pipeline with
none yet), keyed by pipeline and workflow id, and what the filter matches in them."""

from __future__ import annotations

from dataclasses import dataclass

from circletui.api.models import Pipeline, Workflow
from circletui.monitor import PipelineRow
from circletui.ui.formatting import ref_of


@dataclass(frozen=True, slots=True)
class Line:
    """One table row: a pipeline and one of its workflows (or none)."""

    key: str
    pipeline: Pipeline
    workflow: Workflow | None
    first: bool  # the pipeline's first row shows its details, the others only the workflow
    pipeline_status: str


def build_lines(rows: list[PipelineRow]) -> list[Line]:
    lines: list[Line] = []
    seen: set[str] = set()
    for row in rows:
        workflows = sorted(
            row.workflows or (), key=lambda w: (w.created_at is None, w.created_at), reverse=True
        )
        if not workflows:
            lines.append(Line(row.pipeline.id, row.pipeline, None, True, row.status))
            continue
        # A workflow an answer lists twice is one row: keys must be unique, and an answer
        # that repeats itself must not take the list down.
        first = True
        for wf in workflows:
            key = f"{row.pipeline.id}/{wf.id}"
            if key in seen:
                continue
            seen.add(key)
            lines.append(Line(key, row.pipeline, wf, first, row.status))
            first = False
    return lines


def same_line(a: Line, b: Line) -> bool:
    """Whether two lines show the same data (a new poll answer brings new objects)."""
    return (a.pipeline is b.pipeline and a.workflow is b.workflow and a.first == b.first
            and a.pipeline_status == b.pipeline_status)


def matches(line: Line, needle: str) -> bool:
    p = line.pipeline
    haystack = " ".join(
        [
            p.project_slug,
            str(p.number),
            ref_of(p),
            p.subject,
            p.trigger.actor.login,
            line.workflow.name if line.workflow else "",
        ]
    ).lower()
    return all(word in haystack for word in needle.lower().split())
