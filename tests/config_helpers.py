"""Helpers for the configuration tests: command-line arguments and config files as the user
would have them."""

from __future__ import annotations

import argparse
from pathlib import Path

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
