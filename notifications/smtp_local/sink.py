"""The sink: an aiosmtpd handler that keeps messages, the HTTP app that shows them, `main`."""

from __future__ import annotations

import argparse
import asyncio
import html
import itertools
import os
import uuid
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Final

import uvicorn
from aiosmtpd.smtp import SMTP, Envelope, Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

MAX_MESSAGES: Final = 500
PAGE_MESSAGES: Final = 50
INSTANCE_ENV: Final = "SMTP_LOCAL_INSTANCE"
INSTANCE_HEADER: Final = "X-Smtp-Local-Instance"


@dataclass
class Stored:
    id: str
    received_at: str
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    parsed: EmailMessage

    def parts(self) -> list[EmailMessage]:
        return [part for part in self.parsed.walk() if not part.is_multipart()]

    def body(self, subtype: str) -> str:
        found = self.parsed.get_body(preferencelist=(subtype,))
        return str(found.get_content()) if found is not None else ""

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "received_at": self.received_at,
            "mail_from": self.mail_from,
            "rcpt_tos": self.rcpt_tos,
            "subject": str(self.parsed["Subject"] or ""),
            "message_id": str(self.parsed["Message-ID"] or ""),
            "headers": {key: str(value) for key, value in self.parsed.items()},
            "text": self.body("plain"),
            "html": self.body("html"),
            "parts": [
                {
                    "index": index,
                    "content_type": part.get_content_type(),
                    "filename": part.get_filename(),
                    "content_id": part["Content-ID"],
                    "size": len(part.get_payload(decode=True) or b""),
                }
                for index, part in enumerate(self.parts())
            ],
        }


@dataclass
class SinkState:
    instance_id: str | None = None
    messages: deque[Stored] = field(default_factory=lambda: deque(maxlen=MAX_MESSAGES))
    # The SMTP answer to the next `times` messages' DATA, e.g. (451, 2).
    failure: tuple[int, int] | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.failure is not None:
            code, times = self.failure
            self.failure = (code, times - 1) if times > 1 else None
            return f"{code} {'4.3.0' if code < 500 else '5.7.1'} refused by the local sink rule"
        content = envelope.original_content or envelope.content or b""
        raw = content.encode() if isinstance(content, str) else bytes(content)
        parsed = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(
            Stored(
                id=uuid.uuid4().hex[:12],
                received_at=datetime.now(UTC).isoformat(),
                mail_from=str(envelope.mail_from),
                rcpt_tos=list(envelope.rcpt_tos),
                raw=raw,
                parsed=parsed,
            )
        )
        return "250 2.0.0 OK: kept by the local sink"

    def find(self, message_id: str) -> Stored | None:
        return next((m for m in self.messages if m.id == message_id), None)


def _page(state: SinkState) -> str:
    esc = html.escape
    rows = []
    for stored in itertools.islice(reversed(state.messages), PAGE_MESSAGES):
        links = " ".join(
            f"<a href='/_local/messages/{stored.id}/parts/{p['index']}'>"
            f"{esc(p['filename'] or p['content_type'])}</a>"
            for p in stored.as_json()["parts"]
        )
        rows.append(
            "<article><h2>"
            + esc(str(stored.parsed["Subject"] or "(no subject)"))
            + f"</h2><p>{esc(stored.received_at)}: {esc(stored.mail_from)} &rarr; "
            + esc(", ".join(stored.rcpt_tos))
            + f"</p><p><a href='/_local/messages/{stored.id}/html'>HTML</a> "
            + f"<a href='/_local/messages/{stored.id}.eml'>raw</a> {links}</p>"
            + f"<pre>{esc(stored.body('plain'))}</pre></article>"
        )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><meta http-equiv='refresh' content='5'>"
        "<title>Local SMTP sink</title><style>body{font-family:sans-serif}article{border-top:"
        "1px solid #ccc}pre{white-space:pre-wrap}</style></head><body><h1>Local SMTP sink</h1>"
        f"<p>{len(state.messages)} message(s) kept; newest {PAGE_MESSAGES} shown, newest first."
        "</p>" + ("".join(rows) or "<p>No email yet.</p>") + "</body></html>"
    )


def create_app(state: SinkState) -> Starlette:
    def headers() -> dict[str, str]:
        return {INSTANCE_HEADER: state.instance_id} if state.instance_id else {}

    async def index(request: Request) -> Response:
        return HTMLResponse(_page(state), headers=headers())

    async def messages(request: Request) -> Response:
        if request.method == "DELETE":
            state.messages.clear()
            state.failure = None
            return JSONResponse({"deleted": True}, headers=headers())
        to = request.query_params.get("to")
        limit = int(request.query_params.get("limit", MAX_MESSAGES))
        found = [m for m in state.messages if to is None or to in m.rcpt_tos]
        chosen = found[-limit:] if limit else []
        return JSONResponse({"messages": [m.as_json() for m in chosen]}, headers=headers())

    def stored_or_404(request: Request) -> Stored | Response:
        stored = state.find(request.path_params["message_id"])
        return stored if stored is not None else JSONResponse({"error": "not found"}, 404)

    async def raw(request: Request) -> Response:
        stored = stored_or_404(request)
        if isinstance(stored, Response):
            return stored
        return Response(stored.raw, media_type="message/rfc822")

    async def html_body(request: Request) -> Response:
        stored = stored_or_404(request)
        if isinstance(stored, Response):
            return stored
        # The message's own HTML, shown with scripts and remote loads blocked.
        return HTMLResponse(
            stored.body("html"),
            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"},
        )

    async def part(request: Request) -> Response:
        stored = stored_or_404(request)
        if isinstance(stored, Response):
            return stored
        parts = stored.parts()
        index = int(request.path_params["index"])
        if not 0 <= index < len(parts):
            return JSONResponse({"error": "not found"}, 404)
        chosen = parts[index]
        return Response(
            chosen.get_payload(decode=True) or b"",
            media_type=chosen.get_content_type(),
            headers={"Content-Security-Policy": "default-src 'none'"},
        )

    async def failure(request: Request) -> Response:
        body = await request.json()
        code, times = int(body.get("code", 451)), int(body.get("times", 1))
        if not 400 <= code < 600 or times < 1:
            return JSONResponse({"error": "code 400-599 and times >= 1"}, 400)
        state.failure = (code, times)
        return JSONResponse({"code": code, "times": times}, headers=headers())

    return Starlette(
        routes=[
            Route("/", index, methods=["GET"]),
            Route("/_local/messages", messages, methods=["GET", "DELETE"]),
            Route("/_local/messages/{message_id}.eml", raw, methods=["GET"]),
            Route("/_local/messages/{message_id}/html", html_body, methods=["GET"]),
            Route("/_local/messages/{message_id}/parts/{index:int}", part, methods=["GET"]),
            Route("/_local/failure", failure, methods=["PUT"]),
        ]
    )


async def serve(state: SinkState, *, host: str, smtp_port: int, http_port: int) -> None:
    """Both servers on one event loop until cancelled."""
    loop = asyncio.get_running_loop()
    smtp = await loop.create_server(
        lambda: SMTP(state, hostname="thanglong-smtp-sink", enable_SMTPUTF8=True), host, smtp_port
    )
    config = uvicorn.Config(
        create_app(state), host=host, port=http_port, log_level="warning", access_log=False
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        smtp.close()
        await smtp.wait_closed()


def main(argv: Sequence[str] | None = None) -> None:
    from notifications.fcm_local.process import is_loopback

    parser = argparse.ArgumentParser(
        prog="python -m notifications.smtp_local", description="Local SMTP sink for development."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=1025)
    parser.add_argument("--http-port", type=int, default=8025)
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"refusing to bind to non-loopback host {args.host!r}; this is a dev tool")
    state = SinkState(instance_id=os.environ.get(INSTANCE_ENV))
    asyncio.run(serve(state, host=args.host, smtp_port=args.smtp_port, http_port=args.http_port))
