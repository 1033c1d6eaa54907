"""HTTP load for the intake stages: a minimal HTTP/1.1 keep-alive client on asyncio.

httpx spends more CPU per request than a bare FastAPI endpoint does; on a two-core machine
that would make the client the bottleneck and hide most of the gap between the gateway and
its baseline. Writing pre-built request bytes and reading back a Content-Length body costs
almost nothing, so what is measured is the server.
"""

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Sample:
    status: int
    latency_s: float


@dataclass
class ClosedLoopResult:
    elapsed_s: float
    samples: list[Sample] = field(default_factory=list)

    @property
    def accepted(self) -> list[Sample]:
        return [s for s in self.samples if s.status == 201]

    @property
    def failed(self) -> int:
        return len(self.samples) - len(self.accepted)


@dataclass
class PacedResult:
    elapsed_s: float
    ids: list[str] = field(default_factory=list)
    failed: int = 0


def build_request(host: str, port: int, path: str, body: bytes, token: str = "") -> bytes:
    """``token`` signs the request in; the baseline gets the same header, unread."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class Connection:
    """One keep-alive connection; requests on it are strictly sequential."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> "Connection":
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def send(self, request: bytes) -> tuple[int, bytes]:
        self._writer.write(request)
        await self._writer.drain()
        status_line = await self._reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length = 0
        while (line := await self._reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            elif name.strip().lower() == b"transfer-encoding":
                raise ConnectionError("chunked responses are not supported by this client")
        return status, await self._reader.readexactly(length)

    async def close(self) -> None:
        self._writer.close()
        await self._writer.wait_closed()


async def _closed_loop_client(
    connection: Connection, requests: Sequence[bytes], offset: int, deadline: float, out: list[Sample]
) -> None:
    index = offset
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        status, _ = await connection.send(requests[index % len(requests)])
        out.append(Sample(status, time.perf_counter() - started))
        index += 1


async def closed_loop(
    host: str,
    port: int,
    path: str,
    bodies: Sequence[bytes],
    *,
    clients: int,
    duration_s: float,
    token: str = "",
) -> ClosedLoopResult:
    """Each client sends its next request as soon as the previous answer arrives."""
    requests = [build_request(host, port, path, body, token) for body in bodies]
    connections = [await Connection.open(host, port) for _ in range(clients)]
    samples: list[Sample] = []
    started = time.perf_counter()
    try:
        await asyncio.gather(
            *(
                _closed_loop_client(c, requests, i, started + duration_s, samples)
                for i, c in enumerate(connections)
            )
        )
    finally:
        for connection in connections:
            await connection.close()
    return ClosedLoopResult(elapsed_s=time.perf_counter() - started, samples=samples)


async def paced(
    host: str,
    port: int,
    path: str,
    bodies: Sequence[bytes],
    *,
    rate: float,
    duration_s: float,
    connections: int = 16,
    token: str = "",
) -> PacedResult:
    """Open loop: request i leaves at start + i/rate whether or not earlier ones are answered,
    so a slow server shows up as latency rather than as a lower offered rate."""
    requests = [build_request(host, port, path, body, token) for body in bodies]
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await Connection.open(host, port))
    result = PacedResult(elapsed_s=0.0)

    async def one(request: bytes) -> None:
        connection = await pool.get()
        try:
            status, body = await connection.send(request)
        finally:
            pool.put_nowait(connection)
        if status == 201:
            result.ids.append(json.loads(body)["id"])
        else:
            result.failed += 1

    loop = asyncio.get_running_loop()
    started = loop.time()
    tasks = []
    for index in range(round(rate * duration_s)):
        delay = started + index / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[index % len(requests)])))
    await asyncio.gather(*tasks)
    result.elapsed_s = loop.time() - started
    while not pool.empty():
        await pool.get_nowait().close()
    return result
