"""What the model learned from, and whether a file gives it: input coverage at training and at scoring.

A model learns from what its training leads held: a job title for most of them, a lead source from a known
list. A file to score that lacks a column the model uses, names it differently, or writes its values another
way (``Webformular`` where training had ``Web Form``, ``674 s`` where it had ``674``) is still scored, every
lead as if it had not answered, and scores drop or rise without a word. So training records, per feature, the share of
its leads where the feature was **missing** and, for a category, the share with a value the model did not
learn (grouped as *other*: :mod:`scoring.encoding`); scoring counts the same over the file's leads and says
what differs beyond doubt:

* a feature missing for every scored lead that at least half of the training leads had;
* a category where at least half of the scored leads' values are new to the model and that share exceeds
  training's by 25 points or more.

Both are notes beside the score file (the run goes on: a CRM that really stopped filling a field gets scores
that say so in their reasons); fewer than :data:`MIN_LEADS` scored leads say nothing either way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from scoring.encoding import OTHER_CODE, FeatureEncoder

#: Below this many scored leads a column missing everywhere may be chance: no note.
MIN_LEADS = 20
#: A feature the training leads had at least this often (1 − missing share) is one the model relies on.
KNOWN_IN_TRAINING = 0.5
#: A category is written differently when at least this share of the scored values is new to the model ...
NEW_VALUES = 0.5
#: ... and that share exceeds training's own share of rare values by this much.
NEW_VALUES_MARGIN = 0.25
_SAMPLES = 3


#: What the fit profiles write for a value that is missing or unreadable (a lead without a job title has
#: seniority ``unknown``: :mod:`features.profile.title`): missing, for coverage.
UNKNOWN = "unknown"


@dataclass
class Coverage:
    """Counts over a set of leads (a file, or one chunk of it: :meth:`add` sums chunks)."""

    rows: int = 0
    missing: Counter = field(default_factory=Counter)  #: per feature, leads where it is missing (or unknown)
    new: dict[str, Counter] = field(default_factory=dict)  #: per category, leads per value the model did not learn

    def add(self, other: Coverage) -> Coverage:
        self.rows += other.rows
        self.missing.update(other.missing)
        for name, counts in other.new.items():
            self.new.setdefault(name, Counter()).update(counts)
        return self

    def shares(self) -> dict[str, dict[str, float]]:
        """What training records in the bundle (``info["coverage"]``): shares, never values."""
        rows = max(self.rows, 1)
        return {"missing": {name: count / rows for name, count in self.missing.items()},
                "new": {name: counts.total() / rows for name, counts in self.new.items()}}


def coverage(features: pd.DataFrame, encoder: FeatureEncoder) -> Coverage:
    """The counts of ``features`` (the model's feature columns, before encoding) for ``encoder``'s model."""
    out = Coverage(rows=len(features))
    for name in encoder.names:
        column = features[name]
        vocabulary = encoder.vocabulary_.get(name)
        if vocabulary is None:
            out.missing[name] = int(column.isna().sum())
            continue
        counts = column.value_counts()  # per distinct value: a column of a million leads is hashed once
        unknown = int(counts[counts.index.astype(str) == UNKNOWN].sum())
        out.missing[name] = int(column.isna().sum()) + unknown
        out.new[name] = Counter({str(value): int(count) for value, count in counts.items()
                                 if str(value) != UNKNOWN and encoder.code(name, value) == OTHER_CODE})
    return out


def coverage_notes(info: dict, scored: Coverage, unread: Sequence[str] = ()) -> list[str]:
    """The notes on ``scored`` against the training shares a bundle's ``info`` records (a model trained before
    they were recorded has none: nothing to compare, no note); ``unread``: the file's columns the model does not
    read, named as candidates when a feature is missing everywhere."""
    trained = info.get("coverage")
    if not trained or scored.rows < MIN_LEADS:
        return []
    notes = []
    lost = [(name, 1 - share) for name, share in trained["missing"].items()
            if scored.missing.get(name, 0) == scored.rows and 1 - share >= KNOWN_IN_TRAINING]
    if lost:
        shown = ", ".join(f"{name} ({known:.0%})" for name, known in sorted(lost, key=lambda item: -item[1]))
        activities = ", or do the activities not reach the leads" if info.get("mode") == "event" else ""
        notes.append(f"missing for every lead here, though the model learned from them (share of the training "
                     f"leads that had them): {shown}: does a file lack a column, or name it or write its values "
                     f"differently{activities}? Those leads are scored as if they had not answered"
                     + (f" (columns not read: {', '.join(map(repr, unread))})" if unread else ""))
    for name, before in trained["new"].items():
        unlearned = scored.new.get(name, Counter())
        share = unlearned.total() / scored.rows
        if share >= NEW_VALUES and share >= before + NEW_VALUES_MARGIN:
            examples = ", ".join(repr(value) for value, _ in unlearned.most_common(_SAMPLES))
            notes.append(f"{name}: {share:.0%} of the leads here have a value the model did not learn (e.g. "
                         f"{examples}; {before:.0%} in training): written differently from the training data? "
                         "Scored as a rare value")
    return notes
