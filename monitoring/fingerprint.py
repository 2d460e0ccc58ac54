"""The input fingerprint of a scored lead: which exact input a score was computed from, without keeping it.

    fingerprint = SHA-256( canonical JSON of the lead's fields, without its e-mail address and activities
                           + "\\n" +
                           "[" + the canonical JSON of each activity, sorted, joined by "," + "]" )

Canonical JSON (in the spirit of RFC 8785): keys sorted, no spaces, UTF-8 text as is; a missing value
(``None``, NaN, NA) is left out as if the key were absent; a moment is written in UTC as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (a moment without an offset means UTC, as in the data contract); a float
that is a whole number is written as an integer (``250.0`` from a file column with gaps equals ``250``
from the API). Activities are sorted, so their order does not matter. The same lead therefore has the
same fingerprint whether it came through the API (:func:`fingerprint`) or a batch file
(:func:`frame_fingerprints`).

The e-mail address is never part of it (any key that reads ``email``, ``e-mail``, ``email_address``, in
any case), so the log cannot be joined back to an address through a dictionary of hashed addresses.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pandas as pd

_NOT_ALNUM = re.compile(r"[^0-9a-z]")
_EMAIL_KEYS = frozenset({"email", "emailaddress", "mail", "mailaddress"})
_ACTIVITY_KEYS = ("activity_type", "occurred_at")
#: columns a loader adds to a leads table (not part of what the CRM sent)
LOADER_COLUMNS = frozenset({"source_row"})


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


@functools.lru_cache(maxsize=4096)
def _text_json(text: str) -> str:
    """A short text as JSON (activity types repeat: each is encoded once)."""
    return _dumps(text)


def _lead_json(lead: Mapping[str, Any]) -> str:
    fields = {str(k): c for k, v in lead.items()
              if k != "activities" and not is_email_key(k) and (c := canonical_value(v)) is not None}
    return _dumps(fields)


def _activity_json(activity: Mapping[str, Any]) -> str:
    if len(activity) == 2:  # the usual activity: build its canonical JSON directly
        kind, moment = activity.get("activity_type"), activity.get("occurred_at")
        if type(kind) is str and isinstance(moment, datetime):
            return f'{{"activity_type":{_text_json(kind)},"occurred_at":"{_moment(moment)}"}}'
    return _dumps(canonical_value({k: v for k, v in activity.items() if k != "lead_id" and not is_email_key(k)}))


def _digest(lead_json: str, activity_jsons: Iterable[str]) -> str:
    text = lead_json + "\n[" + ",".join(activity_jsons) + "]"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fingerprint(lead: Mapping[str, Any], activities: Iterable[Mapping[str, Any]] | None = None) -> str:
    """The fingerprint of one lead as the API received it (its ``activities`` inside it, or given apart)."""
    if activities is None:
        activities = lead.get("activities") or ()
    return _digest(_lead_json(lead), sorted(_activity_json(a) for a in activities))


def frame_fingerprints(leads: pd.DataFrame, activities: pd.DataFrame | None = None,
                       lead_id: str = "lead_id") -> list[str]:
    """The fingerprint of each row of a leads table with its rows in an activities table (batch scoring):
    equal to :func:`fingerprint` of the same lead sent to the API. Columns the loader adds
    (``source_row``) are not part of it. The activities' JSON is built column-wise; only the lead's own
    fields take a Python dict per row."""
    fields = leads.drop(columns=[c for c in leads.columns if c in LOADER_COLUMNS])
    lead_jsons = [_lead_json(row) for row in fields.to_dict(orient="records")]
    per_lead = _activity_lists(leads[lead_id], activities, lead_id)
    return [_digest(text, acts) for text, acts in zip(lead_jsons, per_lead, strict=True)]


def _activity_lists(ids: pd.Series, activities: pd.DataFrame | None, lead_id: str) -> list[list[str]]:
    """Each lead's activities as sorted canonical JSON texts, in the order of ``ids``."""
    empty: list[list[str]] = [[] for _ in range(len(ids))]
    if activities is None or not len(activities):
        return empty
    extra = [c for c in activities.columns if c not in (lead_id, *_ACTIVITY_KEYS)]
    if extra:  # unusual columns: the general path, one dict per activity
        texts = pd.Series([_activity_json(r) for r in activities.drop(columns=[lead_id]).to_dict(orient="records")],
                          index=activities.index)
    else:
        texts = _activity_texts(activities)
    row_of = pd.Index(ids.astype(str)).get_indexer(activities[lead_id].astype(str))
    known = row_of >= 0
    codes, uniques = pd.factorize(texts.to_numpy()[known], sort=True)  # codes ascend with the text
    order = np.lexsort((codes, row_of[known]))
    rows, codes = row_of[known][order], codes[order]
    bounds = np.searchsorted(rows, np.arange(len(ids) + 1))
    texts_sorted = np.asarray(uniques, dtype=object)[codes].tolist()
    return [texts_sorted[bounds[i]:bounds[i + 1]] for i in range(len(ids))]


def _activity_texts(activities: pd.DataFrame) -> pd.Series:
    """``{"activity_type":…,"occurred_at":…}`` per activity, each distinct type and moment rendered once."""
    type_codes, types = pd.factorize(activities["activity_type"])
    type_text = np.array([_dumps(canonical_value(t)) for t in types] + ["null"], dtype=object)
    moments = pd.to_datetime(activities["occurred_at"], utc=True, format="ISO8601")
    moment_codes, distinct = pd.factorize(moments)
    moment_text = np.array([_dumps(_moment(m.to_pydatetime())) for m in distinct] + ["null"], dtype=object)
    t = type_text[type_codes]  # code -1 (missing) picks the trailing "null"
    m = moment_text[moment_codes]
    parts = np.where(t == "null", "", '"activity_type":' + t) + np.where(
        m == "null", "", np.where(t == "null", "", ",") + '"occurred_at":' + m)
    return pd.Series("{" + parts + "}", index=activities.index)
