"""Leads given as records (an API request, a webhook, a pyfunc row) read by the rules a file is read by.

Each lead is read with the scalar rules of :mod:`features.values` (a request's creation moments together, as a
leads file's column, and its activities' moments as an activities file's column),
with the loader's words for what went wrong, so the same raw lead gives the same features from a file and
from a request:

* a lead is **rejected** (an error naming the field) when it is not an object, has no ``lead_id`` or no
  usable ``created_at``, repeats an earlier lead's id, or was created after the scoring moment;
* an amount that is negative or not a number is **set to missing** with a warning, as in a file;
* a picklist value a vendor writes (``REFERRALS``, ``Appointment``) is the contract value the model's
  vendor mapping gives it (``mapping``: :func:`features.mappings.recorded_mapping`), as in its files;
* an activity without a usable moment or type, or an exact repeat of an earlier activity of the same lead
  (same moment, same type), is **not used**, with a warning naming it (``activities.3.occurred_at``), as
  the loader rejects such a row of the activities file and scores the lead without it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from features import values
from features.batch import LeadBatch, no_activities
from features.contract import ACTIVITY_TYPE, CREATED_AT, LEAD_COLUMNS, LEAD_ID, NUMERIC_LEAD_COLUMNS, OCCURRED_AT
from features.engagement import ActivityArrays, type_code_of
from features.mappings import time_zone, translate_value

ACTIVITIES = "activities"


@dataclass(frozen=True)
class Issue:
    """What is wrong with one field of a record: ``field`` is a path such as ``activities.3.occurred_at``."""

    field: str
    message: str


@dataclass
class RecordCheck:
    """One record after reading: its errors (it is not scored) or its warnings (it is, without those values)."""

    lead_id: str | None = None
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ReadRecords:
    """The usable records as a batch (in input order) and every record's check, at its input position."""

    batch: LeadBatch
    checks: list[RecordCheck]
    rows: np.ndarray  #: the input position of each lead of the batch
    #: each used activity's type as read (a contract type, or the words of one outside it), as ``batch.activities``
    kinds: list[str] = field(default_factory=list)


def read_records(records: Sequence[object], as_of_us: int | None = None, extra_columns: Sequence[str] = (),
                 extra_numeric: Sequence[str] = (), mapping: Mapping[str, object] | None = None,
                 date_order: str | None = None, comma_columns: Collection[str] = ()) -> ReadRecords:
    """Read raw lead records (mappings; each may carry an ``activities`` list of mappings).

    ``as_of_us``: the scoring moment; a lead created after it is rejected. ``extra_columns`` are the model's
    declared extra lead fields, ``extra_numeric`` those among them read as numbers; ``mapping`` the vendor
    mapping the model was trained through, whose value translations and time zone apply to the records' fields;
    ``date_order`` the order its training files' slashed dates showed (``mdy``, ``dmy``), for a request whose
    dates show none; ``comma_columns`` the extra columns of numbers its training file wrote with a decimal comma,
    for a request whose values of one show no mark (:func:`features.values.written_comma`)."""
    lead_values = _value_maps(mapping, "leads")
    activity_types = _value_maps(mapping, "activities").get(ACTIVITY_TYPE, {})
    commas = {name for name in extra_numeric if values.written_comma(
        [raw.get(name) for raw in records if isinstance(raw, Mapping)], name in comma_columns)}
    checks = [RecordCheck() for _ in records]
    leads: list[dict[str, object]] = []
    acts: list[list[Mapping[str, object]]] = []
    for check, raw in zip(checks, records, strict=True):
        lead, activities = _read_lead(raw, check, extra_columns, extra_numeric, lead_values, commas)
        leads.append(lead)
        acts.append(activities)

    flat = [(i, j, a) for i, activities in enumerate(acts) for j, a in enumerate(activities)]
    # the request's creation moments read as a leads file's column, its activities' as an activities file's
    zone = time_zone(mapping)  # as the model's files were read
    created, bad, shown_created = _moments([lead.get(CREATED_AT) for lead in leads], date_order, zone)
    order = values.column_order(shown_created, date_order)
    occurred, bad_occurred, shown_occurred = _moments([a.get(OCCURRED_AT) for _, _, a in flat], order, zone)
    seen_ids: dict[str, int] = {}
    for i, (check, lead) in enumerate(zip(checks, leads, strict=True)):
        if not check.ok:
            continue
        if not isinstance(shown_created[i], str):
            check.errors.append(Issue(CREATED_AT, values.MISSING_REQUIRED))
        elif bad[i]:
            check.errors.append(Issue(CREATED_AT, values.unparseable_moment(shown_created[i])))
        elif lead[LEAD_ID] in seen_ids:
            check.errors.append(Issue(LEAD_ID, f"duplicate lead_id (first seen at index {seen_ids[lead[LEAD_ID]]})"))
        else:  # a lead created after the moment is still the first of its id, as in a file
            seen_ids[str(lead[LEAD_ID])] = i
            if as_of_us is not None and created[i] > as_of_us:
                check.errors.append(Issue(CREATED_AT, "lead created after as_of: it cannot be scored at that moment"))

    rows = np.array([i for i, check in enumerate(checks) if check.ok], dtype=np.int64)
    position = np.full(len(checks), -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    arrays, kinds = _activity_arrays(flat, occurred, bad_occurred, shown_occurred, position, checks, activity_types)
    profile_names = (*(c for c in LEAD_COLUMNS if c not in (LEAD_ID, CREATED_AT)), *extra_columns)
    profile = {name: _profile(name, [leads[i].get(name) for i in rows]) for name in profile_names}
    batch = LeadBatch(np.array([leads[i][LEAD_ID] for i in rows], dtype=object), created[rows], profile, arrays)
    return ReadRecords(batch, checks, rows, kinds)


def _moments(written: list[object], order: str | None, zone: str | None) -> tuple[np.ndarray, np.ndarray, list]:
    """A request's values of one moment field, read as a file's column of them (slashed dates in the order
    they show, else in ``order``)."""
    micro, unparseable, text = values.moments(written, exported=True, order=order)
    return values.in_time_zone(micro, unparseable, text, zone), unparseable, text


def _value_maps(mapping: Mapping[str, object] | None, table: str) -> Mapping[str, Mapping[str, str]]:
    return ((mapping or {}).get(table) or {}).get("values", {})  # type: ignore[union-attr]


def _read_lead(raw: object, check: RecordCheck, extra_columns: Sequence[str], extra_numeric: Sequence[str],
               value_maps: Mapping[str, Mapping[str, str]], commas: Collection[str],
               ) -> tuple[dict[str, object], list[Mapping[str, object]]]:
    """A record's fields by the scalar rules (moments are read later, together) and its activity list."""
    if not isinstance(raw, Mapping):
        check.errors.append(Issue("lead", "expected an object with the lead's fields"))
        return {}, []
    lead: dict[str, object] = {CREATED_AT: raw.get(CREATED_AT)}
    lead[LEAD_ID] = check.lead_id = values.text(raw.get(LEAD_ID))
    if lead[LEAD_ID] is None:
        check.errors.append(Issue(LEAD_ID, values.MISSING_REQUIRED))
    for name in (*LEAD_COLUMNS, *extra_columns):
        if name in (LEAD_ID, CREATED_AT):
            continue
        value = raw.get(name)
        if name in value_maps:
            value = translate_value(value, value_maps[name])
        if name in NUMERIC_LEAD_COLUMNS:
            lead[name], problem = values.amount(value)
            written = values.currency(value) if problem is None and lead[name] is not None else None
            if written not in (None, "EUR"):  # as a file's note says it (features.loading.event)
                problem = f"written in {written}: read as euros, the contract's unit, without conversion"
        elif name in extra_numeric:
            lead[name] = values.number(value, name in commas)
            shown = values.text(value)
            problem = values.not_a_number(shown) if lead[name] is None and shown is not None else None
        else:
            lead[name], problem = values.text(value), None
        if problem:
            check.warnings.append(Issue(name, problem))
    activities = raw.get(ACTIVITIES)
    if activities is None:
        return lead, []
    if not isinstance(activities, Sequence) or isinstance(activities, str | bytes):
        check.errors.append(Issue(ACTIVITIES, "expected a list of activities"))
        return lead, []
    kept = []
    for j, activity in enumerate(activities):
        if isinstance(activity, Mapping):
            kept.append(activity)
        else:
            check.warnings.append(Issue(f"{ACTIVITIES}.{j}", "expected an object: activity not used"))
            kept.append({})
    return lead, kept


def _activity_arrays(flat: list[tuple[int, int, Mapping[str, object]]], occurred: np.ndarray, bad: np.ndarray,
                     shown_text: list[str | None], position: np.ndarray, checks: list[RecordCheck],
                     vendor_types: Mapping[str, str]) -> tuple[ActivityArrays, list[str]]:
    """The usable activities of the usable leads, with their types as read; the others named in their lead's
    warnings."""
    lead_index, moments, codes, kinds = [], [], [], []
    seen: dict[tuple[int, int, str], int] = {}
    for k, (i, j, activity) in enumerate(flat):
        if position[i] < 0 or not activity:
            continue
        where = f"{ACTIVITIES}.{j}"
        kind = values.activity_type(translate_value(activity.get(ACTIVITY_TYPE), vendor_types))
        text = shown_text[k]
        if not isinstance(text, str):
            checks[i].warnings.append(Issue(f"{where}.{OCCURRED_AT}", f"{values.MISSING_REQUIRED}: activity not used"))
        elif bad[k]:
            checks[i].warnings.append(Issue(f"{where}.{OCCURRED_AT}",
                                            f"{values.unparseable_moment(text)}: activity not used"))
        elif kind is None:
            checks[i].warnings.append(Issue(f"{where}.{ACTIVITY_TYPE}",
                                            f"{values.MISSING_REQUIRED}: activity not used"))
        elif (key := (i, int(occurred[k]), kind)) in seen:
            checks[i].warnings.append(Issue(where, f"exact duplicate of {ACTIVITIES}.{seen[key]} "
                                                   "(same time, type): activity not used"))
        else:
            seen[key] = j
            lead_index.append(position[i])
            moments.append(occurred[k])
            codes.append(type_code_of(kind))
            kinds.append(kind)
    if not lead_index:
        return no_activities(), kinds
    return ActivityArrays(np.array(lead_index, dtype=np.int64), np.array(moments, dtype=np.int64),
                          np.array(codes, dtype=np.int16)), kinds


def _profile(name: str, column: list[object]) -> np.ndarray:
    if name in NUMERIC_LEAD_COLUMNS:
        return np.array([np.nan if v is None else v for v in column], dtype=np.float64)
    out = np.empty(len(column), dtype=object)
    out[:] = column
    return out
