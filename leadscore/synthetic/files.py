"""Writing a world to CSV or Parquet files and reading it back with the same dtypes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from features.contract import LEAD_COLUMNS
from leadscore.synthetic.world import World


def write_world(world: World, out_dir: Path, fmt: Literal["csv", "parquet"] = "csv") -> dict[str, Path]:
    """Write leads.<ext>, activities.<ext>, conversions.<ext> and truth.<ext> into ``out_dir``.

    CSV timestamps are ISO 8601 UTC with a ``Z`` (``2025-03-04T09:15:00Z``; the world keeps whole
    seconds); missing values are empty fields. Returns the path of each table by name.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, frame in _tables(world).items():
        path = out_dir / f"{name}.{fmt}"
        if fmt == "csv":
            frame.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%SZ")
        else:
            frame.to_parquet(path, index=False)
        paths[name] = path
    return paths


def read_world(directory: Path, fmt: Literal["csv", "parquet"] = "csv") -> World:
    """Read back what :func:`write_world` wrote, with the dtypes :func:`generate_world` returns.

    A convenience for demos and tests of this module; leadscore's own loader reads real exports.
    """
    directory = Path(directory)
    frames: dict[str, pd.DataFrame] = {}
    for name, time_cols in _TIME_COLUMNS.items():
        path = directory / f"{name}.{fmt}"
        if fmt == "csv":
            frame = pd.read_csv(path, dtype=_CSV_DTYPES.get(name), float_precision="round_trip")
            for col in time_cols:
                frame[col] = pd.to_datetime(frame[col], utc=True, format="ISO8601").dt.as_unit("us")
        else:
            frame = pd.read_parquet(path)
        frames[name] = frame
    return World(**frames)


def _tables(world: World) -> dict[str, pd.DataFrame]:
    return {
        "leads": world.leads, "activities": world.activities, "conversions": world.conversions,
        "truth": world.truth,
    }


_TIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "leads": ("created_at",), "activities": ("occurred_at",), "conversions": ("converted_at",),
    "truth": ("as_of",),
}
_CSV_DTYPES: dict[str, dict[str, str]] = {
    "leads": {c: "str" for c in LEAD_COLUMNS if c not in ("created_at", "employee_count", "annual_revenue")}
    | {"employee_count": "float64", "annual_revenue": "float64"},
    "activities": {"lead_id": "str", "activity_type": "str"},
    "conversions": {"lead_id": "str"},
    "truth": {"lead_id": "str", "true_probability": "float64", "converted_in_horizon": "int64"},
}
