"""The data the benchmarks run on: generated CRM worlds and a model trained on one, each made once and cached.

``.cache/world-N-seedS/`` holds the Parquet files of ``generate_world(WorldConfig(n_leads=N, seed=S))`` (the
1M-lead world takes about a minute and 270 MB once); ``.cache/model-N-seedS-<digest>/`` a private MLflow
store (SQLite + artifacts) with a model trained on such a world, keyed by the digest of the code that trained
it. The project's own ``mlflow.db``, ``mlruns/`` and ``models/`` are never touched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Any

from project import CACHE_DIR, PROJECT_DIR
from report import say

MODEL_NAME = "lead-scoring"
TRAINING_CODE = ("features", "scoring", "training")
"""The packages whose sources decide what a cached model is (a change to them trains a new one)."""


def world_dir(n_leads: int, seed: int) -> Path:
    return CACHE_DIR / f"world-{n_leads}-seed{seed}"


def cached_world(n_leads: int, seed: int = 1) -> dict[str, Path]:
    """Parquet files of ``generate_world(WorldConfig(n_leads, seed))``, generated once into ``.cache/``.

    Written to a temporary folder and renamed, so an interrupted generation never leaves a half world.
    """
    folder = world_dir(n_leads, seed)
    names = ("leads", "activities", "conversions", "truth")
    paths = {name: folder / f"{name}.parquet" for name in names}
    if all(p.exists() for p in paths.values()):
        return paths
    from leadscore.synthetic import WorldConfig, generate_world, write_world

    say(f"generating a world of {n_leads:,} leads (seed {seed}) into {folder} — once; later runs reuse it")
    t0 = time.perf_counter()
    world = generate_world(WorldConfig(n_leads=n_leads, seed=seed))
    say(f"  generated {len(world.leads):,} leads, {len(world.activities):,} activities in "
        f"{time.perf_counter() - t0:.0f} s; writing parquet")
    scratch = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(scratch, ignore_errors=True)
    write_world(world, scratch, "parquet")
    del world
    shutil.rmtree(folder, ignore_errors=True)
    scratch.rename(folder)
    say(f"  world cached in {time.perf_counter() - t0:.0f} s")
    return paths


def source_digest(*packages: str) -> str:
    """SHA-256 (12 hex digits) of the project's Python sources in ``packages``: a cache key that changes
    whenever the code that produced a cached artefact (e.g. a trained model) changes."""
    digest = hashlib.sha256()
    for package in packages:
        for path in sorted((PROJECT_DIR / package).rglob("*.py")):
            digest.update(str(path.relative_to(PROJECT_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def model_folder(n_leads: int, seed: int) -> Path:
    """``.cache/model-N-seedS-<digest>/``: the digest of the training code's sources, so that a model trained
    by older code (whose pickled bundle may not fit today's classes) is never reused."""
    return CACHE_DIR / f"model-{n_leads}-seed{seed}-{source_digest(*TRAINING_CODE)}"


def cached_model(n_leads: int, seed: int) -> dict[str, Any]:
    """A model trained once with ``training.run.train_from_files`` on the world of ``n_leads`` leads into
    :func:`model_folder` (SQLite store + artifacts): its URIs, training time and test metrics."""
    folder = model_folder(n_leads, seed)
    marker = folder / "model.json"
    if marker.exists():
        return json.loads(marker.read_text())
    stale = [*CACHE_DIR.glob(f"model-{n_leads}-seed{seed}-*"), CACHE_DIR / f"model-{n_leads}-seed{seed}"]
    for old in stale:
        shutil.rmtree(old, ignore_errors=True)  # trained by other code: useless now
    import mlflow

    from training.config import TrainConfig
    from training.registry import configure
    from training.run import train_from_files

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    paths = cached_world(n_leads, seed)
    uri = configure(f"sqlite:///{folder / 'mlflow.db'}")
    if mlflow.get_experiment_by_name(TrainConfig().experiment) is None:
        mlflow.create_experiment(TrainConfig().experiment, artifact_location=(folder / "artifacts").as_uri())
    say(f"training a model on {n_leads:,} leads into {folder} (once; later runs reuse it)")
    t0 = time.perf_counter()
    logged = train_from_files(paths["leads"], paths["activities"], paths["conversions"], TrainConfig(),
                              truth=paths["truth"], tracking_uri=uri, progress=lambda m: say(f"  train: {m}"))
    info = {"tracking_uri": uri, "model_uri": f"models:/{MODEL_NAME}/{logged.model_version}", "folder": str(folder),
            "train_leads": n_leads, "seed": seed, "train_seconds": time.perf_counter() - t0,
            "metrics": {k: v for k, v in logged.metrics.items() if k in ("roc_auc", "log_loss", "ece")}}
    marker.write_text(json.dumps(info, indent=2))
    return info


def load_bundle(model: dict[str, Any]) -> Any:
    """The :class:`scoring.bundle.ScoringBundle` of a :func:`cached_model`, loaded as the service loads it."""
    from serving.loader import load_model

    folder = Path(model["folder"])
    return load_model(model["model_uri"], folder / "served-in-process", model["tracking_uri"]).bundle
