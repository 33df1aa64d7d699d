"""What circletui remembers between runs: the last org, project scope, branch filter and
"mine" toggle (per CircleCI host), the theme, and whether the workflow screen shows the
graph or the list.

One JSON file in the platform's user state folder
(``platformdirs.user_state_path("circletui") / "state.json"``, or the path in
``$CIRCLETUI_STATE``), written atomically (a temporary file in the same folder, then
``os.replace``, so a crash mid-write leaves the old state, never half a file) and private
(``0600`` in a ``0700`` folder: the org and project names are the user's business). A file
that cannot be read, or holds values of the wrong type, is ignored field by field:
remembering is a convenience, never a reason not to start.

Order: command-line flags win over what is remembered, and what is remembered wins over the
config file's defaults, since it is what the user chose last. The scope is restored as a
whole or not at all: ``--org`` given on the command line does not pick up a branch
remembered for another scope.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import platformdirs

from circletui.private_files import private_dir

STATE_ENV_VAR = "CIRCLETUI_STATE"


def state_file_path(env: Mapping[str, str] = os.environ) -> Path:
    override = (env.get(STATE_ENV_VAR) or "").strip()
    if override:
        return Path(override).expanduser()
    return platformdirs.user_state_path("circletui") / "state.json"


@dataclass(frozen=True, slots=True)
class Remembered:
    """What was in front of the user when they last changed it."""

    org: str | None = None
    projects: tuple[str, ...] = ()
    branch: str | None = None
    mine: bool = False
    theme: str | None = None
    list_view: bool = False

    @property
    def has_scope(self) -> bool:
        return bool(self.org or self.projects)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


class StateFile:
    """The state file, read and written for one CircleCI host."""

    def __init__(self, path: Path, host: str) -> None:
        self.path = path
        self.host = host

    def _read_all(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self) -> Remembered:
        return self._remembered(self._read_all())

    def _remembered(self, data: dict[str, Any]) -> Remembered:
        hosts = data.get("hosts")
        scope = hosts.get(self.host) if isinstance(hosts, dict) else None
        scope = scope if isinstance(scope, dict) else {}
        projects = scope.get("projects")
        return Remembered(
            org=_text(scope.get("org")),
            projects=tuple(p for p in projects if _text(p)) if isinstance(projects, list) else (),
            branch=_text(scope.get("branch")),
            mine=scope.get("mine") is True,
            theme=_text(data.get("theme")),
            list_view=data.get("list_view") is True,
        )

    def save(self, remembered: Remembered) -> None:
        """Write ``remembered`` for this host, keeping other hosts' scopes."""
        self._write(self._read_all(), remembered)

    def _write(self, data: dict[str, Any], remembered: Remembered) -> None:
        """Write ``remembered`` into ``data`` (the file as read) and ``data`` to the file."""
        hosts = data.get("hosts") if isinstance(data.get("hosts"), dict) else {}
        hosts[self.host] = {
            "org": remembered.org,
            "projects": list(remembered.projects),
            "branch": remembered.branch,
            "mine": remembered.mine,
        }
        data.update(hosts=hosts, theme=remembered.theme, list_view=remembered.list_view)
        folder = private_dir(self.path.parent)
        # mkstemp creates the file 0600 whatever the umask says
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".state-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=2, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def update(self, **changes: Any) -> Remembered:
        """Load, change ``changes``, save (reading the file once); an unwritable folder is
        not an error."""
        data = self._read_all()
        remembered = replace(self._remembered(data), **changes)
        try:
            self._write(data, remembered)
        except OSError:
            pass
        return remembered


def restore(settings: Any, remembered: Remembered, *, scope_given: bool) -> Any:
    """``settings`` with the remembered scope (unless the command line, or the git checkout,
    gave one) and theme filled in. ``settings`` is a ``config.Settings``."""
    changes: dict[str, Any] = {}
    if not scope_given and remembered.has_scope:
        changes.update(org=remembered.org, projects=remembered.projects,
                       branch=remembered.branch, mine=remembered.mine)
    if remembered.theme:
        changes["theme"] = remembered.theme
    return replace(settings, **changes) if changes else settings
