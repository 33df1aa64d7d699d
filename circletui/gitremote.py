"""Where the developer is: the CircleCI project and branch of the git checkout around the cwd.

``read_checkout()`` asks git for the ``origin`` remote's URL and the current branch (two
short ``git`` calls with a timeout, so worktrees, submodules and ``includeIf`` configs are
read exactly as git reads them); ``parse_remote()`` turns the URL into host, owner and
repository; ``project_slug()`` turns that into a CircleCI project slug: ``gh/org/repo`` for
GitHub, ``bb/org/repo`` for Bitbucket, or whatever the config file's ``[remotes]`` table maps
the repository to (GitHub App and GitLab projects have ``circleci/<org-id>/<project-id>``
slugs that cannot be derived from the URL).

URL forms understood (the ones ``git clone`` takes, https://git-scm.com/docs/git-clone#URLS):
``git@github.com:org/repo.git`` (scp-like), ``ssh://git@github.com[:port]/org/repo``,
``https://[user[:password]@]github.com[:port]/org/repo[.git][/]``, ``git://`` and
``git+ssh://``. GitHub's SSH-over-HTTPS host ``ssh.github.com`` counts as github.com
(https://docs.github.com/en/authentication/troubleshooting-ssh/using-ssh-over-the-https-port).

Pure apart from running git; nothing here imports Textual.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

__all__ = [
    "GitCheckout",
    "RemoteRepo",
    "normalise_remote_key",
    "parse_remote",
    "project_slug",
    "read_checkout",
]

#: seconds a git call may take before the checkout is treated as unknown (a hung NFS mount
#: must not stop circletui from starting)
GIT_TIMEOUT = 2.0

#: remote host → CircleCI's VCS short name
_VCS_BY_HOST = {
    "github.com": "gh",
    "bitbucket.org": "bb",
}
#: other spellings of those hosts
_HOST_ALIASES = {
    "ssh.github.com": "github.com",
    "www.github.com": "github.com",
    "altssh.bitbucket.org": "bitbucket.org",
    "www.bitbucket.org": "bitbucket.org",
}

# scp-like syntax: [user@]host:path, where the path does not start with "/" after "//"
# (git treats "host:path" as scp-like only when no "://" comes before the first colon).
_SCP_LIKE = re.compile(r"^(?:(?P<user>[^@/]+)@)?(?P<host>[^:/]+):(?P<path>.+)$")


@dataclass(frozen=True, slots=True)
class RemoteRepo:
    """A repository on a git host: ``github.com``, ``org``, ``repo``."""

    host: str
    owner: str  # may hold slashes on hosts with nested groups (GitLab)
    name: str

    @property
    def key(self) -> str:
        """``github.com/org/repo``: how the config's ``[remotes]`` table names it."""
        return f"{self.host}/{self.owner}/{self.name}"

    @property
    def slug(self) -> str | None:
        """``gh/org/repo`` or ``bb/org/repo``; None for any other host."""
        vcs = _VCS_BY_HOST.get(self.host)
        if vcs is None or "/" in self.owner:
            return None
        return f"{vcs}/{self.owner}/{self.name}"


@dataclass(frozen=True, slots=True)
class GitCheckout:
    """What git says about the checkout around a directory."""

    remote_url: str | None  # origin's URL, None when there is no origin
    branch: str | None  # None on a detached HEAD
    repo: RemoteRepo | None  # origin parsed, None when it is no URL we understand


def parse_remote(url: str) -> RemoteRepo | None:
    """``git@github.com:org/repo.git`` → ``RemoteRepo("github.com", "org", "repo")``.

    None for a local path, a file:// URL or anything without a host and an owner/name path.
    """
    url = url.strip()
    if not url:
        return None
    if "://" in url:
        try:
            parts = urlsplit(url)
            host = parts.hostname or ""
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError:
            return None
        if parts.scheme.lower() not in ("https", "http", "ssh", "git", "git+ssh", "ssh+git"):
            return None
        path = unquote(parts.path)
    else:
        match = _SCP_LIKE.match(url)
        if match is None or "/" in match["host"]:
            return None
        host, path = match["host"], match["path"]
    host = host.lower().rstrip(".")
    host = _HOST_ALIASES.get(host, host)
    segments = [s for s in path.strip("/").split("/") if s]
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][: -len(".git")]
    segments = [s for s in segments if s]
    if not host or len(segments) < 2 or any(s in (".", "..") for s in segments):
        return None
    return RemoteRepo(host=host, owner="/".join(segments[:-1]), name=segments[-1])


def normalise_remote_key(text: str) -> str | None:
    """A ``[remotes]`` key as the user wrote it (``github.com/org/repo``, or a remote URL
    pasted from ``git remote -v``) → the lower-case ``host/owner/name`` it is looked up by."""
    text = text.strip()
    repo = parse_remote(text) if ("://" in text or _SCP_LIKE.match(text)) else None
    if repo is None:
        repo = parse_remote(f"https://{text}")
    return repo.key.lower() if repo else None


def project_slug(repo: RemoteRepo, remotes: Mapping[str, str] | None = None) -> str | None:
    """The CircleCI project slug for ``repo``: the config's mapping first (keys as
    normalised by :func:`normalise_remote_key`), then ``gh/...`` / ``bb/...``."""
    if remotes:
        mapped = remotes.get(repo.key.lower())
        if mapped:
            return mapped
    return repo.slug


Runner = Callable[..., subprocess.CompletedProcess[str]]


def _git(args: list[str], cwd: Path, run: Runner) -> str | None:
    """Stdout of ``git args`` in ``cwd`` stripped, or None when git fails, is missing or hangs."""
    try:
        result = run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            # Never prompt (a credential helper, a pager): this runs before the UI starts.
            env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat"},
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip() or None


def read_checkout(cwd: Path | str | None = None, *, run: Runner = subprocess.run,
                  ) -> GitCheckout | None:
    """The checkout around ``cwd`` (default: the current directory), or None outside one
    (or without git installed)."""
    where = Path(cwd) if cwd is not None else Path.cwd()
    # `symbolic-ref` names the branch even before the first commit and fails on a detached
    # HEAD; `rev-parse --git-dir` tells "no checkout" from "detached".
    if _git(["rev-parse", "--git-dir"], where, run) is None:
        return None
    url = _git(["config", "--get", "remote.origin.url"], where, run)
    branch = _git(["symbolic-ref", "--quiet", "--short", "HEAD"], where, run)
    return GitCheckout(remote_url=url, branch=branch,
                       repo=parse_remote(url) if url else None)
