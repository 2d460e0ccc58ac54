"""What a model promises its callers, and whether two models promise the same.

A CRM integration is built against the model in use: which requests it sends (event mode: a lead with its
activities; flat mode: one row of named columns), which extra columns it fills, and what the probability
means (converting within *horizon* days, or the flat table's label). A new version that changes any of
that answers the same requests with something else: a flat model behind the event API fails every
request; a 30-day probability read against 90-day tiers and follow-up rules is a wrong number that looks
right. So ``promote``, the promotion gate and the server compare a version's contract with the
champion's and refuse a change unless it is forced, naming the difference.

The contract is written on each registered version as tags (``contract.*``), so the registry can be
checked without unpickling anything; :meth:`ModelContract.of` reads it from a loaded bundle.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TAG_PREFIX = "contract."


class ContractMismatch(ValueError):
    """A version's contract differs from the champion's; the message names every difference."""


@dataclass(frozen=True)
class ModelContract:
    """The request and the meaning a model's callers rely on."""

    mode: str  #: "event" (leads + activities) or "flat" (one row per lead)
    horizon_days: int | None  #: event mode: the probability is of converting within this many days
    label: str | None  #: flat mode: the outcome column the probability is about
    inputs: tuple[str, ...]  #: event mode: the declared extra lead columns; flat mode: the table columns used
    mapping: str | None = None  #: the vendor export the model reads ("salesforce", "hubspot", "my_crm.toml"), if any

    @classmethod
    def of(cls, bundle: Any) -> ModelContract:
        """The contract of a loaded :class:`scoring.bundle.ScoringBundle`."""
        info = bundle.info or {}
        if bundle.mode == "flat":
            return cls("flat", None, info.get("label"), tuple(bundle.catalogue.names), info.get("mapping"))
        return cls("event", int(bundle.horizon_days), None, tuple(bundle.feature_config.extra_columns),
                   info.get("mapping"))

    def to_tags(self) -> dict[str, str]:
        """Model-version tags (MLflow tag values are text)."""
        return {f"{TAG_PREFIX}mode": self.mode,
                f"{TAG_PREFIX}horizon_days": "" if self.horizon_days is None else str(self.horizon_days),
                f"{TAG_PREFIX}label": self.label or "",
                f"{TAG_PREFIX}inputs": json.dumps(list(self.inputs), ensure_ascii=False),
                f"{TAG_PREFIX}mapping": self.mapping or ""}

    @classmethod
    def from_tags(cls, tags: Mapping[str, str]) -> ModelContract | None:
        """The contract recorded on a version, or None for a version registered before contracts were."""
        if f"{TAG_PREFIX}mode" not in tags:
            return None
        horizon = tags.get(f"{TAG_PREFIX}horizon_days") or ""
        return cls(tags[f"{TAG_PREFIX}mode"], int(horizon) if horizon else None,
                   tags.get(f"{TAG_PREFIX}label") or None,
                   tuple(json.loads(tags.get(f"{TAG_PREFIX}inputs") or "[]")),
                   tags.get(f"{TAG_PREFIX}mapping") or None)

    def describe(self) -> str:
        """One line: ``event mode, 90-day horizon, extras: Segment``."""
        if self.mode == "flat":
            text = f"flat mode, label {self.label!r}, {len(self.inputs)} columns"
        else:
            text = f"event mode, {self.horizon_days}-day horizon"
            if self.inputs:
                text += f", extras: {', '.join(self.inputs)}"
        return text + (f", {self.mapping} export" if self.mapping else "")

    def differences(self, champion: ModelContract) -> list[str]:
        """How this (new) contract differs from ``champion``'s, one phrase per difference; empty if none."""
        out = []
        if self.mode != champion.mode:
            out.append(f"mode {self.mode} instead of {champion.mode} (requests of one cannot be scored by the other)")
        if self.horizon_days != champion.horizon_days and self.mode == champion.mode == "event":
            out.append(f"horizon {self.horizon_days} days instead of {champion.horizon_days} (the probability "
                       "would mean something else)")
        if self.label != champion.label and self.mode == champion.mode == "flat":
            out.append(f"label {self.label!r} instead of {champion.label!r}")
        # a column the new model reads that callers were never asked for arrives empty on every request; one it
        # no longer reads is harmless (callers may keep sending it)
        added = [c for c in self.inputs if c not in champion.inputs] if self.mode == champion.mode else []
        if added:
            out.append(f"needs input column(s) the champion did not: {', '.join(map(repr, added))}")
        # compatibility: versions registered before 2026-12-07 recorded no mapping, so a missing one may mean any;
        # after 2027-06-30 (every version in use records it) read a missing one as "none" and compare it too
        if self.mapping and champion.mapping and self.mapping != champion.mapping:
            out.append(f"reads {self.mapping or 'contract'} records instead of {champion.mapping or 'contract'} ones")
        return out

    def check(self, champion: ModelContract | None, *, force: bool = False, what: str = "this version") -> list[str]:
        """The differences from ``champion``; raises :class:`ContractMismatch` when there are any and not ``force``."""
        if champion is None:
            return []
        found = self.differences(champion)
        if found and not force:
            raise ContractMismatch(f"{what} differs from the champion: {'; '.join(found)}; force it if intended")
        return found
