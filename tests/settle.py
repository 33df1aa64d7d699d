"""Waiting for the app to be still, for code that drives it with Textual's Pilot.

The snapshot and Pilot tests and the screenshot script all need the same answer to "is what
is on screen final?": the monitor has nothing in flight or due, and no action or parse worker
is running, except one waiting for the user (a confirmation dialog, the org picker). Waiting
for that, rather than for a fixed time, keeps them fast and exact.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import DataTable

from circletui.ui.screens.org_picker import OrgPickerScreen

#: consecutive quiet rounds that count as still: one worker's end often starts the next
#: (a parsed log is then fed to the view), and on a busy machine the gap between the two can
#: outlast a single pause
QUIET_ROUNDS = 3


async def settle(pilot: Pilot, rounds: int = 400) -> None:
    app = pilot.app
    quiet = 0
    for _ in range(rounds):
        await pilot.pause()
        busy = [w for w in app.workers if w.group != "monitor" and not w.is_finished]
        waiting_for_user = isinstance(app.screen, ModalScreen | OrgPickerScreen)
        if (app.monitor.idle and (not busy or waiting_for_user)  # type: ignore[attr-defined]
                and _tables_measured(app)):
            quiet += 1
            if quiet >= QUIET_ROUNDS:
                return
        else:
            quiet = 0
    raise AssertionError("the app did not settle")


def _tables_measured(app) -> bool:
    """A DataTable measures new rows when its message queue next empties; until then its
    ``height: auto`` is computed from the old size (on a loaded machine a snapshot could catch
    the steps table at height 0)."""
    for table in app.screen.query(DataTable):
        header = table.header_height if table.show_header else 0
        if table.display and table.virtual_size.height < table.row_count + header:
            return False
    return True
