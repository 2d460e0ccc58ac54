"""The MLflow model registry as leadscore uses it: versions, aliases, checksums, promotion.

* Every trained version gets the alias ``challenger``. ``champion`` is the version in use; it moves
  only through the promotion gate (or by hand with ``leadscore promote`` / ``rollback``).
* Each version carries its contract (:mod:`scoring.contract`) as tags; ``champion`` does not move to a
  version with another contract unless forced.
* Every move of ``champion`` is appended to the registered model's ``champion_history`` tag, so each
  ``rollback`` goes back one step (v3 → v2 → v1), never forth again; ``previous_champion`` names the
  version a rollback would return to.
* Reading the registry (aliases, verified downloads) is :mod:`scoring.registry`'s.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from scoring.contract import ModelContract
from scoring.registry import SHA_TAG, alias_version, configure, download_verified_bundle, load_version
from scoring.settings import CHALLENGER, CHAMPION, MODEL_NAME, PREVIOUS

DEFAULT_MODEL_NAME = MODEL_NAME
HISTORY_TAG = "champion_history"
HISTORY_KEPT = 100  #: moves remembered (a tag value holds at most a few thousand characters)
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
    contract: ModelContract | None = None
    regime: str = ""


def list_versions(name: str = DEFAULT_MODEL_NAME) -> list[VersionInfo]:
    """Every registered version, newest first, with its aliases and test-window metrics."""
    client = MlflowClient()
    try:
        versions = client.search_model_versions(f"name='{name}'")
        aliases = dict(client.get_registered_model(name).aliases or {})  # search results carry no aliases
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return []
        reason = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise RuntimeError(f"the model registry at {mlflow.get_tracking_uri()} did not answer ({reason}); check "
                           "MLFLOW_TRACKING_URI and that its server is up") from exc
    out = []
    for v in sorted(versions, key=lambda v: int(v.version), reverse=True):
        metrics = client.get_run(v.run_id).data.metrics if v.run_id else {}
        mine = tuple(sorted(a for a, version in aliases.items() if str(version) == str(v.version)))
        tags = v.tags or {}
        out.append(VersionInfo(name, str(v.version), mine, v.run_id or "", dict(metrics),
                               int(v.creation_timestamp or 0), tags.get(SHA_TAG, ""), ModelContract.from_tags(tags),
                               tags.get("regime", "")))
    return out


def training_decision(run_id: str) -> str:
    """What the promotion gate decided when the version was trained (the run's ``promotion`` tag), or ""."""
    return MlflowClient().get_run(run_id).data.tags.get("promotion", "") if run_id else ""


def record_contract(name: str, version: str, contract: ModelContract, regime: str) -> None:
    """Write a new version's contract and regime on it as tags."""
    client = MlflowClient()
    for key, value in {**contract.to_tags(), "regime": regime}.items():
        client.set_model_version_tag(name, version, key, value)


def contract_of(name: str, version: str) -> ModelContract | None:
    """The contract recorded on a version (None for versions registered before contracts were recorded)."""
    return ModelContract.from_tags(MlflowClient().get_model_version(name, version).tags or {})


def champion_history(name: str) -> list[str]:
    """The versions that were champion, oldest first, ending with the current one."""
    try:
        tags = MlflowClient().get_registered_model(name).tags or {}
    except MlflowException:
        return []
    return [str(v) for v in json.loads(tags.get(HISTORY_TAG) or "[]")]


def _write_history(name: str, history: list[str]) -> None:
    client = MlflowClient()
    client.set_registered_model_tag(name, HISTORY_TAG, json.dumps(history[-HISTORY_KEPT:]))
    if len(history) >= 2:
        client.set_registered_model_alias(name, PREVIOUS, history[-2])
    else:
        with contextlib.suppress(MlflowException):  # there was none
            client.delete_registered_model_alias(name, PREVIOUS)


def set_champion(name: str, version: str, *, force: bool = False, just_registered: bool = False) -> str | None:
    """Make ``version`` the champion and append it to the history. Returns the old champion.

    Refuses (:class:`scoring.contract.ContractMismatch`) a version whose recorded contract differs from the
    champion's, unless ``force``, and (:class:`scoring.artifacts.IntegrityError`) one whose bundle does not
    match its recorded checksum: every server started on it would refuse it (``just_registered``: training
    registered it from the file it checksummed a moment ago; nothing to check again)."""
    client = MlflowClient()
    client.get_model_version(name, version)  # raises if it does not exist
    old = alias_version(name, CHAMPION)
    if old == version:
        return old
    if not just_registered:
        verify(name, version)
    if old is not None:
        new_contract = contract_of(name, version)
        if new_contract is not None:
            new_contract.check(contract_of(name, old), force=force, what=f"v{version}")
    history = champion_history(name) or ([old] if old is not None else [])
    client.set_registered_model_alias(name, CHAMPION, version)
    _write_history(name, [*history, version])
    return old


def verify(name: str, version: str) -> None:
    """Check a version's bundle against its recorded checksum, as a server loading it would (nothing is
    unpickled); :class:`scoring.artifacts.IntegrityError` when it does not match."""
    with tempfile.TemporaryDirectory() as scratch:
        download_verified_bundle(name, version, Path(scratch))


def rollback(name: str = DEFAULT_MODEL_NAME) -> tuple[str, str]:
    """Put the champion before the current one back, one step further back on each call.
    Returns (from_version, to_version)."""
    current = alias_version(name, CHAMPION)
    history = champion_history(name)
    if current is None:
        raise LookupError(f"model '{name}' has no champion to roll back from")
    if history and history[-1] == current:
        history = history[:-1]
    elif not history and alias_version(name, PREVIOUS) is not None:  # registered before the history was kept
        history = [alias_version(name, PREVIOUS)]  # type: ignore[list-item]
    if not history:
        raise LookupError(f"model '{name}' has no earlier champion than v{current} to roll back to")
    target = history[-1]
    verify(name, target)
    MlflowClient().set_registered_model_alias(name, CHAMPION, target)
    _write_history(name, history)
    return current, target


def version_summary(info: VersionInfo) -> dict[str, Any]:
    keys = ("roc_auc", "pr_auc", "log_loss", "ece", "lift_top10")
    forward = info.metrics.get("forward_check_days")  # a points model judged forward over its last weeks only
    checked = (f"checked forward over {forward:.0f} days: ROC AUC {info.metrics['forward_check_roc_auc']:.3f}, "
               f"ECE {info.metrics['forward_check_ece']:.4f}" if forward and "roc_auc" not in info.metrics else "")
    return {"version": info.version, "aliases": ", ".join(info.aliases),
            "contract": info.contract.describe() if info.contract else "–",
            "regime": (info.regime or "–") + (f" ({checked})" if checked else ""),
            **{k: info.metrics.get(k) for k in keys}}
