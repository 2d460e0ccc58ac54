"""Categorical draws shared by the parts of the world."""

from __future__ import annotations

import numpy as np


def categorical(rng: np.random.Generator, probs: np.ndarray, size: int) -> np.ndarray:
    probs = np.asarray(probs, dtype=float)
    return rng.choice(len(probs), size=size, p=probs / probs.sum())


def row_categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (rows, categories) probability matrix."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)

