"""The rulebook's words: text folded to plain ASCII words for matching, category names, and the activity type a
raw value names (see :mod:`features.values` for the rules)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd

from features.activity_names import ACTIVITY_SYNONYMS, by_words
from features.contract import ACTIVITY_TYPES
from features.values.cells import _CACHE_SIZE, MAX_CATEGORY_CHARS, MAX_TEXT_CHARS, text, text_column

_CONTRACT_TYPES = frozenset(ACTIVITY_TYPES)


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Letters that Unicode does not decompose into a base letter plus accent.
_SPECIAL_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=_CACHE_SIZE)
def fold(text_: str) -> str:
    """Text (already a ``str``) as plain ASCII words separated by single spaces."""
    folded = unicodedata.normalize("NFKC", text_).casefold().translate(_UMLAUTS).translate(_SPECIAL_LETTERS)
    if not folded.isascii():
        folded = "".join(char for char in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(char))
    return _NON_ALNUM.sub(" ", folded).strip()


def category_text(value: object) -> str | None:
    """:func:`text`, cut to :data:`MAX_TEXT_CHARS`, for values read as a category (booleans carry none)."""
    if isinstance(value, bool | np.bool_):
        return None
    shown = text(value)
    return None if shown is None else shown[:MAX_TEXT_CHARS]


def fold_text(value: object) -> str:
    """A value as plain ASCII words for matching: ``"Geschäftsführer/in"`` → ``"geschaeftsfuehrer in"``;
    ``""`` for a missing value or text without a letter or digit."""
    shown = category_text(value)
    return "" if shown is None else fold(shown)


def snake(value: object) -> str | None:
    """The category name of free text: folded words joined by ``_`` (``"Food & Beverages"`` →
    ``"food_beverages"``), at most :data:`MAX_CATEGORY_CHARS` long (cut after a whole word); ``None`` when
    nothing is left. Idempotent."""
    folded = fold_text(value)
    return snake_of_folded(folded) if folded else None


def snake_of_folded(folded: str) -> str:
    """:func:`snake` of text that is already folded."""
    joined = folded.replace(" ", "_")
    if len(joined) > MAX_CATEGORY_CHARS:
        cut = joined[: MAX_CATEGORY_CHARS + 1]
        joined = cut.rsplit("_", 1)[0] if "_" in cut else joined[:MAX_CATEGORY_CHARS]
    return joined


def with_detail(types: pd.Series, details: pd.Series | None) -> pd.Series:
    """Activity types with what each was about, where an export says it (``Visit Webpage`` and
    ``acme.com/pricing`` → ``Visit Webpage: acme.com/pricing``), as :func:`activity_type` reads them."""
    if details is None:
        return types
    detail = text_column(details)
    given = detail.notna().to_numpy() & text_column(types).notna().to_numpy()
    joined = types.astype(object).copy()
    joined[given] = types[given].astype(str) + ": " + detail[given].astype(str)
    return joined


def activity_type(value: object) -> str | None:
    """The activity type a raw value names: its :func:`snake` form, read as the contract type it stands for
    when it is a known export name (:data:`~features.activity_names.ACTIVITY_SYNONYMS`) or its words say one
    (:func:`~features.activity_names.by_words`); ``None`` when missing."""
    return _activity_type_of_text(value) if type(value) is str else _contract_name(snake(value))


#: Where camelCase text starts a word (``DemoRequest``, ``emailOpen``, ``CTAClick``).
_CAMEL_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


@lru_cache(maxsize=_CACHE_SIZE)
def _activity_type_of_text(value: str) -> str | None:
    """Cached: a request repeats a handful of types over its activities. A type unknown as written is read
    again with its camelCase words apart (``DemoRequest``, as tracking tools and APIs name events)."""
    if about := _ABOUT.match(value):
        head = activity_type(about[1])
        if kind := _about(head, about[2]):
            return kind
        whole = _contract_name(snake(value))  # an unknown type whose detail says it ("Interesting Moment: …")
        return whole if is_contract_activity(whole) else head  # else named by its type, not each detail
    name = _contract_name(snake(value))
    if name is not None and not is_contract_activity(name):
        words = _CAMEL_WORD.sub(" ", value)
        if words != value and is_contract_activity(split := _contract_name(snake(words))):
            return split
    return name


#: "type: what it was about", as :func:`with_detail` writes it and an API caller may (not ``https://``).
_ABOUT = re.compile(r"^\s*([^:]+?)\s*:\s+(\S.*)$", re.S)
#: What a generic type becomes when what it was about says more: the page a visit went to, the form sent.
_PRICING = ("pricing", "preis", "price")
#: Where a page with "pricing" in its address is about prices, not the price list (a blog post on pricing).
_ABOUT_PRICES = ("blog", "news", "article", "artikel", "magazin", "resource", "ressource", "insight", "guide",
                 "ratgeber", "podcast", "wiki", "help", "docs", "support", "career", "karriere", "job")
_FORMS_THAT_SAY = ("demo_request", "trial_signup", "webinar_registration", "content_download")


def _about(kind: str | None, detail: str) -> str | None:
    """The type of ``kind`` about ``detail``: a page view of a pricing page is a pricing page view, a form named
    for a demo, trial, webinar or download is that; any other known type stays as it is; None for a type that
    is not the contract's (then the whole text is read by its words)."""
    if not is_contract_activity(kind):
        return None
    words = [w for w in (snake(detail) or "").split("_") if w]
    if kind == "page_view" and any(w.startswith(_PRICING) for w in words):
        return kind if any(w.startswith(_ABOUT_PRICES) for w in words) else "pricing_page_view"
    if kind == "form_submit":
        said = by_words("_".join(words)) or ("demo_request" if any(w.startswith("demo") for w in words) else None)
        return said if said in _FORMS_THAT_SAY else kind
    return kind


def _contract_name(name: str | None) -> str | None:
    if name is None or name in _CONTRACT_TYPES:
        return name
    return ACTIVITY_SYNONYMS.get(name) or by_words(name) or name


def is_contract_activity(name: str | None) -> bool:
    """Whether an :func:`activity_type` is one of the contract's (else it counts as ``other``)."""
    return name in _CONTRACT_TYPES
