"""Specification of reading and writing tables (features/loading/files.py): CSV (separator, BOM, rows
longer than the header), Parquet, Excel, unsupported or damaged files, atomic writes.
"""

from __future__ import annotations

import pandas as pd
import pytest

from features.loading import DataContractError, load_event_data, read_table, write_table


def test_csv_with_semicolon_separator_and_bom_is_read(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes("\ufefflead_id;created_at;company\nL1;2024-03-01;Müller, Meier & Co\n".encode())

    data, _ = load_event_data(path)

    assert data.leads[["lead_id", "company"]].values.tolist() == [["L1", "Müller, Meier & Co"]]


def test_a_csv_excel_saved_in_windows_1252_is_read_and_the_report_says_so(tmp_path):
    """German Excel saves "CSV" as Windows-1252: ä and ü are single bytes, never valid UTF-8."""
    path = tmp_path / "leads.csv"
    path.write_bytes("lead_id;created_at;job_title\nL1;01.03.2024;Geschäftsführer\n".encode("cp1252"))

    data, report = load_event_data(path)

    assert data.leads["job_title"].tolist() == ["Geschäftsführer"]
    assert report.file_notes == [f"{path}: read as Windows-1252 text (it is not UTF-8: Excel's \"CSV\" in Western "
                                 "Europe)"]
    assert report.file_notes[0] in report.to_text()


def test_a_utf8_csv_with_a_damaged_byte_is_an_error_not_read_as_windows_1252(tmp_path):
    """Reading it as Windows-1252 would turn every ä of the file into Ã¤."""
    path = tmp_path / "leads.csv"
    damaged = b"L2,2024-03-01,M\xfcller\n"  # one Windows-1252 byte in a UTF-8 file
    path.write_bytes("lead_id,created_at,job_title\nL1,2024-03-01,Geschäftsführer\n".encode() + damaged)

    with pytest.raises(DataContractError, match=r"leads\.csv: not UTF-8 text \(invalid start byte at byte 76\); export "
                                                r"it as UTF-8"):
        load_event_data(path)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_tab_separated_export_is_read_and_the_report_says_so(tmp_path, encoding):
    """Facebook Lead Ads and Google Ads save "CSV" as UTF-16 with tabs, behind a byte-order mark (Facebook's
    lead export names the creation moment ``created_time``)."""
    path = tmp_path / "leads.csv"
    text = "lead_id\tcreated_time\tcompany\nl:1\t2024-03-01T10:00:00+0100\tMüller, Meier & Co\n"
    path.write_bytes(("\ufeff" + text).encode(encoding) if encoding == "utf-16-be" else text.encode(encoding))

    data, report = load_event_data(path)

    assert data.leads[["lead_id", "company"]].values.tolist() == [["l:1", "Müller, Meier & Co"]]
    assert data.leads["created_at"].tolist() == [pd.Timestamp("2024-03-01T09:00:00Z")]
    assert report.file_notes == [f"{path}: read as UTF-16 text (its byte-order mark says so: Facebook Lead Ads and "
                                 "Google Ads save CSV so)"]


def test_a_tab_separated_utf8_export_is_read(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes(b"lead_id\tcreated_at\tcompany\nL1\t2024-03-01\tA, B; C\n")
    data, _ = load_event_data(path)
    assert data.leads[["lead_id", "company"]].values.tolist() == [["L1", "A, B; C"]]


def test_excels_separator_line_names_the_separator(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_bytes("\ufeffsep=;\r\nlead_id;created_at;company\r\nL1;2024-03-01;Müller, Meier & Co\r\n".encode())

    data, report = load_event_data(path)

    assert data.leads[["lead_id", "company"]].values.tolist() == [["L1", "Müller, Meier & Co"]]
    assert data.leads["source_row"].tolist() == [1] and not report.rejected


def test_parquet_written_by_write_table_loads_back_identically(leads_csv, tmp_path):
    original, _ = load_event_data(leads_csv)
    parquet = write_table(original.leads.drop(columns="source_row"), tmp_path / "leads.parquet")

    reloaded, report = load_event_data(parquet)

    pd.testing.assert_frame_equal(reloaded.leads, original.leads)
    assert report.rejected == []


def test_unsupported_file_type_is_fatal(tmp_path):
    path = tmp_path / "leads.json"
    path.write_text("[]")

    with pytest.raises(DataContractError, match=r"leads\.json.*\.csv, \.parquet or \.xlsx"):
        read_table(path)


def test_a_damaged_excel_file_is_fatal_with_what_to_do(tmp_path):
    path = tmp_path / "leads.xlsx"
    path.write_bytes(b"PK")

    with pytest.raises(DataContractError, match=r"leads\.xlsx: cannot read Excel file .*export it as CSV"):
        read_table(path)


def test_an_excel_export_loads_like_its_csv(tmp_path, leads_csv, activities_csv):
    """The first sheet of an .xlsx is read as text cells, exactly as the same table saved as CSV."""
    frame = pd.read_csv(leads_csv, dtype=str, keep_default_na=False)
    excel = tmp_path / "leads.xlsx"
    frame.to_excel(excel, index=False, engine="openpyxl")

    from_csv, report_csv = load_event_data(leads_csv, activities_csv)
    from_excel, report_excel = load_event_data(excel, activities_csv)

    pd.testing.assert_frame_equal(from_excel.leads, from_csv.leads)
    assert report_excel.rows_kept == report_csv.rows_kept


def test_csv_row_with_more_fields_than_the_header_is_rejected_not_fatal(make_file):
    leads = make_file("leads.csv", "lead_id,created_at,company\nL1,2024-03-01,ACME\nL2,2024-03-01,ACME, Inc\n")

    data, report = load_event_data(leads)

    assert data.leads["lead_id"].tolist() == ["L1"]
    [issue] = report.rejected
    assert (issue.row, issue.field) == (2, "*")
    assert "4 fields" in issue.reason


class _Unwritable:
    """A cell value that fails when a writer turns it into text."""

    def __str__(self) -> str:
        raise RuntimeError("cannot be written")

    __repr__ = __str__


def test_write_table_is_atomic_when_writing_fails(tmp_path):
    target = tmp_path / "scores.csv"
    target.write_text("previous content\n", encoding="utf-8")
    frame = pd.DataFrame({"lead_id": ["L1", "L2", "L3"], "note": ["ok", _Unwritable(), "ok"]})

    with pytest.raises(RuntimeError, match="cannot be written"):
        write_table(frame, target)

    assert target.read_text(encoding="utf-8") == "previous content\n"
    assert [path.name for path in tmp_path.iterdir()] == ["scores.csv"]


def test_write_table_csv_round_trips_through_the_loader(leads_csv, tmp_path):
    original, _ = load_event_data(leads_csv)
    written = write_table(original.leads.drop(columns="source_row"), tmp_path / "out" / "leads.csv")

    reloaded, _ = load_event_data(written)

    pd.testing.assert_frame_equal(reloaded.leads, original.leads)
