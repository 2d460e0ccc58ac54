"""Nightly batch scoring: one output row per input row, errors named, order kept, written atomically."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.batch import LeadBatch
from features.catalogue import render
from scoring.bundle import ScoringBundle
from scoring.options import ScoringOptions
from scoring.requests import score_records
from serving.batch import score_event_file

AS_OF = pd.Timestamp("2026-06-30T00:00:00Z")


def options(lang: str = "en", top_k: int = 5) -> ScoringOptions:
    return ScoringOptions(AS_OF.to_pydatetime(), lang, top_k)  # type: ignore[arg-type]


def features_at(bundle: ScoringBundle, event_data) -> pd.DataFrame:
    return bundle.features(LeadBatch.from_frames(event_data.leads, event_data.activities), AS_OF)


@pytest.fixture(scope="module")
def messy_leads(world_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 leads of the world plus the kinds of rows real exports have: no id, a duplicate id, a bad date,
    and a lead created after the scoring moment."""
    leads = pd.read_csv(world_files["leads"], dtype=str).head(300)
    broken = pd.DataFrame([
        {**leads.iloc[0].to_dict(), "lead_id": ""},  # missing id
        {**leads.iloc[1].to_dict()},  # duplicate of row 2
        {**leads.iloc[2].to_dict(), "lead_id": "BAD-DATE", "created_at": "31.02.2024"},
        {**leads.iloc[3].to_dict(), "lead_id": "FUTURE", "created_at": "2030-01-01T00:00:00Z"},
    ])
    mixed = pd.concat([leads.iloc[:100], broken, leads.iloc[100:]], ignore_index=True)
    path = tmp_path_factory.mktemp("batch") / "leads.csv"
    mixed.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def scored(bundle: ScoringBundle, messy_leads: Path, world_files: dict[str, Path]) -> pd.DataFrame:
    out = messy_leads.with_name("scores.csv")
    summary = score_event_file(bundle, messy_leads, world_files["activities"], out, options("de", 3), "7")
    assert summary.rows == 304
    return pd.read_csv(out, dtype={"lead_id": str, "model_version": str})


def test_every_input_row_has_exactly_one_output_row_in_input_order(scored: pd.DataFrame) -> None:
    assert list(scored["row"]) == list(range(1, 305))


def test_rows_that_cannot_be_scored_carry_an_error_naming_the_field(scored: pd.DataFrame) -> None:
    errors = scored[scored["error"].notna()].set_index("row")["error"]
    assert set(errors.index) == {101, 102, 103, 104}
    assert errors[101].startswith("lead_id")
    assert errors[102].startswith("lead_id") and "duplicate" in errors[102]
    assert errors[103].startswith("created_at")
    assert errors[104].startswith("created_at") and "after as_of" in errors[104]
    assert scored.loc[scored["error"].notna(), "score"].isna().all()


def test_scored_rows_have_scores_tiers_and_german_reasons(scored: pd.DataFrame) -> None:
    ok = scored[scored["error"].isna()]
    assert len(ok) == 300
    assert ok["score"].between(0, 100).all() and set(ok["tier"]) <= {"hot", "warm", "cold"}
    assert (ok["model_version"] == "7").all()
    assert ok["reason_1"].str.contains(r"\([+-]\d+\)").all()
    assert ok["reason_1"].str.contains("Tage|Branche|Hierarchieebene|Keine|Abteilung|Sitz|Gekommen|Unternehmen").any()


def test_batch_scores_equal_bundle_scores(scored: pd.DataFrame, bundle: ScoringBundle, event_data) -> None:
    ok = scored[scored["error"].isna()].set_index("lead_id")
    features = features_at(bundle, event_data).loc[ok.index]
    direct = pd.Series(bundle.probability(features), index=features.index)
    pd.testing.assert_series_equal(ok["probability"].sort_index(), direct.sort_index(), check_names=False,
                                   check_index_type=False, rtol=1e-12)


@pytest.mark.parametrize("form", ["csv", "parquet in chunks"])
def test_leads_the_export_records_as_converted_by_as_of_are_not_scored(bundle: ScoringBundle,
                                                                       world_files: dict[str, Path],
                                                                       tmp_path: Path, form: str) -> None:
    """A customer is no lead to call: a leads export's conversion date (here "Converted Date") at or before
    as_of gives the row an error naming that column, a conversion after as_of leaves the lead open then, and
    every other row is scored exactly as without the column."""
    leads = pd.read_csv(world_files["leads"], dtype=str, keep_default_na=False).head(60)
    marked = leads.assign(**{"Converted Date": ""})
    marked.loc[3, "Converted Date"] = "2026-05-01"
    marked.loc[7, "Converted Date"] = "2026-07-15"  # after as_of: open at as_of
    activities = pd.read_csv(world_files["activities"], dtype=str, keep_default_na=False)
    activities = activities[activities["lead_id"].isin(leads["lead_id"])]
    activities = pd.concat([activities, activities.head(5).assign(occurred_at="2026-07-10T09:00:00Z")])  # newer
    suffix, chunk = (".csv", None) if form == "csv" else (".parquet", 25)
    paths = {name: tmp_path / f"{name}{suffix}" for name in ("plain", "marked", "activities")}
    for name, frame in (("plain", leads), ("marked", marked), ("activities", activities)):
        if suffix == ".csv":
            frame.to_csv(paths[name], index=False)
        else:
            frame.to_parquet(paths[name], index=False)

    outs = {}
    for name in ("plain", "marked"):
        out = tmp_path / f"{name}-scores.csv"
        summary = score_event_file(bundle, paths[name], paths["activities"], out, options(), "7", chunk=chunk)
        outs[name] = pd.read_csv(out, dtype={"lead_id": str}).set_index("row")
    # the export reaches past as_of: the run says how many activity rows it could not have known then
    assert "5 activity rows dated after --as-of 2026-06-30" in " ".join(summary.notes)
    # scored weeks after the export's newest record (--as-of left at now), the run says so and how to score it
    late = ScoringOptions((AS_OF + pd.Timedelta(days=40)).to_pydatetime())
    quiet = score_event_file(bundle, paths["plain"], paths["activities"], tmp_path / "late.csv", late, "7", chunk=chunk)
    [note] = [note for note in quiet.notes if "gone quiet" in note]
    assert "from 2026-07-10, 30 days before the scoring moment 2026-08-09" in note and "--as-of 2026-07-11" in note
    ahead = ScoringOptions((pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=200)).to_pydatetime())  # a typo
    typo = score_event_file(bundle, paths["plain"], paths["activities"], tmp_path / "typo.csv", ahead, "7", chunk=chunk)
    assert any("days in the future: every lead is scored as if nothing happens until then" in n for n in typo.notes)

    plain, marked_scores = outs["plain"], outs["marked"]
    assert list(marked_scores.index) == list(range(1, 61))
    assert marked_scores.loc[4, "error"] == ("Converted Date: lead converted at 2026-05-01T00:00:00+00:00, by as_of: "
                                             "not scored")
    assert pd.isna(marked_scores.loc[4, "score"])
    others = marked_scores.index != 4
    assert marked_scores.loc[others, "error"].isna().all() and plain["error"].isna().all()
    pd.testing.assert_frame_equal(marked_scores[others].drop(columns="error"), plain[others].drop(columns="error"),
                                  check_dtype=False)  # a column with an error row is read back as floats


def test_a_failed_write_leaves_no_partial_file(bundle: ScoringBundle, messy_leads: Path,
                                                world_files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "scores.unknown-format"
    with pytest.raises(Exception):  # noqa: B017 - the format error itself is the loader's business
        score_event_file(bundle, messy_leads, world_files["activities"], out, options())
    assert list(tmp_path.iterdir()) == []


def test_parquet_output_round_trips(bundle: ScoringBundle, messy_leads: Path, world_files: dict[str, Path],
                                    tmp_path: Path) -> None:
    out = tmp_path / "scores.parquet"
    score_event_file(bundle, messy_leads, world_files["activities"], out, options())
    assert len(pd.read_parquet(out)) == 304


def test_every_score_file_column_equals_the_api_result_of_the_same_lead(scored: pd.DataFrame, bundle: ScoringBundle,
                                                                       event_data) -> None:
    """The file and the API say the same about a lead: numbers, reasons, their order and their words."""
    ok = scored[scored["error"].isna()].set_index("lead_id")
    features = features_at(bundle, event_data).loc[ok.index]
    api = dict(zip(features.index, bundle.score(features, options("de", 3)).records(), strict=True))
    for lead_id, row in ok.iterrows():
        result = api[lead_id]
        for key in ("probability", "score", "tier", "tier_conversion_rate", "grade", "base_score", "fit_score",
                    "engagement_score", "other_points"):
            assert row[key] == result[key], (lead_id, key)
        assert json.loads(row["reasons_json"]) == result["reasons"], lead_id
        shown = [f"{r['text']} ({r['points']:+d})" for r in strongest(result["reasons"])[:3]]
        assert [row[f"reason_{k}"] for k in (1, 2, 3)][:len(shown)] == shown, lead_id
        assert all(pd.isna(row[f"reason_{k}"]) for k in range(len(shown) + 1, 4)), lead_id


@pytest.fixture(scope="module")
def odd_values(bundle: ScoringBundle, event_data) -> pd.DataFrame:
    """Leads whose values are what JSON and rounding make hard: text with quotes, a backslash, a line break
    and umlauts; missing values; −0.0; counts and days exactly between two whole numbers; a category
    holding 1, 1.0 and True (equal in Python, different in JSON)."""
    features = features_at(bundle, event_data).head(400).copy()
    rows = np.arange(len(features))
    features.loc[rows % 4 == 0, "country"] = 'Zürich "Süd" \\ Nord\n'
    features.loc[rows % 4 == 1, "country"] = None
    features["seniority"] = features["seniority"].astype(object)
    features.loc[rows % 7 == 0, "seniority"] = 1  # equal to 1.0 and True, yet written differently
    features.loc[rows % 7 == 1, "seniority"] = 1.0
    features.loc[rows % 7 == 2, "seniority"] = True
    features.loc[rows % 3 == 0, "lead_age_days"] = 2.5  # shown as 2 (half to even), like round() does
    features.loc[rows % 3 == 1, "lead_age_days"] = 3.5
    features.loc[rows % 5 == 0, "days_since_last_activity"] = np.nan
    features.loc[rows % 5 == 1, "days_since_last_activity"] = -0.0
    return features


def test_reasons_json_is_what_json_dumps_writes_for_the_api_reasons(bundle: ScoringBundle,
                                                                   odd_values: pd.DataFrame) -> None:
    table = bundle.score(odd_values, ScoringOptions(lang="de", top_k=20))
    frame, api = table.frame(20), table.records()
    shown_values = {json.dumps(r["value"], ensure_ascii=False) for result in api for r in result["reasons"]}
    texts = {r["text"] for result in api for r in result["reasons"]}
    assert '"Zürich \\"Süd\\" \\\\ Nord\\n"' in shown_values  # quotes, a backslash, a line break, umlauts
    assert any("Zürich" in text and "\n" in text for text in texts)
    assert frame["reasons_json"].tolist() == [json.dumps(result["reasons"], ensure_ascii=False) for result in api]


def strongest(reasons: list[dict]) -> list[dict]:
    """A lead's reasons by the size of their points, a tie in the listed order: what the columns show."""
    return sorted(reasons, key=lambda r: -abs(r["points"]))  # sorted() is stable


def test_reason_columns_are_the_api_reasons_text_and_points(bundle: ScoringBundle, odd_values: pd.DataFrame) -> None:
    table = bundle.score(odd_values, options())
    frame, api = table.frame(5), table.records()
    for k in range(5):
        expected = [f"{r['text']} ({r['points']:+d})" if len(r) > k else None
                    for r in (strongest(result["reasons"])[k] if len(result["reasons"]) > k else {} for result in api)]
        assert [None if pd.isna(v) else v for v in frame[f"reason_{k + 1}"]] == expected


def test_a_cold_lead_s_reason_columns_name_what_holds_it_back(bundle: ScoringBundle, odd_values: pd.DataFrame,
                                                             ) -> None:
    """The API lists up to top_k reasons for, then up to top_k against; a score file's top_k columns hold the
    strongest either way, so a lead held back by one big reason shows it even when it has top_k reasons for."""
    table = bundle.score(odd_values, options(top_k=2))
    frame, api = table.frame(2), table.records()
    held_back = [i for i, result in enumerate(api)
                 if sum(r["points"] > 0 for r in result["reasons"]) == 2
                 and min(r["points"] for r in result["reasons"]) < -max(r["points"] for r in result["reasons"][1:2])]
    assert held_back  # the test's leads hold such a case
    for i in held_back:
        against = min(api[i]["reasons"], key=lambda r: r["points"])
        assert f"{against['text']} ({against['points']:+d})" in (frame.loc[i, "reason_1"], frame.loc[i, "reason_2"])


def test_score_file_numbers_are_the_api_numbers(bundle: ScoringBundle, odd_values: pd.DataFrame) -> None:
    table = bundle.score(odd_values, options())
    frame, api = table.frame(5), pd.DataFrame(table.records()).drop(columns="reasons")
    pd.testing.assert_frame_equal(frame[list(api.columns)], api, check_exact=True)


def test_count_and_day_sentences_are_the_same_for_values_that_round_alike(bundle: ScoringBundle) -> None:
    """The score file renders a count's or a day's sentence once per whole number shown (not once per
    lead): that is only right while these sentences depend on nothing but that whole number."""
    values = [x / 4 for x in range(-8, 60)] + [0.4999999, 0.5000001, 1.5, 2.5, 1e-9, -0.0, 3649.5, 3650.0, 3650.49,
                                                  3650.5, 1e6, float("nan")]
    checked = 0
    for feature in bundle.catalogue:
        if feature.kind not in ("count", "days"):
            continue
        for lang in ("en", "de"):
            for value in values:
                whole = float(np.round(value))
                assert render(feature, value, lang) == render(feature, whole, lang), (feature.name, value, lang)
                checked += 1
    assert checked > 1000


def test_suggestions_in_the_file_are_the_api_suggestions_of_the_same_leads(bundle: ScoringBundle, messy_leads: Path,
                                                                          world_files: dict[str, Path],
                                                                          crm_leads: list[dict]) -> None:
    """`leadscore score --suggest` writes what /score?suggest=true answers: the actions that would raise the
    score, each with the score and tier the model would then give."""
    out = messy_leads.with_name("suggested.csv")
    suggest = ScoringOptions(AS_OF.to_pydatetime(), "de", 3, suggest=True)  # type: ignore[arg-type]
    score_event_file(bundle, messy_leads, world_files["activities"], out, suggest, "7")
    written = pd.read_csv(out, dtype={"lead_id": str})
    written = written[written["error"].isna()].set_index("lead_id")
    api = score_records(bundle, crm_leads[:60], suggest)
    compared = 0
    for answer in api:
        if answer.status != "ok" or answer.lead_id not in written.index:
            continue
        items = json.loads(written.loc[answer.lead_id, "suggestions_json"])
        assert items == answer.result["suggestions"], answer.lead_id
        assert all(item["score"] > written.loc[answer.lead_id, "score"] for item in items)
        compared += 1
    assert compared >= 50
    assert written["suggestions_json"].dropna().map(json.loads).map(len).gt(0).mean() > 0.5  # most can be raised


def test_only_actions_the_model_saw_in_training_are_suggested(bundle: ScoringBundle, crm_leads: list[dict]) -> None:
    """A HubSpot history holds meetings but no demo requests: the model knows nothing of a demo, and what it would
    answer is what any activity today does. Such an action is not suggested."""
    from features.behaviours import ACTIONABLE

    assert set(bundle.info["actions_seen"]) == set(ACTIONABLE)  # the small world's leads did each of them
    suggest = ScoringOptions(AS_OF.to_pydatetime(), "en", 3, suggest=True)  # type: ignore[arg-type]
    meetings_only = dataclasses.replace(bundle, info={**bundle.info, "actions_seen": ["meeting_held"]})

    every = [r.result["suggestions"] for r in score_records(bundle, crm_leads[:40], suggest) if r.status == "ok"]
    only = [r.result["suggestions"] for r in score_records(meetings_only, crm_leads[:40], suggest) if r.status == "ok"]

    assert any(item["text"].startswith("A demo request") for items in every for item in items)
    assert only == [[item for item in items if item["text"].startswith("A meeting with sales")] for items in every]
    assert any(only)


def test_a_file_without_the_titles_or_the_activities_the_model_learned_from_says_so(
        bundle: ScoringBundle, world_files: dict[str, Path], tmp_path: Path) -> None:
    """A renamed title column or an activities file that never arrives changes scores (every lead as if it had
    not answered); the run still scores, and says what the leads lack that the training leads had."""
    leads = pd.read_csv(world_files["leads"], dtype=str, keep_default_na=False).head(300)
    leads.rename(columns={"job_title": "Job Role"}).to_csv(tmp_path / "renamed.csv", index=False)
    leads.to_csv(tmp_path / "leads.csv", index=False)

    clean = score_event_file(bundle, tmp_path / "leads.csv", world_files["activities"], tmp_path / "a.csv", options())
    renamed = score_event_file(bundle, tmp_path / "renamed.csv", world_files["activities"], tmp_path / "b.csv",
                               options())
    alone = score_event_file(bundle, tmp_path / "leads.csv", None, tmp_path / "c.csv", options())

    def lacking(summary) -> list[str]:
        return [note for note in summary.notes if note.startswith("missing for every lead here")]

    assert lacking(clean) == []
    [note] = lacking(renamed)
    assert "seniority (" in note and "department (" in note and note.endswith("(columns not read: 'Job Role')")
    [note] = lacking(alone)
    assert "days_since_last_activity (" in note and "do the activities not reach the leads?" in note
    # the shares are the training leads': most of them had a title and some activity
    trained = bundle.info["coverage"]["missing"]
    assert trained["seniority"] < 0.5 and trained["days_since_last_activity"] < 0.5


def test_an_export_whose_slashed_dates_show_no_order_is_read_as_the_models_training_files(bundle: ScoringBundle,
                                                                                         event_data, tmp_path):
    """A model trained on a US export (month first) scores a later export whose dates never pass the 12th as its
    ISO twin: the order its training files showed is part of the model."""
    leads = event_data.leads[event_data.leads["created_at"].dt.day <= 12].head(60)
    acts = event_data.activities[event_data.activities["lead_id"].isin(leads["lead_id"])
                                 & (event_data.activities["occurred_at"].dt.day <= 12)]
    us, iso = {}, {}
    for name, frame, column in (("leads", leads[["lead_id", "created_at", "lead_source", "job_title"]], "created_at"),
                                ("activities", acts[["lead_id", "occurred_at", "activity_type"]], "occurred_at")):
        frame.assign(**{column: frame[column].dt.strftime("%m/%d/%Y %I:%M %p")}).to_csv(tmp_path / f"us_{name}.csv",
                                                                                       index=False)
        frame.assign(**{column: frame[column].dt.strftime("%Y-%m-%dT%H:%M:00Z")}).to_csv(
            tmp_path / f"iso_{name}.csv", index=False)
        us[name], iso[name] = tmp_path / f"us_{name}.csv", tmp_path / f"iso_{name}.csv"
    us_model = dataclasses.replace(bundle, info={**bundle.info, "date_order": "mdy"})

    score_event_file(us_model, us["leads"], us["activities"], tmp_path / "us.csv", options())
    score_event_file(bundle, iso["leads"], iso["activities"], tmp_path / "iso.csv", options())
    refused = score_event_file(bundle, us["leads"], us["activities"], tmp_path / "refused.csv", options())

    read_us, read_iso = pd.read_csv(tmp_path / "us.csv"), pd.read_csv(tmp_path / "iso.csv")
    assert read_iso["error"].isna().sum() >= 40 and len(acts) >= 100
    pd.testing.assert_frame_equal(read_us, read_iso)
    assert refused.scored == 0  # the ISO model has no order to go by
    # the same leads in a request are read as the file was: in the model's order
    from serving.scoring import score_request

    written = {name: pd.read_csv(path, dtype=str, keep_default_na=False) for name, path in us.items()}
    by_lead = {lead: group.drop(columns="lead_id").to_dict(orient="records")
               for lead, group in written["activities"].groupby("lead_id")}
    records = [{**lead, "activities": by_lead.get(lead["lead_id"], [])}
               for lead in written["leads"].to_dict(orient="records")]
    answered = score_request(us_model, records, options(), "v").results
    assert [r.status == "ok" for r in answered] == read_us["error"].isna().tolist()
    assert [r.probability for r in answered if r.status == "ok"] == pytest.approx(
        read_us["probability"].dropna().tolist(), rel=1e-12)
