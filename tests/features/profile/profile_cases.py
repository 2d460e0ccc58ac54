"""Values the fit-field normalisers' specifications share: the missing values and markers, anything
at all (for "never raises"), text made of the words the normalisers know.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
from hypothesis import strategies as st

MISSING_VALUES: list[object] = [
    None,
    math.nan,
    np.nan,
    np.float64("nan"),
    pd.NA,
    pd.NaT,
    "",
    "   ",
    "Select",
    " N/A ",
    "NULL",
    "-",
    "k.A.",
    "unknown",
]


MISSING_IDS = [repr(value) for value in MISSING_VALUES]


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True),
    st.text(),
    st.binary(),
    st.datetimes(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.just(pd.NA),
    st.just(pd.NaT),
    st.builds(lambda part, times: part * times, st.text(min_size=1, max_size=10), st.integers(500, 5000)),
)


# Text made of words the normalisers know, long enough to be cut: where idempotence could break.
KNOWN_WORDS = st.lists(
    st.sampled_from(
        ["auto", "mat", "bau", "it", "software", "bank", "other", "web", "messe", "ng", "referral", "sites",
         "e", "mail", "de", "x" * 30, "österreich", "&", "-", "/"]
    ),
    max_size=30,
).map(" ".join)  # fmt: skip


SNAKE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
