"""The leakage screen: find columns of a flat lead table that know the outcome, before a model learns them.

A CRM export mixes what was known about a lead *before* sales talked to it (channel, form answers,
website visits) with what sales wrote down *after* (call disposition, "lead quality", status). The
second kind predicts the outcome almost perfectly in a backtest and is useless, or worse, when a new lead
is scored: at that moment the field is empty or says something else. No list of column names can tell
the two apart in an export never seen before, so the screen **measures** every column on the fit split
(never on the calibration or test rows, which must stay untouched for judging the model) and reports
three kinds of evidence:

1. **It alone predicts the outcome** (``auc``): the single-column ROC AUC is at least
   :attr:`LeakageThresholds.auc` (0.90).

   * A category's score is its conversion rate *learned on one half of the fit rows and evaluated on the
     other half* (and the other way round, smoothed towards the base rate; a value not seen in the
     learning half scores the base rate). In-sample rates would give an identifier (one value per lead)
     an AUC of 1.0; cross-fitted, it scores the base rate everywhere and gets 0.5. Missing is a value
     of its own, so "filled in or not" counts as evidence too.
   * A number's score is its rank AUC on the rows where it is present, ``max(auc, 1 - auc)`` (no
     parameter is learned, so no cross-fitting is needed), or, if higher, the cross-fitted AUC of its 20
     quantile bins, which also catches a code that is not monotone in the outcome (status 3 = won).

   Why 0.90: that is what a good *complete* lead-scoring model reaches with all its columns together,
   while a single descriptive attribute rarely gets past 0.75 to 0.80 (on the real x_education export
   the strongest column not flagged, time spent on the website, measures 0.75). One column at 0.90
   ranks a random converter above a random non-converter nine times in ten on its own, which is what
   an outcome field does and a trait of the lead does not. The threshold is deliberately not fitted to
   any dataset; erring towards flagging is cheap (the user keeps the column with ``--keep`` after
   reading the reason), a missed leak is expensive (a model that looks excellent in the backtest and
   fails on every new lead).

2. **It is filled in mostly for one outcome** (``missing_auc``): the presence of a value alone separates
   the classes with AUC ≥ :attr:`LeakageThresholds.missing_auc` (0.80), i.e. the share of converted
   leads with a value and the share of the others differ by at least 60 points (e.g. 90 % vs 30 %). A
   field typed in during or after the sales conversation ("lost reason", "next step") is filled for
   the leads that got that far; a field the lead filled in on a form is missing about as often either
   way.

3. **Its values read like a sales disposition** (``certain_values``): a value is *near-certain* for an
   outcome when it is at least :attr:`LeakageThresholds.certain_ratio` (20) times as frequent among leads
   with that outcome as among the others (a 95 % posterior at even odds, independent of the base rate),
   in at least :attr:`LeakageThresholds.min_value_rows` rows. The column is flagged when

   * one near-certain value covers at least a third of its outcome's leads
     (:attr:`LeakageThresholds.dominant_share`): one answer identifies a third of all converters at
     near-certainty, which is a record of the result, not a trait of the lead; or
   * it has near-certain values for **both** outcomes, each covering at least 5 % of its outcome's leads
     (:attr:`LeakageThresholds.disposition_share`): "will revert" next to "worst lead" is how dispositions
     look. An honest attribute can make conversion very likely (a referral) but rarely makes *both*
     outcomes near-certain.

4. **It identifies the lead rather than describing it** (``identifier``): at least
   :attr:`LeakageThresholds.identifier_share` (90 %) of its values are distinct, and it is text (an id, an
   e-mail address, free notes), or whole numbers that run with time (rank correlation with the lead's
   time at least :attr:`LeakageThresholds.monotone_rho`, 0.9) or fill a dense range (at most
   :attr:`LeakageThresholds.sequence_span` numbers of range per distinct value): a running number such as
   x_education's "Lead Number". Such a column predicts nothing about a new lead, but a tree model splits on
   it (it encodes *when* the lead came in) and its reasons would read "Lead Number: 660737".

5. **It is personal data** (``personal``): its header names the person, their company or how to reach them
   (``First Name``, ``Nachname``, ``Email``, ``Phone``, ``Street``, ``Company Name``; :data:`PERSONAL_HEADERS`),
   or most of its values are e-mail addresses. A name is no trait of a lead: a model that learns one judges the
   next "Ines" by the last (names stand in for gender and origin), and its reasons would read "First name:
   Ines". Event mode never reads these as features (only whether the e-mail's domain is a company's); in a flat
   table they are excluded by the same rule. Columns about them stay (``Do Not Email``, ``Email Opt Out``).

When the leads' times are known (event mode: when each lead was created; flat mode: ``--time``), the
single-column AUC of a category is measured **out of time**: rates learned on the earlier half of the
leads score the later half, as the model will be used. Without times the halves are random.

A flagged column is excluded from the model unless the user keeps it (``--keep COL``). Columns whose
single-column AUC is at least :attr:`LeakageThresholds.review_auc` (0.70) without being flagged are
listed for review: strong for one column, and worth a question about when they are filled in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from features.loading.lead_ids import EMAIL_HEADERS
from features.mappings import header_key
from features.values import moments

Outcome = Literal["converted", "not converted"]
MISSING_LEVEL = "<missing>"


#: Headers (as :func:`features.mappings.header_key` folds them) that name a person, their company or how to
#: reach them, in English and German CRM exports (evidence 5).
PERSONAL_HEADERS = frozenset({
    "name", "fullname", "firstname", "lastname", "givenname", "familyname", "surname", "middlename",
    "contactname", "leadname", "salutation", "vorname", "nachname", "anrede", "ansprechpartner",
    *EMAIL_HEADERS, "workemail", "businessemail", "personalemail", "primaryemail", "secondaryemail",
    "phone", "phonenumber", "telephone", "mobile", "mobilephone", "mobilephonenumber", "businessphone",
    "homephone", "workphone", "fax", "telefon", "telefonnummer", "mobiltelefon", "mobilnummer", "handy",
    "street", "streetaddress", "address", "address1", "address2", "addressline1", "addressline2", "strasse",
    "adresse", "anschrift", "hausnummer",
    "company", "companyname", "accountname", "organization", "organisation", "organizationname", "firma",
    "firmenname", "unternehmen", "unternehmensname",
    "linkedin", "linkedinurl", "linkedinprofile", "twitter", "twitterhandle", "website", "websiteurl", "url",
    "ipaddress", "ip", "birthday", "birthdate", "dateofbirth", "geburtstag", "geburtsdatum",
})
_EMAIL_VALUE = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"


@dataclass(frozen=True)
class LeakageThresholds:
    """When a column counts as leaking (the reasoning behind each number is in the module docstring)."""

    auc: float = 0.90  #: single-column ROC AUC from which a column alone "knows" the outcome
    missing_auc: float = 0.80  #: AUC of "has a value" alone (0.80 = presence rates 60 points apart)
    certain_ratio: float = 20.0  #: a value this many times as frequent in one outcome is near-certain for it
    dominant_share: float = 1 / 3  #: one near-certain value covering this share of its outcome flags
    disposition_share: float = 0.05  #: near-certain values for both outcomes, each covering this share, flag
    min_value_rows: int = 30  #: fewer rows with a value say nothing reliable about it
    review_auc: float = 0.70  #: unflagged columns at least this strong are listed for review
    quantile_bins: int = 20  #: bins for the cross-fitted AUC of a numeric column
    identifier_share: float = 0.90  #: distinct values per present value from which a column may be an identifier
    monotone_rho: float = 0.90  #: |Spearman ρ| with the leads' time from which near-unique numbers are a running number
    sequence_span: float = 20.0  #: near-unique whole numbers spanning at most this range per value are a running number


@dataclass(frozen=True)
class CertainValue:
    """A value that occurs almost only for leads with one outcome (measured on the fit split)."""

    value: str
    outcome: Outcome  #: the outcome the value is near-certain for
    share_of_outcome: float  #: share of that outcome's leads with this value
    share_of_others: float  #: share of the other leads with this value
    rows: int


@dataclass
class ColumnCheck:
    """What the screen measured for one column, and whether it is flagged."""

    column: str
    kind: Literal["number", "category"]
    auc: float  #: single-column ROC AUC, ``max(auc, 1 - auc)``; 0.5 = no information
    missing_auc: float  #: ROC AUC of "has a value" alone
    filled_converted: float  #: share of converted leads with a value
    filled_others: float  #: share of the other leads with a value
    certain_values: list[CertainValue] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  #: why it is flagged; empty when it is not
    kept: bool = False  #: flagged, but the user keeps it (``--keep``)

    @property
    def flagged(self) -> bool:
        return bool(self.reasons)

    @property
    def excluded(self) -> bool:
        return self.flagged and not self.kept


@dataclass
class LeakageReport:
    """The screen's verdict on every column, in the table's column order."""

    columns: list[ColumnCheck]
    thresholds: LeakageThresholds
    rows: int  #: fit-split rows measured
    converted: int  #: converted leads among them
    keep: list[str] = field(default_factory=list)  #: columns the user asked to keep

    def __getitem__(self, column: str) -> ColumnCheck:
        for check in self.columns:
            if check.column == column:
                return check
        raise KeyError(column)

    @property
    def flagged(self) -> list[str]:
        """Columns that look leaky (kept or not)."""
        return [c.column for c in self.columns if c.flagged]

    @property
    def excluded(self) -> list[str]:
        """Flagged columns the model will not see."""
        return [c.column for c in self.columns if c.excluded]

    @property
    def kept(self) -> list[str]:
        """Flagged columns the user kept with ``--keep``."""
        return [c.column for c in self.columns if c.flagged and c.kept]

    @property
    def review(self) -> list[str]:
        """Unflagged columns strong enough alone to deserve a question about when they are filled in."""
        return [c.column for c in self.columns if not c.flagged and c.auc >= self.thresholds.review_auc]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: what MLflow stores as ``leakage_report.json``."""
        return {
            "rows": self.rows,
            "converted": self.converted,
            "thresholds": asdict(self.thresholds),
            "flagged": self.flagged,
            "excluded": self.excluded,
            "kept": self.kept,
            "review": self.review,
            "columns": [
                {**asdict(c), "flagged": c.flagged, "excluded": c.excluded}
                for c in sorted(self.columns, key=lambda c: -c.auc)
            ],
        }

    def to_text(self) -> str:
        """The summary printed before training."""
        t = self.thresholds
        rate = self.converted / self.rows if self.rows else float("nan")
        lines = [f"Leakage screen ({self.rows:,} fit rows, {rate:.1%} converted; "
                 f"flag at single-column AUC ≥ {t.auc:.2f}, see training/leakage.py)"]
        flagged = [c for c in self.columns if c.flagged]
        if not flagged:
            lines.append("  no column looks recorded after the outcome")
        for check in sorted(flagged, key=lambda c: -c.auc):
            verdict = "KEPT (--keep)" if check.kept else "EXCLUDED"
            lines.append(f"  {verdict:<13} {check.column!r} (AUC {check.auc:.3f})")
            lines.extend(f"      - {reason}" for reason in check.reasons)
        review = sorted((self[c] for c in self.review), key=lambda c: -c.auc)
        if review:
            shown = ", ".join(f"{c.column!r} ({c.auc:.3f})" for c in review)
            lines.append(f"  review (strong alone, kept; when are they filled in?): {shown}")
        return "\n".join(lines)


def screen_leakage(
    features: pd.DataFrame,
    label: np.ndarray,
    *,
    keep: Sequence[str] = (),
    seed: int = 42,
    thresholds: LeakageThresholds | None = None,
    times: pd.Series | np.ndarray | None = None,
) -> LeakageReport:
    """Measure every column of ``features`` (the fit split) against ``label`` (0/1, 1 = converted).

    Numeric columns are those with a numeric dtype (``load_flat_table`` gives float64), all others are
    categories. ``keep`` names flagged columns the user keeps anyway; a name that is not a column is an
    error (a typo would silently keep nothing). ``times`` (one per row: moments or numbers that grow with
    time) makes the category AUC out of time and lets the screen see running numbers.
    """
    thresholds = thresholds or LeakageThresholds()
    y = np.asarray(label, dtype=np.int64)
    if len(y) != len(features):
        raise ValueError(f"{len(features)} rows of features but {len(y)} labels")
    unknown = [c for c in keep if c not in features.columns]
    if unknown:
        raise ValueError(f"column(s) to keep not among the feature columns: {', '.join(map(repr, unknown))}")
    if y.min() == y.max():
        raise ValueError("the leakage screen needs both converted and not converted leads")
    order = None if times is None else _time_ranks(times, len(y))
    halves = _stratified_halves(y, seed) if order is None else order < np.median(order)
    if not 0 < halves.sum() < len(y):  # every row at the same moment: no earlier half to learn from
        order, halves = None, _stratified_halves(y, seed)
    checks = [_check(column, features[column], y, halves, thresholds, column in keep, order)
              for column in features.columns]
    return LeakageReport(checks, thresholds, len(y), int(y.sum()), list(keep))


# --------------------------------------------------------------------------------------------------
# Measurements


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """``max(auc, 1 - auc)``: how well ``score`` separates the classes in either direction."""
    if len(y) == 0 or y.min() == y.max():
        return 0.5
    auc = float(roc_auc_score(y, score))
    return max(auc, 1.0 - auc)


def _stratified_halves(y: np.ndarray, seed: int) -> np.ndarray:
    """True for one random half of each class: the rows whose conversion rates score the other half."""
    rng = np.random.default_rng(seed)
    first = np.zeros(len(y), dtype=bool)
    for cls in (0, 1):
        rows = rng.permutation(np.flatnonzero(y == cls))
        first[rows[: len(rows) // 2]] = True
    return first


def _time_ranks(times: pd.Series | np.ndarray, rows: int) -> np.ndarray:
    """The rows' order in time as ranks (ties averaged); moments and numbers alike."""
    series = pd.Series(np.asarray(times))
    if len(series) != rows:
        raise ValueError(f"{rows} rows of features but {len(series)} times")
    if not pd.api.types.is_numeric_dtype(series):
        series = pd.to_datetime(series, utc=True).astype("int64").astype(np.float64)
    return series.rank(method="average").fillna(series.rank().median()).to_numpy(dtype=np.float64)


def _levels(series: pd.Series) -> np.ndarray:
    """Values as text with missing as a level of its own."""
    values = series.astype(object)
    return values.where(values.notna(), MISSING_LEVEL).map(str).to_numpy(dtype=object)


def _cross_fitted_auc(levels: np.ndarray, y: np.ndarray, first: np.ndarray, both_ways: bool = True) -> float:
    """AUC of per-value conversion rates learned on one half and applied to the other (both ways, or only
    from the earlier half to the later one when the halves are split in time)."""
    score = np.full(len(y), np.nan)
    for learn in (first, ~first) if both_ways else (first,):
        prior = float(y[learn].mean())
        stats = pd.DataFrame({"v": levels[learn], "y": y[learn]}).groupby("v")["y"].agg(["sum", "count"])
        rate = (stats["sum"] + prior) / (stats["count"] + 1.0)  # one pseudo-lead at the base rate
        apply = ~learn
        score[apply] = pd.Series(levels[apply]).map(rate).fillna(prior).to_numpy(dtype=np.float64)
    judged = ~np.isnan(score)
    return _auc(y[judged], score[judged])


def _numeric_auc(values: pd.Series, y: np.ndarray, first: np.ndarray, bins: int, both_ways: bool) -> float:
    numbers = values.to_numpy(dtype=np.float64)
    present = ~np.isnan(numbers)
    rank = _auc(y[present], numbers[present]) if present.sum() >= 2 else 0.5
    binned = pd.qcut(values, bins, duplicates="drop") if present.any() else values
    return max(rank, _cross_fitted_auc(_levels(binned.astype(object)), y, first, both_ways))


def _identifier(series: pd.Series, numeric: bool, order: np.ndarray | None, t: LeakageThresholds) -> str | None:
    """Why the column reads as an identifier or running number (evidence 4), or None."""
    present = series.notna().to_numpy()
    if present.sum() < t.min_value_rows:
        return None
    values = series[present]
    share = values.nunique() / len(values)
    if share < t.identifier_share:
        return None
    if not numeric:
        _, unparseable, _ = moments(values, exported=True)
        if not unparseable.any():
            return (f"a date or time: {share:.0%} of its values are distinct; it tells when something happened, "
                    "not what the lead is (a column that orders the leads in time is given as the time column)")
        return (f"identifies the lead rather than describing it: {share:.0%} of its values are distinct "
                "(an id, an address or free text)")
    numbers = values.to_numpy(dtype=np.float64)
    if order is not None:
        rho = float(pd.Series(numbers).corr(pd.Series(order[present]), method="spearman"))
        if abs(rho) >= t.monotone_rho:
            return (f"a running number: {share:.0%} of its values are distinct and they grow with the leads' time "
                    f"(Spearman ρ {rho:+.2f}); it tells when a lead came in, not what it is")
    span = float(numbers.max() - numbers.min()) + 1.0
    if np.all(numbers == np.round(numbers)) and span <= t.sequence_span * values.nunique():
        return (f"a running number: {share:.0%} of its values are distinct whole numbers filling "
                f"{numbers.min():.0f}–{numbers.max():.0f} densely; it numbers leads, it does not describe them")
    return None


def _personal(column: str, series: pd.Series, numeric: bool) -> str | None:
    """Why the column is personal data (evidence 5), or None."""
    if header_key(column) in PERSONAL_HEADERS:
        return ("personal data: its name says it names the person, their company or how to reach them; a lead is "
                "not judged by its name")
    present = series.dropna()
    if numeric or present.empty:
        return None
    share = float(present.astype(str).str.fullmatch(_EMAIL_VALUE).mean())
    if share >= 0.5:
        return f"personal data: {share:.0%} of its values are e-mail addresses; a lead is not judged by its address"
    return None


def _certain_values(levels: np.ndarray, y: np.ndarray, t: LeakageThresholds) -> list[CertainValue]:
    """Values at least ``certain_ratio`` times as frequent in one outcome as in the other."""
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    counts = pd.DataFrame({"v": levels, "y": y}).groupby("v")["y"].agg(["sum", "count"])
    out = []
    for value, row in counts.iterrows():
        rows = int(row["count"])
        if rows < t.min_value_rows:
            continue
        pos = int(row["sum"])
        neg = rows - pos
        # half a lead added to each count, so a value never seen with the other outcome gets a finite ratio
        share_pos, share_neg = (pos + 0.5) / (n_pos + 1), (neg + 0.5) / (n_neg + 1)
        for outcome, mine, other, raw_mine, raw_other in (
            ("converted", share_pos, share_neg, pos / n_pos, neg / n_neg),
            ("not converted", share_neg, share_pos, neg / n_neg, pos / n_pos),
        ):
            if mine >= t.certain_ratio * other:
                out.append(CertainValue(str(value), outcome, raw_mine, raw_other, rows))  # type: ignore[arg-type]
    return sorted(out, key=lambda v: -v.share_of_outcome)


def _describe(value: CertainValue) -> str:
    return (f"{value.value!r} ({value.share_of_outcome:.0%} of {value.outcome} leads, "
            f"{value.share_of_others:.1%} of the others)")


def _check(column: str, series: pd.Series, y: np.ndarray, first: np.ndarray, t: LeakageThresholds,
           keep: bool, order: np.ndarray | None = None) -> ColumnCheck:
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    present = series.notna().to_numpy()
    filled_pos, filled_neg = float(present[y == 1].mean()), float(present[y == 0].mean())
    missing_auc = 0.5 + 0.5 * abs(filled_pos - filled_neg)
    if numeric:
        auc = _numeric_auc(series.astype(np.float64), y, first, t.quantile_bins, order is None)
        certain: list[CertainValue] = []
    else:
        levels = _levels(series)
        auc = _cross_fitted_auc(levels, y, first, order is None)
        certain = _certain_values(levels, y, t)

    reasons = []
    if auc >= t.auc:
        reasons.append(f"alone predicts the outcome: single-column ROC AUC {auc:.3f} ≥ {t.auc:.2f} "
                       "(cross-fitted on the fit split)")
    if missing_auc >= t.missing_auc:
        more = "converted" if filled_pos > filled_neg else "not converted"
        reasons.append(f"filled in mostly for {more} leads ({filled_pos:.0%} of converted, {filled_neg:.0%} of "
                       f"the others; AUC of 'has a value' {missing_auc:.3f} ≥ {t.missing_auc:.2f}): looks "
                       "recorded after the outcome")
    dominant = [v for v in certain if v.share_of_outcome >= t.dominant_share]
    if dominant:
        reasons.append(f"one value identifies a large share of an outcome at near-certainty: {_describe(dominant[0])}"
                       ": looks recorded after the outcome")
    wide = [v for v in certain if v.share_of_outcome >= t.disposition_share]
    sides = {v.outcome for v in wide}
    if len(sides) == 2:
        best = [next(v for v in wide if v.outcome == side) for side in ("converted", "not converted")]
        reasons.append("values near-certain for both outcomes, like a sales disposition: "
                       f"{_describe(best[0])}; {_describe(best[1])}")
    identifier = _identifier(series, numeric, order, t)
    if identifier:
        reasons.append(identifier)
    personal = _personal(column, series, numeric)
    if personal:
        reasons.append(personal)
    return ColumnCheck(column, "number" if numeric else "category", auc, missing_auc, filled_pos, filled_neg,
                       certain, reasons, kept=keep and bool(reasons))
