"""Settings resolution (token, host, config file, cli.yml, command line) and web app URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from circletui.config import (
    DEFAULT_HOST,
    ConfigError,
    NoTokenError,
    Secret,
    Settings,
    resolve_settings,
    token_help_text,
)
from circletui.gitremote import GitCheckout, parse_remote
from circletui.notify import Channels
from circletui.weburls import (
    job_web_url,
    pipeline_web_url,
    project_web_url,
    web_app_url,
    workflow_web_url,
)
from tests.config_helpers import TOKEN_ENV, args, write_cli_yml, write_config

# -- token ---------------------------------------------------------------------------------


TOKEN_SOURCES = ["CIRCLECI_TOKEN", "CIRCLE_TOKEN", "CIRCLECI_CLI_TOKEN", "config", "cli.yml"]


@pytest.mark.parametrize("winner", range(len(TOKEN_SOURCES)))
def test_token_precedence(winner: int, isolated_env) -> None:
    # Every source from `winner` down is set; the highest one present must win.
    present = TOKEN_SOURCES[winner:]
    env = {name: f"tok-{name}" for name in present if name.startswith("CIRCLE")}
    if "config" in present:
        write_config(isolated_env.config_file, 'token = "tok-config"\n')
    if "cli.yml" in present:
        write_cli_yml(isolated_env.home, "host: https://circleci.com\ntoken: tok-cli.yml\n")

    settings = resolve_settings(args(), env, home=isolated_env.home)

    assert settings.token is not None
    assert settings.token.reveal() == f"tok-{TOKEN_SOURCES[winner]}"
    expected_source = {
        "config": "~/.config/circletui/config.toml",
        "cli.yml": "~/.circleci/cli.yml",
    }.get(TOKEN_SOURCES[winner], TOKEN_SOURCES[winner])
    assert settings.token_source == expected_source


def test_empty_token_values_count_as_unset(isolated_env) -> None:
    write_config(isolated_env.config_file, 'token = ""\n')
    write_cli_yml(isolated_env.home, "token: tok-yml\n")
    env = {"CIRCLECI_TOKEN": "", "CIRCLE_TOKEN": "   ", "CIRCLECI_CLI_TOKEN": ""}
    settings = resolve_settings(args(), env, home=isolated_env.home)
    assert settings.token == Secret("tok-yml")


def test_token_is_stripped(isolated_env) -> None:
    # `export CIRCLECI_TOKEN=$(cat file)` keeps no newline, but pasted values often have one.
    settings = resolve_settings(args(), {"CIRCLE_TOKEN": " abc\n"}, home=isolated_env.home)
    assert settings.token.reveal() == "abc"


def test_no_token_anywhere_raises_with_help(isolated_env) -> None:
    with pytest.raises(NoTokenError) as info:
        resolve_settings(args(), {}, home=isolated_env.home)
    assert isinstance(info.value, ConfigError)
    assert "CIRCLECI_TOKEN" in str(info.value)
    assert "--demo" in str(info.value)


def test_demo_needs_no_token_and_drops_a_real_one(isolated_env) -> None:
    settings = resolve_settings(args(demo=True), {}, home=isolated_env.home)
    assert settings.demo is True
    assert settings.token is None

    with_real = resolve_settings(args(demo=True), TOKEN_ENV, home=isolated_env.home)
    assert with_real.token is None
    assert with_real.host == DEFAULT_HOST


@pytest.mark.parametrize(
    "content",
    [
        "token: [unclosed\n",  # YAML syntax error
        "- just\n- a list\n",  # valid YAML, wrong shape
        "token: 12345\n",  # wrong type
        "\x00\xff binary",
    ],
)
def test_malformed_cli_yml_is_ignored(content: str, isolated_env) -> None:
    path = isolated_env.home / ".circleci" / "cli.yml"
    path.parent.mkdir(parents=True)
    path.write_bytes(content.encode("latin-1"))
    settings = resolve_settings(args(), TOKEN_ENV, home=isolated_env.home)
    assert settings.token.reveal() == "tok-env"
    with pytest.raises(NoTokenError):
        resolve_settings(args(), {}, home=isolated_env.home)


def test_unreadable_cli_yml_is_ignored(isolated_env) -> None:
    # A directory where the file should be: open() fails, which must not matter.
    (isolated_env.home / ".circleci" / "cli.yml").mkdir(parents=True)
    settings = resolve_settings(args(), TOKEN_ENV, home=isolated_env.home)
    assert settings.token.reveal() == "tok-env"


def test_token_never_in_repr_or_str(isolated_env) -> None:
    secret = "CCIPAT_supersecret_0123456789abcdef"
    settings = resolve_settings(args(), {"CIRCLECI_TOKEN": secret}, home=isolated_env.home)
    assert settings.token.reveal() == secret
    for text in (repr(settings), str(settings), repr(settings.token), f"{settings.token}"):
        assert secret not in text
    assert "supersecret" not in repr(Settings(token=Secret(secret)))


def test_secret_equality() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")


# -- host ----------------------------------------------------------------------------------


HOST_SOURCES = ["--host", "CIRCLECI_HOST", "CIRCLECI_CLI_HOST", "config", "cli.yml", "default"]


@pytest.mark.parametrize("winner", range(len(HOST_SOURCES)))
def test_host_precedence(winner: int, isolated_env) -> None:
    present = HOST_SOURCES[winner:]
    host_of = {name: f"https://{i}.example.com" for i, name in enumerate(HOST_SOURCES)}
    env = dict(TOKEN_ENV)
    env.update({n: host_of[n] for n in ("CIRCLECI_HOST", "CIRCLECI_CLI_HOST") if n in present})
    if "config" in present:
        write_config(isolated_env.config_file, f'host = "{host_of["config"]}"\n')
    if "cli.yml" in present:
        write_cli_yml(isolated_env.home, f"host: {host_of['cli.yml']}\n")
    cli_host = host_of["--host"] if "--host" in present else None

    settings = resolve_settings(args(host=cli_host), env, home=isolated_env.home)

    expected = DEFAULT_HOST if HOST_SOURCES[winner] == "default" else host_of[HOST_SOURCES[winner]]
    assert settings.host == expected


def test_empty_host_values_count_as_unset(isolated_env) -> None:
    env = {**TOKEN_ENV, "CIRCLECI_HOST": "", "CIRCLECI_CLI_HOST": " "}
    write_config(isolated_env.config_file, 'host = ""\n')
    write_cli_yml(isolated_env.home, "host: https://yml.example.com\n")
    settings = resolve_settings(args(host=""), env, home=isolated_env.home)
    assert settings.host == "https://yml.example.com"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://ci.example.com/", "https://ci.example.com"),
        ("ci.example.com", "https://ci.example.com"),
        ("HTTPS://CI.Example.com", "https://ci.example.com"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://circleci.com/api/v2/", "https://circleci.com"),
        ("https://ci.example.com/api/v1.1", "https://ci.example.com"),
    ],
)
def test_host_is_normalised(given: str, expected: str, isolated_env) -> None:
    settings = resolve_settings(args(host=given), TOKEN_ENV, home=isolated_env.home)
    assert settings.host == expected


@pytest.mark.parametrize("bad", ["ftp://ci.example.com", "https://", "http://host:notaport"])
def test_bad_host_is_a_config_error(bad: str, isolated_env) -> None:
    with pytest.raises(ConfigError, match="--host"):
        resolve_settings(args(host=bad), TOKEN_ENV, home=isolated_env.home)


# -- config file and command line ----------------------------------------------------------


FULL_CONFIG = """\
org = "gh/acme"
projects = ["gh/acme/api", "bb/acme/web"]
branch = "main"
mine = true
interval = 2
slow_interval = 30.5
read_only = true
theme = "nord"
"""


def test_defaults_without_config(isolated_env) -> None:
    settings = resolve_settings(None, TOKEN_ENV, home=isolated_env.home)
    assert settings.host == DEFAULT_HOST
    assert (settings.org, settings.projects, settings.branch) == (None, (), None)
    assert (settings.mine, settings.read_only, settings.demo) == (False, False, False)
    assert (settings.interval, settings.slow_interval) == (5.0, 60.0)
    assert settings.theme is None
    assert settings.keymap == {}
    assert settings.config_path is None


def test_config_file_defaults(isolated_env) -> None:
    path = write_config(isolated_env.config_file, FULL_CONFIG)
    settings = resolve_settings(args(), TOKEN_ENV, home=isolated_env.home)
    assert settings.org == "gh/acme"
    assert settings.projects == ("gh/acme/api", "bb/acme/web")
    assert settings.branch == "main"
    assert settings.mine is True
    assert settings.interval == 2.0
    assert isinstance(settings.interval, float)
    assert settings.slow_interval == 30.5
    assert settings.read_only is True
    assert settings.theme == "nord"
    assert settings.config_path == path


def test_command_line_overrides_config(isolated_env) -> None:
    write_config(isolated_env.config_file, FULL_CONFIG.replace("true", "false"))
    cli = args(
        org="circleci/OrgId",
        project=["gh/other/one", "gh/other/two", "gh/other/one"],
        branch="release/1.x",
        mine=True,
        interval=0.5,
        read_only=True,
    )
    settings = resolve_settings(cli, TOKEN_ENV, home=isolated_env.home)
    assert settings.org == "circleci/OrgId"
    assert settings.projects == ("gh/other/one", "gh/other/two")  # replaced, de-duplicated
    assert settings.branch == "release/1.x"
    assert settings.mine is True
    assert settings.read_only is True
    assert settings.interval == 0.5
    assert settings.theme == "nord"  # config-only keys still apply


def test_config_env_override(isolated_env, tmp_path: Path) -> None:
    write_config(isolated_env.config_file, 'org = "gh/default"\n')
    other = write_config(tmp_path / "elsewhere.toml", 'org = "gh/override"\n')
    settings = resolve_settings(
        args(), {**TOKEN_ENV, "CIRCLETUI_CONFIG": str(other)}, home=isolated_env.home
    )
    assert settings.org == "gh/override"
    assert settings.config_path == other


def test_explicit_missing_config_is_an_error(isolated_env, tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml"):
        resolve_settings(
            args(), {**TOKEN_ENV, "CIRCLETUI_CONFIG": str(missing)}, home=isolated_env.home
        )


def test_keymap_table(isolated_env) -> None:
    write_config(
        isolated_env.config_file,
        'theme = "x"\n[keymap]\nquit = "q,ctrl+c"\nrefresh = ["r", "f5"]\n',
    )
    settings = resolve_settings(args(), TOKEN_ENV, home=isolated_env.home)
    assert settings.keymap == {"quit": "q,ctrl+c", "refresh": "r,f5"}


def test_malformed_toml_names_file_and_line(isolated_env) -> None:
    path = write_config(isolated_env.config_file, 'org = "gh/acme"\ninterval = \n')
    with pytest.raises(ConfigError) as info:
        resolve_settings(args(), TOKEN_ENV, home=isolated_env.home)
    message = str(info.value)
    assert str(path) in message
    assert "line 2" in message


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('interval = "fast"\n', "'interval'"),
        ("interval = 0\n", "interval"),
        ("interval = true\n", "'interval'"),
        ("slow_interval = -1\n", "slow_interval"),
        ('mine = "yes"\n', "'mine'"),
        ('projects = "gh/a/b"\n', "'projects'"),
        ("projects = [1, 2]\n", "'projects'"),
        ("intervall = 3\n", "'intervall'"),
        ("[keymap]\nquit = 1\n", "keymap"),
        ('projects = ["acme/api"]\n', "gh/acme/api"),
        ('org = "acme"\n', "org"),
    ],
)
def test_bad_config_values(toml: str, needle: str, isolated_env) -> None:
    path = write_config(isolated_env.config_file, toml)
    with pytest.raises(ConfigError) as info:
        resolve_settings(args(), TOKEN_ENV, home=isolated_env.home)
    assert needle in str(info.value)
    assert str(path.name) in str(info.value)


def test_bad_project_slug_on_command_line(isolated_env) -> None:
    with pytest.raises(ConfigError, match="--project"):
        resolve_settings(args(project=["acme/api"]), TOKEN_ENV, home=isolated_env.home)


def test_settings_rejects_non_positive_interval() -> None:
    with pytest.raises(ValueError):
        Settings(interval=0)
    with pytest.raises(ValueError):
        Settings(slow_interval=float("nan"))


def test_token_help_text_lists_every_place_in_order(isolated_env) -> None:
    text = token_help_text()
    places = [
        "CIRCLECI_TOKEN",
        "CIRCLE_TOKEN",
        "CIRCLECI_CLI_TOKEN",
        str(isolated_env.config_file),
        "~/.circleci/cli.yml",
    ]
    positions = [text.index(place) for place in places]
    assert positions == sorted(positions)
    assert "circletui --demo" in text


# -- web app URLs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("https://circleci.com", "https://app.circleci.com"),
        ("https://api.circleci.com", "https://app.circleci.com"),
        ("https://ci.example.com", "https://app.ci.example.com"),
        ("https://ci.example.com:8443", "https://app.ci.example.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
    ],
)
def test_web_app_url(host: str, expected: str) -> None:
    assert web_app_url(host) == expected


def test_pipeline_workflow_job_urls_for_cloud_github() -> None:
    host, slug, wf = "https://circleci.com", "gh/acme/api", "fda08377-fe7e-46b1-8992-3a7aaecac9c3"
    base = "https://app.circleci.com/pipelines/github/acme/api"
    assert pipeline_web_url(host, slug, 130) == f"{base}/130"
    assert workflow_web_url(host, slug, 130, wf) == f"{base}/130/workflows/{wf}"
    assert job_web_url(host, slug, 130, wf, 4567) == f"{base}/130/workflows/{wf}/jobs/4567"


@pytest.mark.parametrize(
    ("slug", "path"),
    [
        ("gh/acme/api", "github/acme/api"),
        ("bb/acme/web", "bitbucket/acme/web"),
        ("github/acme/api", "github/acme/api"),
        (
            "circleci/DdaVtNusHqi24D4YT3X4eu/6EkDPZoN4ZdMKKZtBkRodt",
            "circleci/DdaVtNusHqi24D4YT3X4eu/6EkDPZoN4ZdMKKZtBkRodt",
        ),
    ],
)
def test_project_slug_to_web_path(slug: str, path: str) -> None:
    assert project_web_url("https://circleci.com", slug) == (
        f"https://app.circleci.com/pipelines/{path}"
    )


def test_server_host_urls() -> None:
    url = pipeline_web_url("https://ci.example.com", "gh/acme/api", 7)
    assert url == "https://app.ci.example.com/pipelines/github/acme/api/7"


def test_project_url_branch_is_escaped() -> None:
    url = project_web_url("https://circleci.com", "gh/acme/api", branch="feat/a b&c#1")
    assert url == "https://app.circleci.com/pipelines/github/acme/api?branch=feat%2Fa%20b%26c%231"
    assert project_web_url("https://circleci.com", "gh/acme/api", branch=None).endswith("/api")


# -- the git checkout: flags > config > git remote ----------------------------------------------


def _checkout(url: str = "git@github.com:acme/api.git", branch: str | None = "feature/login"):
    return lambda: GitCheckout(url, branch, parse_remote(url))


def test_inside_a_checkout_its_project_and_branch_are_watched(isolated_env) -> None:
    settings = resolve_settings(args(), TOKEN_ENV, home=isolated_env.home,
                                checkout=_checkout())
    assert (settings.org, settings.projects, settings.branch) == (None, ("gh/acme/api",),
                                                                   "feature/login")
    assert settings.checkout is not None


@pytest.mark.parametrize(
    ("given", "config", "expected"),
    [
        # flags first
        ({"org": "gh/other"}, "", ("gh/other", (), None)),
        ({"project": ["gh/acme/web"]}, "", (None, ("gh/acme/web",), None)),
        ({"branch": "main"}, "", (None, ("gh/acme/api",), "main")),
        ({"all": True}, "", (None, (), None)),
        # then the config file
        ({}, 'org = "gh/acme"\n', ("gh/acme", (), None)),
        ({}, 'projects = ["gh/acme/web"]\n', (None, ("gh/acme/web",), None)),
        ({}, 'branch = "main"\n', (None, ("gh/acme/api",), "main")),
        # then the checkout
        ({}, "", (None, ("gh/acme/api",), "feature/login")),
    ],
)
def test_flags_then_config_then_the_git_remote(given, config, expected, isolated_env) -> None:
    if config:
        write_config(isolated_env.config_file, config)
    settings = resolve_settings(args(**given), TOKEN_ENV, home=isolated_env.home,
                                checkout=_checkout())
    assert (settings.org, settings.projects, settings.branch) == expected
    assert (settings.checkout is not None) == (expected[1] == ("gh/acme/api",))


def test_detached_head_watches_the_whole_project(isolated_env) -> None:
    settings = resolve_settings(args(), TOKEN_ENV, home=isolated_env.home,
                                checkout=_checkout(branch=None))
    assert (settings.projects, settings.branch) == (("gh/acme/api",), None)


@pytest.mark.parametrize("checkout", [lambda: None, _checkout("git@gitlab.com:acme/api.git"),
                                      lambda: GitCheckout(None, "main", None)])
def test_outside_a_checkout_or_an_unknown_remote_nothing_changes(checkout, isolated_env) -> None:
    settings = resolve_settings(args(), TOKEN_ENV, home=isolated_env.home, checkout=checkout)
    assert (settings.org, settings.projects, settings.branch, settings.checkout) == (
        None, (), None, None)


def test_the_demo_ignores_the_checkout(isolated_env) -> None:
    settings = resolve_settings(args(demo=True), {}, home=isolated_env.home,
                                checkout=_checkout())
    assert settings.projects == ()


def test_remotes_table_maps_a_github_app_project(isolated_env) -> None:
    write_config(isolated_env.config_file,
                 '[remotes]\n"github.com/acme/platform" = "circleci/O-1/P-1"\n'
                 '"git@gitlab.com:acme/group/tool.git" = "circleci/O-1/P-2"\n')
    for url, slug in [("https://github.com/acme/platform.git", "circleci/O-1/P-1"),
                      ("git@gitlab.com:acme/group/tool.git", "circleci/O-1/P-2")]:
        settings = resolve_settings(args(), TOKEN_ENV, home=isolated_env.home,
                                    checkout=_checkout(url))
        assert settings.projects == (slug,)


@pytest.mark.parametrize("table", ['[remotes]\n"github.com/acme/x" = 3\n',
                                   '[remotes]\n"not a repo" = "circleci/a/b"\n'])
def test_bad_remotes_entries_are_config_errors(table: str, isolated_env) -> None:
    write_config(isolated_env.config_file, table)
    with pytest.raises(ConfigError, match=r"\[remotes\]"):
        resolve_settings(args(), TOKEN_ENV, home=isolated_env.home)


def test_notify_switches(isolated_env) -> None:
    assert resolve_settings(args(), TOKEN_ENV, home=isolated_env.home).notify == Channels()
    write_config(isolated_env.config_file,
                 '[notify]\ntoast = false\nbell = false\ndesktop_form = "osc777"\n')
    settings = resolve_settings(args(), TOKEN_ENV, home=isolated_env.home)
    assert settings.notify == Channels(toast=False, bell=False, desktop=True,
                                       desktop_form="osc777")


@pytest.mark.parametrize("table", ["[notify]\nbell = 1\n", "[notify]\nsound = true\n",
                                   '[notify]\ndesktop_form = "osc99"\n'])
def test_bad_notify_entries_are_config_errors(table: str, isolated_env) -> None:
    write_config(isolated_env.config_file, table)
    with pytest.raises(ConfigError, match=r"\[notify\]"):
        resolve_settings(args(), TOKEN_ENV, home=isolated_env.home)
