"""Baselines the model must beat, measured in the same run on the same test window.

* **Points scorecard**: what marketing teams build by hand: points for role, company size, channel and
  recent actions. Its score is mapped to a probability by a one-variable logistic fit on the
  calibration window, so its log loss and calibration are comparable with the model's.
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

_SENIORITY_POINTS = {"c_level_owner": 20, "vp_director": 15, "head_lead": 10, "manager": 5,
                     "individual_contributor": 0, "student_intern": -15}
_SOURCE_POINTS = {"referral": 10, "partner": 10, "webinar": 5, "trade_show": 5, "web_form": 5}


def _column(features: pd.DataFrame, name: str, default: float = 0.0) -> np.ndarray:
    if name not in features.columns:
        return np.full(len(features), default)
    return np.nan_to_num(features[name].to_numpy(dtype=np.float64), nan=default)


def scorecard_points(features: pd.DataFrame) -> np.ndarray:
    """A typical hand-made lead score (0–100-ish) from role, size, channel and last-30-day actions."""
    points = np.zeros(len(features))
    if "seniority" in features.columns:
        points += features["seniority"].map(_SENIORITY_POINTS).fillna(0).to_numpy(dtype=np.float64)
    if "lead_source" in features.columns:
        points += features["lead_source"].map(_SOURCE_POINTS).fillna(0).to_numpy(dtype=np.float64)
    if "email_domain_kind" in features.columns:
        points -= 10 * (features["email_domain_kind"] == "free").to_numpy(dtype=np.float64)
    employees = np.expm1(_column(features, "employee_count_log", np.nan))
    points += np.where((employees >= 50) & (employees <= 1000), 10, np.where(employees > 1000, 5, 0))
    points += 25 * np.minimum(_column(features, "n_demo_request_30d"), 1)
    points += 20 * np.minimum(_column(features, "n_trial_signup_30d"), 1)
    points += 5 * np.minimum(_column(features, "n_pricing_page_view_30d"), 3)
    points += 10 * np.minimum(_column(features, "n_webinar_attendance_30d"), 1)
    points += 5 * np.minimum(_column(features, "n_content_download_30d"), 2)
    points += 2 * np.minimum(_column(features, "n_email_click_30d"), 5)
    points -= 20 * _column(features, "unsubscribed")
    return points


class PointsScorecard:
    """The scorecard with a one-variable logistic map from points to probability."""

    def fit(self, features: pd.DataFrame, y: np.ndarray) -> PointsScorecard:
        self.logistic_ = LogisticRegression().fit(scorecard_points(features).reshape(-1, 1), y)
        return self

    def predict_proba(self, features: pd.DataFrame) -> np.ndarray:
        return self.logistic_.predict_proba(scorecard_points(features).reshape(-1, 1))


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
