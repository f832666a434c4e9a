"""Outbound calls to URLs that users can set (n8n webhook URLs): only to configured hosts, never into private space.

A registered workflow URL is user input; the suite POSTs to it with a secret header. ``check_outbound_url`` refuses,
before any connection is made:

- hosts not in the allow-list (``SUITE_N8N_ALLOWED_HOSTS``: ``host`` for any port, ``host:port`` for one), so the
  suite's own services, Traefik's admin port or a database cannot be targeted;
- hosts whose resolved addresses are loopback, private, link-local, multicast, reserved or unspecified, unless the
  address lies in a network explicitly allowed for them (``SUITE_N8N_ALLOWED_NETWORKS``, e.g. the local n8n on
  127.0.0.1, or the compose network); link-local addresses (cloud metadata, 169.254.169.254) are never allowed.

Every resolved address must pass, so a name that also resolves into private space is refused. Requests are sent
without following redirects (httpx's default), so an allowed host cannot bounce the call elsewhere.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class OutboundRefused(Exception):
    """The URL may not be called; the message is safe to store and show (no response body, no secret)."""


@dataclass(frozen=True)
class OutboundPolicy:
    allowed_hosts: frozenset[tuple[str, int | None]]
    allowed_networks: tuple[IPNetwork, ...]

    @classmethod
    def parse(cls, hosts: str, networks: str) -> OutboundPolicy:
        allowed: set[tuple[str, int | None]] = set()
        for entry in filter(None, (part.strip().lower() for part in hosts.split(","))):
            host, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
            allowed.add((host.strip("[]"), int(port)) if port else (entry.strip("[]"), None))
        return cls(
            allowed_hosts=frozenset(allowed),
            allowed_networks=tuple(
                ipaddress.ip_network(part.strip(), strict=False) for part in networks.split(",") if part.strip()
            ),
        )

    def host_allowed(self, host: str, port: int) -> bool:
        host = host.lower()
        return (host, port) in self.allowed_hosts or (host, None) in self.allowed_hosts

    def address_allowed(self, address: IPAddress) -> bool:
        if address.is_link_local:
            return False  # cloud metadata services live here: never
        if address.is_global:
            return True
        return any(address in network for network in self.allowed_networks)


async def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0]) for info in infos]


async def check_outbound_url(url: str, policy: OutboundPolicy) -> None:
    """Raise ``OutboundRefused`` unless ``url`` is an http(s) URL to an allowed host resolving to allowed addresses."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise OutboundRefused(f"invalid URL: {exc}") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise OutboundRefused("only http(s) URLs with a host are called")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    if not policy.host_allowed(parsed.host, port):
        raise OutboundRefused(f"host {parsed.host}:{port} is not in SUITE_N8N_ALLOWED_HOSTS")
    try:
        addresses = await resolve(parsed.host, port)
    except OSError as exc:
        raise OutboundRefused(f"host {parsed.host} does not resolve ({type(exc).__name__})") from None
    refused = [str(address) for address in addresses if not policy.address_allowed(address)]
    if refused or not addresses:
        raise OutboundRefused(
            f"host {parsed.host} resolves to {', '.join(refused) or 'nothing'}: private, loopback or link-local "
            "addresses are called only within SUITE_N8N_ALLOWED_NETWORKS"
        )
