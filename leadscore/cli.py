"""``leadscore``: one command per stage. Wiring only: the commands are in leadscore/commands/, the work in
features/, training/, scoring/, serving/.

    leadscore generate   a synthetic CRM history (event mode) with a ground-truth file
    leadscore train      train, evaluate, log to MLflow, register, promote through the gate
    leadscore score      batch-score a file (one output row per input row)
    leadscore serve      the HTTP API (BentoML) on 127.0.0.1
    leadscore build      a deployable Bento with the verified model inside
    leadscore explain    an HTML score card for one lead
    leadscore models     registered versions, aliases and metrics
    leadscore monitor    drift (PSI) and realised accuracy of the champion, as an HTML report (exit 3: drift)
    leadscore retrain    train → gate → shadow-score on logged requests → promote or keep (for a scheduler)
    leadscore promote / rollback   move the champion alias by hand
    leadscore features   the feature catalogue (English or German)
    leadscore demo       everything above, end to end, on a small generated world
"""


from __future__ import annotations

import os
import sys

import typer
from rich.markup import escape

from leadscore.commands import data, monitoring, registry, scoring, service, training
from leadscore.commands.common import console
from scoring.settings import client_defaults

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__.split("\n\n")[0],
                  pretty_exceptions_enable=False)


def _quiet_libraries() -> None:
    """MLflow's advice to library authors (schema hints, dataset-source guesses, artifact progress bars)
    is noise to someone running a command; our own progress lines say what happens."""
    import logging
    import warnings

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    os.environ.setdefault("MLFLOW_LOGGING_LEVEL", "WARNING")
    client_defaults()
    warnings.filterwarnings("ignore", module=r"mlflow(\.|$)")
    warnings.filterwarnings("ignore", category=UserWarning, message=r".*(type hints|Integer columns|dataset source)")
    warnings.filterwarnings("ignore", message=r".*'eval_set' is deprecated")
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


_quiet_libraries()

# The order here is the order of `leadscore --help`: the stages as a user meets them.
for command in (data.generate, training.train, scoring.score, service.serve, service.build, scoring.explain,
                registry.models, monitoring.monitor, training.retrain, registry.promote, registry.rollback,
                data.features, service.demo):
    app.command()(command)


def _register_crm_push() -> None:
    from crm.cli import push as crm_push

    app.command("push", help="Send scores to the CRM through its batch API (resumable).")(crm_push)


_register_crm_push()


def _repeated_option(argv: list[str]) -> str | None:
    """An option given twice that takes one value (``--activities a.csv --activities b.csv``): the parser keeps
    the last and drops the first in silence, so it is refused instead, naming the option."""
    group = typer.main.get_command(app)
    command = group.commands.get(argv[0]) if argv and hasattr(group, "commands") else None  # type: ignore[attr-defined]
    if command is None:
        return None
    single = {name for param in command.params or () if param.param_type_name == "option"  # not VERSION etc.
              and not getattr(param, "multiple", False) and not getattr(param, "is_flag", False)
              for name in param.opts}
    given = [token.split("=", 1)[0] for token in argv[1:] if token.startswith("--")]
    return next((name for name in given if name in single and given.count(name) > 1), None)


def main() -> None:
    """The ``leadscore`` command: any failure is one line saying what went wrong (exit code 2 for bad input,
    1 otherwise), never a traceback unless ``--debug`` is given."""
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    if repeated := _repeated_option(sys.argv[1:]):
        files = repeated in ("--leads", "--activities", "--conversions", "--table")
        console.print(f"[bold red]error:[/bold red] {repeated} was given twice; it takes one value"
                      + (" (to read several files, join them into one first)" if files else ""))
        raise SystemExit(2)
    try:
        code = app(standalone_mode=False)  # a usage error comes here as an exception, to be said in one line
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:  # the one place errors become one line
        if debug:
            raise
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):  # typer's (vendored) click's usage errors
            if type(exc).__name__ != "NoArgsIsHelpError":  # that one has shown the help already
                where = exc.ctx.command_path if getattr(exc, "ctx", None) else "leadscore"
                console.print(f"[bold red]error:[/bold red] {escape(exc.format_message())} (`{where} --help` lists the "
                              "options)")
            raise SystemExit(exc.exit_code) from None
        from leadscore.commands.common import input_error

        bad_input = input_error(exc)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        console.print(f"[bold red]error:[/bold red] {escape(message)}"
                      + ("" if bad_input else f" ({exc.__class__.__name__}; run again with --debug for details)"))
        raise SystemExit(2 if bad_input else 1) from None
    if isinstance(code, int) and code:  # without standalone mode, ``typer.Exit(code)`` returns its code
        raise SystemExit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
