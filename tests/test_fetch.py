"""The outbound fetch policy: only public addresses, checked on every redirect and on the connected peer.

No test connects anywhere but loopback: addresses are checked without connecting, and downloads go
to servers these tests start on 127.0.0.1, let through by a test-only switch that is off by default.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from dataclasses import replace

import pytest

from dscb_assistant import fetch
from dscb_assistant.fetch import FetchPolicy, FetchRefused, check_url, fetch_pdf, refusal_for_address, resolve
from dscb_assistant.settings import Settings

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
STRICT = FetchPolicy()
LOOPBACK = FetchPolicy(allow_loopback=True, max_bytes=1024 * 1024, deadline=20)

# Each with the registry that says it is not public (IANA special-purpose registries, RFC 6890 and successors).
NOT_PUBLIC = [
    "127.0.0.1", "127.8.9.10",  # loopback (RFC 1122)
    "10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1",  # private (RFC 1918)
    "169.254.169.254",  # link-local: cloud metadata (RFC 3927)
    "100.64.0.1",  # shared address space, carrier NAT (RFC 6598)
    "0.0.0.0", "0.1.2.3",  # "this network"
    "224.0.0.1", "239.255.255.250",  # multicast
    "240.0.0.1", "255.255.255.255",  # reserved, broadcast
    "192.0.2.1", "198.51.100.7", "203.0.113.9", "198.18.0.1",  # documentation, benchmarking
    "::1", "::",  # IPv6 loopback, unspecified
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",  # IPv4-mapped
    "fc00::1", "fd12:3456::1",  # unique local
    "fe80::1", "fec0::1",  # link-local, site-local
    "ff02::1", "ff0e::1",  # multicast, including global-scope multicast
    "2001:db8::1",  # documentation
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",  # NAT64 of 127.0.0.1 and 169.254.169.254
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
]
PUBLIC = ["93.184.216.34", "8.8.8.8", "151.101.1.69", "2606:4700:4700::1111", "2a00:1450:4009:81d::200e"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_every_non_public_address_is_refused(address):
    assert refusal_for_address(address, STRICT), address


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert refusal_for_address(address, STRICT) == ""


@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f.1", "0177.0.0.1", "127.1", "::1", "::ffff:127.0.0.1"])
def test_loopback_however_spelt_is_refused_after_resolving(host):
    # Numeric spellings resolve without any lookup on the network.
    with pytest.raises(FetchRefused, match="loopback"):
        resolve(host, 80, STRICT)


@pytest.mark.parametrize("url", [
    "http://2130706433/", "http://0x7f.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x.pdf", "http://[fc00::1]/", "http://224.0.0.1/",
])
def test_fetching_a_non_public_address_is_refused_before_connecting(url, monkeypatch):
    monkeypatch.setattr(fetch, "_open", _must_not_connect)
    with pytest.raises(FetchRefused, match="Refused to download"):
        fetch_pdf(url, STRICT)


@pytest.mark.parametrize("url", ["ftp://example.org/x.pdf", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)", "//x/y.pdf", ""])
def test_only_http_and_https(url):
    with pytest.raises(FetchRefused, match="https://"):
        check_url(url, STRICT)


def test_the_test_only_loopback_switch_is_off_by_default():
    assert Settings().fetch_loopback_for_tests is False
    assert FetchPolicy.from_settings(Settings.from_env({})).allow_loopback is False
    assert FetchPolicy().allow_loopback is False


def test_allow_list_from_the_environment_admits_those_hosts_and_their_subdomains_only():
    policy = FetchPolicy.from_settings(Settings.from_env({"DSCB_FETCH_ALLOW": "gov.uk, nspcc.org.uk"}))
    assert policy.allow_hosts == ("gov.uk", "nspcc.org.uk")
    for url in ("https://gov.uk/a.pdf", "https://assets.publishing.service.gov.uk/a.pdf", "https://learning.NSPCC.org.uk/b.pdf"):
        check_url(url, policy)
    for url in ("https://evilgov.uk/a.pdf", "https://gov.uk.example.org/a.pdf", "https://nspcc.org/b.pdf"):
        with pytest.raises(FetchRefused, match="DSCB_FETCH_ALLOW"):
            check_url(url, policy)


# -- downloads from servers on loopback ----------------------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict = {}
    seen: list = []

    def do_GET(self):  # noqa: N802 - the http.server API
        self.seen.append(self.path)
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        route(self)

    def log_message(self, *args):
        pass


def _send(status, headers, body=b""):
    def respond(handler):
        handler.send_response(status)
        for key, value in headers.items():
            handler.send_header(key, value.replace("{port}", str(handler.server.server_address[1])))
        handler.end_headers()
        handler.wfile.write(body)
    return respond


def _trickle_body(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/pdf")
    handler.end_headers()
    handler.wfile.write(b"%PDF-1.4\n")
    for _ in range(300):  # a byte every 0.1 s for 30 s: each read is quick, the whole is not
        try:
            handler.wfile.write(b" ")
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.1)


def _trickle_headers(handler):
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    for i in range(300):
        try:
            handler.wfile.write(f"X-Slow-{i}: y\r\n".encode())
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.1)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    _Handler.routes = {
        "/review.pdf": _send(200, {"Content-Type": "application/pdf"}, PDF),
        "/untyped.pdf": _send(200, {}, PDF),
        "/page.html": _send(200, {"Content-Type": "text/html"}, b"<html>hello</html>"),
        "/zip": _send(200, {"Content-Type": "application/zip"}, b"PK\x03\x04"),
        "/login.pdf": _send(200, {"Content-Type": "application/pdf"}, b"<html>log in first</html>"),
        "/declared-big.pdf": _send(200, {"Content-Type": "application/pdf", "Content-Length": str(50 * 1024 * 1024)}, PDF),
        "/big.pdf": _send(200, {"Content-Type": "application/pdf"}, b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)),
        "/trickle-body.pdf": _trickle_body,
        "/trickle-headers.pdf": _trickle_headers,
        "/to-metadata": _send(302, {"Location": "http://169.254.169.254/latest/meta-data/"}),
        "/to-private": _send(301, {"Location": "http://10.0.0.1/review.pdf"}),
        "/to-mapped": _send(307, {"Location": "http://[::ffff:127.0.0.1]:{port}/review.pdf"}),
        "/to-localhost": _send(302, {"Location": "http://localhost:{port}/review.pdf"}),
        "/to-file": _send(302, {"Location": "file:///etc/passwd"}),
        "/to-review": _send(302, {"Location": "/review.pdf"}),
        "/loop": _send(302, {"Location": "/loop"}),
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetches_a_pdf_from_an_allowed_server(server):
    assert fetch_pdf(f"{server}/review.pdf", LOOPBACK)[:2] == (PDF, "review.pdf")
    assert fetch_pdf(f"{server}/untyped.pdf", LOOPBACK)[0] == PDF
    data, name, final = fetch_pdf(f"{server}/to-review", LOOPBACK)
    assert data == PDF and final == f"{server}/review.pdf"


def test_the_same_server_is_refused_without_the_test_only_switch(server):
    with pytest.raises(FetchRefused, match="loopback"):
        fetch_pdf(f"{server}/review.pdf", replace(LOOPBACK, allow_loopback=False))


@pytest.mark.parametrize("path, message", [
    ("/to-metadata", "169.254.169.254, a link-local address"),
    ("/to-private", "10.0.0.1, a private address"),
    ("/to-file", "other than a web address"),
    ("/loop", "redirects more than"),
])
def test_redirects_are_checked_like_the_first_address(server, path, message, monkeypatch):
    real_open = fetch._open
    opened = []
    monkeypatch.setattr(fetch, "_open", lambda address, port, timeout: opened.append(address) or real_open(address, port, timeout))
    with pytest.raises(FetchRefused, match=message):
        fetch_pdf(f"{server}{path}", LOOPBACK)
    assert set(opened) == {"127.0.0.1"}  # the refused address was never connected to


def test_a_redirect_to_a_host_outside_the_allow_list_is_refused(server):
    policy = replace(LOOPBACK, allow_hosts=("127.0.0.1",))
    assert fetch_pdf(f"{server}/review.pdf", policy)[0] == PDF
    with pytest.raises(FetchRefused, match="DSCB_FETCH_ALLOW.*localhost is not one"):
        fetch_pdf(f"{server}/to-localhost", policy)


def test_dns_rebinding_is_caught_on_the_connected_peer(server, monkeypatch):
    """The name resolves to a public address when checked, but the connection lands on loopback."""
    port = int(server.rsplit(":", 1)[1])
    before = len(_Handler.seen)
    real_getaddrinfo = socket.getaddrinfo

    def first_answer(host, *args, **kwargs):
        if host == "reports.example.org":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]
        return real_getaddrinfo(host, *args, **kwargs)

    def connect_after_rebinding(address, p, timeout):
        # Whatever resolves the name at connect time now answers 127.0.0.1; the public address is never dialled.
        assert address == "93.184.216.34"
        sock = socket.socket()
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", port))
        return sock

    monkeypatch.setattr(fetch.socket, "getaddrinfo", first_answer)
    monkeypatch.setattr(fetch, "_open", connect_after_rebinding)
    with pytest.raises(FetchRefused, match="127.0.0.1, a loopback address"):
        fetch_pdf(f"http://reports.example.org:{port}/review.pdf", STRICT)
    assert len(_Handler.seen) == before  # no request was sent to the internal server


@pytest.mark.parametrize("path, message", [
    ("/page.html", "web page, not a PDF"),
    ("/zip", "application/zip file, not a PDF"),
    ("/login.pdf", "does not start with %PDF"),
    ("/declared-big.pdf", "50 MB; the limit is 1 MB"),
    ("/big.pdf", "larger than the limit of 1 MB"),
    ("/nothing.pdf", "answered 404"),
])
def test_content_checks(server, path, message):
    with pytest.raises(FetchRefused, match=message):
        fetch_pdf(f"{server}{path}", LOOPBACK)


@pytest.mark.parametrize("path", ["/trickle-body.pdf", "/trickle-headers.pdf"])
def test_overall_deadline_stops_a_server_that_trickles(server, path):
    # Every read returns within the socket timeout; only the overall deadline ends the download.
    with pytest.raises(FetchRefused, match="took longer than 1 seconds"):
        fetch_pdf(f"{server}{path}", replace(LOOPBACK, deadline=1))


def test_connect_timeout_applies_to_an_address_that_never_accepts():
    # A listening socket whose accept queue is full drops new connection attempts, so connect() hangs.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(8):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        with pytest.raises(FetchRefused, match="could not be reached \\(timed out\\)"):
            fetch_pdf(f"http://127.0.0.1:{port}/x.pdf", replace(LOOPBACK, connect_timeout=0.5, deadline=60))
    finally:
        for s in fillers:
            s.close()
        listener.close()


def _must_not_connect(address, port, timeout):
    raise AssertionError(f"connected to {address}")
