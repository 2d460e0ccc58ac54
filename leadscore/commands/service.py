"""Commands that run the service: ``serve`` (BentoML on this machine), ``build`` (a deployable Bento) and ``demo``
(everything end to end)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from leadscore.commands.common import fail, load_verified, say
from scoring.settings import DEFAULT_MODEL_URI
from serving.server import serve_command, serve_env


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 3000,
    model: Annotated[str, typer.Option(help="Model URI to serve.")] = DEFAULT_MODEL_URI,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes (default: one per core this "
                                                           "process may use).")] = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="Serve without a bearer token (local use only).")] = False,
) -> None:
    """Serve the HTTP API. Needs LEADSCORE_API_TOKEN unless --no-auth."""
    from serving.config import usable_cores

    if not no_auth and not os.environ.get("LEADSCORE_API_TOKEN"):
        fail("set LEADSCORE_API_TOKEN (the bearer token clients must send) or pass --no-auth explicitly")
    _check_bindable(host, port)
    loaded = load_verified(model)  # verify before starting: a bad model stops here with a clear message
    workers = workers or usable_cores()
    say(f"serving {loaded.name} v{loaded.version} ({loaded.source}, sha256 {loaded.sha256[:12]}…) on "
         f"http://{host}:{port} with {workers} worker(s)")
    env = {**os.environ, **serve_env(workers), "LEADSCORE_MODEL_URI": model}
    if no_auth:
        env["LEADSCORE_NO_AUTH"] = "1"
    command = serve_command(host, port)
    os.execvpe(command[0], command, env)


def _check_bindable(host: str, port: int) -> None:
    """One line, before the model is loaded, when the address cannot be bound (another server holds the port):
    BentoML would stop with a traceback."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds it
            probe.bind((host, port))
    except OSError as exc:
        fail(f"cannot serve on {host}:{port} ({exc.strerror or exc}): another process holds it, or the address is not "
             "this machine's; stop that server or choose another --port", 2)


def build(model: Annotated[str, typer.Option(help="Registered model to pack (models:/NAME@ALIAS or "
                                                  "models:/NAME/VERSION).")] = DEFAULT_MODEL_URI) -> None:
    """Build a deployable Bento (bentofile.yaml) with the verified model inside; `bentoml containerize` makes
    the image."""
    from scoring.artifacts import IntegrityError
    from serving.bento import build_bento
    from serving.loader import ModelLoadError

    try:
        built = build_bento(model)
    except (ModelLoadError, IntegrityError) as exc:
        fail(str(exc))
    say(f"model {built.model_tag} (sha256 {built.sha256[:12]}…) packed into Bento {built.tag} at {built.path}")
    say(f"serve it: bentoml serve {built.tag}  ·  image: bentoml containerize {built.tag}")
    typer.echo(json.dumps({"bento": built.tag, "model": built.model_tag, "sha256": built.sha256,
                           "path": str(built.path)}))


def demo(
    leads: Annotated[int, typer.Option(help="Leads in the generated world.")] = 8_000,
    port: Annotated[int, typer.Option(help="Port for the demo server (0: any free port).")] = 0,
    workdir: Annotated[Path, typer.Option(help="Where the demo writes its world.")] = Path("demo-data"),
) -> None:
    """Generate a world, train, serve, score a hot, a warm and a cold lead over HTTP, stop."""
    from leadscore.demo import run_demo

    run_demo(leads=leads, port=port, workdir=workdir, say=say)
