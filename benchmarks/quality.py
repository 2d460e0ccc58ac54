"""Quality benchmark: the model on worlds of other shapes and on a real export, next to quick hand-made models.

    .venv/bin/python benchmarks/quality.py                 # 20,000-lead worlds, every preset, and x_education
    .venv/bin/python benchmarks/quality.py --leads 8000    # quick

Settings tuned to one world are suspect, so the same ``TrainConfig()`` meets every shape
(:meth:`leadscore.synthetic.WorldConfig.preset`): the standard world, a drifting market, fit and intent that
interact, a low base rate, 8.5 months without activities and a CRM three months old. Each is judged twice:

* **backtest**: the training's own latest rolling origin (leads the procedure never saw), with the logistic
  regression and the points scorecard fitted on the same examples, and the model fitted only up to the
  calibration window (what was served before issue #20);
* **future**: the served model on every lead open at the export, against whether it converted in the
  following horizon (the truth file's outcome): what a user would see after deploying it. This is the only
  judgement a short history allows.

The real x_education export (``../shared/datasets``, never in the repository) is trained in flat mode on its
first 80 % by ``Lead Number`` and judged on the last 20 %, next to scikit-learn's default
HistGradientBoosting on the same columns and split.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import machine
import numpy as np
import pandas as pd
import report
from report import say
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from features.batch import LeadBatch
from features.loading import load_flat_table
from leadscore.synthetic import WorldConfig, generate_world
from training.config import TrainConfig
from training.flat import train_flat
from training.metrics import classification_metrics
from training.train import train_event, truth_gap

WORLDS = ("default", "drifting", "strong_interaction", "low_base_rate", "no_activities", "short_crm")
X_EDUCATION = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "x_education" / "leads.csv"


def _future(world, result) -> dict[str, float]:
    """The served model on the leads open at the export, against the outcome of the following horizon."""
    moment = pd.Timestamp(world.truth["as_of"].iloc[0])
    features = result.bundle.features(LeadBatch.from_frames(world.leads, world.activities), moment)
    joined = features.join(world.truth.set_index("lead_id")[["converted_in_horizon", "true_probability"]],
                           how="inner")
    y = joined["converted_in_horizon"].to_numpy().astype(int)
    p = result.bundle.probability(joined)
    m = classification_metrics(y, p)
    return {"future_leads": len(y), "future_conversions": int(y.sum()), "future_auc": m["roc_auc"],
            "future_ece": m["ece"], "future_truth_auc": float(roc_auc_score(y, joined["true_probability"]))}


def world_row(name: str, n_leads: int, seed: int) -> dict[str, object]:
    changes = {"seed": seed} if name == "short_crm" else {"n_leads": n_leads, "seed": seed}
    world = generate_world(WorldConfig.preset(name, **changes))
    t0 = time.perf_counter()
    result = train_event(world.leads, world.activities, world.conversions, TrainConfig())
    row: dict[str, object] = {"world": name, "leads": len(world.leads), "regime": result.regime,
                              "train_s": time.perf_counter() - t0}
    m = result.metrics
    if result.regime != "rules" and "roc_auc" in m:
        row.update({"auc": m["roc_auc"], "ece": m["ece"], "logreg_auc": result.baselines["logreg"]["roc_auc"],
                    "points_auc": result.baselines.get("points", {}).get("roc_auc", np.nan),
                    "fit_window_only_auc": m.get("fit_window_only_roc_auc", np.nan),
                    "truth_auc": truth_gap(result, world.truth).get("truth_auc", np.nan)})
    row.update(_future(world, result))
    return row


def x_education_row(seed: int) -> dict[str, object] | None:
    if not X_EDUCATION.is_file():
        say(f"x_education not found at {X_EDUCATION}: skipped")
        return None
    table = pd.read_csv(X_EDUCATION).sort_values("Lead Number", kind="stable")
    cut = int(len(table) * 0.8)
    folder = Path(__file__).resolve().parent / ".cache"
    folder.mkdir(parents=True, exist_ok=True)
    train_path = folder / "x_education_first80.csv"
    table.iloc[:cut].to_csv(train_path, index=False)
    held = table.iloc[cut:]
    data, _ = load_flat_table(train_path, label="Converted", id_column="Prospect ID", time_column="Lead Number")
    t0 = time.perf_counter()
    trained = train_flat(data, TrainConfig(seed=seed), label="Converted", id_column="Prospect ID",
                         time_column="Lead Number")
    seconds = time.perf_counter() - t0
    bundle = trained.result.bundle
    y = held["Converted"].to_numpy().astype(int)
    ours = classification_metrics(y, bundle.probability(bundle.flat_features(held)))
    # scikit-learn's default HistGradientBoosting on the very columns our model uses, categories native
    columns = bundle.catalogue.names
    train_x = bundle.flat_features(table.iloc[:cut])
    test_x = bundle.flat_features(held)
    for feature in bundle.catalogue:
        if feature.categorical:
            kinds = pd.CategoricalDtype(sorted(train_x[feature.name].dropna().unique()))
            train_x[feature.name] = train_x[feature.name].astype(kinds)
            known = test_x[feature.name].isin(kinds.categories)  # a category new in the last 20 % is missing
            test_x[feature.name] = test_x[feature.name].where(known).astype(kinds)
    hgb = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=seed)
    hgb.fit(train_x[columns], table.iloc[:cut]["Converted"].to_numpy().astype(int))
    theirs = classification_metrics(y, hgb.predict_proba(test_x[columns])[:, 1])
    return {"export": "x_education, last 20 % by Lead Number", "train_rows": cut, "test_rows": len(held),
            "excluded": ", ".join(trained.leakage.excluded), "train_s": seconds, "auc": ours["roc_auc"],
            "ece": ours["ece"], "hgb_auc": theirs["roc_auc"], "hgb_ece": theirs["ece"]}


def _f(value: object, digits: int = 3) -> str:
    return "–" if value is None or (isinstance(value, float) and not np.isfinite(value)) else (
        f"{value:.{digits}f}" if isinstance(value, float) else str(value))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--worlds", nargs="*", default=list(WORLDS))
    args = parser.parse_args()
    info = machine.machine()
    rows = []
    for name in args.worlds:
        say(f"world {name}")
        rows.append(world_row(name, args.leads, args.seed))
        say(f"  {rows[-1]}")
    flat = x_education_row(args.seed)
    world_table = report.md_table(
        ("world", "leads", "regime", "ROC AUC (backtest)", "ECE", "logistic regression", "points scorecard",
         "fit window only", "truth", "future ROC AUC", "future ECE", "future truth", "future conversions"),
        [(r["world"], f"{r['leads']:,}", r["regime"], _f(r.get("auc")), _f(r.get("ece"), 4), _f(r.get("logreg_auc")),
          _f(r.get("points_auc")), _f(r.get("fit_window_only_auc")), _f(r.get("truth_auc")), _f(r["future_auc"]),
          _f(r["future_ece"], 4), _f(r["future_truth_auc"]), r["future_conversions"]) for r in rows])
    parts = [
        "# Quality benchmark",
        "",
        f"`.venv/bin/python benchmarks/quality.py --leads {args.leads} --seed {args.seed}` — one `TrainConfig()` "
        "for every world; see the module docstring for what each column means.",
        f"Machine: {machine.describe(info)}. {machine.code_note(info['code'])}",
        "",
        "## Generated worlds of other shapes",
        world_table,
        "",
    ]
    if flat:
        parts += ["## A real export (flat mode)",
                  report.md_table(("export", "train rows", "test rows", "excluded by the leakage screen",
                                   "ROC AUC", "ECE", "default HistGradientBoosting ROC AUC", "its ECE"),
                                  [(flat["export"], f"{flat['train_rows']:,}", f"{flat['test_rows']:,}",
                                    flat["excluded"], _f(flat["auc"]), _f(flat["ece"], 4), _f(flat["hgb_auc"]),
                                    _f(flat["hgb_ece"], 4))]), ""]
    markdown = "\n".join(parts)
    report.write_results("quality", {"worlds": rows, "x_education": flat, "machine": info,
                                     "leads": args.leads, "seed": args.seed}, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
