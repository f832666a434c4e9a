"""Loopback TCP proxies a test can open and close, to make a real server (RabbitMQ, PostgreSQL) unreachable or
failing on demand."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct

SSL_REQUEST_CODE = 80877103


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, *, port: int | None = None) -> None:
        self.target = (target_host, target_port)
        self.port = port or free_port()
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.refusing = False  # accept and drop connections (a server that is up but not answering)
        self.refused = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Stop listening and cut every open connection, as a crashed or partitioned server would."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            self.refused += 1
            writer.close()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, upstream_writer))
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
            self._writers.discard(writer)


class PostgresProxy(TcpProxy):
    """A proxy in front of a real PostgreSQL that can answer new connections with a FATAL error instead, as a
    server that is starting up (``57P03``), shutting down (``57P01``) or out of connection slots (``53300``) does."""

    def __init__(self, target_host: str, target_port: int, *, port: int | None = None) -> None:
        super().__init__(target_host, target_port, port=port)
        self.failing_with: tuple[str, str] | None = None  # (SQLSTATE, message) while set

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.failing_with is None:
            await super()._accept(reader, writer)
            return
        sqlstate, message = self.failing_with
        self.refused += 1
        try:
            length, code = struct.unpack("!ii", await reader.readexactly(8))
            if code == SSL_REQUEST_CODE:
                writer.write(b"N")  # no TLS here; the client then sends its startup message
                await writer.drain()
                length = struct.unpack("!i", await reader.readexactly(4))[0]
                await reader.readexactly(length - 4)
            else:
                await reader.readexactly(length - 8)
            fields = b"".join(
                kind + value.encode() + b"\0"
                for kind, value in ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", sqlstate), (b"M", message))
            )
            body = fields + b"\0"
            writer.write(b"E" + struct.pack("!i", len(body) + 4) + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
