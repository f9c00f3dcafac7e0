"""Outbound fetching: the one policy for which addresses the server may download from, and the download itself.

A shared server must not be turned against its own network: "add by link" could otherwise read
``http://127.0.0.1:...``, ``http://10.x``, the cloud metadata address ``169.254.169.254`` or
loopback spelt ``2130706433``. Every address the host name resolves to, every redirect, and the
address the socket actually connected to (so DNS rebinding does not pass) must be public.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from email.message import Message
from pathlib import PurePosixPath

from .errors import DscbError

PDF_MAGIC = b"%PDF-"
USER_AGENT = "DSCB-Learning-Assistant/1.0 (+report download for a local search index)"
MAX_REDIRECTS = 5
PDF_TYPES = ("application/pdf", "application/x-pdf", "application/octet-stream", "binary/octet-stream", "")
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits; a gateway would reach that address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchRefused(DscbError):
    """A download was refused or failed; the message says why and what to do."""


@dataclass(frozen=True)
class FetchPolicy:
    """What the server may fetch, how much and for how long.

    Attributes:
        max_bytes: the largest body accepted.
        connect_timeout: seconds to wait for a connection to each address.
        deadline: seconds for the whole download, redirects and slow servers included.
        allow_hosts: when not empty, only these hosts and their subdomains (``DSCB_FETCH_ALLOW``).
        allow_loopback: tests only: also fetch from 127.0.0.1/::1 (servers the test starts itself).
    """

    max_bytes: int = 100 * 1024 * 1024
    connect_timeout: float = 10.0
    deadline: float = 60.0
    allow_hosts: tuple[str, ...] = ()
    allow_loopback: bool = False

    @classmethod
    def from_settings(cls, settings) -> "FetchPolicy":
        hosts = tuple(h.strip().lower().strip(".") for h in settings.fetch_allow.split(",") if h.strip())
        return cls(
            max_bytes=settings.max_file_mb * 1024 * 1024,
            connect_timeout=settings.fetch_connect_timeout,
            deadline=settings.fetch_deadline,
            allow_hosts=hosts,
            allow_loopback=settings.fetch_loopback_for_tests,
        )


def refusal_for_address(address: str, policy: FetchPolicy) -> str:
    """Why ``address`` (an IP address as text) may not be fetched from, or "" when it may."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"{address!r} is not an IP address"
    if policy.allow_loopback and _embedded(ip).is_loopback:
        return ""
    # The carried IPv4 address first, in a fixed order: a set's order follows the string hash,
    # which changes with every process, so "::ffff:127.0.0.1" was called loopback or private at random.
    for candidate in dict.fromkeys((_embedded(ip), ip)):
        kind = _not_public(candidate)
        if kind:
            return f"it leads to {address}, a {kind} address"
    return ""


def check_url(url: str, policy: FetchPolicy) -> urllib.parse.SplitResult:
    """The parsed address when its scheme and host may be fetched (before resolving it).

    Raises:
        FetchRefused: not http(s), no host, or a host outside ``DSCB_FETCH_ALLOW``.
    """
    parts = urllib.parse.urlsplit((url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused("Give a web address starting with https:// (or http://).")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise FetchRefused("The address has a port that is not a number; check the link.") from None
    host = parts.hostname.lower().rstrip(".")
    if policy.allow_hosts and not any(host == h or host.endswith("." + h) for h in policy.allow_hosts):
        raise FetchRefused(
            f"Downloads are only allowed from {', '.join(policy.allow_hosts)} (DSCB_FETCH_ALLOW); {host} is not one of them."
        )
    return parts


def resolve(host: str, port: int, policy: FetchPolicy) -> list[str]:
    """Every address ``host`` resolves to, all of which must be public (one private address refuses the host).

    Raises:
        FetchRefused: the name does not resolve, or resolves to a private, loopback, link-local,
            multicast or reserved address.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchRefused(f"The address {host} could not be found ({exc}). Check the link and the network.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    for address in addresses:
        reason = refusal_for_address(address, policy)
        if reason:
            raise FetchRefused(f"Refused to download from {host}: {reason}. Only public web addresses can be fetched.")
    return addresses


def fetch_pdf(url: str, policy: FetchPolicy) -> tuple[bytes, str, str]:
    """Download a PDF under ``policy``.

    Returns:
        The bytes, a file name for them (Content-Disposition, else the address) and the final address.

    Raises:
        FetchRefused: refused by the policy, unreachable, an HTTP error, too large, too slow, or not a PDF.
    """
    deadline = time.monotonic() + policy.deadline
    for _ in range(MAX_REDIRECTS + 1):
        parts = check_url(url, policy)
        status, headers, body = _get(parts, policy, deadline)
        if status in (301, 302, 303, 307, 308):
            location = headers.get("Location")
            if not location:
                raise FetchRefused(f"The server answered {status} without saying where to; check the link.")
            url = urllib.parse.urljoin(url, location)
            if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
                raise FetchRefused("The address redirects to something other than a web address; give the PDF's own link.")
            continue
        if status >= 400:
            raise FetchRefused(f"The server answered {status} for that address; check the link.")
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type in ("text/html", "application/xhtml+xml"):
            raise FetchRefused(
                "That address gives a web page, not a PDF. Open it in a browser and copy the link of the PDF itself."
            )
        if content_type not in PDF_TYPES and PDF_MAGIC not in body[:1024]:
            raise FetchRefused(f"That address gives a {content_type} file, not a PDF.")
        if PDF_MAGIC not in body[:1024]:
            raise FetchRefused("That address gives something that is not a PDF (it does not start with %PDF).")
        return body, _file_name(headers, url), url
    raise FetchRefused(f"The address redirects more than {MAX_REDIRECTS} times; give the PDF's own link.")


def _get(parts: urllib.parse.SplitResult, policy: FetchPolicy, deadline: float):
    https = parts.scheme == "https"
    host = parts.hostname
    port = parts.port or (443 if https else 80)
    sock = _connect(host, port, policy, deadline)
    # The whole exchange ends at the deadline, however slowly the server trickles its headers or body.
    expired = threading.Event()
    holder = [sock]
    watchdog = threading.Timer(max(0.0, deadline - time.monotonic()), _shut, args=(holder, expired))
    watchdog.daemon = True
    watchdog.start()
    try:
        if https:
            sock = holder[0] = ssl.create_default_context().wrap_socket(sock, server_hostname=host)
        connection = (http.client.HTTPSConnection if https else http.client.HTTPConnection)(host, port)
        connection.sock = sock
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        connection.putrequest("GET", target, skip_accept_encoding=True)
        connection.putheader("User-Agent", USER_AGENT)
        connection.putheader("Accept", "application/pdf,*/*;q=0.5")
        connection.putheader("Connection", "close")
        connection.endheaders()
        response = connection.getresponse()
        if response.status in (301, 302, 303, 307, 308) or response.status >= 400:
            return response.status, response.headers, b""
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > policy.max_bytes:
            raise FetchRefused(f"The file is {_mb(int(length))} MB; the limit is {_mb(policy.max_bytes)} MB.")
        chunks, size = [], 0
        while True:
            block = response.read1(64 * 1024)
            if not block:
                break
            size += len(block)
            if size > policy.max_bytes:
                raise FetchRefused(f"The file is larger than the limit of {_mb(policy.max_bytes)} MB.")
            chunks.append(block)
            if expired.is_set() or time.monotonic() > deadline:
                raise _too_slow(policy)
        if expired.is_set():  # the watchdog's shutdown looks like the end of the body
            raise _too_slow(policy)
        return response.status, response.headers, b"".join(chunks)
    except FetchRefused:
        raise
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or time.monotonic() >= deadline:
            raise _too_slow(policy) from None
        if isinstance(exc, ssl.SSLError):
            raise FetchRefused(f"The secure connection to {host} failed ({exc.reason}).") from None
        raise FetchRefused(f"The download from {host} failed ({exc.strerror or exc}).") from None
    finally:
        watchdog.cancel()
        sock.close()


def _connect(host: str, port: int, policy: FetchPolicy, deadline: float) -> socket.socket:
    """A socket connected to a checked address of ``host``; the peer is checked again once connected."""
    problems = []
    for address in resolve(host, port, policy):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _too_slow(policy)
        try:
            sock = _open(address, port, min(policy.connect_timeout, remaining))
        except OSError as exc:
            problems.append(exc.strerror or str(exc))
            continue
        # The name may have been resolved again by whatever connected; trust only the connected peer.
        peer = sock.getpeername()[0]
        reason = refusal_for_address(peer, policy)
        if reason:
            sock.close()
            raise FetchRefused(f"Refused to download from {host}: {reason}. Only public web addresses can be fetched.")
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        return sock
    raise FetchRefused(
        f"The address {host} could not be reached ({'; '.join(dict.fromkeys(problems)) or 'no address'}). "
        "Check the link and the network."
    )


def _open(address: str, port: int, timeout: float) -> socket.socket:
    return socket.create_connection((address, port), timeout=timeout)


def _shut(holder: list, expired: threading.Event) -> None:
    expired.set()
    try:
        holder[0].shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


def _not_public(ip) -> str:
    checks = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("site-local", getattr(ip, "is_site_local", False)),
        ("non-public", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), "")


def _embedded(ip):
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), else ``ip`` itself."""
    if ip.version != 6:
        return ip
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _too_slow(policy: FetchPolicy) -> FetchRefused:
    return FetchRefused(f"The download took longer than {policy.deadline:.0f} seconds; try again later or upload the file.")


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.0f}"


def _file_name(headers, url: str) -> str:
    disposition = headers.get("Content-Disposition") or ""
    if disposition:
        message = Message()
        message["Content-Disposition"] = disposition
        name = message.get_filename()
        if name:
            return name
    name = PurePosixPath(urllib.parse.unquote(urllib.parse.urlsplit(url).path)).name
    return name or "report.pdf"
