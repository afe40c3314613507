"""The domain (store, ranking, sources, catalogue, the Feed facade) must not pull in Textual,
and a fetch must not pull in the ranker: each command starts with what it uses."""

import subprocess
import sys

DOMAIN = ("tuifeed, tuifeed.feed, tuifeed.cli, tuifeed.store, tuifeed.ranking, "
          "tuifeed.sources.demo, tuifeed.sources.http, tuifeed.sources.feeds, "
          "tuifeed.sources.youtube, tuifeed.sources.peertube, tuifeed.sources.folder, "
          "tuifeed.sources.subscriptions, tuifeed.catalogue.fetching, "
          "tuifeed.catalogue.registry, tuifeed.catalogue.thumbnails")


def loaded_after(modules: str, families: tuple[str, ...]) -> list[str]:
    code = (f"import sys, {modules}; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {families!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return eval(result.stdout)  # a list of module names printed by the child


def test_domain_and_cli_import_without_textual():
    assert loaded_after(DOMAIN, ("textual", "textual_image")) == []


def test_the_fetch_path_imports_neither_numpy_nor_the_ranker():
    loaded = loaded_after("tuifeed.cli, tuifeed.catalogue.fetching",
                          ("numpy", "textual", "rich", "sqlite_utils", "httpx", "h11"))
    assert loaded == []  # httpx loads only where a proxy is set (test_http.py)
    ours = loaded_after("tuifeed.cli, tuifeed.catalogue.fetching", ("tuifeed",))
    assert "tuifeed.store.items" in ours and "tuifeed.store.writer" not in ours
    assert [name for name in ours if name.startswith(("tuifeed.ranking", "tuifeed.feed"))] == []


def test_the_tui_starts_without_the_network_side():
    """httpx, h11 and lxml load in the fetch or thumbnail worker, after the first frame."""
    assert loaded_after("tuifeed.tui.app", ("httpx", "h11", "httpcore", "lxml")) == []
