"""n8n faked at its boundary for service tests: a loopback HTTP server in place of a workflow's webhook trigger."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any


@dataclass
class TriggerRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeN8n:
    """Answers every POST with ``status`` (200 by default) and records it; ``close()`` makes it unreachable."""

    def __init__(self) -> None:
        self.requests: list[TriggerRequest] = []
        self.status = 200
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self, *, port: int = 0) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def url(self, name: str = "suite-inspiration") -> str:
        return f"http://127.0.0.1:{self.port}/webhook/{name}"

    def bodies(self, workflow_type: str | None = None) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if workflow_type is None or r.body.get("workflow_type") == workflow_type]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode("latin-1")
            if not request_line:
                return
            method, target, _ = request_line.split(" ", 2)
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, value = line.decode("latin-1").split(":", 1)
                headers[name.strip().lower()] = value.strip()
            raw = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(TriggerRequest(method, target, headers, json.loads(raw) if raw else None))
            payload = b'{"message":"Workflow was started"}'
            writer.write(
                f"HTTP/1.1 {self.status} Status\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        finally:
            writer.close()
