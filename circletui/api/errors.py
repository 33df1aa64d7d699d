"""The client's exception hierarchy: one type per failure a caller reacts to differently.

Every error carries the HTTP method and the path (never the query string, never a header),
the status when there was a response, and the server's ``message`` when it sent one. None of
them can hold the token: it only ever lives in the client's headers.
"""

from __future__ import annotations


class CircleCIError(Exception):
    """Base of everything the client raises."""

    status: int | None = None

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
    ) -> None:
        self.message = message
        self.method = method
        self.path = path
        if status is not None:
            self.status = status
        super().__init__(message)

    def __str__(self) -> str:
        where = f" ({self.method} {self.path})" if self.method else ""
        code = f"{self.status}: " if self.status is not None else ""
        return f"{code}{self.message}{where}"


# -- the server answered with an error status ------------------------------------------------


class HTTPError(CircleCIError):
    """The server answered with a non-2xx status.

    ``retry_after`` is the server's ``Retry-After`` in seconds when the answer had one (a 429,
    but also a 503 may send it), otherwise None.
    """

    retry_after: float | None = None


class BadRequest(HTTPError):
    """400 (and other 4xx without a type of their own): the request was refused as invalid."""

    status = 400


class Unauthorized(HTTPError):
    """401: the token is missing, invalid, expired or revoked."""

    status = 401


class Forbidden(HTTPError):
    """403: the token is valid but may not do this."""

    status = 403


class NotFound(HTTPError):
    """404: unknown id or slug, an approval job's details, a stale page token."""

    status = 404


class RateLimited(HTTPError):
    """429: throttled. ``retry_after`` is the server's wait in seconds, when it sent one."""

    status = 429

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(HTTPError):
    """5xx: CircleCI failed."""

    status = 500


# -- no usable answer -------------------------------------------------------------------------


class TransportError(CircleCIError):
    """No HTTP answer at all."""


class NetworkError(TransportError):
    """The connection failed or was dropped."""


class ConnectionRefused(NetworkError):
    """The connection could not be made: the request was never sent, so retrying is safe."""


class Timeout(TransportError):
    """The request or the response took longer than the client's timeout."""


class InvalidResponse(CircleCIError):
    """A 2xx answer whose body is not the JSON that was expected."""


class CertificateNotTrusted(CircleCIError):
    """The server's TLS certificate did not verify: nothing was sent, and retrying cannot help.

    Not a ``TransportError``: the host answered, and the message (which names the host and
    the setting to change) is what the user needs to read, not "unreachable".
    """


# -- refused before sending -------------------------------------------------------------------


class ReadOnlyRefused(CircleCIError):
    """A mutation asked of a read-only client: refused without sending anything."""
