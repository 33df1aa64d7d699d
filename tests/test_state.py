"""What circletui remembers between runs: the file (per host, atomic, private, tolerant of a
bad file), the order against the command line, and the app restoring the scope, the theme
and the workflow view a user chose last time."""

from __future__ import annotations

import stat

import pytest

from circletui.cli import main
from circletui.config import Secret, Settings
from circletui.state import Remembered, StateFile, restore, state_file_path
from tests.config_helpers import TOKEN_ENV, checkout_here


def test_the_state_is_kept_per_host_and_privately(tmp_path):
    path = tmp_path / "state" / "state.json"
    ours = StateFile(path, "https://circleci.com")
    other = StateFile(path, "https://ci.example.com")
    ours.save(Remembered(org="gh/acme", branch="main", theme="nord", list_view=True))
    other.update(org="gh/other")
    assert ours.load() == Remembered(org="gh/acme", branch="main", theme="nord", list_view=True)
    assert other.load().org == "gh/other" and other.load().theme == "nord"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert [p.name for p in path.parent.iterdir()] == ["state.json"], "no temporary file left"


@pytest.mark.parametrize("content", ["", "{", "[]", '{"hosts": 3, "theme": 5}',
                                     '{"hosts": {"h": {"org": 1, "projects": "x"}}}'])
def test_a_bad_state_file_is_ignored(tmp_path, content):
    path = tmp_path / "state.json"
    path.write_text(content)
    assert StateFile(path, "h").load() == Remembered()
    StateFile(path, "h").update(org="gh/acme")  # and it is replaced, not a reason to fail
    assert StateFile(path, "h").load().org == "gh/acme"


def test_an_unwritable_folder_does_not_stop_the_app(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    state = StateFile(blocker / "state.json", "h")  # its folder is a file
    assert state.update(org="gh/acme").org == "gh/acme"


def test_flags_win_and_the_scope_comes_back_whole():
    remembered = Remembered(org="gh/acme", branch="main", mine=True, theme="nord")
    base = Settings(token=Secret("t"), org="gh/config")
    restored = restore(base, remembered, scope_given=False)
    assert (restored.org, restored.branch, restored.mine, restored.theme) == (
        "gh/acme", "main", True, "nord")
    given = restore(base, remembered, scope_given=True)
    assert (given.org, given.branch, given.mine, given.theme) == ("gh/config", None, False,
                                                                   "nord")


def test_the_command_restores_the_last_scope_unless_flags_say_otherwise(monkeypatch,
                                                                         fake_app):
    for name, value in TOKEN_ENV.items():
        monkeypatch.setenv(name, value)
    StateFile(state_file_path(), "https://circleci.com").save(
        Remembered(org="gh/acme", branch="release", theme="nord"))
    assert main([]) == 7
    assert (fake_app[-1].org, fake_app[-1].branch, fake_app[-1].theme) == (
        "gh/acme", "release", "nord")
    assert main(["--org", "gh/zeta"]) == 7
    assert (fake_app[-1].org, fake_app[-1].branch) == ("gh/zeta", None)


def test_inside_a_checkout_its_project_wins_and_all_brings_back_the_org(monkeypatch, fake_app,
                                                                        tmp_path):
    for name, value in TOKEN_ENV.items():
        monkeypatch.setenv(name, value)
    StateFile(state_file_path(), "https://circleci.com").save(
        Remembered(org="gh/acme", projects=("gh/acme/web",), branch="release"))
    checkout_here(monkeypatch, tmp_path / "api", "git@github.com:acme/api.git", "feature/x")
    assert main([]) == 7
    assert (fake_app[-1].projects, fake_app[-1].branch) == (("gh/acme/api",), "feature/x")
    assert main(["--all"]) == 7
    assert (fake_app[-1].org, fake_app[-1].projects, fake_app[-1].branch) == (
        "gh/acme", (), None)


def test_the_demo_keeps_its_scope_apart_from_the_real_hosts(monkeypatch, fake_app):
    import sys

    ui_app = sys.modules["circletui.ui.app"]  # fake_app's stand-in
    states: list[StateFile] = []
    monkeypatch.setattr(ui_app, "run_app", lambda settings, state=None: states.append(state) or 7)
    assert main(["--demo"]) == 7
    states[-1].update(org="gh/acme")  # what the demo's app remembers
    for name, value in TOKEN_ENV.items():
        monkeypatch.setenv(name, value)
    assert main([]) == 7
    assert states[-1].host == "https://circleci.com" and states[-1].load().org is None
