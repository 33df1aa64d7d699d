"""Shared fixtures. The autouse one keeps the developer's real token, host and config out of
every test, so a test never reads ~/.circleci/cli.yml or talks to a real CircleCI by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs
import pytest

# Every environment variable circletui (or a CircleCI convention it follows) reads.
_CIRCLECI_ENV_VARS = (
    "CIRCLECI_TOKEN",
    "CIRCLE_TOKEN",
    "CIRCLECI_CLI_TOKEN",
    "CIRCLECI_HOST",
    "CIRCLECI_CLI_HOST",
    "CIRCLECI_BASE_URL",
    "CIRCLETUI_CONFIG",
)


@dataclass(frozen=True)
class IsolatedEnv:
    """Where the isolated environment points: request ``isolated_env`` to write files there."""

    home: Path
    config_home: Path

    @property
    def config_file(self) -> Path:
        """The default config.toml location while isolated (the folder may not exist yet)."""
        return self.config_home / "circletui" / "config.toml"


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory):
    for name in _CIRCLECI_ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    config_home = home / ".config"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))  # Path.home() on Windows
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))

    # XDG_CONFIG_HOME is ignored on macOS and Windows; patch platformdirs itself as well.
    def user_config_dir(appname: str | None = None, *args: object, **kwargs: object) -> str:
        return str(config_home / appname) if appname else str(config_home)

    monkeypatch.setattr(platformdirs, "user_config_dir", user_config_dir)
    monkeypatch.setattr(
        platformdirs, "user_config_path", lambda *a, **k: Path(user_config_dir(*a, **k))
    )
    return IsolatedEnv(home=home, config_home=config_home)
