"""Which hosts may receive the token over plain HTTP: this machine only, unless overridden.

Kept free of heavy imports: the config resolution (and so ``--help``) uses it, and so does
the API client.
"""

from __future__ import annotations

import ipaddress

#: the command-line flag that lets the token cross a network in clear text
INSECURE_HTTP_FLAG = "--insecure-http-send-token-in-clear"


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a URL's host part) can only mean this machine."""
    name = host.strip("[]").lower().rstrip(".")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
