"""What an unexpected exception leaves behind: one short line on stderr and a private report.

Textual's own crash report is a Rich traceback with ``show_locals=True`` (``App._fatal_error``
in Textual 8): every frame's local variables, printed to the terminal, where a frame holding
the client, a request or the revealed token would put it in the scrollback, in a screenshot
or in a pasted bug report. circletui replaces it: the terminal gets one line saying what broke
and where the details are; the details (a plain traceback, no locals, the token and anything
else secret replaced by ``***``) go to a ``0600`` file in a ``0700`` folder.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from circletui import __version__
from circletui.private_files import open_private, private_dir

#: how many crash reports are kept (oldest removed first)
KEEP_REPORTS = 10
MESSAGE_LIMIT = 200


def scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def crash_folder() -> Path:
    return platformdirs.user_state_path("circletui") / "crashes"


def write_report(error: BaseException, secrets: Iterable[str]) -> Path | None:
    """Write a locals-free, scrubbed traceback of ``error``; None if it could not be written."""
    secrets = list(secrets)
    try:
        folder = private_dir(crash_folder())
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = folder / f"crash-{stamp}.txt"
        text = "".join(traceback.format_exception(error))
        with open_private(path) as fp:
            fp.write(f"circletui {__version__}\n\n{scrub(text, secrets)}")
        for old in sorted(folder.glob("crash-*.txt"))[:-KEEP_REPORTS]:
            old.unlink(missing_ok=True)
        return path
    except OSError:
        return None


def short_message(error: BaseException, secrets: Iterable[str], report: Path | None) -> str:
    """``circletui crashed: ValueError: boom`` and where the report is, on two lines."""
    # A task group wraps what went wrong in it; the one inner error is what to name.
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    what = " ".join(scrub(f"{type(error).__name__}: {error}", secrets).split())
    if len(what) > MESSAGE_LIMIT:
        what = what[: MESSAGE_LIMIT - 1] + "…"
    where = f"Details (no token in them): {report}" if report else "No report could be written."
    return f"circletui crashed: {what}\n{where}"
