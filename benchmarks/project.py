"""The project these benchmarks measure, made importable, and the benchmarks' own folders.

The benchmarks are scripts (``.venv/bin/python benchmarks/features.py``), so Python puts ``benchmarks/`` first
on the import path, where ``features.py`` would hide the project's ``features`` package. Importing this
module puts the project folder in front. Every other helper module imports it, so a script only has to
import its helpers before the project's packages (ruff's import order does that: they are third-party there).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"  # generated worlds, trained models, server logs (not in git)
RESULTS_DIR = BENCH_DIR / "results"  # the latest figures: <name>.md for reading, <name>.json for tools

if str(PROJECT_DIR) not in sys.path[:1]:
    sys.path.insert(0, str(PROJECT_DIR))

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
