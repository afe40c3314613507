"""The HTTP client against a real server on 127.0.0.1: validators, retries, limits, failures."""

from __future__ import annotations

import asyncio
import base64
import gzip
import io
import random
import socket
import threading
import time
import tracemalloc
import zlib
from email.utils import formatdate

import pytest

from loopback import LoopbackServer
from tuifeed.sources.base import FetchError
from tuifeed.sources.http import HttpClient
from tuifeed.sources.transport import parse_url


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Straight to 127.0.0.1, even where the environment names a proxy."""
    monkeypatch.setenv("no_proxy", "*")


class Sleeps(list):
    """An injected sleep that records what it was asked to wait instead of waiting."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(sleeps: Sleeps | None = None, **options) -> HttpClient:
    options = {"timeout": 2.0, "backoff": 0.01, "rng": random.Random(7), **options}
    return HttpClient(sleep=sleeps if sleeps is not None else Sleeps(), **options)


def raw(write):
    """A route that writes its own bytes to the socket; loopback's own answer goes nowhere."""

    def route(handler):
        try:
            write(handler.wfile)
        except OSError:  # the client hung up, as it should
            pass
        handler.wfile = io.BytesIO()
        handler.close_connection = True
        return 200, {}, b""

    return route


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_etag_then_a_conditional_get_answers_304(server):
    server.route("/feed.xml", "<feed/>", content_type="application/atom+xml", etag='"v1"')
    async with client() as http:
        first = await http.get(server.url("/feed.xml"), accept="application/atom+xml")
        again = await http.get(server.url("/feed.xml"), etag=first.etag)
    assert (first.status, first.body, first.etag) == (200, b"<feed/>", '"v1"')
    assert first.content_type == "application/atom+xml"
    assert first.url == server.url("/feed.xml")
    assert again.not_modified and again.body == b""
    headers = [sent for _, sent in server.requests]
    assert headers[0]["Accept"] == "application/atom+xml"
    assert headers[0]["User-Agent"].startswith("tuifeed/")
    assert "If-None-Match" not in headers[0] and headers[1]["If-None-Match"] == '"v1"'


async def test_last_modified_alone(server):
    stamp = "Wed, 01 Jan 2025 00:00:00 GMT"
    server.route("/feed.xml", "<rss/>", last_modified=stamp)
    async with client() as http:
        first = await http.get(server.url("/feed.xml"))
        again = await http.get(server.url("/feed.xml"), last_modified=first.last_modified)
    assert (first.status, first.last_modified, first.etag) == (200, stamp, "")
    assert again.status == 304
    assert server.requests[1][1]["If-Modified-Since"] == stamp


async def test_500_twice_then_200_succeeds_after_backoff(server):
    server.handle("/flaky", lambda _: (500, {}, b"oops") if server.hits["/flaky"] <= 2
                  else (200, {}, b"fine"))
    sleeps = Sleeps()
    async with client(sleeps, backoff=0.5) as http:
        answer = await http.get(server.url("/flaky"))
    assert answer.body == b"fine" and server.hits["/flaky"] == 3
    assert len(sleeps) == 2
    assert 0.25 <= sleeps[0] <= 0.75 and 0.5 <= sleeps[1] <= 1.5  # exponential, jittered


async def test_5xx_that_never_ends_gives_up_after_the_retries(server):
    server.route("/down", status=503)
    sleeps = Sleeps()
    async with client(sleeps, retries=2) as http:
        with pytest.raises(FetchError) as failure:
            await http.get(server.url("/down"))
    host = server.origin.removeprefix("http://")
    assert str(failure.value) == f"{host}: HTTP 503 Service Unavailable (3 tries)"
    assert server.hits["/down"] == 3 and len(sleeps) == 2


async def test_429_retry_after_seconds_is_honoured(server):
    server.handle("/busy", lambda _: (429, {"Retry-After": "1"}, b"") if server.hits["/busy"] == 1
                  else (200, {}, b"ok"))
    sleeps = Sleeps()
    async with client(sleeps) as http:
        assert (await http.get(server.url("/busy"))).body == b"ok"
    assert sleeps == [1.0]


async def test_retry_after_as_an_http_date(server):
    later = formatdate(time.time() + 10, usegmt=True)
    server.handle("/busy", lambda _: (503, {"Retry-After": later}, b"") if server.hits["/busy"] == 1
                  else (200, {}, b"ok"))
    sleeps = Sleeps()
    async with client(sleeps) as http:
        await http.get(server.url("/busy"))
    assert len(sleeps) == 1 and 8 <= sleeps[0] <= 10


async def test_a_retry_after_too_long_fails_at_once_without_waiting(server):
    server.route("/busy", status=429, headers={"Retry-After": "3600"})
    sleeps = Sleeps()
    async with client(sleeps) as http:
        with pytest.raises(FetchError, match=r"HTTP 429 Too Many Requests, asked to retry "
                                             r"after 3600 s \(more than 30 s\)"):
            await http.get(server.url("/busy"))
    assert sleeps == [] and server.hits["/busy"] == 1


async def test_404_fails_at_once(server):
    async with client() as http:
        with pytest.raises(FetchError) as failure:
            await http.get(server.url("/missing"))
    assert str(failure.value) == f"{server.origin.removeprefix('http://')}: HTTP 404 Not Found"
    assert server.hits["/missing"] == 1


async def test_a_redirect_gives_the_final_url(server):
    server.route("/old", status=301, headers={"Location": "/new"})
    server.route("/new", "moved here")
    async with client() as http:
        answer = await http.get(server.url("/old"))
    assert (answer.url, answer.body) == (server.url("/new"), b"moved here")


async def test_a_redirect_loop_fails(server):
    server.route("/a", status=302, headers={"Location": "/b"})
    server.route("/b", status=302, headers={"Location": server.url("/a")})
    async with client() as http:
        with pytest.raises(FetchError, match="redirect loop"):
            await http.get(server.url("/a"))


async def test_too_many_redirects_fail(server):
    for step in range(10):
        server.route(f"/r{step}", status=307, headers={"Location": f"/r{step + 1}"})
    async with client(max_redirects=3) as http:
        with pytest.raises(FetchError, match="more than 3 redirects"):
            await http.get(server.url("/r0"))
    assert [server.hits[f"/r{step}"] for step in range(5)] == [1, 1, 1, 1, 0]


async def test_a_redirect_to_a_file_url_fails(server):
    server.route("/sneaky", status=302, headers={"Location": "file:///etc/passwd"})
    async with client() as http:
        with pytest.raises(FetchError, match="redirected to a file: URL"):
            await http.get(server.url("/sneaky"))


def stream_megabytes(count: int, *, declared: bool):
    def write(out):
        length = f"Content-Length: {count << 20}\r\n" if declared else ""
        out.write(f"HTTP/1.1 200 OK\r\n{length}Connection: close\r\n\r\n".encode())
        chunk = b"x" * (1 << 16)
        for _ in range(count * 16):
            out.write(chunk)

    return raw(write)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "until-close"])
async def test_a_50_mb_answer_stops_at_the_cap_without_holding_it(server, declared):
    server.handle("/huge", stream_megabytes(50, declared=declared))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        async with client() as http:
            with pytest.raises(FetchError, match=r"127\.0\.0\.1:\d+: answer larger than 10 MB$"):
                await http.get(server.url("/huge"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2
    assert peak < (2 << 20 if declared else 24 << 20)  # a Content-Length is checked first


async def test_the_cap_counts_decompressed_bytes(server):
    bomb = gzip.compress(bytes(20 << 20))  # about 20 KB on the wire
    server.handle("/bomb", lambda _: (200, {"Content-Encoding": "gzip"}, bomb))
    async with client() as http:
        with pytest.raises(FetchError, match="answer larger than 10 MB"):
            await http.get(server.url("/bomb"))


async def test_a_bomb_compressed_twice_stops_at_the_cap_without_holding_it(server):
    bomb = zlib.compress(gzip.compress(bytes(60 << 20)), 9)  # ~60 KB on the wire
    server.handle("/bomb2", lambda _: (200, {"Content-Encoding": "gzip, deflate"}, bomb))
    tracemalloc.start()
    try:
        async with client() as http:
            with pytest.raises(FetchError, match="answer larger than 10 MB"):
                await http.get(server.url("/bomb2"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 24 << 20  # the cap and a piece or two, never the 60 MB


async def test_gzip_is_decoded_and_a_broken_one_is_a_fetch_error(server):
    server.handle("/good", lambda _: (200, {"Content-Encoding": "gzip"}, gzip.compress(b"hi")))
    server.handle("/bad", lambda _: (200, {"Content-Encoding": "gzip"}, b"not gzip at all"))
    async with client() as http:
        assert (await http.get(server.url("/good"))).body == b"hi"
        with pytest.raises(FetchError, match="could not decode the answer"):
            await http.get(server.url("/bad"))


@pytest.mark.parametrize("encoding, encode", [
    ("deflate", zlib.compress),
    ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send
    ("gzip, deflate", lambda data: zlib.compress(gzip.compress(data))),
    ("br", lambda data: data),  # never asked for: passed on as it came
], ids=["zlib", "raw", "both", "unknown"])
async def test_every_encoding_asked_for_is_decoded(server, encoding, encode):
    text = "les vidéos de la semaine ".encode() * 500
    server.handle("/packed", lambda _: (200, {"Content-Encoding": encoding}, encode(text)))
    async with client() as http:
        assert (await http.get(server.url("/packed"))).body == text
    assert server.requests[0][1]["Accept-Encoding"] == "gzip, deflate"


async def test_addresses_are_sent_escaped_with_their_credentials(server):
    """A path beyond ASCII goes out percent-encoded (its escapes kept), a user and password
    in the URL as Basic authentication, never in the request line."""
    server.route("/vidéos/a%20b", "ok")
    server.route("/vid%C3%A9os/a%20b", "ok")
    url = server.url("/vidéos/a%20b?q=été&x=1").replace("http://", "http://me:s%40cret@")
    async with client() as http:
        assert (await http.get(url)).body == b"ok"
    path, headers = server.requests[-1]
    assert path == "/vid%C3%A9os/a%20b?q=%C3%A9t%C3%A9&x=1"
    assert headers["Authorization"] == "Basic " + base64.b64encode(b"me:s@cret").decode()


def test_a_host_beyond_ascii_is_asked_for_in_idna():
    parsed = parse_url("https://Bücher.example/feed")
    assert (parsed.host, parsed.port, str(parsed)) == (
        "xn--bcher-kva.example", None, "https://xn--bcher-kva.example/feed")
    assert parse_url("http://[::1]:8080/a b").authority == "[::1]:8080"
    assert parse_url("http://[::1]:8080/a b").target == "/a%20b"
    assert parse_url("HTTPS://Example.org:443").target == "/"


async def test_a_server_that_never_answers_times_out(server):
    server.handle("/slow", lambda _: (time.sleep(2), (200, {}, b"late"))[1])
    started = time.perf_counter()
    async with client(timeout=0.3, retries=0) as http:
        with pytest.raises(FetchError, match=r"127\.0\.0\.1:\d+: timed out after 0\.3 s$"):
            await http.get(server.url("/slow"))
    assert time.perf_counter() - started < 1


async def test_a_trickling_server_meets_the_overall_deadline(server):
    def trickle(out):
        out.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            out.write(b"x")
            time.sleep(0.05)

    server.handle("/trickle", raw(trickle))
    async with client(timeout=1.0, deadline=0.3, retries=0) as http:
        with pytest.raises(FetchError, match=r"timed out after 0\.3 s$"):
            await http.get(server.url("/trickle"))


async def test_connection_refused_retries_then_fails():
    port = closed_port()
    sleeps = Sleeps()
    async with client(sleeps, retries=2) as http:
        with pytest.raises(FetchError) as failure:
            await http.get(f"http://127.0.0.1:{port}/feed.xml")
    assert str(failure.value) == f"127.0.0.1:{port}: connection refused (3 tries)"
    assert len(sleeps) == 2


@pytest.mark.parametrize("answer", [
    b"HELLO THERE\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",  # endless headers
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nnot a chunk\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",  # then the server hangs up
], ids=["not-http", "huge-headers", "bad-chunk", "cut-short"])
async def test_a_garbled_answer_is_a_fetch_error(server, answer):
    server.handle("/garbled", raw(lambda out: out.write(answer)))
    async with client(retries=1) as http:
        with pytest.raises(FetchError, match="broken answer"):
            await http.get(server.url("/garbled"))


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"2;note=x\r\nhe\r\n3\r\nllo\r\n0\r\nX-Trailer: t\r\n\r\n",
    b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello",  # until the server closes
    b"HTTP/1.1 200 OK\nContent-Length: 5\n\nhello",  # bare line feeds, as some servers send
], ids=["interim", "chunked", "until-close", "bare-lf"])
async def test_every_framing_of_an_answer_is_read(server, answer):
    server.handle("/framed", raw(lambda out: out.write(answer)))
    async with client(retries=0) as http:
        assert (await http.get(server.url("/framed"))).body == b"hello"


@pytest.mark.parametrize("answer", [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\n Folded: line\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/2 200\r\n\r\n",
], ids=["two-lengths", "unknown-transfer-coding", "folded-header", "not-1.1"])
async def test_an_ambiguous_answer_is_refused_not_guessed(server, answer):
    server.handle("/odd", raw(lambda out: out.write(answer)))
    async with client(retries=0) as http:
        with pytest.raises(FetchError, match="broken answer"):
            await http.get(server.url("/odd"))


async def test_a_validator_cannot_smuggle_a_header(server):
    """An ETag kept from an earlier answer goes back as it came; one with a line break (a
    damaged or tampered database) fails that source, and no second header goes out."""
    server.route("/feed.xml", "<rss/>")
    async with client(retries=0) as http:
        with pytest.raises(FetchError, match="network error"):
            await http.get(server.url("/feed.xml"), etag='"v1"\r\nX-Injected: 1')
    assert all("X-Injected" not in headers for _, headers in server.requests)


async def test_chunked_answers_keep_the_connection_for_the_next_request(server):
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"5\r\nhello\r\n0\r\n\r\n")
    connections = []

    def chunked_route(handler):
        connections.append(handler.client_address)
        handler.connection.sendall(chunked)
        handler.wfile = io.BytesIO()  # loopback's own answer goes nowhere; the socket stays
        return 200, {}, b""

    server.handle("/chunks", chunked_route)
    async with client(retries=0) as http:
        bodies = [(await http.get(server.url("/chunks"))).body for _ in range(3)]
    assert bodies == [b"hello"] * 3
    assert len(set(connections)) == 1


async def test_unchanged_answers_keep_the_connection_for_the_next_request(server):
    """A refetch is mostly 304s: each leaves its connection for the next request."""
    connections = []

    def conditional(handler):
        connections.append(handler.client_address)
        if handler.headers.get("If-None-Match") == '"1"':
            return 304, {"ETag": '"1"'}, b""
        return 200, {"ETag": '"1"'}, b"feed"

    server.handle("/cond", conditional)
    async with client(retries=0) as http:
        first = await http.get(server.url("/cond"))
        answers = [await http.get(server.url("/cond"), etag=first.etag) for _ in range(3)]
    assert [answer.status for answer in answers] == [304] * 3
    assert len(set(connections)) == 1


async def test_at_most_per_host_requests_run_at_once(server):
    lock, running, most = threading.Lock(), [0], [0]

    def counted(_):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.1)
        with lock:
            running[0] -= 1
        return 200, {}, b"ok"

    server.handle("/counted", counted)
    async with client(per_host=2) as http:
        answers = await asyncio.gather(*(http.get(server.url(f"/counted?n={n}"))
                                         for n in range(6)))
    assert len(answers) == 6 and server.hits["/counted"] == 6
    assert most[0] == 2


async def test_a_slow_host_does_not_hold_up_another(server):
    server.handle("/slow", lambda _: (time.sleep(0.5), (200, {}, b"late"))[1])
    with LoopbackServer() as other:
        other.route("/quick", "quick")
        async with client(per_host=1) as http:
            slow = asyncio.ensure_future(http.get(server.url("/slow")))
            await asyncio.sleep(0.05)
            assert (await http.get(other.url("/quick"))).body == b"quick"
            assert not slow.done()
            assert (await slow).body == b"late"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/feed", "feed.xml", "",
                                 "http://", "http://[::1"])
async def test_only_http_and_https_urls_are_fetched(url):
    async with client() as http:
        with pytest.raises(FetchError):
            await http.get(url)


async def test_nothing_but_fetch_error_escapes_even_after_close(server):
    server.route("/feed.xml", "<rss/>")
    http = client()
    await http.aclose()
    with pytest.raises(FetchError, match=r"^127\.0\.0\.1:\d+: "):
        await http.get(server.url("/feed.xml"))


async def test_without_a_proxy_plain_http_never_sets_up_tls(server, monkeypatch):
    """No proxy in the environment: our own transport, whose TLS pool (and its certificate
    store) is made only when an https URL is asked for."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    server.route("/plain", "plain")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    async with client(retries=0) as http:
        transport = http._transport.direct
        assert (await http.get(server.url("/plain"))).body == b"plain"
        assert not transport.tls_ready
        with pytest.raises(FetchError, match="refused"):
            await http.get(f"https://127.0.0.1:{closed}/feed")
        assert transport.tls_ready


def test_plain_http_goes_through_the_lean_transport_not_httpx(server, monkeypatch):
    """Without a proxy, a fetch imports neither httpx nor httpcore and anyio (25 and 60 ms
    of a whole `tuifeed fetch`) nor pays their CPU a request: the answer comes over our
    transport, and a second request to the same server reuses the first one's connection."""
    import subprocess
    import sys

    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    server.route("/a", "first")
    server.route("/b", "second")
    code = (
        "import asyncio, sys\n"
        "from tuifeed.sources.http import HttpClient\n"
        "async def main():\n"
        "    async with HttpClient() as http:\n"
        "        bodies = [(await http.get(url)).body for url in sys.argv[1:]]\n"
        "        idle = sum(len(c) for c in http._transport.direct._idle.values())\n"
        "    print(bodies, idle, sorted(m for m in sys.modules\n"
        "                               if m.split('.')[0] in ('httpx', 'httpcore', 'anyio')))\n"
        "asyncio.run(main())\n")
    result = subprocess.run([sys.executable, "-c", code, server.url("/a"), server.url("/b")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[b'first', b'second'] 1 []"


async def test_a_kept_alive_connection_the_server_dropped_is_replaced_unseen(server):
    """The server answers as if it kept the connection, then hangs up (as servers do after
    an idle timeout): the next request finds the socket closed and goes out on a fresh one,
    with no error and no retry counted."""
    def answer_then_hang_up(out):
        out.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: text/plain\r\n\r\nbody")
        out.flush()

    server.handle("/drop", raw(answer_then_hang_up))
    sleeps = Sleeps()
    async with client(sleeps, retries=0) as http:
        first = await http.get(server.url("/drop"))
        await asyncio.sleep(0.05)  # the hang-up reaches us
        second = await http.get(server.url("/drop"))
    assert (first.body, second.body) == (b"body", b"body")
    assert sleeps == []


async def test_a_proxy_named_by_the_environment_carries_other_hosts(server, monkeypatch):
    """HTTP_PROXY is honoured (here the loopback server plays the proxy and sees the full
    URL), while NO_PROXY's hosts still go straight to their server."""
    server.route("/feed", "through the proxy")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.origin)
    monkeypatch.setenv("NO_PROXY", "localhost, .example.org")
    async with client(retries=0) as http:
        answer = await http.get("http://videos.example.invalid/feed")
        routing = http._transport
        assert routing.proxy_for(parse_url("http://a.example.org/x")) == ""
        assert routing.proxy_for(parse_url("http://example.org/x")) == ""
        assert routing.proxy_for(parse_url("http://notexample.org/x")) == server.origin
        assert routing.proxy_for(parse_url("http://localhost:8080/x")) == ""
    assert answer.body == b"through the proxy"
    assert server.requests[-1][0] == "http://videos.example.invalid/feed"


@pytest.mark.parametrize("no_proxy, host, bypassed", [
    ("*", "anything.example", True), ("127.0.0.1", "127.0.0.1", True),
    ("127.0.0.1:8080", "127.0.0.1", True), ("[::1]:80", "::1", True),
    ("*.example.org", "a.example.org", True), ("example.org", "ample.org", False),
    ("", "127.0.0.1", False), ("localhost", "localhost.", True)])
def test_no_proxy_entries(no_proxy, host, bypassed):
    from tuifeed.sources.transport import _bypassed

    assert _bypassed(host, {"http": "http://proxy:1", "no": no_proxy}) is bypassed


@pytest.fixture
def tls_server(tmp_path, server):
    """The loopback server behind TLS, with a certificate made for 127.0.0.1 by openssl."""
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    raw_socket = server._server.socket
    server._server.socket = context.wrap_socket(raw_socket, server_side=True)
    return server, cert


async def test_https_is_verified_and_a_trusted_answer_comes_back(tls_server):
    import ssl

    from tuifeed.sources.transport import RoutingTransport

    server, cert = tls_server
    server.route("/secure", "over tls")
    url = server.url("/secure").replace("http://", "https://")
    trusting = ssl.create_default_context(cafile=str(cert))
    async with client(retries=0, transport=RoutingTransport({}, tls=trusting)) as http:
        answer = await http.get(url)
    assert (answer.status, answer.body) == (200, b"over tls")
    async with client(retries=0) as http:  # the usual certificate store does not know it
        with pytest.raises(FetchError, match="could not connect.*CERTIFICATE_VERIFY_FAILED"):
            await http.get(url)
