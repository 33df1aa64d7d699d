"""Files circletui writes: readable by their owner only, in a folder only the owner can enter.

Step output can hold what a build printed (paths, hostnames, sometimes a secret a script
echoed), so a saved log is created ``0600`` in a ``0700`` folder of circletui's own, whatever
the umask says. On Windows, where these mode bits mean little, the platform's defaults apply.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if needed and make it ``0700``; return it.

    Only the last component is ours to tighten: the parents (``~/Downloads``) are the user's.
    A symlink in its place is refused rather than followed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=DIR_MODE)
    except FileExistsError:
        if path.is_symlink() or not path.is_dir():
            raise FileExistsError(f"{path} exists and is not a folder") from None
    if os.name != "nt":
        os.chmod(path, DIR_MODE)
    return path


def open_private(path: Path) -> IO[str]:
    """Open ``path`` for writing text, created (or truncated and tightened) to ``0600``.

    ``O_NOFOLLOW`` so a symlink planted at that name cannot redirect the write elsewhere.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, FILE_MODE)
    try:
        if os.name != "nt" and stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode through O_TRUNC
        return open(fd, "w", encoding="utf-8", newline="\n")
    except BaseException:
        os.close(fd)
        raise
