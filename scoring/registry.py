"""The model registry, read side: which version an alias names, and its bundle, downloaded and verified.

Serving, the pyfunc and the promotion gate read the registry through here; writing to it (registering,
moving aliases) is training's (:mod:`training.registry`). Each version carries the tag ``bundle_sha256``;
:func:`download_verified_bundle` checks it (and the copy recorded in the MLmodel file) before anything is
unpickled.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from scoring.artifacts import BUNDLE_FILE, IntegrityError, load_bundle, sha256_of
from scoring.bundle import ScoringBundle
from scoring.settings import client_defaults, default_tracking_uri

SHA_TAG = "bundle_sha256"

# MLflow is imported where it is used: BentoML's supervisor imports this module only to read the service's
# settings, and MLflow's import was ~1.5 s of a server's ~15 s start (DECISIONS K38).


def configure(tracking_uri: str | None = None) -> str:
    """Point MLflow at the store (and keep it offline and quiet)."""
    import mlflow

    client_defaults()
    uri = tracking_uri or default_tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    return uri


def alias_version(name: str, alias: str) -> str | None:
    """The version an alias points to, or None if the alias (or the model) does not exist."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return str(MlflowClient().get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


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
    import mlflow

    client = mlflow.MlflowClient()
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
