"""What the logged MLflow model carries to run anywhere: its code and its pinned requirements.

The pyfunc (:mod:`scoring.pyfunc`) needs two of leadscore's packages at run time, ``features`` and ``scoring``;
they travel inside the model (its ``code/`` folder, MLflow ``code_paths``) so that
``mlflow.pyfunc.load_model`` and ``mlflow models serve`` work in an environment that never installed
leadscore. The libraries those packages import are pinned to the versions this training ran with (read from
the installed distributions, not written down by hand), so the model is scored by exactly the code it was
checked with: a later pandas or LightGBM could change a probability.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import features
import scoring

#: leadscore's packages the logged model runs on; training, serving, the CLI and the CRM clients stay behind.
CODE_PACKAGES: tuple[ModuleType, ...] = (features, scoring)
#: leadscore's other top-level packages: the carried code must not import them (the model would not load).
LEFT_BEHIND = ("training", "serving", "leadscore", "crm", "monitoring")


class NotSelfContained(RuntimeError):
    """The carried code imports something the logged model would not have."""


def code_paths() -> list[str]:
    """The folders MLflow copies into the model's ``code/`` (it leaves ``__pycache__`` out)."""
    return [str(Path(package.__file__).parent) for package in CODE_PACKAGES]


def imported_modules(folders: Sequence[str | Path] = ()) -> dict[str, set[str]]:
    """Every top-level module the code in ``folders`` (default :func:`code_paths`) imports, at the top of a file
    or inside a function, with the files that import it; the standard library and ``__future__`` left out."""
    found: dict[str, set[str]] = {}
    for folder in map(Path, folders or code_paths()):
        for source in sorted(folder.rglob("*.py")):
            where = str(source.relative_to(folder.parent))
            for node in ast.walk(ast.parse(source.read_text(), str(source))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.partition(".")[0]
                    if top != "__future__" and top not in sys.stdlib_module_names:
                        found.setdefault(top, set()).add(where)
    return found


def pip_requirements(folders: Sequence[str | Path] = ()) -> list[str]:
    """``distribution==version`` for every installed distribution providing a library the carried code
    (``folders``, default :func:`code_paths`) imports: ``scikit-learn`` for ``sklearn``, and ``mlflow``'s
    three distributions (``mlflow``, ``mlflow-skinny``, ``mlflow-tracing``) for ``mlflow``.

    Raises :class:`NotSelfContained` if the code imports a leadscore package it does not carry, or a module
    no installed distribution provides."""
    return list(_pins(tuple(Path(f) for f in folders or code_paths())))


@functools.cache  # installed distributions and imported code do not change within a process: ~1 s of each training
def _pins(folders: tuple[Path, ...]) -> tuple[str, ...]:
    own = {folder.name for folder in folders}
    providers = importlib.metadata.packages_distributions()
    pins: dict[str, str] = {}
    for module, files in sorted(imported_modules(folders).items()):
        if module in own:
            continue
        if module in LEFT_BEHIND:
            raise NotSelfContained(f"{', '.join(sorted(files))} import {module}, which the logged model does not "
                                   f"carry (it carries {', '.join(sorted(own))} only)")
        distributions = providers.get(module)
        if not distributions:
            raise NotSelfContained(f"{', '.join(sorted(files))} import {module}, which no installed distribution "
                                   "provides, so the model's requirements cannot pin it")
        for distribution in distributions:
            meta = importlib.metadata.distribution(distribution)
            pins[meta.metadata["Name"].lower()] = meta.version
    return tuple(f"{name}=={version}" for name, version in sorted(pins.items()))
