"""The candidates as numpy columns, so one scoring pass covers a million items."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tuifeed.models import Item

# Quality is likes per view, smoothed as if each item had this many extra average views.
QUALITY_SMOOTHING_VIEWS = 200.0


class Catalog:
    """Items indexed 0..n-1 with their topic and creator codes and numeric features."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = list(items)
        self.index = {item.id: position for position, item in enumerate(self.items)}
        self.topics = sorted({topic for item in self.items for topic in item.topics})
        self.creators = sorted({item.creator for item in self.items})
        self.topic_index = {topic: code for code, topic in enumerate(self.topics)}
        self.creator_index = {creator: code for code, creator in enumerate(self.creators)}
        n = len(self.items)
        # Each row spreads 1.0 across the item's topics, so an item's topic term is an average.
        self.topic_matrix = np.zeros((n, max(len(self.topics), 1)), dtype=np.float32)
        for row, item in enumerate(self.items):
            codes = [self.topic_index[topic] for topic in dict.fromkeys(item.topics)]
            if codes:
                self.topic_matrix[row, codes] = 1.0 / len(codes)
        self.topic_hot = (self.topic_matrix > 0).astype(np.float32)
        # The first topic of an item is its main one (used by the diversity window).
        self.main_topic = np.fromiter(
            (self.topic_index[item.topics[0]] if item.topics else -1 for item in self.items),
            dtype=np.int32, count=n,
        )
        self.creator_codes = np.fromiter(
            (self.creator_index[item.creator] for item in self.items), dtype=np.int32, count=n
        )
        self.published = np.fromiter((item.published for item in self.items), np.float64, n)
        self.duration = np.fromiter((max(item.duration, 1.0) for item in self.items), np.float64, n)
        self.views = np.fromiter((item.views for item in self.items), np.float64, n)
        self.likes = np.fromiter((item.likes for item in self.items), np.float64, n)
        # Item-only features, in [-1, 1] and [0, 1]; computed once, weighted by the recipe.
        mean_rate = (self.likes.sum() + 1.0) / (self.views.sum() + 1.0)
        rate = (self.likes + QUALITY_SMOOTHING_VIEWS * mean_rate) / (
            self.views + QUALITY_SMOOTHING_VIEWS
        )
        self.quality = np.clip(np.log2(rate / mean_rate), -1.0, 1.0)
        self.popularity = np.clip(np.log10(self.views + 1) / 7, 0.0, 1.0)

    def __len__(self) -> int:
        return len(self.items)

    def item(self, item_id: str) -> Item:
        return self.items[self.index[item_id]]
