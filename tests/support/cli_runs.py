"""The ``leadscore`` command run by a test: in a process of its own, as a user starts it, or its ``main`` in the
test's process, which checks the same exit codes and one-line errors without an interpreter start each time."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

from leadscore.cli import main

LEADSCORE = [sys.executable, "-m", "leadscore.cli"]


def spawn_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None,
              timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as a user starts it."""
    return subprocess.run([*LEADSCORE, *args], cwd=cwd, env={**os.environ, **(env or {})}, text=True,
                          capture_output=True, timeout=timeout)


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The command's ``main`` in this process (its one-line errors and exit codes included), in ``cwd`` with
    ``env`` added to the environment: what :func:`spawn_cli` checks, without the ~5 s of imports an
    interpreter start costs on a busy machine."""
    out, err = io.StringIO(), io.StringIO()
    old_env, old_argv = dict(os.environ), sys.argv
    os.environ.update(env or {})
    sys.argv = ["leadscore", *args]
    try:
        with contextlib.chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old_argv
        os.environ.clear()
        os.environ.update(old_env)
    return subprocess.CompletedProcess([*LEADSCORE, *args], code, out.getvalue(), err.getvalue())
