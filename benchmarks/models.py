"""Benchmark: LightGBM (the project's model) vs scikit-learn's HistGradientBoostingClassifier.

    .venv/bin/python benchmarks/models.py                 # 20,000-lead world (5–8 min on 2 cores)
    .venv/bin/python benchmarks/models.py --repeats 1 --no-variants   # quicker

Both models get exactly the matrices the project's training uses: ``training.train.train_event`` is run once
on a generated world, with the training procedure's calls of ``fit_booster`` wrapped to capture their
arguments. The examples are those of the latest backtest origin: the early-stopped booster the procedure
chose there (fit rows, the early-stopping slice, categorical columns, monotone constraints), the calibration
window its calibrator was fitted on, and the origin's own test leads. So the benchmark follows the training
code as it is today.

* **LightGBM** — the captured ``training.model.fit_booster`` call (categorical codes native), TreeSHAP via
  ``predict(pred_contrib=True)`` (``LeadBooster.contributions``).
* **HGB, ordinal** — ``HistGradientBoostingClassifier`` with matching settings (learning rate, iterations,
  leaves, samples per leaf, L2, ``max_features`` = ``colsample_bytree``, the same monotone constraints, early
  stopping on the same validation slice via ``X_val``), category codes treated as ordinal numbers: the
  variant ``shap.TreeExplainer`` explains correctly.
* **HGB, native categorical** — the same with ``categorical_features`` = the category columns: accuracy
  only; its SHAP values are checked for additivity (the stack notes say they are silently wrong).
* Variants (skip with ``--no-variants``): LightGBM with ``n_jobs=1``, and with ``max_depth=4`` (what a depth
  limit does to accuracy and to TreeSHAP time).

Measured: test ROC AUC and log loss (raw, and after the project's sigmoid calibration,
``scoring.calibration.SigmoidCalibrator``, fitted on the calibration window's margins), fit time (median of
``--repeats``), SHAP time for ``--shap-rows`` rows (LightGBM ``pred_contrib`` vs ``shap.TreeExplainer``),
SHAP additivity error, and one-row predict / explain latency.
Results go to ``benchmarks/results/models.{md,json}``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import machine
import measure
import numpy as np
import report
import worlds
from report import say

N_JOBS_NOTE = "LightGBM n_jobs=2 (project setting); HGB uses OpenMP on all cores (2); shap's TreeExplainer on " \
              "HGB runs its C++ TreeSHAP on one thread."
FIT_ARGUMENTS = ("X_fit", "y_fit", "X_val", "y_val", "categorical_index", "params", "seed", "monotone")


def training_examples(n_leads: int, seed: int) -> dict[str, Any]:
    """The exact matrices the project fits, calibrates and tests on at its latest backtest origin, taken from
    one ``train_event`` run.

    ``training.procedure``'s calls of ``fit_booster`` and ``training.backtest``'s of ``fit_procedure`` are
    wrapped (in this process only) to capture their arguments and results, so the benchmark follows whatever
    the training code currently does (encoder settings, monotone constraints, early-stopping slice, settings
    search) instead of re-implementing it.
    """
    import training.backtest as tb
    import training.procedure as tp
    from features.loading import load_event_data
    from training.config import TrainConfig
    from training.dataset import AS_OF, LABEL
    from training.train import train_event

    paths = worlds.cached_world(n_leads, seed)
    config = TrainConfig()
    data, _ = load_event_data(paths["leads"], paths["activities"], paths["conversions"], for_training=True)
    fits: list[tuple[tuple[Any, ...], dict[str, Any], Any]] = []  # the early-stopped fits of the running procedure
    chosen: dict[str, Any] = {}
    original_fit, original_procedure = tp.fit_booster, tb.fit_procedure

    def capture_fit(*args: Any, **kwargs: Any):
        model = original_fit(*args, **kwargs)
        if args[2] is not None:  # with an early-stopping slice: a settings-search booster
            fits.append((args, kwargs, model))
        return model

    def capture_procedure(examples: Any, *args: Any, **kwargs: Any):
        fitted = original_procedure(examples, *args, **kwargs)
        mine = [(a, k) for a, k, model in fits if model is fitted.window_booster]
        chosen.update(examples=examples, fitted=fitted, fit=mine[0] if mine else None)
        fits.clear()
        return fitted

    tp.fit_booster, tb.fit_procedure = capture_fit, capture_procedure
    say("running training.train.train_event once to capture the matrices it fits on")
    try:
        result = train_event(data.leads, data.activities, data.conversions, config,
                             progress=lambda m: say(f"  train: {m}") if "snapshot" not in m else None)
    finally:
        tp.fit_booster, tb.fit_procedure = original_fit, original_procedure
    if not result.origins or chosen.get("fit") is None:
        raise SystemExit(f"training on {n_leads:,} leads ran no forward backtest ({result.regime}): "
                         "use a larger world (--leads)")
    fitted, examples = chosen["fitted"], chosen["examples"]
    fit_args, fit_kwargs = chosen["fit"]
    fit_inputs = dict(zip(FIT_ARGUMENTS, fit_args, strict=False)) | fit_kwargs
    _, moments = tp.forward_split(examples[AS_OF].unique(), config)
    calibration = examples.loc[examples[AS_OF].isin(moments).to_numpy()]
    test = result.origins[-1].test
    monotone = fit_inputs.get("monotone")
    X_test = fitted.encoder.transform(test)
    return {
        "config": config, "fit_args": fit_args, "fit_kwargs": fit_kwargs,
        "reference": fitted.window_booster, "categorical_index": list(fit_inputs["categorical_index"]),
        "params": fit_inputs["params"], "seed": fit_inputs["seed"],
        "monotone": list(monotone) if monotone is not None and any(monotone) else None,
        "X_fit": fit_inputs["X_fit"], "y_fit": fit_inputs["y_fit"],
        "X_val": fit_inputs["X_val"], "y_val": fit_inputs["y_val"],
        "X_cal": fitted.encoder.transform(calibration), "y_cal": calibration[LABEL].to_numpy(),
        "X_test": X_test, "y_test": test[LABEL].to_numpy(), "n_features": X_test.shape[1],
        "origin": result.origins[-1].moment.date().isoformat(),
    }


def fit_lightgbm(d: dict[str, Any], **overrides: Any):
    """The project's ``fit_booster`` call as captured; with ``overrides``, the same model's parameters
    (``get_params`` of the project's fitted model) with some changed, fitted the way fit_booster fits."""
    from lightgbm import early_stopping, log_evaluation
    from sklearn.base import clone

    from training.model import fit_booster

    if not overrides:
        return fit_booster(*d["fit_args"], **d["fit_kwargs"])
    model = clone(d["reference"]).set_params(**overrides)
    return model.fit(d["X_fit"], d["y_fit"], eval_X=(d["X_val"],), eval_y=(d["y_val"],), eval_metric="binary_logloss",
                     categorical_feature=d["categorical_index"],
                     callbacks=[early_stopping(d["params"].early_stopping_rounds, verbose=False), log_evaluation(0)])


def tree_depths(model) -> dict[str, float]:
    """Mean and max depth of the fitted trees (TreeSHAP's cost grows with trees × leaves × depth²)."""
    if hasattr(model, "booster_"):
        def depth(node: dict) -> int:
            if "split_index" not in node:
                return 0
            return 1 + max(depth(node["left_child"]), depth(node["right_child"]))

        depths = [depth(t["tree_structure"]) for t in model.booster_.dump_model()["tree_info"]]
    else:
        depths = [int(p[0].get_max_depth()) for p in model._predictors]
    return {"trees": len(depths), "mean_depth": float(np.mean(depths)), "max_depth": int(np.max(depths))}


def fit_hgb(d: dict[str, Any], native_categories: bool):
    """HGB with the settings that match the project's LightGBM parameters, early-stopped on the same slice,
    with the same monotone constraints (HGB does not allow them on categorical features: left 0 there)."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    p = d["params"]
    monotone = d["monotone"]
    if monotone is not None and native_categories:
        monotone = [0 if j in d["categorical_index"] else m for j, m in enumerate(monotone)]
    model = HistGradientBoostingClassifier(
        learning_rate=p.learning_rate, max_iter=p.n_estimators, max_leaf_nodes=p.num_leaves,
        min_samples_leaf=p.min_child_samples, l2_regularization=p.reg_lambda, max_features=p.colsample_bytree,
        early_stopping=True, n_iter_no_change=p.early_stopping_rounds, scoring="loss",
        categorical_features=d["categorical_index"] if native_categories else None,
        monotonic_cst=monotone, random_state=d["seed"],
    )
    return model.fit(d["X_fit"], d["y_fit"], X_val=d["X_val"], y_val=d["y_val"])


def evaluate(model, d: dict[str, Any]) -> dict[str, float]:
    """Test ROC AUC and log loss, raw and after the project's sigmoid fitted on the calibration window."""
    from sklearn.metrics import log_loss, roc_auc_score

    from scoring.calibration import SigmoidCalibrator

    raw = model.predict_proba(d["X_test"])[:, 1]
    p = SigmoidCalibrator.fit(margin_of(model, d["X_cal"]), d["y_cal"]).probability(margin_of(model, d["X_test"]))
    eps = 1e-6
    return {
        "roc_auc": float(roc_auc_score(d["y_test"], raw)),
        "log_loss_raw": float(log_loss(d["y_test"], np.clip(raw, eps, 1 - eps))),
        "log_loss_sigmoid_calibrated": float(log_loss(d["y_test"], np.clip(p, eps, 1 - eps))),
        "roc_auc_calibrated": float(roc_auc_score(d["y_test"], p)),
    }


def margin_of(model, X: np.ndarray) -> np.ndarray:
    if hasattr(model, "booster_"):
        return model.predict(X, raw_score=True)
    return model.decision_function(X)


def shap_lightgbm(model, X: np.ndarray) -> np.ndarray:
    return model.predict(X, pred_contrib=True)  # n × (p + 1), last column the base value


def shap_hgb(model, X: np.ndarray) -> tuple[np.ndarray, float]:
    import shap

    t0 = time.perf_counter()
    explainer = shap.TreeExplainer(model)
    build = time.perf_counter() - t0
    values = explainer.shap_values(X, check_additivity=False)
    values = values[..., 1] if values.ndim == 3 else values
    base = np.atleast_1d(explainer.expected_value)
    base = base[-1] if base.size > 1 else base[0]
    return np.column_stack([values, np.full(len(X), base)]), build


def additivity_error(contributions: np.ndarray, margin: np.ndarray) -> float:
    """Largest |Σφ + base − margin| over the rows, in log-odds."""
    return float(np.max(np.abs(contributions.sum(axis=1) - margin)))


def one_row_latency(fn, calls: int = 500) -> float:
    return measure.latency(fn, calls, warmup=20)["p50_ms"]


def measure_model(name: str, model: Any, d: dict[str, Any], X_shap: np.ndarray, one: np.ndarray,
                  args: argparse.Namespace) -> dict[str, Any]:
    """Accuracy, tree sizes, SHAP time and additivity, and one-row latencies of one fitted model."""
    iterations = int(model.best_iteration_ or model.n_estimators) if hasattr(model, "booster_") \
        else int(model.n_iter_)
    scores = evaluate(model, d)
    say(f"  ROC AUC {scores['roc_auc']:.4f}, log loss (calibrated) {scores['log_loss_sigmoid_calibrated']:.4f}, "
        f"{iterations} iterations")
    margin = margin_of(model, X_shap)
    entry: dict[str, Any] = {"iterations": iterations, **scores, **tree_depths(model)}
    say(f"  SHAP for {args.shap_rows:,} rows")
    if hasattr(model, "booster_"):
        m_shap, contrib = measure.measure(f"shap {name}", lambda model=model: shap_lightgbm(model, X_shap),
                                          args.repeats)
        entry["shap_method"] = "LightGBM predict(pred_contrib=True)"
        # the project's own call (LeadBooster.contributions), and the booster on one thread
        explain_one = getattr(model, "contributions", None) or (lambda X, m=model: m.predict(X, pred_contrib=True))
        entry["explain_one_row_ms"] = one_row_latency(lambda f=explain_one: f(one))
        entry["explain_one_row_1_thread_ms"] = one_row_latency(
            lambda model=model: model.booster_.predict(one, pred_contrib=True, num_threads=1))
        m_one, _ = measure.measure(f"shap 1 thread {name}", lambda model=model: model.predict(
            X_shap, pred_contrib=True, num_threads=1), args.repeats, keep_last=False)
        entry["shap_1_thread"] = m_one.as_dict()
    else:
        try:
            m_shap, (contrib, build) = measure.measure(f"shap {name}", lambda model=model: shap_hgb(model, X_shap),
                                                       args.repeats)
            entry["shap_method"] = "shap.TreeExplainer(model).shap_values"
            entry["explainer_build_s"] = build
            import shap

            explainer = shap.TreeExplainer(model)
            entry["explain_one_row_ms"] = one_row_latency(
                lambda explainer=explainer: explainer.shap_values(one, check_additivity=False), 200)
        except Exception as exc:  # shap may refuse a model: record why
            say(f"  SHAP failed: {exc.__class__.__name__}: {exc}")
            entry["shap_error"] = f"{exc.__class__.__name__}: {str(exc)[:300]}"
            m_shap, contrib = None, None
    if m_shap is not None:
        entry["shap"] = m_shap.as_dict()
        entry["shap_rows_per_s"] = args.shap_rows / m_shap.median
        entry["shap_additivity_max_error"] = additivity_error(contrib, margin)
        say(f"  SHAP {m_shap.median:.3f} s ({entry['shap_rows_per_s']:.0f} rows/s), additivity error "
            f"{entry['shap_additivity_max_error']:.2e}")
    entry["predict_one_row_ms"] = one_row_latency(lambda model=model: model.predict_proba(one))
    if hasattr(model, "booster_"):
        entry["predict_one_row_1_thread_ms"] = one_row_latency(
            lambda model=model: model.booster_.predict(one, num_threads=1))
    return entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3, help="fits per model (median fit time)")
    parser.add_argument("--shap-rows", type=int, default=10_000)
    parser.add_argument("--no-variants", action="store_true",
                        help="skip the LightGBM variants (n_jobs=1; max_depth=4) that show where SHAP time goes")
    args = parser.parse_args()

    info = machine.announce()
    d = training_examples(args.leads, args.seed)
    n_fit = len(d["y_fit"])
    say(f"examples of the backtest origin {d['origin']}: fit {n_fit:,} (+{len(d['y_val']):,} early-stopping), "
        f"calibration {len(d['y_cal']):,}, test {len(d['y_test']):,} ({int(d['y_test'].sum()):,} positives), "
        f"{d['n_features']} features ({len(d['categorical_index'])} categorical), monotone constraints: "
        f"{sum(1 for m in d['monotone'] or [] if m)}")
    rng = np.random.default_rng(0)
    pool = np.vstack([d["X_test"], d["X_cal"]])
    X_shap = pool[rng.choice(len(pool), args.shap_rows, replace=len(pool) < args.shap_rows)]
    one = d["X_test"][:1]

    candidates = {
        "LightGBM (project)": lambda: fit_lightgbm(d),
        "HGB, ordinal codes": lambda: fit_hgb(d, native_categories=False),
        "HGB, native categorical": lambda: fit_hgb(d, native_categories=True),
    }
    if not args.no_variants:
        candidates["LightGBM, n_jobs=1"] = lambda: fit_lightgbm(d, n_jobs=1)
        if tree_depths(d["reference"])["max_depth"] > 4:  # only informative when the project's trees are deeper
            candidates["LightGBM, max_depth=4"] = lambda: fit_lightgbm(d, max_depth=4)
    results: dict[str, Any] = {"args": vars(args), "machine": info, "threads": N_JOBS_NOTE, "origin": d["origin"],
                               "monotone_constraints": sum(1 for m in d["monotone"] or [] if m),
                               "rows": {"fit": n_fit, "early_stopping": len(d["y_val"]),
                                        "calibration": len(d["y_cal"]), "test": len(d["y_test"]),
                                        "test_positives": int(d["y_test"].sum()), "shap_rows": args.shap_rows},
                               "models": {}}
    for name, fit in candidates.items():
        say(f"{name}: fitting ({args.repeats}×)")
        m_fit, model = measure.measure(f"fit {name}", fit, args.repeats)
        results["models"][name] = {"fit": m_fit.as_dict(), **measure_model(name, model, d, X_shap, one, args)}
    results["load_average_end"] = machine.load_average()
    report.write_results("models", results, write_up(results, args))


def write_up(results: dict[str, Any], args: argparse.Namespace) -> str:
    """The tables on stdout and the Markdown of ``results/models.md``."""
    info = results["machine"]
    base = results["models"]["LightGBM (project)"]
    header = ("model", "test ROC AUC", "log loss (raw)", "log loss (sigmoid-cal.)", "trees", "mean / max depth",
              "fit (median)", f"SHAP {args.shap_rows // 1000}k rows", "SHAP rows/s", "SHAP 1 thread",
              "SHAP additivity error", "predict 1 row", "explain 1 row")
    rows = []
    for name, e in results["models"].items():
        shap_s = e.get("shap", {}).get("median_s")
        one_thread = e.get("shap_1_thread", {}).get("median_s")
        rows.append((
            name, f"{e['roc_auc']:.4f}", f"{e['log_loss_raw']:.4f}", f"{e['log_loss_sigmoid_calibrated']:.4f}",
            e["iterations"], f"{e['mean_depth']:.1f} / {e['max_depth']}", f"{e['fit']['median_s']:.2f} s",
            f"{shap_s:.3f} s" if shap_s else "failed", f"{e['shap_rows_per_s']:.0f}" if shap_s else "—",
            f"{one_thread:.3f} s" if one_thread else "(1 thread)",
            f"{e['shap_additivity_max_error']:.1e}" if shap_s else e.get("shap_error", "—")[:60],
            f"{e['predict_one_row_ms']:.2f} ms" + (f" ({e['predict_one_row_1_thread_ms']:.2f} ms 1 thr.)"
                                                  if "predict_one_row_1_thread_ms" in e else ""),
            (f"{e['explain_one_row_ms']:.2f} ms" + (f" ({e['explain_one_row_1_thread_ms']:.2f} ms 1 thr.)"
                                                   if "explain_one_row_1_thread_ms" in e else ""))
            if "explain_one_row_ms" in e else "—",
        ))
    ratios = []
    for name, e in results["models"].items():
        if name == "LightGBM (project)":
            continue
        shap_ratio = (e["shap"]["median_s"] / base["shap"]["median_s"]) if "shap" in e else float("nan")
        ratios.append((name, f"{e['roc_auc'] - base['roc_auc']:+.4f}",
                       f"{e['log_loss_sigmoid_calibrated'] - base['log_loss_sigmoid_calibrated']:+.4f}",
                       f"{e['fit']['median_s'] / base['fit']['median_s']:.2f}×", f"{shap_ratio:.1f}×"))
    print()
    report.print_table(header, rows)
    print()
    ratio_header = ("vs LightGBM", "Δ ROC AUC", "Δ log loss (cal.)", "fit time ratio", "SHAP time ratio")
    report.print_table(ratio_header, ratios)
    r = results["rows"]
    md = [
        "# LightGBM vs HistGradientBoosting on leadscore's training examples",
        "",
        f"`.venv/bin/python benchmarks/models.py --leads {args.leads}` — generated world of {args.leads:,} leads "
        f"(seed {args.seed}); examples exactly as `train_event` builds them: fit {r['fit']:,} rows "
        f"(+{r['early_stopping']:,} for early stopping), calibration {r['calibration']:,}, test {r['test']:,} "
        f"({r['test_positives']:,} positives); {results['monotone_constraints']} monotone constraints, given to "
        "LightGBM and HGB alike.",
        f"Machine: {machine.describe(info, 'lightgbm', 'sklearn', 'shap')}. {machine.load_note()}. "
        f"{N_JOBS_NOTE} Fit and SHAP times are medians of {args.repeats}. {machine.code_note(info['code'])}",
        "",
        report.md_table(header, rows),
        "",
        report.md_table(ratio_header, ratios),
        "",
        "Variants: *LightGBM, n_jobs=1* is the project's model fitted and explained on one thread; *LightGBM, "
        "max_depth=4* (only when the project's trees are deeper than 4) adds a depth limit to the project's "
        "parameters (TreeSHAP's cost grows with depth²). *SHAP 1 thread*: LightGBM's `pred_contrib` with "
        "`num_threads=1` (shap's TreeExplainer on HGB runs on one thread anyway: its CPU time equals its wall "
        "time). *predict 1 row*: `predict_proba` through the scikit-learn API (LightGBM in brackets: "
        "`booster_.predict`, one thread); *explain 1 row*: LightGBM as the project calls it "
        "(`LeadBooster.contributions`; in brackets `booster_.predict(pred_contrib=True, num_threads=1)`), HGB "
        "`TreeExplainer.shap_values`. Medians of 500 calls.",
        "",
        "*log loss (sigmoid-cal.)*: after the project's calibration step (sigmoid fitted on the calibration window), "
        "which is what is served. *SHAP additivity error*: max |Σφ + base − margin| in log-odds over the SHAP rows; "
        "anything above ~1e-6 means the explanations do not add up to the prediction.",
        "",
    ]
    return "\n".join(md)


if __name__ == "__main__":
    main()
