"""One MLflow run per training: params, dataset fingerprint, metrics, plots, model card, the model.

Then registration and the promotion gate (:mod:`training.gate`). The run starts before the data are read
(:func:`training_run`), so a training that fails leaves a ``FAILED`` run saying why; the champion alias is
the very last thing touched, so a run that fails anywhere before leaves the model in use exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient

import scoring
from scoring.artifacts import BUNDLE_FILE, save_bundle
from scoring.bundle import Mode
from scoring.contract import ModelContract
from scoring.signature import signature as pyfunc_signature
from training.config import TrainConfig
from training.dataset import AS_OF, LABEL
from training.environment import code_paths, pip_requirements
from training.gate import GatePolicy, Interval, better_than_chance, compare, intervals, verdict
from training.model_card import model_card
from training.plots import calibration_plot, lift_plot, shap_summary_plot
from training.reference import log_reference_profile, reference_rows
from training.registry import CHALLENGER, SHA_TAG, alias_version, load_version, record_contract, set_champion
from training.train import TrainResult

PYFUNC_CODE = Path(scoring.__file__).with_name("pyfunc.py")
ChampionFeatures = Callable[[Any], pd.DataFrame]
#: A last look before the champion moves (``leadscore retrain``'s shadow scoring): given the new bundle, the
#: gate's (promote?, decision), returns them kept or vetoed; it may log metrics into the run.
Review = Callable[[Any, bool, str], tuple[bool, str]]
#: The run artifact holding the evaluation leads: id, snapshot moment, outcome and the model's probability.
EVALUATION_FILE = "evaluation.parquet"
#: The leakage screen's verdict on every screened column (flat tables; declared extras in event mode).
LEAKAGE_REPORT_FILE = "leakage_report.json"


class ChampionNotComparable(ValueError):
    """The current champion cannot be scored on this run's test rows (another mode, label or columns)."""


@contextlib.contextmanager
def training_run(config: TrainConfig, mode: Mode) -> Iterator[mlflow.ActiveRun]:
    """The MLflow run of one training, open from the first file read to the promotion decision.

    A training that raises ends the run ``FAILED`` with the error as its ``error`` tag (MLflow's run context
    marks the status), so the tracking UI shows every attempt, not only the ones that got through."""
    _use_experiment(config.experiment)
    with mlflow.start_run(run_name=f"{mode} training") as run:
        mlflow.set_tags({"mode": mode, "registered_model": config.registered_name(mode)})
        mlflow.log_params({k: str(v)[:500] for k, v in config.as_params(mode).items()})
        try:
            yield run
        except BaseException as exc:
            mlflow.set_tag("error", f"{type(exc).__name__}: {exc}"[:5000])
            raise


@dataclass
class LoggedRun:
    run_id: str
    model_version: str
    promoted: bool
    decision: str
    metrics: dict[str, float]
    champion_metrics: dict[str, float] = field(default_factory=dict)


def fingerprint(paths: Mapping[str, str | Path]) -> dict[str, str]:
    """SHA-256 of each whole input (MLflow's own dataset digest only looks at the first rows): a file's bytes;
    a folder of part files (``--engine spark``), every file's path inside it and bytes, in path order. An
    input on a remote store (``s3a://…``) is not read again here: its value says so."""
    out = {}
    for name, given in paths.items():
        text = str(given)
        if "://" in text and not text.startswith("file:"):
            out[name] = f"not hashed (remote input {text})"
            continue
        path = Path(text.removeprefix("file:"))
        digest = hashlib.sha256()
        files = ([(p.relative_to(path).as_posix(), p) for p in sorted(path.rglob("*"))
                  if p.is_file() and not p.name.startswith((".", "_"))] if path.is_dir() else [("", path)])
        for inside, file in files:
            digest.update(inside.encode())
            with open(file, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
        out[name] = digest.hexdigest()
    return out


def _input_example(example: pd.DataFrame) -> pd.DataFrame:
    """Rows as the pyfunc takes them: text cells, empty ones None."""
    text = example.astype(object).map(lambda v: None if v is None or v != v else v if isinstance(v, str) else str(v))
    return text.astype(object).where(text.notna(), None)


def log_and_register(
    result: TrainResult,
    config: TrainConfig,
    inputs: Mapping[str, str | Path],
    champion_features: ChampionFeatures,
    input_example: pd.DataFrame,
    extra_metrics: Mapping[str, float] | None = None,
    data_report: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] = lambda _: None,
    review: Review | None = None,
) -> LoggedRun:
    """Log ``result`` to MLflow, register the bundle, and apply the promotion policy.

    Logs into the active run (:func:`training_run`), or a run of its own. ``champion_features(bundle)`` must
    return the current champion's feature frame for the evaluation leads (so both models are judged on
    exactly the same leads and labels), or raise :class:`ChampionNotComparable`. ``review``: see :data:`Review`.
    """
    client = MlflowClient()
    mode = result.bundle.mode
    name = config.registered_name(mode)
    active = mlflow.active_run()
    opened = contextlib.nullcontext(active) if active else training_run(config, mode)
    with opened as run, tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        mlflow.log_params({"calibration_method": result.calibration.method, "best_iteration": result.best_iteration,
                           "regime": result.regime, "evaluation": result.evaluation[:500],
                           **{f"rows_{k}": v for k, v in result.rows.items()}})
        if result.windows:
            mlflow.log_params({f"window_{k}": v for k, v in result.windows.items()})
        if result.search:
            chosen = min(result.search, key=lambda row: row["log_loss"])
            mlflow.log_params({f"chosen.{k}": v for k, v in chosen.items() if k != "log_loss"})
            mlflow.log_table(pd.DataFrame(result.search), "search.json")
        for origin in result.origins:
            mlflow.log_metrics({f"origin_{k}": v for k, v in origin.metrics.items() if np.isfinite(v)},
                               step=int(origin.moment.timestamp() // 86_400))
        if result.origins:
            mlflow.log_table(pd.DataFrame([o.summary() for o in result.origins]), "backtest.json")
        evaluation = evaluation_rows(result)
        if not evaluation.empty:  # the evaluation leads' outcomes and probabilities: plots, the gate, notebooks
            evaluation.to_parquet(scratch / EVALUATION_FILE, index=False)
            mlflow.log_artifact(str(scratch / EVALUATION_FILE))
        log_reference_profile(result.bundle, reference_rows(result.reference, result.test))
        prints = fingerprint(inputs)
        mlflow.set_tags({f"input_sha256.{k}": v for k, v in prints.items()})
        test = result.test
        judged = LABEL in test.columns and not test.empty  # a points model on a history with nothing labelled yet
        if judged:
            dataset = mlflow.data.from_pandas(
                test.reset_index()[[c for c in test.reset_index().columns if c != "probability"]].head(50_000),
                source=";".join(str(p) for p in inputs.values()), name="test_window", targets=LABEL,
                digest=hashlib.sha256("".join(sorted(prints.values())).encode()).hexdigest()[:32],
            )
            mlflow.log_input(dataset, context="test")

        mlflow.log_metrics({k: v for k, v in result.metrics.items() if np.isfinite(v)})
        for baseline, values in result.baselines.items():
            mlflow.log_metrics({f"baseline_{baseline}_{k}": v for k, v in values.items() if np.isfinite(v)})
        if extra_metrics:
            mlflow.log_metrics(dict(extra_metrics))
        mlflow.log_dict(result.calibration.__dict__, "calibration_choice.json")
        if data_report:
            mlflow.log_dict(dict(data_report), "data_report.json")
        if result.leakage is not None:
            mlflow.log_dict(result.leakage.to_dict(), LEAKAGE_REPORT_FILE)
            mlflow.log_metrics({"leakage_flagged": len(result.leakage.flagged),
                                "leakage_excluded": len(result.leakage.excluded)})

        bundle = result.bundle
        if judged:  # plots of how the model did need leads it was judged on
            progress("plotting calibration, gains and SHAP summary")
            y = test[LABEL].to_numpy()
            X_test = bundle.matrix(test)
            predictions = {"leadscore": test["probability"].to_numpy()}
            calibration_plot(y, predictions, scratch / "calibration_curve.png")
            lift_plot(y, predictions, scratch / "gains_chart.png")
            sample = np.random.default_rng(config.seed).permutation(len(X_test))[:2000]
            shap_values = bundle.model.contributions(X_test[sample])[:, :-1]
            shap_summary_plot(shap_values, X_test[sample], bundle.catalogue.names, scratch / "shap_summary.png")
            for png in ("calibration_curve.png", "gains_chart.png", "shap_summary.png"):
                mlflow.log_artifact(str(scratch / png), "plots")
        (scratch / "model_card.md").write_text(model_card(result, config, prints))
        mlflow.log_artifact(str(scratch / "model_card.md"))
        (scratch / "features.md").write_text(bundle.catalogue.to_markdown("en"))
        mlflow.log_artifact(str(scratch / "features.md"))

        progress("logging and registering the model")
        bundle.info["run_id"] = run.info.run_id
        sha = save_bundle(bundle, scratch / BUNDLE_FILE)
        signature = pyfunc_signature(bundle)
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(PYFUNC_CODE),
            artifacts={"bundle": str(scratch / BUNDLE_FILE)},
            model_config={SHA_TAG: sha},
            signature=signature,
            input_example=_input_example(input_example),
            registered_model_name=name,
            code_paths=code_paths(),  # features/ and scoring/: the model loads where leadscore is not installed
            pip_requirements=pip_requirements(),  # the versions this run was trained and checked with
        )
        version = str(info.registered_model_version)
        client.set_model_version_tag(name, version, SHA_TAG, sha)
        record_contract(name, version, ModelContract.of(bundle), result.regime)
        client.set_registered_model_alias(name, CHALLENGER, version)

        promoted, decision, comparison = _decide(result, config, champion_features)
        if review is not None:
            promoted, decision = review(bundle, promoted, decision)
        mlflow.set_tag("promotion", decision)
        champion_metrics: dict[str, float] = {}
        if comparison is not None:
            mlflow.log_metrics(comparison.metrics())
            mlflow.log_dict(comparison.to_dict(), "gate.json")
            champion_metrics = {k: v.value for k, v in comparison.champion.items()}
        if promoted:
            set_champion(name, version, force=config.promote == "always", just_registered=True)
        progress(decision)
        return LoggedRun(run.info.run_id, version, promoted, decision, dict(result.metrics), champion_metrics)


def evaluation_rows(result: TrainResult) -> pd.DataFrame:
    """Every lead the run was judged on, one row per (lead, moment): each backtest origin's open leads, or the
    out-of-fold rows; with the outcome and the probability the procedure gave then. The gate pairs a later
    run's rows with these at a shared origin."""
    parts = [o.test for o in result.origins] or [result.test]
    frames = [p[[c for c in (AS_OF, LABEL, "probability") if c in p]] for p in parts if not p.empty]
    if not frames:
        return pd.DataFrame()
    rows = pd.concat(frames)
    index = rows.index.name or "lead_id"
    return rows.rename_axis(index).reset_index().drop_duplicates([index, AS_OF] if AS_OF in rows else [index])


def _decide(result: TrainResult, config: TrainConfig, champion_features: ChampionFeatures):
    """(promote?, the decision in one sentence, the comparison with the champion if one was made)."""
    name = config.registered_name(result.bundle.mode)
    policy = GatePolicy(config.gate_min_conversions, config.gate_resamples, seed=config.seed)
    current = alias_version(name, "champion")
    if config.promote == "never":
        return False, "registered only (--promote never)", None
    if current is None:
        judged = _evaluation_auc(result, policy)
        chance = _no_better_than_chance(judged, policy)
        if chance and config.promote != "always":
            return False, (f"registered, not made champion: it ranks its evaluation leads no better than chance "
                           f"({chance}); check the conversions, or `leadscore promote VERSION` if intended"), None
        return True, "promoted: first champion" + _rough(judged, policy), None
    champion, _ = load_version(name, "champion")
    differences = ModelContract.of(result.bundle).differences(ModelContract.of(champion))
    if differences:
        if config.promote == "always":
            return True, f"promoted (--promote always) over champion v{current} despite: {'; '.join(differences)}", None
        return False, (f"kept champion v{current}: this model differs from it: {'; '.join(differences)}; promote it "
                       "with `leadscore promote VERSION --force` if intended"), None
    try:
        y, ours, theirs, groups, where = _judged_together(result, champion, champion_features)
    except ChampionNotComparable as exc:
        if config.promote == "always":
            return True, f"promoted (--promote always) over champion v{current}, not comparable: {exc}", None
        if why := _replaces_points_model(result, champion.info or {}):
            return True, f"promoted over champion v{current}: {why}", None
        return False, f"kept champion v{current}: cannot compare ({exc}); promote by hand if intended", None
    comparison = compare(y, ours, theirs, where, groups, policy)
    if config.promote == "always":
        return True, f"promoted (--promote always) over champion v{current}", comparison
    promoted, decision = verdict(comparison, policy)
    return promoted, f"{decision} (champion v{current}, {where})", comparison


def _replaces_points_model(result: TrainResult, champion: dict[str, Any]) -> str | None:
    """Why this run replaces a champion that is the points model (a stand-in until a history can be learned
    from) although the two cannot be judged on the same leads, else None: the same procedure on a longer
    history, or a learned model that beat the points model refitted on its own evaluation leads (as of the
    same moment, :func:`training.train.train_history`), which is the comparison the champion's procedure allows."""
    if champion.get("regime") != "rules" or not champion.get("data_end") or "data_end" not in result.bundle.info:
        return None
    theirs, ours = pd.Timestamp(champion["data_end"]), pd.Timestamp(result.bundle.info["data_end"])
    if ours < theirs:
        return None
    if result.regime == "rules":
        if ours == theirs:
            return None
        return (f"the points model on a longer history (to {ours.date()}, the champion's to {theirs.date()}); "
                "neither could be judged on leads whose horizon has elapsed")
    rules = result.baselines.get("rules")
    if rules and result.metrics.get("log_loss", np.inf) < rules["log_loss"]:
        return (f"a learned model that beat the points model on its evaluation leads (log loss "
                f"{result.metrics['log_loss']:.4f} < {rules['log_loss']:.4f}, ROC AUC {result.metrics['roc_auc']:.3f} "
                f"vs {rules['roc_auc']:.3f}), where the champion is the points model")
    return None


def _evaluation_auc(result: TrainResult, policy: GatePolicy) -> tuple[int, Interval] | None:
    """The evaluation leads' conversions and the model's ROC AUC interval on them; None when not evaluated."""
    test = result.test
    if test.empty or LABEL not in test or test[LABEL].nunique() < 2:
        return None
    auc = intervals(test[LABEL].to_numpy(), test["probability"].to_numpy(), pd.factorize(test.index)[0],
                    policy)["roc_auc"]
    return int(test[LABEL].sum()), auc


def _no_better_than_chance(judged: tuple[int, Interval] | None, policy: GatePolicy) -> str | None:
    """The ROC AUC interval when it reaches down to 0.5 on at least the gate's conversions; else None. Below
    them its interval is wide for any model (a short history's first model serves, with :func:`_rough`'s
    warning)."""
    if judged is None or judged[0] < policy.min_conversions or better_than_chance(judged[1]):
        return None
    return f"ROC AUC {judged[1].text(3)}"


def _rough(judged: tuple[int, Interval] | None, policy: GatePolicy) -> str:
    """A warning for a first champion judged on too few conversions, with its interval."""
    if judged is None:
        return " (not judged on its horizon: no labelled leads yet)"
    conversions, auc = judged
    if conversions >= policy.min_conversions:
        return ""
    return (f" (warning: only {conversions} conversions on its evaluation leads, < {policy.min_conversions}: "
            f"ROC AUC {auc.text(3)} is a rough figure)")


def _champion_evaluation(champion: Any) -> pd.DataFrame | None:
    """The champion run's evaluation rows (:func:`evaluation_rows`), or None if it logged none."""
    run_id = (champion.info or {}).get("run_id")
    if not run_id:
        return None
    try:
        with tempfile.TemporaryDirectory() as scratch:
            path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=EVALUATION_FILE, dst_path=scratch)
            return pd.read_parquet(path)
    except Exception:  # an older run without the file: the caller falls back to scoring the leads
        return None


def _judged_together(result: TrainResult, champion: Any, champion_features: ChampionFeatures,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, str]:
    """Both models' probabilities for the same leads, without either having seen those leads' outcomes:
    (outcomes, ours, theirs, lead groups, which leads).

    At a backtest origin both runs judged (the same leads, each procedure trained only on what was labelled
    by then), the recorded probabilities are paired lead by lead. Otherwise the champion scores this run's
    evaluation leads, but only if it was trained on data that ended before them: a champion that saw their
    outcomes would be judged on its own training data."""
    recorded = {o["origin"] for o in (champion.info or {}).get("backtest", [])}
    shared = [o for o in result.origins if o.moment.date().isoformat() in recorded]
    theirs_rows = _champion_evaluation(champion) if shared else None
    why = "they share no backtest origin"
    if shared and theirs_rows is not None and AS_OF in theirs_rows:
        origin = shared[-1]
        ours = origin.test.rename_axis("lead_id").reset_index()[["lead_id", LABEL, "probability"]]
        at = pd.to_datetime(theirs_rows[AS_OF], utc=True) == origin.moment
        theirs = theirs_rows.loc[at.to_numpy(), ["lead_id", "probability"]]
        paired = ours.merge(theirs, on="lead_id", suffixes=("", "_champion"))
        if len(paired) >= 0.9 * len(ours):  # the same leads (a few late-arriving ones aside)
            return (paired[LABEL].to_numpy(), paired["probability"].to_numpy(),
                    paired["probability_champion"].to_numpy(), pd.factorize(paired["lead_id"])[0],
                    f"backtest origin {origin.moment.date()}")
        why = (f"at their shared backtest origin {origin.moment.date()} only {len(paired) / max(len(ours), 1):.0%} "
               "of this run's evaluation leads are the champion's (the leads files differ)")
    test = result.test
    if AS_OF in test and champion.info.get("data_end"):
        moment = pd.Timestamp(test[AS_OF].max())
        if pd.Timestamp(champion.info["data_end"]) > moment:
            raise ChampionNotComparable(f"the champion's training data reach {champion.info['data_end'][:10]}, after "
                                        f"this run's evaluation moment {moment.date()}, and {why}")
    if test.empty:
        raise ChampionNotComparable("this run has no evaluation leads")
    features = champion_features(champion)
    return (test[LABEL].to_numpy(), test["probability"].to_numpy(), champion.probability(features),
            pd.factorize(test.index)[0], "this run's evaluation leads")


def _use_experiment(name: str) -> None:
    """Use (or create) the experiment. A new experiment on a SQLite store keeps its artifacts in ``mlruns/``
    beside the database file, not wherever the process happens to run."""
    uri = mlflow.get_tracking_uri()
    if mlflow.get_experiment_by_name(name) is None and uri.startswith("sqlite:///"):
        folder = Path(uri.removeprefix("sqlite:///")).parent / "mlruns"
        mlflow.create_experiment(name, artifact_location=folder.resolve().as_uri())
    mlflow.set_experiment(name)


def run_summary(logged: LoggedRun) -> str:
    """The JSON line the CLI prints last; ``metrics`` holds those the run measured (none for a points model
    that had no labelled leads to be judged on)."""
    keys = ("roc_auc", "pr_auc", "brier", "log_loss", "ece", "lift_top10", "capture_top10", "forward_check_leads",
            "forward_check_conversions", "forward_check_expected", "forward_check_roc_auc", "forward_check_ece")
    return json.dumps({"run_id": logged.run_id, "model_version": logged.model_version, "promoted": logged.promoted,
                       "decision": logged.decision,
                       "metrics": {k: round(logged.metrics[k], 5) for k in keys if k in logged.metrics}})
