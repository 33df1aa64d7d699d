"""An unexpected exception never prints the token: not in Textual's crash report (which shows
every frame's locals), not in the message. The process exits 1 with a short message, and the
terminal is left as it was found.

Each case runs the real app in a child process on a pseudo-terminal, with the client (and the
revealed token) as locals of the frame that raises, and the token in the exception's message:
in a worker, in a message handler, and in a monitor callback.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import signal
import stat
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

TOKEN = "CCIPAT_CrashTestSecret_0123456789abcdef"

SCRIPT = r'''
import sys
from dataclasses import dataclass

from textual.message import Message

from circletui.api import CircleCIClient, RetryPolicy
from circletui.config import Settings
from circletui.monitor.resources import Resource
from circletui.secret import Secret
from circletui.simulator import ManualClock, Simulator
from circletui.ui.app import CircleTUI, run_until_exit

TOKEN, MODE = sys.argv[1], sys.argv[2]


class Boom(Message):
    pass


@dataclass(frozen=True)
class Constant(Resource):
    async def fetch(self, client):
        return 1


def explode(client):
    token = client._token.reveal()  # the worst local a frame could hold
    headers = {"Circle-Token": token}
    raise RuntimeError(f"unexpected state near {token} ({len(headers)})")


class Crashing(CircleTUI):
    def on_ready(self) -> None:
        if MODE == "worker":
            self.run_worker(self.work(), exit_on_error=True)
        elif MODE == "handler":
            self.post_message(Boom())
        else:
            self.monitor.subscribe(Constant(), lambda value: explode(self.client))

    async def work(self) -> None:
        client = self.client
        explode(client)

    def on_boom(self, message: Boom) -> None:
        client = self.client
        explode(client)


sim = Simulator(seed=1, clock=ManualClock(), token=TOKEN)
client = CircleCIClient(TOKEN, "http://circleci.test", transport=sim.transport(),
                        retry=RetryPolicy(max_attempts=1))
settings = Settings(token=Secret(TOKEN), token_source="test", host="http://circleci.test",
                    org="gh/acme")
sys.exit(run_until_exit(Crashing(settings, client, now=sim.clock.now)))
'''


def run_in_pty(mode: str, home: Path) -> tuple[int, bytes, list, list]:
    """(exit status, what the terminal received, tty modes before, after)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    before = termios.tcgetattr(slave)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIRCLE", "TEXTUAL"))}
    env.update(HOME=str(home), XDG_STATE_HOME=str(home / ".local" / "state"),
               TERM="xterm-256color", COLUMNS="80", LINES="24")
    child = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, TOKEN, mode],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )
    screen = bytearray()

    def drain() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            screen.extend(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        child.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        raise
    after = termios.tcgetattr(slave)
    os.close(slave)
    reader.join(timeout=5)
    os.close(master)
    return child.returncode, bytes(screen), before, after


@pytest.mark.parametrize("mode", ["worker", "handler", "monitor"])
def test_a_crash_prints_no_token_exits_1_and_restores_the_terminal(
    mode: str, tmp_path: Path
) -> None:
    code, screen, before, after = run_in_pty(mode, tmp_path)

    assert code == 1
    assert TOKEN.encode() not in screen
    # What is left on the terminal once the app's screen is gone (Textual draws on stderr).
    left = screen[screen.rfind(b"\x1b[?1049l"):].decode("utf-8", "replace")
    err = re.sub(r"\x1b\[[0-9;?<>=]*[a-zA-Z~]", "", left).replace("\r", "")
    # Short: what broke and where the details are, no traceback, no locals.
    lines = err.strip().splitlines()
    assert 1 <= len(lines) <= 3, err
    assert lines[0].startswith("circletui crashed: RuntimeError: unexpected state near ***")
    assert "Traceback" not in err and "locals" not in err.lower() and "client" not in err
    # The terminal is back: the alternate screen left, echo and line editing restored.
    assert screen.rfind(b"\x1b[?1049l") > screen.rfind(b"\x1b[?1049h") >= 0
    assert after[3] & (termios.ECHO | termios.ICANON) == before[3] & (termios.ECHO
                                                                      | termios.ICANON)

    (report,) = (tmp_path / ".local" / "state" / "circletui" / "crashes").glob("crash-*.txt")
    assert str(report) in err
    assert stat.S_IMODE(report.stat().st_mode) == 0o600
    assert stat.S_IMODE(report.parent.stat().st_mode) == 0o700
    text = report.read_text()
    assert "RuntimeError" in text and "explode" in text and TOKEN not in text
