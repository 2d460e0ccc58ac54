"""The one feature path: point in time, online equals batch, and well-defined values for any input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features import values
from features.batch import LeadBatch
from features.catalogue import build_catalogue
from features.config import ENGAGEMENT_TYPES, FeatureConfig
from features.loading import EventData
from features.pipeline import batch_features, build_features, feature_columns, snapshot_features, to_frame
from features.records import read_records

AS_OF = pd.Timestamp("2025-10-01T00:00:00Z")
CONFIG = FeatureConfig()
CATALOGUE = build_catalogue(CONFIG)


def online(records: list[dict], as_of: pd.Timestamp = AS_OF, config: FeatureConfig = CONFIG) -> pd.DataFrame:
    """Features of leads given as request records (the API's path), indexed by lead id."""
    read = read_records(records, values.moment_us(as_of), config.extra_columns)
    assert all(check.ok for check in read.checks), [check.errors for check in read.checks]
    return to_frame(feature_columns(read.batch, as_of, config, build_catalogue(config)), read.batch.lead_ids)


def _frames_equal_to_the_last_digit(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    for column in a.columns:
        left, right = a[column].to_numpy(), b[column].to_numpy()
        if left.dtype == object or right.dtype == object:
            assert list(left) == list(right), column
        else:
            np.testing.assert_array_equal(left, right, err_msg=column)  # exact, NaN == NaN


@pytest.fixture(scope="module")
def sample(event_data: EventData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """300 leads of the generated world that exist at AS_OF, with all their activities (past and future)."""
    leads = event_data.leads[event_data.leads["created_at"] <= AS_OF].drop(columns=["source_row"])
    leads = leads.sample(300, random_state=0)
    acts = event_data.activities[event_data.activities["lead_id"].isin(leads["lead_id"])]
    return leads, acts


def _as_records(leads: pd.DataFrame, acts: pd.DataFrame) -> list[dict]:
    by_lead = {k: g for k, g in acts.groupby("lead_id")}
    records = []
    for record in leads.to_dict(orient="records"):
        mine = by_lead.get(record["lead_id"], acts.iloc[:0])
        record = {k: (v.isoformat() if isinstance(v, pd.Timestamp) else v) for k, v in record.items()}
        record["activities"] = [{"occurred_at": t.isoformat(), "activity_type": a}
                                for t, a in zip(mine["occurred_at"], mine["activity_type"], strict=True)]
        records.append(record)
    return records


def test_online_features_equal_batch_features_to_the_last_digit(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    leads, acts = sample
    batch = build_features(leads, acts, AS_OF, CONFIG, CATALOGUE)
    one_by_one = pd.concat([online([record]) for record in _as_records(leads, acts)])
    _frames_equal_to_the_last_digit(one_by_one, batch.loc[one_by_one.index])


def test_a_request_of_many_leads_equals_the_batch(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    leads, acts = sample
    batch = build_features(leads, acts, AS_OF, CONFIG, CATALOGUE)
    request = online(_as_records(leads, acts))
    _frames_equal_to_the_last_digit(request, batch.loc[request.index])


def test_snapshots_equal_single_moment_builds(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    leads, acts = sample
    moments = [AS_OF - pd.Timedelta(days=200), AS_OF]
    for moment, frame in snapshot_features(LeadBatch.from_frames(leads, acts), moments, CONFIG, CATALOGUE):
        _frames_equal_to_the_last_digit(frame, build_features(leads, acts, moment, CONFIG, CATALOGUE))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    later=st.lists(
        st.tuples(st.integers(0, 299), st.floats(1e-3, 400.0), st.sampled_from([*ENGAGEMENT_TYPES, "weird_type"])),
        min_size=1, max_size=60,
    )
)
def test_nothing_after_the_scoring_moment_changes_the_features(
    sample: tuple[pd.DataFrame, pd.DataFrame], later: list[tuple[int, float, str]]
) -> None:
    leads, acts = sample
    before = build_features(leads, acts, AS_OF, CONFIG, CATALOGUE)
    ids = leads["lead_id"].to_numpy()
    extra = pd.DataFrame({
        "lead_id": [ids[i] for i, _, _ in later],
        "occurred_at": [AS_OF + pd.Timedelta(days=d) for _, d, _ in later],
        "activity_type": [t for _, _, t in later],
    })
    after = build_features(leads, pd.concat([acts, extra], ignore_index=True), AS_OF, CONFIG, CATALOGUE)
    _frames_equal_to_the_last_digit(after, before)


def test_features_never_read_conversions() -> None:
    # the feature path has no conversions argument at all: labels cannot leak into features by construction
    import inspect

    for function in (build_features, batch_features, feature_columns, snapshot_features, read_records):
        assert "conversions" not in inspect.signature(function).parameters


def test_missing_fields_and_unknown_categories_give_defined_values() -> None:
    lead = {"lead_id": "x", "created_at": "2025-09-01T00:00:00Z", "industry": "Quantum Basket Weaving",
            "country": "zz", "job_title": "???", "email": "not-an-address", "employee_count": None}
    columns = online([lead]).iloc[0]
    assert columns["seniority"] == "unknown" and columns["department"] == "unknown"
    assert columns["email_domain_kind"] == "invalid"
    assert np.isnan(columns["employee_count_log"])
    assert columns["industry"] == "quantum_basket_weaving"  # kept; the encoder groups rare values


def test_the_email_address_is_not_a_feature_only_its_domain_kind() -> None:
    assert "email" not in CATALOGUE.names
    base = {"lead_id": "x", "created_at": "2025-09-01T00:00:00Z"}
    one = online([{**base, "email": "anna.schmidt@acme-gmbh.de"}])
    two = online([{**base, "email": "zz.top@other-corp.com"}])
    _frames_equal_to_the_last_digit(one, two)


def test_declared_extra_columns_pass_through_as_fit_features() -> None:
    config = FeatureConfig(extra_columns=("crm_rating", "segment"), extra_categorical=("segment",))
    catalogue = build_catalogue(config)
    leads = pd.DataFrame({"lead_id": ["a", "b"], "created_at": pd.to_datetime(["2025-01-01T00:00:00Z"] * 2),
                          "crm_rating": ["4.5", None], "segment": [" Enterprise ", "Select"], "ignored": [1, 2]})
    frame = build_features(leads, None, AS_OF, config, catalogue)
    assert catalogue["crm_rating"].group == "fit" and catalogue["segment"].categorical
    assert frame.loc["a", "crm_rating"] == 4.5 and np.isnan(frame.loc["b", "crm_rating"])
    assert frame.loc["a", "segment"] == "Enterprise" and frame.loc["b", "segment"] is None
    assert "ignored" not in frame.columns


def test_activity_rows_are_found_for_every_id_and_none_for_strangers() -> None:
    from features.ids import lead_rows

    lead_ids = pd.Index(["L1", "L2", "L2", "lead-3"], dtype=object)  # a repeated id: its first row counts
    found = lead_rows(pd.Series(["L2", "nobody", None, "lead-3", "L1", ""], dtype="str"), lead_ids)
    assert found.dtype == np.int32
    assert found.tolist() == [1, -1, -1, 3, 0, -1]


def test_lead_columns_give_the_same_features_as_arrow_text_or_as_python_objects(
    sample: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    # a batch hashes Arrow text columns directly; the same values as Python objects are the definition
    leads, acts = sample
    as_objects = leads.astype(object)
    assert any(isinstance(dtype, pd.StringDtype) for dtype in leads.dtypes)
    _frames_equal_to_the_last_digit(build_features(leads, acts, AS_OF), build_features(as_objects, acts, AS_OF))


def test_activity_rows_from_the_loader_give_the_features_a_lookup_would(event_data: EventData) -> None:
    # the batch hands the loader's rows on; some leads do not exist yet at the moment, so rows are renumbered
    moment = event_data.leads["created_at"].quantile(0.9)
    assert (event_data.leads["created_at"] > moment).any()
    given = build_features(event_data.leads, event_data.activities, moment, CONFIG, CATALOGUE,
                           event_data.activity_rows)
    _frames_equal_to_the_last_digit(given, build_features(event_data.leads, event_data.activities, moment, CONFIG,
                                                          CATALOGUE))


def test_activity_rows_of_another_length_are_refused(event_data: EventData) -> None:
    rows = event_data.activity_rows
    with pytest.raises(ValueError, match="activity lead rows for"):
        build_features(event_data.leads, event_data.activities.iloc[1:], AS_OF, CONFIG, CATALOGUE, rows)


def test_a_request_s_revenue_in_another_currency_is_read_as_written_with_a_warning_saying_so() -> None:
    """As a file's note does, a request's warning says a dollar revenue is read as euros, not converted."""
    read = read_records([{"lead_id": "A", "created_at": "2024-01-01", "annual_revenue": "1,5 Mio. $"},
                         {"lead_id": "B", "created_at": "2024-01-01", "annual_revenue": "1,5 Mio. €"}],
                        values.moment_us(AS_OF))
    dollars, euros = read.checks
    assert [(w.field, w.message) for w in dollars.warnings] == [
        ("annual_revenue", "written in USD: read as euros, the contract's unit, without conversion")]
    assert euros.warnings == [] and dollars.ok
    assert list(read.batch.profile["annual_revenue"]) == [1_500_000.0, 1_500_000.0]


def test_a_request_s_dates_are_read_as_a_file_s_columns_of_them_are() -> None:
    """A request's creation dates are one column and its activities' dates another, as in a file: slashed dates
    in the order they show (``29/06/2025`` can only be day first), activities that show none in the order the
    creation dates showed, then the model's training files' order; dates that name their month, as a file's."""
    read = read_records([{"lead_id": "A", "created_at": "29/06/2025 14:30",
                          "activities": [{"occurred_at": "05/07/2025", "activity_type": "demo_request"},
                                         {"occurred_at": "Mon, 7 Jul 2025 10:00:00 GMT",
                                          "activity_type": "page_view"}]}],
                        values.moment_us(AS_OF))
    assert all(check.ok and not check.warnings for check in read.checks), read.checks
    assert read.batch.created_us.tolist() == [values.moment_us("2025-06-29T14:30")]
    assert read.batch.activities.occurred_us.tolist() == [values.moment_us("2025-07-05"),
                                                          values.moment_us("2025-07-07T10:00")]

    untold = [{"lead_id": "B", "created_at": "2025-06-01",
               "activities": [{"occurred_at": "05/07/2025", "activity_type": "demo_request"}]}]
    [check] = read_records(untold, values.moment_us(AS_OF)).checks
    assert [w.field for w in check.warnings] == ["activities.0.occurred_at"]
    assert "month or day first?" in check.warnings[0].message
    month_first = read_records(untold, values.moment_us(AS_OF), date_order="mdy")
    assert month_first.batch.activities.occurred_us.tolist() == [values.moment_us("2025-05-07")]


def test_a_request_s_extra_numbers_show_their_decimal_mark_as_a_file_s_column_does() -> None:
    """A request's values of a declared extra column of numbers are read as a file's column of them: ``2,5``
    shows a decimal comma (so ``1.328`` is 1328), else the mark the model's training file showed; a JSON number
    is written in no spreadsheet's convention."""
    def budgets(written: list[object], trained_comma: bool) -> list[float | None]:
        leads = [{"lead_id": f"L{i}", "created_at": "2025-01-01", "budget": w} for i, w in enumerate(written)]
        read = read_records(leads, values.moment_us(AS_OF), ("budget",), ("budget",),
                            comma_columns=("budget",) if trained_comma else ())
        return list(read.batch.profile["budget"])

    assert budgets(["2,5", "1.328"], trained_comma=False) == [2.5, 1328.0]
    assert budgets(["1561.0", "1.328"], trained_comma=True) == [1561.0, 1.328]
    assert budgets(["1.328"], trained_comma=True) == [1328.0] and budgets(["1.328"], trained_comma=False) == [1.328]
    assert budgets([2.5, "1.328"], trained_comma=True) == [2.5, 1328.0]
