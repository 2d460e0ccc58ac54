"""Baselines the model must beat, measured in the same run on the same test window.

* **Points scorecard**: what marketing teams build by hand: points for role, company size, channel and
  recent actions, as the rules file writes them (the rules regime's points, :mod:`training.rules`). Its
  score is mapped to a probability by a one-variable logistic fit on the calibration window, so its log loss
  and calibration are comparable with the model's.
* **Logistic regression** on the same features (one-hot categories, imputed and log-scaled numbers):
  the strongest simple model; the trees must earn their complexity against it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from features.catalogue import Catalogue
from training.rules import compile_rules, rules_encoder, total_points


class PointsScorecard:
    """The hand-written rules (``training/rules.toml``, or the user's ``rules_file``) as marketing would use
    them: each lead's total points, mapped to a probability by a one-variable logistic fit."""

    def __init__(self, catalogue: Catalogue, rules: list[dict[str, object]]):
        self.catalogue = catalogue
        self.rules = rules

    def fit(self, features: pd.DataFrame, y: np.ndarray) -> PointsScorecard:
        self.encoder_ = rules_encoder(self.catalogue, features)
        self.rules_ = compile_rules(self.rules, self.catalogue, self.encoder_)
        self.logistic_ = LogisticRegression().fit(self._points(features), y)
        return self

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        return self.logistic_.predict_proba(self._points(features))

    def _points(self, features: pd.DataFrame) -> np.ndarray:
        return total_points(self.rules_, self.encoder_.transform(features)).reshape(-1, 1)


def _signed_log(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def logistic_baseline(numeric: list[str], categorical: list[str], seed: int) -> Pipeline:
    """Logistic regression on the same feature columns as the model."""
    numbers = make_pipeline(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                            FunctionTransformer(_signed_log), StandardScaler())
    labels = make_pipeline(SimpleImputer(strategy="constant", fill_value="missing", keep_empty_features=True),
                           OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=30))
    columns = ColumnTransformer([("num", numbers, numeric), ("cat", labels, categorical)])
    return Pipeline([("columns", columns),
                     ("model", LogisticRegression(C=0.5, max_iter=2000, random_state=seed))])
