"""`python -m tuifeed` runs the same CLI as the `tuifeed` console script."""

from tuifeed.cli import run

run()
