"""Thumbnail drawings for tuifeed's demo catalogue (used by make_demo.py).

One function per topic, registered with its colour palette and the maximum
random rotation of its foreground layer.  Each draws bold, high-contrast shapes
on a 180x320 canvas (2x supersampled; saved at 90x160) so the picture still
reads when a terminal shows it as ~20x18 half-block cells.  All variation
(shades, positions, extra shapes, mirroring) comes from the RNG passed in.

Drawing signature: ``draw(b, f, r, p)`` -- ``b`` draws on the background
(already filled with a p[0]->p[1] gradient), ``f`` on a transparent
foreground layer that is rotated afterwards, ``r`` is a ``random.Random``
and ``p`` the palette with per-item colour jitter.
"""
from __future__ import annotations

import math
import random

from PIL import Image, ImageDraw

W, H = 180, 320  # drawing canvas (2x); saved at 90x160
MOTIFS: dict[str, tuple] = {}  # slug -> (palette, max rotation, draw function, alt gradients)


def motif(pal, rot=0, alt=""):
    """Register the decorated function as the motif for the topic of the same name.

    ``pal``: space-separated colours (p[0], p[1] = background gradient; a
    #000000 entry is a placeholder for a colour that motif picks itself);
    ``alt``: "|"-separated alternative gradients (sunset, night...) used on some items.
    """
    def deco(fn):
        alts = [[hexc(c) for c in a.split()] for a in alt.split("|") if a]
        MOTIFS[fn.__name__] = ([hexc(c) for c in pal.split()], rot, fn, alts)
        return fn
    return deco


# ------------------------------------------------------------------ helpers
def hexc(s):
    return tuple(int(s[i:i + 2], 16) for i in (1, 3, 5))


def shade(c, k):
    return tuple(max(0, min(255, int(v * k))) for v in c[:3])


def jit(c, r, a=14):
    return tuple(max(0, min(255, v + r.randint(-a, a))) for v in c[:3])


def bx(cx, cy, w, h):
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]


def leaf(d, x, y, ang, ln, wd, col):
    side = [(t / 8 * ln, wd / 2 * math.sin(math.pi * t / 8)) for t in range(9)]
    pts = side + [(u, -v) for u, v in reversed(side)]
    ca, sa = math.cos(ang), math.sin(ang)
    d.polygon([(x + u * ca - v * sa, y + u * sa + v * ca) for u, v in pts], fill=col)


def wave(d, y, amp, period, phase, col, foam=None):
    pts = [(x, y + amp * math.sin(x / period * math.tau + phase)) for x in range(-6, W + 12, 6)]
    d.polygon(pts + [(W, H), (0, H)], fill=col)
    if foam:
        d.line(pts, fill=foam, width=5)


def pine(d, x, base, h, col, snow=None):
    d.rectangle([x - 4, base - h * .2, x + 4, base], fill=(70, 45, 30))
    for i in range(3):
        y0, w = base - h * (.15 + .25 * i), h * (.36 - .08 * i)
        d.polygon([(x - w, y0), (x + w, y0), (x, y0 - h * .45)], fill=col)
        if snow:
            d.polygon([(x - w * .35, y0 - h * .29), (x + w * .35, y0 - h * .29), (x, y0 - h * .45)], fill=snow)


def cloud(d, x, y, s, col):
    for dx, dy, k in ((-s * .6, 0, .8), (s * .6, 0, .8), (0, -s * .3, 1.0)):
        d.ellipse(bx(x + dx, y + dy, s * 1.4 * k, s * k), fill=col)


def squiggle(d, x, y, ln, col, w):
    d.line([(x + 7 * math.sin(t / 2), y - t * ln / 10) for t in range(11)], fill=col, width=w, joint="curve")


def flower(d, x, y, s, petal, mid=(255, 214, 64)):
    for a in range(6):
        d.ellipse(bx(x + s * math.cos(a * math.pi / 3), y + s * math.sin(a * math.pi / 3), s * 1.2, s * 1.2), fill=petal)
    d.ellipse(bx(x, y, s, s), fill=mid)


def stars(d, r, n, big=0):
    for _ in range(n):
        s = r.choice((2, 3, 3, 4))
        d.ellipse(bx(r.uniform(0, W), r.uniform(0, H * .7), s, s), fill=(255, 255, 240))
    for _ in range(big):
        x, y = r.uniform(10, W - 10), r.uniform(10, H * .5)
        d.line([(x - 8, y), (x + 8, y)], fill=(255, 250, 210), width=3)
        d.line([(x, y - 8), (x, y + 8)], fill=(255, 250, 210), width=3)


BLACK, WHITE = (22, 22, 26), (250, 250, 250)
VIVID = [(230, 57, 70), (255, 183, 3), (42, 157, 143), (69, 123, 157), (255, 112, 166), (131, 56, 236), (251, 133, 0)]


# ------------------------------------------------------------------- motifs
@motif("#86d0c0 #1d5f63 #3d5a1c #f5d742", rot=30, alt="#9cc9a0 #2c5a3a")
def alligators(b, f, r, p):
    for _ in range(8):
        b.arc(bx(r.uniform(-20, W), r.uniform(0, H), r.uniform(40, 90), 16), 200, 340, fill=shade(p[1], 1.5), width=4)
    for _ in range(r.randint(1, 3)):
        a, s = r.uniform(0, 360), r.uniform(26, 42)
        b.pieslice(bx(r.choice((25, 155)), r.uniform(20, H - 20), s, s * .8), a, a + 310, fill=(96, 168, 62))
    g = p[2]
    if r.random() < .4:  # a baby tags along
        gator(f, r.choice((30, 150)), r.uniform(60, 260), .35, jit(g, r, 20), p[3], r)
    gator(f, 90 + r.uniform(-10, 10), 175 + r.uniform(-10, 10), r.uniform(.9, 1.05), g, p[3], r)


def gator(f, cx, cy, s, g, eye, r):
    """Top-down alligator, snout up, centred on its belly (cx, cy), scaled by s."""
    dk = shade(g, .55)

    def e(x, y, w, h, col):
        f.ellipse(bx(cx + x * s, cy + y * s, w * s, h * s), fill=col)
    tail_tip = (cx + r.uniform(-30, 30) * s, cy + 147 * s)
    f.polygon([(cx - 24 * s, cy + 40 * s), (cx + 24 * s, cy + 40 * s), tail_tip], fill=g)
    for sx in (-1, 1):
        for ly in (-35, 37):
            e(sx * 37, ly + sx * 4, 36, 16, dk)
    e(0, 0, 66, 132, g)
    f.rounded_rectangle(bx(cx, cy - 103 * s, 38 * s, 84 * s), radius=16 * s, fill=g)
    e(0, -67, 54, 58, g)
    for y in range(-43, 125, 16):
        e(0, y, 12 - (y + 43) / 24, 8, dk)
    for sx in (-1, 1):
        e(sx * 20, -75, 22, 22, eye)
        e(sx * 20, -75, 6, 17, BLACK)
        e(sx * 7, -137, 6, 6, dk)


@motif("#ffe3b3 #f4a259 #2e2e33 #fffaf0 #ffb703", rot=12, alt="#d8f3dc #95d5b2")
def cooking(b, f, r, p):
    b.rectangle([0, 250, W, H], fill=shade(p[1], .75))
    cx, cy = 80 + r.uniform(-8, 8), 195
    if r.random() < .3:  # noodle bowl with chopsticks instead of a pan
        bowl = jit(r.choice([(230, 57, 70), (69, 123, 157), (245, 245, 240)]), r)
        f.line([(cx + 60, 60), (cx - 10, 200)], fill=(150, 100, 50), width=7)
        f.line([(cx + 80, 70), (cx + 5, 205)], fill=(150, 100, 50), width=7)
        f.ellipse(bx(cx + 10, 186, 150, 64), fill=(250, 214, 120))
        for k in range(5):
            f.arc(bx(cx + 10 + r.uniform(-40, 40), 184, r.uniform(30, 60), 30), 180, 360, fill=(215, 150, 50), width=5)
        f.ellipse(bx(cx + r.uniform(-20, 40), 172, 30, 20), fill=(120, 190, 90))
        f.chord(bx(cx + 10, 190, 156, 150), 0, 180, fill=bowl)
        f.rectangle(bx(cx + 10, 262, 60, 14), fill=shade(bowl, .8))
        for k in range(3):
            squiggle(f, cx - 18 + 28 * k, 150, 70, (255, 255, 255, 200), 7)
        return
    f.rounded_rectangle([cx + 55, cy - 10, cx + 140, cy + 10], radius=9, fill=p[2])
    f.ellipse(bx(cx, cy, 146, 146), fill=p[2])
    f.ellipse(bx(cx, cy, 120, 120), fill=shade(p[2], 1.6))
    if r.random() < .5:
        for ex, ey in r.sample([(-24, -20), (22, -14), (-8, 26)], r.randint(1, 3)):
            for dx, dy in ((-8, 0), (8, 4), (0, -8)):
                f.ellipse(bx(cx + ex + dx, cy + ey + dy, 40, 36), fill=p[3])
            f.ellipse(bx(cx + ex + 2, cy + ey, 22, 22), fill=p[4])
    else:
        for _ in range(r.randint(7, 11)):
            a, d = r.uniform(0, math.tau), r.uniform(0, 42)
            veg = r.choice(VIVID[:3] + [(106, 176, 76)])
            f.ellipse(bx(cx + d * math.cos(a), cy + d * math.sin(a), 24, 22), fill=veg)
    for k in range(3):
        squiggle(f, cx - 28 + 28 * k, cy - 90, 80, (255, 255, 255, 200), 7)


@motif("#ffd6e7 #f78fb3 #f3c98b #fff5fa #d62839", rot=0, alt="#d9f0ff #8ec5ea|#fff3c4 #ffd166")
def baking(b, f, r, p):
    b.rectangle([0, 262, W, H], fill=shade(p[1], .8))
    cx, n, lh = 90, r.randint(2, 3), 36
    f.ellipse(bx(cx, 266, 172, 28), fill=WHITE)
    top = 262 - n * lh
    for i in range(n):
        y0 = 262 - (i + 1) * lh
        f.rectangle([cx - 64, y0, cx + 64, y0 + lh - 8], fill=shade(p[2], 1 - .12 * (i % 2)))
        f.rectangle([cx - 64, y0 + lh - 8, cx + 64, y0 + lh], fill=p[3])
    f.rounded_rectangle([cx - 70, top - 14, cx + 70, top + 8], radius=9, fill=p[3])
    for x in range(cx - 58, cx + 59, 19):
        f.ellipse(bx(x, top + 8, 14, r.uniform(14, 34)), fill=p[3])
    m = r.randint(0, 3)
    for k in range(m):
        x = cx + (k - (m - 1) / 2) * 32
        f.rectangle([x - 5, top - 52, x + 5, top - 14], fill=r.choice(VIVID))
        f.ellipse(bx(x, top - 64, 14, 22), fill=(255, 190, 40))
    if not m:
        f.ellipse(bx(cx, top - 24, 30, 30), fill=p[4])
        f.line([(cx, top - 38), (cx + 10, top - 60)], fill=(60, 110, 40), width=4)


@motif("#3fb8ef #c9f1ff #c8874a #ff4d6d #ffe66d", rot=35, alt="#ff9a8b #ffd3a5")
def skateboarding(b, f, r, p):
    b.ellipse(bx(r.uniform(30, 90), r.uniform(30, 80), 46, 46), fill=(255, 240, 160))
    c, R = (W - 150, 140), 150
    arc = [(c[0] + R * math.cos(t / 20 * math.pi / 2), c[1] + R * math.sin(t / 20 * math.pi / 2)) for t in range(21)]
    b.polygon(arc + [(0, 290), (0, H), (W, H)], fill=p[2])
    b.line(arc + [(0, 290)], fill=shade(p[2], .6), width=6)
    b.rectangle([W - 10, 118, W, H], fill=shade(p[2], .7))
    cx, cy = 78, 150
    f.rounded_rectangle(bx(cx, cy, 124, 26), radius=13, fill=p[3])
    f.rounded_rectangle(bx(cx, cy - 4, 104, 8), radius=4, fill=shade(p[3], .6))
    for sx in (-1, 1):
        f.rectangle(bx(cx + sx * 38, cy + 16, 20, 8), fill=(150, 150, 160))
        f.ellipse(bx(cx + sx * 38, cy + 24, 22, 22), fill=p[4])


@motif("#ddd0ff #9b82e0 #e8913a #ff9eb5 #9be564", rot=10, alt="#c8f7dc #7fd1a8|#ffe0c2 #ffb38a")
def cats(b, f, r, p):
    fur = jit(r.choice([(232, 145, 58), (138, 143, 153), (241, 227, 200), (48, 44, 50), (176, 120, 80)]), r, 10)
    cx, cy = 90, 175
    f.ellipse(bx(cx, 310, 176, 130), fill=fur)
    for sx in (-1, 1):
        f.polygon([(cx + sx * 66, cy - 5), (cx + sx * 54, cy - 108), (cx + sx * 8, cy - 52)], fill=fur)
        f.polygon([(cx + sx * 52, cy - 26), (cx + sx * 48, cy - 86), (cx + sx * 24, cy - 52)], fill=p[3])
    f.ellipse(bx(cx, cy, 144, 122), fill=fur)
    if r.random() < .5:
        for dx in (-16, 0, 16):
            f.line([(cx + dx, cy - 58), (cx + dx, cy - 34)], fill=shade(fur, .65), width=7)
    for sx in (-1, 1):
        f.ellipse(bx(cx + sx * 30, cy - 4, 32, 36), fill=p[4])
        f.ellipse(bx(cx + sx * 30, cy - 4, 9, 28), fill=BLACK)
        for dy in (-6, 6):
            f.line([(cx + sx * 26, cy + 28 + dy / 3), (cx + sx * 84, cy + 22 + dy * 2)], fill=WHITE, width=3)
    f.polygon([(cx - 10, cy + 18), (cx + 10, cy + 18), (cx, cy + 30)], fill=p[3])


@motif("#ffeaa3 #ffbf3f #000000 #eb6e82", rot=10, alt="#cde7ff #86b8f0|#d6f5d6 #8fd694")
def dogs(b, f, r, p):
    fur = jit(r.choice([(214, 160, 90), (150, 95, 55), (245, 232, 210), (90, 80, 78), (230, 190, 120)]), r, 10)
    ear, cx, cy = shade(fur, .6), 90, 170
    f.ellipse(bx(cx, 305, 176, 120), fill=fur)
    f.ellipse(bx(cx, cy, 124, 134), fill=fur)
    for sx in (-1, 1):
        f.ellipse(bx(cx + sx * 62, cy + 8, 40, 104), fill=ear)
    if r.random() < .5:
        f.ellipse(bx(cx + r.choice((-24, 24)), cy - 18, 44, 46), fill=ear)
    f.ellipse(bx(cx, cy + 64, 24, 34), fill=p[3])
    f.ellipse(bx(cx, cy + 36, 76, 54), fill=shade(fur, 1.25) if sum(fur) < 600 else (255, 250, 240))
    f.ellipse(bx(cx, cy + 22, 32, 22), fill=BLACK)
    for sx in (-1, 1):
        f.ellipse(bx(cx + sx * 26, cy - 16, 18, 20), fill=BLACK)
        f.ellipse(bx(cx + sx * 26 + 3, cy - 20, 6, 6), fill=WHITE)


@motif("#7fc6e8 #e2f6ff #1d6fa3 #f1faff #ffe066", rot=0, alt="#ff9a76 #ffd6a5|#1b2a4a #4a5f8a")
def ocean(b, f, r, p):
    b.ellipse(bx(r.uniform(40, 140), 125, 64, 64), fill=p[4])
    for _ in range(r.randint(1, 3)):
        cloud(b, r.uniform(20, 160), r.uniform(30, 90), r.uniform(20, 30), WHITE)
    for i in range(5):
        col = shade(p[2], 1.25 - .14 * i)  # far waves lighter
        wave(b, 135 + i * 38, 5 + 2 * i, r.uniform(50, 90), r.uniform(0, 6), col, p[3] if i else None)
    for _ in range(r.randint(0, 3)):
        x, y = r.uniform(20, 160), r.uniform(30, 110)
        b.line([(x - 12, y - 6), (x, y), (x + 12, y - 6)], fill=(60, 60, 70), width=4, joint="curve")


@motif("#ffcf8b #ff8c69 #0f8fb8 #f4fbff #ffd23f", rot=50, alt="#8fd3fe #e0f4ff")
def surfing(b, f, r, p):
    b.ellipse(bx(r.uniform(100, 160), 60, 50, 50), fill=(255, 240, 170))
    cx, cy = r.uniform(10, 50), 200
    b.ellipse(bx(cx, cy, 250, 250), fill=p[2])
    b.ellipse(bx(cx + 18, cy + 20, 150, 150), fill=shade(p[2], .65))
    b.arc(bx(cx, cy, 250, 250), 195, 360, fill=p[3], width=16)
    wave(b, 255, 6, 70, r.uniform(0, 6), shade(p[2], 1.15), p[3])
    f.ellipse(bx(130, 210, 38, 130), fill=p[4])
    f.line([(130, 148), (130, 272)], fill=shade(p[4], .6), width=5)


@motif("#8fd0f0 #fbe8c8 #8a9fc4 #3d5a80 #ffffff", rot=0, alt="#ff9e7a #ffd9b0|#c9b6f2 #fbe3f0")
def hiking(b, f, r, p):
    b.ellipse(bx(r.uniform(30, 150), 50, 44, 44), fill=(255, 236, 150))
    pts = [(x, 200 - r.uniform(0, 50) * (x % 60 == 30)) for x in range(0, W + 30, 30)]
    b.polygon(pts + [(W, H), (0, H)], fill=p[2])
    px = r.uniform(60, 120)
    b.polygon([(px, 105), (px + 150, H), (px - 150, H)], fill=p[3])
    b.polygon([(px, 105), (px + 34, 148), (px + 16, 140), (px, 156), (px - 14, 142), (px - 34, 150)], fill=p[4])
    for _ in range(r.randint(3, 5)):
        pine(b, r.uniform(0, W), H, r.uniform(60, 100), jit((35, 85, 55), r))


@motif("#fff1c1 #ffd98e #c8553d #3a9d4c #ff6fa5", rot=8, alt="#dff5e1 #b5e3b9")
def gardening(b, f, r, p):
    b.rectangle([0, 275, W, H], fill=shade(p[1], .75))
    b.rectangle([14, 20, 76, 120], fill=(200, 235, 255))
    cx = 90 + r.uniform(-10, 10)
    for _ in range(r.randint(0, 3)):
        fx, fy = cx + r.uniform(-55, 55), r.uniform(50, 110)
        f.line([(cx, 190), (fx, fy)], fill=shade(p[3], .8), width=5)
        flower(f, fx, fy, r.uniform(12, 18), jit(p[4], r, 40))
    for _ in range(r.randint(5, 8)):
        ang = -math.pi / 2 + r.uniform(-1.2, 1.2)
        leaf(f, cx + r.uniform(-15, 15), 190, ang, r.uniform(60, 105), r.uniform(24, 36), jit(p[3], r, 25))
    f.polygon([(cx - 50, 190), (cx + 50, 190), (cx + 38, 285), (cx - 38, 285)], fill=p[2])
    f.rectangle([cx - 56, 182, cx + 56, 204], fill=shade(p[2], 1.15))


@motif("#7b2ff7 #f107a3 #ffd23f #00f5d4", rot=15, alt="#00b4d8 #7209b7|#ff7b00 #ff006e")
def music(b, f, r, p):
    for i in range(-H, W + H, 44):
        b.line([(i, 0), (i + H * .5, H)], fill=shade(p[1], 1.15), width=14)
    cx, cy = 90, 185
    f.ellipse(bx(cx, cy, 164, 164), fill=BLACK)
    for rr in (140, 116, 94):
        f.ellipse(bx(cx, cy, rr, rr), outline=(70, 70, 80), width=2)
    f.ellipse(bx(cx, cy, 58, 58), fill=jit(p[2], r, 30))
    f.ellipse(bx(cx, cy, 8, 8), fill=BLACK)
    for _ in range(r.randint(1, 3)):
        x, y = r.uniform(30, 150), r.choice((r.uniform(60, 90), r.uniform(300, 315)))
        f.ellipse(bx(x, y, 28, 22), fill=p[3])
        f.line([(x + 11, y), (x + 11, y - 58)], fill=p[3], width=6)
        f.polygon([(x + 11, y - 60), (x + 32, y - 40), (x + 11, y - 44)], fill=p[3])


@motif("#1b998b #0d5c63 #d9822b #4a2f22", rot=30, alt="#3d348b #1b1b3a|#7a1f3d #2b0f1a")
def guitar(b, f, r, p):
    stars(b, r, 12)
    body, cx = jit(r.choice([p[2], (200, 40, 50), (40, 90, 200), (235, 200, 120)]), r), 90
    f.ellipse(bx(cx, 252, 134, 112), fill=body)
    f.ellipse(bx(cx, 182, 104, 92), fill=body)
    f.ellipse(bx(cx, 196, 38, 38), fill=(30, 20, 14))
    f.rectangle([cx - 10, 22, cx + 10, 178], fill=p[3])
    f.rounded_rectangle([cx - 16, 0, cx + 16, 42], radius=6, fill=shade(p[3], .8))
    f.rectangle([cx - 24, 250, cx + 24, 260], fill=p[3])
    for dx in (-6, -2, 2, 6):
        f.line([(cx + dx, 20), (cx + dx, 255)], fill=(235, 235, 220), width=1)


@motif("#63b4f5 #d6eeff #ff6b6b #ffd43b #69c46d", rot=6, alt="#ff9e80 #ffe0b2")
def travel(b, f, r, p):
    for _ in range(r.randint(2, 4)):
        cloud(b, r.uniform(0, W), r.uniform(30, 250), r.uniform(18, 30), WHITE)
    b.ellipse(bx(30, 340, 240, 120), fill=p[4])
    b.ellipse(bx(170, 350, 240, 110), fill=shade(p[4], .8))
    x2, y2 = r.choice((30, 150)), r.uniform(50, 230)
    b.ellipse(bx(x2, y2, 30, 34), fill=r.choice(VIVID))
    b.rectangle(bx(x2, y2 + 24, 8, 7), fill=(120, 80, 40))
    cx, cy = 90 + r.uniform(-15, 15), 125 + r.uniform(-15, 15)
    c1, c2 = (p[2], p[3]) if r.random() < .5 else (jit(r.choice(VIVID), r), p[3])
    f.polygon([(cx - 40, cy + 50), (cx + 40, cy + 50), (cx + 14, cy + 90), (cx - 14, cy + 90)], fill=c1)
    for wd, c in ((122, c1), (80, c2), (34, c1)):
        f.ellipse(bx(cx, cy, wd, 132), fill=c)
    for sx in (-1, 1):
        f.line([(cx + sx * 14, cy + 88), (cx + sx * 11, cy + 112)], fill=(80, 60, 40), width=3)
    f.rectangle([cx - 15, cy + 110, cx + 15, cy + 134], fill=(130, 85, 40))


@motif("#0b0c2a #3a1c71 #ff9f43 #feca57", rot=25, alt="#1a0b2e #7a1c4b")
def space(b, f, r, p):
    stars(b, r, 50, 3)
    b.ellipse(bx(r.uniform(20, 160), r.uniform(270, 300), 36, 36), fill=(205, 205, 215))
    pl, cx, cy = jit(r.choice([p[2], (90, 180, 255), (230, 90, 120), (120, 220, 160)]), r), 90, 170
    f.ellipse(bx(cx, cy, 210, 54), outline=p[3], width=9)
    f.ellipse(bx(cx, cy, 122, 122), fill=pl)
    f.chord(bx(cx, cy, 122, 122), 300, 120, fill=shade(pl, .7))
    f.arc(bx(cx, cy, 210, 54), 0, 180, fill=p[3], width=9)


@motif("#ff7e5f #feb47b #3b3b45 #000000 #ffe66d", rot=3, alt="#2b2d5c #8a4f9e|#6ec6ff #d0f0ff")
def cars(b, f, r, p):
    b.ellipse(bx(r.uniform(40, 140), 165, 100, 100), fill=p[4])
    for x in range(-10, W, 28):
        b.rectangle([x, 240 - r.uniform(10, 70), x + 24, 242], fill=shade(p[0], .6))
    b.rectangle([0, 240, W, H], fill=p[2])
    off = r.uniform(0, 50)
    for x in range(-60, W, 50):
        b.rectangle([x + off, 290, x + off + 28, 297], fill=(240, 210, 80))
    col, glass = jit(r.choice(VIVID), r), (170, 225, 245)
    f.polygon([(36, 192), (58, 158), (122, 158), (146, 192)], fill=col)
    f.polygon([(54, 190), (68, 166), (87, 166), (87, 190)], fill=glass)
    f.polygon([(95, 190), (95, 166), (116, 166), (132, 190)], fill=glass)
    f.rounded_rectangle([8, 186, 172, 236], radius=14, fill=col)
    for x in (46, 134):
        f.ellipse(bx(x, 236, 42, 42), fill=BLACK)
        f.ellipse(bx(x, 236, 18, 18), fill=(190, 190, 195))
    f.ellipse(bx(164, 202, 12, 12), fill=(255, 245, 170))


@motif("#98e5f5 #fbf8cc #8eb85a #e63946", rot=4, alt="#ffd6a5 #fffbe0")
def cycling(b, f, r, p):
    b.ellipse(bx(r.uniform(0, 90), 290, 260, 150), fill=shade(p[2], 1.2))
    b.rectangle([0, 262, W, H], fill=p[2])
    fr, dk = jit(r.choice([p[3], (30, 110, 220), (255, 170, 0), (40, 160, 110)]), r), (30, 30, 34)
    rear, bb, seat, head, front = (46, 226), (92, 226), (76, 166), (124, 161), (134, 226)
    for x, y in (rear, front):
        f.ellipse(bx(x, y, 76, 76), outline=dk, width=8)
        f.ellipse(bx(x, y, 10, 10), fill=dk)
    f.line([rear, bb, seat, rear], fill=fr, width=8, joint="curve")
    f.line([seat, head, bb], fill=fr, width=8, joint="curve")
    f.line([head, front], fill=fr, width=8)
    f.rounded_rectangle([62, 150, 92, 160], radius=4, fill=dk)
    f.line([head, (120, 142), (138, 140)], fill=dk, width=6)
    f.ellipse(bx(92, 226, 24, 24), outline=dk, width=5)


@motif("#ff5f6d #ffc371 #1f1f24 #f8f9fa", rot=40, alt="#4facfe #00f2fe|#43e97b #38f9d7")
def fitness(b, f, r, p):
    b.rectangle([0, 262, W, H], fill=shade(p[1], .6))
    b.rectangle([0, 262, W, 272], fill=shade(p[1], .8))
    pl = jit(r.choice([p[2], (40, 90, 200), (200, 40, 50)]), r)
    if r.random() < .6:
        f.rounded_rectangle(bx(90, 170, 176, 14), radius=6, fill=(175, 175, 184))
        for sx in (-1, 1):
            f.rounded_rectangle(bx(90 + sx * 52, 170, 22, 96), radius=6, fill=pl)
            f.rounded_rectangle(bx(90 + sx * 72, 170, 16, 70), radius=5, fill=shade(pl, 1.4))
    else:
        f.ellipse(bx(90, 150, 96, 96), outline=pl, width=18)
        f.ellipse(bx(90, 210, 136, 126), fill=pl)
        f.rounded_rectangle(bx(90, 214, 46, 28), radius=6, fill=p[3])


@motif("#bfe6fb #fef9e7 #6b4226 #000000 #f4a261", rot=0, alt="#ffd1dc #fff5f7")
def birds(b, f, r, p):
    cloud(b, r.uniform(20, 160), r.uniform(40, 90), 26, WHITE)
    y0 = 238 + r.uniform(-12, 12)
    b.line([(-10, y0 + 24), (W + 10, y0 - 24)], fill=p[2], width=16)
    for _ in range(r.randint(2, 4)):
        x = r.choice((r.uniform(0, 50), r.uniform(130, 180)))
        leaf(b, x, y0 - (x - 90) * .27, r.uniform(-2.8, -.4), 48, 22, jit((70, 150, 70), r))
    body, belly = r.choice([((200, 30, 40), (225, 70, 70)), ((50, 110, 210), (240, 150, 90)),
                            ((245, 200, 40), (255, 235, 120)), ((120, 85, 60), (235, 120, 50))])
    cx, cy = 82, y0 - 60
    f.polygon([(cx - 30, cy + 2), (cx - 86, cy + 38), (cx - 72, cy + 54), (cx - 20, cy + 26)], fill=shade(body, .7))
    f.line([(cx, cy + 30), (cx - 4, y0 + 4)], fill=(60, 40, 30), width=4)
    f.ellipse(bx(cx, cy, 100, 78), fill=body)
    f.ellipse(bx(cx + 12, cy + 14, 66, 44), fill=belly)
    f.ellipse(bx(cx - 14, cy - 2, 62, 38), fill=shade(body, .72))
    f.ellipse(bx(cx + 38, cy - 34, 58, 56), fill=body)
    f.ellipse(bx(cx + 48, cy - 40, 13, 13), fill=BLACK)
    f.polygon([(cx + 62, cy - 42), (cx + 88, cy - 30), (cx + 62, cy - 24)], fill=p[4])


@motif("#14123a #b33f62 #1a1a2e #ffd166", rot=0, alt="#0b132b #1c5d99")
def city(b, f, r, p):
    stars(b, r, 15)
    b.ellipse(bx(r.uniform(30, 150), r.uniform(35, 70), 40, 40), fill=(245, 240, 210))
    for col, hmin, hmax, lit in ((shade(p[1], .55), 150, 240, 0), (p[2], 70, 190, .45)):
        x = r.randint(-20, 0)
        while x < W:
            w, h = r.randint(28, 50), r.randint(hmin, hmax)
            b.rectangle([x, H - h, x + w, H], fill=jit(col, r, 8))
            for wx in range(x + 6, x + w - 9, 14):
                for wy in range(H - h + 10, H - 8, 18):
                    if r.random() < lit:
                        b.rectangle([wx, wy, wx + 7, wy + 9], fill=jit(p[3], r, 20))
            x += w + r.randint(0, 6)


@motif("#f3e1c7 #d9b48f #ffffff #6f4e37 #fffaf3", rot=0, alt="#dbe7e4 #a9c5bf")
def coffee(b, f, r, p):
    b.rectangle([0, 258, W, H], fill=shade(p[1], .7))
    mug = jit(r.choice([p[2], (230, 57, 70), (42, 157, 143), (69, 123, 157), (255, 183, 3)]), r)
    f.ellipse(bx(86, 266, 160, 30), fill=p[4])
    f.ellipse(bx(136, 204, 60, 64), outline=mug, width=15)
    f.rounded_rectangle([34, 150, 136, 266], radius=18, fill=mug)
    if r.random() < .5:
        f.rectangle([34, 196, 136, 212], fill=shade(mug, .7))
    else:
        f.ellipse(bx(76, 206, 22, 22), fill=(230, 57, 70))
        f.ellipse(bx(94, 206, 22, 22), fill=(230, 57, 70))
        f.polygon([(66, 210), (104, 210), (85, 232)], fill=(230, 57, 70))
    f.ellipse(bx(85, 152, 102, 24), fill=shade(mug, 1.2) if sum(mug) < 700 else (225, 225, 225))
    f.ellipse(bx(85, 153, 86, 16), fill=p[3])
    for k in range(3):
        squiggle(f, 62 + k * 23, 128, 70, (255, 255, 255, 190), 7)


@motif("#240046 #5a189a #72efdd #ff9e00 #10002b", rot=0, alt="#001d3d #003566|#3a0ca3 #f72585")
def gaming(b, f, r, p):
    stars(b, r, 20)
    for x in range(0, W, 24):
        b.rectangle([x, 288, x + 22, H], fill=p[3])
        b.rectangle([x, 288, x + 22, 294], fill=shade(p[3], 1.3))
    for _ in range(r.randint(1, 3)):
        b.rectangle(bx(r.uniform(20, 160), r.uniform(20, 50), 14, 14), fill=(255, 214, 10))
    bits = [[r.random() < (.35 if row in (0, 8) else .6) for _ in range(5)] for row in range(9)]
    for row in range(2, 7):
        bits[row][4] = True
    bits[3][1:5] = [True, True, True, True]
    col, cell = jit(p[2], r, 60), 16
    ox, oy = 90 - 4.5 * cell, 150 - 4.5 * cell
    for row in range(9):
        for c in range(9):
            if bits[row][c if c < 5 else 8 - c]:
                eye = row == 3 and c in (2, 6)
                f.rectangle([ox + c * cell, oy + row * cell, ox + c * cell + cell - 1, oy + row * cell + cell - 1],
                            fill=p[4] if eye else col)


@motif("#fdf6e3 #f0dcb4 #d4a373 #8a5a2b", rot=12, alt="#e0f7fa #b2ebf2")
def art(b, f, r, p):
    paints = r.sample(VIVID, 6)
    for k in range(3):
        y, ph = r.uniform(20, 300), r.uniform(0, 6)
        pts = [(x, y + 18 * math.sin(x / 35 + ph)) for x in range(-10, W + 20, 10)]
        b.line(pts, fill=paints[k], width=r.randint(14, 24), joint="curve")
    cx, cy = 90, 185
    f.ellipse(bx(cx, cy, 170, 136), fill=p[2])
    f.ellipse(bx(cx + 86, cy + 44, 44, 44), fill=(0, 0, 0, 0))
    f.ellipse(bx(cx + 42, cy + 30, 28, 24), fill=(0, 0, 0, 0))
    for i, c in enumerate(paints):
        a = math.pi * (.75 + i * .25)
        f.ellipse(bx(cx + 54 * math.cos(a) - 8, cy + 38 * math.sin(a), 28, 26), fill=c)
    f.line([(26, 310), (128, 86)], fill=p[3], width=10)
    f.line([(128, 86), (138, 64)], fill=(200, 200, 210), width=12)
    f.polygon([(133, 62), (145, 66), (150, 42)], fill=paints[0])


@motif("#a9cff5 #eaf4ff #ffffff #2d6a4f #e63946", rot=0, alt="#2b3a67 #6c7fb8|#ffd6e0 #fff0f3")
def snow(b, f, r, p):
    for _ in range(r.randint(2, 4)):
        pine(b, r.choice((r.uniform(0, 40), r.uniform(140, 180))), 250, r.uniform(70, 110), jit(p[3], r), WHITE)
    b.ellipse(bx(40, 320, 320, 150), fill=shade(p[2], .94))
    b.ellipse(bx(170, 320, 260, 110), fill=p[2])
    cx = 90 + r.uniform(-15, 15)
    for cy, s in ((258, 96), (188, 72), (132, 52)):
        f.ellipse(bx(cx, cy, s, s * .94), fill=WHITE, outline=(190, 210, 235), width=3)
    for sx in (-1, 1):
        f.line([(cx + sx * 32, 180), (cx + sx * 70, 150)], fill=(100, 65, 40), width=5)
        f.ellipse(bx(cx + sx * 10, 126, 7, 7), fill=BLACK)
    f.polygon([(cx, 132), (cx, 142), (cx + 26, 138)], fill=(255, 130, 30))
    f.rounded_rectangle([cx - 32, 152, cx + 32, 164], radius=5, fill=p[4])
    f.rectangle([cx + 12, 158, cx + 24, 190], fill=p[4])
    f.rectangle([cx - 32, 106, cx + 32, 112], fill=BLACK)
    f.rectangle([cx - 19, 72, cx + 19, 108], fill=BLACK)
    for y in (180, 198, 240):
        f.ellipse(bx(cx, y, 8, 8), fill=BLACK)
    for _ in range(30):
        s = r.choice((4, 5, 6))
        f.ellipse(bx(r.uniform(0, W), r.uniform(0, H), s, s), fill=WHITE)


@motif("#ffb347 #ffd9a0 #1b6ca8 #f4d35e #fff1a8", rot=8, alt="#87cefa #e0f6ff")
def fishing(b, f, r, p):
    y0, sx = 140, r.uniform(110, 160)
    b.ellipse(bx(sx, y0, 70, 70), fill=p[4])
    b.rectangle([0, y0, W, H], fill=p[2])
    b.rectangle([0, 235, W, H], fill=shade(p[2], .75))
    for _ in range(5):
        x, y = r.uniform(0, W), r.uniform(y0 + 8, 220)
        b.line([(x, y), (x + 26, y)], fill=shade(p[2], 1.5), width=3)
    b.polygon([(14, y0 - 16), (104, y0 - 16), (90, y0 + 10), (28, y0 + 10)], fill=(125, 72, 40))
    b.rectangle([52, y0 - 46, 68, y0 - 16], fill=(40, 70, 110))
    b.ellipse(bx(60, y0 - 54, 18, 18), fill=(240, 190, 150))
    hx = r.uniform(120, 160)
    b.line([(66, y0 - 36), (hx, y0 - 100)], fill=(40, 30, 25), width=4)
    b.line([(hx, y0 - 100), (hx, 262)], fill=(235, 235, 235), width=2)
    fx, fy = hx - 55, r.uniform(240, 290)
    f.polygon([(fx - 30, fy), (fx - 60, fy - 20), (fx - 60, fy + 20)], fill=shade(p[3], .8))
    f.ellipse(bx(fx, fy, 80, 40), fill=p[3])
    f.ellipse(bx(fx + 22, fy - 6, 10, 10), fill=BLACK)
    for _ in range(3):
        b.ellipse(bx(fx + 44 + r.uniform(0, 12), fy - 20 - r.uniform(0, 40), 10, 10), outline=WHITE, width=2)


@motif("#0d1b2a #2a3b5c #2d4030 #f77f00 #ffba08", rot=0, alt="#3b1f47 #c0526b")
def camping(b, f, r, p):
    stars(b, r, 40, 2)
    b.ellipse(bx(r.uniform(30, 150), 50, 36, 36), fill=(245, 240, 210))
    for x in range(-10, W + 20, 26):
        pine(b, x + r.uniform(-6, 6), 236, r.uniform(60, 110), (16, 34, 30))
    b.rectangle([0, 232, W, H], fill=p[2])
    b.ellipse(bx(142, 290, 100, 36), fill=shade(p[2], 1.6))
    tent = jit(r.choice([p[3], (42, 157, 143), (230, 57, 70), (255, 200, 40)]), r)
    f.polygon([(10, 276), (72, 150), (134, 276)], fill=tent)
    f.polygon([(52, 276), (72, 212), (92, 276)], fill=shade(tent, .4))
    f.line([(72, 150), (72, 136)], fill=(200, 200, 200), width=4)
    f.line([(124, 298), (162, 280)], fill=(110, 65, 35), width=8)
    f.line([(124, 280), (162, 298)], fill=(110, 65, 35), width=8)
    f.polygon([(124, 290), (136, 250), (143, 268), (150, 230), (162, 290)], fill=p[3])
    f.polygon([(134, 290), (143, 262), (152, 290)], fill=p[4])


def render_thumb(slug, seed):
    """Return the 90x160 RGB thumbnail for an item whose main topic is ``slug``."""
    r = random.Random(seed)
    pal, rot, draw, alts = MOTIFS[slug]
    if alts and r.random() < .4:
        pal = r.choice(alts) + pal[2:]
    p = [jit(c, r) for c in pal]
    mask = Image.linear_gradient("L").resize((W, H))
    img = Image.composite(Image.new("RGB", (W, H), p[1]), Image.new("RGB", (W, H), p[0]), mask)
    layer = Image.new("RGBA", (W, H), (0, 0, 0, 0))
    draw(ImageDraw.Draw(img), ImageDraw.Draw(layer), r, p)
    if rot:
        layer = layer.rotate(r.uniform(-rot, rot), resample=Image.BICUBIC)
    img.paste(layer, (0, 0), layer)
    if r.random() < .5:
        img = img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return img.resize((W // 2, H // 2), Image.LANCZOS)
