"""The reference population a model is monitored against, stored with its training run.

A model is trained on a history and first scores the leads open at its end: those, at the end and at each of
the three weeks before it (event mode: a 7-day count depends on whether a campaign went out that week), or the
held-out rows (flat mode) are "the population the model was made for". (The open leads of the latest
evaluation moment, a horizon earlier, were the reference before: in a CRM months old the open leads age and
pile up within that horizon, so an unchanged world was flagged at the very moment it was trained on, as a
tester's 7-month CRM was: lead age PSI 0.86.) Their features and the probabilities the *served* model gives
them are binned once, at training time,
into a :class:`monitoring.drift.ReferenceProfile` (shares per bin, never rows) and logged as the run's
``reference_profile.json``. ``leadscore monitor`` later bins the leads it scores the same way and
compares (PSI per feature and on the score).
"""

from __future__ import annotations

import tempfile

import mlflow
import pandas as pd

from monitoring.drift import ReferenceProfile, build_profile
from scoring.bundle import ScoringBundle
from training.dataset import AS_OF

#: The run artifact holding the reference profile.
REFERENCE_PROFILE_FILE = "reference_profile.json"


class NoReferenceProfile(LookupError):
    """The model's run has no reference profile (trained before profiles were logged, or not evaluated)."""


def reference_rows(reference: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """The run's reference leads (event mode: those open in the last weeks of its data), else its evaluation
    leads at one moment: the latest snapshot's open leads, or every held-out row (flat mode, no moments)."""
    if len(reference):
        return reference
    if AS_OF in test.columns and len(test):
        test = test[test[AS_OF] == test[AS_OF].max()]
    return test


def reference_profile(bundle: ScoringBundle, rows: pd.DataFrame) -> ReferenceProfile | None:
    """The profile of the reference ``rows`` (:func:`reference_rows`): the model's input columns and the
    served model's probabilities for them (what it will be compared with later is also the served model's);
    None when there are no such leads."""
    if rows.empty:
        return None
    features = rows[list(bundle.catalogue.names)]
    return build_profile(features, bundle.probability(features))


def log_reference_profile(bundle: ScoringBundle, rows: pd.DataFrame) -> ReferenceProfile | None:
    """Build the profile of the reference ``rows`` and log it into the active MLflow run as
    :data:`REFERENCE_PROFILE_FILE`."""
    profile = reference_profile(bundle, rows)
    if profile is not None:
        mlflow.log_text(profile.to_json(), REFERENCE_PROFILE_FILE)
        mlflow.log_metric("reference_rows", profile.rows)
    return profile


def load_reference_profile(run_id: str | None, version: str = "?") -> ReferenceProfile:
    """The reference profile a model version's training run logged; :class:`NoReferenceProfile` if none."""
    if not run_id:
        raise NoReferenceProfile(f"model v{version} names no training run, so it has no reference profile")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=REFERENCE_PROFILE_FILE,
                                                       dst_path=scratch)
            with open(path, encoding="utf-8") as handle:
                return ReferenceProfile.from_json(handle.read())
    except Exception as exc:
        raise NoReferenceProfile(f"model v{version} (run {run_id}) has no {REFERENCE_PROFILE_FILE}: it was trained "
                                 "before reference profiles were logged; retrain it to monitor it") from exc
