"""Loading the model to serve: from the registry, verified, with a verified local copy as fallback.

Start-up order: ask the registry which version the alias points to, download it, verify its SHA-256
against the registry's record, keep a copy under ``models/NAME/vVERSION/`` with a manifest, load it.
If the registry cannot be reached, the last verified copy for that alias is used (its checksum is
checked again). A checksum mismatch anywhere stops start-up: serving a model we cannot vouch for is
worse than not serving.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from scoring.artifacts import BUNDLE_FILE, IntegrityError, load_bundle
from scoring.bundle import ScoringBundle
from scoring.registry import configure, download_verified_bundle

log = logging.getLogger(__name__)
_URI = re.compile(r"^models:/(?P<name>[^/@]+)(?:@(?P<alias>[\w-]+)|/(?P<version>\d+))$")


class ModelLoadError(RuntimeError):
    """The model cannot be served (not found, unreachable without a cached copy, or failed verification)."""


@dataclass(frozen=True)
class LoadedModel:
    bundle: ScoringBundle
    name: str
    version: str
    alias: str | None
    sha256: str
    source: str  # "registry" or "cache"


def parse_model_uri(uri: str) -> tuple[str, str]:
    """``models:/NAME@ALIAS`` or ``models:/NAME/VERSION`` → (name, alias-or-version)."""
    match = _URI.match(uri)
    if not match:
        raise ModelLoadError(f"model URI '{uri}' is not models:/NAME@ALIAS or models:/NAME/VERSION")
    return match["name"], match["alias"] or match["version"]


def _pointer(cache_dir: Path, name: str, ref: str) -> Path:
    return cache_dir / name / f"{ref}.json"


def load_model(uri: str, cache_dir: Path, tracking_uri: str | None = None) -> LoadedModel:
    """Resolve, verify and load the model at ``uri`` (see the module docstring)."""
    name, ref = parse_model_uri(uri)
    configure(tracking_uri)
    try:
        folder = cache_dir / name / "incoming"
        verified = download_verified_bundle(name, ref, folder)
    except IntegrityError:
        raise
    except Exception as exc:  # registry unreachable or model/alias unknown
        cached = _pointer(cache_dir, name, ref)
        if not cached.exists():
            raise ModelLoadError(f"cannot load {uri}: {exc.__class__.__name__}: {exc}. "
                                 "Train a model first (leadscore train) or point MLFLOW_TRACKING_URI at the "
                                 "registry.") from exc
        log.warning("registry unavailable (%s); serving the verified local copy %s", exc, cached)
        manifest = json.loads(cached.read_text())
        path = cache_dir / name / f"v{manifest['version']}" / BUNDLE_FILE
        bundle = load_bundle(path, manifest["sha256"])
        return LoadedModel(bundle, name, manifest["version"], None if ref.isdigit() else ref, manifest["sha256"],
                           "cache")
    target = cache_dir / name / f"v{verified.version}"
    target.mkdir(parents=True, exist_ok=True)
    path = target / BUNDLE_FILE
    verified.bundle_path.replace(path)
    if folder.exists() and not any(folder.iterdir()):
        folder.rmdir()
    manifest = {"name": name, "version": verified.version, "sha256": verified.sha256, "run_id": verified.run_id}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    _pointer(cache_dir, name, ref).write_text(json.dumps(manifest, indent=2))
    bundle = load_bundle(path, verified.sha256)
    return LoadedModel(bundle, name, verified.version, None if ref.isdigit() else ref, verified.sha256, "registry")
