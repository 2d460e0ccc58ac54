"""Which lead an activity (or a conversion) belongs to: its lead id's row in the lead table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def lead_rows(values: pd.Series | np.ndarray, lead_ids: pd.Index) -> np.ndarray:
    """Row of each value in ``lead_ids`` (-1 if absent or missing) as int32; the first row of a repeated id."""
    value_set = pa.array(lead_ids.to_numpy(dtype=object), type=pa.string())
    found = pc.index_in(pa.array(values, type=pa.string(), from_pandas=True), value_set=value_set)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
