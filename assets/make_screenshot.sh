#!/usr/bin/env bash
# Make assets/screenshot.svg, the README's picture, with the app itself: a scripted session on a
# virtual clock in a throwaway home (deterministic: the same picture every time).
set -euo pipefail
cd "$(dirname "$0")/.."
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
tuifeed --home "$home" open --clock virtual --seed 1 --size 120x36 \
    --keys "wait:40 j wait:25 l wait:9" --screenshot assets/screenshot.svg
