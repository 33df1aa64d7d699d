"""Where the token may travel: plain HTTP only to this machine, TLS checked against the
operating system's trust store plus an optional CA bundle, and certificate failures told
apart from an unreachable host.

The token goes in a header on every request, so a plain ``http://`` host anywhere but
loopback would send it across the network in clear text. ``check_host`` refuses that unless
the caller passes the explicit override. ``ssl_context`` verifies certificates with
``truststore`` (the OS trust store, as pip does since 23.2), so a CircleCI Server behind a
company CA that IT installed in the system store works without configuration, and
``ca_bundle`` (a PEM file) adds more CAs on top.
"""

from __future__ import annotations

import os
import ssl
import threading
from concurrent.futures import Future
from pathlib import Path

import httpx

from circletui.hostsafety import INSECURE_HTTP_FLAG, is_loopback

__all__ = ["INSECURE_HTTP_FLAG", "InsecureHostError", "check_host", "is_certificate_error",
           "is_loopback", "prepare_ssl_context", "ssl_context", "trusting_nothing"]


class InsecureHostError(ValueError):
    """A plain-HTTP host that is not this machine: the token would cross the network unread."""


def check_host(url: str, *, allow_insecure_http: bool = False) -> None:
    """Refuse ``http://`` to anything but loopback unless explicitly allowed."""
    parsed = httpx.URL(url)
    if parsed.scheme != "http" or allow_insecure_http or is_loopback(parsed.host):
        return
    secure = parsed.copy_with(scheme="https", port=None if parsed.port == 80 else parsed.port)
    raise InsecureHostError(
        f"refusing {url}: plain http would send your CircleCI token across the network "
        f"unencrypted. Use {str(secure).rstrip('/')} instead (plain http is accepted only "
        f"for localhost), or, if you really mean it, pass {INSECURE_HTTP_FLAG}."
    )


#: contexts being built ahead of time (``prepare_ssl_context``), by CA bundle
_early: dict[str | None, Future[ssl.SSLContext]] = {}


def _bundle_key(ca_bundle: str | os.PathLike[str] | None) -> str | None:
    return None if ca_bundle is None else os.fspath(ca_bundle)


def prepare_ssl_context(ca_bundle: str | os.PathLike[str] | None = None) -> None:
    """Start building what ``ssl_context(ca_bundle)`` returns, on a thread, so that reading
    a CA bundle (OpenSSL parses it without holding the GIL) overlaps the start-up imports.

    The next ``ssl_context`` call with the same bundle takes it (and raises its error).
    """
    key = _bundle_key(ca_bundle)
    if key in _early:
        return
    future: Future[ssl.SSLContext] = Future()

    def build() -> None:
        try:
            future.set_result(_build_context(ca_bundle))
        except Exception as exc:  # handed to the caller of ssl_context
            future.set_exception(exc)

    _early[key] = future
    threading.Thread(target=build, name="tls-context", daemon=True).start()


def ssl_context(ca_bundle: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
    """A verifying TLS context: the OS trust store, plus the CAs in ``ca_bundle`` if given.

    Raises ``ValueError`` naming the file when the bundle cannot be read or holds no
    certificate (an unusable bundle would otherwise show up later as a certificate error).
    """
    early = _early.pop(_bundle_key(ca_bundle), None)
    if early is not None:
        return early.result()  # waits for the thread; raises what it raised
    return _build_context(ca_bundle)


def trusting_nothing() -> ssl.SSLContext:
    """The TLS context of a client whose host is plain ``http://``: it verifies, and trusts no
    CA. Such a client never speaks TLS (redirects are not followed), so reading the trust
    store (tens of milliseconds at every start) would buy nothing; if it ever did connect
    with TLS, the certificate would be refused."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def _build_context(ca_bundle: str | os.PathLike[str] | None) -> ssl.SSLContext:
    import truststore  # only the network path needs it; the demo and tests do not

    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_bundle is not None:
        path = Path(ca_bundle).expanduser()
        try:
            context.load_verify_locations(cafile=str(path))
        except FileNotFoundError:
            raise ValueError(f"CA bundle {path} not found") from None
        except (ssl.SSLError, OSError) as exc:
            raise ValueError(f"CA bundle {path} is not a readable PEM file ({exc})") from None
    return context


def is_certificate_error(exc: BaseException) -> bool:
    """Whether a connection failed because the server's certificate was not trusted."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False
