"""Notifications through the terminal: the bell and desktop notifications (OSC 9 / OSC 777).

A desktop notification sent as an escape sequence travels with the terminal's output, so it
reaches the user's desktop from a remote machine over SSH, in the terminals that take it:

* OSC 9 (``ESC ] 9 ; text BEL``), the iTerm2 form, also taken by WezTerm, Ghostty, kitty
  and ConEmu (https://iterm2.com/documentation-escape-codes.html);
* OSC 777 (``ESC ] 777 ; notify ; title ; body BEL``), the rxvt-unicode form, also taken by
  foot and by VTE terminals such as GNOME Terminal
  (https://codeberg.org/dnkl/foot/src/branch/master/doc/foot-ctlseqs.7.scd).

Terminals take one form or the other (some take both, and would show two notifications), so
one is sent: OSC 777 where the environment names a terminal known for it (``TERM`` rxvt* or
foot*, ``VTE_VERSION`` set), OSC 9 otherwise; ``desktop_form`` in the config's ``[notify]``
table picks one (``osc9``, ``osc777``, ``both``). Inside tmux (``TMUX`` set) the sequence is
wrapped for passthrough (``ESC P tmux; ... ESC \\`` with every ESC doubled; tmux 3.3+ needs
``set -g allow-passthrough on``, https://github.com/tmux/tmux/wiki/FAQ); the bell needs no
wrapping, tmux passes it on as a bell itself.

Every piece of text comes from CircleCI (branch names, workflow names, commit subjects) and is
sanitised: control characters (C0, DEL, C1: everything that could end the sequence or start
another) become spaces, the OSC 777 title loses its ``;`` (the field separator), an OSC 9
text never starts with a digit and ``;`` (ConEmu reads ``9;4;...`` as a progress command),
and lengths are capped.

For the app (no Textual here): given a :class:`Channels` from ``Settings.notify``,

    text = notify.terminal_sequences(title, body, settings.notify, env=os.environ)
    if text: <write text to the terminal through the Textual driver, as OSC 52 copy does>
    if settings.notify.toast: app.notify(body, title=title)
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "BEL",
    "DESKTOP_FORMS",
    "NOTIFY_CHANNELS",
    "Channels",
    "bell",
    "desktop_form",
    "desktop_sequence",
    "osc9",
    "osc777",
    "sanitize",
    "terminal_sequences",
    "tmux_wrap",
]

ESC = "\x1b"
BEL = "\a"
ST = ESC + "\\"

#: the [notify] switches, each on by default
NOTIFY_CHANNELS = ("toast", "bell", "desktop")
#: desktop_form values: which escape sequence carries a desktop notification
DESKTOP_FORMS = ("auto", "osc9", "osc777", "both")

TITLE_LIMIT = 60
BODY_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Channels:
    """Which channels announce a watched item's outcome."""

    toast: bool = True  # a Textual notification inside the app
    bell: bool = True  # the terminal bell
    desktop: bool = True  # a desktop notification through the terminal
    desktop_form: str = "auto"

    def __post_init__(self) -> None:
        if self.desktop_form not in DESKTOP_FORMS:
            raise ValueError(
                f"desktop_form must be one of {', '.join(DESKTOP_FORMS)}, got {self.desktop_form!r}"
            )


def sanitize(text: object, limit: int = BODY_LIMIT) -> str:
    """One line of plain text: control characters out, whitespace runs squeezed, at most
    ``limit`` characters (an ellipsis marks a cut)."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                      for c in str(text))
    cleaned = re.sub(r"\s+", " ", cleaned).strip()
    if len(cleaned) > limit:
        cleaned = cleaned[: max(limit - 1, 0)].rstrip() + "…"
    return cleaned


def bell() -> str:
    return BEL


def osc9(text: str) -> str:
    """``ESC ] 9 ; text BEL``, the text sanitised."""
    body = sanitize(text, TITLE_LIMIT + BODY_LIMIT)
    if re.match(r"\d", body):
        body = "- " + body  # "9;4;..." would be a ConEmu / Windows Terminal command
    return f"{ESC}]9;{body}{BEL}"


def osc777(title: str, body: str) -> str:
    """``ESC ] 777 ; notify ; title ; body BEL``, both sanitised, no ``;`` in the title."""
    clean_title = sanitize(title, TITLE_LIMIT).replace(";", ",")
    return f"{ESC}]777;notify;{clean_title};{sanitize(body, BODY_LIMIT)}{BEL}"


def tmux_wrap(sequence: str) -> str:
    """``ESC P tmux; <sequence, each ESC doubled> ESC \\``: tmux hands it to the terminal."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ST}"


def desktop_form(env: Mapping[str, str] = os.environ, configured: str = "auto") -> str:
    """``osc9``, ``osc777`` or ``both``: what ``auto`` means in this environment."""
    if configured != "auto":
        return configured
    term = env.get("TERM", "")
    if term.startswith(("rxvt", "foot")) or env.get("VTE_VERSION"):
        return "osc777"
    return "osc9"


def desktop_sequence(title: str, body: str, *, env: Mapping[str, str] = os.environ,
                     form: str = "auto") -> str:
    """The desktop notification as the terminal here takes it (wrapped inside tmux)."""
    chosen = desktop_form(env, form)
    parts = []
    if chosen in ("osc9", "both"):
        parts.append(osc9(f"{sanitize(title, TITLE_LIMIT)}: {body}" if title else body))
    if chosen in ("osc777", "both"):
        parts.append(osc777(title, body))
    if env.get("TMUX"):
        parts = [tmux_wrap(p) for p in parts]
    return "".join(parts)


def terminal_sequences(title: str, body: str, channels: Channels = Channels(), *,
                       env: Mapping[str, str] = os.environ) -> str:
    """Everything to write to the terminal for one announcement: the bell and the desktop
    notification, as ``channels`` allow ("" when both are off). The toast is the app's."""
    out = bell() if channels.bell else ""
    if channels.desktop:
        out += desktop_sequence(title, body, env=env, form=channels.desktop_form)
    return out
