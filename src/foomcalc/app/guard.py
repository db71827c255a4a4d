"""Who may call the app: an ASGI middleware in front of the Shiny app.

The app serves 127.0.0.1 only, but a page on any site can still make the browser send
requests there, and a DNS name rebound to 127.0.0.1 makes them same-origin. So every
request must name the address the app serves in its `Host` header (127.0.0.1:<port> or
localhost:<port>): a rebound name does not. A WebSocket handshake and a POST (the page's
live session and its uploads) must also carry an `Origin` that is the page's own
(http://127.0.0.1:<port> or http://localhost:<port>), and any other request that carries
an `Origin` must carry one of those. Anything else is answered 403 and logged (logger
`foomcalc.app`). Upload bodies (Shiny's POST /session/<id>/upload/<job>) are refused
(413) above the evidence files' size limit (`evidence.files.MAX_MB`) before any byte is
read; the message, which the page shows in the upload's progress bar, names the limit
and how to change it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from foomcalc.errors import InputError
from foomcalc.evidence.files import MAX_MB

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOG = logging.getLogger("foomcalc.app")
#: Shiny's upload endpoint (one POST per file).
UPLOAD_PATH = re.compile(r"^/session/[^/]+/upload/[^/]+$")
#: Host names the app answers to (it listens on 127.0.0.1 only).
LOCAL_NAMES = ("127.0.0.1", "localhost")


class CallerCheck:
    """Wrap `app` (served on 127.0.0.1:`port`): Host and Origin checked on every HTTP
    request and WebSocket handshake, upload bodies capped; see the module docstring."""

    def __init__(self, app: ASGIApp, port: int) -> None:
        self.app = app
        self.hosts = {f"{name}:{port}" for name in LOCAL_NAMES}
        self.origins = {f"http://{host}" for host in self.hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        refusal = self.refusal(scope, headers)
        if refusal is not None:
            LOG.warning("refused %s %s from %s: %s (Host %r, Origin %r)", scope["type"],
                        scope.get("path"), (scope.get("client") or ("?",))[0], refusal,
                        headers.get("host"), headers.get("origin"))
            await self.refuse(scope, send, 403, f"forbidden: {refusal}")
            return
        too_big = self.oversized_upload(scope, headers)
        if too_big is not None:
            LOG.warning("refused upload %s: %s", scope.get("path"), too_big)
            await self.refuse(scope, send, 413, too_big)
            return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope, headers: dict[str, str]) -> str | None:
        """Why a request is refused (None if it may go on)."""
        if headers.get("host", "").lower() not in self.hosts:
            return "the Host header is not the address this app serves"
        origin = headers.get("origin")
        needs_origin = scope["type"] == "websocket" or scope.get("method") == "POST"
        if origin is None and needs_origin:
            return "a WebSocket or POST request needs the page's own Origin"
        if origin is not None and origin.lower() not in self.origins:
            return "the Origin is not this app's page"
        return None

    def oversized_upload(self, scope: Scope, headers: dict[str, str]) -> str | None:
        """The message refusing an upload body above the evidence size limit (None if
        it is not an upload, or within the limit)."""
        if scope["type"] != "http" or scope.get("method") != "POST" or \
                not UPLOAD_PATH.match(scope.get("path", "")):
            return None
        try:
            limit_mb = MAX_MB.value()
        except InputError as exc:
            return str(exc)
        length = headers.get("content-length", "")
        if not length.isdigit():
            return "an upload needs a Content-Length"
        if int(length) > limit_mb * 2**20:
            return (f"the file is {int(length) / 2**20:,.1f} MB; evidence files are limited to "
                    f"{limit_mb:,} MB ({MAX_MB.how_to_change()} before starting the app)")
        return None

    @staticmethod
    async def refuse(scope: Scope, send: Send, status: int, text: str) -> None:
        """Answer `status` with `text` (a WebSocket handshake: closed before accepting,
        which the server answers 403)."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        body = text.encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
