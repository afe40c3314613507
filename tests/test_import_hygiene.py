"""The domain (store, ranking, sources, the Feed facade) must not pull in Textual."""

import subprocess
import sys


def test_domain_and_cli_import_without_textual():
    code = (
        "import sys, tuifeed, tuifeed.feed, tuifeed.cli, tuifeed.store, tuifeed.ranking, "
        "tuifeed.sources.demo; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'textual_image'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
