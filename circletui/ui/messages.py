"""Messages that carry the monitor's news into the Textual world.

Monitor callbacks run on the app's event loop; a screen turns each into one of these
messages posted to itself, so widgets update in message handlers like any other event.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message

from circletui.api.errors import CircleCIError


class ResourceUpdated(Message):
    """A subscribed resource has a new value."""

    def __init__(self, resource: Any, value: Any) -> None:
        super().__init__()
        self.resource = resource
        self.value = value


class ResourceFailed(Message):
    """A subscribed resource could not be fetched (the last good value stays on screen)."""

    def __init__(self, resource: Any, error: CircleCIError) -> None:
        super().__init__()
        self.resource = resource
        self.error = error
