"""What the score log holds: one score as it was given (:class:`ScoreRecord`), its stored row, and how a
lead's score moved (:class:`Trend`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

from monitoring.fingerprint import Fingerprints, fingerprint
from monitoring.store import LEAD_ID_LENGTH, SOURCES

Source = Literal["api", "webhook", "batch"]


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ScoreRecord:
    """One score as it was given. ``reasons``: the result's reasons (a list of dicts or pydantic objects,
    or their JSON text). ``read_as`` (the lead as the rules read it: its batch's fingerprints and its row) or,
    for a flat-mode lead, ``lead`` (the raw lead as received) are there only so that the writer thread can
    compute ``input_fingerprint`` off the request path when it is not given; neither is ever stored."""

    lead_id: str
    probability: float
    score: int
    tier: str
    grade: str | None
    model_version: str
    as_of: datetime
    source: Source = "api"
    reasons: Any = ()
    input_fingerprint: str | None = None
    lead: Mapping[str, Any] | None = field(default=None, repr=False)
    scored_at: datetime = field(default_factory=now_utc)
    read_as: tuple[Fingerprints, int] | None = field(default=None, repr=False)

    @classmethod
    def from_result(cls, result: Mapping[str, Any] | Any, *, model_version: str, as_of: datetime,
                    source: Source = "api", lead: Mapping[str, Any] | None = None,
                    read_as: tuple[Fingerprints, int] | None = None) -> ScoreRecord:
        """A record from one scored result (``serving.schemas.LeadScore`` or its dict, or a dict of
        ``ScoringBundle.results``) and the raw lead it was computed from."""
        get = result.get if isinstance(result, Mapping) else lambda key, default=None: getattr(result, key, default)
        lead_id = get("lead_id") or (lead or {}).get("lead_id")
        return cls(lead_id=str(lead_id), probability=float(get("probability")), score=int(get("score")),
                   tier=str(get("tier")), grade=get("grade"), model_version=str(model_version), as_of=as_of,
                   source=source, reasons=get("reasons", ()), lead=lead, read_as=read_as)


def _json_default(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _reasons_json(reasons: Any) -> str | None:
    if reasons is None or isinstance(reasons, str):
        return reasons
    return json.dumps(list(reasons), ensure_ascii=False, default=_json_default)


def stored_row(record: ScoreRecord) -> dict[str, Any]:
    """The stored row of a record; a ValueError names what is wrong with it."""
    if record.source not in SOURCES:
        raise ValueError(f"source {record.source!r} is not one of {SOURCES}")
    if not record.lead_id or len(record.lead_id) > LEAD_ID_LENGTH:
        raise ValueError(f"lead_id must be 1–{LEAD_ID_LENGTH} characters")
    digest = record.input_fingerprint
    if digest is None and record.read_as is not None:
        prints, row = record.read_as
        digest = prints[row]
    elif digest is None and record.lead is not None:
        digest = fingerprint(record.lead)
    return {"scored_at": record.scored_at, "lead_id": record.lead_id, "as_of": record.as_of,
            "model_version": record.model_version, "input_fingerprint": digest,
            "probability": float(record.probability), "score": int(record.score), "tier": record.tier,
            "grade": record.grade, "reasons": _reasons_json(record.reasons), "source": record.source}


@dataclass(frozen=True)
class Trend:
    """How a lead's score moved: ``change`` points since ``previous_at`` (the newest score at least
    ``days`` before the latest). ``model_changed``: the two scores come from different model versions,
    so part of the change may be the model's, not the lead's."""

    score: int
    scored_at: datetime
    previous_score: int
    previous_at: datetime
    days: int
    model_changed: bool

    @property
    def change(self) -> int:
        return self.score - self.previous_score

    def text(self, lang: Literal["en", "de"] = "en") -> str:
        """"+18 since last week" / "+18 seit letzter Woche" (or "… since 30 days ago")."""
        if self.days == 7:
            since = "seit letzter Woche" if lang == "de" else "since last week"
        else:
            since = f"seit {self.days} Tagen" if lang == "de" else f"since {self.days} days ago"
        return f"{self.change:+d} {since}"


def frame_columns(chunk: pd.DataFrame, model_version: str | None, as_of: datetime | None, source: str,
                scored_at: datetime) -> dict[str, list[Any]]:
    """A chunk of a score frame column-wise, under the names of :data:`monitoring.store.FRAME_COLUMNS`."""
    n = len(chunk)

    def column(name: str) -> list[Any]:
        if name not in chunk.columns:
            return [None] * n
        values = chunk[name]
        return values.astype(object).where(values.notna(), None).tolist()

    reasons = column("reasons_json") if "reasons_json" in chunk.columns else column("reasons")
    reasons = [r if r is None or isinstance(r, str) else _reasons_json(r) for r in reasons]
    if as_of is None:
        stamps = pd.to_datetime(chunk["as_of"], utc=True)
        as_ofs = stamps.dt.to_pydatetime().tolist() if hasattr(stamps, "dt") else list(stamps)
    else:
        as_ofs = [as_of] * n
    versions = [str(v) for v in column("model_version")] if model_version is None else [str(model_version)] * n
    return {"scored_at": [scored_at] * n, "lead_id": chunk["lead_id"].astype(str).tolist(), "as_of": as_ofs,
            "model_version": versions, "input_fingerprint": column("input_fingerprint"),
            "probability": chunk["probability"].astype(float).tolist(), "score": chunk["score"].astype(int).tolist(),
            "tier": chunk["tier"].astype(str).tolist(), "grade": column("grade"), "reasons": reasons,
            "source": [source] * n}
