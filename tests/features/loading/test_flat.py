"""Specification of flat-mode loading (features/loading/flat.py): one row per lead with a 0/1 outcome;
the real x_education export is read from ``../shared/datasets`` when it is there.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.loading import DataContractError, load_flat_table

MakeFile = Callable[[str, str], Path]  # the make_file fixture of conftest.py

X_EDUCATION = Path(__file__).resolve().parents[4] / "shared" / "datasets" / "x_education" / "leads.csv"


@pytest.fixture
def flat_semicolon(make_file: MakeFile) -> Path:
    """A German-style flat export: ';' separator, decimal comma, ja/nein outcome."""
    return make_file(
        "flat.csv",
        """
        Kunden-ID;Besuche;Verweildauer;Quelle;Konvertiert
        K1;3;1,5;Google;ja
        K2;;2,25;Select;NEIN
        K3;7;0,5;Messe;Ja
        K4;1;3;Google;
        """,
    )


def test_flat_table_with_semicolons_parses_labels_numbers_and_missing_markers(flat_semicolon):
    data, report = load_flat_table(flat_semicolon, label="Konvertiert", id_column="Kunden-ID")

    assert data.label.dtype == np.int8 and data.label.tolist() == [1, 0, 1]
    assert data.ids.tolist() == ["K1", "K2", "K3"]
    assert data.source_row.tolist() == [1, 2, 3]
    assert data.features["Verweildauer"].tolist() == [1.5, 2.25, 0.5]
    assert data.features["Besuche"].dtype == "float64"
    assert data.features["Quelle"].isna().tolist() == [False, True, False]
    assert list(data.features.columns) == ["Besuche", "Verweildauer", "Quelle"]
    [issue] = report.rejected
    assert (issue.row, issue.field, issue.reason, issue.lead_id) == (4, "Konvertiert", "missing required value", "K4")


def test_a_column_of_currency_amounts_is_a_number_read_as_the_api_reads_one(make_file):
    """A flat Dynamics 365 export writes revenue as ``$14,803,000.00``: a number for the model, the same number
    from the file and from a request (both read a flat column with :func:`features.values.number`)."""
    from features import values

    path = make_file("dynamics.csv", """
        Lead,Revenue,Converted
        L1,"$14,803,000.00",1
        L2,"$950,000.00",0
        L3,,0
        """)
    data, report = load_flat_table(path, label="Converted", id_column="Lead")
    assert data.features["Revenue"].dtype == "float64" and not report.rejected
    assert data.features["Revenue"].tolist()[:2] == [14_803_000.0, 950_000.0]
    assert values.number("$14,803,000.00") == data.features["Revenue"].iloc[0]


def test_flat_label_accepts_yes_no_and_true_false(make_file):
    table = make_file("flat.csv", "x,won\n1,yes\n2,No\n3,TRUE\n4,false\n5,1\n6,0\n")

    data, _ = load_flat_table(table, label="won")

    assert data.label.tolist() == [1, 0, 1, 0, 1, 0]
    assert data.ids.tolist() == ["1", "2", "3", "4", "5", "6"]


def test_flat_label_with_one_class_is_fatal(make_file):
    table = make_file("flat.csv", "x,won\n1,no\n2,no\n3,maybe\n")

    with pytest.raises(DataContractError, match=r"flat\.csv.*'won'.*one class"):
        load_flat_table(table, label="won")


STATUS = "id,x,Status\nA,1,Won\nB,2,lost\nC,3, open \nD,4,Disqualified\nE,5,WON\nF,6,\n"


def test_a_status_outcome_is_read_with_the_values_the_user_names(make_file):
    """A CRM's lead status as the outcome: the named values are converted, open ones are left out of training
    (not counted as "never converts"), any other value is not converted; case and spaces do not matter."""
    table = make_file("flat.csv", STATUS)

    data, report = load_flat_table(table, label="Status", id_column="id", converted=["won"], still_open=["Open"])

    assert data.ids.tolist() == ["A", "B", "D", "E"] and data.label.tolist() == [1, 0, 0, 1]
    reasons = {issue.lead_id: issue.reason for issue in report.rejected}
    assert reasons == {"C": "outcome not decided yet ('open'): left out of training",
                       "F": "missing required value"}
    assert report.label_reading == ("Outcome 'Status' read as converted: 'Won' (1), 'WON' (1); not decided yet, "
                                    "left out of training: 'open' (1); not converted: 'lost' (1), 'Disqualified' (1)")
    assert report.label_reading in report.to_text()


def test_a_status_outcome_without_named_values_says_what_it_holds_and_what_to_do(make_file):
    table = make_file("flat.csv", STATUS)

    with pytest.raises(DataContractError, match=r"'Status' has no usable value in any row \(6 rejected for "
                                                r"Status\); it holds 'Won' \(1\), .*: name the values that mean "
                                                r"converted \(`--converted`"):
        load_flat_table(table, label="Status", id_column="id")


@pytest.mark.parametrize("named", [{"converted": ["Wonn"]}, {"converted": ["Won"], "still_open": ["Pending"]}])
def test_a_named_outcome_value_the_column_never_holds_is_fatal(make_file, named):
    """A typo in a converted value would silently count every converted lead as not converted."""
    table = make_file("flat.csv", STATUS)
    missing = [*named.get("converted", []), *named.get("still_open", [])][-1]

    with pytest.raises(DataContractError, match=rf"'Status' never holds '{missing}'; it holds 'Won' \(1\)"):
        load_flat_table(table, label="Status", converted=named["converted"], still_open=named.get("still_open", ()))


def test_open_values_also_leave_rows_out_of_a_yes_no_outcome(make_file):
    table = make_file("flat.csv", "x,won\n1,yes\n2,no\n3,pending\n4,yes\n")

    data, report = load_flat_table(table, label="won", still_open=["pending"])

    assert data.label.tolist() == [1, 0, 1] and [i.row for i in report.rejected] == [3]


def test_flat_missing_label_column_is_fatal_for_training_and_optional_for_scoring(make_file):
    table = make_file("flat.csv", "x,y\n1,a\n")

    with pytest.raises(DataContractError, match=r"flat\.csv.*'won'"):
        load_flat_table(table, label="won")
    data, _ = load_flat_table(table, label="won", for_training=False)
    assert data.label is None and list(data.features.columns) == ["x", "y"]


def test_flat_duplicate_ids_reject_the_later_rows(make_file):
    table = make_file("flat.csv", "id,x,won\nA,1,1\nB,2,0\nA,3,0\n")

    data, report = load_flat_table(table, label="won", id_column="id")

    assert data.ids.tolist() == ["A", "B"]
    [issue] = report.rejected
    assert (issue.row, issue.reason) == (3, "duplicate id (first seen in row 1)")


def test_flat_time_and_drop_columns_are_not_features(make_file):
    table = make_file("flat.csv", "id,created,tags,x,won\nA,2024-03-01T10:00:00+01:00,hot,1,1\nB,2024-03-02,cold,2,0\n")

    data, report = load_flat_table(table, label="won", id_column="id", time_column="created", drop=["tags"])

    assert list(data.features.columns) == ["x"]
    assert data.times.tolist() == [pd.Timestamp("2024-03-01T09:00:00Z"), pd.Timestamp("2024-03-02T00:00:00Z")]
    assert report.ignored_columns["table"] == ["tags"]


def test_a_time_in_the_future_is_a_typo_and_costs_its_row_when_training(make_file):
    from datetime import UTC, datetime

    table = make_file("flat.csv", "id,created,x,won\nA,01.03.2024,1,1\nB,03.04.2205,2,0\nC,02.03.2024,3,0\n")

    data, report = load_flat_table(table, label="won", id_column="id", time_column="created",
                                   not_after=datetime(2026, 12, 8, tzinfo=UTC))

    assert data.ids.tolist() == ["A", "C"]
    [issue] = report.rejected
    assert (issue.row, issue.field) == (2, "created") and "in the future: a typo?" in issue.reason


def test_a_percent_cell_of_a_workbook_reads_as_the_percent_its_csv_export_writes(make_file, tmp_path):
    """Excel keeps 17 % as 0.17 with a percent format and saves it to CSV as ``17%``: both files give one number,
    so a model trained on the workbook scores the CSV export calibrated (it read 0.17 against 17 before)."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "open rate", "visits", "won"])
    for i, (rate, visits, won) in enumerate([(0.17, 3, 1), (0.025, 12, 0), (1.0, 0, 0)]):
        sheet.append([f"L{i}", rate, visits, won])
        sheet.cell(row=i + 2, column=2).number_format = "0.0%"
    book.save(tmp_path / "leads.xlsx")
    csv = make_file("leads.csv", "id,open rate,visits,won\nL0,17%,3,1\nL1,2.5%,12,0\nL2,100%,0,0\n")

    workbook, _ = load_flat_table(tmp_path / "leads.xlsx", label="won", id_column="id")
    text, _ = load_flat_table(csv, label="won", id_column="id")

    assert workbook.features["open rate"].tolist() == [17.0, 2.5, 100.0]
    pd.testing.assert_frame_equal(workbook.features, text.features)


def test_numbers_are_read_in_the_mark_each_column_shows_and_codes_stay_codes(make_file, tmp_path):
    """A German "Unicode Text" export (tab-separated UTF-16) writes decimal commas though its separator is no
    ``;``; a ``;`` file may hold a column written with points; a ZIP column keeps its leading zeros as text."""
    rows = "".join(f"L{i}\t{v}\t{z}\t{i % 2}\n" for i, (v, z) in enumerate(
        [("9,0", "10115"), ("2.023,5", "02115"), ("12", "80331"), ("0,5", "50667")]))
    (tmp_path / "de.txt").write_bytes(("id\tminutes\tzip\twon\n" + rows).encode("utf-16"))
    german, _ = load_flat_table(tmp_path / "de.txt", label="won", id_column="id")
    assert german.features["minutes"].tolist() == [9.0, 2023.5, 12.0, 0.5] and german.comma_columns == ("minutes",)
    assert german.features["zip"].tolist() == ["10115", "02115", "80331", "50667"]

    points = make_file("points.csv", "id;avg;won\nA;0.77;1\nB;1.578;0\nC;2.5;0\n")
    data, _ = load_flat_table(points, label="won", id_column="id")
    assert data.features["avg"].tolist() == [0.77, 1.578, 2.5] and data.comma_columns == ()


def test_a_column_mostly_of_numbers_read_as_categories_is_named_in_the_report(make_file):
    values = "".join(f"L{i},{'#VALUE!' if i % 10 == 0 else i * 3},{i % 2}\n" for i in range(60))
    data, report = load_flat_table(make_file("junk.csv", "id,visits,won\n" + values), label="won", id_column="id")
    assert data.features["visits"].dtype != "float64"  # text: categories
    [note] = [n for n in report.file_notes if "'visits'" in n]
    assert "10% of its values are not numbers (e.g. '#VALUE!')" in note and "read as categories" in note


def test_flat_drop_column_absent_is_fatal_for_training_but_fine_for_scoring(make_file):
    table = make_file("flat.csv", "x,won\n1,1\n2,0\n")

    with pytest.raises(DataContractError, match=r"flat\.csv.*'Tags'"):
        load_flat_table(table, label="won", drop=["Tags"])
    data, _ = load_flat_table(table, label=None, drop=["Tags"], for_training=False)
    assert list(data.features.columns) == ["x", "won"]


@pytest.fixture
def x_education() -> Path:
    if not X_EDUCATION.is_file():
        pytest.skip(f"real export not available: {X_EDUCATION} is absent (see ../shared/README.md)")
    return X_EDUCATION


def test_flat_mode_loads_the_real_x_education_export(x_education):
    data, report = load_flat_table(x_education, label="Converted", id_column="Prospect ID")

    assert report.rows_read == {"table": 9240} and report.rows_kept == {"table": 9240}
    assert set(data.label.tolist()) == {0, 1}
    assert data.ids.iloc[0] == "7927b2df-8bba-4d29-b9a2-b6e0beafe620"
    assert {"Prospect ID", "Converted"}.isdisjoint(data.features.columns)
    specialization = data.features["Specialization"]
    assert specialization.isna().any() and not specialization.eq("Select").any()
    assert data.features["TotalVisits"].dtype == "float64"
    assert report.ignored_columns["table"] == ["(unnamed column 38)"]  # the header's trailing comma


def test_the_export_saved_again_by_pandas_ignores_its_stand_in_for_the_empty_header_as_the_original(x_education,
                                                                                                     tmp_path):
    """pandas writes ``Unnamed: 37`` where the original header field was empty: it names no column either."""
    resaved = tmp_path / "resaved.csv"
    pd.read_csv(x_education, dtype=str, keep_default_na=False).to_csv(resaved, index=False)
    _, original = load_flat_table(x_education, label="Converted", id_column="Prospect ID")
    data, report = load_flat_table(resaved, label="Converted", id_column="Prospect ID")

    assert report.ignored_columns["table"] == ["Unnamed: 37"]
    assert "Unnamed: 37" not in data.features.columns and len(original.ignored_columns["table"]) == 1
