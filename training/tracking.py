"""One MLflow run per training: params, dataset fingerprint, metrics, plots, model card, the model.

Then registration and the promotion gate. The champion alias is the very last thing touched, so a run
that fails anywhere before leaves the model in use exactly as it was.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow import MlflowClient

import scoring
from scoring.artifacts import BUNDLE_FILE, save_bundle
from scoring.signature import signature as pyfunc_signature
from training.config import TrainConfig
from training.dataset import AS_OF, LABEL
from training.metrics import classification_metrics
from training.model_card import model_card
from training.plots import calibration_plot, lift_plot, shap_summary_plot
from training.registry import CHALLENGER, SHA_TAG, alias_version, load_version, set_champion
from training.train import TrainResult

PYFUNC_CODE = Path(scoring.__file__).with_name("pyfunc.py")
ChampionFeatures = Callable[[Any], pd.DataFrame]
#: The run artifact holding the evaluation leads: id, snapshot moment, outcome and the model's probability.
EVALUATION_FILE = "evaluation.parquet"


class ChampionNotComparable(ValueError):
    """The current champion cannot be scored on this run's test rows (another mode, label or columns)."""


@dataclass
class LoggedRun:
    run_id: str
    model_version: str
    promoted: bool
    decision: str
    metrics: dict[str, float]
    champion_metrics: dict[str, float] = field(default_factory=dict)


def fingerprint(paths: Mapping[str, str | Path]) -> dict[str, str]:
    """SHA-256 of each whole input file (MLflow's own dataset digest only looks at the first rows)."""
    out = {}
    for name, path in paths.items():
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        out[name] = digest.hexdigest()
    return out


def gate(new: dict[str, float], champion: dict[str, float], auc_tolerance: float) -> tuple[bool, str]:
    """Promote when the challenger is not worse on the same test window: AUC within the tolerance and a
    log loss no higher (the probabilities must not get worse for the ranking to be allowed to wobble)."""
    auc_ok = new["roc_auc"] >= champion["roc_auc"] - auc_tolerance
    loss_ok = new["log_loss"] <= champion["log_loss"]
    if auc_ok and loss_ok:
        return True, "promoted: not worse than the champion on the same test window"
    reasons = []
    if not auc_ok:
        reasons.append(f"ROC AUC {new['roc_auc']:.4f} < champion {champion['roc_auc']:.4f} - {auc_tolerance}")
    if not loss_ok:
        reasons.append(f"log loss {new['log_loss']:.4f} > champion {champion['log_loss']:.4f}")
    return False, "kept champion: " + "; ".join(reasons)


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
    extra_artifacts: Mapping[str, Mapping[str, Any]] | None = None,
) -> LoggedRun:
    """Log ``result`` to MLflow, register the bundle, and apply the promotion policy.

    ``champion_features(bundle)`` must return the current champion's feature frame for the evaluation leads
    (so both models are judged on exactly the same leads and labels), or raise :class:`ChampionNotComparable`.
    """
    client = MlflowClient()
    _use_experiment(config.experiment)
    with mlflow.start_run() as run, tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        mlflow.log_params({k: str(v)[:500] for k, v in config.as_params().items()})
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
        if not result.test.empty:  # the evaluation leads' outcomes and probabilities: plots, the gate, notebooks
            columns = [c for c in (AS_OF, LABEL, "probability") if c in result.test]
            result.test[columns].reset_index().to_parquet(scratch / EVALUATION_FILE, index=False)
            mlflow.log_artifact(str(scratch / EVALUATION_FILE))
        prints = fingerprint(inputs)
        mlflow.set_tags({f"input_sha256.{k}": v for k, v in prints.items()})
        test = result.test
        dataset = mlflow.data.from_pandas(
            test.reset_index()[[c for c in test.reset_index().columns if c != "probability"]].head(50_000),
            source=";".join(str(p) for p in inputs.values()), name="test_window", targets=LABEL,
            digest=hashlib.sha256("".join(sorted(prints.values())).encode()).hexdigest()[:32],
        )
        mlflow.log_input(dataset, context="test")

        mlflow.log_metrics({k: v for k, v in result.metrics.items() if np.isfinite(v)})
        for name, values in result.baselines.items():
            mlflow.log_metrics({f"baseline_{name}_{k}": v for k, v in values.items() if np.isfinite(v)})
        if extra_metrics:
            mlflow.log_metrics(dict(extra_metrics))
        mlflow.log_dict(result.calibration.__dict__, "calibration_choice.json")
        if data_report:
            mlflow.log_dict(dict(data_report), "data_report.json")
        for file_name, content in (extra_artifacts or {}).items():
            mlflow.log_dict(dict(content), file_name)

        progress("plotting calibration, gains and SHAP summary")
        y = test[LABEL].to_numpy()
        bundle = result.bundle
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
            registered_model_name=config.model_name,
            pip_requirements=[],
        )
        version = str(info.registered_model_version)
        client.set_model_version_tag(config.model_name, version, SHA_TAG, sha)
        client.set_registered_model_alias(config.model_name, CHALLENGER, version)

        promoted, decision, champion_metrics = _decide(result, config, champion_features)
        mlflow.set_tag("promotion", decision)
        mlflow.log_metrics({f"champion_{k}": v for k, v in champion_metrics.items()})
        if promoted:
            set_champion(config.model_name, version)
        progress(decision)
        return LoggedRun(run.info.run_id, version, promoted, decision, dict(result.metrics), champion_metrics)


def _decide(result: TrainResult, config: TrainConfig, champion_features: ChampionFeatures
            ) -> tuple[bool, str, dict[str, float]]:
    current = alias_version(config.model_name, "champion")
    if config.promote == "never":
        return False, "registered only (--promote never)", {}
    if current is None:
        return True, "promoted: first champion", {}
    champion, _ = load_version(config.model_name, "champion")
    try:
        ours, theirs, where = _judged_together(result, champion, champion_features)
    except ChampionNotComparable as exc:
        if config.promote == "always":
            return True, f"promoted (--promote always) over champion v{current}, not comparable: {exc}", {}
        return False, f"kept champion v{current}: cannot compare ({exc}); promote by hand if intended", {}
    if config.promote == "always":
        return True, f"promoted (--promote always) over champion v{current}", theirs
    promoted, decision = gate(ours, theirs, config.auc_tolerance)
    return promoted, f"{decision} (champion v{current}, {where})", theirs


_GATE_METRICS = ("roc_auc", "log_loss", "ece", "brier", "pr_auc")


def _judged_together(result: TrainResult, champion: Any, champion_features: ChampionFeatures,
                     ) -> tuple[dict[str, float], dict[str, float], str]:
    """Both models' metrics on the same leads, without either having seen those leads' outcomes.

    At a backtest origin both runs judged (the same leads, each procedure trained only on what was labelled
    by then), the recorded metrics are compared. Otherwise the champion scores this run's evaluation leads, but
    only if it was trained on data that ended before them: a champion that saw their outcomes would be judged
    on its own training data."""
    recorded = {o["origin"]: o for o in (champion.info or {}).get("backtest", [])}
    shared = [o for o in result.origins if o.moment.date().isoformat() in recorded]
    if shared:
        origin = shared[-1]
        theirs = recorded[origin.moment.date().isoformat()]
        return ({k: origin.metrics[k] for k in _GATE_METRICS},
                {k: float(theirs[k]) for k in _GATE_METRICS if k in theirs}, f"backtest origin {origin.moment.date()}")
    test = result.test
    if AS_OF in test and champion.info.get("data_end"):
        moment = pd.Timestamp(test[AS_OF].max())
        if pd.Timestamp(champion.info["data_end"]) > moment:
            raise ChampionNotComparable(f"the champion's training data reach {champion.info['data_end'][:10]}, after "
                                        f"this run's evaluation moment {moment.date()}, and share no backtest origin")
    features = champion_features(champion)
    y = test[LABEL].to_numpy()
    theirs = {k: v for k, v in classification_metrics(y, champion.probability(features)).items() if k in _GATE_METRICS}
    return result.metrics, theirs, "this run's evaluation leads"


def _use_experiment(name: str) -> None:
    """Use (or create) the experiment. A new experiment on a SQLite store keeps its artifacts in ``mlruns/``
    beside the database file, not wherever the process happens to run."""
    uri = mlflow.get_tracking_uri()
    if mlflow.get_experiment_by_name(name) is None and uri.startswith("sqlite:///"):
        folder = Path(uri.removeprefix("sqlite:///")).parent / "mlruns"
        mlflow.create_experiment(name, artifact_location=folder.resolve().as_uri())
    mlflow.set_experiment(name)


def run_summary(logged: LoggedRun) -> str:
    """The JSON line the CLI prints last."""
    keys = ("roc_auc", "pr_auc", "brier", "log_loss", "ece", "lift_top10", "capture_top10")
    return json.dumps({"run_id": logged.run_id, "model_version": logged.model_version, "promoted": logged.promoted,
                       "decision": logged.decision, "metrics": {k: round(logged.metrics[k], 5) for k in keys}})
