"""The SSH command read from a job's "Enable SSH" output: the real shape is found, anything
that could carry more than a host and a port is not."""

from __future__ import annotations

import pytest

from circletui.sshcommand import is_ssh_step, ssh_command, ssh_command_in_chunks

REAL = ("You can now SSH into this box if your SSH public key is added:\r\n"
        "    $ ssh -p 54782 54.221.135.43\r\n\r\n"
        "Use the same SSH public key that you use for your VCS-provider (e.g., GitHub).\r\n")


def test_the_command_circleci_prints_is_found():
    assert ssh_command(REAL) == "ssh -p 54782 54.221.135.43"
    chunks = [{"message": REAL[:70], "type": "out"}, {"message": REAL[70:], "type": "out"}]
    assert ssh_command_in_chunks(chunks) == "ssh -p 54782 54.221.135.43"


@pytest.mark.parametrize("line", [
    "    $ ssh -p 54782 54.221.135.43; rm -rf ~",
    "    $ ssh -p 54782 host `id`",
    "    $ ssh -p 54782 $(whoami)@host",
    "    $ ssh -p 99999 host",
    "    $ ssh -o ProxyCommand=evil -p 1 host",
    "echo '$ ssh -p 1 host'",
    "\x1b[31m$ ssh -p 1 host",
])
def test_lines_that_could_carry_more_are_not_taken(line):
    assert ssh_command(line) is None


def test_the_step_is_known_by_its_name():
    assert is_ssh_step("Enable SSH") and is_ssh_step(" enable ssh ")
    assert not is_ssh_step("Wait for SSH sessions")
