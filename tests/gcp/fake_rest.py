"""A loopback HTTP server standing in for the Cloud Run Admin API v2, the Vertex AI API v1 and an
OAuth token endpoint, for the configuration fetchers and the credentials test.

List calls page through ``pageSize``/``pageToken`` like Google's list APIs (one item per page by
default, so paging is always exercised); failures are injected per project with Google's JSON error
shape; every request is recorded with its headers.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

_LIST = re.compile(r"^/(v2|v1)/projects/([^/]+)/locations/([^/]+)/(services|endpoints)$")


@dataclass
class FakeRest:
    services: dict[tuple[str, str], list[dict]] = field(default_factory=dict)  # (project, location) -> docs
    endpoints: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)  # project -> HTTP status
    requests: list[dict] = field(default_factory=list)
    token: str = "ya29.fake-access-token"
    page_size: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_service(self, project: str, location: str, name: str, doc: dict) -> None:
        doc = {"name": f"projects/{project}/locations/{location}/services/{name}", **doc}
        self.services.setdefault((project, location), []).append(doc)

    def add_endpoint(self, project: str, location: str, endpoint_id: str, doc: dict) -> None:
        doc = {"name": f"projects/{project}/locations/{location}/endpoints/{endpoint_id}", **doc}
        self.endpoints.setdefault((project, location), []).append(doc)


def _handler(fake: FakeRest) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            with fake.lock:
                fake.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body})
            if self.path == "/token":
                self._send(200, {"access_token": fake.token, "expires_in": 3600, "token_type": "Bearer"})
            else:
                self._send(404, {"error": {"code": 404, "status": "NOT_FOUND", "message": "no such path"}})

        def do_GET(self) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            with fake.lock:
                fake.requests.append({"method": "GET", "path": url.path, "query": query, "headers": dict(self.headers)})
            match = _LIST.match(url.path)
            if not match:
                self._send(404, {"error": {"code": 404, "status": "NOT_FOUND", "message": "no such path"}})
                return
            _, project, location, kind = match.groups()
            if project in fake.failures:
                status = fake.failures[project]
                name = {403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}.get(status, "UNKNOWN")
                self._send(status, {"error": {"code": status, "status": name, "message": f"injected {name}"}})
                return
            docs = (fake.services if kind == "services" else fake.endpoints).get((project, location), [])
            start = int(query.get("pageToken") or 0)
            size = min(int(query.get("pageSize") or fake.page_size), fake.page_size)
            body: dict = {kind: docs[start : start + size]}
            if start + size < len(docs):
                body["nextPageToken"] = str(start + size)
            self._send(200, body)

    return Handler


@dataclass
class RunningRest:
    fake: FakeRest
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start_rest(fake: FakeRest) -> RunningRest:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return RunningRest(fake, server, thread)
