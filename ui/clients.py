"""Who a request comes from: the client address that per-client limits count, one that a client cannot forge.

Behind reverse proxies, each trusted proxy appends the address it received the request from to X-Forwarded-For;
entries to the left of those were written by the client and prove nothing. So the client is the entry that the
outermost trusted proxy appended: the TRUSTED_HOPS-th entry from the right (0 hops: the socket peer, no proxy).
IPv6 visitors get a whole /64 network from their provider, so addresses are counted per /64.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterable

import gradio as gr

HOPS_VARIABLE = "TRANSFER_TRUSTED_HOPS"
#: Reverse proxies in front of the app that append to X-Forwarded-For (README: Deploy): 0 when clients connect
#: directly; on a Hugging Face Space (which sets SPACE_ID) 1 unless set: only its proxy reaches the app.
TRUSTED_HOPS = int(os.environ.get(HOPS_VARIABLE) or (1 if os.environ.get("SPACE_ID") else 0))
IPV6_PREFIX = 64  # one IPv6 visitor's network: providers hand out a /64 (or more), so it counts as one address


def forwarded_client(peer: str | None, forwarded_for: Iterable[str], hops: int) -> str | None:
    """The client's address: the socket `peer` with 0 `hops`, else the `hops`-th X-Forwarded-For entry from the
    right (the leftmost when the header has fewer entries: all of them then came from trusted proxies)."""
    if hops <= 0:
        return peer
    entries = [entry.strip() for value in forwarded_for for entry in value.split(",") if entry.strip()]
    if not entries:
        return peer
    return entries[-min(hops, len(entries))]


def address_group(host: str | None) -> str:
    """The address one client's limits count on: an IPv4 address as it is, an IPv6 one as its /64 network
    (an IPv4-mapped IPv6 address as the IPv4 address); anything else (a Unix socket, no client) as it is."""
    if not host:
        return ""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)


def client_address(request: gr.Request | None) -> str:
    """The address a request's per-client limits count on ("" without a request): its client as ui.server's
    middleware set it from the trusted proxies (TRUSTED_HOPS), IPv6 grouped by /64."""
    client = getattr(request, "client", None) if request is not None else None
    return address_group(getattr(client, "host", None))
