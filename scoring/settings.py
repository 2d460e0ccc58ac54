"""The settings every layer shares, in one place: model names and URIs, aliases, environment variables, telemetry.

Each layer keeps its own typed configuration (:class:`features.config.FeatureConfig`,
:class:`training.config.TrainConfig`, :class:`serving.config.ServeConfig`); what they have in common is here,
so a name is written once. Every environment variable leadscore reads is listed in :data:`ENVIRONMENT`
(the README's configuration table is generated from it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

N = TypeVar("N", int, float)

#: Registered model names: event-mode models (leads + activities) and flat-mode models (one row per lead)
#: are different products with different inputs, so they are registered apart.
MODEL_NAME = "lead-scoring"
FLAT_MODEL_NAME = "lead-scoring-flat"
EXPERIMENT = "lead-scoring"

CHAMPION = "champion"
CHALLENGER = "challenger"
PREVIOUS = "previous_champion"


def model_uri(name: str = MODEL_NAME, alias: str = CHAMPION) -> str:
    """``models:/NAME@ALIAS``: how a registered model is named everywhere (CLI, server, pyfunc)."""
    return f"models:/{name}@{alias}"


DEFAULT_MODEL_URI = model_uri()
FLAT_MODEL_URI = model_uri(FLAT_MODEL_NAME)  #: what `leadscore score --table` scores with by default

#: A tracking server's request: retries (MLflow's own default: 7, ~4 minutes with its backoff) and timeout.
REGISTRY_RETRIES, REGISTRY_TIMEOUT_SECONDS = "2", "30"

#: Every environment variable leadscore reads: name → (default, meaning).
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "MLFLOW_TRACKING_URI": ("sqlite:///<project>/mlflow.db", "MLflow tracking and registry store"),
    "MLFLOW_HTTP_REQUEST_MAX_RETRIES": (REGISTRY_RETRIES, "retries of a request to a tracking server (MLflow's "
                                        "default 7 waits ~4 minutes for one that is down)"),
    "MLFLOW_HTTP_REQUEST_TIMEOUT": (REGISTRY_TIMEOUT_SECONDS, "seconds a request to a tracking server may take"),
    "LEADSCORE_HOME": ("the working directory", "project folder holding mlflow.db, scores.db and models/"),
    "LEADSCORE_MODEL_URI": (DEFAULT_MODEL_URI, "the model the server serves: models:/NAME@ALIAS, models:/NAME/VERSION "
                            "or bento:NAME:VERSION (BentoML's store; inside a built Bento the default means its "
                            "packed model)"),
    "LEADSCORE_MODEL_CACHE": ("<project>/models", "folder of verified model copies (used when the registry is down)"),
    "LEADSCORE_API_TOKEN": ("(none: serve refuses to start)", "bearer token every data route needs"),
    "LEADSCORE_NO_AUTH": ("", "1 serves without a token (local use only)"),
    "LEADSCORE_MAX_LEADS": ("1000", "leads per request; more gets 413"),
    "LEADSCORE_MAX_BODY_BYTES": ("20000000", "request body size; more gets 413"),
    "LEADSCORE_INLINE_LEADS": ("10", "requests up to this many leads are scored on the event loop"),
    "LEADSCORE_INLINE_ACTIVITIES": ("2000", "… and up to this many activities"),
    "LEADSCORE_BATCH_LEADS": ("64", "small requests arriving together are scored in one call of up to this many"),
    "LEADSCORE_MAX_LEADS_IN_FLIGHT": ("2000", "leads a worker works on at once; beyond, 503 with Retry-After"),
    "LEADSCORE_MAX_BIG_BYTES_IN_FLIGHT": ("4000000", "bytes of big /score bodies (over 64 KB) waiting for or in a "
                                          "worker's scoring process; beyond, 503 with Retry-After"),
    "LEADSCORE_RETRY_AFTER": ("1", "seconds a refused client is asked to wait (Retry-After)"),
    "LEADSCORE_DRAIN_SECONDS": ("5", "after SIGTERM, wait at most this long for quiet, answering new requests with "
                                "503 + Connection: close (requests in flight are finished)"),
    "LEADSCORE_WORKERS": ("one per usable core", "server worker processes"),
    "LEADSCORE_WATCH_SECONDS": ("30", "how often the server checks its alias for a new champion (0: never)"),
    "LEADSCORE_ALLOW_CONTRACT_CHANGE": ("", "1 lets the server follow the alias to a model with another contract"),
    "LEADSCORE_SCORE_LOG": ("on", "off: record no scores (benchmarks)"),
    "LEADSCORE_SCORE_DB": ("sqlite:///<project>/scores.db", "score log database (SQLAlchemy URL)"),
    "LEADSCORE_HUBSPOT_CLIENT_SECRET": ("(none: /hooks/hubspot answers 403)", "HubSpot app client secret: verifies "
                                        "the webhook's X-HubSpot-Signature-v3"),
    "LEADSCORE_SALESFORCE_ORG_ID": ("(none: /hooks/salesforce answers 403)", "the org whose Outbound Messages "
                                    "are accepted (15 or 18 characters)"),
    "LEADSCORE_HOOKS_PUBLIC_URL": ("the URL the request names", "the URL HubSpot calls, when a proxy rewrites "
                                   "scheme or host"),
    "LEADSCORE_HUBSPOT_TOKEN": ("(none)", "HubSpot private app token for leadscore push"),
    "LEADSCORE_SALESFORCE_TOKEN": ("(none)", "Salesforce access token for leadscore push"),
    "LEADSCORE_SALESFORCE_API_VERSION": ("62.0", "Salesforce REST API version for leadscore push"),
    "LEADSCORE_PUSH_MAX_ATTEMPTS": ("8", "push: attempts per batch"),
    "LEADSCORE_PUSH_BACKOFF_S": ("1.0", "push: first retry wait"),
    "LEADSCORE_PUSH_BACKOFF_CAP_S": ("60.0", "push: longest retry wait"),
    "LEADSCORE_PUSH_MAX_WAIT_S": ("600.0", "push: a longer Retry-After stops the push"),
    "LEADSCORE_PUSH_SETTLE_S": ("5.0", "push: a resumed push waits this long before reading back a batch"),
    "LEADSCORE_PUSH_TIMEOUT_S": ("60.0", "push: per request"),
    "LEADSCORE_PUSH_BATCH_SIZE": ("the CRM's limit", "push: leads per CRM call"),
    "LEADSCORE_BATCH_CHUNK_LEADS": ("200000", "leadscore score on Parquet: leads read, scored and written together "
                                    "(memory follows this, not the file's size)"),
    "LEADSCORE_SPARK_MASTER": ("local[*]", "Spark master for --engine spark when no Spark session is running"),
    "LEADSCORE_SPARK_LEADS_PER_BUCKET": ("100000", "--engine spark: leads scored together in one Python call"),
    "LEADSCORE_SPARK_MAX_EXAMPLES": ("2000000", "train --engine spark: examples collected to the driver at most; "
                                                "beyond, leads are sampled"),
    "BENTOML_HOME": ("~/bentoml", "BentoML's store of models and Bentos (leadscore build writes there)"),
}


def environment_table() -> str:
    """:data:`ENVIRONMENT` as the README's markdown table."""
    rows = [f"| `{name}` | {default} | {meaning} |" for name, (default, meaning) in ENVIRONMENT.items()]
    return "\n".join(["| variable | default | meaning |", "| --- | --- | --- |", *rows])


def project_dir(env: Mapping[str, str] | None = None) -> Path:
    """The folder holding the embedded stores (``LEADSCORE_HOME``, else the working directory)."""
    return Path(env_text("LEADSCORE_HOME", env=env) or Path.cwd()).resolve()


# --------------------------------------------------------------------------------------------------
# Reading the environment: one set of rules for every layer (an empty variable is an unset one)


def env_text(name: str, default: str | None = None, env: Mapping[str, str] | None = None) -> str | None:
    """The variable's text, stripped; ``default`` when it is unset or empty."""
    text = (os.environ if env is None else env).get(name, "").strip()
    return text or default


def env_number(name: str, default: N, kind: type[N] | None = None, *, smallest: float | None = None,
               env: Mapping[str, str] | None = None) -> N:
    """The variable as a number of ``kind`` (the default's type), ``default`` when unset; ``ValueError``
    naming the variable when it is not such a number or is below ``smallest``."""
    text = env_text(name, env=env)
    if text is None:
        return default
    kind = kind or type(default)
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a number" + (" (a whole one is needed)" if kind is int else "")
                         ) from None
    if smallest is not None and value < smallest:
        raise ValueError(f"{name}={text!r} is too small (at least {smallest})")
    return value


def env_flag(name: str, default: bool, env: Mapping[str, str] | None = None) -> bool:
    """The variable as yes (1, true, yes, on) or no (0, false, no, off), ``default`` when unset."""
    text = env_text(name, env=env)
    if text is None:
        return default
    if text.lower() in ("1", "true", "yes", "on"):
        return True
    if text.lower() in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"{name}={text!r} is neither yes (1, true, yes, on) nor no (0, false, no, off)")


def default_tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else a SQLite store ``mlflow.db`` in the project folder."""
    return env_text("MLFLOW_TRACKING_URI") or f"sqlite:///{project_dir() / 'mlflow.db'}"


def client_defaults() -> None:
    """Keep MLflow and BentoML offline (no usage reports leave this machine) and give up on an unreachable
    tracking server within seconds, not MLflow's ~4 minutes of retries (a server starting on its cached model, a
    CLI saying the registry is down); set before either is imported, each only where the user set nothing."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    os.environ.setdefault("BENTOML_DO_NOT_TRACK", "true")
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", REGISTRY_RETRIES)
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", REGISTRY_TIMEOUT_SECONDS)
