"""The real ``circletui`` command, as a user starts it, against the simulator on a loopback
port: the production settings (``build_app``: the app's retry policy, the real clock, the TLS
and host checks, a real socket), in a pseudo-terminal. It shows pipeline rows, quits on ``q``
with status 0, and leaves the terminal as it found it.

Everything else drives the app in process (``run_test``) or replaces ``run_app``; this is the
one test of the path a user actually takes. It waits for what the screen shows, never for a
fixed time (the timeouts only turn a hang into a failure).
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

TOKEN = "e2e-loopback-token"
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[a-zA-Z~]|\x1b\][^\x07]*\x07")


@pytest.fixture
def simulator():
    process = subprocess.Popen(
        [sys.executable, "-m", "circletui", "simulator", "--port", "0", "--seed", "3",
         "--token", TOKEN],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first = process.stdout.readline()
        match = re.match(r"Simulated CircleCI listening on (http://127\.0\.0\.1:\d+)", first)
        assert match, first
        yield match[1]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_until(master: int, buffer: bytearray, done, timeout: float) -> bool:
    """Read the terminal until ``done(text)`` or ``timeout`` seconds (a guard, not a wait)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done(ANSI.sub("", buffer.decode("utf-8", "replace"))):
            return True
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return done(ANSI.sub("", buffer.decode("utf-8", "replace")))
            if not chunk:
                break
            buffer.extend(chunk)
    return done(ANSI.sub("", buffer.decode("utf-8", "replace")))


def test_the_real_command_shows_pipelines_and_quits_cleanly(simulator: str,
                                                            tmp_path: Path) -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    before = termios.tcgetattr(slave)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIRCLE", "TEXTUAL"))}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config"),
               TERM="xterm-256color", CIRCLECI_TOKEN=TOKEN, CIRCLECI_HOST=simulator)
    child = subprocess.Popen(
        [sys.executable, "-m", "circletui", "--org", "gh/acme"],
        stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True,
    )
    screen = bytearray()
    try:
        # The rows (drawn as soon as the list answers), then the status line says polling
        # works over the socket.
        rows = read_until(master, screen, lambda text: len(re.findall(r"(?:api|web) #\d+",
                                                                      text)) >= 5, 90)
        assert rows, ANSI.sub("", screen.decode("utf-8", "replace"))[-2000:]
        live = read_until(master, screen, lambda text: "live" in text, 30)
        assert live, ANSI.sub("", screen.decode("utf-8", "replace"))[-2000:]
        os.write(master, b"q")
        # Keep reading while it exits: a full terminal buffer would block its last writes.
        read_until(master, screen, lambda _: child.poll() is not None, 30)
        code = child.wait(timeout=5)
        read_until(master, screen, lambda _: False, 0.5)  # the rest of what it wrote
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    after = termios.tcgetattr(slave)
    os.close(slave)
    os.close(master)

    assert code == 0
    assert TOKEN.encode() not in screen
    assert screen.rfind(b"\x1b[?1049l") > screen.rfind(b"\x1b[?1049h") >= 0
    flags = termios.ECHO | termios.ICANON
    assert after[3] & flags == before[3] & flags


#: what a real start must not load before the first screen: other screens and what only they
#: need (the graph layout, log parsing, the v1.1 models), the simulator, the cli.yml reader
LOADED_WHEN_NEEDED = (
    "circletui.graph", "circletui.logtext", "circletui.api.v1models",
    "circletui.monitor.job_resources", "circletui.ui.screens.job",
    "circletui.ui.screens.workflow", "circletui.ui.widgets.job_graph",
    "circletui.ui.widgets.log_view", "circletui.ui.screens.trigger",
    "circletui.ui.screens.approvals", "circletui.ui.screens.help",
    "circletui.ui.screens.org_picker", "circletui.simulator", "yaml",
    # httpx's command-line tool, and the trust store an http:// host never uses
    "click", "pygments", "truststore",
)

FIRST_SCREEN = """
import asyncio, json, sys
from circletui.config import Settings
from circletui.secret import Secret
from circletui.ui.app import build_app
from circletui.ui.screens.pipelines import PipelinesScreen

async def main():
    settings = Settings(token=Secret("first-screen-token"), host=sys.argv[1], org="gh/acme")
    app = build_app(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        while not (isinstance(app.screen, PipelinesScreen) and app.screen.is_mounted):
            await pilot.pause()
        print(json.dumps(sorted(sys.modules)))

asyncio.run(main())
"""


def test_a_real_start_loads_only_what_the_first_screen_needs(simulator: str) -> None:
    """The pipelines list of a real (non-demo) host comes up without importing the other
    screens, the simulator or the modules only they use: those load when first opened."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CIRCLE", "TEXTUAL"))}
    done = subprocess.run([sys.executable, "-c", FIRST_SCREEN, simulator], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    loaded = set(json.loads(done.stdout.strip().splitlines()[-1]))
    assert "circletui.ui.screens.pipelines" in loaded and "httpx" in loaded
    assert sorted(m for m in loaded if m.startswith(LOADED_WHEN_NEEDED)) == []
