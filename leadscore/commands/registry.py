"""Commands on the model registry: list versions (``models``), move the champion alias (``promote``,
``rollback``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from leadscore.commands.common import fail, say
from scoring.settings import FLAT_MODEL_NAME, MODEL_NAME


def models(model_name: Annotated[str | None, typer.Option(
        help="Registered model name (default: both the event and the flat models).")] = None) -> None:
    """Registered versions with their aliases, mode, horizon, regime and evaluation metrics."""
    from training.registry import configure, list_versions, version_summary

    configure()
    names = [model_name] if model_name else [MODEL_NAME, FLAT_MODEL_NAME]
    versions = [info for name in names for info in list_versions(name)]
    if not versions:
        from mlflow import MlflowClient

        others = sorted(m.name for m in MlflowClient().search_registered_models())  # trained with --model-name
        fail(f"no versions of {' or '.join(map(repr, names))} registered yet: "
             + (f"this registry holds {', '.join(others)}; list one with --model-name NAME" if others
                else "run leadscore train"))
    table = Table("model", "version", "aliases", "contract", "regime", "ROC AUC", "PR AUC", "log loss", "ECE",
                  "lift top 10 %")
    for info in versions:
        s = version_summary(info)
        table.add_row(info.name, s["version"], s["aliases"], s["contract"], s["regime"],
                      *(f"{s[k]:.4f}" if s[k] is not None else "–"
                        for k in ("roc_auc", "pr_auc", "log_loss", "ece", "lift_top10")))
    Console(width=200).print(table)


def promote(
    version: str,
    model_name: Annotated[str, typer.Option(help="Registered model name.")] = MODEL_NAME,
    force: Annotated[bool, typer.Option(help="Promote even if its mode, horizon or inputs differ from the "
                                             "champion's.")] = False,
) -> None:
    """Make VERSION the champion (a rollback returns to the one before)."""
    from scoring.artifacts import IntegrityError
    from scoring.contract import ContractMismatch
    from training.registry import alias_version, configure, contract_of, list_versions, set_champion, training_decision

    if not version.isdigit():
        fail(f"VERSION is a version number (e.g. 3), not {version!r}; `leadscore models` lists them", 2)
    configure()
    runs = {v.version: v.run_id for v in list_versions(model_name)}
    known = set(runs)
    if version not in known:
        listed = ", ".join(sorted(known, key=int)) or "none yet"
        fail(f"model {model_name!r} has no version {version} (versions: {listed}); `leadscore models` lists them",
              2)
    champion = alias_version(model_name, "champion")
    ours, theirs = contract_of(model_name, version), contract_of(model_name, champion) if champion else None
    changed = ours.differences(theirs) if ours and theirs and champion != version else []
    try:
        old = set_champion(model_name, version, force=force)
    except ContractMismatch as exc:
        fail(f"not promoted: {exc} (--force)", 2)
    except IntegrityError as exc:
        fail(f"not promoted, the champion is unchanged: {exc}; retrain, or promote another version", 2)
    say(f"champion: v{old} → v{version}" if old else f"champion: v{version}")
    decision = training_decision(runs[version]) if old != version and not changed else ""
    if decision.startswith(("kept champion", "registered, not made champion")):  # the gate's words (tracking)
        say(f"note: the gate did not promote v{version} when it was trained ({decision}); it is champion now by hand, "
            "and `leadscore rollback` undoes that")
    if changed:
        say(f"note: running servers keep serving v{old}: they never switch to a model that {'; '.join(changed)}; "
            f"restart them to serve v{version}")


def rollback(model_name: Annotated[str, typer.Option(help="Registered model name.")] = MODEL_NAME) -> None:
    """Put back the champion before the current one (one step further back on each call)."""
    from scoring.artifacts import IntegrityError
    from training.registry import configure
    from training.registry import rollback as do_rollback

    configure()
    try:
        current, previous = do_rollback(model_name)
    except LookupError as exc:
        fail(str(exc))
    except IntegrityError as exc:
        fail(f"not rolled back, the champion is unchanged: {exc}; `leadscore promote VERSION` a sound one", 2)
    say(f"champion: v{current} → v{previous}")
