"""Helpers for the configuration tests: command-line arguments and config files as the user
would have them."""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import pytest

TOKEN_ENV = {"CIRCLECI_TOKEN": "tok-env"}


def args(**values: object) -> argparse.Namespace:
    """A Namespace shaped like the CLI's, with everything "not given" unless set."""
    base = dict.fromkeys(
        ("host", "org", "project", "branch", "mine", "interval", "read_only"), None
    )
    base["demo"] = False
    base.update(values)
    return argparse.Namespace(**base)


def write_config(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_cli_yml(home: Path, text: str) -> Path:
    return write_config(home / ".circleci" / "cli.yml", text)


def checkout_here(monkeypatch: pytest.MonkeyPatch, path: Path, remote: str, branch: str) -> Path:
    """A git checkout at ``path`` on ``branch`` with ``remote`` as origin, made the current
    directory (skips the test where git is not installed)."""
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    monkeypatch.delenv("GIT_DIR", raising=False)  # conftest hides circletui's own checkout
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", branch, str(path)], check=True)
    subprocess.run(["git", "-C", str(path), "remote", "add", "origin", remote], check=True)
    monkeypatch.chdir(path)
    return path
