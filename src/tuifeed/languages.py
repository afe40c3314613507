"""Item languages: a source's language tag (BCP 47, "en-US", "pt_BR", "FR") reduced to its
primary subtag in lower case ("en", "pt", "fr"), the code the ranker learns a taste for."""

from __future__ import annotations

import re

_PRIMARY = re.compile(r"[a-z]{2,3}")
# Codes that name no language: undetermined, several, none, uncoded.
NOT_A_LANGUAGE = frozenset({"und", "mul", "zxx", "mis"})


def language_code(tag: object) -> str:
    """The primary language subtag of `tag`, lower case; "" when it names no language (not
    a text, empty, a private-use or grandfathered "x-"/"i-" tag, "und", or not 2-3 letters)."""
    if not isinstance(tag, str):
        return ""
    primary = re.split(r"[-_\s]", tag.strip(), maxsplit=1)[0].lower()
    if not _PRIMARY.fullmatch(primary) or primary in NOT_A_LANGUAGE:
        return ""
    return primary
