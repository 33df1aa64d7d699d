"""Settings: where the token, the host and the user's defaults come from, and in which order.

Everything the app needs to start is gathered into one immutable ``Settings`` by
``resolve_settings``. Sources, first found wins (empty strings count as unset):

* token: env ``CIRCLECI_TOKEN``, ``CIRCLE_TOKEN``, ``CIRCLECI_CLI_TOKEN``, ``token`` in our
  config file, ``token`` in the official CircleCI CLI's ``~/.circleci/cli.yml``. Never a
  command-line flag: flags end up in shell history and ``ps`` output.
* host: ``--host``, env ``CIRCLECI_HOST``, ``CIRCLECI_CLI_HOST``, ``host`` in our config file,
  ``host`` in ``cli.yml``, ``https://circleci.com``.
* org, projects, branch, mine, interval, read_only: command line, then config file, then default.
* the git checkout (when the caller passes ``checkout``, as the CLI does): with no org and no
  projects from the command line or the config file and no ``--all``, the project of the
  checkout's ``origin`` remote (``gh/org/repo``, ``bb/org/repo``, or what the config's
  ``[remotes]`` table maps it to) is watched, and its current branch is the branch filter
  unless ``--branch`` or the config's ``branch`` says otherwise.
* notifications: the config's ``[notify]`` table switches each channel (``toast``, ``bell``,
  ``desktop``) on or off; all on by default.
* ca_bundle (extra CAs for TLS, on top of the OS trust store): ``ca_bundle`` in our config
  file, then env ``SSL_CERT_FILE``.

A plain ``http://`` host is refused unless it is loopback or ``--insecure-http-send-token-in-
clear`` is given: the token travels in a header. A file holding the token that other users can
read is reported in ``Settings.warnings`` (the fix is ``chmod 600``).

The config file is TOML at ``platformdirs.user_config_dir("circletui")/config.toml``, or the
path in env ``CIRCLETUI_CONFIG``. This module must not import Textual: the CLI's fast paths
(``--version``, ``--help``, the missing-token message) go through it.
"""

from __future__ import annotations

import argparse
import math
import os
import stat
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

# The URL helpers live in weburls; re-exported so callers holding Settings need one import.
from circletui.api.client import DEFAULT_HOST
from circletui.gitremote import GitCheckout, normalise_remote_key, project_slug
from circletui.hostsafety import INSECURE_HTTP_FLAG, is_loopback
from circletui.notify import DESKTOP_FORMS, NOTIFY_CHANNELS, Channels
from circletui.secret import Secret
from circletui.weburls import (
    job_web_url,
    pipeline_web_url,
    project_web_url,
    web_app_url,
    workflow_web_url,
)

__all__ = [
    "DEFAULT_HOST",
    "ConfigError",
    "NoTokenError",
    "Secret",
    "Settings",
    "cli_yml_path",
    "config_file_path",
    "job_web_url",
    "normalise_host",
    "pipeline_web_url",
    "project_web_url",
    "resolve_settings",
    "token_help_text",
    "web_app_url",
    "workflow_web_url",
]

DEFAULT_INTERVAL = 5.0
DEFAULT_SLOW_INTERVAL = 60.0

TOKEN_ENV_VARS = ("CIRCLECI_TOKEN", "CIRCLE_TOKEN", "CIRCLECI_CLI_TOKEN")
HOST_ENV_VARS = ("CIRCLECI_HOST", "CIRCLECI_CLI_HOST")
CONFIG_ENV_VAR = "CIRCLETUI_CONFIG"
CA_BUNDLE_ENV_VAR = "SSL_CERT_FILE"
DEMO_TOKEN_SOURCE = "demo (the built-in simulator)"

TOKEN_SETTINGS_URL = "https://app.circleci.com/settings/user/tokens"

# The config file's keys and the TOML types each accepts (checked before use, so a typo or a
# wrong type is an error naming the key, not a crash later).
_CONFIG_KEYS: dict[str, tuple[type, ...]] = {
    "token": (str,),
    "host": (str,),
    "org": (str,),
    "projects": (list,),
    "branch": (str,),
    "mine": (bool,),
    "interval": (int, float),
    "slow_interval": (int, float),
    "read_only": (bool,),
    "theme": (str,),
    "keymap": (dict,),
    "ca_bundle": (str,),
    "remotes": (dict,),
    "notify": (dict,),
}


class ConfigError(Exception):
    """A setting is unusable; the message is meant for the user as-is (no traceback)."""


class NoTokenError(ConfigError):
    """No API token anywhere; the message says where one is looked for."""


@dataclass(frozen=True)
class Settings:
    """Everything resolved at start-up. ``token`` is None only in demo mode."""

    token: Secret | None = None
    # Where the token came from, for the user: "CIRCLECI_TOKEN", "~/.circleci/cli.yml"...
    token_source: str = ""
    host: str = DEFAULT_HOST
    org: str | None = None
    projects: tuple[str, ...] = ()
    branch: str | None = None
    mine: bool = False
    # Seconds between refreshes while something shown is still active.
    interval: float = DEFAULT_INTERVAL
    # The back-off cadence once everything shown has finished.
    slow_interval: float = DEFAULT_SLOW_INTERVAL
    read_only: bool = False
    theme: str | None = None
    demo: bool = False
    # Binding id → keys (Textual syntax, comma-separated), from the config's [keymap] table.
    keymap: dict[str, str] = field(default_factory=dict)
    # The config file that was read, or None when there was none.
    config_path: Path | None = None
    # A PEM file of extra CAs to trust (CircleCI Server behind a company CA).
    ca_bundle: str | None = None
    # --insecure-http-send-token-in-clear: a non-loopback http:// host was explicitly allowed.
    insecure_http: bool = False
    # What the user should fix but need not stop for (a token file others can read).
    warnings: tuple[str, ...] = ()
    # The git checkout the project and branch came from (None: they did not come from git).
    checkout: GitCheckout | None = None
    # Which notification channels are on ([notify] in the config file).
    notify: Channels = field(default_factory=Channels)

    def __post_init__(self) -> None:
        for name in ("interval", "slow_interval"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")


# -- file locations ----------------------------------------------------------------------------


def config_file_path(env: Mapping[str, str] = os.environ) -> Path:
    """Our config file: ``$CIRCLETUI_CONFIG`` if set, else the platform's user config folder."""
    override = _clean(env.get(CONFIG_ENV_VAR))
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir("circletui")) / "config.toml"


def cli_yml_path(home: Path | None = None) -> Path:
    """The official CircleCI CLI's config (written by ``circleci setup``)."""
    return (home if home is not None else Path.home()) / ".circleci" / "cli.yml"


def _display_path(path: Path, home: Path | None = None) -> str:
    """``/home/me/.circleci/cli.yml`` → ``~/.circleci/cli.yml``; other paths unchanged."""
    try:
        rel = path.relative_to(home if home is not None else Path.home())
    except ValueError:
        return str(path)
    return f"~/{rel.as_posix()}"


# -- reading the two files ---------------------------------------------------------------------


def _load_config_file(path: Path, *, explicit: bool) -> dict[str, Any] | None:
    """The parsed, type-checked config file; None when absent and not explicitly asked for."""
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        if explicit:
            raise ConfigError(
                f"{path}: config file not found (named by ${CONFIG_ENV_VAR})"
            ) from None
        return None
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends with "(at line N, column M)".
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: the file is not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc.strerror or exc}") from None
    _check_config_types(path, data)
    return data


def _check_config_types(path: Path, data: dict[str, Any]) -> None:
    for key, value in data.items():
        expected = _CONFIG_KEYS.get(key)
        if expected is None:
            known = ", ".join(sorted(_CONFIG_KEYS))
            raise ConfigError(f"{path}: unknown key {key!r} (known keys: {known})")
        # bool is an int subclass; `interval = true` is a mistake, not 1 second.
        if not isinstance(value, expected) or (bool not in expected and isinstance(value, bool)):
            want = " or ".join(_TOML_TYPE_NAMES[t] for t in expected)
            raise ConfigError(f"{path}: {key!r} must be {want}, got {value!r}")
    projects = data.get("projects", [])
    if not all(isinstance(p, str) for p in projects):
        raise ConfigError(f"{path}: 'projects' must be a list of strings, got {projects!r}")
    for key, slug in data.get("remotes", {}).items():
        if not isinstance(slug, str) or normalise_remote_key(key) is None:
            raise ConfigError(
                f'{path}: [remotes] maps a repository such as "github.com/org/repo" to a '
                f'project slug such as "circleci/<org-id>/<project-id>", got {key!r} = {slug!r}'
            )
    for key, value in data.get("notify", {}).items():
        if key == "desktop_form":
            if value not in DESKTOP_FORMS:
                raise ConfigError(f"{path}: [notify] desktop_form must be one of "
                                  f"{', '.join(repr(f) for f in DESKTOP_FORMS)}, got {value!r}")
        elif key not in NOTIFY_CHANNELS or not isinstance(value, bool):
            raise ConfigError(
                f"{path}: [notify] takes {', '.join(NOTIFY_CHANNELS)} = true or false "
                f"and desktop_form, got {key!r} = {value!r}"
            )
    for binding, keys in data.get("keymap", {}).items():
        ok = isinstance(keys, str) or (
            isinstance(keys, list) and all(isinstance(k, str) for k in keys)
        )
        if not ok:
            raise ConfigError(
                f'{path}: [keymap] {binding!r} must be a string such as "q,ctrl+c" '
                f"or a list of strings, got {keys!r}"
            )


_TOML_TYPE_NAMES = {
    str: "a string",
    list: "a list",
    bool: "true or false",
    int: "a number",
    float: "a number",
    dict: "a table",
}


def _load_cli_yml(path: Path) -> dict[str, str]:
    """``token`` and ``host`` from the official CLI's config; {} if missing or unusable.

    Not our file: a broken one must not stop circletui, so every failure is ignored.
    """
    if not path.is_file():
        return {}
    import yaml  # only when the file is there: most users never pay for it at start-up

    try:
        with path.open("rb") as fh:
            data = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k in ("token", "host") if isinstance(v := data.get(k), str)}


def _exposed_token_warning(path: Path, label: str, holds_token: bool) -> str | None:
    """A warning when ``path`` holds a token and users other than its owner can read it."""
    if not holds_token or os.name == "nt":  # Windows has ACLs, not mode bits
        return None
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return None
    return (
        f"{label} holds your CircleCI token and other users on this machine can read it "
        f"(mode {stat.filemode(mode)}); fix it with: chmod 600 {path}"
    )


# -- normalising values ------------------------------------------------------------------------


def _clean(value: object) -> str | None:
    """Strip a string; empty (or not a string) means unset."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


_API_SUFFIXES = ("/api/v2", "/api/v1.1", "/api")


def normalise_host(host: str, source: str) -> str:
    """``ci.example.com/`` → ``https://ci.example.com``; a clear error for anything unusable."""
    raw = host.strip()
    candidate = raw if "://" in raw else f"https://{raw}"
    try:
        parts = urlsplit(candidate)
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        valid = False
    if not valid or parts.query or parts.fragment:
        raise ConfigError(
            f"invalid host {raw!r} from {source}: expected a URL such as https://circleci.com"
        )
    path = parts.path.rstrip("/")
    # The client appends /api/v2 itself; a pasted API base URL would otherwise double it.
    for suffix in _API_SUFFIXES:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


def _check_slug(slug: str, parts: int, kind: str, example: str, source: str) -> str:
    """A light shape check to catch ``acme/api``; otherwise slugs are opaque ("The project slugs
    must be treated as opaque strings", CircleCI API developer's guide)."""
    slug = slug.strip().strip("/")
    segments = slug.split("/")
    if len(segments) != parts or not all(s.strip() for s in segments):
        raise ConfigError(f"invalid {kind} slug {slug!r} from {source}: expected e.g. {example}")
    return slug


def _keymap(raw: Mapping[str, str | list[str]]) -> dict[str, str]:
    # Textual binding keys are one comma-separated string; accept a TOML list too.
    return {k: v if isinstance(v, str) else ",".join(v) for k, v in raw.items()}


# -- resolution --------------------------------------------------------------------------------


def _first(*candidates: tuple[object, str]) -> tuple[str, str] | None:
    """The first (value, source) whose value is a non-empty string."""
    for value, source in candidates:
        cleaned = _clean(value)
        if cleaned is not None:
            return cleaned, source
    return None


def resolve_settings(
    args: argparse.Namespace | None,
    env: Mapping[str, str] = os.environ,
    home: Path | None = None,
    *,
    checkout: Callable[[], GitCheckout | None] | None = None,
) -> Settings:
    """Combine command line, environment, our config file and ``cli.yml`` into Settings.

    Reads the two files and, when ``checkout`` is given (``gitremote.read_checkout``), asks
    it for the git checkout around the current directory, only if nothing else named what to
    watch. Raises ConfigError for an unusable value or a
    malformed config file, and NoTokenError when no token is found outside demo mode.
    """
    ns = args if args is not None else argparse.Namespace()

    def arg(name: str) -> Any:
        return getattr(ns, name, None)

    path = config_file_path(env)
    loaded = _load_config_file(path, explicit=bool(_clean(env.get(CONFIG_ENV_VAR))))
    cfg = loaded or {}
    cfg_label = _display_path(path, home)
    yml_path = cli_yml_path(home)
    yml = _load_cli_yml(yml_path)
    yml_label = _display_path(yml_path, home)

    demo = bool(arg("demo"))
    token: Secret | None = None
    token_source = DEMO_TOKEN_SOURCE
    if not demo:
        # In demo mode the app talks to its own simulator with the simulator's token; a real
        # token is not even picked up, so it cannot leak there.
        found = _first(
            *((env.get(name), name) for name in TOKEN_ENV_VARS),
            (cfg.get("token"), cfg_label),
            (yml.get("token"), yml_label),
        )
        if found is None:
            raise NoTokenError(token_help_text(env, home))
        token, token_source = Secret(found[0]), found[1]

    host_found = _first(
        (arg("host"), "--host"),
        *((env.get(name), name) for name in HOST_ENV_VARS),
        (cfg.get("host"), cfg_label),
        (yml.get("host"), yml_label),
    )
    host = normalise_host(*host_found) if host_found else DEFAULT_HOST
    insecure_http = bool(arg("insecure_http"))
    if not demo:
        _check_plain_http(host, host_found[1] if host_found else "default", insecure_http)
    ca_bundle = _ca_bundle(cfg.get("ca_bundle"), cfg_label, env)
    warnings = tuple(
        w
        for w in (
            _exposed_token_warning(path, cfg_label, _clean(cfg.get("token")) is not None),
            _exposed_token_warning(yml_path, yml_label, _clean(yml.get("token")) is not None),
        )
        if w
    )

    org_found = _first((arg("org"), "--org"), (cfg.get("org"), cfg_label))
    org = _check_slug(org_found[0], 2, "org", "gh/acme", org_found[1]) if org_found else None

    cli_projects = arg("project")
    if cli_projects:
        project_list, projects_source = list(cli_projects), "--project"
    else:
        project_list, projects_source = list(cfg.get("projects", [])), cfg_label
    projects = tuple(
        dict.fromkeys(  # de-duplicated, order kept
            _check_slug(p, 3, "project", "gh/acme/api", projects_source)
            for p in project_list
            if _clean(p)
        )
    )

    branch_found = _first((arg("branch"), "--branch"), (cfg.get("branch"), cfg_label))
    found_checkout = None
    if checkout is not None and not demo and not arg("all") and org is None and not projects:
        found_checkout, slug = _project_of_checkout(checkout, cfg.get("remotes", {}), cfg_label)
        if slug is not None:
            projects = (slug,)
            if branch_found is None and found_checkout.branch:
                branch_found = (found_checkout.branch, "git")
        else:
            found_checkout = None
    mine = arg("mine") if arg("mine") is not None else cfg.get("mine", False)
    read_only = arg("read_only") if arg("read_only") is not None else cfg.get("read_only", False)
    interval = arg("interval") if arg("interval") is not None else cfg.get("interval")
    slow_interval = cfg.get("slow_interval", DEFAULT_SLOW_INTERVAL)
    try:
        return Settings(
            token=token,
            token_source=token_source,
            host=host,
            org=org,
            projects=projects,
            branch=branch_found[0] if branch_found else None,
            mine=bool(mine),
            interval=float(interval) if interval is not None else DEFAULT_INTERVAL,
            slow_interval=float(slow_interval),
            read_only=bool(read_only),
            theme=_clean(cfg.get("theme")),
            demo=demo,
            keymap=_keymap(cfg.get("keymap", {})),
            config_path=path if loaded is not None else None,
            ca_bundle=ca_bundle,
            insecure_http=insecure_http,
            warnings=warnings,
            checkout=found_checkout,
            notify=Channels(**cfg.get("notify", {})),
        )
    except ValueError as exc:
        raise ConfigError(f"{cfg_label}: {exc}") from None


def _project_of_checkout(
    checkout: Callable[[], GitCheckout | None], remotes: Mapping[str, str], cfg_label: str
) -> tuple[GitCheckout | None, str | None]:
    """The checkout and the project slug its origin maps to (None when it maps to none)."""
    found = checkout()
    if found is None or found.repo is None:
        return found, None
    table = {normalise_remote_key(k): v for k, v in remotes.items()}
    slug = project_slug(found.repo, {k: v for k, v in table.items() if k})
    if slug is None:
        return found, None
    source = f"[remotes] in {cfg_label}" if found.repo.key.lower() in table else "git"
    return found, _check_slug(slug, 3, "project", "gh/acme/api", source)


def _check_plain_http(host: str, source: str, allowed: bool) -> None:
    parts = urlsplit(host)
    if parts.scheme != "http" or allowed or is_loopback(parts.hostname or ""):
        return
    secure = "https://" + host.removeprefix("http://")
    raise ConfigError(
        f"refusing host {host} from {source}: plain http would send your CircleCI token "
        f"across the network unencrypted. Use {secure} (plain http is accepted only for "
        f"localhost), or pass {INSECURE_HTTP_FLAG} if you really mean it."
    )


def _ca_bundle(configured: object, cfg_label: str, env: Mapping[str, str]) -> str | None:
    """The CA bundle to add to the OS trust store: config ``ca_bundle``, then SSL_CERT_FILE."""
    found = _first((configured, f"ca_bundle in {cfg_label}"), (env.get(CA_BUNDLE_ENV_VAR),
                                                               CA_BUNDLE_ENV_VAR))
    if found is None:
        return None
    value, source = found
    path = Path(value).expanduser()
    if not path.is_file():
        raise ConfigError(f"{source}: CA bundle {path} is not a file")
    return str(path)


def token_help_text(env: Mapping[str, str] = os.environ, home: Path | None = None) -> str:
    """What to tell a user with no token: every place one is looked for, in order."""
    config = config_file_path(env)
    yml = _display_path(cli_yml_path(home), home)
    lines = [
        "circletui needs a CircleCI personal API token, and none was found.",
        "",
        "It looks in these places, in order, and uses the first one set:",
        *(f"  {i}. the environment variable {name}" for i, name in enumerate(TOKEN_ENV_VARS, 1)),
        f'  4. token = "..." in the config file {config}',
        f"  5. token: in {yml} (the official CircleCI CLI's config, from `circleci setup`)",
        "",
        f"Create a personal token at {TOKEN_SETTINGS_URL}",
        "(project tokens do not work with the v2 API), then for example:",
        "",
        "  export CIRCLECI_TOKEN=CCIPAT_...",
        "",
        "To look around without a token, run `circletui --demo`: it watches a built-in",
        "simulated CircleCI.",
    ]
    return "\n".join(lines)
