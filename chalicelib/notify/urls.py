"""Where a subscription may send: the SSRF guard.

A receiver URL is https, on a public address. In local mode (the AWS sandbox, never stage
prod) loopback receivers are allowed too, over http as well: a webhook on 127.0.0.1 for
development. Private, link-local (the cloud metadata endpoint 169.254.169.254 among them),
multicast and reserved addresses are refused everywhere.

`check_url` runs when a subscription is saved (no DNS there: a name may resolve later, and
the API must not wait on DNS); `resolve` runs before every delivery, resolving the name and
checking every address, and the request then goes to the checked address (a DNS answer that
changes between check and connect cannot redirect it).
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any, Optional
from urllib.parse import urlsplit

MAX_URL = 2048
LOOPBACK_NAMES = ("localhost",)


class Refused(ValueError):
    """The URL or its address is not a place Launchbay sends to (said in words)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str      # as written (for the Host header and TLS)
    port: int
    path: str      # path + query


def local_mode(settings: Any) -> bool:
    return bool(settings.sandbox) and settings.stage != "prod"


def _ip(text: str) -> Optional[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        ip = ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:  # ::ffff:10.0.0.1 is 10.0.0.1
        return ip.ipv4_mapped
    return ip


def check_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, local: bool) -> None:
    if ip.is_loopback:
        if local:
            return
        raise Refused(f"{ip} is a loopback address")
    if ip.is_link_local:
        raise Refused(f"{ip} is a link-local address (such as the cloud metadata endpoint)")
    if ip.is_private or ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        raise Refused(f"{ip} is not a public address")


def _is_loopback_name(host: str) -> bool:
    return host in LOOPBACK_NAMES or host.endswith(".localhost")


def parse(url: str) -> Target:
    if not isinstance(url, str) or not url or len(url) > MAX_URL:
        raise Refused(f"a URL of at most {MAX_URL} characters is required")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(f"not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise Refused("the URL must start with https://")
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        raise Refused("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise Refused("credentials in the URL are not allowed; use the signing secret to authenticate")
    if any(c.isspace() for c in url):
        raise Refused("the URL contains white space")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path)


def check_url(url: str, local: bool) -> Target:
    """Refuse what can be refused without DNS: a bad scheme, loopback names and addresses
    outside local mode, private and link-local addresses."""
    target = parse(url)
    ip = _ip(target.host)
    loopback = _is_loopback_name(target.host) or (ip is not None and ip.is_loopback)
    if ip is not None:
        check_address(ip, local)
    elif loopback and not local:
        raise Refused(f"{target.host} is a loopback name")
    if target.scheme == "http" and not (local and loopback):
        raise Refused("the URL must start with https:// (http is allowed only for loopback receivers in local mode)")
    return target


def resolve(target: Target, local: bool) -> str:
    """-> the address to connect to, after checking every address the name resolves to."""
    ip = _ip(target.host)
    if ip is not None:
        check_address(ip, local)
        return str(ip)
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise LookupError(f"{target.host} does not resolve ({exc})") from None
    addresses = []
    for info in infos:
        addr = _ip(str(info[4][0]))
        if addr is None:
            continue
        try:
            check_address(addr, local)
        except Refused as exc:
            raise Refused(f"{target.host} resolves to a refused address: {exc}") from None
        addresses.append(str(addr))
    if not addresses:
        raise LookupError(f"{target.host} has no usable address")
    return addresses[0]
