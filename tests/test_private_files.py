"""What circletui writes is private: files 0600 in a 0700 folder, whatever the umask, and a
symlink planted at the target cannot redirect the write."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from circletui.private_files import open_private, private_dir

pytestmark = pytest.mark.skipif(os.name == "nt", reason="POSIX mode bits")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.fixture
def lax_umask():
    old = os.umask(0o000)  # the worst case: everything world-writable by default
    yield
    os.umask(old)


def test_a_new_file_in_a_new_folder_is_private(tmp_path: Path, lax_umask) -> None:
    folder = private_dir(tmp_path / "Downloads" / "circletui")
    with open_private(folder / "step.log") as fp:
        fp.write("secret-ish output\n")
    assert mode(folder) == 0o700
    assert mode(folder / "step.log") == 0o600
    assert (folder / "step.log").read_text() == "secret-ish output\n"


def test_an_existing_lax_folder_and_file_are_tightened(tmp_path: Path, lax_umask) -> None:
    folder = tmp_path / "circletui"
    folder.mkdir(mode=0o777)
    target = folder / "step.log"
    target.write_text("old")
    target.chmod(0o666)
    private_dir(folder)
    with open_private(target) as fp:
        fp.write("new")
    assert (mode(folder), mode(target)) == (0o700, 0o600)
    assert target.read_text() == "new"


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("untouched")
    link = tmp_path / "step.log"
    link.symlink_to(elsewhere)
    with pytest.raises(OSError):
        open_private(link)
    assert elsewhere.read_text() == "untouched"
    folder_link = tmp_path / "circletui"
    folder_link.symlink_to(tmp_path)
    with pytest.raises(FileExistsError):
        private_dir(folder_link)
