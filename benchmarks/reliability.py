"""Benchmark: the service under bad input, overload and shutdown, with the real server over HTTP.

    .venv/bin/python benchmarks/reliability.py                 # all three, 2 workers (~3 min on 2 cores)
    .venv/bin/python benchmarks/reliability.py --only overload --seconds 20

It starts the server itself (``serving.server.serve_command``), so the same script measures an older
checkout too: run it with that checkout's interpreter and ``--project DIR``.

1. **Malformed bodies**: the corpus of ``tests/reliability/test_fuzz.py`` (wrong types, huge strings, deep
   nesting, NaN/Infinity, bad dates, random bytes under several content types, a pickle) to ``/score`` and
   ``/card``, each over one kept-alive connection: 5xx answers, undocumented statuses, and requests whose
   connection was closed or reset.
2. **Overload**: ``--clients`` clients (default 32) post 1,000-lead requests for ``--seconds`` (a client that
   gets 503 waits its ``Retry-After``, as a well-behaved client does) while a probe asks ``/livez`` every 50 ms:
   statuses, time to a refusal, probe latency p50/p99/max. Three probes run side by side: one thread of this
   process (``livez_ms``: it shares this process's interpreter lock with the 32 client threads, so it also
   measures the client), one process of its own as a kubelet is (``livez_ms_own_process``), and the same probe
   against a bare asyncio server that does nothing else (``floor_ms``): what the machine's scheduler alone costs a
   probe at that moment, the least any server could reach.
3. **SIGTERM**: 8 clients send on kept-alive connections (two of them 100-lead requests, so that work is in
   flight); after 3 s the server's process group gets SIGTERM. A request is *lost* when it was sent and got
   no response (reset, or the connection dropped); a refused connection sent nothing and is not lost.

Results go to ``benchmarks/results/reliability.{md,json}``.
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import worlds
from project import CACHE_DIR
from report import say
from serve import request_bodies

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
AS_OF = "2026-06-30T00:00:00Z"
TOKEN = "bench-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
DOCUMENTED = {"/score": {200, 400, 413, 415}, "/card": {200, 400, 413, 415, 422}}


def malformed_requests() -> list[tuple[str | None, bytes]]:
    spec = importlib.util.spec_from_file_location("fuzz", HERE.parent / "tests/reliability/test_fuzz.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.malformed_requests()


@contextmanager
def server(model: dict[str, Any], project: Path, workers: int, log: Path, extra: dict[str, str] | None = None):
    from serving.server import free_port, serve_command, serve_env, stop, wait_until_ready

    port = free_port()
    env = {**os.environ, **serve_env(workers), "LEADSCORE_API_TOKEN": TOKEN, "LEADSCORE_MODEL_URI": model["model_uri"],
           "MLFLOW_TRACKING_URI": model["tracking_uri"], "LEADSCORE_MODEL_CACHE": str(CACHE_DIR / "reliability-models"),
           "LEADSCORE_MAX_BODY_BYTES": "20000000", **(extra or {})}
    command = serve_command("127.0.0.1", port)
    command[command.index("--working-dir") + 1] = str(project)
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, cwd=project, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(url, process, 240, log)
        yield url, process
    finally:
        stop(process, grace_seconds=30)


def fuzz(url: str) -> dict[str, Any]:
    requests = malformed_requests()
    out: dict[str, Any] = {"requests": 0, "5xx": 0, "undocumented": 0, "connection_lost": 0, "statuses": Counter()}
    parts = urlsplit(url)
    for path, documented in DOCUMENTED.items():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        conn.connect()
        for content_type, body in requests:
            headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
            sock = conn.sock
            out["requests"] += 1
            try:
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                out["connection_lost"] += 1
                conn.close()
                conn.connect()
                continue
            out["statuses"][f"{path} {response.status}"] += 1
            out["5xx"] += response.status >= 500
            out["undocumented"] += response.status not in documented
            if conn.sock is not sock:  # the server closed the connection after answering
                out["connection_lost"] += 1
                conn.connect()
        conn.close()
    out["statuses"] = dict(out["statuses"])
    return out


def probe_process(url: str, seconds: float) -> None:
    """``--probe``: ask ``url``/livez every 50 ms for ``seconds`` on one kept-alive connection; print the
    latencies (ms) as JSON."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    latencies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            conn.request("GET", "/livez")
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            conn.close()  # counted at the time it took to fail; the next probe reconnects
        latencies.append(1000 * (time.monotonic() - started))
        time.sleep(0.05)
    print(json.dumps(latencies))


def floor_server(port: int) -> None:
    """``--floor-server``: a bare asyncio HTTP server answering every request at once (nothing else to do)."""
    import asyncio

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        body = b'{"status":"alive"}'
        while True:
            try:
                await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s"
                         % (len(body), body))
            await writer.drain()

    async def main() -> None:
        server = await asyncio.start_server(answer, "127.0.0.1", port)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _spread(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {"p50": ordered[len(ordered) // 2], "p99": ordered[int(0.99 * (len(ordered) - 1))], "max": ordered[-1],
            "probes": len(ordered)}


def overload(url: str, body: bytes, clients: int, seconds: float) -> dict[str, Any]:
    statuses: Counter = Counter()
    refusals: list[float] = []
    accepted: list[float] = []
    stop = threading.Event()

    def client() -> None:
        with httpx.Client(headers={**AUTH, "Content-Type": "application/json"}, timeout=120) as c:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    response = c.post(f"{url}/score", content=body)
                except httpx.HTTPError as exc:
                    statuses[type(exc).__name__] += 1
                    continue
                elapsed = time.monotonic() - started
                statuses[str(response.status_code)] += 1
                if response.status_code == 503:
                    refusals.append(elapsed)
                    stop.wait(float(response.headers.get("retry-after", "1")))
                else:
                    accepted.append(elapsed)

    from serving.server import free_port

    port = free_port()
    floor = subprocess.Popen([sys.executable, __file__, "--floor-server", str(port)])
    me = [sys.executable, __file__, "--probe-seconds", str(seconds), "--probe"]
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    own = subprocess.Popen([*me, url], stdout=subprocess.PIPE)
    bare = subprocess.Popen([*me, f"http://127.0.0.1:{port}"], stdout=subprocess.PIPE)
    probes: list[float] = []
    try:
        with httpx.Client(timeout=30) as probe:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                started = time.monotonic()
                probe.get(f"{url}/livez")
                probes.append(time.monotonic() - started)
                time.sleep(0.05)
        own_process = json.loads(own.communicate(timeout=seconds + 60)[0])
        bare_server = json.loads(bare.communicate(timeout=seconds + 60)[0])
    finally:
        for process in (own, bare, floor):
            if process.poll() is None:
                process.kill()
            process.wait()
        stop.set()
        for t in threads:
            t.join()
    return {"statuses": dict(statuses), "seconds": seconds, "clients": clients,
            "refusal_s_median": statistics.median(refusals) if refusals else None,
            "accepted_s_median": statistics.median(accepted) if accepted else None,
            "livez_ms": _spread([1000 * p for p in probes]), "livez_ms_own_process": _spread(own_process),
            "floor_ms": _spread(bare_server), "loadavg_after": Path("/proc/loadavg").read_text().split()[:3]}


def sigterm(url: str, process: subprocess.Popen, small: bytes, big: bytes, clients: int = 8) -> dict[str, Any]:
    outcomes: Counter = Counter()

    def client(body: bytes) -> None:
        with httpx.Client(headers={**AUTH, "Content-Type": "application/json"}, timeout=60) as c:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    response = c.post(f"{url}/score", content=body)
                except httpx.ConnectError:
                    outcomes["refused"] += 1
                    return
                except httpx.HTTPError as exc:
                    outcomes[f"lost ({type(exc).__name__})"] += 1
                    continue  # a pool would open a new connection and go on
                outcomes[str(response.status_code)] += 1
                if response.status_code == 503:
                    return

    threads = [threading.Thread(target=client, args=(big if i < 2 else small,)) for i in range(clients)]
    for t in threads:
        t.start()
    time.sleep(3)
    signalled = time.monotonic()
    os.killpg(process.pid, signal.SIGTERM)
    for t in threads:
        t.join()
    code = process.wait(timeout=60)
    return {"outcomes": dict(outcomes), "lost": sum(v for k, v in outcomes.items() if k.startswith("lost")),
            "exit_code": code, "stopped_after_s": time.monotonic() - signalled}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=HERE.parent, help="the checkout whose service is served")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--sigterm-runs", type=int, default=2)
    parser.add_argument("--train-leads", type=int, default=5000)
    parser.add_argument("--tracking-uri", help="serve this store's model instead of training one (with --model-uri)")
    parser.add_argument("--model-uri", default="models:/lead-scoring@champion")
    parser.add_argument("--only", choices=["fuzz", "overload", "sigterm"], action="append")
    parser.add_argument("--label", default="this checkout")
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    parser.add_argument("--probe-seconds", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--floor-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        return probe_process(args.probe, args.probe_seconds)
    if args.floor_server:
        return floor_server(args.floor_server)
    parts = set(args.only or ["fuzz", "overload", "sigterm"])
    model = ({"tracking_uri": args.tracking_uri, "model_uri": args.model_uri} if args.tracking_uri
             else worlds.cached_model(args.train_leads, seed=1))
    single, batch = request_bodies(worlds.cached_world(args.train_leads, 1), n_batch=1000)
    small = json.dumps({"leads": single["leads"], "as_of": AS_OF}).encode()
    big = json.dumps({"leads": batch["leads"][:100], "as_of": AS_OF}).encode()
    results: dict[str, Any] = {"label": args.label, "project": str(args.project), "workers": args.workers,
                               "loadavg_before": Path("/proc/loadavg").read_text().split()[:3]}
    log = CACHE_DIR / "reliability-server.log"
    if parts & {"fuzz", "overload"}:
        with server(model, args.project, args.workers, log) as (url, _):
            if "fuzz" in parts:
                results["fuzz"] = r = fuzz(url)
                say(f"fuzz: {r['requests']} requests, {r['5xx']} 5xx, {r['undocumented']} undocumented, "
                    f"{r['connection_lost']} connections lost")
            if "overload" in parts:
                results["overload"] = r = overload(url, json.dumps(batch).encode(), args.clients, args.seconds)
                for name in ("livez_ms", "livez_ms_own_process", "floor_ms"):
                    say(f"overload: {r['statuses']}, {name} p50 {r[name]['p50']:.0f} ms, p99 "
                        f"{r[name]['p99']:.0f} ms, max {r[name]['max']:.0f} ms")
    if "sigterm" in parts:
        results["sigterm"] = []
        for _ in range(args.sigterm_runs):
            with server(model, args.project, args.workers, log) as (url, process):
                results["sigterm"].append(r := sigterm(url, process, small, big))
                say(f"sigterm: {r['outcomes']}, exit {r['exit_code']} after {r['stopped_after_s']:.1f} s")
    RESULTS.mkdir(exist_ok=True)
    name = "reliability" if args.label == "this checkout" else f"reliability-{args.label}"
    (RESULTS / f"{name}.json").write_text(json.dumps(results, indent=2, default=str))
    say(f"wrote {RESULTS / (name + '.json')}")


if __name__ == "__main__":
    sys.exit(main())
