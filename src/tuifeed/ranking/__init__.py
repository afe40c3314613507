"""The ranker: an interest model learned from events and a scorer of named contributions."""

from tuifeed.ranking.catalog import Catalog
from tuifeed.ranking.interests import InterestModel
from tuifeed.ranking.recipe import Recipe, load_recipe
from tuifeed.ranking.scorer import TERMS, Context, Ranked, rank

__all__ = ["TERMS", "Catalog", "Context", "InterestModel", "Ranked", "Recipe", "load_recipe",
           "rank"]
