"""The leakage screen: columns that know the outcome are found by measurement, honest ones are left alone.

A synthetic fit split of 2,000 leads holds honest columns (channel, visits, country) next to planted
leaks of each kind the screen looks for, and identifiers that a naive screen would mistake for leaks.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from training.leakage import LeakageReport, screen_leakage

N = 2_000
X_EDUCATION = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "x_education" / "leads.csv"


@pytest.fixture(scope="module")
def fit_split() -> tuple[pd.DataFrame, np.ndarray]:
    """Leads whose outcome depends on channel and visits; every other column is planted."""
    rng = np.random.default_rng(7)
    source = rng.choice(["web_form", "referral", "paid_search", "webinar", "social"], N, p=[.35, .1, .25, .15, .15])
    visits = rng.poisson(3, N).astype(float)
    logit = -1.2 + 1.2 * (source == "referral") + 0.5 * (source == "webinar") + 0.25 * (visits - 3)
    y = (rng.random(N) < 1 / (1 + np.exp(-logit))).astype(int)
    converted = y == 1

    country = rng.choice(np.array(["DE", "AT", "CH", "US"], dtype=object), N)
    country[rng.random(N) < 0.2] = None
    # written by sales after the call: equals the outcome for 97 % of the leads
    status = np.where(converted ^ (rng.random(N) < 0.03), "won", "lost")
    # a reason typed in for lost leads: filled for ~80 % of non-converted, ~8 % of converted leads
    lost_reason = rng.choice(np.array(["price", "timing", "competitor", "no budget"], dtype=object), N)
    lost_reason[rng.random(N) >= np.where(converted, 0.08, 0.80)] = None
    # a rating with one near-certain value per outcome, the rest uninformative
    rating = rng.choice(np.array(["maybe", "unsure"], dtype=object), N)
    rating[converted & (rng.random(N) < 0.20)] = "hot"
    rating[~converted & (rng.random(N) < 0.15)] = "dead"
    # a numeric code that is not monotone in the outcome: 3 means converted
    code = np.where(converted, 3.0, rng.choice([1.0, 2.0, 4.0, 5.0], N))
    code[rng.random(N) < 0.03] = 3.0

    features = pd.DataFrame({
        "source": pd.Series(source, dtype="str"),
        "visits": visits,
        "country": pd.Series(country, dtype="str"),
        "sales_status": pd.Series(status, dtype="str"),
        "lost_reason": pd.Series(lost_reason, dtype="str"),
        "rating": pd.Series(rating, dtype="str"),
        "status_code": code,
        "crm_ref": pd.Series([f"CRM-{i:06d}" for i in rng.permutation(N)], dtype="str"),
        "lead_number": rng.permutation(N).astype(float) + 100_000,
        # a trait with a distinct value for almost every lead: an exact annual revenue
        "revenue": np.round(rng.lognormal(14, 1.5, N), 2),
    })
    return features, y


@pytest.fixture(scope="module")
def report(fit_split: tuple[pd.DataFrame, np.ndarray]) -> LeakageReport:
    features, y = fit_split
    return screen_leakage(features, y, seed=1)


def test_a_column_equal_to_the_outcome_for_97_percent_of_leads_is_flagged_with_its_auc(report):
    check = report["sales_status"]

    # 97 % agreement means an AUC of about 0.97; anything far from it would be a wrong measurement
    assert check.auc == pytest.approx(0.97, abs=0.015)
    assert check.excluded
    assert any("AUC 0.9" in reason for reason in check.reasons), check.reasons


@pytest.mark.parametrize("column", ["source", "visits", "country"])
def test_honest_columns_are_not_flagged(report, column):
    check = report[column]

    assert not check.flagged, check.reasons
    assert 0.5 <= check.auc < 0.8  # informative, but nowhere near knowing the outcome


@pytest.mark.parametrize("column", ["crm_ref", "lead_number"])
def test_an_identifier_with_one_value_per_lead_is_flagged_as_one_not_for_its_auc(report, column):
    check = report[column]

    # in-sample conversion rates would make a unique id look perfect (AUC 1.0); cross-fitted it is noise
    assert check.auc < 0.56
    # ... yet a model would split on it (a running number says when the lead came in) and name it in reasons
    assert check.excluded
    assert len(check.reasons) == 1
    assert "running number" in check.reasons[0] or "identifies the lead" in check.reasons[0]


def test_a_date_column_is_excluded_as_a_date_not_as_an_identifier() -> None:
    """A flat export's "Created On" is distinct for almost every lead; the reason must say it is a date (and where
    a date belongs), not call it an id or free text."""
    rng = np.random.default_rng(3)
    y = (rng.random(600) < 0.3).astype(int)
    created = pd.Series(pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.permutation(600) * 331, unit="min"))
    notes = [f"note {i} {rng.integers(1e6)}" for i in range(600)]
    features = pd.DataFrame({"Created On": created.dt.strftime("%d.%m.%Y %H:%M").astype("str"),
                             "Owner Note": pd.Series(notes, dtype="str")})
    report = screen_leakage(features, y, seed=1)
    assert report["Created On"].excluded and "a date or time" in report["Created On"].reasons[0]
    assert report["Owner Note"].excluded and "identifies the lead" in report["Owner Note"].reasons[0]


def test_a_number_distinct_for_almost_every_lead_but_not_counting_leads_is_kept(report):
    check = report["revenue"]

    assert check.kind == "number"
    assert not check.flagged, check.reasons


def test_with_the_leads_times_a_sparse_running_number_is_recognised_by_growing_with_time():
    rng = np.random.default_rng(3)
    created = np.sort(rng.integers(0, 10**9, 2_000))
    y = (rng.random(2_000) < 0.2).astype(int)
    # gaps of up to 1,000 between numbers: not dense, but in the order the leads came in
    numbers = pd.DataFrame({"ticket": np.cumsum(rng.integers(1, 1_000, 2_000)).astype(float)})

    assert not screen_leakage(numbers, y).flagged
    report = screen_leakage(numbers, y, times=created)
    assert report.excluded == ["ticket"]
    assert "grow with the leads' time" in report["ticket"].reasons[0]


def test_with_times_a_category_is_judged_out_of_time_learned_early_applied_late():
    rng = np.random.default_rng(5)
    n = 4_000
    created = np.arange(n)
    y = (rng.random(n) < 0.3).astype(int)
    # a campaign code whose values mean "converted" in the first half and "not converted" in the second:
    # random halves see a strong column, out of time it predicts the opposite of what it learned
    code = np.where((created < n / 2) == (y == 1), "A", "B")
    frame = pd.DataFrame({"campaign": pd.Series(code, dtype="str")})

    random_halves = screen_leakage(frame, y)["campaign"].auc
    out_of_time = screen_leakage(frame, y, times=created)["campaign"].auc

    assert random_halves < 0.6  # over both halves A and B each mean both outcomes about equally
    # learned on the first half (A = converted), judged on the second (A = not converted): fully reversed,
    # which max(auc, 1 - auc) still counts as 1.0: the column carries the outcome, in whichever direction
    assert out_of_time > 0.95


def test_a_column_filled_in_mostly_for_one_outcome_is_flagged_for_its_missingness(report):
    check = report["lost_reason"]

    assert check.auc < report.thresholds.auc  # not by its AUC: by when it is filled in
    assert check.filled_others == pytest.approx(0.80, abs=0.04)
    assert check.filled_converted == pytest.approx(0.08, abs=0.03)
    assert check.excluded
    assert any("filled in mostly for not converted leads" in reason for reason in check.reasons), check.reasons


def test_values_near_certain_for_both_outcomes_are_flagged_as_a_disposition(report):
    check = report["rating"]

    assert check.auc < report.thresholds.auc
    assert {(v.value, v.outcome) for v in check.certain_values} == {("hot", "converted"), ("dead", "not converted")}
    assert any("both outcomes" in reason for reason in check.reasons), check.reasons


def test_a_numeric_code_that_is_not_monotone_in_the_outcome_is_still_flagged(report):
    check = report["status_code"]

    assert check.kind == "number"
    assert check.auc > 0.95  # its rank AUC is near 0.5; the cross-fitted bins see that 3 means converted
    assert check.excluded


def test_the_report_lists_exactly_the_planted_leaks_as_excluded(report):
    assert set(report.excluded) == {"sales_status", "lost_reason", "rating", "status_code", "crm_ref", "lead_number"}


def test_a_kept_column_stays_flagged_but_is_not_excluded(fit_split):
    features, y = fit_split

    report = screen_leakage(features, y, keep=["sales_status"], seed=1)

    assert "sales_status" in report.flagged
    assert "sales_status" in report.kept
    assert "sales_status" not in report.excluded


def test_keeping_a_column_that_is_not_in_the_table_is_an_error(fit_split):
    features, y = fit_split

    with pytest.raises(ValueError, match="'sales_stauts'"):
        screen_leakage(features, y, keep=["sales_stauts"])


def test_the_report_serialises_to_json_and_its_text_names_each_excluded_column_with_its_auc(report):
    as_json = json.loads(json.dumps(report.to_dict()))
    text = report.to_text()

    assert as_json["excluded"] == report.excluded
    assert as_json["rows"] == N
    assert f"'sales_status' (AUC {report['sales_status'].auc:.3f})" in text
    assert "EXCLUDED" in text


def test_personal_data_is_excluded_by_its_header_or_its_e_mail_values_and_columns_about_it_stay():
    """As the flat HubSpot and Dynamics exports hold them: first names repeat (no identifier), 86 % of the
    e-mails are distinct (duplicate leads), companies repeat; each became a feature and a reason before."""
    rng = np.random.default_rng(3)
    n = 1_000
    y = (rng.random(n) < 0.2).astype(int)
    first = rng.choice(["Ines", "Max", "Anna", "Paul", "Lena"], n)
    features = pd.DataFrame({
        "First Name": first,
        "Nachname": rng.choice(["Martin", "Weber", "Schulz"], n),
        "Email": [f"{name.lower()}{i % 860}@example.com" for i, name in enumerate(first)],
        "Kontakt": [f"{name.lower()}.{i % 700}@firma.de" for i, name in enumerate(first)],  # by its values
        "Company Name": rng.choice([f"Company {i} GmbH" for i in range(300)], n),
        "Business Phone": rng.choice(["+49 30 1234", "+49 89 5678", "+1 212 555"], n),
        "Do Not Email": rng.choice(["Yes", "No"], n),
        "Campaign Name": rng.choice(["spring", "autumn"], n),
    }).astype("str")

    report = screen_leakage(features, y, seed=1)

    personal = ["First Name", "Nachname", "Email", "Kontakt", "Company Name", "Business Phone"]
    assert report.excluded == personal
    assert all(any(r.startswith("personal data") for r in report[c].reasons) for c in personal)
    assert not report["Do Not Email"].flagged and not report["Campaign Name"].flagged


@pytest.fixture(scope="module")
def x_education_report() -> LeakageReport:
    if not X_EDUCATION.is_file():
        pytest.skip(f"real dataset not found at {X_EDUCATION} (it lives in ../shared/datasets, never in the repo)")
    from features.loading import load_flat_table

    data, _ = load_flat_table(X_EDUCATION, label="Converted", id_column="Prospect ID")
    assert data.label is not None
    return screen_leakage(data.features, data.label, seed=42)  # as training screens it: the whole table


def test_on_x_education_the_lead_number_is_flagged_as_a_running_number(x_education_report):
    # it was a feature before, named in 5,149 of 9,240 leads' reasons as "Lead Number: 660737"
    check = x_education_report["Lead Number"]

    assert check.excluded
    assert "running number" in " ".join(check.reasons)


def test_on_x_education_the_sales_team_columns_tags_and_lead_quality_are_flagged(x_education_report):
    # measured: Tags alone AUC ~0.92 ('Will revert after reading the email': ~57 % of converted, ~1 % of the
    # others); Lead Quality AUC ~0.80 with 'High in Relevance' / 'Worst' near-certain for each outcome
    assert {"Tags", "Lead Quality"} <= set(x_education_report.excluded)
    assert x_education_report["Tags"].auc > 0.90


@pytest.mark.parametrize("column", ["Lead Source", "TotalVisits", "Lead Origin", "Country"])
def test_on_x_education_pre_contact_columns_are_not_flagged(x_education_report, column):
    assert not x_education_report[column].flagged, x_education_report[column].reasons
