"""The client's address, behind the reverse proxy or not.

Lockout (django-axes) and the password-reset throttle count per client
address, so the address must be one a client cannot choose. X-Forwarded-For is
written by whoever sends the request: it is read only when the socket peer
(REMOTE_ADDR) is one of TRUSTED_PROXIES, and then only the entries our own
proxies appended (TRUSTED_PROXY_COUNT of them, counted from the right; django-
ipware picks that position). Anything a client put to the left is ignored, and
a request from anywhere else is its socket address, whatever its headers say.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from ipware import get_client_ip


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str | None:
    """The address the request came from, as lockout and throttles count it."""
    peer = request.META.get("REMOTE_ADDR") or None
    if peer is None or not _is_trusted_proxy(peer):
        return peer
    # The peer is our proxy: the client is the entry the outermost of our
    # TRUSTED_PROXY_COUNT proxies appended to X-Forwarded-For.
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=settings.TRUSTED_PROXY_COUNT - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    return address or peer
