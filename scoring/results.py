"""The results of scoring many leads, in one table with two views: records (API, pyfunc) and a frame (files).

:class:`ResultTable` holds each lead's numbers column-wise and its reasons as a :class:`ReasonTable`; every
way a result is read comes from it, so a lead's reasons are the same in the API's JSON, the batch file's
``reason_1`` … ``reasons_json`` columns and the score card.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.behaviours import ReasonGroup


@dataclass(frozen=True)
class ReasonTable:
    """The reasons shown for many leads, one entry per (lead, reason): leads in row order, each lead's
    reasons in the order sales reads them (:func:`scoring.reasons.shown`). A reason's group, value and
    sentence are those of its ``entry``, one per distinct (group, sentence) among the reasons."""

    lead: np.ndarray  # (R,) the lead's row
    slot: np.ndarray  # (R,) the reason's place among its lead's reasons, 0 = first
    count: np.ndarray  # (n,) how many reasons each lead shows
    points: np.ndarray  # (R,) int, the reason's whole score points
    entry: np.ndarray  # (R,) index into feature / value / text
    feature: np.ndarray  # (D,) index into ``groups`` of each distinct entry
    value: np.ndarray  # (D,) object: the reason's key fact as a result shows it (plain Python, None when missing)
    text: np.ndarray  # (D,) object: the sentence a salesperson reads
    groups: tuple[ReasonGroup, ...]  # the reason groups ``feature`` indexes


@dataclass(frozen=True)
class ResultTable:
    """The results of many leads: ``columns`` holds each lead's numbers (``probability`` … ``other_points``),
    ``reasons`` its reasons."""

    columns: dict[str, np.ndarray]
    reasons: ReasonTable

    def __len__(self) -> int:
        return len(self.reasons.count)

    def records(self) -> list[dict[str, Any]]:
        """One dict per lead: the numbers as plain Python values and ``reasons``, a list of
        ``{feature, group, value, points, text}`` (the API's and the pyfunc's view)."""
        keys = list(self.columns)
        rows = [dict(zip(keys, row, strict=True))
                for row in zip(*(column.tolist() for column in self.columns.values()), strict=True)]
        reasons = self.reasons
        groups = reasons.groups
        entry_feature = reasons.feature.tolist()
        entry_value = reasons.value.tolist()
        entry_text = reasons.text.tolist()
        for row in rows:
            row["reasons"] = []
        for lead, entry, points in zip(reasons.lead.tolist(), reasons.entry.tolist(), reasons.points.tolist(),
                                       strict=True):
            group = groups[entry_feature[entry]]
            rows[lead]["reasons"].append({"reason": group.key, "group": group.group, "dimension": group.dimension,
                                          "value": entry_value[entry], "points": points, "text": entry_text[entry]})
        return rows

    def frame(self, top_k: int) -> pd.DataFrame:
        """A chunk's rows of the score file: each result's numbers, the ``top_k`` reasons that move its score
        most as ``reason_1`` … ``reason_k`` ("text (+3)", empty where the lead has fewer) and all its reasons
        as ``reasons_json``, the text ``json.dumps(result["reasons"], ensure_ascii=False)`` writes.

        The columns are what a CRM field or a spreadsheet shows, so they hold the strongest reasons either
        way, by the size of their points (a tie in the order the lead's reasons are listed): a cold lead's
        columns name what holds it back, not only its ``top_k`` reasons for (which the list puts first).

        Built column-wise: every piece of text is made once per distinct (sentence, points) or (feature,
        value) and copied into place by Arrow, which also joins each lead's pieces."""
        reasons = self.reasons
        n = len(reasons.count)
        frame = pd.DataFrame({name: values.tolist() if values.dtype == object else values
                              for name, values in self.columns.items()})
        text_of_entry, texts = pd.factorize(reasons.text)
        low = int(reasons.points.min()) if len(reasons.points) else 0
        span = int(reasons.points.max()) - low + 1 if len(reasons.points) else 1
        said, distinct = pd.factorize(text_of_entry[reasons.entry] * span + (reasons.points - low))
        keys = distinct.tolist()  # one per distinct (sentence, points)
        shown = _strings([f"{texts[key // span]} ({key % span + low:+d})" for key in keys])
        rank = _strength_rank(reasons)
        for k in range(top_k):
            at = np.flatnonzero(rank == k)
            if not at.size:  # no lead has a k-th reason: a column of nothing, as a frame of None gets
                frame[f"reason_{k + 1}"] = [None] * n
                continue
            pick = np.full(n, -1, dtype=np.int64)
            pick[reasons.lead[at]] = said[at]
            frame[f"reason_{k + 1}"] = _text_column(shown.take(pa.array(pick, mask=pick < 0)))
        points_and_text = _strings([f', "points": {key % span + low}, "text": {_ENCODE(texts[key // span])}}}'
                                    for key in keys])
        feature = _strings([f'{{"reason": {_ENCODE(g.key)}, "group": {_ENCODE(g.group)}, "dimension": '
                            f'{_ENCODE(g.dimension)}, "value": ' for g in reasons.groups])
        value = _strings(_json_values(reasons.value))
        dicts = pc.binary_join_element_wise(feature.take(reasons.feature[reasons.entry]), value.take(reasons.entry),
                                            points_and_text.take(said), _text(""))
        offsets = pa.array(np.concatenate([[0], np.cumsum(reasons.count)]), type=pa.int64())
        listed = pc.binary_join(pa.LargeListArray.from_arrays(offsets, dicts), _text(", "))
        frame["reasons_json"] = _text_column(pc.binary_join_element_wise(_text("["), listed, _text("]"), _text("")))
        return frame


def _strength_rank(reasons: ReasonTable) -> np.ndarray:
    """Each reason's place among its lead's reasons by the size of its points, 0 = strongest; a tie keeps the
    listed order."""
    size = np.abs(reasons.points).astype(np.int64)
    # one int64 key (lead, then size descending, then listed place): a third of np.lexsort's time per chunk
    order = np.argsort((reasons.lead.astype(np.int64) << 40) | ((size.max(initial=0) - size) << 20) | reasons.slot)
    first = np.concatenate([[0], np.cumsum(reasons.count)[:-1]])  # where each lead's reasons start
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order)) - first[reasons.lead[order]]
    return rank


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_TEXT = pd.StringDtype(na_value=np.nan)  # pandas' default text column: what a frame of Python strings gets


def _json_values(values: np.ndarray) -> list[str]:
    """``json.dumps(value, ensure_ascii=False)`` of each value."""
    return [_ENCODE(value) for value in values.tolist()]


def _strings(items: list[str]) -> pa.Array:
    return pa.array(items, type=pa.large_string())


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, type=pa.large_string())


def _text_column(strings: pa.Array) -> pd.api.extensions.ExtensionArray:
    return pd.array(strings, dtype=_TEXT)
