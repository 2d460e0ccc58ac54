"""How leads are to be scored: the moment, the language of the reasons and how many reasons, as one value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np

from features import values
from features.catalogue import LANGS, Lang

#: Reasons shown per direction by default (the strongest up to 5 that raise the score, then up to 5 that lower it).
DEFAULT_TOP_K = 5
MAX_TOP_K = 20


@dataclass(frozen=True)
class ScoringOptions:
    """``as_of``: the scoring moment (UTC; None = now, fixed when the options are resolved); ``lang``: ``en`` or
    ``de``; ``top_k``: reasons per direction; ``suggest``: also say which buying actions would raise the score
    (:mod:`scoring.suggest`; five more scorings of each lead); ``utc_offset``: the offset ``as_of`` was given
    with, kept when it is resolved to UTC, so that "today" and "yesterday" are the reader's calendar days."""

    as_of: datetime | None = None
    lang: Lang = "en"
    top_k: int = DEFAULT_TOP_K
    suggest: bool = False
    utc_offset: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"lang must be one of {', '.join(LANGS)}, not {self.lang!r}")
        if not 0 <= self.top_k <= MAX_TOP_K:
            raise ValueError(f"top_k must be between 0 and {MAX_TOP_K}, not {self.top_k}")

    def resolved(self, zone: str | None = None) -> ScoringOptions:
        """The same options with ``as_of`` a definite, timezone-aware moment (now when it was None). A moment
        given without an offset is a local time of ``zone`` (the IANA zone the model's export wrote its times
        in, :attr:`scoring.bundle.ScoringBundle.time_zone`), else UTC: as the model's files were read."""
        moment = self.as_of or datetime.now(UTC)
        moment = moment if moment.tzinfo else _placed(moment, zone)
        offset = self.utc_offset if moment.utcoffset() == timedelta(0) else moment.utcoffset()
        return ScoringOptions(moment.astimezone(UTC), self.lang, self.top_k, self.suggest, offset or timedelta(0))


def _placed(wall: datetime, zone: str | None) -> datetime:
    """A moment without an offset as a local time of ``zone`` (else UTC), by the rule a file's times are read by
    (:func:`features.values.in_time_zone`: the doubled hour when summer time ends is standard time)."""
    if zone is None:
        return wall.replace(tzinfo=UTC)
    local = ZoneInfo(zone)
    if wall.replace(tzinfo=local, fold=0).utcoffset() == wall.replace(tzinfo=local, fold=1).utcoffset():
        return wall.replace(tzinfo=local)  # any hour but the two a year when the clocks change (a request's path)
    micro = values.in_time_zone(np.array([values.moment_us(wall)]), np.zeros(1, dtype=bool), [wall.isoformat()], zone)
    utc = datetime(1970, 1, 1) + timedelta(microseconds=int(micro[0]))
    return wall.replace(tzinfo=timezone(wall - utc))


DEFAULT_OPTIONS = ScoringOptions()
