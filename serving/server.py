"""Starting and stopping the real BentoML server as a child process (CLI, demo, tests, benchmarks)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

from scoring.settings import client_defaults

PROJECT_DIR = Path(__file__).resolve().parent.parent


def serve_command(host: str, port: int, target: str = "serving.service:LeadScoring") -> list[str]:
    """The ``bentoml serve`` command line for the leadscore service (its settings come from the
    environment: :class:`serving.config.ServeConfig`, :func:`serve_env`)."""
    return [sys.executable, "-m", "bentoml", "serve", target, "--host", host, "--port", str(port),
            "--working-dir", str(PROJECT_DIR)]


def serve_env(workers: int = 1) -> dict[str, str]:
    """The environment the server needs besides the caller's: its worker count (read by
    ``ServeConfig.from_env`` into the service's settings) and, unless the caller chose otherwise, one OpenMP
    thread per worker (a request's few rows are explained on one thread; more would only compete with the
    other workers)."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    return {"LEADSCORE_WORKERS": str(workers), "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Starts on a port picked here, when the port turned out taken at start (see :func:`server_process`).
_PORT_ATTEMPTS = 3


class ServerFailed(RuntimeError):
    """The server exited or did not become ready in time; the message holds its log tail."""


@contextmanager
def running_server(env: Mapping[str, str], port: int | None = None, workers: int = 1, timeout: float = 90.0,
                   target: str = "serving.service:LeadScoring", log_path: Path | None = None) -> Iterator[str]:
    """Start the service on 127.0.0.1, wait until ``/readyz`` answers 200, yield its base URL, stop it."""
    with server_process(env, port, workers, timeout, target, log_path) as (url, _):
        yield url


@contextmanager
def server_process(env: Mapping[str, str], port: int | None = None, workers: int = 1, timeout: float = 90.0,
                   target: str = "serving.service:LeadScoring",
                   log_path: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`running_server`, also yielding the server process (the leader of its own process group), for
    callers that stop it themselves (the shutdown tests)."""
    chosen = port is None
    client_defaults()
    full_env = {**os.environ, **serve_env(workers), **env}
    for attempt in range(1, _PORT_ATTEMPTS + 1):
        port = free_port() if chosen else port
        log_file = open(log_path or os.devnull, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
        process = subprocess.Popen(serve_command("127.0.0.1", port, target), env=full_env,  # type: ignore[arg-type]
                                   cwd=PROJECT_DIR, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(url, process, timeout, log_path)
            break
        except ServerFailed as exc:
            stop(process)
            if log_path:
                log_file.close()  # type: ignore[union-attr]
            # a port we picked was free when we looked, yet BentoML's process manager may pick the same one for
            # its own sockets before the server binds it: pick another (a port the caller named is theirs)
            if not chosen or attempt == _PORT_ATTEMPTS or "address already in use" not in str(exc).lower():
                raise
    try:
        yield url, process
    finally:
        stop(process)
        if log_path:
            log_file.close()  # type: ignore[union-attr]


def wait_until_ready(url: str, process: subprocess.Popen[bytes], timeout: float, log_path: Path | None = None,
                     ) -> None:
    """Poll ``/readyz`` until it answers 200; :class:`ServerFailed` with the log's tail if the server exits
    or is not ready within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise ServerFailed(f"server exited with code {process.returncode}{_tail(log_path)}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise ServerFailed(f"server not ready after {timeout:.0f} s{_tail(log_path)}")
        time.sleep(0.25)


def stop(process: subprocess.Popen[bytes], grace_seconds: float = 15.0) -> None:
    """Stop a server started in its own process group: SIGTERM (it drains), SIGKILL after the grace period."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _tail(log_path: Path | None, lines: int = 30) -> str:
    if not log_path or not log_path.exists():
        return ""
    return "\n--- server log ---\n" + "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
