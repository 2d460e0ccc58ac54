"""Which lead a row of an activities or conversions file belongs to: its id as written, cleaned by the
rulebook, by the whole number it writes (one export keeps leading zeros where the other drops them), or, for a
marketing tool's export without ids, by the lead's e-mail address."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from features import values
from features.ids import lead_rows
from features.loading.ledger import Reason, each
from features.mappings import header_key

#: How many unknown lead ids the report quotes as examples.
UNKNOWN_ID_SAMPLE = 10


#: Headers of an e-mail address column (folded, without underscores): marketing tools key activities by it.
EMAIL_HEADERS = frozenset({"email", "emailaddress", "emailadresse", "mail"})
#: Whose address a header may name before the word (``Person - Email``, ``Contact Email``, ``Kontakt E-Mail``).
_ADDRESS_OWNERS = ("", "person", "contact", "lead", "prospect", "work", "business", "primary", "kontakt")


def is_email_header(header: str) -> bool:
    """Whether a column header names an e-mail address (``Email``, ``E-Mail-Adresse``, ``Person - Email``), not
    a flag about one (``Do Not Email``, ``Email Opt Out``)."""
    key = header_key(header)
    return any(key == owner + name for owner in _ADDRESS_OWNERS for name in EMAIL_HEADERS)


#: What an activity keyed by e-mail gets as its lead id when no lead, or several, have that address: a
#: placeholder, so the report never holds the address (the e-mail is never logged).
NO_LEAD_WITH_EMAIL = "(no lead with this e-mail address)"
SEVERAL_LEADS_WITH_EMAIL = "(several leads with this e-mail address)"


def ids_by_email(addresses: pd.Series, known_ids: pd.Series, lead_emails: pd.Series) -> pd.Series:
    """Each activity's lead id by its e-mail address (compared without case or spaces), as an export of a
    marketing tool keys them; a placeholder where no lead or several leads have the address, missing where
    the activity has none."""
    lead_keys = values.text_column(lead_emails).str.lower()
    position = _held_once(lead_keys)
    keys = values.text_column(addresses).str.lower()
    ids = keys.map(pd.Series(known_ids.to_numpy()[position.to_numpy()], index=position.index))
    several = keys.isin(lead_keys.dropna()) & ~keys.isin(position.index)
    return ids.mask(ids.isna() & keys.notna(), np.where(several, SEVERAL_LEADS_WITH_EMAIL, NO_LEAD_WITH_EMAIL))


def _held_once(keys: pd.Series) -> pd.Series:
    """The keys (one per lead, missing ones left out) that exactly one lead holds, each mapped to that lead's
    position: a row is matched by an e-mail address or an id's number only where it names one lead."""
    keys = keys.reset_index(drop=True)
    once = (keys.notna() & keys.map(keys.value_counts()).eq(1)).to_numpy()
    return pd.Series(np.flatnonzero(once), index=keys[once].to_numpy())


def lead_ids(series: pd.Series, known_ids: pd.Series) -> tuple[pd.Series, np.ndarray, int]:
    """The lead ids as :func:`features.values.text_column` reads them, each one's row among ``known_ids``
    (-1 when not there or missing), and how many were found by the number they write (:func:`by_number`).
    Ids are looked up as they are first and only the rows not found (few: unknown, missing or padded ids)
    are cleaned and looked up again: cleaning millions of activity ids costs more than the lookup (kept: see
    benchmarks/DECISIONS.md)."""
    if not isinstance(series.dtype, pd.StringDtype):
        ids = values.text_column(series)
        codes = lead_rows(ids, pd.Index(known_ids)).astype(np.int64)
        return ids, codes, by_number(ids, codes, known_ids)
    codes = lead_rows(series, pd.Index(known_ids)).astype(np.int64)
    others = np.flatnonzero(codes < 0)
    if others.size == 0:
        return series.astype("str"), codes, 0
    ids = series.astype("str").copy()
    cleaned = values.text_column(ids.iloc[others])
    codes[others] = lead_rows(cleaned, pd.Index(known_ids))
    ids.iloc[others] = cleaned
    return ids, codes, by_number(ids, codes, known_ids)


def by_number(ids: pd.Series, codes: np.ndarray, known_ids: pd.Series) -> int:
    """Find the rows whose id is no lead's as written by the whole number it writes (``00123``, ``123.0`` as
    ``123``: :func:`features.values.id_numbers`), where exactly one lead writes that number; such a row takes
    that lead's id and row (``ids`` and ``codes`` are updated). Returns how many rows were found so."""
    others = np.flatnonzero((codes < 0) & ids.notna().to_numpy())
    wanted = values.id_numbers(ids.iloc[others]) if others.size else pd.Series(dtype="str")
    if wanted.isna().all():
        return 0
    found = _held_once(values.id_numbers(known_ids)).reindex(wanted.to_numpy()).to_numpy(dtype=np.float64)
    hit = ~np.isnan(found)
    rows = found[hit].astype(np.int64)
    codes[others[hit]] = rows
    ids.iloc[others[hit]] = known_ids.to_numpy()[rows]
    return int(hit.sum())


#: What a report shows for a lead id that is an e-mail address (a mapping that keys a table by the address):
#: the address is personal data, never written to a report or a log.
AN_ADDRESS = "(an e-mail address)"
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def shown_ids(ids: pd.Series) -> pd.Series:
    """Lead ids as a report may show them: an e-mail address as :data:`AN_ADDRESS`."""
    text = ids.astype("string")
    return ids.where(~text.str.strip().str.match(_ADDRESS).fillna(False).to_numpy(dtype=bool), AN_ADDRESS)


def shown_ids_at(ids: pd.Series) -> Callable[[np.ndarray], list[Any]]:
    """:func:`shown_ids` of the rows at the positions a :class:`~features.loading.ledger.RowLedger` asks for: a
    history's ids are matched with an e-mail pattern one by one, so only the rejected rows' are."""
    return lambda positions: shown_ids(ids.iloc[positions]).tolist()


def unknown_lead(ids: pd.Series, rejected_ids: dict[str, int]) -> Reason:
    def reason(lead: str) -> str:
        if lead in (NO_LEAD_WITH_EMAIL, SEVERAL_LEADS_WITH_EMAIL):
            return lead.strip("()")
        if lead in rejected_ids:
            return f"lead_id not in leads (its leads row {rejected_ids[lead]} was rejected)"
        return "lead_id not in leads"

    return each(ids, reason)
