"""Which webhook URLs the portal will call: https to public addresses only (http to loopback in development),
checked when an endpoint is saved and again before every send, which then connects to an address this check
approved (never to a fresh lookup, which DNS rebinding could point inside the network)."""

from __future__ import annotations

import ipaddress
import socket
from typing import Callable

from ..core.urls import parse_url

MAX_URL = 2000
Resolver = Callable[[str, int], list[str]]


class UnsafeUrl(ValueError):
    pass


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses in the system's order of preference, each once."""
    try:
        return list(dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)))
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl(f"{host} does not resolve to an address.") from None


def _refusal(address: str, *, development: bool) -> str | None:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return None if development else "a loopback address"
    if ip.is_link_local:
        return "a link-local address (cloud metadata services live there)"
    if ip.is_private or ip.is_reserved or ip.is_multicast or ip.is_unspecified or not ip.is_global:
        return "a private or reserved address"
    return None


def _has_space_or_control(url: str) -> bool:
    # urlsplit silently drops tabs and line breaks, so they must be caught before it sees the URL.
    return any(char.isspace() or ord(char) < 0x20 or ord(char) == 0x7F for char in url)


def check(url: str, *, development: bool, resolver: Resolver = resolve) -> list[str]:
    """Raise UnsafeUrl with a reason a developer can act on, or return the addresses the portal may connect to
    for this URL (all of the host's addresses, each one checked), in order of preference."""
    if len(url) > MAX_URL:
        raise UnsafeUrl(f"A webhook URL may have at most {MAX_URL} characters.")
    if _has_space_or_control(url):
        raise UnsafeUrl("A webhook URL may not contain spaces, tabs, line breaks or other control characters.")
    parsed = parse_url(url)
    if parsed is None:
        raise UnsafeUrl("Enter an absolute https URL: this one cannot be read (a port from 1 to 65535, an IPv6"
                        " address in [brackets]).")
    parts = parsed.parts
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeUrl("Enter an absolute https URL.")
    if parts.username or parts.password or "@" in parts.netloc:
        raise UnsafeUrl("Webhook URLs may not carry a user name or password.")
    if parts.fragment:
        raise UnsafeUrl("Webhook URLs may not have a #fragment.")
    port = parsed.port or (443 if parts.scheme == "https" else 80)
    addresses = resolver(parts.hostname, port)
    if not addresses:
        raise UnsafeUrl(f"{parts.hostname} does not resolve to an address.")
    for address in addresses:
        reason = _refusal(address, development=development)
        if reason:
            raise UnsafeUrl(f"{parts.hostname} resolves to {reason}; the portal will not call it.")
    all_loopback = all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)
    if parts.scheme == "http" and not (development and all_loopback):
        raise UnsafeUrl("Webhook URLs must use https.")
    return addresses
