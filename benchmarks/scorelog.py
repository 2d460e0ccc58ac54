"""Benchmark: the score log under API load. Every score lands (SQLite and PostgreSQL), and a request costs the
same with the log on as off.

    .venv/bin/python benchmarks/scorelog.py                          # > 10,000 scores per log (~3-4 min)
    .venv/bin/python benchmarks/scorelog.py --tracking-uri sqlite:////path/mlflow.db   # a model already trained

1. The model: ``--tracking-uri`` (its champion), else one trained once on ``--train-leads`` generated leads
   (``worlds.cached_model``). The request: one lead with 50 of its own activities (``serve.request_bodies``).
2. Three real servers (``serving.server.running_server``, one worker each, ``LEADSCORE_NO_AUTH=1``,
   ``LEADSCORE_WATCH_SECONDS=0``): the log **off** (``LEADSCORE_SCORE_LOG=off``), on an **SQLite** file, and
   on the **PostgreSQL** server at ``--pg`` (a schema of its own, dropped afterwards; left out when it is
   unreachable).
3. Latency: ``--rounds`` rounds; in each, ``--requests / --rounds`` one-lead requests from ``--clients``
   closed-loop clients (``loadgen.run_load``, a separate process) against each server in turn, back to back,
   so that the machine's drift (other tenants) lands on all three alike. Each server's p50 and p99 (median
   over the rounds) and the on/off ratio of the p50s (median of the per-round ratios).
4. Volume: ``--volume`` more scores into each log, as requests of 10 leads (each with its own activities;
   10 leads are still scored on the event loop, together with what arrives at the same time).
5. None lost: after the load, each log's rows are counted in its database and must equal the scores the
   server gave (measured and warm-up requests of both phases); ``/model`` shows the log's counters.
6. In process, without HTTP or other servers (what the log itself costs, apart from the machine's noise):
   ``ScoreHistory.record`` per request (the request path's whole share), and scoring the same lead
   ``--inproc-calls`` times with recording on and off in alternating blocks, the writer thread writing to an
   SQLite file meanwhile (the CPU it takes from the same process).

Results go to ``benchmarks/results/scorelog.{md,json}``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import loadgen
import machine
import report
import serve
import sqlalchemy as sa
import worlds
from report import say

from serving.server import running_server

WARMUP_PER_CLIENT = 5


@contextlib.contextmanager
def postgres_schema(server_url: str) -> Iterator[str | None]:
    """A fresh schema on the PostgreSQL server, as the log's URL (its search path), dropped afterwards; None
    when the server cannot be reached."""
    schema = f"scorelog_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = sa.create_engine(server_url, connect_args={"connect_timeout": 3})
        with admin.begin() as c:
            c.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        say(f"PostgreSQL at {server_url} not reachable ({type(exc).__name__}); measuring SQLite only")
        yield None
        return
    try:
        yield f"{server_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def count_rows(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            if not sa.inspect(c).has_table("score_log"):
                return 0
            return int(c.execute(sa.text("select count(*) from score_log")).scalar_one())
    finally:
        engine.dispose()


def wait_for_rows(url: str, expected: int, timeout: float = 60.0) -> tuple[int, float]:
    """The rows in the log once it holds ``expected`` (or ``timeout`` ran out), and the seconds waited."""
    t0 = time.perf_counter()
    while True:
        rows = count_rows(url)
        if rows >= expected or time.perf_counter() - t0 > timeout:
            return rows, time.perf_counter() - t0
        time.sleep(0.2)


def in_process(tracking_uri: str, model_uri: str, single: dict[str, Any], calls: int, folder: Path
               ) -> dict[str, Any]:
    """See item 6 of the module docstring."""
    from datetime import datetime

    from monitoring.scorelog import ScoreLog
    from scoring.options import ScoringOptions
    from serving.history import ScoreHistory
    from serving.loader import load_model
    from serving.scoring import score_request

    loaded = load_model(model_uri, folder / "models-inproc", tracking_uri)
    options = ScoringOptions(datetime.fromisoformat(single["as_of"].replace("Z", "+00:00")))
    leads = single["leads"]
    history = ScoreHistory(ScoreLog(f"sqlite:///{folder / 'inproc.db'}"))
    response = score_request(loaded.bundle, leads, options, loaded.version)
    record_s = []
    for _ in range(2_000):
        t0 = time.perf_counter()
        history.record(response, leads=leads)
        record_s.append(time.perf_counter() - t0)
    history.log.flush(60)  # type: ignore[union-attr]

    def block(on: bool, n: int) -> float:
        seconds = []
        for _ in range(n):
            t0 = time.perf_counter()
            answer = score_request(loaded.bundle, leads, options, loaded.version)
            if on:
                history.record(answer, leads=leads)
            seconds.append(time.perf_counter() - t0)
        return 1000 * statistics.median(seconds)

    blocks = 6
    off, on = [], []
    for _ in range(blocks):
        off.append(block(False, calls // blocks))
        on.append(block(True, calls // blocks))
    history.log.flush(60)  # type: ignore[union-attr]
    counters = history.counters()
    history.close()
    ratios = [a / b for a, b in zip(on, off, strict=True)]
    return {"record_us_median": 1e6 * statistics.median(record_s), "score_ms_off": statistics.median(off),
            "score_ms_on": statistics.median(on), "ratio": statistics.median(ratios), "block_ratios": ratios,
            "counters": counters}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1_500, help="measured one-lead requests per server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--volume", type=int, default=10_000, help="scores sent in 10-lead requests per log")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--tracking-uri", help="serve this store's champion instead of training one")
    parser.add_argument("--train-leads", type=int, default=20_000)
    parser.add_argument("--world-leads", type=int, default=2_000, help="generated leads to take the request from")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--inproc-calls", type=int, default=1_200)
    args = parser.parse_args()
    info = machine.announce()

    if args.tracking_uri:
        tracking_uri, model_uri = args.tracking_uri, "models:/lead-scoring@champion"
    else:
        model = worlds.cached_model(args.train_leads, seed=1)
        tracking_uri, model_uri = model["tracking_uri"], model["model_uri"]
    single, ten = serve.request_bodies(worlds.cached_world(args.world_leads, seed=7), n_batch=10)
    body, ten_body = json.dumps(single).encode(), json.dumps(ten).encode()
    per_round = args.requests // args.rounds

    with tempfile.TemporaryDirectory() as scratch, postgres_schema(args.pg) as pg_url, contextlib.ExitStack() as stack:
        folder = Path(scratch)
        inproc = in_process(tracking_uri, model_uri, single, args.inproc_calls, folder)
        say(f"in process: record() {inproc['record_us_median']:.1f} µs per request; scoring "
            f"{inproc['score_ms_off']:.2f} ms off, {inproc['score_ms_on']:.2f} ms on (ratio {inproc['ratio']:.3f})")
        logs: dict[str, str | None] = {"off": None, "sqlite": f"sqlite:///{folder / 'scores.db'}"}
        if pg_url:
            logs["postgresql"] = pg_url
        urls = {}
        for name, log_url in logs.items():
            env = {"MLFLOW_TRACKING_URI": tracking_uri, "LEADSCORE_MODEL_URI": model_uri, "LEADSCORE_NO_AUTH": "1",
                   "LEADSCORE_MODEL_CACHE": str(folder / f"models-{name}"), "LEADSCORE_WATCH_SECONDS": "0",
                   **({"LEADSCORE_SCORE_DB": log_url} if log_url else {"LEADSCORE_SCORE_LOG": "off"})}
            urls[name] = stack.enter_context(running_server(env, workers=1, log_path=folder / f"{name}.log"))
            say(f"server with the log {name}: {urls[name]}")

        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in logs}
        t0 = time.perf_counter()
        for r in range(args.rounds):
            for name in logs:
                result = loadgen.run_load(urls[name], "/score", body, args.clients, per_round, max_seconds=300,
                                          warmup_per_client=WARMUP_PER_CLIENT)
                loadgen.raise_unless_all_ok(result)
                rounds[name].append(result)
                say(f"round {r + 1} {name:>10}: p50 {result['latency']['p50_ms']:.2f} ms, "
                    f"{result['requests_per_s']:.0f} req/s")
        latency_s = time.perf_counter() - t0
        volume: dict[str, dict[str, Any]] = {}
        for name, log_url in logs.items():
            if log_url:
                volume[name] = loadgen.run_load(urls[name], "/score", ten_body, args.clients, args.volume // 10,
                                                max_seconds=600, warmup_per_client=0)
                loadgen.raise_unless_all_ok(volume[name])
                say(f"volume {name:>10}: {10 * volume[name]['requests']:,} scores, "
                    f"{10 * volume[name]['requests_per_s']:.0f} scores/s")

        results: dict[str, Any] = {"requests_per_server": per_round * args.rounds, "rounds": args.rounds,
                                   "clients": args.clients, "latency_seconds": latency_s,
                                   "load_seconds": time.perf_counter() - t0, "in_process": inproc, "servers": {}}
        for name, log_url in logs.items():
            given = sum(r["requests"] for r in rounds[name]) + args.rounds * args.clients * WARMUP_PER_CLIENT
            if name in volume:
                given += 10 * volume[name]["requests"]
            entry: dict[str, Any] = {
                "p50_ms": statistics.median(r["latency"]["p50_ms"] for r in rounds[name]),
                "p99_ms": statistics.median(r["latency"]["p99_ms"] for r in rounds[name]),
                "requests_per_s": statistics.median(r["requests_per_s"] for r in rounds[name]),
                "scores_given": given,
            }
            if log_url:
                rows, waited = wait_for_rows(log_url, given)
                counters = httpx.get(f"{urls[name]}/model", timeout=10).json()["score_log"]
                entry.update(rows=rows, lost=given - rows, drained_after_s=waited, counters=counters)
                entry["p50_ratio_to_off"] = statistics.median(
                    on["latency"]["p50_ms"] / off["latency"]["p50_ms"] for on, off in zip(rounds[name], rounds["off"],
                                                                                             strict=True))
            results["servers"][name] = entry

    markdown = write_up(results, info)
    print(markdown)
    report.write_results("scorelog", {"machine": info, **results}, markdown)
    lost = {n: e["lost"] for n, e in results["servers"].items() if e.get("lost")}
    if lost:
        raise SystemExit(f"scores lost: {lost}")


def write_up(results: dict[str, Any], info: dict[str, Any]) -> str:
    rows = []
    for name, e in results["servers"].items():
        rows.append([
            {"off": "log off", "sqlite": "SQLite file (WAL)", "postgresql": "PostgreSQL (loopback)"}[name],
            f"{e['scores_given']:,}", f"{e['rows']:,}" if "rows" in e else "–",
            str(e.get("lost", "–")), f"{e['p50_ms']:.2f}", f"{e['p99_ms']:.2f}",
            f"{e['p50_ratio_to_off']:.3f}" if "p50_ratio_to_off" in e else "1",
            f"{e['requests_per_s']:.0f}",
        ])
    table = report.md_table(["score log", "scores given", "rows in the log", "lost", "p50 ms", "p99 ms",
                             "p50 ÷ off (median of rounds)", "requests/s"], rows)
    inproc = results["in_process"]
    lines = (f"In process (no HTTP): `ScoreHistory.record` {inproc['record_us_median']:.1f} µs per request (median); "
             f"one-lead scoring {inproc['score_ms_off']:.2f} ms with the log off, {inproc['score_ms_on']:.2f} ms "
             f"with it on and its writer busy (ratio {inproc['ratio']:.3f}, median of "
             f"{len(inproc['block_ratios'])} alternating blocks: "
             f"{', '.join(f'{r:.2f}' for r in inproc['block_ratios'])}).")
    return (f"Score log under API load, one worker per server. Latency: {results['requests_per_server']:,} "
            f"one-lead requests (50 activities) per server from {results['clients']} clients, {results['rounds']} "
            "rounds alternating between the servers; then 10-lead requests to bring each log past 10,000 scores "
            f"(load {results['load_seconds']:.0f} s in all).\n\n{table}\n\n"
            f"{lines}\n\n{machine.describe(info)}; {machine.load_note()}\n")


if __name__ == "__main__":
    main()
