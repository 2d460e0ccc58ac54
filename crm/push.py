"""``leadscore push``: the scores into the CRM through its batch API, each update applied once.

Updates go in batches (HubSpot 100, Salesforce 200 per call; :mod:`crm.vendors`), one request at a time,
with ``Authorization: Bearer <token>``. Each batch follows the progress file (:mod:`crm.journal`):

1. ``sending`` is written and synced, then the request leaves.
2. An answer is written as ``result``: per record updated or failed (a record-level error such as a
   deleted lead is recorded, not retried), or — for 429 — nothing applied, so the batch goes again after
   ``Retry-After`` (seconds or an HTTP date) or an exponential backoff with jitter.
3. No answer (a dropped connection, a timeout) or a 5xx leaves the batch *in flight*: the CRM may or may
   not have applied it. Before anything is sent again, the in-flight ids are **read back** and those whose
   record already holds this push's score and ``scored_at`` moment count as updated; only the others are
   sent again. ``scored_at`` is the same for every update of one scores file and differs between runs, so
   a record holding it holds this push's update, not an older one with the same score.
4. A killed process resumes from the progress file: done batches are skipped; a batch left in flight is
   read back as in 3, after waiting ``settle_s`` for a request the CRM may still be finishing.

So every update is sent until the CRM holds it, and never again once it does: exactly once, with one
limit stated honestly: a request the CRM receives but commits only *after* the read-back (it was still
running when the client died, and ran longer than ``settle_s``) would be applied a second time, with the
same values (an update writes absolute values, so the record ends the same; only the field history shows
two writes). Attempts per batch are bounded; a CRM that keeps failing stops the push with a message, and
running the same command again resumes it. 401 (a bad token) stops at once, without retries.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

from crm.fields import Crm, LeadUpdate
from crm.journal import BatchState, Journal
from crm.vendors import Api, RejectedBatch, Request, make_api
from scoring.settings import env_number, env_text

TOKEN_ENV: dict[Crm, str] = {"salesforce": "LEADSCORE_SALESFORCE_TOKEN", "hubspot": "LEADSCORE_HUBSPOT_TOKEN"}


class PushError(RuntimeError):
    """The push stopped; the message says why and what to do. The progress file keeps what was done."""


class AuthError(PushError):
    """The CRM refused the token (401): not retried."""


@dataclass(frozen=True)
class PushConfig:
    """* ``max_attempts``: failed requests (429, 5xx, lost connections) one batch may take before the push
      stops (run it again to resume).
    * ``backoff_s`` / ``backoff_cap_s``: the n-th retry waits between half and all of
      ``min(cap, backoff_s * 2**(n-1))`` ("equal jitter"), unless the CRM said ``Retry-After``.
    * ``max_wait_s``: a longer ``Retry-After`` stops the push instead of holding it (a daily limit).
    * ``settle_s``: a resumed push waits this long before reading back a batch left in flight.
    * ``timeout_s``: per request. ``salesforce_api_version``: the REST API version (sObject Collections
      need 42.0 or later). ``batch_size``: at most the CRM's limit, which is the default."""

    max_attempts: int = 8
    backoff_s: float = 1.0
    backoff_cap_s: float = 60.0
    max_wait_s: float = 600.0
    settle_s: float = 5.0
    timeout_s: float = 60.0
    salesforce_api_version: str = "62.0"
    batch_size: int | None = None

    @classmethod
    def from_env(cls) -> PushConfig:
        """The settings ``LEADSCORE_PUSH_MAX_ATTEMPTS``, ``_BACKOFF_S``, ``_BACKOFF_CAP_S``, ``_MAX_WAIT_S``,
        ``_SETTLE_S``, ``_TIMEOUT_S``, ``_BATCH_SIZE`` and ``LEADSCORE_SALESFORCE_API_VERSION``; unset ones
        keep their defaults. A value that is not a number raises ``ValueError`` naming the variable."""
        default = cls()

        def number(name: str, fallback: float | None, kind: type = float) -> Any:
            smallest = 0 if name == "SETTLE_S" else 1e-9  # only the settle time may be 0
            return env_number(f"LEADSCORE_PUSH_{name}", fallback, kind, smallest=smallest)

        return cls(max_attempts=number("MAX_ATTEMPTS", default.max_attempts, int),
                   backoff_s=number("BACKOFF_S", default.backoff_s),
                   backoff_cap_s=number("BACKOFF_CAP_S", default.backoff_cap_s),
                   max_wait_s=number("MAX_WAIT_S", default.max_wait_s),
                   settle_s=number("SETTLE_S", default.settle_s),
                   timeout_s=number("TIMEOUT_S", default.timeout_s),
                   salesforce_api_version=env_text("LEADSCORE_SALESFORCE_API_VERSION", default.salesforce_api_version),
                   batch_size=number("BATCH_SIZE", None, int))


@dataclass(frozen=True)
class PushSummary:
    """The whole push (all runs of it): leads updated, failed at the CRM (with its message) and skipped
    (not in the updates: rows with errors); this run's requests, retries and read-backs."""

    crm: Crm
    updated: int
    failed: int
    skipped: int
    batches: int
    requests: int
    retries: int
    read_backs: int
    resumed: bool
    progress: Path
    failures: tuple[tuple[str, str], ...] = ()

    def line(self) -> str:
        return (f"{self.crm}: {self.updated:,} updated, {self.skipped:,} skipped, {self.failed:,} failed "
                f"({self.batches:,} batches; this run {self.requests:,} requests, {self.retries:,} retried, "
                f"{self.read_backs:,} read back{', resumed' if self.resumed else ''}; progress in {self.progress})")


class _Retry(Exception):
    """A request that may succeed later. ``maybe_applied``: it may have reached the CRM."""

    def __init__(self, why: str, maybe_applied: bool, wait: float | None = None) -> None:
        super().__init__(why)
        self.maybe_applied = maybe_applied
        self.wait = wait


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds: a number of seconds or an HTTP date (RFC 9110 §10.2.3); ``None`` if absent
    or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def fingerprint(crm: Crm, instance_url: str, api: Api, updates: Sequence[LeadUpdate]) -> str:
    """SHA-256 of everything the push sends: a progress file resumes only the push it was written for."""
    digest = hashlib.sha256(json.dumps([crm, instance_url]).encode())
    for update in updates:
        digest.update(json.dumps([update.id, api.payload(update)], ensure_ascii=False, sort_keys=True).encode())
    return digest.hexdigest()


class _Pusher:
    def __init__(self, api: Api, http: httpx.Client, journal: Journal, config: PushConfig) -> None:
        self.api, self.http, self.journal, self.config = api, http, journal, config
        self.requests = self.retries = self.read_backs = 0

    def call(self, request: Request) -> tuple[int, Any]:
        """One request: its status and JSON body, or :class:`_Retry`, or :class:`PushError`."""
        self.requests += 1
        crm = self.api.crm
        try:
            response = self.http.request(request.method, self.api.url(request.path), json=request.body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise _Retry(f"cannot connect to {self.api.instance_url} ({exc})", maybe_applied=False) from None
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
            raise PushError(f"{crm}: cannot send to {self.api.instance_url} ({exc}); check --instance-url") from None
        except httpx.TransportError as exc:  # dropped or timed out after sending: it may have arrived
            raise _Retry(f"connection lost ({type(exc).__name__}: {exc})", maybe_applied=True) from None
        status = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = response.text[:300]
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if status == 429:
            raise _Retry(f"429 {self.api.error_text(body)}", maybe_applied=False, wait=wait)
        if status >= 500:
            raise _Retry(f"{status} {self.api.error_text(body)}", maybe_applied=True, wait=wait)
        if 300 <= status < 400:
            raise PushError(f"{crm} redirected the request to {response.headers.get('Location')}: give --instance-url "
                            "as the address it redirects to")
        if status == 401:
            raise AuthError(f"{crm} refused the token (401 {self.api.error_text(body)}): set {TOKEN_ENV[crm]} to a "
                            f"valid {'access token' if crm == 'salesforce' else 'private app token'} and run again")
        if status in (403, 404) or (400 < status < 500):
            hint = "check --instance-url and the API version" if status == 404 else \
                "check the token's permissions (it needs to read and edit the fields) and the API limits"
            raise PushError(f"{crm} answered {status} ({self.api.error_text(body)}): {hint}; run again to resume")
        return status, body

    def wait(self, attempts: int, reason: _Retry, batch: int) -> None:
        self.retries += 1
        if attempts >= self.config.max_attempts:
            raise PushError(f"{self.api.crm}: batch {batch} failed {attempts} times (last: {reason}); nothing is "
                            "lost: run the same command again later to resume")
        if reason.wait is not None:
            if reason.wait > self.config.max_wait_s:
                raise PushError(f"{self.api.crm} asks to wait {reason.wait:.0f} s (Retry-After) before batch "
                                f"{batch}; run the same command again after that to resume")
            time.sleep(reason.wait + random.uniform(0, self.config.backoff_s / 2))
            return
        step = min(self.config.backoff_cap_s, self.config.backoff_s * 2 ** (attempts - 1))
        time.sleep(step / 2 + random.uniform(0, step / 2))

    def run_batch(self, number: int, updates: dict[str, LeadUpdate]) -> None:
        state: BatchState = self.journal.batches[number - 1]
        attempts = 0
        while not state.done:
            try:
                if state.in_flight:
                    self.read_back(number, state, updates)
                else:
                    self.send(number, [updates[i] for i in state.pending])
            except _Retry as reason:
                attempts += 1
                self.wait(attempts, reason, number)
        self.journal.record({"event": "done", "batch": number, "updated": len(state.updated),
                             "failed": len(state.failed)})

    def send(self, number: int, batch: list[LeadUpdate]) -> None:
        ids = [u.id for u in batch]
        self.journal.record({"event": "sending", "batch": number, "ids": ids})
        try:
            status, body = self.call(self.api.update_request(batch))
            outcome = self.api.update_outcome(status, body, ids)
        except _Retry as reason:
            if not reason.maybe_applied:
                self.journal.record({"event": "result", "batch": number, "unsent": ids})
            raise
        except RejectedBatch as exc:
            self.journal.record({"event": "result", "batch": number, "unsent": ids})
            raise PushError(f"{self.api.crm} refused batch {number} ({exc}); check that the fields exist with the "
                            "types in the README, then run again to resume") from None
        except PushError:
            self.journal.record({"event": "result", "batch": number, "unsent": ids})
            raise
        self.journal.record({"event": "result", "batch": number, "updated": outcome.updated,
                             "failed": outcome.failed, "unsent": outcome.unsent})

    def read_back(self, number: int, state: BatchState, updates: dict[str, LeadUpdate]) -> None:
        """Resolve ids in flight: applied if the record holds this push's score and scored_at."""
        ids = [i for i in state.ids if i in state.in_flight]
        self.read_backs += 1
        status, body = self.call(self.api.read_request(ids))
        if status not in (200, 207):
            raise PushError(f"{self.api.crm} answered {status} to reading back batch {number} "
                            f"({self.api.error_text(body)}); run again to resume")
        held = self.api.read_values(body, ids)
        applied = []
        for record_id in ids:
            score, scored_at = held.get(record_id, (None, None))
            update = updates[record_id]
            if score == update.score and scored_at is not None and \
                    scored_at.replace(microsecond=0) == update.scored_at:
                applied.append(record_id)
        self.journal.record({"event": "verified", "batch": number, "applied": applied,
                             "absent": [i for i in ids if i not in applied]})


def push(updates: Sequence[LeadUpdate], crm: Crm, instance_url: str | None, token: str, progress_file: str | Path,
         config: PushConfig | None = None, skipped: int = 0,
         progress: Callable[[int, int], None] | None = None) -> PushSummary:
    """Send ``updates`` to ``crm`` (see the module docstring), recording progress in ``progress_file``;
    ``skipped`` (rows not in ``updates``) is only reported. ``progress(done, total)`` follows the batches."""
    config = config or PushConfig()
    if not token:
        raise AuthError(f"no {crm} token: set {TOKEN_ENV[crm]}")
    try:
        api = make_api(crm, instance_url, config.salesforce_api_version)
    except ValueError as exc:
        raise PushError(str(exc)) from None
    size = config.batch_size or api.batch_limit
    if not 1 <= size <= api.batch_limit:
        raise PushError(f"batch size {size}: {crm} takes 1 to {api.batch_limit} records per call")
    ids = [u.id for u in updates]
    if len(set(ids)) != len(ids):
        raise PushError("the updates name a record twice; build them with crm.writeback (it keeps the first)")
    by_id = {u.id: u for u in updates}
    batches = [ids[i:i + size] for i in range(0, len(ids), size)]
    plan = {"crm": crm, "instance_url": api.instance_url, "batch_size": size, "updates": len(ids),
            "batches": len(batches), "fingerprint": fingerprint(crm, api.instance_url, api, updates)}
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "User-Agent": "leadscore-push/1"}
    with Journal.open(progress_file, plan, batches) as journal, \
            httpx.Client(headers=headers, timeout=httpx.Timeout(config.timeout_s, connect=10.0)) as http:
        in_flight = {n + 1: len(b.in_flight) for n, b in enumerate(journal.batches) if b.in_flight}
        journal.record({"event": "start", "pid": os.getpid(), "at": datetime.now(UTC).isoformat(),
                        "resumed": journal.resumed, "in_flight": in_flight})
        if in_flight and config.settle_s > 0:
            time.sleep(config.settle_s)
        pusher = _Pusher(api, http, journal, config)
        done = 0
        for number, batch_ids in enumerate(batches, 1):
            if not journal.batches[number - 1].done:
                pusher.run_batch(number, {i: by_id[i] for i in batch_ids})
            done += len(batch_ids)
            if progress:
                progress(done, len(ids))
        failures = tuple((i, m) for b in journal.batches for i, m in b.failed.items())
        return PushSummary(crm=crm, updated=sum(len(b.updated) for b in journal.batches), failed=len(failures),
                           skipped=skipped, batches=len(batches), requests=pusher.requests, retries=pusher.retries,
                           read_backs=pusher.read_backs, resumed=journal.resumed, progress=Path(progress_file),
                           failures=failures)

