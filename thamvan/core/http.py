from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from thamvan.accounts.models import User

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class AuthedRequest(HttpRequest):
    """The request type of views behind login_required."""

    user: User
    htmx: HtmxDetails


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _parse(value: str) -> IPAddress | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(request: HttpRequest) -> str | None:
    """The address of the client: the peer, or behind a trusted proxy whom it forwarded for.

    X-Forwarded-For is written by whoever sent the request, so only the entries
    appended by trusted proxies are believed: walk from the right past them and
    take the first address they did not add. A malformed entry means the chain
    cannot be followed, and the peer is the best address known.
    """
    peer = _parse(str(request.META.get("REMOTE_ADDR") or ""))
    if peer is None:
        return None
    trusted = _networks(tuple(settings.TRUSTED_PROXIES))

    def is_trusted(address: IPAddress) -> bool:
        return any(address in network for network in trusted)

    if not is_trusted(peer):
        return str(peer)
    client = peer
    for entry in reversed(str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")):
        if not entry.strip():
            continue
        hop = _parse(entry)
        if hop is None:
            return str(peer)
        client = hop
        if not is_trusted(hop):
            break
    return str(client)
