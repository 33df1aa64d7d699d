"""The `circletui` command line: flags, the simulator subcommand, exit codes and messages."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from circletui import __version__
from circletui.cli import main
from circletui.config import Secret, Settings
from tests.config_helpers import checkout_here

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"circletui {__version__}"


def test_help_mentions_every_flag_and_the_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for flag in (
        "--host",
        "--org",
        "--project",
        "--branch",
        "--mine",
        "--interval",
        "--read-only",
        "--demo",
        "--version",
        "--all",
        "simulator",
        "watch",
    ):
        assert flag in out, flag
    assert "--token" not in out  # the token never goes on the command line


def test_no_token_exits_2_with_help(capsys: pytest.CaptureFixture[str], fake_app) -> None:
    assert main([]) == 2
    captured = capsys.readouterr()
    assert "CIRCLECI_TOKEN" in captured.err
    assert "--demo" in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""
    assert fake_app == []


def test_no_token_as_a_real_process(tmp_path: Path) -> None:
    # The real entry point, in a clean environment: no token anywhere, and no UI started.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / ".config"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "circletui", "--org", "gh/acme"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "CIRCLECI_TOKEN" in result.stderr
    assert "circletui --demo" in result.stderr
    assert "Traceback" not in result.stderr


def test_fast_paths_do_not_import_textual(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from circletui.cli import main\n"
        "codes = [main(['--version']), main(['--help']), main([])]\n"
        "print(codes, 'textual' in sys.modules, file=sys.stderr)\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stderr.strip().splitlines()[-1] == "[0, 0, 2] False"


@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf"])
def test_interval_must_be_positive(
    value: str, capsys: pytest.CaptureFixture[str], fake_app, monkeypatch
) -> None:
    monkeypatch.setenv("CIRCLECI_TOKEN", "tok")
    assert main(["--interval", value]) == 2
    err = capsys.readouterr().err
    assert "--interval" in err
    assert "Traceback" not in err
    assert fake_app == []


def test_config_error_exits_2_without_traceback(
    capsys: pytest.CaptureFixture[str], fake_app, monkeypatch, isolated_env
) -> None:
    monkeypatch.setenv("CIRCLECI_TOKEN", "tok")
    isolated_env.config_file.parent.mkdir(parents=True)
    isolated_env.config_file.write_text("org = \n")
    assert main([]) == 2
    err = capsys.readouterr().err
    assert str(isolated_env.config_file) in err
    assert "line 1" in err
    assert "Traceback" not in err
    assert fake_app == []


def test_simulator_subcommand_delegates(monkeypatch: pytest.MonkeyPatch, fake_app) -> None:
    received: list[list[str]] = []

    def simulator_main(argv: list[str] | None = None) -> int:
        received.append(argv)
        return 3

    module = types.ModuleType("circletui.simulator.cli")
    module.main = simulator_main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "circletui.simulator.cli", module)

    # Options the main parser does not know (and --help) must reach the simulator untouched.
    assert main(["simulator", "--help"]) == 3
    assert main(["simulator", "--port", "9000", "--demo", "--speed=10"]) == 3
    assert received == [["--help"], ["--port", "9000", "--demo", "--speed=10"]]
    assert fake_app == []


def test_with_token_runs_app_with_settings(
    monkeypatch: pytest.MonkeyPatch, fake_app: list[Settings]
) -> None:
    monkeypatch.setenv("CIRCLE_TOKEN", "tok-123")
    monkeypatch.setenv("CIRCLECI_HOST", "https://env.example.com")
    code = main(
        [
            "--host",
            "https://ci.example.com/",
            "--org",
            "gh/acme",
            "--project",
            "gh/acme/api",
            "--project",
            "bb/acme/web",
            "--branch",
            "main",
            "--mine",
            "--interval",
            "2.5",
            "--read-only",
        ]
    )
    assert code == 7
    [settings] = fake_app
    assert settings.token == Secret("tok-123")
    assert settings.token_source == "CIRCLE_TOKEN"
    assert settings.host == "https://ci.example.com"
    assert settings.org == "gh/acme"
    assert settings.projects == ("gh/acme/api", "bb/acme/web")
    assert settings.branch == "main"
    assert settings.mine is True
    assert settings.interval == 2.5
    assert settings.read_only is True
    assert settings.demo is False


def test_defaults_passed_to_app(monkeypatch: pytest.MonkeyPatch, fake_app) -> None:
    monkeypatch.setenv("CIRCLECI_TOKEN", "tok")
    assert main([]) == 7
    [settings] = fake_app
    assert (settings.mine, settings.read_only, settings.interval) == (False, False, 5.0)
    assert settings.host == "https://circleci.com"


def test_demo_runs_app_without_a_token(fake_app: list[Settings]) -> None:
    assert main(["--demo"]) == 7
    [settings] = fake_app
    assert settings.demo is True
    assert settings.token is None


def test_inside_a_checkout_the_app_opens_its_project_and_branch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_app
) -> None:
    checkout_here(monkeypatch, tmp_path, "git@github.com:acme/api.git", "fix/flaky")
    monkeypatch.setenv("CIRCLECI_TOKEN", "tok")

    assert main([]) == 7
    assert (fake_app[-1].projects, fake_app[-1].branch) == (("gh/acme/api",), "fix/flaky")
    assert main(["--all"]) == 7
    assert (fake_app[-1].projects, fake_app[-1].branch) == ((), None)
    assert main(["--org", "gh/acme"]) == 7
    assert (fake_app[-1].org, fake_app[-1].projects) == ("gh/acme", ())


def test_watch_subcommand_delegates_without_the_ui(capsys: pytest.CaptureFixture[str],
                                                   fake_app) -> None:
    assert main(["watch", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--through-approvals" in out and "exit status" in out
    assert main(["watch", "not-a-url"]) == 4  # no token: a usage error, said on stderr
    assert fake_app == []
