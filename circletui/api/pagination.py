"""Walking CircleCI's ``{"items": [...], "next_page_token": ...}`` pages, with a hard stop.

The limits are the point: org and project pipeline lists go back through the whole history,
and a monitor that polls must read the newest page or two, never all of it. ``max_pages``
defaults to one page for that reason.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from .models import Page

T = TypeVar("T")

PageFetcher = Callable[[str | None], Awaitable[Page[T]]]


async def paginate(
    fetch: PageFetcher[T],
    *,
    max_pages: int | None = 1,
    max_items: int | None = None,
) -> AsyncIterator[T]:
    """Yield items page by page until the last page, ``max_pages`` or ``max_items``.

    ``fetch(token)`` gets one page; the first call gets ``None``. A ``next_page_token`` that is
    missing or null marks the last page (``Page.from_api`` maps both to None). ``max_pages=None``
    lifts the page limit; a token the server already handed out still ends the walk, so a
    server that repeats itself cannot loop us forever.
    """
    if max_pages is not None and max_pages < 1:
        raise ValueError("max_pages must be at least 1 (or None for no limit)")
    if max_items is not None and max_items <= 0:
        return
    token: str | None = None
    seen: set[str] = set()
    pages = 0
    items = 0
    while True:
        page = await fetch(token)
        pages += 1
        for item in page.items:
            yield item
            items += 1
            if max_items is not None and items >= max_items:
                return
        token = page.next_page_token
        if not token or token in seen:
            return
        if max_pages is not None and pages >= max_pages:
            return
        seen.add(token)


async def collect(
    fetch: PageFetcher[T],
    *,
    max_pages: int | None = 1,
    max_items: int | None = None,
) -> list[T]:
    """``paginate`` into a list."""
    return [item async for item in paginate(fetch, max_pages=max_pages, max_items=max_items)]
