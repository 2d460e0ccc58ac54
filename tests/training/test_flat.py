"""Flat mode: train on one row per lead, screen out leaks, register, and score such a table again.

One synthetic export (1,500 leads, yes/no outcome, a creation date, a planted after-contact column and
an id-like reference) is trained once into a temporary MLflow store and shared by the tests that only
read the result. The real x_education export is used when ``../shared/datasets`` has it.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from flat_export import N, flat_export
from mlflow import MlflowClient

from features.loading import load_flat_table
from scoring.bundle import ScoringBundle
from scoring.options import ScoringOptions
from serving.batch import score_flat_file
from training.config import BoosterParams, TrainConfig
from training.flat import (
    ChampionNotComparable,
    champion_features_for,
    train_flat,
    train_flat_from_file,
)
from training.registry import configure, load_version
from training.tracking import LEAKAGE_REPORT_FILE, LoggedRun

X_EDUCATION = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "x_education" / "leads.csv"
QUIET = {"progress": lambda _: None}
# one LightGBM thread: on a busy 2-core machine OpenMP threads waiting for each other make a 1-second
# fit take half a minute; the model is the same (deterministic training)
ONE_THREAD = BoosterParams(n_jobs=1)


@pytest.fixture(scope="module")
def export() -> pd.DataFrame:
    return flat_export()


@pytest.fixture(scope="module")
def table(export: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("flat") / "leads.csv"
    export.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh SQLite MLflow store whose artifacts also stay in the temporary folder."""
    folder = tmp_path_factory.mktemp("mlflow")
    uri = configure(f"sqlite:///{folder / 'mlflow.db'}")
    MlflowClient().create_experiment("flat", artifact_location=str(folder / "artifacts"))
    yield uri


@pytest.fixture(scope="module")
def trained(table: Path, store: str) -> LoggedRun:
    config = TrainConfig(experiment="flat", model_name="flat-synthetic", booster=ONE_THREAD)
    return train_flat_from_file(table, config, label="Won", id_column="Lead ID", time_column="Created",
                                tracking_uri=store, **QUIET)


@pytest.fixture(scope="module")
def registered(trained: LoggedRun, store: str) -> ScoringBundle:
    bundle, _ = load_version("flat-synthetic", trained.model_version)
    return bundle


# --- training end to end -------------------------------------------------------------------------


def test_training_registers_a_flat_model_without_the_planted_leak(trained, registered):
    assert trained.promoted  # a fresh store: the first version becomes champion
    assert registered.mode == "flat"
    assert "Sales Status" not in registered.catalogue.names
    assert "Sales Status" in registered.info["dropped"]
    assert {"Lead Source", "TotalVisits", "Time on Site (s)", "Country"} <= set(registered.catalogue.names)


def test_the_id_like_reference_is_left_out_as_an_identifier_not_as_a_leak(registered):
    reference = next(c for c in registered.info["leakage"]["columns"] if c["column"] == "CRM Reference")

    assert reference["auc"] < 0.6  # it knows nothing of the outcome ...
    assert reference["excluded"]  # ... but it names the lead, so a model must not split on it
    assert "identifies the lead" in " ".join(reference["reasons"])
    assert "CRM Reference" not in registered.catalogue.names


def test_the_leakage_report_is_logged_with_the_run(trained, registered):
    logged = mlflow.artifacts.load_dict(f"runs:/{trained.run_id}/{LEAKAGE_REPORT_FILE}")

    assert logged["excluded"] == ["Sales Status", "CRM Reference"]
    status = next(c for c in logged["columns"] if c["column"] == "Sales Status")
    assert status["auc"] > 0.95
    assert logged["rows"] > 0


def test_the_reference_profile_of_the_held_out_rows_is_logged_with_the_run(trained, registered):
    from training.reference import load_reference_profile

    profile = load_reference_profile(trained.run_id, trained.model_version)
    assert set(profile.features) == set(registered.catalogue.names)
    assert profile.rows == trained.metrics["rows"]  # every held-out row: a flat table has no moments
    assert profile.features["Country"].kind == "categorical"


def test_a_time_column_makes_the_evaluation_forward_in_time(registered):
    assert registered.info["evaluation"] == "cross-fitted, forward in time"


def test_the_model_learns_the_honest_signal_and_its_probabilities_beat_the_base_rate(trained):
    m = trained.metrics
    base = m["base_rate"]
    base_rate_log_loss = -(base * np.log(base) + (1 - base) * np.log(1 - base))

    # the outcome depends on channel, visits and time on site: measured ~0.79 without the leak; with
    # 'Sales Status' the AUC would be ~0.97
    assert 0.70 < m["roc_auc"] < 0.90
    assert m["log_loss"] < base_rate_log_loss - 0.05


def test_yes_no_labels_become_one_for_yes(table, export):
    data, _ = load_flat_table(table, label="Won", id_column="Lead ID")
    said_yes = dict(zip(export["Lead ID"], export["Won"] == "yes", strict=True))

    assert data.label is not None
    assert [bool(y) for y in data.label] == [said_yes[i] for i in data.ids]
    assert 0 < data.label.mean() < 1


def test_a_status_outcome_trains_on_the_decided_leads_and_the_card_says_what_converted_means(export, store,
                                                                                            tmp_path):
    """A CRM's stage column as the outcome: 'Closed Won' converted, 'Open' left out, anything else not."""
    stages = export.assign(Stage=np.where(export["Won"] == "yes", "Closed Won", "Closed Lost"))
    stages.loc[stages.index % 10 == 0, "Stage"] = "Open"
    path = tmp_path / "stages.csv"
    stages.drop(columns=["Won", "Sales Status"]).to_csv(path, index=False)
    config = TrainConfig(experiment="flat", model_name="flat-stages", booster=ONE_THREAD, search=False)

    logged = train_flat_from_file(path, config, label="Stage", id_column="Lead ID", converted=["closed won"],
                                  still_open=["Open"], tracking_uri=store, **QUIET)

    client = MlflowClient()
    report = json.loads(Path(client.download_artifacts(logged.run_id, "data_report.json", str(tmp_path))).read_text())
    assert report["rows_kept"] == {"table": N - N // 10} and report["rejected_count"] == N // 10
    assert "not decided yet, left out of training: 'Open' (150)" in report["label_reading"]
    card = Path(client.download_artifacts(logged.run_id, "model_card.md", str(tmp_path))).read_text()
    assert "`Stage` is 'closed won'; rows with 'Open' were left out as not decided yet" in card
    bundle, _ = load_version("flat-stages", logged.model_version)
    assert bundle.info["outcome_values"] == {"converted": ["closed won"], "open": ["Open"]}
    # the same signal as the yes/no outcome it was made from (cross-fitted AUC there: ~0.8)
    assert logged.metrics["roc_auc"] > 0.75


def test_keep_brings_a_flagged_column_back_into_the_model(table):
    data, _ = load_flat_table(table, label="Won", id_column="Lead ID")

    training = train_flat(data, TrainConfig(booster=ONE_THREAD), label="Won", id_column="Lead ID",
                          keep=["Sales Status"], **QUIET)

    assert "Sales Status" in training.result.bundle.catalogue.names
    assert training.leakage.kept == ["Sales Status"]
    assert training.result.metrics["roc_auc"] > 0.95  # which is exactly why it is excluded by default


def test_dropping_and_keeping_the_same_column_is_an_error(table):
    data, _ = load_flat_table(table, label="Won", id_column="Lead ID")

    with pytest.raises(ValueError, match="both dropped and kept"):
        train_flat(data, TrainConfig(), label="Won", drop=["Country"], keep=["Country"], **QUIET)


# --- scoring -------------------------------------------------------------------------------------


def test_scoring_a_table_gives_one_row_per_input_row_in_input_order(registered, export, tmp_path):
    rows = export.sample(frac=1.0, random_state=3).head(200).reset_index(drop=True)
    rows.loc[50, "Lead ID"] = rows.loc[10, "Lead ID"]  # a duplicate id: rejected at its own place
    rows.loc[70, "Lead ID"] = ""  # no id
    path = tmp_path / "to_score.csv"
    rows.drop(columns=["Won"]).to_csv(path, index=False)

    summary = score_flat_file(registered, path, tmp_path / "scores.csv", model_version="1")
    out = pd.read_csv(tmp_path / "scores.csv", keep_default_na=False, na_values=[""])

    assert summary.rows == len(out) == 200
    assert out["row"].tolist() == list(range(1, 201))
    expected_ids = rows["Lead ID"].where(rows["Lead ID"] != "").tolist()
    assert [None if pd.isna(v) else v for v in out["lead_id"]] == [None if pd.isna(v) else v for v in expected_ids]
    assert out.loc[[50, 70], "error"].notna().all()
    assert out["error"].notna().sum() == 2
    assert out.loc[out["error"].isna(), "probability"].between(0, 1).all()


def test_a_value_the_model_reads_as_a_number_that_is_none_is_a_warning_in_the_score_file(registered, export,
                                                                                        tmp_path):
    """However few rows a file has, a model's numeric column reads as numbers: "abc" there is missing, and the
    row's warning names it (before: silently missing, the column read as text for a 3-row file)."""
    rows = export.head(3).drop(columns=["Won"]).copy()
    rows.loc[1, "TotalVisits"] = "abc"
    rows.to_csv(tmp_path / "few.csv", index=False)

    score_flat_file(registered, tmp_path / "few.csv", tmp_path / "scores.csv", model_version="1")
    out = pd.read_csv(tmp_path / "scores.csv", keep_default_na=False, na_values=[""])

    assert out["error"].isna().all()
    assert out.loc[1, "warnings"] == "TotalVisits: not a number 'abc': set to missing"
    assert out["warnings"].isna().tolist() == [True, False, True]


def test_a_column_the_table_lacks_is_scored_as_not_given(registered, table):
    data, _ = load_flat_table(table, label=None, id_column="Lead ID", for_training=False)
    rows = data.features.head(5).drop(columns=["Country"])

    features = registered.flat_features(rows)

    assert features.columns.tolist() == registered.catalogue.names
    assert features["Country"].tolist() == [None] * 5
    assert len(registered.score(features).records()) == 5


def test_a_value_not_given_is_never_a_reason_for_a_lead(registered, table):
    """ "Total visits: not given (+12)" gives a salesperson nothing to act on: a blank may lower a score, and when
    the model scores blanks up, those points go to "all other signals"."""
    data, _ = load_flat_table(table, label=None, id_column="Lead ID", for_training=False)
    rows = data.features.head(300).copy()
    for column in registered.catalogue.names:
        rows.loc[rows.sample(frac=0.5, random_state=len(column)).index, column] = None
    for lang, blank in (("en", "not given"), ("de", "keine Angabe")):
        reasons = [r for result in registered.score(registered.flat_features(rows),
                                                    ScoringOptions(lang=lang, top_k=20)).records()
                   for r in result["reasons"]]
        assert sum(blank in r["text"] for r in reasons) > 100
        assert [r["text"] for r in reasons if blank in r["text"] and r["points"] > 0] == []


def test_request_values_are_turned_into_the_types_the_model_was_trained_on(registered):
    request = pd.DataFrame({"Lead Source": ["Referral", "Select"], "TotalVisits": ["4", "lots"],
                            "Time on Site (s)": [600, None], "Country": [None, "Germany"]})

    features = registered.flat_features(request)

    assert features["Lead Source"].tolist() == ["Referral", None]  # 'Select' means not answered
    assert features["TotalVisits"].tolist()[0] == 4.0 and np.isnan(features["TotalVisits"].iloc[1])
    assert features["Time on Site (s)"].dtype == np.float64


def test_a_german_excel_export_trains_the_model_its_plain_twin_trains_and_requests_read_it_the_same_way(export,
                                                                                                      tmp_path):
    """German Excel saves ``;``-separated files with a decimal comma and a grouping dot (``1.328`` seconds is
    1328), and a spreadsheet error cell (``#WERT!``) may sit in a numeric column. The column stays numbers (the
    stray cell is missing, with a warning naming row and field), the model equals the plain file's, and a
    request to it reads ``"1.328"`` as its training file did."""
    german = export.copy()
    german["Time on Site (s)"] = [f"{int(v):,}".replace(",", ".") for v in export["Time on Site (s)"]]
    german.loc[7, "TotalVisits"] = "#WERT!"
    plain = export.copy()
    plain.loc[7, "TotalVisits"] = ""
    paths = {"de": tmp_path / "de.csv", "plain": tmp_path / "plain.csv"}
    german.to_csv(paths["de"], sep=";", index=False)
    plain.to_csv(paths["plain"], index=False)
    assert (german["Time on Site (s)"].str.contains(".", regex=False)).sum() > 100  # values of 1,000 s and more

    loaded = {name: load_flat_table(path, label="Won", id_column="Lead ID") for name, path in paths.items()}
    de, report = loaded["de"]
    assert "Time on Site (s)" in de.comma_columns
    assert de.features["Time on Site (s)"].equals(loaded["plain"][0].features["Time on Site (s)"])
    assert de.features["TotalVisits"].dtype == np.float64 and np.isnan(de.features["TotalVisits"].iloc[7])
    [stray] = [w for w in report.warnings if w.field == "TotalVisits"]
    assert stray.row == 8 and "#WERT!" in stray.reason

    config = TrainConfig(booster=ONE_THREAD, search=False)
    models = {name: train_flat(data, config, label="Won", id_column="Lead ID", **QUIET).result.bundle
              for name, (data, _) in loaded.items()}
    rows = loaded["plain"][0].features.head(50)
    assert np.allclose(models["de"].probability(models["de"].flat_features(rows)),
                       models["plain"].probability(models["plain"].flat_features(rows)))
    request = pd.DataFrame({"Time on Site (s)": ["1.328", "950"], "TotalVisits": ["3", "4"]})
    assert models["de"].flat_features(request)["Time on Site (s)"].tolist() == [1328.0, 950.0]
    assert models["plain"].flat_features(request)["Time on Site (s)"].tolist() == [1.328, 950.0]
    # a request's values of a column show their mark as a file's column does: beside "950.5" (a point only US
    # writes) "1.328" is 1.328 to the German model too; beside "2,5" it is 1328 to the US model too
    from datetime import UTC, datetime

    from scoring.options import ScoringOptions
    from scoring.requests import score_records

    def seconds(model, *written):  # the probabilities of leads that differ only in their time on site
        leads = [{"Lead ID": f"L{i}", "TotalVisits": "3", "Time on Site (s)": w} for i, w in enumerate(written)]
        return [r.result["probability"] for r in score_records(model, leads, ScoringOptions(datetime.now(UTC)))]

    for model in models.values():
        assert seconds(model, "1.328", "950.5")[0] == seconds(model, 1.328)[0]
        assert seconds(model, "1.328", "2,5")[0] == seconds(model, 1328)[0]
    assert seconds(models["de"], "1.328")[0] == seconds(models["de"], 1328)[0]  # alone: as its training file
    assert seconds(models["plain"], "1.328")[0] == seconds(models["plain"], 1.328)[0]


def test_a_request_value_that_is_no_number_is_scored_as_missing_with_a_warning_naming_the_field(registered):
    from datetime import UTC, datetime

    from scoring.options import ScoringOptions
    from scoring.requests import score_records

    leads = [{"Lead ID": "A", "TotalVisits": "lots", "Time on Site (s)": "1,328"},
             {"Lead ID": "B", "TotalVisits": "4", "Time on Site (s)": 1328}]
    options = ScoringOptions(datetime(2025, 1, 1, tzinfo=UTC))
    a, b = score_records(registered, leads, options)
    assert a.status == b.status == "ok"
    assert [(w.field, w.message) for w in a.warnings] == [("TotalVisits", "not a number 'lots': set to missing")]
    assert b.warnings == []
    # "1,328" is read as US Excel writes it (the model was trained on a comma-separated file): the lead equals B
    # on time on site, and differs only where A's visits are missing
    same = score_records(registered, [{**leads[0], "TotalVisits": "4"}], options)
    assert same[0].result["probability"] == b.result["probability"]


@pytest.mark.parametrize("seed", [7, 8])
def test_a_flat_row_gets_the_same_answer_from_a_file_the_api_and_the_pyfunc(trained, registered, export, seed,
                                                                            tmp_path):
    """The rows of a table as exports vary them (blank, ``Select``, ``n/a``, upper case, padded; numbers in the
    US or the German convention, a column in one: ``4.0`` and ``1,328``, or ``4,0`` and ``1.328``) get the same
    status, probability and reasons from ``score --table``, from a request of the same rows and from the
    registered pyfunc: a request's values of a column show their decimal mark as the file's column does."""
    rng = np.random.default_rng(seed)
    rows = export.drop(columns=["Won"]).sample(300, random_state=seed).reset_index(drop=True).astype(str)

    def varied(cell: str, german: bool) -> str:
        forms = ["", "Select", "n/a", cell.upper(), f"  {cell} "]
        if cell.isdigit():
            forms += [f"{cell},0", f"{int(cell):,}".replace(",", ".")] if german else [f"{cell}.0", f"{int(cell):,}"]
        return str(rng.choice(forms)) if rng.random() < 0.3 else cell

    for column in rows.columns.drop("Lead ID"):
        german = bool(rng.random() < 0.5)
        rows[column] = [varied(cell, german) for cell in rows[column]]
    path = tmp_path / "varied.csv"
    rows.to_csv(path, index=False)
    options = ScoringOptions(pd.Timestamp("2025-06-30", tz="UTC").to_pydatetime(), "en", 3)
    score_flat_file(registered, path, tmp_path / "scores.csv", options, "1")
    from_file = pd.read_csv(tmp_path / "scores.csv", dtype={"lead_id": str})
    from scoring.requests import score_records

    from_api = score_records(registered, rows.to_dict(orient="records"), options.resolved())
    model = mlflow.pyfunc.load_model(f"models:/flat-synthetic/{trained.model_version}")
    from_pyfunc = model.predict(rows, params={"as_of": options.as_of.isoformat(), "lang": "en", "top_k": 3})

    assert len(from_file) == len(from_api) == len(from_pyfunc) == len(rows)
    for file, api, (_, py) in zip(from_file.to_dict(orient="records"), from_api, from_pyfunc.iterrows(),
                                  strict=True):
        assert api.status == py["status"] == ("ok" if pd.isna(file["error"]) else "error")
        assert api.result["probability"] == pytest.approx(file["probability"], rel=1e-12) == py["probability"]
        assert [r["text"] for r in api.result["reasons"]] == [r["text"] for r in json.loads(file["reasons_json"])]


def test_the_registered_pyfunc_model_scores_rows_with_blank_fields(trained, registered, table):
    data, _ = load_flat_table(table, label=None, id_column="Lead ID", for_training=False)
    rows = data.features.head(4)[registered.catalogue.names].astype(object)
    rows.iloc[0] = None  # a lead with nothing filled in is scored too
    model = mlflow.pyfunc.load_model(f"models:/flat-synthetic/{trained.model_version}")

    out = model.predict(rows)

    assert len(out) == 4
    assert out["probability"].between(0, 1).all()
    assert out["reasons"].str.contains("Lead Source|TotalVisits|Time on Site|Country").all()


# --- the promotion gate's view of the champion ---------------------------------------------------


def test_a_flat_champion_is_scored_on_the_same_test_rows(registered, table):
    data, _ = load_flat_table(table, label="Won", id_column="Lead ID")
    test_rows = data.features.iloc[:30]

    features = champion_features_for(test_rows, "Won")(registered)

    assert features.index.equals(test_rows.index)
    assert registered.probability(features).shape == (30,)


@pytest.mark.parametrize("change, message", [
    ({"mode": "event"}, "event-mode"),
    ({"info": {"label": "Converted"}}, "predicts 'Converted'"),
    ({"info": {"label": "Won", "outcome_values": {"converted": ["Deal won"]}}}, "counts \\['deal won'\\] of 'Won'"),
])
def test_a_champion_of_another_mode_or_label_cannot_be_compared(registered, table, change, message):
    data, _ = load_flat_table(table, label="Won", id_column="Lead ID")
    champion = dataclasses.replace(registered, **{k: v if k != "info" else {**registered.info, **v}
                                                  for k, v in change.items()})

    with pytest.raises(ChampionNotComparable, match=message):
        champion_features_for(data.features, "Won")(champion)


def test_a_champion_using_a_column_this_table_lacks_cannot_be_compared(registered, table):
    data, _ = load_flat_table(table, label="Won", id_column="Lead ID", drop=["Country"])

    with pytest.raises(ChampionNotComparable, match="'Country'"):
        champion_features_for(data.features, "Won")(registered)


# --- the real x_education export -----------------------------------------------------------------


@pytest.fixture(scope="module")
def x_education(store: str) -> LoggedRun:
    if not X_EDUCATION.is_file():
        pytest.skip(f"real dataset not found at {X_EDUCATION} (it lives in ../shared/datasets, never in the repo)")
    # learning rate 0.1 halves the trees (and the test time); the default 0.05 measured ROC AUC 0.928
    config = TrainConfig(experiment="flat", model_name="x-education",
                         booster=dataclasses.replace(ONE_THREAD, learning_rate=0.1))
    return train_flat_from_file(X_EDUCATION, config, label="Converted", id_column="Prospect ID",
                                drop=("Lead Number",), tracking_uri=store, **QUIET)


def test_on_x_education_the_model_is_good_without_the_leaky_columns(x_education):
    bundle, _ = load_version("x-education", x_education.model_version)

    assert {"Tags", "Lead Quality"} <= set(bundle.info["dropped"])
    # measured 0.926: above 0.85 means it learned the honest signal, below 0.96 that Tags / Lead Quality
    # stayed out (with them it reaches 0.98)
    assert 0.85 < x_education.metrics["roc_auc"] < 0.96
    assert x_education.metrics["auc_gain_over_logreg"] > 0  # the trees earn their keep (logreg: 0.896)
    assert x_education.metrics["ece"] < 0.05


def test_on_x_education_the_registered_model_scores_the_export_keyed_by_prospect_id(x_education, tmp_path):
    bundle, _ = load_version("x-education", x_education.model_version)
    lines = X_EDUCATION.read_text(encoding="utf-8").splitlines(keepends=True)
    part = tmp_path / "first_1000.csv"  # a slice in a temporary folder: scoring all 9,240 leads adds ~10 s
    part.write_text("".join(lines[:1001]), encoding="utf-8")

    summary = score_flat_file(bundle, part, tmp_path / "scores.csv")
    out = pd.read_csv(tmp_path / "scores.csv")
    ids = pd.read_csv(part, usecols=["Prospect ID"])["Prospect ID"]

    assert summary.rows == summary.scored == 1000
    assert out["lead_id"].tolist() == ids.tolist()
    assert out["probability"].between(0, 1).all()


def test_a_file_that_drops_a_column_or_writes_its_values_otherwise_is_scored_with_a_note_naming_it(registered, table,
                                                                                                  tmp_path):
    """A file that lacks a column the model learned from, or writes a category in words it never saw, still
    gets its scores, but the run says which column and why (the scores would move without a word)."""
    export = pd.read_csv(table, dtype=str, keep_default_na=False).drop(columns=["Won"]).head(300)
    clean = score_flat_file(registered, _written(export, tmp_path / "clean.csv"), tmp_path / "a.csv")
    renamed = export.rename(columns={"Time on Site (s)": "Time on site"})
    dropped = score_flat_file(registered, _written(renamed, tmp_path / "renamed.csv"), tmp_path / "b.csv")
    german = export.assign(**{"Lead Source": export["Lead Source"].map(
        {"Web Form": "Webformular", "Referral": "Empfehlung", "Paid Search": "Bezahlte Suche", "Webinar": "Webinar"})})
    translated = score_flat_file(registered, _written(german, tmp_path / "german.csv"), tmp_path / "c.csv")
    upper = export.assign(**{"Lead Source": export["Lead Source"].str.upper()})
    recased = score_flat_file(registered, _written(upper, tmp_path / "upper.csv"), tmp_path / "d.csv")

    assert clean.notes == () == recased.notes  # the training data's own words, in any case: nothing to say
    # ... and the same scores: a learned value in another case is that value
    probabilities = [pd.read_csv(tmp_path / name)["probability"].tolist() for name in ("a.csv", "d.csv")]
    assert probabilities[0] == probabilities[1]
    assert dropped.notes == ("missing for every lead here, though the model learned from them (share of the training "
                             "leads that had them): Time on Site (s) (100%): does a file lack a column, or name it or "
                             "write its values differently? Those leads are scored as if they had not answered "
                             "(columns not read: 'Time on site')",)
    [note] = translated.notes
    assert note.startswith("Lead Source: 8")  # all but the webinars' share
    assert "of the leads here have a value the model did not learn (e.g. 'Webformular'" in note
    assert "0% in training" in note


def _written(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path
