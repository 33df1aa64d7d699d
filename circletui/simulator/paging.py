"""Opaque page tokens and 20-item pages, as the v2 list endpoints return them.

A token remembers where the next page starts (the first item's id, plus its offset as a
fallback) and a fingerprint of the list it came from. When the list has changed since (a new
pipeline arrived), the default behaviour resumes at the remembered item so nothing is repeated
or skipped; with the `stale_page_token_404` quirk the token answers 404 instead, as the real
service has been seen to do.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
PAGE_SIZE = 20


class PageTokenError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x00".join(parts).encode()).digest()


def _fingerprint(ids: Sequence[str]) -> str:
    return _digest(*ids).hex()[:12]


def encode_token(secret: str, payload: dict[str, object]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    mac = _digest(secret, raw.decode())[:16]
    # Padding so tokens have the length and look of real ones (~140 characters).
    padding = _digest(secret, "pad", raw.decode()) + _digest(secret, "pad2", raw.decode())
    blob = len(raw).to_bytes(2, "big") + raw + mac + padding[:40]
    return base64.urlsafe_b64encode(blob).decode().rstrip("=")


def decode_token(secret: str, token: str) -> dict[str, object]:
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        size = int.from_bytes(blob[:2], "big")
        raw = blob[2 : 2 + size]
        mac = blob[2 + size : 18 + size]
        if len(raw) != size or mac != _digest(secret, raw.decode())[:16]:
            raise ValueError("bad signature")
        payload = json.loads(raw)
        if not isinstance(payload, dict):
            raise ValueError("bad payload")
        return payload
    except (ValueError, UnicodeDecodeError) as exc:
        raise PageTokenError(400, "Invalid page-token.") from exc


def paginate(
    items: Sequence[T],
    ident: Callable[[T], str],
    token: str | None,
    *,
    scope: str,
    secret: str,
    stale_404: bool,
) -> tuple[list[T], str | None]:
    """One page of `items` and the token for the next page (None on the last page)."""
    ids = [ident(item) for item in items]
    start = 0
    if token:
        payload = decode_token(secret, token)
        if payload.get("s") != _digest(scope).hex()[:8]:
            raise PageTokenError(400, "Invalid page-token.")
        if stale_404 and payload.get("f") != _fingerprint(ids):
            raise PageTokenError(404, "Not Found")
        anchor = payload.get("a")
        offset = payload.get("o")
        if isinstance(anchor, str) and anchor in ids:
            start = ids.index(anchor)
        elif isinstance(offset, int):
            start = min(max(offset, 0), len(ids))
    page = list(items[start : start + PAGE_SIZE])
    end = start + PAGE_SIZE
    if end >= len(items):
        return page, None
    next_token = encode_token(
        secret, {"s": _digest(scope).hex()[:8], "a": ids[end], "o": end, "f": _fingerprint(ids)}
    )
    return page, next_token
