"""GETs straight over asyncio streams (the messages read and written by http11.py); through
httpx only where the environment names a proxy.

httpx (with httpcore and anyio under it) cost about 1 ms of CPU a request and 60 ms of
imports and set-up before the first; httpx over a transport of our own, with h11 for the
messages, still cost 35 ms of imports and its URL, header and client machinery on every
request, a quarter of a whole `tuifeed fetch` of 50 feeds. This module does the same work
itself: connections kept alive per origin, TLS made only when an https URL is asked for, a
timeout on connecting, writing and each read, and failures raised as the exceptions below
(named as httpx names its own, whose meanings they keep). The body comes back as sent: the
client decodes it.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import sys
import types
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from tuifeed.sources import http11

READ_SIZE = http11.READ_SIZE
DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


# -- failures ---------------------------------------------------------------------------------


class TransportError(Exception):
    """A request that could not be made or answered."""


class TimeoutException(TransportError):
    """No progress within the timeout (by phase below)."""


class ConnectTimeout(TimeoutException):
    pass


class ReadTimeout(TimeoutException):
    pass


class WriteTimeout(TimeoutException):
    pass


class NetworkError(TransportError):
    """The socket failed: refused, unreachable, reset, a TLS certificate refused."""


class ConnectError(NetworkError):
    pass


class ReadError(NetworkError):
    pass


class WriteError(NetworkError):
    pass


class ProtocolError(TransportError):
    pass


class RemoteProtocolError(ProtocolError):
    """The server's answer is not HTTP/1.1 as it must be (or it hung up half-way)."""


class LocalProtocolError(ProtocolError):
    """What we would send is not valid HTTP (a header value with a line break, say)."""


class DecodingError(TransportError):
    """A body whose Content-Encoding (gzip, deflate) does not decode."""


class UnsupportedProtocol(TransportError):
    pass


class ProxyError(TransportError):
    pass


# -- addresses --------------------------------------------------------------------------------

# Characters a request target may carry as they are (RFC 3986's unreserved and sub-delims,
# ':', '@', '/', and '%' so that escapes already made stay as they are); any other is escaped.
_PATH_SAFE = "/%!$&'()*+,;=:@-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Url:
    """An absolute http(s) URL as a request needs it."""

    scheme: str  # "http" or "https"
    host: str  # lower case, an IPv6 address without brackets, a name in IDNA (ASCII)
    port: int | None  # None for the scheme's default
    target: str  # path and query, escaped, "/" at least
    userinfo: str = ""  # "user:password" when the URL carries one (sent as Basic auth)

    @property
    def origin(self) -> Origin:
        return (self.scheme, self.host, self.port or DEFAULT_PORTS[self.scheme])

    @property
    def authority(self) -> str:
        """host[:port] as the Host header and a viewer know the server by."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}" if self.port else host

    def __str__(self) -> str:
        return f"{self.scheme}://{self.authority}{self.target}"


def parse_url(text: str) -> Url:
    """An absolute http(s) URL; ValueError for anything else (with a short reason)."""
    if _CONTROL.search(text):
        raise ValueError("a control character in the URL")
    parts = urlsplit(text)  # ValueError for "http://[oops"
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UnsupportedProtocol(f"unsupported scheme {scheme!r}")
    host = parts.hostname or ""
    if not host:
        raise ValueError("no host in the URL")
    if not host.isascii():
        host = _idna(host)
    port = parts.port  # ValueError for a port that is not a number in range
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""
    target = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query or text.endswith("?"):
        target += "?" + quote(parts.query, safe=_QUERY_SAFE)
    return Url(scheme, host, None if port == DEFAULT_PORTS[scheme] else port, target, userinfo)


def _idna(host: str) -> str:
    import idna  # httpx's own dependency; only names beyond ASCII need it

    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise ValueError(f"not a valid host name ({error})") from None


# -- answers ----------------------------------------------------------------------------------


class Response:
    """An answer's status and headers; its body, as sent, from `raw()`. Close it (or read the
    body to its end) to give the connection back."""

    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]],
                 body: AsyncIterator[bytes], close) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers  # (lower-case name, value), in the order sent
        self._body = body
        self._close = close

    def header(self, name: str) -> str:
        """A header's value ("" when absent; repeated ones joined by ", ", as HTTP reads
        them)."""
        values = [value for key, value in self.headers if key == name]
        return ", ".join(values)

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.headers)

    def raw(self) -> AsyncIterator[bytes]:
        return self._body

    async def aclose(self) -> None:
        await self._close()


def request_headers(url: Url, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The headers as sent: Host first, and the URL's credentials as Basic authentication."""
    fields = [("Host", url.authority), *headers]
    if url.userinfo and not any(name.lower() == "authorization" for name, _ in headers):
        from base64 import b64encode
        from urllib.parse import unquote

        fields.append(("Authorization", "Basic " + b64encode(
            unquote(url.userinfo).encode("utf-8")).decode("ascii")))
    return fields


# -- straight to the server -------------------------------------------------------------------


def default_tls() -> ssl.SSLContext:
    """Certificates as httpx checks them (certifi's store when it is there)."""
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()
    return ssl.create_default_context(cafile=certifi.where())


class _Connection:
    """One socket, and whether it is ready for the next request."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle = True  # False from a request until its answer is read to the end

    def reusable(self) -> bool:
        return self.idle and not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()

    async def send(self, head: bytes, timeout: float | None) -> None:
        self.idle = False
        self.writer.write(head)
        async with asyncio.timeout(timeout):  # cheaper than wait_for, which makes a task
            await self.writer.drain()

    async def answer(self, timeout: float | None) -> http11.Answer:
        async with asyncio.timeout(timeout):
            return await http11.read_answer(self.reader)


class StreamTransport:
    """GET over plain HTTP/1.1 or TLS, no proxy: `await transport.request(url, headers,
    timeout)` gives a Response."""

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

    async def request(self, url: Url, headers: list[tuple[str, str]],
                      timeout: float | None) -> Response:
        if self._closed:
            raise ConnectError("the client was closed")
        await self._slots.acquire()
        try:
            return await self._exchange(url, headers, timeout)
        except BaseException:
            self._slots.release()
            raise

    async def _exchange(self, url: Url, headers: list[tuple[str, str]],
                        timeout: float | None) -> Response:
        origin = url.origin
        try:
            head = http11.request_head(url.target, request_headers(url, headers))
        except http11.Unsendable as error:
            raise LocalProtocolError(str(error)) from error
        for attempt in range(2):
            connection = self._reused(origin) if attempt == 0 else None
            fresh = connection is None
            if connection is None:
                connection = await self._connect(origin, timeout)
            self._held.add(connection)
            try:
                with _as_transport_errors(read=False):
                    await connection.send(head, timeout)
                with _as_transport_errors(read=True):
                    answer = await connection.answer(timeout)
            except (RemoteProtocolError, ReadError, WriteError):
                self._release(origin, connection, reuse=False)
                if fresh:  # a kept-alive socket the server had closed: once more, afresh
                    raise
                continue
            except BaseException:
                self._release(origin, connection, reuse=False)
                raise
            body = _Body(self, origin, connection, answer, timeout)
            return Response(answer.status, answer.reason, answer.headers, body.chunks(),
                            body.aclose)
        raise AssertionError("unreachable")  # pragma: no cover

    def _reused(self, origin: Origin) -> _Connection | None:
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.reusable():
                return connection
            connection.close()
        return None

    async def _connect(self, origin: Origin, timeout: float | None) -> _Connection:
        scheme, host, port = origin
        tls = None
        if scheme == "https":
            if self._tls is None:
                self._tls = default_tls()
            tls = self._tls
        with _as_transport_errors(read=False, connecting=True):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls else None,
                    limit=READ_SIZE * 4)
        return _Connection(reader, writer)

    def _answer_read(self, origin: Origin, connection: _Connection, *, reuse: bool) -> None:
        self._slots.release()
        self._release(origin, connection, reuse=reuse)

    def _release(self, origin: Origin, connection: _Connection, *, reuse: bool) -> None:
        """Done with a connection: kept for the next request when its answer was read to
        the end and both sides allow it, else closed. The answer's slot is freed when the
        body is (request() frees it when no body was made)."""
        self._held.discard(connection)
        if reuse and not self._closed:
            connection.idle = True
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


class _Body:
    """An answer's body, read as the client asks for it; once read to its end, the
    connection goes back to the pool (when the answer allows it), and if it is dropped
    half-way, the socket is closed."""

    def __init__(self, transport: StreamTransport, origin: Origin, connection: _Connection,
                 answer: http11.Answer, read_timeout: float | None) -> None:
        self._transport = transport
        self._origin = origin
        self._connection = connection
        self._answer = answer
        self._timeout = read_timeout
        self._done = False

    async def chunks(self) -> AsyncIterator[bytes]:
        with _as_transport_errors(read=True):
            async for data in http11.read_body(self._connection.reader, self._answer,
                                               self._timeout):
                yield data
        self._finish(reuse=self._answer.keep_alive)

    async def aclose(self) -> None:
        # An answer without a body (a 304, say) leaves the connection ready all the same.
        self._finish(reuse=self._answer.length == 0 and self._answer.keep_alive)

    def _finish(self, *, reuse: bool) -> None:
        if not self._done:
            self._done = True
            self._transport._answer_read(self._origin, self._connection, reuse=reuse)


class _as_transport_errors:
    """Turns what asyncio, the socket and http11.py raise into the exceptions above: timeouts by
    phase, refused or unreachable hosts, broken answers."""

    def __init__(self, *, read: bool, connecting: bool = False) -> None:
        self.read = read
        self.connecting = connecting

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None or isinstance(error, TransportError):
            return False
        if isinstance(error, TimeoutError):  # one of our asyncio.timeout()s, by phase
            if self.connecting:
                raise ConnectTimeout("timed out connecting") from error
            if self.read:
                raise ReadTimeout("timed out reading") from error
            raise WriteTimeout("timed out writing") from error
        if isinstance(error, http11.Malformed):
            raise RemoteProtocolError(str(error)) from error
        if isinstance(error, (OSError, ssl.SSLError, EOFError)):
            if self.connecting:
                raise ConnectError(str(error) or type(error).__name__) from error
            kind_of = ReadError if self.read else WriteError
            raise kind_of(str(error) or type(error).__name__) from error
        return False


# -- through a proxy --------------------------------------------------------------------------


def import_httpx():
    """httpx, for the proxied path only. It imports its own command-line client (rich,
    pygments, click) when it is imported, a third of its import time; tuifeed never runs it,
    and httpx does without it when absent."""
    sys.modules.setdefault("httpx._main", types.ModuleType("httpx._main"))
    import httpx

    return httpx


class _ProxiedTransport:
    """Requests through the proxy the environment names, over httpx's own transport (loaded
    only then), its failures raised as ours."""

    def __init__(self, proxy: str, max_connections: int, max_idle: int) -> None:
        httpx = import_httpx()
        self._httpx = httpx
        self._transport = httpx.AsyncHTTPTransport(
            proxy=proxy, limits=httpx.Limits(max_connections=max_connections,
                                              max_keepalive_connections=max_idle))

    async def request(self, url: Url, headers: list[tuple[str, str]],
                      timeout: float | None) -> Response:
        httpx = self._httpx
        request = httpx.Request("GET", str(url), headers=request_headers(url, headers),
                                extensions={"timeout": {"connect": timeout, "read": timeout,
                                                        "write": timeout, "pool": None}})
        with _as_ours(httpx):
            answer = await self._transport.handle_async_request(request)

        async def chunks() -> AsyncIterator[bytes]:
            with _as_ours(httpx):
                async for chunk in answer.aiter_raw():
                    yield chunk

        reason = answer.extensions.get("reason_phrase", b"").decode("ascii", "ignore")
        return Response(answer.status_code, reason,
                        [(name.decode("ascii").lower(), http11.header_text(value))
                         for name, value in answer.headers.raw], chunks(), answer.aclose)

    async def aclose(self) -> None:
        await self._transport.aclose()


class _as_ours:
    """httpx's exceptions as this module's classes of the same name."""

    def __init__(self, httpx) -> None:
        self.httpx = httpx

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None or not isinstance(error, self.httpx.HTTPError):
            return False
        for cls in type(error).__mro__:
            ours = _BY_NAME.get(cls.__name__)
            if ours is not None:
                raise ours(str(error)) from error
        raise TransportError(str(error)) from error


_BY_NAME = {cls.__name__: cls for cls in (
    ConnectTimeout, ReadTimeout, WriteTimeout, TimeoutException, ConnectError, ReadError,
    WriteError, NetworkError, RemoteProtocolError, LocalProtocolError, ProtocolError,
    DecodingError, UnsupportedProtocol, ProxyError)}


class RoutingTransport:
    """Each request straight through a StreamTransport, or through httpx's transport when
    the environment names a proxy for its URL (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY, with
    NO_PROXY's exceptions), as any well-behaved client would."""

    def __init__(self, environ: Mapping[str, str], *, max_connections: int = 100,
                 max_idle: int = 50, tls: ssl.SSLContext | None = None) -> None:
        self._direct = StreamTransport(max_connections=max_connections, max_idle=max_idle,
                                       tls=tls)
        self._sizes = (max_connections, max_idle)
        self._proxies = _environment_proxies(environ)
        self._through: dict[str, _ProxiedTransport] = {}

    @property
    def direct(self) -> StreamTransport:
        return self._direct

    def proxy_for(self, url: Url) -> str:
        """The proxy this URL goes through, or "" for straight to its server."""
        if not self._proxies or _bypassed(url.host, self._proxies):
            return ""
        return self._proxies.get(url.scheme) or self._proxies.get("all", "")

    async def request(self, url: Url, headers: list[tuple[str, str]],
                      timeout: float | None) -> Response:
        proxy = self.proxy_for(url)
        if not proxy:
            return await self._direct.request(url, headers, timeout)
        transport = self._through.get(proxy)
        if transport is None:
            transport = self._through[proxy] = _ProxiedTransport(proxy, *self._sizes)
        return await transport.request(url, headers, timeout)

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
