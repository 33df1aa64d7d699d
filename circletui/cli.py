"""The ``circletui`` command: parse the command line, resolve Settings, start the app.

``circletui simulator ...`` is handed whole to the simulator's own command line, ``circletui
watch ...`` to ``circletui.watchcli``. Textual and
the simulator are imported only on the paths that need them, so ``--version``, ``--help`` and
the missing-token message stay fast and work even when the UI cannot be imported.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace

from circletui import __version__
from circletui.config import ConfigError, NoTokenError, config_file_path, resolve_settings
from circletui.gitremote import read_checkout
from circletui.hostsafety import INSECURE_HTTP_FLAG
from circletui.state import StateFile, restore, state_file_path

SIMULATOR_COMMAND = "simulator"
WATCH_COMMAND = "watch"

_EPILOG = f"""\
subcommands:
  circletui {WATCH_COMMAND} [PIPELINE-URL | --project SLUG [--branch NAME]] [--json]
      follow one pipeline without the full-screen UI; the exit status says how it
      ended (see `circletui {WATCH_COMMAND} --help`)
  circletui {SIMULATOR_COMMAND} [options]
      run the simulated CircleCI API as a real HTTP server
      (see `circletui {SIMULATOR_COMMAND} --help`)

The API token is read from the environment (CIRCLECI_TOKEN, CIRCLE_TOKEN, CIRCLECI_CLI_TOKEN),
the config file, or ~/.circleci/cli.yml, never from the command line.
Config file: {{config}}
Try it without a token: circletui --demo
"""


def positive_seconds(text: str) -> float:
    """argparse type for --interval: a finite number of seconds above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The main command's parser (the simulator subcommand has its own)."""
    parser = argparse.ArgumentParser(
        prog="circletui",
        description="A terminal UI for watching CircleCI pipelines and acting on them.",
        epilog=_EPILOG.format(config=config_file_path()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Defaults are None so resolve_settings can tell "not given" from a value and fall back
    # to the config file.
    parser.add_argument(
        "--host",
        metavar="URL",
        help="CircleCI host, e.g. https://ci.example.com for CircleCI Server "
        "(default: $CIRCLECI_HOST, $CIRCLECI_CLI_HOST, config, https://circleci.com)",
    )
    parser.add_argument("--org", metavar="ORG_SLUG", help="organization to watch, e.g. gh/acme")
    parser.add_argument(
        "--project",
        metavar="PROJECT_SLUG",
        action="append",
        help="project to watch, e.g. gh/acme/api (repeat for several)",
    )
    parser.add_argument("--branch", metavar="NAME", help="only show pipelines on this branch")
    parser.add_argument(
        "--all",
        action="store_true",
        default=None,
        help="inside a git checkout, show the org view instead of the checkout's project "
        "and branch",
    )
    parser.add_argument(
        "--mine", action="store_true", default=None, help="only show pipelines I triggered"
    )
    parser.add_argument(
        "--interval",
        metavar="SECONDS",
        type=positive_seconds,
        help="seconds between refreshes while something is running (default: 5)",
    )
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=None,
        help="never cancel, rerun, approve or trigger anything",
    )
    parser.add_argument(
        INSECURE_HTTP_FLAG,
        dest="insecure_http",
        action="store_true",
        default=None,
        help="allow a plain http:// --host that is not localhost. Your token then crosses "
        "the network unencrypted: anyone on the path can read it and act as you",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="watch a built-in simulated CircleCI (no token needed)",
    )
    parser.add_argument("--version", action="version", version=f"circletui {__version__}")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``circletui`` console script; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)

    # Dispatch before parsing so the main parser never sees (or rejects) simulator options.
    if argv and argv[0] == SIMULATOR_COMMAND:
        from circletui.simulator.cli import main as simulator_main

        return _exit_code(simulator_main(argv[1:]))
    if argv and argv[0] == WATCH_COMMAND:
        from circletui.watchcli import main as watch_main

        return watch_main(argv[1:])

    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors: argparse already printed
        return _exit_code(exc.code)

    try:
        settings = resolve_settings(args, checkout=read_checkout)
    except NoTokenError as exc:
        print(exc, file=sys.stderr)  # a whole help text, not a one-line error
        return 2
    except ConfigError as exc:
        print(f"circletui: {exc}", file=sys.stderr)
        return 2

    for warning in settings.warnings:
        print(f"circletui: warning: {warning}", file=sys.stderr)
    if settings.insecure_http and settings.host.startswith("http://"):
        print(
            f"circletui: warning: {INSECURE_HTTP_FLAG}: your token goes to {settings.host} "
            "unencrypted",
            file=sys.stderr,
        )

    # The scope, theme and view the user last chose, unless the command line (or the git
    # checkout the command runs in) says otherwise; --all brings back the last org only.
    # The demo keeps its own scope: its org must never become a real host's.
    state = StateFile(state_file_path(), "demo" if settings.demo else settings.host)
    remembered = state.load()
    if getattr(args, "all", None):
        remembered = replace(remembered, projects=(), branch=None, mine=False)
    scope_given = settings.checkout is not None or any(
        getattr(args, name, None) for name in ("org", "project", "branch", "mine"))
    settings = restore(settings, remembered, scope_given=scope_given)

    if not settings.demo and settings.host.startswith("https://"):
        # The TLS context (and the CA bundle, if any) is read while Textual is imported.
        from circletui.api.transport_security import prepare_ssl_context

        prepare_ssl_context(settings.ca_bundle)

    from circletui.ui.app import run_app

    try:
        return _exit_code(run_app(settings, state))
    except ConfigError as exc:  # found while building the client (an unreadable CA bundle)
        print(f"circletui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    # SystemExit("message") convention: the message was meant for stderr, and it is a failure.
    print(code, file=sys.stderr)
    return 1
