"""A lean HTTP/1.1 client for load benches: one keep-alive connection over asyncio streams, GET only.

httpx costs its process ~2.5 ms of CPU a request (and httpcore, without sniffio installed, searches
``sys.path`` for it several times a request).  On a two-core machine that is as much as the server's own work
for a small page: the client then takes the CPU the server needs, and a response that arrives while the
client's event loop is busy with others waits there — the client's time, measured as the server's.  This
client does only what a bench needs (a request, the status, the headers, the whole body by Content-Length
or chunks) at a small fraction of that, so what is timed is the server and the network.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Reply:
    """A response: its status, headers (names in lower case) and whole body."""

    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    """One client's connection to ``base`` (``http://host:port``), opened on first use, kept alive."""

    def __init__(self, base: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> Reply:
        """GET ``path``; raises OSError, asyncio.IncompleteReadError, TimeoutError or ValueError on failure
        (the connection is then closed, and the next request opens a new one)."""
        try:
            return await asyncio.wait_for(self._get(path), self.timeout)
        except BaseException:
            await self.aclose()
            raise

    async def _get(self, path: str) -> Reply:
        if self._streams is not None and self._streams[0].at_eof():  # the server closed it while idle (5 s)
            await self.aclose()
        if self._streams is not None:
            try:
                return await self._exchange(path)
            except (asyncio.IncompleteReadError, ConnectionError) as exc:
                if isinstance(exc, asyncio.IncompleteReadError) and exc.partial:
                    raise
                await self.aclose()  # closed as the request went out: once more on a new one, as browsers do
        self._streams = await asyncio.open_connection(self.host, self.port)
        return await self._exchange(path)

    async def _exchange(self, path: str) -> Reply:
        assert self._streams is not None
        reader, writer = self._streams
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: text/html\r\n\r\n".encode())
        await writer.drain()
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in head[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")  # the end of the (empty) trailer
            body = b"".join(chunks)
        else:
            body = await reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            await self.aclose()
        return Reply(status, headers, body)

    async def aclose(self) -> None:
        """Close the connection (if open)."""
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
