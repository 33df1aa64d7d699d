"""Notifications through the terminal: what is written, and that text from CircleCI cannot
smuggle an escape sequence into it."""

from __future__ import annotations

import re

import pytest

from circletui.notify import (
    BODY_LIMIT,
    TITLE_LIMIT,
    Channels,
    desktop_sequence,
    osc9,
    osc777,
    sanitize,
    terminal_sequences,
    tmux_wrap,
)

ESC, BEL = "\x1b", "\a"
PLAIN = {"TERM": "xterm-256color"}

HOSTILE = [
    "fix\x07\x1b]52;c;ZWNobyBwd25lZA==\x07",  # BEL ends the OSC, then a clipboard write
    "fix\x1b\\\x1b[2J",  # ST, then clear the screen
    "fix\x9c\x9b31m",  # 8-bit ST and CSI
    "fix\nsecond line\r\x00",
    "fix\u2028\u2029\x7f",
]


def test_osc9_and_osc777_forms() -> None:
    assert osc9("api #12 failed") == f"{ESC}]9;api #12 failed{BEL}"
    assert osc777("circletui", "api #12 failed") == (
        f"{ESC}]777;notify;circletui;api #12 failed{BEL}")


@pytest.mark.parametrize("text", HOSTILE)
def test_api_text_cannot_end_the_sequence_or_start_another(text: str) -> None:
    for seq in (osc9(text), osc777(text, text), desktop_sequence(text, text, env=PLAIN)):
        inner = seq[len(f"{ESC}]"):-1]
        assert seq.endswith(BEL)
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", inner), repr(seq)


def test_the_osc777_title_cannot_add_a_field() -> None:
    seq = osc777("feature;evil", "body; with; semicolons")
    assert seq.split(";")[:4] == [f"{ESC}]777", "notify", "feature,evil", "body"]


def test_an_osc9_text_never_reads_as_a_conemu_command() -> None:
    # ConEmu and Windows Terminal read "9;4;..." as a progress-bar command.
    assert osc9("4;3;100").startswith(f"{ESC}]9;- 4")


def test_lengths_are_capped() -> None:
    seq = osc777("t" * 500, "b" * 5000)
    _, _, title, body = seq[:-1].split(";")
    assert len(title) == TITLE_LIMIT and title.endswith("…")
    assert len(body) == BODY_LIMIT and body.endswith("…")
    assert sanitize("  a \t\n b  ") == "a b"


def test_inside_tmux_the_sequence_is_wrapped_for_passthrough() -> None:
    env = {"TERM": "tmux-256color", "TMUX": "/tmp/tmux-1000/default,123,0"}
    seq = desktop_sequence("circletui", "done", env=env)
    assert seq == f"{ESC}Ptmux;{ESC}{ESC}]9;circletui: done{BEL}{ESC}\\"
    assert tmux_wrap(f"{ESC}]9;x{BEL}") == seq.replace("circletui: done", "x")


@pytest.mark.parametrize(
    ("env", "form", "starts"),
    [
        (PLAIN, "auto", [f"{ESC}]9;"]),
        ({"TERM": "rxvt-unicode-256color"}, "auto", [f"{ESC}]777;"]),
        ({"TERM": "foot"}, "auto", [f"{ESC}]777;"]),
        ({"TERM": "xterm-256color", "VTE_VERSION": "7600"}, "auto", [f"{ESC}]777;"]),
        (PLAIN, "osc777", [f"{ESC}]777;"]),
        (PLAIN, "both", [f"{ESC}]9;", f"{ESC}]777;"]),
    ],
)
def test_one_form_for_the_terminal_at_hand(env, form, starts) -> None:
    seq = desktop_sequence("circletui", "done", env=env, form=form)
    assert [f"{ESC}]{part.split(';')[0]};" for part in seq.split(f"{ESC}]")[1:]] == starts


def test_channels_switch_the_bell_and_the_desktop_notification_off() -> None:
    everything = terminal_sequences("circletui", "done", Channels(), env=PLAIN)
    assert everything == f"{BEL}{ESC}]9;circletui: done{BEL}"
    assert terminal_sequences("c", "d", Channels(bell=False), env=PLAIN).startswith(ESC)
    assert terminal_sequences("c", "d", Channels(desktop=False), env=PLAIN) == BEL
    assert terminal_sequences("c", "d", Channels(bell=False, desktop=False), env=PLAIN) == ""
    with pytest.raises(ValueError):
        Channels(desktop_form="osc99")
