"""What every ``leadscore`` command shares: the console, one-line messages and failures, the choices the
options offer, and loading a verified model."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True, soft_wrap=True)  # an error stays one line however narrow the terminal

class Fmt(StrEnum):
    csv = "csv"
    parquet = "parquet"


class Promote(StrEnum):
    gate = "gate"
    always = "always"
    never = "never"


class Crm(StrEnum):
    """A CRM whose exports leadscore reads (``--mapping``) and whose import files it writes (``--write-back``)."""

    salesforce = "salesforce"
    hubspot = "hubspot"


class Lang(StrEnum):
    en = "en"
    de = "de"


class Engine(StrEnum):
    local = "local"
    spark = "spark"


def say(message: str) -> None:
    """A progress line on stderr (stdout carries the command's JSON result)."""
    console.print(f"[dim]·[/dim] {message}")


def input_error(exc: BaseException) -> bool:
    """Whether ``exc`` says the input was wrong (exit 2) rather than that something failed (exit 1)."""
    from features.loading import DataContractError

    return isinstance(exc, DataContractError | ValueError | FileNotFoundError | PermissionError | IsADirectoryError)


def parquet_only(*paths: Path | None) -> None:
    """``--engine spark`` reads Parquet (a file, a folder of parts, or a URI): any other file is one line
    (exit 2) before Spark starts, not a Java stack trace from inside it."""
    for path in paths:
        if path is not None and path.suffix.lower() not in ("", ".parquet", ".parq", ".pq"):
            fail(f"--engine spark reads Parquet: {path.name} is not; write it as Parquet or use the local engine", 2)


def fail(message: str, code: int = 1) -> None:
    """Stop the command with one line saying what went wrong and what to do (exit 2: bad input)."""
    console.print(f"[bold red]error:[/bold red] {message}")
    raise typer.Exit(code)


#: ``--mapping``'s help, the same on every command that reads exports.
MAPPING_HELP = "Read a vendor's export: salesforce, hubspot, or your own mapping file (.toml; README: Data)."
MAPPING_HELP_SCORING = MAPPING_HELP[:-1] + " Default: the mapping the model was trained with."
CONVERSIONS_HELP = ("Event mode: a conversions file; a lead converted by --as-of is a customer, given an error row "
                    "instead of a score (a converted_at column of the leads file does the same).")


def _moment(text: str) -> datetime:
    from features.values import given_moment  # imported when an --as-of is given: the CLI starts without pandas

    try:
        return given_moment(text)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def as_of_option(meaning: str) -> Any:
    """An ``--as-of`` option: ``meaning`` and the forms it is read in, one rule for every command."""
    return typer.Option(parser=_moment, metavar="MOMENT",
                        help=f"{meaning} ISO 8601 or DD.MM.YYYY [HH:MM]; without an offset, a local time of the "
                             "model's export (its mapping's timezone), else UTC.")


def checked_mapping(mapping: str | None) -> str | None:
    """``--mapping`` checked before any work: a vendor's name or a mapping file that reads, else one line
    saying what is wrong (exit 2)."""
    from features.mappings import mapping_spec

    try:
        mapping_spec(mapping)
    except ValueError as exc:
        fail(str(exc), 2)
    return mapping


def progress_bar() -> Progress:
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def load_verified(model: str):
    """The model at a URI, its checksum verified, or a one-line failure."""
    from scoring.artifacts import IntegrityError
    from serving.config import ServeConfig
    from serving.loader import ModelLoadError, load_model

    try:
        return load_model(model, ServeConfig.from_env().cache_dir)
    except (ModelLoadError, IntegrityError) as exc:
        fail(str(exc))


def train_config(horizon_days: int, seed: int, promote: Promote, model_name: str | None, search_seconds: float,
                  rules: Path | None, keep: list[str] | None, extra: list[str] | None,
                  search_candidates: int | None = None):
    from training.config import TrainConfig
    from training.rules import read_rules

    if rules is not None:
        read_rules(rules)  # a typo in the rules file is said before any data is read
    config = TrainConfig(horizon_days=horizon_days, seed=seed, promote=promote.value, model_name=model_name,
                         search=search_seconds > 0 or search_candidates is not None, search_seconds=search_seconds,
                         search_count=search_candidates,
                         rules_file=str(rules) if rules else None, keep=tuple(keep or ()))
    if extra:
        config = dataclasses.replace(config, features=dataclasses.replace(config.features,
                                                                          extra_columns=tuple(extra)))
    return config
