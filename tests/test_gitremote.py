"""Starting where the developer is: the git checkout's origin and branch as a CircleCI project."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from circletui.gitremote import (
    GitCheckout,
    RemoteRepo,
    normalise_remote_key,
    parse_remote,
    project_slug,
    read_checkout,
)

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

URL_FORMS = [
    ("git@github.com:acme/api.git", "gh/acme/api"),
    ("git@github.com:acme/api", "gh/acme/api"),
    ("github.com:acme/api.git", "gh/acme/api"),
    ("ssh://git@github.com/acme/api", "gh/acme/api"),
    ("ssh://git@github.com/acme/api.git/", "gh/acme/api"),
    ("ssh://git@github.com:22/acme/api.git", "gh/acme/api"),
    ("ssh://git@ssh.github.com:443/acme/api.git", "gh/acme/api"),
    ("git+ssh://git@github.com/acme/api.git", "gh/acme/api"),
    ("https://github.com/acme/api", "gh/acme/api"),
    ("https://github.com/acme/api.git", "gh/acme/api"),
    ("https://github.com/acme/api.git/", "gh/acme/api"),
    ("https://me@github.com/acme/api.git", "gh/acme/api"),
    ("https://me:ghp_secret@github.com:443/acme/api.git", "gh/acme/api"),
    ("HTTPS://GitHub.com/Acme/Api.git", "gh/Acme/Api"),
    ("git://github.com/acme/api.git", "gh/acme/api"),
    ("git@bitbucket.org:acme-labs/infra.git", "bb/acme-labs/infra"),
    ("ssh://git@bitbucket.org/acme-labs/infra.git", "bb/acme-labs/infra"),
    ("https://me@bitbucket.org/acme-labs/infra.git", "bb/acme-labs/infra"),
    ("https://bitbucket.org/acme-labs/infra", "bb/acme-labs/infra"),
    # Hosts CircleCI cannot name from the URL alone: only a [remotes] entry maps them.
    ("git@gitlab.com:acme/group/api.git", None),
    ("https://ghe.example.com/acme/api.git", None),
]


@pytest.mark.parametrize(("url", "slug"), URL_FORMS)
def test_remote_url_forms(url: str, slug: str | None) -> None:
    repo = parse_remote(url)
    assert repo is not None
    assert repo.slug == slug


@pytest.mark.parametrize("url", ["", "/srv/git/api.git", "../api", "file:///srv/git/api.git",
                                 "https://github.com/acme", "C:\\src\\api", "https://github.com:x/a/b"])
def test_what_is_not_a_hosted_repository(url: str) -> None:
    assert parse_remote(url) is None


def test_nested_groups_keep_their_path() -> None:
    assert parse_remote("git@gitlab.com:acme/group/api.git") == RemoteRepo(
        "gitlab.com", "acme/group", "api")


def test_the_config_maps_github_app_projects() -> None:
    remotes = {normalise_remote_key("github.com/acme/platform"): "circleci/O-1/P-1"}
    assert project_slug(parse_remote("git@github.com:Acme/platform.git"), remotes) == \
        "circleci/O-1/P-1"
    # A mapping key may be pasted from `git remote -v`.
    assert normalise_remote_key("git@gitlab.com:acme/group/api.git") == "gitlab.com/acme/group/api"
    assert project_slug(parse_remote("https://github.com/acme/api"), remotes) == "gh/acme/api"


# -- real repositories ------------------------------------------------------------------------


@pytest.fixture
def real_git(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GIT_DIR", raising=False)  # conftest hides circletui's own checkout
    for name in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(name, "Test")
    for name in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(name, "test@example.com")


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def make_repo(path: Path, remote: str | None, branch: str = "feature/login") -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", branch)
    if remote:
        git(path, "remote", "add", "origin", remote)
    return path


@needs_git
def test_a_fresh_checkout_from_a_subfolder(tmp_path: Path, real_git) -> None:
    repo = make_repo(tmp_path / "api", "git@github.com:acme/api.git")
    (repo / "src" / "deep").mkdir(parents=True)
    found = read_checkout(repo / "src" / "deep")
    assert found == GitCheckout("git@github.com:acme/api.git", "feature/login",
                                RemoteRepo("github.com", "acme", "api"))


@needs_git
def test_detached_head_has_no_branch(tmp_path: Path, real_git) -> None:
    repo = make_repo(tmp_path / "api", "https://github.com/acme/api.git", branch="main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "first")
    git(repo, "checkout", "-q", "--detach")
    found = read_checkout(repo)
    assert found is not None and found.branch is None
    assert found.repo is not None and found.repo.slug == "gh/acme/api"


@needs_git
def test_a_worktree_reads_its_own_branch_and_the_shared_remote(tmp_path: Path, real_git) -> None:
    repo = make_repo(tmp_path / "api", "git@bitbucket.org:acme-labs/infra.git", branch="main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "first")
    git(repo, "worktree", "add", "-q", "-b", "fix/plan", str(tmp_path / "wt"))
    found = read_checkout(tmp_path / "wt")
    assert found is not None
    assert (found.branch, found.repo and found.repo.slug) == ("fix/plan", "bb/acme-labs/infra")


@needs_git
def test_no_origin_and_no_checkout(tmp_path: Path, real_git) -> None:
    repo = make_repo(tmp_path / "local", None)
    assert read_checkout(repo) == GitCheckout(None, "feature/login", None)
    (tmp_path / "plain").mkdir()
    assert read_checkout(tmp_path / "plain") is None


def test_no_git_installed(tmp_path: Path) -> None:
    def missing(*args, **kwargs):
        raise FileNotFoundError("git")

    assert read_checkout(tmp_path, run=missing) is None


def test_a_hanging_git_is_given_up_on(tmp_path: Path) -> None:
    def hangs(cmd, **kwargs):
        raise subprocess.TimeoutExpired(cmd, kwargs.get("timeout"))

    assert read_checkout(tmp_path, run=hangs) is None
