"""The input fingerprint of a scored lead: which input a score was computed from, without keeping it.

A lead is fingerprinted **as the rulebook read it** (:class:`features.batch.LeadBatch`, the one way into the
features for a file and for a request), so the same lead has the same fingerprint through every door, whatever
form its values came in (``31.12.2025`` or ``2025-12-31``, "Demo angefragt" or ``demo_request``, ``1.234`` or
``1234``), and two scores with the same fingerprint, model version and ``as_of`` are the same score:

    fingerprint = SHA-256( canonical JSON of the lead's id, created_at and profile fields, without its e-mail
                           address + "\\n" +
                           "[" + the canonical JSON of each activity it kept, sorted, joined by "," + "]" )

Canonical JSON (in the spirit of RFC 8785): keys sorted, no spaces, UTF-8 text as is; a missing value is left
out as if the key were absent; a moment is written in UTC as ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; a float that is
a whole number is written as an integer. An activity is ``{"activity_type": its contract type (``other`` for a
type outside the contract), "occurred_at": its moment}``; activities the reading dropped (no moment, an exact
repeat) are not part of it, and their order does not matter.

A flat-mode lead is not read into a batch: :func:`fingerprint` takes its fields as received.

The e-mail address is never part of it (any key that reads ``email``, ``e-mail``, ``email_address``, in
any case), so the log cannot be joined back to an address through a dictionary of hashed addresses.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

from features.batch import LeadBatch
from features.config import ENGAGEMENT_TYPES
from features.contract import CREATED_AT, LEAD_ID

_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_EMAIL_KEYS = frozenset({"email", "emailaddress", "mail", "mailaddress"})


def is_email_key(key: object) -> bool:
    """Whether a field holds an e-mail address by its name (``email``, ``E-Mail``, ``email_address`` …)."""
    return _NOT_ALNUM.sub("", str(key).casefold()) in _EMAIL_KEYS


def _moment(value: datetime) -> str:
    value = value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"  # isoformat: several times faster than strftime


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def canonical_value(value: Any) -> Any:
    """A value as it enters canonical JSON (see the module docstring); ``None`` for a missing value."""
    if isinstance(value, np.generic):
        value = value.item()
    if _missing(value):
        return None
    if isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, datetime):  # pandas Timestamps too
        return _moment(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): c for k, v in value.items() if (c := canonical_value(v)) is not None}
    if isinstance(value, Sequence | np.ndarray):
        return [canonical_value(v) for v in value]
    if hasattr(value, "model_dump"):  # a pydantic object
        return canonical_value(value.model_dump())
    return str(value)


def _dumps(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _lead_json(lead: Mapping[str, Any]) -> str:
    fields = {str(k): c for k, v in lead.items()
              if k != "activities" and not is_email_key(k) and (c := canonical_value(v)) is not None}
    return _dumps(fields)


def _digest(lead_json: str, activity_jsons: Iterable[str]) -> str:
    text = lead_json + "\n[" + ",".join(activity_jsons) + "]"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(lead: Mapping[str, Any]) -> str:
    """The fingerprint of a flat-mode lead: its fields as received (it has no activities)."""
    return _digest(_lead_json(lead), ())


class Fingerprints:
    """The fingerprints of a batch's leads, worked out together when the first one is asked for (by the score
    log's writer thread, off the request path); ``prints[row]`` is the lead at that row of the batch."""

    def __init__(self, batch: LeadBatch) -> None:
        self.batch = batch
        self._prints: list[str] | None = None

    def __getitem__(self, row: int) -> str:
        if self._prints is None:
            self._prints = batch_fingerprints(self.batch)
        return self._prints[row]


def batch_fingerprints(batch: LeadBatch) -> list[str]:
    """The fingerprint of each lead of ``batch`` (see the module docstring), in its rows' order."""
    names = sorted(name for name in batch.profile if not is_email_key(name))
    columns = [(name, [canonical_value(v) for v in batch.profile[name]]) for name in names]
    created = _moment_texts(batch.created_us)
    leads = []
    for row, lead_id in enumerate(batch.lead_ids.tolist()):
        fields = {CREATED_AT: created[row], LEAD_ID: canonical_value(lead_id)}
        fields.update((name, column[row]) for name, column in columns if column[row] is not None)
        leads.append(_dumps(fields))
    return [_digest(lead, acts) for lead, acts in zip(leads, _activity_lists(batch), strict=True)]


def _activity_lists(batch: LeadBatch) -> list[list[str]]:
    """Each lead's activities as canonical JSON texts, sorted as texts, in the batch's row order. The texts
    sort by type, then moment: the type's JSON is followed by the same comma in every text, and the moments
    are written at one width, so ranking the types' texts and then the moments sorts them without comparing
    a text per pair."""
    acts = batch.activities
    order = np.lexsort((acts.occurred_us, _KIND_RANK[acts.type_code], acts.lead_index))
    texts = [f'{{"activity_type":{_KINDS[kind]},"occurred_at":"{moment}"}}'
             for kind, moment in zip(acts.type_code[order].tolist(), _moment_texts(acts.occurred_us[order]),
                                     strict=True)]
    bounds = np.searchsorted(acts.lead_index[order], np.arange(len(batch) + 1)).tolist()
    return [texts[start:end] for start, end in itertools.pairwise(bounds)]


_KINDS = [_dumps(name) for name in ENGAGEMENT_TYPES]  #: each type code's JSON text
_KIND_RANK = np.argsort(np.argsort([kind + "," for kind in _KINDS]))  #: each type code's place in text order


def _moment_texts(micros: np.ndarray) -> list[str]:
    """Microseconds since the epoch (UTC) as canonical moments, ``YYYY-MM-DDTHH:MM:SS.ffffffZ``."""
    return [text + "Z" for text in np.datetime_as_string(micros.astype("datetime64[us]"), unit="us").tolist()]
