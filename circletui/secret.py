"""``Secret``: the API token as an object that never shows its value.

It is the one type the token travels in, from config resolution to the client's auth hook:
``repr``, ``str``, f-strings, logs and pickles never see the value; ``reveal()`` is called only
where the header is written.
"""

from __future__ import annotations

import hmac
from typing import Any


class Secret:
    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value; call it only where the value is sent (the auth header)."""
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    def __str__(self) -> str:
        return "***"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __reduce__(self) -> Any:
        # Pickling would write the value out in clear; nothing in circletui needs it.
        raise TypeError("a Secret cannot be pickled")
