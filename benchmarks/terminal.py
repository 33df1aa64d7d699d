"""Real processes for the benchmarks: the simulator on a loopback port, apps in a pseudo-terminal.

``Served`` runs ``circletui simulator --port 0 ...`` as a subprocess and waits until it answers.
``PtySession`` runs a command in a pseudo-terminal of a fixed size, reads everything it writes
on a thread (counted per read, with a timestamp) and keeps the screen with ``pyte``, the way a
terminal emulator would. Every process is started in its own session and killed with its
group in ``close()``; both classes are context managers so nothing outlives a failed run.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pyte

ROOT = Path(__file__).resolve().parent.parent
#: the ``circletui`` console script next to the running interpreter (the project's venv)
CIRCLETUI = Path(sys.executable).with_name("circletui")
TOKEN = "bench-token"
ORG = "gh/acme"
SIZE = (120, 40)
START_TIMEOUT = 20.0


class BenchError(RuntimeError):
    """A benchmark could not measure what it set out to measure."""


def _kill_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


class Served:
    """``circletui simulator`` on 127.0.0.1, a free port, for as long as the ``with`` lasts."""

    def __init__(self, *args: str, seed: int = 7) -> None:
        self.args = ["--seed", str(seed), "--token", TOKEN, *args]
        self.process: subprocess.Popen | None = None
        self.base = ""

    def __enter__(self) -> Served:
        self.spawn()
        return self.ready()

    def spawn(self) -> Served:
        """Start the server; ``ready()`` waits for it (two can start side by side)."""
        command = [str(CIRCLETUI), "simulator", "--host", "127.0.0.1", "--port", "0", *self.args]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        return self

    def ready(self) -> Served:
        try:
            line = self._first_line()
            match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
            if not match:
                raise BenchError(f"the simulator said {line!r}")
            self.base = match[1]
            self._wait_until_it_answers()
        except BaseException:
            self.close()
            raise
        return self

    def _first_line(self) -> str:
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], START_TIMEOUT)
        if not ready:
            raise BenchError("the simulator did not start")
        return self.process.stdout.readline().decode(errors="replace")

    def _wait_until_it_answers(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                if self.get("/api/v2/me").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise BenchError("the simulator does not answer")

    def get(self, path: str, **params: str) -> httpx.Response:
        headers = {"Circle-Token": TOKEN}
        return httpx.get(self.base + path, params=params, headers=headers, timeout=5.0)

    def newest_pipeline_number(self) -> int:
        """The number of the first pipeline the app will list (its first row)."""
        items = self.get("/api/v2/pipeline", **{"org-slug": ORG}).json()["items"]
        return items[0]["number"]

    def close(self) -> None:
        if self.process is not None:
            _kill_group(self.process)
            if self.process.stdout:
                self.process.stdout.close()

    def __exit__(self, *exc: object) -> None:
        self.close()


def isolated_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user with an empty config file: HOME and the file in ``home``."""
    config = home / "config.toml"
    if not config.exists():
        config.write_text("# circletui benchmark: everything from the command line\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CIRCLE", "TEXTUAL", "XDG_")) and k not in ("COLUMNS", "LINES")
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        CIRCLETUI_CONFIG=str(config),
        TERM="xterm-256color",
        COLORTERM="truecolor",
        LANG="C.UTF-8",
        LC_ALL="C.UTF-8",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def circletui_command(served: Served, interval: float = 5) -> list[str]:
    return [
        str(CIRCLETUI),
        "--host",
        served.base,
        "--org",
        ORG,
        "--interval",
        f"{interval:g}",
    ]


class PtySession:
    """A command in a ``SIZE`` pseudo-terminal; what it writes is counted and drawn by pyte."""

    def __init__(self, command: list[str], env: dict[str, str], size: tuple[int, int] = SIZE):
        self.command = command
        self.env = env
        self.columns, self.lines = size
        self.screen = pyte.Screen(self.columns, self.lines)
        self.stream = pyte.ByteStream(self.screen)
        self.lock = threading.Lock()
        self.chunks: list[tuple[float, int]] = []  # (perf_counter, bytes) per read
        self.total = 0
        self.started = 0.0
        self.process: subprocess.Popen | None = None
        self.master = -1
        self._reader: threading.Thread | None = None
        self._stop = threading.Event()
        self._watch: tuple[Callable[[str], bool], list[float]] | None = None

    # -- start and stop ----------------------------------------------------------------------

    def __enter__(self) -> PtySession:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.lines, self.columns, 0, 0))
        self.master = master
        try:
            self.started = time.perf_counter()
            self.process = subprocess.Popen(
                self.command,
                stdin=slave,
                stdout=slave,
                stderr=slave,  # Textual draws on stderr
                env=self.env,
                cwd=self.env.get("HOME"),
                start_new_session=True,
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            os.close(slave)
        self._reader = threading.Thread(target=self._read, name="pty-reader", daemon=True)
        self._reader.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self.process is not None:
            _kill_group(self.process)
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self.master >= 0:
            os.close(self.master)
            self.master = -1

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -----------------------------------------------------------------------------

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(self.master, 65536)
            except OSError:  # the child is gone (EIO) or we closed the fd
                return
            if not data:
                return
            now = time.perf_counter()
            with self.lock:
                self.chunks.append((now, len(data)))
                self.total += len(data)
                self.stream.feed(data)
                if self._watch is not None:
                    predicate, seen = self._watch
                    if not seen and predicate(self._text()):
                        seen.append(now)

    def _text(self) -> str:
        return "\n".join(self.screen.display)

    def text(self) -> str:
        with self.lock:
            return self._text()

    def wait_for(self, predicate: Callable[[str], bool], timeout: float) -> float:
        """Seconds from the start of the command to the first screen where ``predicate`` holds
        (checked after every read, so the time is when those bytes arrived)."""
        seen: list[float] = []
        with self.lock:
            if predicate(self._text()):
                return time.perf_counter() - self.started
            self._watch = (predicate, seen)
        deadline = time.monotonic() + timeout
        try:
            while not seen:
                if time.monotonic() > deadline:
                    raise BenchError(
                        f"{self.command[0]}: not on screen after {timeout:.0f} s\n"
                        f"screen:\n{self.text().rstrip()}"
                    )
                if self.process is not None and self.process.poll() is not None:
                    raise BenchError(
                        f"{self.command[0]} exited ({self.process.returncode}):\n"
                        f"{self.text().rstrip()}"
                    )
                time.sleep(0.002)
        finally:
            with self.lock:
                self._watch = None
        return seen[0] - self.started

    def bytes_between(self, start: float, end: float) -> int:
        with self.lock:
            return sum(n for at, n in self.chunks if start <= at < end)

    # -- cost --------------------------------------------------------------------------------

    def cpu_seconds(self) -> float:
        """User + system CPU of the process (and its threads) so far."""
        assert self.process is not None
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system
