"""The MLflow model registry as leadscore uses it: versions, aliases, checksums, promotion.

* Every trained version gets the alias ``challenger``. ``champion`` is the version in use; it moves
  only through the promotion gate (or by hand with ``leadscore promote`` / ``rollback``).
* Before ``champion`` moves, the old champion gets ``previous_champion``, so a rollback is one call.
* Reading the registry (aliases, verified downloads) is :mod:`scoring.registry`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from scoring.registry import SHA_TAG, alias_version, configure, download_verified_bundle, load_version
from scoring.settings import CHALLENGER, CHAMPION, MODEL_NAME, PREVIOUS

DEFAULT_MODEL_NAME = MODEL_NAME
__all__ = ["CHALLENGER", "CHAMPION", "PREVIOUS", "SHA_TAG", "alias_version", "configure", "download_verified_bundle",
           "load_version"]


@dataclass(frozen=True)
class VersionInfo:
    name: str
    version: str
    aliases: tuple[str, ...]
    run_id: str
    metrics: dict[str, float]
    created: int
    sha256: str


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


def version_summary(info: VersionInfo) -> dict[str, Any]:
    keys = ("roc_auc", "pr_auc", "log_loss", "ece", "lift_top10")
    return {"version": info.version, "aliases": ", ".join(info.aliases),
            **{k: info.metrics.get(k) for k in keys}}
