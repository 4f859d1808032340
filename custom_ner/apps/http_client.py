"""A lean HTTP/1.1 client for the load test: one keep-alive connection per simulated
client, h11 (the HTTP state machine uvicorn uses) over asyncio streams.

Why not httpx: the load test's clients share the 2 CPUs with the server, so what
they cost is taken from the server. At 32 concurrent clients httpx's connection pool
cost more CPU than the server's event loop and added a tail of its own: p99 853 ms
against the same server where this client measures 162 ms (docs/apps.md).
"""
import asyncio
from typing import Dict, Optional, Tuple
from urllib.parse import urlparse

import h11


class KeepAliveConnection:
    """POSTs to one server over one connection, reopened when the server closes it."""

    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self._streams: Optional[Tuple[asyncio.StreamReader, asyncio.StreamWriter]] = None
        self._h11 = h11.Connection(h11.CLIENT)

    async def post(self, path: str, body: bytes, content_type: str = "application/json"
                   ) -> Tuple[int, Dict[str, str], bytes]:
        """Status, headers (lower-case names) and body of ``POST path``."""
        if self._streams is None or self._h11.our_state is not h11.IDLE:
            await self.close()
            self._streams = await asyncio.open_connection(self.host, self.port)
            self._h11 = h11.Connection(h11.CLIENT)
        reader, writer = self._streams
        headers = [("host", f"{self.host}:{self.port}"), ("content-type", content_type),
                   ("content-length", str(len(body)))]
        writer.write(self._h11.send(h11.Request(method="POST", target=path, headers=headers))
                     + self._h11.send(h11.Data(data=body)) + self._h11.send(h11.EndOfMessage()))
        await writer.drain()
        status, response_headers, chunks = 0, {}, []
        while True:
            event = self._h11.next_event()
            if event is h11.NEED_DATA:
                self._h11.receive_data(await reader.read(65536))
            elif isinstance(event, h11.Response):
                status = event.status_code
                response_headers = {k.decode().lower(): v.decode() for k, v in event.headers}
            elif isinstance(event, h11.Data):
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("the server closed the connection before answering")
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
        return status, response_headers, b"".join(chunks)

    async def close(self) -> None:
        if self._streams is not None:
            self._streams[1].close()
            self._streams = None
