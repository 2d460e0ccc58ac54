"""Scores back into the CRM as a file its own import tool loads.

``leadscore score ... --out F --write-back salesforce`` writes ``F`` as a Data Loader / Bulk API 2.0
upsert CSV keyed by the Lead ``Id`` (``sf data upsert bulk --sobject Lead --external-id Id --file F``, or
Data Loader's *Upsert* matched on ``Id``: an Id that does not exist is an error, never a new lead);
``--write-back hubspot`` writes a contacts import CSV keyed by ``Record ID``.

HubSpot imports match an existing contact by Record ID or by email; the score file carries the Record ID
(the ``lead_id`` of a ``--mapping hubspot`` export) and no email, and a Record ID cannot change or match a
second contact, so the file is keyed by Record ID only: a row whose contact was deleted fails in the
import instead of creating a new contact.

Both files are UTF-8 without a byte-order mark, comma-separated, with a header row of field names and LF
line ends (Bulk API 2.0's default line ending; Data Loader and HubSpot read it too); values are quoted
where they contain a comma or a quote. Rows of the score file with an ``error`` (or a key the CRM cannot
have, or a key seen before) are not written; :class:`UpdateSet` lists each with its row and the reason.
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from crm.fields import (
    CRMS,
    FIELDS,
    KEY,
    REASONS_LIMIT,
    SALESFORCE_LEAD_PREFIX,
    Crm,
    LeadUpdate,
    clean_text,
    join_reasons,
    parse_crm_datetime,
    record_values,
    salesforce_id18,
)
from crm.stages import DEFAULT_RULES, StageRules, suggest_stages


class WriteBackError(ValueError):
    """Input the write-back cannot use; the message says what to do."""


@dataclass(frozen=True)
class Skipped:
    """A score-file row that was not written back: its row number, lead id and why."""

    row: int
    lead_id: str
    reason: str


@dataclass(frozen=True)
class UpdateSet:
    crm: Crm
    updates: tuple[LeadUpdate, ...]
    skipped: tuple[Skipped, ...]


@dataclass(frozen=True)
class WriteBackSummary:
    crm: Crm
    written: int
    skipped: int
    out: Path
    skipped_rows: tuple[Skipped, ...] = ()

    def line(self) -> str:
        return (f"{self.crm} import file {self.out}: {self.written:,} leads written, {self.skipped:,} skipped "
                "(rows with an error or without a usable record id)")


def crm_key(lead_id: object, crm: Crm) -> tuple[str | None, str]:
    """The CRM record key of a score file's ``lead_id`` and, when there is none, why."""
    text = _id_text(lead_id)
    if not text:
        return None, "no lead_id"
    if crm == "salesforce":
        record_id = salesforce_id18(text)
        if record_id is None:
            return None, f"lead_id {text!r} is not a Salesforce Id (15 or 18 letters and digits)"
        if not record_id.startswith(SALESFORCE_LEAD_PREFIX):
            return None, f"lead_id {text!r} is not a Lead Id (Lead Ids start with {SALESFORCE_LEAD_PREFIX})"
        return record_id, ""
    if not text.isascii() or not text.isdigit():
        return None, f"lead_id {text!r} is not a HubSpot Record ID (digits only)"
    return text, ""


def _id_text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():  # a Record ID column read as numbers
        return str(int(value))
    return str(value).strip()


def build_updates(results: pd.DataFrame, crm: Crm, scored_at: datetime | None = None,
                  rules: StageRules = DEFAULT_RULES) -> UpdateSet:
    """The CRM updates of a results frame (the score file's columns: ``row``, ``lead_id``, ``score``,
    ``tier``, ``grade``, ``error``, ``reason_1`` … or ``reasons_json``, ``model_version``), in row order.

    ``scored_at`` (default: now) is stamped on every update, to the second; it also tells a later
    read-back that a record already holds this run's update (:mod:`crm.push`)."""
    if crm not in CRMS:
        raise WriteBackError(f"unknown CRM {crm!r}: use salesforce or hubspot")
    missing = [c for c in ("lead_id", "score", "tier", "grade") if c not in results.columns]
    if missing:
        raise WriteBackError(f"the results have no {missing[0]!r} column: give the file `leadscore score` wrote")
    moment = (scored_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    stages = suggest_stages(results, rules).to_numpy(dtype=object)
    rows = results["row"].to_numpy() if "row" in results else np.arange(1, len(results) + 1)
    errors = results["error"].to_numpy(dtype=object) if "error" in results else np.full(len(results), None)
    reasons = _reason_lists(results)
    models = results["model_version"].to_numpy(dtype=object) if "model_version" in results else None
    limit = REASONS_LIMIT[crm]
    updates: list[LeadUpdate] = []
    skipped: list[Skipped] = []
    seen: dict[str, int] = {}
    for i, (lead_id, score, tier, grade) in enumerate(zip(results["lead_id"].to_numpy(dtype=object),
                                                          results["score"].to_numpy(dtype=object),
                                                          results["tier"].to_numpy(dtype=object),
                                                          results["grade"].to_numpy(dtype=object), strict=True)):
        row = int(rows[i])
        shown_id = _id_text(lead_id)
        if _id_text(errors[i]):
            skipped.append(Skipped(row, shown_id, f"not scored: {errors[i]}"))
            continue
        if stages[i] is None or not _id_text(tier):  # a lead with no grade (nothing known of its fit) is written
            skipped.append(Skipped(row, shown_id, "not scored: no score or tier"))
            continue
        key, why = crm_key(lead_id, crm)
        if key is None:
            skipped.append(Skipped(row, shown_id, why))
            continue
        if key in seen:
            skipped.append(Skipped(row, shown_id, f"the same record as row {seen[key]}: written once"))
            continue
        seen[key] = row
        model = _id_text(models[i]) if models is not None else ""
        updates.append(LeadUpdate(id=key, row=row, score=round(float(score)), tier=str(tier),
                                  grade=_id_text(grade), reasons=join_reasons(reasons[i], limit),
                                  model=clean_text(model), scored_at=moment, stage=str(stages[i])))
    return UpdateSet(crm, tuple(updates), tuple(skipped))


def _reason_lists(results: pd.DataFrame) -> list[list[str]]:
    """Each row's reasons, strongest first (for or against), as the score file's columns show them
    ("text (+3)")."""
    columns = sorted((c for c in results.columns if c.startswith("reason_") and c[7:].isdigit()),
                     key=lambda c: int(c[7:]))
    if columns:
        values = results[columns].astype(object).where(results[columns].notna(), "").to_numpy(dtype=object)
        return [[str(v) for v in row if str(v).strip()] for row in values]
    if "reasons_json" in results:
        return [[f"{r['text']} ({int(r['points']):+d})" for r in sorted(json.loads(text), key=_strength)]
                if _id_text(text) else [] for text in results["reasons_json"].to_numpy(dtype=object)]
    return [[] for _ in range(len(results))]


def _strength(reason: dict) -> int:
    """The order of :meth:`scoring.results.ResultTable.frame`'s columns: the size of the points, largest first
    (``sorted`` keeps a tie in the listed order)."""
    return -abs(int(reason["points"]))


def write_updates(updates: UpdateSet, out_path: str | Path) -> Path:
    """Write the CRM import file (see the module docstring) atomically: to a temporary file in the same
    folder, synced, then renamed over ``out_path``; a failed write leaves ``out_path`` as it was."""
    target = Path(out_path)
    if target.suffix.lower() != ".csv":
        raise WriteBackError(f"{out_path}: a CRM import file is a .csv file; give --out a name ending in .csv")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow([f.name for f in FIELDS[updates.crm]])
            for update in updates.updates:
                writer.writerow(record_values(update, updates.crm).values())
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def write_back(results: pd.DataFrame, crm: Crm, out_path: str | Path, scored_at: datetime | None = None,
               rules: StageRules = DEFAULT_RULES) -> WriteBackSummary:
    """The batch scorer's ``--write-back``: the CRM import file of a results frame, written to ``out_path``."""
    updates = build_updates(results, crm, scored_at, rules)
    out = write_updates(updates, out_path)
    return WriteBackSummary(crm, len(updates.updates), len(updates.skipped), out, updates.skipped)


def read_updates(path: str | Path, crm: Crm, scored_at: datetime | None = None,
                 rules: StageRules = DEFAULT_RULES) -> UpdateSet:
    """The updates a push sends, from either a score file (``leadscore score --out``, CSV or Parquet) or
    this CRM's import file (``--write-back``), told apart by their columns.

    A score file's updates are stamped with ``scored_at``, by default the moment the file was written
    (its modification time): pushing the same file again, or resuming, sends the same values."""
    source = Path(path)
    if not source.is_file():
        raise WriteBackError(f"{path}: no such file; give --scores the file `leadscore score --out` wrote")
    try:
        if source.suffix.lower() == ".parquet":
            frame = pd.read_parquet(source)
        else:
            frame = pd.read_csv(source, dtype=str, keep_default_na=False, na_values=[""])
    except Exception as exc:  # an unreadable file: say which and why, in one line
        raise WriteBackError(f"{path}: cannot read it ({type(exc).__name__}: {exc})") from None
    key = KEY[crm]
    if key in frame.columns:
        return _import_file_updates(frame, crm, path)
    other = [c for c in CRMS if c != crm and KEY[c] in frame.columns]
    if other:
        raise WriteBackError(f"{path} is a {other[0]} import file; push it with --crm {other[0]}")
    if "lead_id" not in frame.columns:
        raise WriteBackError(f"{path}: neither a score file (no lead_id column) nor a {crm} import file "
                             f"(no {key!r} column)")
    moment = scored_at or datetime.fromtimestamp(source.stat().st_mtime, UTC)
    return build_updates(frame, crm, moment, rules)


def _import_file_updates(frame: pd.DataFrame, crm: Crm, path: str | Path) -> UpdateSet:
    """Updates from a write-back file: each column read back with the field it was written with."""
    names = [f.name for f in FIELDS[crm]]
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise WriteBackError(f"{path}: the {crm} import file has no {missing[0]!r} column")
    key, score, tier, grade, reasons, model, scored_at, stage = names
    updates = []
    for i, record in enumerate(frame[names].fillna("").to_dict(orient="records")):
        moment = parse_crm_datetime(record[scored_at])
        if moment is None or not str(record[score]).strip().lstrip("-").isdigit():
            raise WriteBackError(f"{path}: row {i + 2}: {scored_at if moment is None else score} is not what "
                                 "--write-back writes; write the file again")
        updates.append(LeadUpdate(id=record[key], row=i + 1, score=int(record[score]), tier=record[tier],
                                  grade=record[grade], reasons=record[reasons], model=record[model],
                                  scored_at=moment, stage=record[stage]))
    return UpdateSet(crm, tuple(updates), ())
