"""Real HTTP servers on 127.0.0.1 for tests: each answers from a script (status, headers,
body) and records every request, so a test sees exactly what Discord, n8n or an LLM endpoint
would receive. No traffic leaves the machine."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.path).query)

    @property
    def route(self) -> str:
        return urlsplit(self.path).path

    @property
    def is_multipart(self) -> bool:
        return self.headers.get("content-type", "").startswith("multipart/form-data")

    def json(self) -> Any:
        assert self.headers.get("content-type", "").startswith("application/json")
        return json.loads(self.body)

    def parts(self) -> dict[str, tuple[str | None, bytes]]:
        """Multipart form parts by name: (filename, content)."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(head + self.body)
        return {part.get_param("name", header="content-disposition"):
                (part.get_filename(), part.get_payload(decode=True))
                for part in message.iter_parts()}

    def discord_message(self) -> dict[str, Any]:
        if self.is_multipart:
            return json.loads(self.parts()["payload_json"][1])
        return self.json()


@dataclass
class ScriptedServer:
    """Answers each request with the next scripted response, then with `default`."""

    httpd: ThreadingHTTPServer
    script: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    default: tuple[int, dict[str, str], Any] = (200, {}, {"id": "1180000000000000001"})

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    def respond(self, *responses: tuple[int, dict[str, str], Any]) -> None:
        self.script.extend(responses)

    def next_response(self) -> tuple[int, dict[str, str], Any]:
        return self.script.pop(0) if self.script else self.default


def _handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = b""
                while size := int(self.rfile.readline().strip(), 16):
                    body += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
            else:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            server.requests.append(Received(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
            status, headers, payload = server.next_response()
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            if not isinstance(payload, bytes):
                self.send_header("Content-Type", "application/json")
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_PUT = do_POST  # a Pushgateway push

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def start_scripted_server() -> ScriptedServer:
    """A ScriptedServer listening on a free loopback port, serving from a daemon thread."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server = ScriptedServer(httpd)
    httpd.RequestHandlerClass = _handler(server)
    threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    return server


def stop(server: ScriptedServer) -> None:
    server.httpd.shutdown()
    server.httpd.server_close()
