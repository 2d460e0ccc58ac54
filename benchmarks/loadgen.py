"""The HTTP load generator of the serving benchmark: closed-loop clients in a separate Python process.

:func:`run_load` starts this file as a script (its configuration on stdin, its result as JSON on stdout), so
that the clients share the GIL with nothing being measured. Each client is a thread with one HTTP/1.1
keep-alive connection (``http.client``, the lightest stdlib client) that sends its next request as soon as
the previous answer is read. The generator reports its own CPU per request: on 2 cores it still takes some
CPU from the server, which lowers every absolute requests/s a little, the lightest server's most.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from measure import latency_stats


def run_load(url: str, path: str, body: bytes, concurrency: int, max_requests: int, max_seconds: float,
             warmup_per_client: int = 5, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """POST ``body`` to ``url + path`` from ``concurrency`` client threads in a separate Python process.

    After ``warmup_per_client`` unmeasured requests per thread, measurement runs until ``max_requests``
    measured requests have been sent or ``max_seconds`` have passed. Returns latency percentiles, requests/s,
    the status counts, the first errors, and the generator's own CPU seconds per request.
    """
    with tempfile.TemporaryDirectory() as scratch:
        body_file = Path(scratch) / "body.json"
        body_file.write_bytes(body)
        config = {"url": url, "path": path, "body_file": str(body_file), "concurrency": concurrency,
                  "max_requests": max_requests, "max_seconds": max_seconds, "warmup": warmup_per_client,
                  "headers": headers or {}}
        done = subprocess.run([sys.executable, str(Path(__file__).resolve())], input=json.dumps(config),
                              capture_output=True, text=True, timeout=max_seconds * 4 + 300, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def raise_unless_all_ok(result: dict[str, Any]) -> None:
    """A load level counts only if every answer was 200."""
    if result["errors"] or set(result["statuses"]) != {"200"}:
        raise RuntimeError(f"non-200 responses during the load test: {result['statuses']} {result['errors']}")


def median_of_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One load level's rounds (results of :func:`run_load`) summed up: each figure the median over the
    rounds, ``requests`` the total, ``rounds_per_s`` each round's requests/s."""
    return {
        "latency": {key: statistics.median(r["latency"][key] for r in rounds) for key in rounds[0]["latency"]},
        "requests_per_s": statistics.median(r["requests_per_s"] for r in rounds),
        "rounds_per_s": [r["requests_per_s"] for r in rounds],
        "requests": sum(r["requests"] for r in rounds),
        "client_cpu_ms_per_request": statistics.median(r["client_cpu_ms_per_request"] for r in rounds),
    }


def _generate(config: dict[str, Any]) -> dict[str, Any]:
    """The load itself (in the generator's process): see :func:`run_load`."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    parts = urlsplit(config["url"])
    body = Path(config["body_file"]).read_bytes()
    headers = {"Content-Type": "application/json", "Accept": "application/json", **config["headers"]}
    n = int(config["concurrency"])
    lock = threading.Lock()
    remaining = [int(config["max_requests"])]
    deadline = [float("inf")]
    latencies: list[list[float]] = [[] for _ in range(n)]
    ends = [0.0] * n
    errors: list[str] = []
    statuses: dict[int, int] = {}
    barrier = threading.Barrier(n + 1)

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)

        def once() -> tuple[float, int, bytes]:
            t0 = time.perf_counter()
            conn.request("POST", config["path"], body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return time.perf_counter() - t0, response.status, data

        try:
            for _ in range(int(config["warmup"])):
                once()
        finally:
            barrier.wait()
        while True:
            with lock:
                if remaining[0] <= 0 or time.perf_counter() > deadline[0]:
                    break
                remaining[0] -= 1
            seconds, status, data = once()
            latencies[i].append(seconds)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status != 200 and len(errors) < 3:
                    errors.append(f"{status}: {data[:300]!r}")
        ends[i] = time.perf_counter()
        conn.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(n)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    deadline[0] = start + float(config["max_seconds"])
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    for thread in threads:
        thread.join()
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    elapsed = max(ends) - start
    flat = [s for per in latencies for s in per]
    cpu = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    return {
        "concurrency": n,
        "requests": len(flat),
        "elapsed_s": elapsed,
        "requests_per_s": len(flat) / elapsed if elapsed > 0 else float("nan"),
        "latency": latency_stats(flat) if flat else {},
        "statuses": {str(k): v for k, v in statuses.items()},
        "errors": errors,
        "client_cpu_s": cpu,
        "client_cpu_ms_per_request": 1000 * cpu / len(flat) if flat else float("nan"),
        "body_bytes": len(body),
    }


if __name__ == "__main__":
    print(json.dumps(_generate(json.loads(sys.stdin.read()))))
