"""The SSH command of a job rerun with SSH, read from its "Enable SSH" step's output.

CircleCI prints it in that step ("Debugging with SSH", https://circleci.com/docs/ssh-access-jobs/):

    You can now SSH into this box if your SSH public key is added:
        $ ssh -p 54782 54.221.135.43

Job output is written by whoever can push to the project, so only a line of exactly that
shape is taken (a port, then a host made of name or address characters), and nothing else on
it: what is shown and copied to the clipboard can never carry a shell metacharacter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: the step CircleCI adds to a job rerun with SSH
SSH_STEP_NAME = "enable ssh"

_COMMAND = re.compile(
    r"^\s*\$\s+(ssh -p (?P<port>\d{1,5}) (?P<host>(?:[\w-]+@)?[\w.-]+|\[[0-9a-fA-F:]+\]))\s*$")


def is_ssh_step(name: str) -> bool:
    return name.strip().lower() == SSH_STEP_NAME


def ssh_command(text: str) -> str | None:
    """The first ``ssh -p PORT HOST`` command line in ``text``, or None."""
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        match = _COMMAND.match(line)
        if match and 0 < int(match["port"]) < 65536:
            return match.group(1)
    return None


def ssh_command_in_chunks(chunks: Iterable[Mapping[str, Any]]) -> str | None:
    """The same, over v1.1 output chunks (``{"message": ...}``)."""
    text = "".join(m for c in chunks if isinstance(m := c.get("message"), str))
    return ssh_command(text)
