"""Leads share a rendered reason sentence only when each would be given that sentence alone: the sentence of a
lead must not depend on which other leads are scored with it (the batch, a chunk of it, a Spark bucket)."""

from __future__ import annotations

import numpy as np
import pytest

from features import phrases
from scoring.reasons import _lead_age_key, _when_key


def _same_key_same_sentence(key, sentence, days: np.ndarray) -> None:
    keys = key(days)
    for value in np.unique(keys):
        texts = {sentence(float(d)) for d in days[keys == value]}
        assert len(texts) == 1, f"key {value}: {sorted(texts)}"


def test_lead_age_sentences_are_decided_by_their_key_at_every_age() -> None:
    days = np.round(np.arange(0, 3000, 0.1), 1)  # up to ~8 years in the CRM, every tenth of a day
    for lang in ("en", "de"):
        _same_key_same_sentence(_lead_age_key, lambda d, lang=lang: phrases.lead_age(d, lang), days)
    assert phrases.lead_age(666.6, "de") == "Seit 22 Monaten im CRM"  # was "24" beside a two-year-old lead


def test_when_sentences_are_decided_by_their_key() -> None:
    days = np.round(np.arange(0, 3000, 0.1), 1)
    for lang in ("en", "de"):
        _same_key_same_sentence(_when_key, lambda d, lang=lang: phrases.when(d, lang), days)


@pytest.mark.parametrize(("seniority", "department", "en", "de"), [
    ("student_intern", "other", "Student / intern", "Student / Praktikant"),  # was "Student / intern in other"
    ("vp_director", "sales", "VP / director in sales", "Direktor / Bereichsleitung, Vertrieb"),
    ("unknown", "other", None, None),  # nothing worth saying
])
def test_a_role_names_a_department_only_where_it_is_one_of_the_named_kinds(seniority, department, en, de) -> None:
    assert (phrases.role(seniority, department, "en"), phrases.role(seniority, department, "de")) == (en, de)
