"""Helpers the profile rules share: ordered pattern tables and word lists."""

from __future__ import annotations

import re

Rules = tuple[tuple[str, re.Pattern[str]], ...]


def compile_rules(table: tuple[tuple[str, str], ...]) -> Rules:
    """``(category, regex)`` pairs compiled, in order: the order is the precedence."""
    return tuple((category, re.compile(pattern)) for category, pattern in table)


def first_match(folded: str, rules: Rules) -> str | None:
    """The category of the first pattern found in folded text, or None."""
    for category, pattern in rules:
        if pattern.search(folded):
            return category
    return None


def word_set(words: str) -> frozenset[str]:
    """A constant set written as whitespace-separated words (long code and domain lists stay readable)."""
    return frozenset(words.split())
