"""Links into the CircleCI web app for a pipeline, workflow, job or project.

The shapes are the ones CircleCI's own webhooks send (``workflow.url``, e.g.
``https://app.circleci.com/pipelines/github/circleci/webhook-service/130/workflows/<uuid>``,
in the "Webhooks" page of circleci.com/docs) and its MCP server parses
(CircleCI-Public/mcp-server-circleci, ``getProjectSlugFromURL``).

The API host and the web app host differ: the cloud API is ``circleci.com`` while the web app
is ``app.circleci.com``, and a CircleCI Server install at ``ci.example.com`` serves its web app
at ``app.ci.example.com``. The API's short VCS names (``gh``, ``bb``) become the web app's long
ones (``github``, ``bitbucket``); ``circleci/<org-id>/<project-id>`` slugs are used verbatim.

Prefer a job's API-provided ``web_url`` when it has one; these helpers are for everything else.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, urlsplit

CLOUD_WEB_APP = "https://app.circleci.com"

# Every spelling of the cloud API host; they all share one web app.
_CLOUD_HOSTS = frozenset({"circleci.com", "api.circleci.com", "app.circleci.com"})

# The API echoes short VCS names, the web app wants long ones.
_VCS_LONG = {"gh": "github", "bb": "bitbucket"}


def web_app_url(host: str) -> str:
    """The web app's base URL (no trailing slash) for an API host such as ``https://circleci.com``."""
    parts = urlsplit(host if "://" in host else f"https://{host}")
    hostname = (parts.hostname or "").lower()
    if hostname in _CLOUD_HOSTS:
        return CLOUD_WEB_APP
    scheme = parts.scheme or "https"
    netloc = parts.netloc.lower()
    if hostname.startswith("app.") or _has_no_subdomains(hostname):
        # Already the web app, or a local address (the simulator) that cannot take a
        # subdomain: the best guess is the host itself.
        return f"{scheme}://{netloc}"
    return f"{scheme}://app.{netloc}"


def _has_no_subdomains(hostname: str) -> bool:
    if hostname == "localhost" or "." not in hostname:
        return True
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


def _slug_path(project_slug: str) -> str:
    """``gh/acme/api`` → ``github/acme/api``, each segment escaped; ``circleci/…`` verbatim."""
    segments = [s for s in project_slug.strip().strip("/").split("/") if s]
    if segments:
        segments[0] = _VCS_LONG.get(segments[0].lower(), segments[0])
    return "/".join(quote(s, safe="") for s in segments)


def project_web_url(host: str, project_slug: str, branch: str | None = None) -> str:
    """A project's pipeline list, filtered to ``branch`` when given."""
    url = f"{web_app_url(host)}/pipelines/{_slug_path(project_slug)}"
    if branch:
        # Branch names carry slashes, '#', '&' and spaces; escape all of them.
        url += f"?branch={quote(branch, safe='')}"
    return url


def pipeline_web_url(host: str, project_slug: str, number: int | str) -> str:
    """One pipeline's page, by its project-scoped number."""
    return f"{project_web_url(host, project_slug)}/{number}"


def workflow_web_url(
    host: str, project_slug: str, pipeline_number: int | str, workflow_id: str
) -> str:
    """One workflow's graph page."""
    base = pipeline_web_url(host, project_slug, pipeline_number)
    return f"{base}/workflows/{quote(workflow_id, safe='')}"


def job_web_url(
    host: str,
    project_slug: str,
    pipeline_number: int | str,
    workflow_id: str,
    job_number: int | str,
) -> str:
    """One job's page (steps and logs)."""
    base = workflow_web_url(host, project_slug, pipeline_number, workflow_id)
    return f"{base}/jobs/{job_number}"


def commit_web_url(repository_url: str | None, revision: str | None) -> str | None:
    """The commit's page on GitHub or Bitbucket, from the pipeline's ``vcs.origin_repository_url``
    (``https://github.com/org/repo``); None for other hosts, whose commit URLs differ."""
    if not repository_url or not revision or not re.fullmatch(r"[0-9a-fA-F]{7,64}", revision):
        return None
    parts = urlsplit(repository_url.strip())
    host = (parts.hostname or "").lower()
    path = parts.path.rstrip("/").removesuffix(".git")
    if parts.scheme not in ("http", "https") or path.count("/") != 2:
        return None
    if host == "github.com":
        return f"https://github.com{path}/commit/{revision}"
    if host == "bitbucket.org":
        return f"https://bitbucket.org{path}/commits/{revision}"
    return None
