"""The server follows the registry: when the alias it serves (``models:/NAME@champion``) moves to another
version, each worker loads that version and swaps it in between two requests.

Every ``watch_seconds`` a background thread asks the registry where the alias points. On a new version it

1. downloads it and verifies its checksum (:func:`serving.loader.fetch_verified`); a failure keeps the
   model being served and is retried on the next check;
2. compares its contract (mode, horizon, label, input columns, vendor mapping; :mod:`scoring.contract`)
   with the served model's: a model that would answer the same requests with something else is refused,
   logged with the differences and shown by ``GET /model``, unless ``LEADSCORE_ALLOW_CONTRACT_CHANGE=1``;
3. swaps: the served model is one immutable :class:`Served` object, replaced by a single reference
   assignment. A request takes the reference once and scores with that model from its first lead to its
   last, so no request is dropped and none is scored half by one version and half by the other; requests
   in flight finish on the old version, the next ones start on the new one.

A URI naming a version (``models:/NAME/3``) is served as is and never followed.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel

from scoring.contract import ModelContract
from scoring.registry import alias_version
from serving import heap
from serving.loader import LoadedModel, fetch_verified, remember_alias

log = logging.getLogger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Served:
    """The model being served, when this worker loaded it, and the switch that brought it (None: the first)."""

    model: LoadedModel
    loaded_at: datetime
    switch: Switch | None = None


class Switch(BaseModel):
    """A move of the alias this worker saw: taken (``accepted``) or refused, with the reason."""

    from_version: str
    to_version: str
    at: datetime
    accepted: bool
    reason: str | None = None


class FollowStatus(BaseModel):
    """What ``GET /model`` says about following the registry."""

    loaded_at: datetime
    follows: str | None  #: ``models:/NAME@ALIAS`` when the alias is followed, else None
    check_every_s: float | None
    last_checked_at: datetime | None
    last_switch: Switch | None  #: the last version this worker switched to
    refused_switch: Switch | None  #: the last version it would not switch to (contract, download or checksum)
    last_error: str | None  #: the last failure to ask the registry, if the latest check failed


class ModelFollower:
    """Holds the served model of one worker and moves it along with the registry alias."""

    def __init__(self, loaded: LoadedModel, cache_dir: Path, alias: str | None, every_s: float,
                 allow_contract_change: bool = False) -> None:
        self._served = Served(loaded, _now())
        self.cache_dir = cache_dir
        self.alias = alias if every_s > 0 else None
        self.every_s = every_s
        self.allow_contract_change = allow_contract_change
        self.last_checked_at: datetime | None = None
        self.refused_switch: Switch | None = None
        self.last_error: str | None = None
        self._refused: str | None = None  # a version refused for its contract: not downloaded again
        self._heap_stale = False  # the worker's frozen heap (serving.heap) still holds a replaced model
        self._lock = threading.Lock()  # one check at a time (the thread and a caller of check())
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def served(self) -> Served:
        """The model to score with. Take it once per request (one reference read) and use only it."""
        return self._served

    def start(self) -> None:
        """Check the alias in a daemon thread every ``every_s`` seconds (nothing when not following)."""
        if self.alias is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="model-follower", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            try:
                self.check()
            except Exception:  # never let the thread die: the next check tries again
                log.exception("checking the registry failed")

    def check(self) -> Switch | None:
        """One check: where does the alias point, and if elsewhere, switch (or refuse). Returns what happened
        (None: nothing new)."""
        if self.alias is None:
            return None
        with self._lock:
            if self._heap_stale:
                heap.resettle()  # the replaced model's cycles collected, the heap frozen again
                self._heap_stale = False
            current = self._served.model
            try:
                version = alias_version(current.name, self.alias)
                self.last_error = None
            except Exception as exc:  # registry unreachable: keep serving what we have
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                log.warning("cannot ask the registry where %s@%s points: %s", current.name, self.alias,
                            self.last_error)
                return None
            finally:
                self.last_checked_at = _now()
            if version is None or version == current.version or version == self._refused:
                return None
            return self._switch_to(current, version)

    def _switch_to(self, current: LoadedModel, version: str) -> Switch:
        uri = f"models:/{current.name}/{version}"
        try:
            new = fetch_verified(current.name, version, self.cache_dir)
        except Exception as exc:  # download or checksum failed: keep the current model, try again next time
            return self._refuse(current, version, f"{uri} could not be loaded: {type(exc).__name__}: {exc}",
                                remember=False)
        differences = ModelContract.of(new.bundle).differences(ModelContract.of(current.bundle))
        if differences and not self.allow_contract_change:
            return self._refuse(current, version, f"{uri} has another contract than v{current.version}: "
                                f"{'; '.join(differences)} (set LEADSCORE_ALLOW_CONTRACT_CHANGE=1 to follow)",
                                remember=True)
        if differences:
            log.warning("following %s@%s to v%s despite a contract change: %s", current.name, self.alias, version,
                        "; ".join(differences))
        new = dataclasses.replace(new, alias=self.alias)
        at = _now()
        switch = Switch(from_version=current.version, to_version=new.version, at=at, accepted=True,
                        reason="; ".join(differences) or None)
        self._served = Served(new, at, switch)  # the swap, with the record of it: one reference assignment
        remember_alias(self.cache_dir, new, self.alias)  # type: ignore[arg-type]
        log.warning("now serving %s v%s (was v%s)", new.name, new.version, current.version)
        self._heap_stale = True  # at the next check, when requests no longer hold the old model
        return switch

    def _refuse(self, current: LoadedModel, version: str, reason: str, remember: bool) -> Switch:
        if remember:
            self._refused = version
        self.refused_switch = Switch(from_version=current.version, to_version=version, at=_now(), accepted=False,
                                     reason=reason)
        log.error("not switching to %s v%s, still serving v%s: %s", current.name, version, current.version, reason)
        return self.refused_switch

    def status(self) -> FollowStatus:
        served = self._served
        follows = f"models:/{served.model.name}@{self.alias}" if self.alias else None
        return FollowStatus(loaded_at=served.loaded_at, follows=follows,
                            check_every_s=self.every_s if self.alias else None, last_checked_at=self.last_checked_at,
                            last_switch=served.switch, refused_switch=self.refused_switch,
                            last_error=self.last_error)


def alias_of(uri: str) -> str | None:
    """The alias a ``models:/NAME@ALIAS`` URI names (None for ``models:/NAME/VERSION``)."""
    from serving.loader import parse_model_uri

    _, ref = parse_model_uri(uri)
    return None if ref.isdigit() else ref
