"""The suggested funnel stage of a scored lead: one shared definition of lead, MQL, SQL-ready and nurture.

Marketing hands a lead to sales when it is *marketing-qualified* (MQL: it engages or fits well) and sales
works it when it is *sales-ready* (SQL: it engages now **and** fits). Tier (hot / warm / cold: how likely
the lead converts soon) and grade (A–D: how well the account fits, whatever it did lately) are the two
words sales acts on; the stage combines them into the one word a CRM workflow routes on.

Rules are checked in order and the first stage whose rule a lead matches is its stage; a lead matching
none gets the ``otherwise`` stage. A rule is a list of conditions, any of which suffices; a condition
holds when all of its keys do: ``tier`` (a list of tiers), ``grade`` (a list of grades), ``min_score`` and
``max_score`` (0–100, inclusive). The defaults (:data:`DEFAULT_RULES_TOML`):

* ``sql_ready`` (SQL-ready): hot **and** grade A or B — buying now and a good account.
* ``mql`` (MQL): hot or warm (engaged; a hot lead of poor fit is qualified by marketing first), **or**
  grade A (an excellent account, even before it engages).
* ``nurture`` (Nurture): grade B — a good account that is not engaging now.
* ``lead`` (Lead): everything else (cold and grade C or D).

Rows that could not be scored get no stage. The same rules can be kept in a small TOML file
(:func:`load_stage_rules`) that marketing and sales edit together.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TIERS = ("hot", "warm", "cold")
GRADES = ("A", "B", "C", "D")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

DEFAULT_RULES_TOML = """\
# Suggested funnel stage: the first stage whose rule a lead matches, else `otherwise`.
# A rule (`when`) is a list of conditions, any of which suffices; a condition holds when all of its keys do:
#   tier = ["hot", ...], grade = ["A", ...], min_score = 0..100, max_score = 0..100 (inclusive).
# `name` is the value written to the CRM (the picklist / dropdown value), `label` what people read.

otherwise = { name = "lead", label = "Lead" }

[[stage]]
name = "sql_ready"
label = "SQL-ready"
when = [{ tier = ["hot"], grade = ["A", "B"] }]

[[stage]]
name = "mql"
label = "MQL"
when = [{ tier = ["hot", "warm"] }, { grade = ["A"] }]

[[stage]]
name = "nurture"
label = "Nurture"
when = [{ grade = ["B"] }]
"""


class StageRulesError(ValueError):
    """A stage-rules file that cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class Condition:
    """All given keys must hold; ``None`` means "any"."""

    tiers: frozenset[str] | None = None
    grades: frozenset[str] | None = None
    min_score: int | None = None
    max_score: int | None = None

    def holds(self, score: float | None, tier: str | None, grade: str | None) -> bool:
        if self.tiers is not None and tier not in self.tiers:
            return False
        if self.grades is not None and grade not in self.grades:
            return False
        if self.min_score is not None and (score is None or not score >= self.min_score):
            return False
        return not (self.max_score is not None and (score is None or not score <= self.max_score))

    def mask(self, score: np.ndarray, tier: np.ndarray, grade: np.ndarray) -> np.ndarray:
        out = np.ones(len(score), dtype=bool)
        if self.tiers is not None:
            out &= np.isin(tier, list(self.tiers))
        if self.grades is not None:
            out &= np.isin(grade, list(self.grades))
        with np.errstate(invalid="ignore"):
            if self.min_score is not None:
                out &= score >= self.min_score
            if self.max_score is not None:
                out &= score <= self.max_score
        return out


@dataclass(frozen=True)
class Stage:
    """A stage: ``name`` is what the CRM stores (picklist / dropdown value), ``label`` what people read;
    ``when`` is empty for the ``otherwise`` stage."""

    name: str
    label: str
    when: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class StageRules:
    stages: tuple[Stage, ...]
    otherwise: Stage

    @property
    def names(self) -> tuple[str, ...]:
        """Every stage a lead can get, in rule order, ``otherwise`` last: the picklist values to create."""
        return (*(s.name for s in self.stages), self.otherwise.name)

    def stage_of(self, score: float | None, tier: str | None, grade: str | None) -> str:
        for stage in self.stages:
            if any(c.holds(score, tier, grade) for c in stage.when):
                return stage.name
        return self.otherwise.name


def parse_stage_rules(text: str, source: str = "stage rules") -> StageRules:
    """Stage rules from TOML text (the format of :data:`DEFAULT_RULES_TOML`); errors name ``source``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise StageRulesError(f"{source}: not valid TOML ({exc})") from None
    _only(data, {"stage", "otherwise"}, source)
    stages = data.get("stage")
    if not isinstance(stages, list) or not stages:
        raise StageRulesError(f"{source}: needs at least one [[stage]] table")
    parsed = tuple(_stage(s, f"{source}: stage {i + 1}", need_when=True) for i, s in enumerate(stages))
    if "otherwise" not in data:
        raise StageRulesError(f"{source}: needs `otherwise = {{ name = ..., label = ... }}` "
                              "(the stage of a lead no rule matches)")
    otherwise = _stage(data["otherwise"], f"{source}: otherwise", need_when=False)
    names = [s.name for s in (*parsed, otherwise)]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise StageRulesError(f"{source}: stage name {duplicates[0]!r} is used twice")
    return StageRules(parsed, otherwise)


def load_stage_rules(path: str | Path) -> StageRules:
    """Stage rules from a TOML file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise StageRulesError(f"{path}: cannot read the stage rules ({exc.strerror})") from None
    return parse_stage_rules(text, str(path))


def _only(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise StageRulesError(f"{where}: unknown key {unknown[0]!r} (expected one of {', '.join(sorted(allowed))})")


def _stage(table: object, where: str, need_when: bool) -> Stage:
    if not isinstance(table, dict):
        raise StageRulesError(f"{where}: must be a table with name and label")
    _only(table, {"name", "label", "when"} if need_when else {"name", "label"}, where)
    name = table.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise StageRulesError(f"{where}: name must be lower-case letters, digits and _ (a picklist value such as "
                              f"'sql_ready'), got {name!r}")
    label = table.get("label", name)
    if not isinstance(label, str) or not label.strip():
        raise StageRulesError(f"{where}: label must be a non-empty text")
    if not need_when:
        return Stage(name, label)
    when = table.get("when")
    if isinstance(when, dict):
        when = [when]
    if not isinstance(when, list) or not when:
        raise StageRulesError(f"{where} ({name}): `when` must list at least one condition")
    return Stage(name, label, tuple(_condition(c, f"{where} ({name}), condition {i + 1}") for i, c in enumerate(when)))


def _condition(table: object, where: str) -> Condition:
    if not isinstance(table, dict) or not table:
        raise StageRulesError(f"{where}: must be a table such as {{ tier = [\"hot\"] }}")
    _only(table, {"tier", "grade", "min_score", "max_score"}, where)
    return Condition(tiers=_choices(table, "tier", TIERS, where), grades=_choices(table, "grade", GRADES, where),
                     min_score=_bound(table, "min_score", where), max_score=_bound(table, "max_score", where))


def _choices(table: Mapping[str, Any], key: str, allowed: tuple[str, ...], where: str) -> frozenset[str] | None:
    if key not in table:
        return None
    values = table[key]
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not values or any(v not in allowed for v in values):
        raise StageRulesError(f"{where}: {key} must list some of {', '.join(allowed)}, got {table[key]!r}")
    return frozenset(values)


def _bound(table: Mapping[str, Any], key: str, where: str) -> int | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise StageRulesError(f"{where}: {key} must be a whole number from 0 to 100, got {value!r}")
    return value


DEFAULT_RULES = parse_stage_rules(DEFAULT_RULES_TOML, "default stage rules")


def suggest_stage(result: Mapping[str, Any], rules: StageRules = DEFAULT_RULES) -> str | None:
    """The suggested stage of one result (a score-file row or an API result as a dict with ``score``,
    ``tier``, ``grade`` and optionally ``error`` / ``status``); ``None`` when it was not scored."""
    if _present(result.get("error")) or result.get("status") == "error" or not _present(result.get("score")):
        return None
    return rules.stage_of(float(result["score"]), _text(result.get("tier")), _text(result.get("grade")))


def suggest_stages(results: pd.DataFrame, rules: StageRules = DEFAULT_RULES) -> pd.Series:
    """The suggested stage of every row of a results frame (the score file's columns ``score``, ``tier``,
    ``grade`` and ``error``), as a column named ``stage``; missing where the row was not scored.
    Row for row the same as :func:`suggest_stage`."""
    n = len(results)
    score = pd.to_numeric(results["score"], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan) \
        if "score" in results else np.full(n, np.nan)
    tier = _labels(results, "tier")
    grade = _labels(results, "grade")
    scored = ~np.isnan(score)
    if "error" in results:
        scored &= results["error"].isna().to_numpy()
    stage = np.full(n, None, dtype=object)
    open_ = scored.copy()
    for rule in rules.stages:
        hit = np.zeros(n, dtype=bool)
        for condition in rule.when:
            hit |= condition.mask(score, tier, grade)
        hit &= open_
        stage[hit] = rule.name
        open_ &= ~hit
    stage[open_] = rules.otherwise.name
    return pd.Series(stage, index=results.index, name="stage", dtype=object)


def _labels(results: pd.DataFrame, column: str) -> np.ndarray:
    if column not in results:
        return np.full(len(results), "", dtype=object)
    return results[column].astype(object).where(results[column].notna(), "").astype(str).to_numpy(dtype=object)


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and np.isnan(value)) and value is not pd.NA \
        and value != ""


def _text(value: object) -> str | None:
    return str(value) if _present(value) else None
