"""Serving configuration, read once from the environment (the CLI sets it from its options)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scoring.settings import DEFAULT_MODEL_URI, env_flag, env_number, env_text, project_dir


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and ``taskset`` narrow), the
    default number of server workers: one worker is one event loop, so a second core only serves requests
    with a second worker."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass(frozen=True)
class ServeConfig:
    """* ``model_uri``: a registry alias or version, ``models:/NAME@ALIAS`` or ``models:/NAME/VERSION``.
    * ``cache_dir``: where verified copies of loaded models are kept, so the service starts even when
      the tracking server is down.
    * ``api_token``: the bearer token every non-health route needs; ``auth=False`` only when the
      operator said ``--no-auth``.
    * ``max_leads`` / ``max_body_bytes``: larger requests get 413 instead of tying up a worker.
    * ``inline_leads`` / ``inline_activities``: a request at most this big (a CRM scoring one lead as it
      changes) is scored on the server's event loop; a bigger one goes to a worker thread so that it never
      holds up health probes and small requests (handing a one-lead request to a thread costs more than
      scoring it: ``benchmarks/DECISIONS.md``).
    * ``batch_leads``: small requests that arrive together are scored in one call of up to this many
      leads (:mod:`serving.batcher`); 1 scores every request alone.
    * ``max_leads_in_flight``: a worker works on at most this many leads at once (across requests); a request
      that would pass it is answered 503 with ``Retry-After: retry_after_seconds`` at once instead of waiting
      in a queue (a request bigger than the bound alone is taken when the worker is idle).
    * ``max_big_bytes_in_flight``: the big ``/score`` bodies (over 64 KB) waiting for or in a worker's scoring
      process (:mod:`serving.offload`) add up to at most this many bytes; one more gets 503 with ``Retry-After``
      at once. The default holds two 1,000-lead requests with 50 activities each (1.8 MB each), or twenty
      100-lead ones: about the work ``max_leads_in_flight`` allows in the worker itself.
    * ``drain_seconds``: how long, at most, a worker waits for quiet after SIGTERM; a request in flight then
      is still finished (:mod:`serving.lifecycle`).
    * ``workers``: server processes, each with its own copy of the model (~0.3 GB); by default one per core
      the service may use (:func:`usable_cores`). BentoML 1.4 takes this from the service's own settings:
      ``bentoml serve --api-workers`` is ignored for services like this one.
    * ``watch_seconds``: how often each worker asks the registry where the alias points (0: never; a URI
      naming a version is never followed); a new version is loaded, verified and swapped in
      (:mod:`serving.watch`).
    * ``allow_contract_change``: follow the alias even to a version whose contract (mode, horizon, inputs)
      differs from the one served; off by default, the switch is refused and logged.
    * ``score_log``: record every score given in the score log (:mod:`serving.history`); off only for
      benchmarks or where nothing may be kept."""

    model_uri: str = DEFAULT_MODEL_URI
    cache_dir: Path = field(default_factory=lambda: project_dir() / "models")
    api_token: str | None = None
    auth: bool = True
    max_leads: int = 1000
    max_body_bytes: int = 20_000_000
    inline_leads: int = 10
    inline_activities: int = 2_000
    batch_leads: int = 64
    max_leads_in_flight: int = 2000
    max_big_bytes_in_flight: int = 4_000_000
    retry_after_seconds: int = 1
    drain_seconds: float = 5.0
    workers: int = field(default_factory=usable_cores)
    watch_seconds: float = 30.0
    allow_contract_change: bool = False
    score_log: bool = True

    @classmethod
    def from_env(cls) -> ServeConfig:
        """The configuration the environment gives (``scoring.settings.ENVIRONMENT`` lists the variables);
        anything unset keeps the default above."""
        default = cls.__dataclass_fields__

        def number(name: str, attribute: str) -> float:
            return env_number(name, default[attribute].default, smallest=0)

        return cls(
            model_uri=env_text("LEADSCORE_MODEL_URI", DEFAULT_MODEL_URI),
            cache_dir=Path(env_text("LEADSCORE_MODEL_CACHE") or project_dir() / "models"),
            api_token=env_text("LEADSCORE_API_TOKEN"),
            auth=not env_flag("LEADSCORE_NO_AUTH", False),
            max_leads=number("LEADSCORE_MAX_LEADS", "max_leads"),
            max_body_bytes=number("LEADSCORE_MAX_BODY_BYTES", "max_body_bytes"),
            inline_leads=number("LEADSCORE_INLINE_LEADS", "inline_leads"),
            inline_activities=number("LEADSCORE_INLINE_ACTIVITIES", "inline_activities"),
            batch_leads=number("LEADSCORE_BATCH_LEADS", "batch_leads"),
            max_leads_in_flight=number("LEADSCORE_MAX_LEADS_IN_FLIGHT", "max_leads_in_flight"),
            max_big_bytes_in_flight=number("LEADSCORE_MAX_BIG_BYTES_IN_FLIGHT", "max_big_bytes_in_flight"),
            retry_after_seconds=number("LEADSCORE_RETRY_AFTER", "retry_after_seconds"),
            drain_seconds=number("LEADSCORE_DRAIN_SECONDS", "drain_seconds"),
            workers=env_number("LEADSCORE_WORKERS", usable_cores(), smallest=1),
            watch_seconds=number("LEADSCORE_WATCH_SECONDS", "watch_seconds"),
            allow_contract_change=env_flag("LEADSCORE_ALLOW_CONTRACT_CHANGE", False),
            score_log=score_log_enabled(),
        )


def score_log_enabled(env: Mapping[str, str] | None = None) -> bool:
    """Whether scores are recorded: ``LEADSCORE_SCORE_LOG`` is on unless set to ``off`` (or 0, false, no)."""
    return env_flag("LEADSCORE_SCORE_LOG", True, env)
