"""Load CRM exports (CSV, Parquet, Excel) into clean frames, and account for every input row in a report.

Two shapes of input, both described in ``../shared/DATA_CONTRACT.md``: **event mode**
(:func:`load_event_data`: ``leads`` + ``activities`` + ``conversions``, in the contract's vocabulary or a
vendor's, see :mod:`features.mappings`) and **flat mode** (:func:`load_flat_table`: one row per lead with a
0/1 outcome). Nothing is dropped silently: every data row is kept or named in the :class:`DataReport` with
its file, row number and the column at fault. Values are read by the rules of :mod:`features.values`, the
same rules an API request's lead is read by.

    files.py        reading and writing tables       report.py    RowIssue, DataReport, DataContractError
    ledger.py       the row ledger of one file       lead_ids.py  which lead a row belongs to
    event.py        event mode: leads, the three     flat.py      flat mode
    timed.py        what activities and conversions files share (lead ids, moments)
    activities.py   the activities file              conversions.py  conversions: a file, or the leads export's
"""

from features.loading.conversions import conversion_moments
from features.loading.event import EventData, load_event_data
from features.loading.files import read_table, write_table
from features.loading.flat import FlatData, load_flat_table
from features.loading.report import WHOLE_ROW, DataContractError, DataReport, RowIssue

__all__ = [
    "WHOLE_ROW",
    "DataContractError",
    "DataReport",
    "EventData",
    "FlatData",
    "RowIssue",
    "conversion_moments",
    "load_event_data",
    "load_flat_table",
    "read_table",
    "write_table",
]
