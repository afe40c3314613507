"""The one HTTP client every source kind fetches with: conditional GETs, retries, limits, and
a FetchError of one clear line for anything that goes wrong."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sys
import time
import types
from collections.abc import Awaitable, Callable
from datetime import timezone
from email.utils import parsedate_to_datetime

# httpx imports its own command-line client (rich, pygments, click) when it is imported, a
# third of its import time; tuifeed never runs it, and httpx does without it when absent.
sys.modules.setdefault("httpx._main", types.ModuleType("httpx._main"))
import httpx  # noqa: E402

from tuifeed.sources.base import Answer, FetchError, Http

USER_AGENT = "tuifeed/0.1 (+https://example.invalid)"
REDIRECTS = frozenset({301, 302, 303, 307, 308})


class _Again(Exception):
    """An answer worth asking for again (429, 5xx), with the wait the server asked for."""

    def __init__(self, message: str, retry_after: float | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=50)
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def _proxied(environ) -> bool:
    return any(environ.get(name) or environ.get(name.upper()) for name in PROXY_VARIABLES)


class _LazyTlsTransport(httpx.AsyncBaseTransport):
    """Plain HTTP through one pool; the TLS pool, whose certificate store takes ~35 ms to
    load, is made when the first https URL is asked for (a fetch of local servers, or of a
    folder, never pays for it)."""

    def __init__(self, limits: httpx.Limits) -> None:
        self._limits = limits
        self._plain = httpx.AsyncHTTPTransport(verify=False, limits=limits)  # never TLS
        self._tls: httpx.AsyncHTTPTransport | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "https":
            if self._tls is None:
                self._tls = httpx.AsyncHTTPTransport(limits=self._limits)
            return await self._tls.handle_async_request(request)
        return await self._plain.handle_async_request(request)

    async def aclose(self) -> None:
        await self._plain.aclose()
        if self._tls is not None:
            await self._tls.aclose()


class HttpClient(Http):
    """`async with HttpClient() as http: answer = await http.get(url)`."""

    def __init__(self, *, timeout: float = 15.0, deadline: float | None = None,
                 retries: int = 3, backoff: float = 0.5, max_retry_after: float = 30.0,
                 per_host: int = 8, max_bytes: int = 10 * 1024 * 1024, max_redirects: int = 5,
                 user_agent: str = USER_AGENT, rng: random.Random | None = None,
                 sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
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
        self._client = httpx.AsyncClient(
            headers={"User-Agent": user_agent},
            # No pool timeout: waiting for a free connection is queueing, not a slow server;
            # the per-attempt deadline still bounds it.
            timeout=httpx.Timeout(timeout, pool=None),
            limits=LIMITS,
            # A transport of our own turns off httpx's proxy settings from the environment,
            # so it is used only where none is set.
            transport=None if _proxied(os.environ) else _LazyTlsTransport(LIMITS),
            # Followed by hand so that every hop is scheme-checked and counted against its
            # own host's slots, and a redirect's body is never read.
            follow_redirects=False,
        )

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def get(self, url: str, *, etag: str = "", last_modified: str = "",
                  accept: str = "") -> Answer:
        """GET with conditional validators; FetchError for anything but 2xx/304."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        if accept:
            headers["Accept"] = accept
        try:
            return await self._follow(url, headers)
        except FetchError:
            raise
        except Exception as exc:  # a source must never crash the fetch of the others
            raise FetchError(f"{_where_text(url)}: {_reason(exc)}") from exc

    async def _follow(self, url: str, headers: dict[str, str]) -> Answer:
        first = target = _parse(url)
        seen = {target}
        looped = False
        for _ in range(self.max_redirects + 1):
            # Without a redirect, the caller gets back its own spelling of the URL.
            result = await self._with_retries(target, headers,
                                              url if target is first else str(target))
            if isinstance(result, Answer):
                return result
            target = target.join(result)
            if target.scheme not in ("http", "https"):
                raise FetchError(f"{_where(first)}: redirected to a {target.scheme}: URL")
            looped = looped or target in seen
            seen.add(target)
        problem = "redirect loop" if looped else f"more than {self.max_redirects} redirects"
        raise FetchError(f"{_where(first)}: {problem}")

    async def _with_retries(self, url: httpx.URL, headers: dict[str, str],
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
            except httpx.TimeoutException:
                problem = f"timed out after {self.timeout:g} s"
            except TimeoutError:
                problem = f"timed out after {self.deadline:g} s"
            except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
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

    async def _once(self, url: httpx.URL, headers: dict[str, str], answer_url: str,
                    where: str) -> Answer | str:
        async with self._client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status in REDIRECTS and "location" in response.headers:
                return response.headers["location"]
            if status == 304 or 200 <= status < 300:
                body = b"" if status == 304 else await self._read(response, where)
                return Answer(url=answer_url, status=status, body=body,
                              etag=response.headers.get("etag", ""),
                              last_modified=response.headers.get("last-modified", ""),
                              content_type=response.headers.get("content-type", ""))
            problem = f"HTTP {status} {response.reason_phrase}".rstrip()
            if status == 429 or status >= 500:
                raise _Again(problem, _retry_after(response.headers.get("retry-after")))
            raise FetchError(f"{where}: {problem}")

    async def _read(self, response: httpx.Response, where: str) -> bytes:
        too_large = FetchError(f"{where}: answer larger than {_size(self.max_bytes)}")
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise too_large
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():  # decoded bytes: a gzip bomb stops here too
            size += len(chunk)
            if size > self.max_bytes:
                raise too_large
            chunks.append(chunk)
        return b"".join(chunks)


def _parse(url: str) -> httpx.URL:
    if not url:
        raise FetchError("empty URL")
    try:
        parsed = httpx.URL(url)
    except Exception:
        raise FetchError(f"{_where_text(url)}: not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(f"{_where_text(url)}: only http and https URLs are fetched")
    if not parsed.host:
        raise FetchError(f"{_where_text(url)}: no host in the URL")
    return parsed


def _where(url: httpx.URL) -> str:
    """host[:port], the name a viewer knows a server by."""
    host = f"[{url.host}]" if ":" in url.host else url.host
    return f"{host}:{url.port}" if url.port else host


def _where_text(url: object) -> str:
    try:
        parsed = httpx.URL(url)
        if parsed.host and parsed.scheme in ("http", "https"):
            return _where(parsed)
    except Exception:
        pass
    text = " ".join(str(url).split())
    return text if len(text) <= 60 else text[:59] + "…"


_KINDS = ((httpx.ConnectError, "could not connect"), (httpx.RemoteProtocolError, "broken answer"),
          (httpx.DecodingError, "could not decode the answer"),
          (httpx.UnsupportedProtocol, "unsupported URL"), (httpx.InvalidURL, "bad URL"),
          (httpx.HTTPError, "network error"))


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
