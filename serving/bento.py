"""A deployable Bento: the service's code with the verified scoring bundle inside, so it starts without MLflow.

``leadscore build`` downloads a registered version, checks its SHA-256 against the registry's record
(:func:`scoring.registry.download_verified_bundle`), stores the very same bytes in BentoML's model store as
``NAME:vVERSION`` with that checksum in the model's metadata, and builds a Bento from ``bentofile.yaml`` that
packs the model under the alias ``leadscore``. Serving the Bento (``bentoml serve BENTO`` or the image
``bentoml containerize BENTO`` makes) loads the packed model through :func:`serving.loader.load_bento_model`,
which checks the checksum again before unpickling. Everything else is configured by environment variables.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from scoring.artifacts import BUNDLE_FILE, IntegrityError, load_bundle, sha256_of
from scoring.registry import configure, download_verified_bundle
from serving.loader import BENTO_ALIAS, BENTO_PREFIX, parse_model_uri
from serving.server import PROJECT_DIR

BENTOFILE = PROJECT_DIR / "bentofile.yaml"


@dataclass(frozen=True)
class BuiltBento:
    """``tag`` of the Bento (``leadscore:VERSION``) at ``path``, packing ``model_tag`` with ``sha256``."""

    tag: str
    model_tag: str
    sha256: str
    path: Path
    model_uri: str


def store_model(name: str, ref: str) -> tuple[str, str]:
    """The registered version ``name``/``ref`` (alias or number), verified, in BentoML's model store as
    ``NAME:vVERSION``; returns its tag and checksum. A tag already stored with another checksum is an
    :class:`~scoring.artifacts.IntegrityError`."""
    import bentoml
    from bentoml.exceptions import NotFound

    with tempfile.TemporaryDirectory() as scratch:
        verified = download_verified_bundle(name, ref, Path(scratch))
        tag = f"{name}:v{verified.version}"
        try:
            existing = bentoml.models.get(tag)
        except NotFound:
            existing = None
        if existing is not None:
            if existing.info.metadata.get("sha256") != verified.sha256:
                raise IntegrityError(f"{tag} is already in the BentoML store with another checksum; "
                                     "delete it (bentoml models delete) before building again")
            return str(existing.tag), verified.sha256
        load_bundle(verified.bundle_path, verified.sha256)  # it unpickles into a bundle: worth packing
        metadata = {"name": name, "version": verified.version, "sha256": verified.sha256,
                    "run_id": verified.run_id, "source": f"models:/{name}/{verified.version}"}
        with bentoml.models.create(tag, labels={"product": "leadscore"}, metadata=metadata) as model:
            target = Path(model.path) / BUNDLE_FILE
            shutil.copyfile(verified.bundle_path, target)
            if sha256_of(target) != verified.sha256:
                raise IntegrityError(f"{target}: copy does not match the registry's checksum")
        return tag, verified.sha256


def build_bento(model_uri: str, tracking_uri: str | None = None, bentofile: Path = BENTOFILE) -> BuiltBento:
    """Build the service's Bento with the model at ``model_uri`` (``models:/NAME@ALIAS`` or
    ``models:/NAME/VERSION``) inside it, into the BentoML store (``BENTOML_HOME``)."""
    import bentoml
    from bentoml._internal.bento.build_config import BentoEnvSchema  # what build() takes (dicts fail in 1.4)

    name, ref = parse_model_uri(model_uri)
    configure(tracking_uri)
    model_tag, sha256 = store_model(name, ref)
    config = yaml.safe_load(bentofile.read_text(encoding="utf-8"))
    envs = [*(config.pop("envs", None) or []), {"name": "LEADSCORE_MODEL_URI", "value": BENTO_PREFIX + model_tag}]
    labels = {**(config.pop("labels", None) or {}), "model": model_tag.replace(":", "-")}
    config.pop("models", None)
    service = config.pop("service")
    bento = bentoml.bentos.build(service, **config, labels=labels, envs=[BentoEnvSchema(**env) for env in envs],
                                 models=[{"tag": model_tag, "alias": BENTO_ALIAS}], build_ctx=str(PROJECT_DIR))
    return BuiltBento(str(bento.tag), model_tag, sha256, Path(bento.path), model_uri)
