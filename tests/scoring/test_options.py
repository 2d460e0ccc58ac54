"""How a scoring moment is fixed: a moment given without an offset is read in the zone the model's export wrote
its times in, as the export's own times were; "today" and "yesterday" are then that zone's calendar days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from features.values import given_moment
from scoring.options import ScoringOptions


@pytest.mark.parametrize(("typed", "read"), [
    ("2026-06-30", datetime(2026, 6, 30)),
    ("2026-06-30T08:15:00+02:00", datetime(2026, 6, 30, 6, 15, tzinfo=UTC)),
    ("2026-06-30T06:15:00Z", datetime(2026, 6, 30, 6, 15, tzinfo=UTC)),
    ("30.06.2026", datetime(2026, 6, 30)),
    (" 30.06.2026 08:15 ", datetime(2026, 6, 30, 8, 15)),
    ("30.06.2026 08:15:30", datetime(2026, 6, 30, 8, 15, 30)),
])
def test_a_typed_moment_is_read_in_iso_8601_or_the_german_form(typed: str, read: datetime) -> None:
    assert given_moment(typed) == read


@pytest.mark.parametrize("typed", ["31.13.2026", "06/30/2026", "yesterday", ""])
def test_a_typed_moment_in_no_form_it_reads_names_the_forms_it_does(typed: str) -> None:
    with pytest.raises(ValueError, match=r"expected ISO 8601 \(2026-06-30, .*\) or DD\.MM\.YYYY"):
        given_moment(typed)


def test_a_moment_without_offset_is_a_local_time_of_the_model_s_zone_and_keeps_its_offset() -> None:
    """Midnight in Berlin is 23:00 UTC the day before in winter and 22:00 in summer; its calendar (the offset)
    goes with it, so an action at 20:00 UTC the evening before is "yesterday" to a reader in Berlin."""
    winter = ScoringOptions(given_moment("01.01.2026")).resolved("Europe/Berlin")
    summer = ScoringOptions(given_moment("01.07.2026")).resolved("Europe/Berlin")

    assert winter.as_of == datetime(2025, 12, 31, 23, tzinfo=UTC) and winter.utc_offset == timedelta(hours=1)
    assert summer.as_of == datetime(2026, 6, 30, 22, tzinfo=UTC) and summer.utc_offset == timedelta(hours=2)


def test_without_a_zone_or_with_an_offset_of_its_own_the_moment_is_read_as_written() -> None:
    assert ScoringOptions(given_moment("01.01.2026")).resolved().as_of == datetime(2026, 1, 1, tzinfo=UTC)
    own = ScoringOptions(given_moment("2026-01-01T00:00:00-05:00")).resolved("Europe/Berlin")
    assert own.as_of == datetime(2026, 1, 1, 5, tzinfo=UTC) and own.utc_offset == timedelta(hours=-5)


@pytest.mark.parametrize("typed", ["25.10.2026 02:30", "29.03.2026 02:30"])  # the doubled hour, the missing one
def test_a_typed_moment_in_a_summer_time_change_is_placed_as_a_file_s_time_is(typed: str) -> None:
    from features import values

    micro, bad, _ = values.moments([typed], exported=True)
    from_file = values.in_time_zone(micro, bad, [typed], "Europe/Berlin")[0]
    typed_in = ScoringOptions(given_moment(typed)).resolved("Europe/Berlin").as_of
    assert values.moment_us(typed_in) == from_file
