"""The bundled demo catalogue: big and varied enough to feel like a feed, small enough to ship."""

import re
from collections import Counter

from PIL import Image

from tuifeed.assets import demo_dir
from tuifeed.sources.demo import load_demo_catalogue

FIRST_RUN = 1_800_000_000.0


def test_counts_meet_the_brief():
    items = load_demo_catalogue(FIRST_RUN)
    topics = Counter(topic for item in items for topic in item.topics)
    assert len(items) >= 300
    assert len({item.id for item in items}) == len(items)
    assert len(topics) >= 20 and "alligators" in topics
    assert len({item.creator for item in items}) >= 40


def test_every_item_is_complete_and_plausible():
    for item in load_demo_catalogue(FIRST_RUN):
        assert re.fullmatch(r"demo:\d{4}", item.id)
        assert item.title and item.creator and item.topics and item.description
        assert 5 <= item.duration <= 180
        assert item.published <= FIRST_RUN
        assert 0 <= item.likes <= item.views


def test_views_are_heavy_tailed():
    views = sorted(item.views for item in load_demo_catalogue(FIRST_RUN))
    median, top = views[len(views) // 2], views[-1]
    assert top > 100 * median  # a few hits dwarf the typical video


def test_titles_are_varied():
    titles = [item.title for item in load_demo_catalogue(FIRST_RUN)]
    assert len(set(titles)) == len(titles)
    joined = "".join(titles)
    assert re.search(r"[éèàçñü]", joined)  # accents
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", joined)  # CJK
    assert re.search(r"[\U0001F300-\U0001FAFF]", joined)  # emoji
    assert max(len(title) for title in titles) > 120  # one very long title


def test_thumbnails_are_real_portrait_images_and_all_fits_in_10_mb():
    folder = demo_dir()
    for item in load_demo_catalogue(FIRST_RUN):
        with Image.open(item.thumbnail) as picture:
            width, height = picture.size
        assert height > width
    total = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    assert total < 10 * 1024 * 1024
