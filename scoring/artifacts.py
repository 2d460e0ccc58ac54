"""Saving and loading the scoring bundle, never unpickling bytes whose checksum we did not verify.

A pickle runs code when loaded, so a tampered or truncated model file is not just a wrong model but a
security problem. The bundle's SHA-256 is recorded when it is saved (in the MLflow model version's
tags and in the MLmodel's ``model_config``); every loader recomputes it from the bytes on disk and
refuses to unpickle on any mismatch.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tempfile
from pathlib import Path

from scoring.bundle import ScoringBundle

BUNDLE_FILE = "bundle.pkl"


class IntegrityError(RuntimeError):
    """A model file does not match its recorded checksum: it is not loaded."""


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def save_bundle(bundle: ScoringBundle, path: str | Path) -> str:
    """Write the bundle atomically and return its SHA-256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as handle:
        pickle.dump(bundle, handle, protocol=pickle.HIGHEST_PROTOCOL)
        temporary = handle.name
    os.replace(temporary, path)
    return sha256_of(path)


def load_bundle(path: str | Path, expected_sha256: str) -> ScoringBundle:
    """Verify, then unpickle. Raises :class:`IntegrityError` before reading a single object otherwise."""
    if not expected_sha256:
        raise IntegrityError(f"{path}: no recorded checksum; refusing to load an unverified model file")
    data = Path(path).read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise IntegrityError(
            f"{path}: checksum mismatch (recorded {expected_sha256[:12]}…, file {actual[:12]}…); "
            "the model file is corrupt or was replaced, refusing to load it"
        )
    bundle = _Unpickler(io.BytesIO(data)).load()
    if not isinstance(bundle, ScoringBundle):
        raise IntegrityError(f"{path}: does not hold a leadscore scoring bundle")
    return bundle


# Compatibility: bundles pickled before 2026-12 name the run-time classes by their old modules in training/;
# remove after 2027-06-30.
_MOVED = {
    ("training.bundle", "ScoringBundle"): ("scoring.bundle", "ScoringBundle"),
    ("training.encoding", "FeatureEncoder"): ("scoring.encoding", "FeatureEncoder"),
    ("training.model", "LeadBooster"): ("scoring.booster", "LeadBooster"),
    ("training.tiers", "Tiers"): ("scoring.tiers", "Tiers"),
    ("training.tiers", "Grades"): ("scoring.tiers", "Grades"),
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> object:
        module, name = _MOVED.get((module, name), (module, name))
        return super().find_class(module, name)
