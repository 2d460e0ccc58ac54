"""Loading the model to serve: from the registry, verified, with a verified local copy as fallback.

Start-up order: ask the registry which version the alias points to, download it, verify its SHA-256
against the registry's record, keep a copy under ``models/NAME/vVERSION/`` with a manifest, load it.
If the registry cannot be reached, the last verified copy for that alias is used (its checksum is
checked again). A checksum mismatch anywhere stops start-up: serving a model we cannot vouch for is
worse than not serving.

A Bento built by ``leadscore build`` carries its model in BentoML's model store (:mod:`serving.bento`), with
the checksum the registry recorded: ``bento:NAME:VERSION`` (or ``bento:`` for the model the running Bento
packs) loads it from there, verified, without reaching MLflow; inside such a Bento the default registry
alias means the packed model too.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from scoring.artifacts import BUNDLE_FILE, IntegrityError, load_bundle
from scoring.bundle import ScoringBundle
from scoring.registry import configure, download_verified_bundle
from scoring.settings import DEFAULT_MODEL_URI

log = logging.getLogger(__name__)
BENTO_PREFIX = "bento:"
#: The alias under which a Bento declares the model it packs (bentofile ``models``).
BENTO_ALIAS = "leadscore"
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
    source: str  # "registry", "cache" or "bento"
    path: Path  #: the verified file the bundle was read from


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
    packed = packed_model_tag()
    if uri.startswith(BENTO_PREFIX) or (uri == DEFAULT_MODEL_URI and packed):
        tag = uri[len(BENTO_PREFIX):] if uri.startswith(BENTO_PREFIX) else ""
        return load_bento_model(tag or packed or "")
    name, ref = parse_model_uri(uri)
    configure(tracking_uri)
    try:
        return fetch_verified(name, ref, cache_dir)
    except IntegrityError:
        raise
    except Exception as exc:  # registry unreachable, or it has no such model
        if _answered_none(exc):  # the registry is there and has no such model: a copy kept earlier is no answer
            raise ModelLoadError(f"cannot load {uri}: the registry has no such model ({exc}). Train a model first "
                                 "(leadscore train), or point LEADSCORE_HOME or MLFLOW_TRACKING_URI at the project "
                                 "that has it.") from exc
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
                           "cache", path)


def _answered_none(exc: Exception) -> bool:
    """Whether the registry answered that the model, version or alias does not exist (it is reachable)."""
    code = getattr(exc, "error_code", "")
    return code == "RESOURCE_DOES_NOT_EXIST" or (code == "INVALID_PARAMETER_VALUE" and "not found" in str(exc))


def fetch_verified(name: str, ref: str, cache_dir: Path) -> LoadedModel:
    """Download the version ``ref`` (an alias or a version number) names from the registry, verify it, keep the
    verified copy under ``models/NAME/vVERSION/`` and load it. No fallback: a registry or checksum failure
    raises. The pointer file for ``ref`` is written only after verification, so the local copy a restart falls
    back to is always the last verified one. Each process downloads into a folder of its own, so server workers
    fetching at once do not write one file."""
    folder = cache_dir / name / f"incoming-{os.getpid()}"
    verified = download_verified_bundle(name, ref, folder)
    target = cache_dir / name / f"v{verified.version}"
    target.mkdir(parents=True, exist_ok=True)
    path = target / BUNDLE_FILE
    verified.bundle_path.replace(path)
    with contextlib.suppress(OSError):  # another process may be using the folder name: leave it then
        folder.rmdir()
    manifest = {"name": name, "version": verified.version, "sha256": verified.sha256, "run_id": verified.run_id}
    text = json.dumps(manifest, indent=2)
    _write_atomically(target / "manifest.json", text)
    bundle = load_bundle(path, verified.sha256)
    _write_atomically(_pointer(cache_dir, name, ref), text)
    return LoadedModel(bundle, name, verified.version, None if ref.isdigit() else ref, verified.sha256, "registry",
                       path)


def remember_alias(cache_dir: Path, loaded: LoadedModel, alias: str) -> None:
    """Point the local copy of ``alias`` at ``loaded`` (a version the server switched to), so that a restart
    while the registry is down serves it, not the version before."""
    manifest = {"name": loaded.name, "version": loaded.version, "sha256": loaded.sha256,
                "run_id": loaded.bundle.info.get("run_id", "")}
    _write_atomically(_pointer(cache_dir, loaded.name, alias), json.dumps(manifest, indent=2))


def _write_atomically(path: Path, text: str) -> None:
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    scratch.write_text(text)
    os.replace(scratch, path)


def packed_model_tag() -> str | None:
    """The tag of the model the running Bento packs (declared with alias :data:`BENTO_ALIAS`), None
    outside a Bento (where BentoML is not even imported)."""
    if "bentoml" not in sys.modules:
        return None
    try:
        from bentoml._internal.configuration.containers import BentoMLContainer

        return BentoMLContainer.model_aliases.get().get(BENTO_ALIAS)
    except Exception:  # BentoML's container layout is internal: outside a Bento there is nothing to find
        return None


def load_bento_model(tag: str) -> LoadedModel:
    """The scoring bundle stored under ``tag`` (``NAME:VERSION``, or ``NAME`` for the latest) in BentoML's
    model store, verified against the SHA-256 kept in its metadata before it is unpickled."""
    import bentoml
    from bentoml.exceptions import BentoMLException

    if not tag:
        raise ModelLoadError("bento: names no model and this process runs in no Bento that packs one; "
                             "use bento:NAME:VERSION (bentoml models list)")
    try:
        stored = bentoml.models.get(tag)
    except (BentoMLException, ValueError) as exc:
        raise ModelLoadError(f"cannot load bento:{tag}: {exc}. Build it with leadscore build, or list the "
                             "store with bentoml models list") from exc
    meta = stored.info.metadata
    path = Path(stored.path) / BUNDLE_FILE
    bundle = load_bundle(path, str(meta.get("sha256", "")))
    return LoadedModel(bundle, str(meta.get("name", stored.tag.name)), str(meta.get("version", stored.tag.version)),
                       None, str(meta["sha256"]), "bento", path)
