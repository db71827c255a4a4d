"""The app checks who calls it: real requests to a real `foomcalc app` on 127.0.0.1.

A wrong `Host` (DNS rebinding), a foreign `Origin` on a page, a POST or a WebSocket
handshake (cross-site), and an upload body above the evidence size limit are refused
(403 / 413) and logged; the page's own requests go through."""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import time

import pytest

from foomcalc.evidence.files import MAX_MB
from tests.browser import AppServer

EVIL = "http://evil.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = AppServer(tmp_path_factory.mktemp("app") / "work", draws=100)
    yield srv
    srv.stop()


def request(server, method: str = "GET", path: str = "/", headers: dict | None = None,
            body: bytes | None = None) -> tuple[int, str]:
    """(status, body) of one request to the app, with these headers (Host given or the
    app's own)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body,
                     headers={"Host": f"127.0.0.1:{server.port}", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read().decode(errors="replace")
    finally:
        conn.close()


def websocket_status(server, origin: str | None, host: str | None = None) -> str:
    """The status line the app answers a WebSocket handshake on /websocket/ with."""
    lines = ["GET /websocket/ HTTP/1.1", f"Host: {host or f'127.0.0.1:{server.port}'}",
             "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return sock.recv(4096).decode(errors="replace").split("\r\n")[0]


def log_text(server) -> str:
    server.log.flush()
    time.sleep(0.3)  # the server writes its log line after answering
    return open(server.log.name).read()


def test_the_page_itself_is_served(server):
    assert request(server)[0] == 200
    assert request(server, headers={"Host": f"localhost:{server.port}"})[0] == 200
    assert request(server, headers={"Origin": f"http://127.0.0.1:{server.port}"})[0] == 200
    assert websocket_status(server, f"http://127.0.0.1:{server.port}").startswith(
        "HTTP/1.1 101")
    assert websocket_status(server, f"http://localhost:{server.port}",
                            host=f"localhost:{server.port}").startswith("HTTP/1.1 101")


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1",
                                  "127.0.0.1:1", "localhost.evil.example:{port}", ""])
def test_wrong_host_is_refused_and_logged(server, host):
    status, body = request(server, headers={"Host": host.format(port=server.port)})
    assert status == 403 and "Host" in body
    assert "refused http /" in log_text(server)


def test_foreign_origin_is_refused_on_pages_posts_and_websockets(server):
    assert request(server, headers={"Origin": EVIL})[0] == 403
    assert request(server, "POST", "/session/x/upload/y", headers={"Origin": EVIL},
                   body=b"a,b\n")[0] == 403
    assert request(server, "POST", "/", body=b"x")[0] == 403  # a POST without an Origin
    assert websocket_status(server, EVIL).startswith("HTTP/1.1 403")
    assert websocket_status(server, None).startswith("HTTP/1.1 403")
    assert websocket_status(server, f"http://127.0.0.1:{server.port}",
                            host="evil.example").startswith("HTTP/1.1 403")
    assert "refused websocket /websocket/" in log_text(server)


def test_upload_above_the_size_limit_is_refused_before_its_body(server):
    """A Content-Length beyond the limit is answered 413 without reading the body (none
    is sent here: a server that waited for it would time out)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.putrequest("POST", "/session/abc/upload/def", skip_host=True)
        conn.putheader("Host", f"127.0.0.1:{server.port}")
        conn.putheader("Origin", f"http://127.0.0.1:{server.port}")
        conn.putheader("Content-Length", str((MAX_MB.value() + 1) * 2**20))
        conn.endheaders()
        response = conn.getresponse()
        text = response.read().decode()
    finally:
        conn.close()
    assert response.status == 413
    assert f"limited to {MAX_MB.value()} MB" in text and MAX_MB.env in text


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_with_a_foreign_origin_or_host_is_refused(server):
    def curl(*args: str) -> str:
        return subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", *args,
                               server.url], capture_output=True, text=True, timeout=60).stdout

    assert curl() == "200"
    assert curl("-H", f"Origin: {EVIL}") == "403"
    assert curl("-H", "Host: evil.example") == "403"
