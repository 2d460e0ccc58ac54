"""Specification of reading and writing tables (features/loading/files.py): CSV (separator, BOM, rows
longer than the header), Parquet, Excel, unsupported or damaged files, atomic writes.
"""

from __future__ import annotations

import json
from datetime import date

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

    with pytest.raises(DataContractError, match=r"leads\.csv: line 3 is not UTF-8 text \(invalid start byte at byte "
                                                r"76\) where the rest of the file is: the export mixes encodings"):
        load_event_data(path)


def test_an_excel_workbook_named_csv_is_said_to_be_one(tmp_path):
    """Its bytes are a ZIP archive: "not UTF-8 text" sent the user looking for an encoding setting."""
    workbook = tmp_path / "leads.xlsx"
    pd.DataFrame({"lead_id": ["L1"], "created_at": ["2024-03-01"]}).to_excel(workbook, index=False)
    renamed = workbook.rename(tmp_path / "leads.csv")
    with pytest.raises(DataContractError, match=r"leads\.csv: an Excel workbook \(or another ZIP archive\), not CSV "
                                                r"text: name it \.xlsx"):
        load_event_data(renamed)


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


def test_a_warehouse_s_parquet_with_decimal_amounts_and_date_columns_loads_as_its_csv_does(leads_csv, make_file,
                                                                                           tmp_path):
    """``NUMERIC(18,2)`` amounts and ``DATE`` columns, as a data warehouse exports them, are numbers and
    midnight UTC, not missing values."""
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = pd.read_csv(leads_csv, dtype=str)
    conversions = make_file("conversions.csv", "lead_id,converted_at\nL1,2024-04-01\n")
    table = pa.Table.from_pandas(raw.drop(columns=["annual_revenue", "created_at"]), preserve_index=False)
    table = table.append_column("annual_revenue", pa.array(
        [None if pd.isna(v) else decimal.Decimal(f"{float(v):.2f}") for v in raw["annual_revenue"]],
        pa.decimal128(18, 2)))
    table = table.append_column("created_at", pa.array(
        pd.to_datetime(raw["created_at"], utc=True).dt.date.tolist(), pa.date32()))
    pq.write_table(table, tmp_path / "leads.parquet")
    pq.write_table(pa.table({"lead_id": ["L1"], "converted_at": pa.array([date(2024, 4, 1)], pa.date32())}),
                   tmp_path / "conversions.parquet")

    typed, report = load_event_data(tmp_path / "leads.parquet", conversions=tmp_path / "conversions.parquet")
    as_text, _ = load_event_data(leads_csv, conversions=conversions)

    assert report.rejected == [] and report.warnings == []
    assert typed.leads["annual_revenue"].tolist() == pytest.approx(as_text.leads["annual_revenue"].tolist(),
                                                                   nan_ok=True)
    assert (typed.leads["created_at"] == as_text.leads["created_at"].dt.floor("D")).all()
    pd.testing.assert_frame_equal(typed.conversions, as_text.conversions)


@pytest.mark.parametrize("suffix", [".tsv", ".txt", ".TSV"])
def test_a_tab_separated_export_named_tsv_or_txt_is_read_as_its_csv_is(tmp_path, suffix):
    path = tmp_path / f"leads{suffix}"
    path.write_bytes(b"lead_id\tcreated_at\tcompany\nL1\t2024-03-01\tA, B; C\n")
    data, _ = load_event_data(path)
    assert data.leads[["lead_id", "company"]].values.tolist() == [["L1", "A, B; C"]]


def test_unsupported_file_type_is_fatal(tmp_path):
    path = tmp_path / "leads.xml"
    path.write_text("<leads/>")

    with pytest.raises(DataContractError, match=r"leads\.xml.*\.csv \(or \.tsv, \.txt\), \.parquet, \.xlsx or \.json"):
        read_table(path)


def test_a_compressed_file_or_a_folder_is_fatal_saying_what_to_give(tmp_path):
    (tmp_path / "leads.csv.gz").write_bytes(b"\x1f\x8b")
    with pytest.raises(DataContractError, match=r"leads\.csv\.gz: a compressed file; unpack it first"):
        read_table(tmp_path / "leads.csv.gz")
    (tmp_path / "export").mkdir()
    with pytest.raises(DataContractError, match=r"export is a folder: give the file in it"):
        read_table(tmp_path / "export")


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


def test_an_excel_sheet_s_dates_load_whether_typed_as_dates_or_as_day_numbers(tmp_path, leads_csv, activities_csv):
    """A sheet's date cells are typed dates, or, where the column was formatted as a number (or the sheet came
    through Google Sheets), the spreadsheet's day numbers: both load as the ISO CSV's moments do."""
    import openpyxl

    frame = pd.read_csv(leads_csv, dtype=str, keep_default_na=False)
    created = pd.to_datetime(frame["created_at"], utc=True).dt.tz_localize(None)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(frame.columns))
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = list(row)
        at = created.iloc[i].to_pydatetime()
        day_number = (created.iloc[i] - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)
        cells[frame.columns.get_loc("created_at")] = at if i % 2 else day_number  # a date cell, a number cell
        sheet.append(cells)
    excel = tmp_path / "leads.xlsx"
    book.save(excel)

    from_csv, _ = load_event_data(leads_csv, activities_csv)
    from_excel, report = load_event_data(excel, activities_csv)

    assert not report.rejected and not report.warnings
    pd.testing.assert_frame_equal(from_excel.leads, from_csv.leads)


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


def test_a_json_export_as_an_api_returns_it_loads_as_its_csv_twin(tmp_path):
    """HubSpot's API holds its records under ``results``, the fields under ``properties``, moments in
    milliseconds: the same leads as the CSV a user would write by hand."""
    records = [{"id": "101", "properties": {"createdate": "1709287200000", "company": "Acme GmbH",
                                            "jobtitle": "CEO", "numberofemployees": "1.234"}, "archived": False},
               {"id": 102, "properties": {"createdate": "2024-03-02T10:00:00Z", "company": "Beta AG",
                                          "jobtitle": None, "numberofemployees": 50}}]
    (tmp_path / "leads.json").write_text(json.dumps({"results": records, "paging": {"next": {"after": "103"}}}))
    (tmp_path / "leads.csv").write_text("lead_id,created_at,company,job_title,employee_count\n"
                                        "101,2024-03-01T10:00:00Z,Acme GmbH,CEO,1234\n"
                                        "102,2024-03-02T10:00:00Z,Beta AG,,50\n")

    from_json, report = load_event_data(tmp_path / "leads.json")
    from_csv, _ = load_event_data(tmp_path / "leads.csv")

    pd.testing.assert_frame_equal(from_json.leads, from_csv.leads)
    assert not report.rejected


def test_a_json_lines_export_rejects_a_broken_line_by_its_number_and_keeps_the_rest(tmp_path):
    path = tmp_path / "activities.jsonl"
    path.write_text('{"lead_id": "L1", "occurred_at": 1709287200, "activity_type": "Email Opened"}\n\n'
                    '{"lead_id": "L1", "occurred_at": "2024-03-02", "activity_type": "Visit Webpage"\n'
                    '["not", "a", "record"]\n'
                    '{"lead_id": "L1", "occurred_at": "2024-03-03T00:00:00Z", "activity_type": "demo_request"}\n')
    leads = tmp_path / "leads.csv"
    leads.write_text("lead_id,created_at\nL1,2024-02-01\n")

    data, report = load_event_data(leads, path)

    assert data.activities["activity_type"].tolist() == ["email_open", "demo_request"]
    assert data.activities["occurred_at"].iloc[0] == pd.Timestamp("2024-03-01T10:00:00Z")
    rejected = {(issue.row, issue.reason) for issue in report.rejected if issue.file == str(path)}
    assert rejected == {(3, "not JSON (Expecting ',' delimiter at column 80)"), (4, "not a JSON object")}


@pytest.mark.parametrize(("text", "says"), [
    ('[{"lead_id": "L1",}]', r"not valid JSON \(Expecting property name enclosed in double quotes at line 1, "
                             r"column 19\)"),
    ('{"lead_id": "L1"}', "expected an array of records, or an object holding one under 'results'"),
    ("[]", "no records"),
])
def test_a_json_file_that_holds_no_records_is_one_line_saying_why(tmp_path, text, says):
    path = tmp_path / "leads.json"
    path.write_text(text)
    with pytest.raises(DataContractError, match=says):
        load_event_data(path)


SALESFORCE_FOOTER = ('\n"Leads Report"\n"Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved."\n'
                     '"Confidential Information - Do Not Distribute"\n"Generated By:  Jane Doe  3/14/2024 10:02 AM"\n'
                     '"Acme Inc."\n')


def test_the_footer_of_a_salesforce_report_export_is_left_out_and_said_so(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text('"Lead ID","Created Date","Company"\n"00Q1","3/1/2024 2:30 PM","Acme"\n'
                    '"00Q2","3/13/2024 9:00 AM","Beta"\n' + SALESFORCE_FOOTER)

    data, report = load_event_data(path)

    assert data.leads["lead_id"].tolist() == ["00Q1", "00Q2"] and not report.rejected
    assert report.rows_read["leads"] == 2
    assert report.file_notes == [f"{path}: the report footer below row 2 (5 lines after an empty one, e.g. "
                                 "'Copyright (c) 2000-2024 salesforce.com, inc. All rights reserved.') was left "
                                 "out: it is not data"]


def test_lines_below_an_empty_row_that_say_nothing_of_a_footer_stay_rows(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text("lead_id,created_at,company\nL1,2024-03-01,Acme\n\nL2\n")

    _, report = load_event_data(path)

    assert report.rows_read["leads"] == 3 and len(report.rejected) == 2 and not report.file_notes


def test_a_workbook_whose_data_is_not_on_the_first_sheet_is_refused_naming_its_sheets(tmp_path):
    path = tmp_path / "leads.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as book:
        pd.DataFrame({"note": ["exported by Anna"]}).to_excel(book, sheet_name="Info", index=False)
        pd.DataFrame({"lead_id": ["L1"], "created_at": ["2024-03-01"]}).to_excel(book, sheet_name="Leads", index=False)

    with pytest.raises(DataContractError, match=r"required column 'lead_id' is missing.*read the first of its 2 "
                                                r"sheets \('Info', 'Leads'\): if the data is on another, move"):
        load_event_data(path)
