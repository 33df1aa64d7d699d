"""How a pipeline is named on screen, the same on every screen that shows one."""

from __future__ import annotations

from circletui.api.models import Pipeline


def ref_of(pipeline: Pipeline) -> str:
    """The branch, or ``tag NAME`` for a tag pipeline ("" when CircleCI sent neither)."""
    if pipeline.tag:
        return f"tag {pipeline.tag}"
    return pipeline.branch or ""


def project_name(slug: str) -> str:
    """A project slug's short form for narrow columns: the repository name (``gh/acme/api``
    -> ``api``); ``circleci/<org-id>/<project-id>`` slugs have no name in them, so their tail."""
    parts = slug.split("/")
    return parts[-1] if len(parts) >= 3 and not slug.startswith("circleci/") else slug[-12:]


#: shown beside a watched pipeline, workflow or job (``w``)
WATCH_MARK = "◎"
