"""Model tests: what must hold for any lead, whatever the data: direction and invariance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from features.contract import HIGH_INTENT_ACTIVITIES
from features.profile.email import email_domain_kind
from scoring.bundle import ScoringBundle
from scoring.options import ScoringOptions
from scoring.requests import score_records

AS_OF = pd.Timestamp("2026-06-30T00:00:00Z")
OPTIONS = ScoringOptions(AS_OF.to_pydatetime(), "en", 0)


@pytest.fixture(scope="module")
def requests(event_data) -> list[tuple[dict, list[dict]]]:
    """250 real leads of the world, open at AS_OF, as (record, activities) the way the API receives them."""
    leads = event_data.leads.drop(columns=["source_row"])
    leads = leads[leads["created_at"] <= AS_OF].sample(250, random_state=1)
    by_lead = {k: g for k, g in event_data.activities.groupby("lead_id")}
    out = []
    for record in leads.to_dict(orient="records"):
        acts = by_lead.get(record["lead_id"])
        activities = [] if acts is None else [
            {"occurred_at": t, "activity_type": a} for t, a in zip(acts["occurred_at"], acts["activity_type"],
                                                                  strict=True)]
        out.append(({k: (None if pd.isna(v) else v) for k, v in record.items()}, activities))
    return out


def _probabilities(bundle: ScoringBundle, pairs: list[tuple[dict, list[dict]]]) -> np.ndarray:
    outcomes = score_records(bundle, [{**record, "activities": acts} for record, acts in pairs], OPTIONS)
    assert all(o.status == "ok" for o in outcomes)
    return np.array([o.result["probability"] for o in outcomes])


def test_a_recent_high_intent_action_never_lowers_a_score(bundle: ScoringBundle, requests: list) -> None:
    rng = np.random.default_rng(0)
    before = _probabilities(bundle, requests)
    more = []
    for record, activities in requests:
        added = [{"occurred_at": AS_OF - pd.Timedelta(hours=float(rng.uniform(0, 7 * 24))),
                  "activity_type": str(rng.choice(HIGH_INTENT_ACTIVITIES))} for _ in range(int(rng.integers(1, 4)))]
        more.append((record, activities + added))
    after = _probabilities(bundle, more)
    assert np.all(after >= before - 1e-12), f"{int(np.sum(after < before - 1e-12))} leads lost score"
    assert np.mean(after > before) > 0.5  # and it usually raises it: the constraint is not a flat model


def test_the_email_address_itself_never_matters_only_its_kind(bundle: ScoringBundle, requests: list) -> None:
    # another person at another company (or another free-mail provider): only corporate vs free-mail may count
    other = {"corporate": "maria.muster@nordlicht-gmbh.de", "free": "maria.muster@gmx.de"}
    before = _probabilities(bundle, requests)
    renamed = [({**record, "email": other.get(email_domain_kind(record.get("email")), record.get("email"))},
                activities) for record, activities in requests]
    assert sum(r[0]["email"] != n[0]["email"] for r, n in zip(requests, renamed, strict=True)) > 200
    np.testing.assert_array_equal(_probabilities(bundle, renamed), before)


def test_identifiers_never_matter(bundle: ScoringBundle, requests: list) -> None:
    before = _probabilities(bundle, requests)
    renamed = [({**record, "lead_id": f"X{i}", "company": "Some Other Company GmbH"}, activities)
               for i, (record, activities) in enumerate(requests)]
    np.testing.assert_array_equal(_probabilities(bundle, renamed), before)


def test_activity_order_in_the_request_never_matters(bundle: ScoringBundle, requests: list) -> None:
    before = _probabilities(bundle, requests)
    shuffled = [(record, activities[::-1]) for record, activities in requests]
    np.testing.assert_array_equal(_probabilities(bundle, shuffled), before)


def test_a_free_mail_address_does_not_raise_the_score_of_a_decision_maker(bundle: ScoringBundle) -> None:
    # fit direction learned from the world, where free-mail leads convert less: a sanity check on the model
    base = {"lead_id": "x", "created_at": "2026-03-01T00:00:00Z", "job_title": "Geschäftsführer",
            "industry": "Software", "employee_count": 120, "country": "DE", "lead_source": "referral"}
    corporate, free = _probabilities(bundle, [({**base, "lead_id": "x1", "email": "anna@firma-gmbh.de"}, []),
                                              ({**base, "lead_id": "x2", "email": "anna@gmail.com"}, [])])
    assert free <= corporate
