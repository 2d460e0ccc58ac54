"""Training benchmark: a whole `leadscore train` run on a large generated history, and the model's quality.

    .venv/bin/python benchmarks/train.py                 # 200,000 leads (~4M activities): the issue's size
    .venv/bin/python benchmarks/train.py --leads 30000   # quick

Reports wall time per stage (loading, snapshots, booster, calibration, baselines, MLflow logging and
registration), the model's test-window metrics next to both baselines, the truth file's AUC on the same
leads (the best any model could do on this world) and the target: ≤ 5 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time

import machine
import report
import worlds
from report import say

from training.config import TrainConfig
from training.run import train_from_files

TARGET_S = 300.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    info = machine.machine()
    paths = worlds.cached_world(args.leads, args.seed)
    stages: list[tuple[float, str]] = []
    t0 = time.perf_counter()

    def progress(message: str) -> None:
        stages.append((time.perf_counter() - t0, message.splitlines()[0][:110]))
        say(message.splitlines()[0][:140])

    with tempfile.TemporaryDirectory() as store:
        logged = train_from_files(paths["leads"], paths["activities"], paths["conversions"], TrainConfig(),
                                  truth=paths["truth"], tracking_uri=f"sqlite:///{store}/mlflow.db", progress=progress)
    wall = time.perf_counter() - t0
    m = logged.metrics
    rows = [(f"{t:.1f} s", message) for t, message in stages]
    quality = [
        ("leadscore (LightGBM, calibrated)", f"{m['roc_auc']:.4f}", f"{m['log_loss']:.4f}", f"{m['ece']:.4f}",
         f"{m['lift_top10']:.2f}"),
        ("baseline: logistic regression", f"{m['roc_auc'] - m['auc_gain_over_logreg']:.4f}", "", "", ""),
        ("baseline: points scorecard", f"{m['roc_auc'] - m['auc_gain_over_points']:.4f}", "", "", ""),
    ]
    targets = [(f"training on {args.leads:,} leads ≤ 5 minutes on 2 cores", f"{wall:.0f} s",
                report.verdict(wall <= TARGET_S))]
    markdown = "\n".join([
        "# Training benchmark",
        "",
        f"`.venv/bin/python benchmarks/train.py --leads {args.leads}` — generated world (seed {args.seed}), the whole "
        "`leadscore train` path: load + validate, snapshots, backtest, LightGBM, calibration, baselines, plots, MLflow "
        "logging and registration into a temporary SQLite store.",
        f"Machine: {machine.describe(info)}. {machine.load_note()}. {machine.code_note(info['code'])}",
        "",
        report.md_table(report.TARGET_HEADER, targets),
        "",
        "## Test-window quality",
        report.md_table(("model", "ROC AUC", "log loss", "ECE", "lift top 10 %"), quality),
        "",
        "## Stages (elapsed when each began)",
        report.md_table(("elapsed", "stage"), rows),
        "",
    ])
    report.write_results("train", {"leads": args.leads, "wall_seconds": wall, "metrics": m, "stages": stages,
                                   "machine": info, "targets": report.target_records(targets)}, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
