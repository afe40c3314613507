"""The one HTTP client every source kind fetches with: conditional GETs, retries, limits,
decoding, and a FetchError of one clear line for anything that goes wrong."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from urllib.parse import urljoin, urlsplit

from tuifeed.sources.base import Answer, FetchError, Http
from tuifeed.sources.transport import (ConnectError, DecodingError, NetworkError, ProxyError,
                                       RemoteProtocolError, Response, RoutingTransport,
                                       TimeoutException, TransportError, UnsupportedProtocol,
                                       Url, parse_url)

USER_AGENT = "tuifeed/0.1 (+https://example.invalid)"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
ENCODINGS = "gzip, deflate"  # what a body may come compressed with (Accept-Encoding)
DECODED_PIECE = 1 << 20  # a compressed body is inflated this much at a time, then counted


class _Again(Exception):
    """An answer worth asking for again (429, 5xx), with the wait the server asked for."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


MAX_CONNECTIONS, MAX_IDLE_CONNECTIONS = 100, 50


class HttpClient(Http):
    """`async with HttpClient() as http: answer = await http.get(url)`.

    Requests go out over `transport` (by default straight to each server, or through the
    proxy the environment names for its URL); `timeout` bounds connecting, writing and each
    read, `deadline` a whole attempt."""

    def __init__(self, *, timeout: float = 15.0, deadline: float | None = None,
                 retries: int = 3, backoff: float = 0.5, max_retry_after: float = 30.0,
                 per_host: int = 8, max_bytes: int = 10 * 1024 * 1024, max_redirects: int = 5,
                 user_agent: str = USER_AGENT, rng: random.Random | None = None,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
                 transport: RoutingTransport | None = None) -> None:
        self.timeout = timeout
        # A read timeout alone lets a server that trickles one byte at a time hold us forever.
        self.deadline = deadline if deadline is not None else 4 * timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after
        self.per_host = per_host
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._rng = rng or random.Random()
        self._sleep = sleep
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._user_agent = user_agent
        # Waiting for a free connection is queueing, not a slow server: no timeout on it
        # (the per-attempt deadline still bounds it). Redirects are followed here, so that
        # every hop is scheme-checked and counted against its own host's slots, and a
        # redirect's body is never read.
        self._transport = transport or RoutingTransport(
            os.environ, max_connections=MAX_CONNECTIONS, max_idle=MAX_IDLE_CONNECTIONS)

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def get(self, url: str, *, etag: str = "", last_modified: str = "",
                  accept: str = "") -> Answer:
        """GET with conditional validators; FetchError for anything but 2xx/304."""
        headers = [("Accept", accept or "*/*"), ("Accept-Encoding", ENCODINGS),
                   ("User-Agent", self._user_agent)]
        if etag:
            headers.append(("If-None-Match", etag))
        if last_modified:
            headers.append(("If-Modified-Since", last_modified))
        try:
            return await self._follow(url, headers)
        except FetchError:
            raise
        except Exception as exc:  # a source must never crash the fetch of the others
            raise FetchError(f"{_where_text(url)}: {_reason(exc)}") from exc

    async def _follow(self, url: str, headers: list[tuple[str, str]]) -> Answer:
        first = target = _parse(url)
        seen = {target}
        looped = False
        for _ in range(self.max_redirects + 1):
            # Without a redirect, the caller gets back its own spelling of the URL.
            result = await self._with_retries(target, headers,
                                              url if target is first else str(target))
            if isinstance(result, Answer):
                return result
            target = _redirect(first, target, result)
            looped = looped or target in seen
            seen.add(target)
        problem = "redirect loop" if looped else f"more than {self.max_redirects} redirects"
        raise FetchError(f"{_where(first)}: {problem}")

    async def _with_retries(self, url: Url, headers: list[tuple[str, str]],
                            answer_url: str) -> Answer | str:
        """One hop: its Answer or the Location it points to; retries what is worth retrying."""
        where = _where(url)
        slot = self._slots.get(where)
        if slot is None:
            slot = self._slots[where] = asyncio.Semaphore(self.per_host)
        attempt = 0
        while True:
            wait = None
            try:
                # The slot is released during the backoff sleep: a waiting retry holds nothing.
                async with slot:
                    async with asyncio.timeout(self.deadline):
                        return await self._once(url, headers, answer_url, where)
            except _Again as again:
                problem, wait = str(again), again.retry_after
            except TimeoutException:
                problem = f"timed out after {self.timeout:g} s"
            except TimeoutError:
                problem = f"timed out after {self.deadline:g} s"
            except (NetworkError, RemoteProtocolError, ProxyError) as exc:
                problem = _reason(exc)
            if attempt >= self.retries:
                tries = f" ({attempt + 1} tries)" if attempt else ""
                raise FetchError(f"{where}: {problem}{tries}")
            if wait is None:
                wait = self.backoff * 2 ** attempt * self._rng.uniform(0.5, 1.5)
            elif wait > self.max_retry_after:
                raise FetchError(f"{where}: {problem}, asked to retry after {wait:.0f} s "
                                 f"(more than {self.max_retry_after:g} s)")
            attempt += 1
            await self._sleep(wait)

    async def _once(self, url: Url, headers: list[tuple[str, str]], answer_url: str,
                    where: str) -> Answer | str:
        response = await self._transport.request(url, headers, self.timeout)
        try:
            status = response.status
            if status in REDIRECTS and response.has("location"):
                return response.header("location")
            if status == 304 or 200 <= status < 300:
                body = b"" if status == 304 else await self._read(response, where)
                return Answer(url=answer_url, status=status, body=body,
                              etag=response.header("etag"),
                              last_modified=response.header("last-modified"),
                              content_type=response.header("content-type"))
            problem = f"HTTP {status} {response.reason}".rstrip()
            if status == 429 or status >= 500:
                raise _Again(problem, _retry_after(response.header("retry-after")))
            raise FetchError(f"{where}: {problem}")
        finally:
            await response.aclose()

    async def _read(self, response: Response, where: str) -> bytes:
        too_large = FetchError(f"{where}: answer larger than {_size(self.max_bytes)}")
        length = response.header("content-length")
        if length.isdigit() and int(length) > self.max_bytes:
            raise too_large
        chunks, size = [], 0
        async for chunk in _decoded(response):  # a piece at a time: a gzip bomb stops here too
            size += len(chunk)
            if size > self.max_bytes:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)


async def _decoded(response: Response) -> AsyncIterator[bytes]:
    decode = _decoder(response.header("content-encoding"))
    async for raw in response.raw():
        for piece in decode(raw):
            yield piece
    for piece in decode(None):
        yield piece


Decoder = Callable[[bytes | None], Iterator[bytes]]  # None: the end of the body


def _decoder(encodings: str) -> Decoder:
    """The body's Content-Encoding undone (the last one applied first); an encoding this
    client never asks for passes as it came, as httpx has it."""
    steps: list[Decoder] = []
    for name in reversed([name.strip().lower() for name in encodings.split(",")]):
        if name in ("gzip", "x-gzip"):
            steps.append(_Inflate(zlib.MAX_WBITS | 16).decode)
        elif name == "deflate":
            steps.append(_Inflate(zlib.MAX_WBITS).decode)
    if not steps:
        return _identity
    if len(steps) == 1:
        return steps[0]

    def chained(data: bytes | None) -> Iterator[bytes]:
        pieces: Iterator[bytes | None] = iter((data,))
        for step in steps:  # lazily: a bomb wrapped twice is still read a piece at a time
            pieces = _through(step, pieces)
        yield from (piece for piece in pieces if piece)

    return chained


def _through(step: Decoder, pieces: Iterator[bytes | None]) -> Iterator[bytes | None]:
    for piece in pieces:
        yield from step(piece)
        if piece is None:
            yield None  # the end, passed on to the next step


def _identity(data: bytes | None) -> Iterator[bytes]:
    if data:
        yield data


class _Inflate:
    """gzip or zlib-wrapped deflate (or, as some servers send for "deflate", a raw one)."""

    def __init__(self, wbits: int) -> None:
        self._inflate = zlib.decompressobj(wbits)
        self._wbits = wbits
        self._started = False

    def decode(self, data: bytes | None) -> Iterator[bytes]:
        try:
            if data is None:
                yield self._inflate.flush()
                return
            try:
                piece = self._inflate.decompress(data, DECODED_PIECE)
            except zlib.error:
                if self._started or self._wbits != zlib.MAX_WBITS:
                    raise
                self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)  # "deflate" sent raw
                piece = self._inflate.decompress(data, DECODED_PIECE)
            finally:
                self._started = True
            yield piece
            while self._inflate.unconsumed_tail:
                yield self._inflate.decompress(self._inflate.unconsumed_tail, DECODED_PIECE)
        except zlib.error as error:
            raise DecodingError(str(error)) from None


def _parse(url: str) -> Url:
    if not url:
        raise FetchError("empty URL")
    if _scheme(url) not in ("http", "https"):
        raise FetchError(f"{_where_text(url)}: only http and https URLs are fetched")
    try:
        return parse_url(url)
    except (ValueError, TransportError) as error:
        raise FetchError(f"{_where_text(url)}: {_bad_url(error)}") from None


def _scheme(url: str) -> str:
    """The URL's scheme in lower case ("" when it cannot be read)."""
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""


def _bad_url(error: Exception) -> str:
    return "no host in the URL" if "no host" in str(error) else "not a valid URL"


def _redirect(first: Url, target: Url, location: str) -> Url:
    """Where a redirect's Location points, from the URL that answered it."""
    joined = urljoin(str(target), location.strip())
    scheme = _scheme(joined)
    if scheme not in ("http", "https"):
        raise FetchError(f"{_where(first)}: redirected to a {scheme or 'relative'}: URL")
    try:
        return parse_url(joined)
    except (ValueError, TransportError) as error:
        raise FetchError(f"{_where(first)}: redirected to a bad URL ({error})") from None


def _where(url: Url) -> str:
    """host[:port], the name a viewer knows a server by."""
    return url.authority


def _where_text(url: object) -> str:
    try:
        parsed = parse_url(str(url))
        return _where(parsed)
    except Exception:
        pass
    text = " ".join(str(url).split())
    return text if len(text) <= 60 else text[:59] + "…"


_KINDS = ((ConnectError, "could not connect"), (RemoteProtocolError, "broken answer"),
          (DecodingError, "could not decode the answer"),
          (UnsupportedProtocol, "unsupported URL"), (TransportError, "network error"))


def _reason(exc: BaseException) -> str:
    """What went wrong, in words, from an exception whose own text is often vague."""
    cause: BaseException | None = exc
    for _ in range(8):  # anyio hides the OS error a few causes down
        if cause is None:
            break
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "could not resolve the host name"
        cause = cause.__cause__ or cause.__context__
    text = " ".join(str(exc).split())
    for kind, words in _KINDS:
        if isinstance(exc, kind):
            return f"{words} ({text})" if text else words
    return f"unexpected {type(exc).__name__}" + (f": {text}" if text else "")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After of seconds or an HTTP date; None when unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    from datetime import timezone  # a date here is rare: loaded only for one
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" dates parse naive; HTTP dates are always GMT
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - time.time())


def _size(count: int) -> str:
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"
