"""The MLflow model registry as leadscore uses it: versions, aliases, checksums, promotion.

* Every trained version gets the alias ``challenger``. ``champion`` is the version in use; it moves
  only through the promotion gate (or by hand with ``leadscore promote`` / ``rollback``).
* Before ``champion`` moves, the old champion gets ``previous_champion``, so a rollback is one call.
* Each version carries the tag ``bundle_sha256``; :func:`download_verified_bundle` checks it (and the
  copy recorded in the MLmodel file) before anything is unpickled.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import yaml
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from training.artifacts import BUNDLE_FILE, IntegrityError, load_bundle, sha256_of
from training.bundle import ScoringBundle

CHAMPION = "champion"
CHALLENGER = "challenger"
PREVIOUS = "previous_champion"
SHA_TAG = "bundle_sha256"
DEFAULT_MODEL_NAME = "lead-scoring"


def default_tracking_uri(project_dir: str | Path | None = None) -> str:
    """``MLFLOW_TRACKING_URI`` if set, else a SQLite store ``mlflow.db`` in the project folder."""
    uri = os.environ.get("MLFLOW_TRACKING_URI")
    if uri:
        return uri
    folder = Path(project_dir or os.environ.get("LEADSCORE_HOME") or Path.cwd()).resolve()
    return f"sqlite:///{folder / 'mlflow.db'}"


def configure(tracking_uri: str | None = None) -> str:
    """Point MLflow at the store (and keep it offline and quiet)."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    uri = tracking_uri or default_tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


@dataclass(frozen=True)
class VersionInfo:
    name: str
    version: str
    aliases: tuple[str, ...]
    run_id: str
    metrics: dict[str, float]
    created: int
    sha256: str


def alias_version(name: str, alias: str) -> str | None:
    """The version an alias points to, or None if the alias (or the model) does not exist."""
    try:
        return str(MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def list_versions(name: str = DEFAULT_MODEL_NAME) -> list[VersionInfo]:
    """Every registered version, newest first, with its aliases and test-window metrics."""
    client = MlflowClient()
    try:
        versions = client.search_model_versions(f"name='{name}'")
        aliases = dict(client.get_registered_model(name).aliases or {})  # search results carry no aliases
    except MlflowException:
        return []
    out = []
    for v in sorted(versions, key=lambda v: int(v.version), reverse=True):
        metrics = client.get_run(v.run_id).data.metrics if v.run_id else {}
        mine = tuple(sorted(a for a, version in aliases.items() if str(version) == str(v.version)))
        out.append(VersionInfo(name, str(v.version), mine, v.run_id or "", dict(metrics),
                               int(v.creation_timestamp or 0), (v.tags or {}).get(SHA_TAG, "")))
    return out


def set_champion(name: str, version: str) -> str | None:
    """Make ``version`` the champion; the old champion becomes ``previous_champion``. Returns the old one."""
    client = MlflowClient()
    client.get_model_version(name, version)  # raises if it does not exist
    old = alias_version(name, CHAMPION)
    if old == version:
        return old
    if old is not None:
        client.set_registered_model_alias(name, PREVIOUS, old)
    client.set_registered_model_alias(name, CHAMPION, version)
    return old


def rollback(name: str = DEFAULT_MODEL_NAME) -> tuple[str, str]:
    """Put the previous champion back. Returns (from_version, to_version)."""
    previous = alias_version(name, PREVIOUS)
    current = alias_version(name, CHAMPION)
    if previous is None or current is None:
        raise LookupError(f"model '{name}' has no previous champion to roll back to")
    client = MlflowClient()
    client.set_registered_model_alias(name, CHAMPION, previous)
    client.set_registered_model_alias(name, PREVIOUS, current)
    return current, previous


@dataclass(frozen=True)
class VerifiedModel:
    name: str
    version: str
    sha256: str
    bundle_path: Path
    run_id: str


def download_verified_bundle(name: str, alias_or_version: str, dest: Path) -> VerifiedModel:
    """Fetch a version's bundle into ``dest`` and check its SHA-256 against the registry tag and the
    MLmodel's ``model_config``. Nothing is unpickled here; a mismatch raises :class:`IntegrityError`."""
    client = MlflowClient()
    if alias_or_version.isdigit():
        mv = client.get_model_version(name, alias_or_version)
    else:
        mv = client.get_model_version_by_alias(name, alias_or_version)
    recorded = (mv.tags or {}).get(SHA_TAG, "")
    with tempfile.TemporaryDirectory() as scratch:
        local = Path(mlflow.artifacts.download_artifacts(artifact_uri=f"models:/{name}/{mv.version}",
                                                         dst_path=scratch))
        mlmodel = yaml.safe_load((local / "MLmodel").read_text())
        configured = (mlmodel.get("flavors", {}).get("python_function", {}).get("model_config") or {}).get(SHA_TAG)
        candidates = list(local.rglob(BUNDLE_FILE))
        if not candidates:
            raise IntegrityError(f"models:/{name}/{mv.version} holds no {BUNDLE_FILE}")
        actual = sha256_of(candidates[0])
        if not recorded or actual != recorded or (configured and configured != recorded):
            raise IntegrityError(
                f"models:/{name}/{mv.version}: bundle checksum {actual[:12]}… does not match the recorded "
                f"{(recorded or 'nothing')[:12]}…; refusing to load it"
            )
        dest.mkdir(parents=True, exist_ok=True)
        target = dest / BUNDLE_FILE
        shutil.copyfile(candidates[0], target)
    return VerifiedModel(name, str(mv.version), recorded, target, mv.run_id or "")


def load_version(name: str, alias_or_version: str) -> tuple[ScoringBundle, VerifiedModel]:
    """Download, verify and load a registered bundle (for the promotion gate and notebooks)."""
    with tempfile.TemporaryDirectory() as scratch:
        verified = download_verified_bundle(name, alias_or_version, Path(scratch))
        return load_bundle(verified.bundle_path, verified.sha256), verified


def version_summary(info: VersionInfo) -> dict[str, Any]:
    keys = ("roc_auc", "pr_auc", "log_loss", "ece", "lift_top10")
    return {"version": info.version, "aliases": ", ".join(info.aliases),
            **{k: info.metrics.get(k) for k in keys}}
