"""Calling Django's ``WSGIHandler`` as a server would, without a server or a test client."""

from __future__ import annotations

import io
import json
import sys
from typing import Any


def base_environ(method: str, path: str, **extra: str) -> dict[str, Any]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": "0",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    environ.update(extra)
    return environ


def json_body(data: dict[str, Any]) -> tuple[dict[str, str], bytes]:
    body = json.dumps(data).encode()
    return {"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body))}, body


class Client:
    """Calls the WSGI handler as a server would: environ in, iterate the body, ``close()``."""

    def __init__(self, handler):
        self.handler = handler
        self.unexpected = 0
        self.last_status = ""
        self.last_body = b""

    def request(self, environ: dict[str, Any], body: bytes = b"") -> bytes:
        env = environ.copy()
        env["wsgi.input"] = io.BytesIO(body)
        response = self.handler(env, self._start_response)
        content = b"".join(response)
        response.close()
        self.last_body = content
        return content

    def _start_response(self, status, headers, exc_info=None):
        self.last_status = status
        if status[0] != "2":
            self.unexpected += 1


def get(client: Client, path: str, **extra: str):
    """A zero-argument op: one GET of ``path`` (the environ is built once)."""
    environ = base_environ("GET", path, **extra)
    request = client.request
    return lambda: request(environ)


def post(client: Client, path: str, data: dict[str, Any]):
    """A zero-argument op: one POST of ``data`` as JSON to ``path``."""
    headers, body = json_body(data)
    environ = base_environ("POST", path, **headers)
    request = client.request
    return lambda: request(environ, body)


def pooled(client: Client, pool: list[tuple[dict[str, Any], bytes]]):
    """A zero-argument op that pops a prebuilt request (inputs a call consumes)."""
    request = client.request

    def op():
        environ, body = pool.pop()
        return request(environ, body)

    return op
