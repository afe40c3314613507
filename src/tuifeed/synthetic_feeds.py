"""YouTube-shaped channel feeds made up from a seed, for the fetch benchmark and the tests.

The shape follows YouTube's channel feed (Atom with yt: and media: namespaces): per entry a
video id, channel id, title, alternate link (/watch or /shorts), publish time, media:group
with title, description, thumbnail, star rating count and view count.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from xml.sax.saxutils import escape

WORDS = ("alligator swamp feeding cats kitten sourdough bread bike trail snow surf wave guitar "
         "riff coffee latte garden tomato space rocket city night camping tent dog puppy "
         "skate park fishing lake baking cake").split()
EPOCH = 1_790_000_000  # 2026-09-21, so every entry is in the past of the tests' clocks


def channel_id(number: int) -> str:
    return f"UC{number:022d}"


def youtube_feed(number: int, entries: int = 30, seed: int = 0,
                 base: str = "https://www.youtube.com", thumbnails: str = "") -> bytes:
    """Channel `number`'s feed with `entries` entries; the same arguments give the same bytes.

    Thumbnails are served from `thumbnails` (a test's own server) or left out, so nothing
    made from these feeds ever asks a host beyond the machine for a picture."""
    generator = random.Random(f"{seed}:{number}")
    channel = channel_id(number)
    name = f"Channel {number} {generator.choice(WORDS).title()}"
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns:yt="http://www.youtube.com/xml/'
        'schemas/2015" xmlns:media="http://search.yahoo.com/mrss/" '
        'xmlns="http://www.w3.org/2005/Atom">\n',
        f' <link rel="self" href="{base}/feeds/videos.xml?channel_id={channel}"/>\n',
        f" <id>yt:channel:{channel[2:]}</id>\n <yt:channelId>{channel[2:]}</yt:channelId>\n",
        f" <title>{escape(name)}</title>\n <author><name>{escape(name)}</name>"
        f"<uri>{base}/channel/{channel}</uri></author>\n",
    ]
    for entry in range(entries):
        video = f"v{number:04d}x{entry:05d}"
        title = " ".join(generator.choice(WORDS) for _ in range(generator.randint(3, 7)))
        short = generator.random() < 0.3
        link = f"{base}/shorts/{video}" if short else f"{base}/watch?v={video}"
        published = datetime.fromtimestamp(EPOCH - number * 3600 - entry * 86400, UTC)
        stamp = published.strftime("%Y-%m-%dT%H:%M:%S+00:00")
        parts.append(
            f" <entry>\n  <id>yt:video:{video}</id>\n  <yt:videoId>{video}</yt:videoId>\n"
            f"  <yt:channelId>{channel}</yt:channelId>\n  <title>{escape(title.title())}</title>\n"
            f'  <link rel="alternate" href="{link}"/>\n'
            f"  <author><name>{escape(name)}</name><uri>{base}/channel/{channel}</uri></author>\n"
            f"  <published>{stamp}</published>\n  <updated>{stamp}</updated>\n"
            f"  <media:group>\n   <media:title>{escape(title.title())}</media:title>\n"
            f'   <media:content url="{base}/v/{video}?version=3" '
            f'type="application/x-shockwave-flash" width="640" height="390"/>\n'
            + (f'   <media:thumbnail url="{thumbnails}/vi/{video}.jpg" '
               f'width="480" height="360"/>\n' if thumbnails else "")
            + f"   <media:description>{escape(title)} #{generator.choice(WORDS)}"
            f"</media:description>\n   <media:community>\n"
            f'    <media:starRating count="{generator.randint(0, 5000)}" average="5.00" '
            f'min="1" max="5"/>\n'
            f'    <media:statistics views="{int(generator.paretovariate(1.1) * 1000)}"/>\n'
            f"   </media:community>\n  </media:group>\n </entry>\n")
    parts.append("</feed>\n")
    return "".join(parts).encode("utf-8")


def serve(feeds: int, entries: int, seed: int = 0) -> None:
    """Serve channel feeds at /ch/N/feeds/videos.xml on 127.0.0.1 (with ETags, a listen
    backlog large enough for concurrent clients); print the port, then serve until killed."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    bodies = {f"/ch/{number}/feeds/videos.xml": youtube_feed(number, entries, seed)
              for number in range(feeds)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else each answer stalls ~40 ms on delayed ACKs

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            body = bodies.get(self.path.split("?")[0])
            etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/atom+xml; charset=UTF-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    class Server(ThreadingHTTPServer):
        request_queue_size = 256
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    import sys

    serve(int(sys.argv[1]), int(sys.argv[2]))
