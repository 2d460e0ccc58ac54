"""The one feature path: point in time, online equals batch, and well-defined values for any input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from features.catalogue import build_catalogue
from features.config import ENGAGEMENT_TYPES, FeatureConfig
from features.loading import EventData
from features.pipeline import build_features, build_lead_features, build_records_features, snapshot_features, to_frame

AS_OF = pd.Timestamp("2025-10-01T00:00:00Z")
CONFIG = FeatureConfig()
CATALOGUE = build_catalogue(CONFIG)


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


def test_online_features_equal_batch_features_to_the_last_digit(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    leads, acts = sample
    batch = build_features(leads, acts, AS_OF, CONFIG, CATALOGUE)
    by_lead = {k: g for k, g in acts.groupby("lead_id")}
    rows = []
    for record in leads.to_dict(orient="records"):
        mine = by_lead.get(record["lead_id"], acts.iloc[:0])
        records = [{"occurred_at": t.isoformat(), "activity_type": a}
                   for t, a in zip(mine["occurred_at"], mine["activity_type"], strict=True)]
        record = {k: (v.isoformat() if isinstance(v, pd.Timestamp) else v) for k, v in record.items()}
        columns = build_lead_features(record, records, AS_OF.isoformat(), CONFIG, CATALOGUE)
        rows.append(to_frame(columns, pd.Index([record["lead_id"]])))
    online = pd.concat(rows)
    _frames_equal_to_the_last_digit(online, batch.loc[online.index])


def test_a_request_of_many_leads_equals_the_batch(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    leads, acts = sample
    batch = build_features(leads, acts, AS_OF, CONFIG, CATALOGUE)
    by_lead = {k: g for k, g in acts.groupby("lead_id")}
    records = leads.to_dict(orient="records")
    activities = [[{"occurred_at": t, "activity_type": a} for t, a in
                   zip(by_lead[r["lead_id"]]["occurred_at"], by_lead[r["lead_id"]]["activity_type"], strict=True)]
                  if r["lead_id"] in by_lead else [] for r in records]
    request = to_frame(build_records_features(records, activities, AS_OF, CONFIG, CATALOGUE),
                       pd.Index([r["lead_id"] for r in records]))
    _frames_equal_to_the_last_digit(request, batch.loc[request.index])


def test_snapshots_equal_single_moment_builds(sample: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    leads, acts = sample
    moments = [AS_OF - pd.Timedelta(days=200), AS_OF]
    for moment, frame in snapshot_features(leads, acts, moments, CONFIG, CATALOGUE):
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

    for function in (build_features, build_records_features, snapshot_features):
        assert "conversions" not in inspect.signature(function).parameters


def test_missing_fields_and_unknown_categories_give_defined_values() -> None:
    lead = {"lead_id": "x", "created_at": "2025-09-01T00:00:00Z", "industry": "Quantum Basket Weaving",
            "country": "zz", "job_title": "???", "email": "not-an-address", "employee_count": None}
    columns = build_lead_features(lead, [], AS_OF, CONFIG, CATALOGUE)
    assert columns["seniority"][0] == "unknown" and columns["department"][0] == "unknown"
    assert columns["email_domain_kind"][0] == "invalid"
    assert np.isnan(columns["employee_count_log"][0])
    assert columns["industry"][0] == "quantum_basket_weaving"  # kept; the encoder groups rare values


def test_the_email_address_is_not_a_feature_only_its_domain_kind() -> None:
    assert "email" not in CATALOGUE.names
    base = {"lead_id": "x", "created_at": "2025-09-01T00:00:00Z"}
    one = build_lead_features({**base, "email": "anna.schmidt@acme-gmbh.de"}, [], AS_OF, CONFIG, CATALOGUE)
    two = build_lead_features({**base, "email": "zz.top@other-corp.com"}, [], AS_OF, CONFIG, CATALOGUE)
    _frames_equal_to_the_last_digit(to_frame(one, pd.Index(["x"])), to_frame(two, pd.Index(["x"])))


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


@pytest.mark.parametrize("values", [
    [1200],
    [None, 0, 1, -3, 2**53 + 1, 10**20, 1.5, float("nan"), float("inf")],
    ["1200", " 35 ", "n/a", None, 7, 2.5, True],  # text and bools take the pandas path
])
def test_a_requests_typed_numbers_convert_exactly_as_pd_to_numeric_would(values: list[object]) -> None:
    from features.fit import _as_float

    raw = np.array(values, dtype=object)
    expected = pd.to_numeric(pd.Series(raw, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
    np.testing.assert_array_equal(_as_float(raw), expected)


@pytest.mark.parametrize("values", [
    [datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=timezone(timedelta(hours=2))),
     datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), pd.Timestamp("2026-03-29T01:00:00.000001Z")],
    ["2026-03-01T09:30:00+02:00", datetime(2026, 3, 1, 9, 30), datetime(2026, 3, 1, tzinfo=UTC)],  # text, no offset
    [],
], ids=["with-offsets", "mixed", "none"])
def test_a_requests_moments_convert_exactly_as_one_at_a_time(values: list[object]) -> None:
    """The request path converts all its activities' moments at once; it must give each moment's own
    microseconds, and read a moment without an offset as UTC, as :func:`timestamp_us` does."""
    from features.pipeline import timestamp_us, timestamps_us

    converted = timestamps_us(values)
    assert converted.dtype == np.int64
    assert converted.tolist() == [timestamp_us(v) for v in values]


@pytest.mark.parametrize("order", ["clustered", "shuffled"])
@pytest.mark.parametrize("id_style", ["L{:05d}", "lead-{:07d}-de", "{}"], ids=["short", "long", "varying"])
def test_activity_rows_are_found_exactly_however_the_export_is_ordered(order: str, id_style: str) -> None:
    # the lookup takes shortcuts (short ids of one length hashed as integers; runs of one lead looked up once
    # when the export lists each lead's activities together); it must give the same rows as a plain lookup,
    # unknown ids, ids of other lengths and missing ids included
    from features.ids import lead_rows

    rng = np.random.default_rng(0)
    lead_ids = pd.Index([id_style.format(i) for i in range(3000)], dtype=object)
    strangers = ["nobody", "L1", "L123456789", "", "Lx0001", id_style.format(99999)]
    ids = np.concatenate([rng.choice(lead_ids.to_numpy(), 150_000), strangers * 100, [None] * 500]).astype(object)
    ids = ids[np.argsort(ids.astype(str), kind="stable") if order == "clustered" else rng.permutation(len(ids))]
    values = pd.Series(ids, dtype="str")
    expected = lead_ids.get_indexer(ids)
    found = lead_rows(values, lead_ids)
    assert found.dtype == np.int32
    np.testing.assert_array_equal(found, expected)


def test_lead_columns_give_the_same_features_as_arrow_text_or_as_python_objects(
    sample: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    # a batch hashes Arrow text columns directly; the same values as Python objects are the definition
    leads, acts = sample
    as_objects = leads.astype(object)
    assert any(isinstance(dtype, pd.StringDtype) for dtype in leads.dtypes)
    _frames_equal_to_the_last_digit(build_features(leads, acts, AS_OF), build_features(as_objects, acts, AS_OF))


def test_computing_fit_signals_on_a_second_thread_changes_nothing(
    sample: tuple[pd.DataFrame, pd.DataFrame], monkeypatch: pytest.MonkeyPatch
) -> None:
    import features.pipeline as pipeline

    leads, acts = sample
    one_thread = build_features(leads, acts, AS_OF, CONFIG, CATALOGUE)
    monkeypatch.setattr(pipeline, "_TWO_CORES", 1)  # a million leads' path, on 300 leads
    two_threads = build_features(leads, acts, AS_OF, CONFIG, CATALOGUE)
    _frames_equal_to_the_last_digit(one_thread, two_threads)
    snapshots = [frame for _, frame in snapshot_features(leads, acts, [AS_OF], CONFIG, CATALOGUE)]
    _frames_equal_to_the_last_digit(one_thread, snapshots[0])


def test_activity_rows_from_the_loader_give_the_features_a_lookup_would(event_data: EventData) -> None:
    # the batch hands the loader's rows on; some leads do not exist yet at the moment, so rows are renumbered
    moment = event_data.leads["created_at"].quantile(0.9)
    assert (event_data.leads["created_at"] > moment).any()
    given = build_features(event_data.leads, event_data.activities, moment, CONFIG, CATALOGUE,
                           event_data.activity_rows)
    _frames_equal_to_the_last_digit(given, build_features(event_data.leads, event_data.activities, moment, CONFIG,
                                                          CATALOGUE))


def test_activity_rows_that_do_not_name_the_activities_leads_are_refused(event_data: EventData) -> None:
    rows = event_data.activity_rows
    with pytest.raises(ValueError, match="do not name"):
        build_features(event_data.leads, event_data.activities, AS_OF, CONFIG, CATALOGUE, np.roll(rows, 1))
    with pytest.raises(ValueError, match="activity lead rows for"):
        build_features(event_data.leads, event_data.activities.iloc[1:], AS_OF, CONFIG, CATALOGUE, rows)


@pytest.mark.parametrize("n_leads", [1, 7, 5000])
def test_the_id_hash_table_finds_the_first_row_of_every_key_and_nothing_else(n_leads: int) -> None:
    from features.ids import _rows_of_keys

    rng = np.random.default_rng(n_leads)
    lead_keys = rng.integers(0, 2**64 - 1, n_leads, dtype=np.uint64, endpoint=True)
    lead_keys[rng.integers(0, n_leads, n_leads // 3)] = lead_keys[0]  # a repeated id: its first row counts
    lead_keys[-1] = 0  # eight NUL bytes are an id like any other
    first_row: dict[int, int] = {}
    for row, key in enumerate(lead_keys.tolist()):
        first_row.setdefault(key, row)
    strangers = rng.integers(0, 2**64 - 1, 2000, dtype=np.uint64, endpoint=True)
    keys = np.concatenate([rng.choice(lead_keys, 200_000), strangers, lead_keys])
    expected = np.array([first_row.get(k, -1) for k in keys.tolist()], dtype=np.int32)
    np.testing.assert_array_equal(_rows_of_keys(keys, lead_keys), expected)
