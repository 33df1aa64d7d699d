"""Shared fixtures. The autouse one keeps the developer's real token, host and config out of
every test, so a test never reads ~/.circleci/cli.yml or talks to a real CircleCI by accident.

Options: ``--soak-hours=N`` runs the soak test (``test_soak.py``) for N simulated hours instead
of its short CI version, ``--soak-seed`` picks its fault schedule.
"""

from __future__ import annotations

import os
import sys
import time
import types
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import pytest
from hypothesis import HealthCheck, settings

from circletui.config import Settings

# The status line shows the local time of the last update: pin the zone so that snapshots
# read the same on every machine.
os.environ["TZ"] = "UTC"
time.tzset()

# Property tests (tests/properties): few examples by default so the suite stays fast, no
# per-example deadline (a loaded CI machine is not a bug); HYPOTHESIS_PROFILE=thorough for more.
_SLOW_DATA = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", max_examples=10, deadline=None,
                          suppress_health_check=_SLOW_DATA)
settings.register_profile("thorough", max_examples=500, deadline=None,
                          suppress_health_check=_SLOW_DATA)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("circletui")
    group.addoption("--soak-hours", type=float, default=None, metavar="HOURS",
                    help="run the soak test for this many simulated hours (default: a short run)")
    group.addoption("--soak-seed", type=int, default=1, metavar="N",
                    help="the soak test's random fault schedule")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--soak-hours"):
        for item in items:  # a long soak is long on purpose: no hang timeout
            if "test_soak" in item.nodeid:
                item.add_marker(pytest.mark.timeout(0))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    from test_soak import SOAK_REPORT

    for line in config.stash.get(SOAK_REPORT, []):
        terminalreporter.write_line(line)

# Every environment variable circletui (or a CircleCI convention it follows) reads.
_CIRCLECI_ENV_VARS = (
    "CIRCLECI_TOKEN",
    "CIRCLE_TOKEN",
    "CIRCLECI_CLI_TOKEN",
    "CIRCLECI_HOST",
    "CIRCLECI_CLI_HOST",
    "CIRCLECI_BASE_URL",
    "CIRCLETUI_CONFIG",
    "CIRCLETUI_STATE",
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
    # The tests run inside circletui's own checkout: git must not find it (the CLI would open
    # its origin's project). tests/test_gitremote.py makes its own repositories.
    monkeypatch.setenv("GIT_DIR", str(tmp_path_factory.getbasetemp() / "no-git-here"))
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path_factory.getbasetemp()))
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
    # The remembered state (and crash reports) go to the isolated home too, never the user's.
    state_home = home / ".local" / "state"
    monkeypatch.setattr(platformdirs, "user_state_path",
                        lambda appname=None, *a, **k: state_home / appname if appname
                        else state_home)
    monkeypatch.setattr(platformdirs, "user_state_dir",
                        lambda appname=None, *a, **k: str(state_home / appname) if appname
                        else str(state_home))
    return IsolatedEnv(home=home, config_home=config_home)


@pytest.fixture
def fake_app(monkeypatch: pytest.MonkeyPatch) -> list[Settings]:
    """Stand in for circletui.ui.app: records the Settings run_app is called with."""
    calls: list[Settings] = []

    def run_app(settings: Settings, state=None) -> int:
        calls.append(settings)
        return 7  # distinctive, to prove main returns run_app's result

    module = types.ModuleType("circletui.ui.app")
    module.run_app = run_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "circletui.ui.app", module)
    return calls
