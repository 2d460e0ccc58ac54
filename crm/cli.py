"""The ``push`` command (registered in ``leadscore``'s CLI): scores into the CRM through its batch API.

    leadscore push --crm hubspot --scores scores.csv
    leadscore push --crm salesforce --instance-url https://acme.my.salesforce.com --scores scores.csv

The token comes from ``LEADSCORE_HUBSPOT_TOKEN`` / ``LEADSCORE_SALESFORCE_TOKEN`` (or the variable named by
``--token-env``); retries and timeouts from ``LEADSCORE_PUSH_*`` (:class:`crm.push.PushConfig`). Errors are
one line saying what to do, with exit code 2; a push that ended with leads the CRM refused (deleted, a
field it would not take) exits :data:`EXIT_FAILED_LEADS`, each such lead in the progress file.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Scores back into the CRM.")
#: The exit code of a finished push in which the CRM refused some leads: a nightly job can tell it from a clean one.
EXIT_FAILED_LEADS = 4
SHOWN_FAILURES = 10
console = Console(stderr=True)


class CrmName(StrEnum):
    salesforce = "salesforce"
    hubspot = "hubspot"


@app.callback()
def _group() -> None:
    """Scores back into the CRM."""


def _fail(message: str) -> None:
    console.print(f"[bold red]error:[/bold red] {message}", soft_wrap=True)
    raise typer.Exit(2)


@app.command()
def push(
    crm: Annotated[CrmName, typer.Option(help="The CRM to update.")],
    scores: Annotated[Path, typer.Option(help="The score file `leadscore score --out` wrote, or its "
                                              "`--write-back` import file for the same CRM.")],
    instance_url: Annotated[str | None, typer.Option(help="Salesforce: the org's My Domain URL "
                                                          "(https://acme.my.salesforce.com). HubSpot: "
                                                          "default https://api.hubapi.com.")] = None,
    progress: Annotated[Path | None, typer.Option(help="Progress file, to resume an interrupted push (default: "
                                                       "next to the scores, SCORES.push-CRM.jsonl).")] = None,
    token_env: Annotated[str | None, typer.Option(help="Environment variable holding the token (default: "
                                                       "LEADSCORE_SALESFORCE_TOKEN / LEADSCORE_HUBSPOT_TOKEN).")
                         ] = None,
    stage_rules: Annotated[Path | None, typer.Option(help="Funnel-stage rules (TOML) for a score file; default: "
                                                          "the built-in rules.")] = None,
) -> None:
    """Send the scores to the CRM through its batch API; an interrupted push resumes where it stopped."""
    from crm.journal import ProgressError
    from crm.push import TOKEN_ENV, PushConfig, PushError
    from crm.push import push as run_push
    from crm.stages import DEFAULT_RULES, StageRulesError, load_stage_rules
    from crm.writeback import WriteBackError, read_updates

    name = crm.value
    variable = token_env or TOKEN_ENV[name]
    token = os.environ.get(variable, "").strip()
    if not token:
        _fail(f"set {variable} to the {name} {'access' if name == 'salesforce' else 'private app'} token "
              "(the push reads it from the environment, never from the command line)")
    if name == "salesforce" and not instance_url:
        _fail("Salesforce needs --instance-url, the org's My Domain URL (https://yourcompany.my.salesforce.com)")
    try:
        config = PushConfig.from_env()
    except ValueError as exc:
        _fail(f"{exc}: set it to a number or unset it")
    try:
        rules = load_stage_rules(stage_rules) if stage_rules else DEFAULT_RULES
        updates = read_updates(scores, name, rules=rules)
    except (WriteBackError, StageRulesError) as exc:
        _fail(str(exc))
    progress_file = progress or scores.with_name(f"{scores.name}.push-{name}.jsonl")
    with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task(f"pushing to {name}", total=len(updates.updates))
        try:
            summary = run_push(updates.updates, name, instance_url, token, progress_file, config,
                               skipped=len(updates.skipped),
                               progress=lambda done, total: bar.update(task, completed=done, total=total))
        except (PushError, ProgressError) as exc:
            bar.stop()
            _fail(str(exc))
    console.print(f"[dim]·[/dim] {summary.line()}", soft_wrap=True)
    for record_id, message in summary.failures[:SHOWN_FAILURES]:
        console.print(f"[dim]·[/dim] failed {record_id}: {message}", soft_wrap=True)
    if summary.failed > SHOWN_FAILURES:
        console.print(f"[dim]·[/dim] … and {summary.failed - SHOWN_FAILURES:,} more failed leads, each with the CRM's "
                      f"message in {summary.progress}", soft_wrap=True)
    typer.echo(json.dumps({"crm": name, "updated": summary.updated, "skipped": summary.skipped,
                           "failed": summary.failed, "progress": str(summary.progress)}))
    if summary.failed:
        raise typer.Exit(EXIT_FAILED_LEADS)


if __name__ == "__main__":  # pragma: no cover
    app()
