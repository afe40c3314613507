"""HTTP/1.1 for httpx straight over asyncio streams, with h11 (httpx's own HTTP/1.1 engine)
reading and writing the messages.

httpx's default transport goes through httpcore and anyio: about 1 ms of CPU a request and
60 ms of imports and set-up before the first, which was half of a whole `tuifeed fetch` of
50 feeds. This transport does the same work in about a fifth of that: connections kept alive
per origin, TLS made only when an https URL is asked for, httpx's timeouts honoured, and
failures raised as httpx's own exceptions so the client above sees no difference. httpx
still builds the requests and decodes the answers (gzip, deflate, charsets).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Mapping

import h11
import httpx

READ_SIZE = 64 * 1024
MAX_HEADER_BYTES = 64 * 1024  # a status line and headers larger than this are refused
DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def default_tls() -> ssl.SSLContext:
    """Certificates as httpx checks them (certifi's store when it is there)."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class _Connection:
    """One socket and the h11 state of the exchange on it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEADER_BYTES)
        self.used = False

    def reusable(self) -> bool:
        return (self.h11.our_state is h11.IDLE and self.h11.their_state is h11.IDLE
                and not self.reader.at_eof() and not self.writer.is_closing())

    def close(self) -> None:
        self.writer.close()

    async def send(self, events: list[h11.Event], timeout: float | None) -> None:
        for event in events:
            data = self.h11.send(event)
            if data:
                self.writer.write(data)
        async with asyncio.timeout(timeout):  # cheaper than wait_for, which makes a task
            await self.writer.drain()

    async def next_event(self, timeout: float | None) -> h11.Event:
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event  # type: ignore[return-value]
            async with asyncio.timeout(timeout):
                data = await self.reader.read(READ_SIZE)
            self.h11.receive_data(data)  # b"" is the end of the stream; h11 judges it


class _Body(httpx.AsyncByteStream):
    """An answer's body, read as the client asks for it; once read to its end, the
    connection goes back to the pool, and if it is dropped half-way, the socket is closed."""

    def __init__(self, transport: StreamTransport, origin: Origin, connection: _Connection,
                 request: httpx.Request, read_timeout: float | None) -> None:
        self._transport = transport
        self._origin = origin
        self._connection = connection
        self._request = request
        self._timeout = read_timeout
        self._done = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors(self._request, read=True):
            while not self._done:
                event = await self._connection.next_event(self._timeout)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage):
                    self._finish(reuse=True)
                elif isinstance(event, h11.ConnectionClosed):
                    raise httpx.RemoteProtocolError("the server closed the connection "
                                                    "before the answer ended",
                                                    request=self._request)

    async def aclose(self) -> None:
        self._finish(reuse=False)

    def _finish(self, *, reuse: bool) -> None:
        if not self._done:
            self._done = True
            self._transport._answer_read(self._origin, self._connection, reuse=reuse)


class StreamTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncClient(transport=StreamTransport())`: plain HTTP/1.1 and TLS, no proxy."""

    def __init__(self, *, max_connections: int = 100, max_idle: int = 50,
                 tls: ssl.SSLContext | None = None) -> None:
        self._idle: dict[Origin, list[_Connection]] = {}
        self._slots = asyncio.Semaphore(max_connections)  # a slot per answer being read
        self._held: set[_Connection] = set()
        self._max_idle = max_idle
        self._tls = tls
        self._closed = False

    @property
    def tls_ready(self) -> bool:
        """Whether the TLS context (and its certificate store) has been made."""
        return self._tls is not None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise httpx.ConnectError("the client was closed", request=request)
        url = request.url
        if url.scheme not in DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"unsupported scheme {url.scheme!r}",
                                            request=request)
        origin = (url.scheme, url.host, url.port or DEFAULT_PORTS[url.scheme])
        timeouts = request.extensions.get("timeout", {})
        await self._slots.acquire()
        try:
            return await self._exchange(request, origin, timeouts)
        except BaseException:
            self._slots.release()
            raise

    async def _exchange(self, request: httpx.Request, origin: Origin,
                        timeouts: dict) -> httpx.Response:
        body = [chunk async for chunk in request.stream]  # type: ignore[union-attr]
        for attempt in range(2):
            connection = self._reused(origin) if attempt == 0 else None
            fresh = connection is None
            if connection is None:
                connection = await self._connect(request, origin, timeouts.get("connect"))
            self._held.add(connection)
            try:
                with _as_httpx_errors(request, read=False):
                    await self._send(connection, request, body, timeouts.get("write"))
                with _as_httpx_errors(request, read=True):
                    answer = await self._answer(connection, timeouts.get("read"))
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError):
                self._release(origin, connection, reuse=False)
                if fresh:  # a kept-alive socket the server had closed: once more, afresh
                    raise
                continue
            except BaseException:
                self._release(origin, connection, reuse=False)
                raise
            connection.used = True
            return httpx.Response(
                answer.status_code, headers=answer.headers,
                stream=_Body(self, origin, connection, request, timeouts.get("read")),
                extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason},
            )
        raise AssertionError("unreachable")  # pragma: no cover

    def _reused(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.reusable():
                return connection
            connection.close()
        return None

    async def _connect(self, request: httpx.Request, origin: Origin,
                       timeout: float | None) -> _Connection:
        scheme, host, port = origin
        tls = None
        if scheme == "https":
            if self._tls is None:
                self._tls = default_tls()
            tls = self._tls
        with _as_httpx_errors(request, read=False, connecting=True):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None,
                    limit=READ_SIZE * 4)
        return _Connection(reader, writer)

    @staticmethod
    async def _send(connection: _Connection, request: httpx.Request, body: list[bytes],
                    timeout: float | None) -> None:
        head = h11.Request(method=request.method.encode("ascii"),
                           target=request.url.raw_path, headers=list(request.headers.raw))
        await connection.send([head, *(h11.Data(data=chunk) for chunk in body if chunk),
                               h11.EndOfMessage()], timeout)

    @staticmethod
    async def _answer(connection: _Connection, timeout: float | None) -> h11.Response:
        while True:
            event = await connection.next_event(timeout)
            if isinstance(event, h11.Response):
                return event
            if isinstance(event, h11.ConnectionClosed):
                raise httpx.RemoteProtocolError("the server closed the connection without "
                                                "answering")
            # an informational answer (100 Continue, 103 Early Hints): the real one follows

    def _answer_read(self, origin: Origin, connection: _Connection, *, reuse: bool) -> None:
        self._slots.release()
        self._release(origin, connection, reuse=reuse)

    def _release(self, origin: Origin, connection: _Connection, *, reuse: bool) -> None:
        """Done with a connection: kept for the next request when its answer was read to
        the end and both sides allow it, else closed. The answer's slot is freed when the
        body is (handle_async_request frees it when no body was made)."""
        self._held.discard(connection)
        if (reuse and not self._closed and connection.h11.our_state is h11.DONE
                and connection.h11.their_state is h11.DONE):
            connection.h11.start_next_cycle()
            idle = self._idle.setdefault(origin, [])
            if len(idle) < self._max_idle:
                idle.append(connection)
                return
        connection.close()

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()
        for connection in list(self._held):
            connection.close()
        self._held.clear()


class _as_httpx_errors:
    """Turns what asyncio, the socket and h11 raise into the httpx exception a client
    expects: timeouts by phase, refused or unreachable hosts, broken answers."""

    def __init__(self, request: httpx.Request, *, read: bool, connecting: bool = False) -> None:
        self.request = request
        self.read = read
        self.connecting = connecting

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None or isinstance(error, httpx.HTTPError):
            return False
        request = self.request
        if isinstance(error, TimeoutError):  # one of our asyncio.timeout()s, by phase
            if self.connecting:
                raise httpx.ConnectTimeout("timed out connecting", request=request) from error
            if self.read:
                raise httpx.ReadTimeout("timed out reading", request=request) from error
            raise httpx.WriteTimeout("timed out writing", request=request) from error
        if isinstance(error, h11.RemoteProtocolError):
            raise httpx.RemoteProtocolError(str(error), request=request) from error
        if isinstance(error, h11.LocalProtocolError):
            raise httpx.LocalProtocolError(str(error), request=request) from error
        if isinstance(error, (OSError, ssl.SSLError, EOFError)):
            if self.connecting:
                raise httpx.ConnectError(str(error) or type(error).__name__,
                                         request=request) from error
            kind_of = httpx.ReadError if self.read else httpx.WriteError
            raise kind_of(str(error) or type(error).__name__, request=request) from error
        return False


class RoutingTransport(httpx.AsyncBaseTransport):
    """Each request straight through a StreamTransport, or through httpx's own transport
    when the environment names a proxy for its URL (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY,
    with NO_PROXY's exceptions), as any well-behaved client would."""

    def __init__(self, environ: Mapping[str, str], *, max_connections: int = 100,
                 max_idle: int = 50) -> None:
        self._direct = StreamTransport(max_connections=max_connections, max_idle=max_idle)
        self._limits = httpx.Limits(max_connections=max_connections,
                                    max_keepalive_connections=max_idle)
        self._proxies = _environment_proxies(environ)
        self._through: dict[str, httpx.AsyncHTTPTransport] = {}

    @property
    def direct(self) -> StreamTransport:
        return self._direct

    def proxy_for(self, url: httpx.URL) -> str:
        """The proxy this URL goes through, or "" for straight to its server."""
        if not self._proxies or _bypassed(url.host, self._proxies):
            return ""
        return self._proxies.get(url.scheme) or self._proxies.get("all", "")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        proxy = self.proxy_for(request.url)
        if not proxy:
            return await self._direct.handle_async_request(request)
        transport = self._through.get(proxy)
        if transport is None:
            transport = self._through[proxy] = httpx.AsyncHTTPTransport(
                proxy=proxy, limits=self._limits)
        return await transport.handle_async_request(request)

    async def aclose(self) -> None:
        await self._direct.aclose()
        for transport in self._through.values():
            await transport.aclose()


def _environment_proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """scheme (http, https, all, no) -> value, lower-case names winning as curl has it."""
    found: dict[str, str] = {}
    for scheme in ("http", "https", "all", "no"):
        value = environ.get(f"{scheme}_proxy") or environ.get(f"{scheme.upper()}_PROXY")
        if value:
            found[scheme] = value.strip()
    if set(found) <= {"no"}:
        return {}
    for scheme in ("http", "https", "all"):  # "proxy:8080" means http://proxy:8080
        if scheme in found and "://" not in found[scheme]:
            found[scheme] = "http://" + found[scheme]
    return found


def _bypassed(host: str, proxies: Mapping[str, str]) -> bool:
    """Whether NO_PROXY exempts this host: "*", a host name or IP address (a port after it is
    ignored), or a domain with its subdomains ("example.org" or ".example.org")."""
    host = host.lower().strip("[]").rstrip(".")
    for entry in proxies.get("no", "").split(","):
        entry = entry.strip().lower()
        if entry == "*":
            return True
        if entry.startswith("["):  # "[::1]" or "[::1]:8080"
            entry = entry[1:].partition("]")[0]
        elif entry.count(":") == 1:  # "host:8080"
            entry = entry.partition(":")[0]
        entry = entry.lstrip("*.").rstrip(".")
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False
