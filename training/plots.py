"""Plots people would rather look at than read: calibration, lift, SHAP summary. Saved as PNG files.

The backend is left to the caller (a notebook keeps its inline figures); without a display matplotlib
falls back to Agg by itself."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np


def calibration_plot(y: np.ndarray, predictions: dict[str, np.ndarray], path: Path, bins: int = 10) -> Path:
    """Observed vs predicted conversion rate in equal-count bins, one line per model."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    top = 0.0
    for name, p in predictions.items():
        order = np.argsort(p, kind="stable")
        chunks = [c for c in np.array_split(order, bins) if len(c)]
        mean_p = [float(p[c].mean()) for c in chunks]
        rate = [float(y[c].mean()) for c in chunks]
        top = max(top, *mean_p, *rate)
        ax.plot(mean_p, rate, marker="o", label=name)
    ax.plot([0, top], [0, top], linestyle="--", color="grey", label="perfectly calibrated")
    ax.set_xlabel("predicted conversion probability")
    ax.set_ylabel("observed conversion rate")
    ax.set_title("Calibration on the test window")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def lift_plot(y: np.ndarray, predictions: dict[str, np.ndarray], path: Path) -> Path:
    """Cumulative gains: share of all conversions found when calling the top x % of leads."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    share = np.linspace(0, 1, 101)
    for name, p in predictions.items():
        order = np.argsort(-p, kind="stable")
        found = np.concatenate([[0], np.cumsum(y[order])]) / max(1, y.sum())
        index = np.minimum((share * len(y)).astype(int), len(y))
        ax.plot(100 * share, 100 * found[index], label=name)
    ax.plot([0, 100], [0, 100], linestyle="--", color="grey", label="random order")
    ax.axvline(10, color="lightgrey", linewidth=0.8)
    ax.axvline(20, color="lightgrey", linewidth=0.8)
    ax.set_xlabel("% of leads called, best first")
    ax.set_ylabel("% of conversions captured")
    ax.set_title("Gains on the test window")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def shap_summary_plot(shap_values: np.ndarray, matrix: np.ndarray, names: list[str], path: Path,
                      max_display: int = 20) -> Path:
    """SHAP beeswarm: which features move scores, and in which direction for high vs low values."""
    import shap

    shap.summary_plot(shap_values, matrix, feature_names=names, show=False, max_display=max_display)
    fig = plt.gcf()
    fig.set_size_inches(8, 0.35 * max_display + 1.5)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
