"""The write-back files: a Salesforce Data Loader / Bulk API 2.0 upsert CSV keyed by Id and a HubSpot contacts
import CSV keyed by Record ID, checked field by field against the vendors' documented formats."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from crm.fields import (
    FIELDS,
    KEY,
    SCORED_AT_FIELD,
    clean_text,
    fields_markdown,
    join_reasons,
    salesforce_id18,
    text_length,
)
from crm.stages import DEFAULT_RULES
from crm.writeback import WriteBackError, build_updates, read_updates, write_back

SCORED_AT = datetime(2026, 5, 4, 9, 30, 15, 789_000, tzinfo=UTC)
SF_IDS = ["00Q5e00000AbCdE", "00Q5e00000AbCdF", "00Q5e00000AbCdG", "00Q5e00000AbCdH"]  # 15-character exports


def german_reason(length: int, points: int) -> str:
    """A reason of exactly ``length`` characters, full of umlauts and ß (two bytes each in UTF-8)."""
    tail = f" ({points:+d})"
    body = "Größe, Branche und Aktivität passen über dem Durchschnitt; ähnliche Käufer schließen häufig ab " * 4
    head = body[:length - len(tail)]
    return head[:-1] + "ü" + tail if head.endswith(" ") else head + tail


def results(ids: list[str], reasons: list[list[str]] | None = None) -> pd.DataFrame:
    """A results frame as ``leadscore score`` writes it: scored rows, and a row with an error."""
    n = len(ids)
    reasons = reasons or [[f"Reason {i}.{k}" for k in range(3)] for i in range(n)]
    frame = pd.DataFrame({"row": range(1, n + 1), "lead_id": ids, "probability": [0.61, 0.3, 0.05, 0.2][:n],
                          "score": [61, 30, 5, 20][:n], "tier": ["hot", "warm", "cold", "cold"][:n],
                          "grade": ["A", "C", "B", "D"][:n], "error": None})
    for k in range(max(len(r) for r in reasons)):
        frame[f"reason_{k + 1}"] = [r[k] if k < len(r) else None for r in reasons]
    frame["model_version"] = "7"
    return frame


def read_csv_file(path: Path) -> tuple[bytes, list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        rows = list(reader)
        return raw, list(reader.fieldnames or []), rows


def test_salesforce_file_is_an_upsert_csv_keyed_by_the_18_character_lead_id(tmp_path: Path) -> None:
    frame = results(SF_IDS)
    summary = write_back(frame, "salesforce", tmp_path / "sf.csv", scored_at=SCORED_AT)
    raw, header, rows = read_csv_file(tmp_path / "sf.csv")
    assert header == ["Id", "Lead_Score__c", "Lead_Tier__c", "Lead_Grade__c", "Lead_Score_Reasons__c",
                      "Lead_Score_Model__c", "Lead_Scored_At__c", "Lead_Stage_Suggested__c"]
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw  # UTF-8 without BOM, LF (Bulk API 2.0)
    assert summary.written == 4 and summary.skipped == 0
    assert [r["Id"] for r in rows] == [salesforce_id18(i) for i in SF_IDS]
    assert all(len(r["Id"]) == 18 and r["Id"][:15] == i for r, i in zip(rows, SF_IDS, strict=True))
    first = rows[0]
    assert first["Lead_Score__c"] == "61"  # Number(3, 0): digits only
    assert (first["Lead_Tier__c"], first["Lead_Grade__c"]) == ("hot", "A")
    assert first["Lead_Score_Reasons__c"] == "Reason 0.0; Reason 0.1; Reason 0.2"
    assert first["Lead_Score_Model__c"] == "7"
    # Data Loader / Bulk API 2.0 DateTime: yyyy-MM-ddTHH:mm:ss.SSSZ in UTC; scored_at is kept to the second
    assert first["Lead_Scored_At__c"] == "2026-05-04T09:30:15.000Z"
    assert [r["Lead_Stage_Suggested__c"] for r in rows] == ["sql_ready", "mql", "nurture", "lead"]
    assert set(r["Lead_Stage_Suggested__c"] for r in rows) <= set(DEFAULT_RULES.names)


def test_the_18_character_id_carries_salesforces_case_checksum() -> None:
    assert salesforce_id18("001A0000006Vm9r") == "001A0000006Vm9rIAC"  # Salesforce's documented example
    assert salesforce_id18("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"
    assert salesforce_id18("00Q-bad") is None and salesforce_id18("00Q5e00000AbCdÄ") is None


def test_hubspot_file_is_a_contacts_import_keyed_by_record_id(tmp_path: Path) -> None:
    frame = results(["51", "1002", "77003", "9004"])
    summary = write_back(frame, "hubspot", tmp_path / "hs.csv", scored_at=SCORED_AT)
    raw, header, rows = read_csv_file(tmp_path / "hs.csv")
    assert header == ["Record ID", "leadscore_score", "leadscore_tier", "leadscore_grade", "leadscore_reasons",
                      "leadscore_model", "leadscore_scored_at", "leadscore_stage"]
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    assert summary.written == 4
    assert [r["Record ID"] for r in rows] == ["51", "1002", "77003", "9004"]
    first = rows[0]
    assert (first["leadscore_score"], first["leadscore_tier"], first["leadscore_grade"]) == ("61", "hot", "A")
    # date-and-time picker: a UNIX timestamp in milliseconds, the import format that needs no time zone setting
    assert first["leadscore_scored_at"] == str(int(datetime(2026, 5, 4, 9, 30, 15, tzinfo=UTC).timestamp()) * 1000)
    assert first["leadscore_reasons"] == "Reason 0.0; Reason 0.1; Reason 0.2"
    assert [r["leadscore_stage"] for r in rows] == ["sql_ready", "mql", "nurture", "lead"]


def test_salesforce_reasons_keep_whole_reasons_within_255_characters_not_bytes(tmp_path: Path) -> None:
    reasons = [german_reason(80, 12), german_reason(85, 9), german_reason(80, 7), german_reason(60, -4)]
    assert [len(r) for r in reasons] == [80, 85, 80, 60]
    frame = results(SF_IDS[:1], [reasons])
    write_back(frame, "salesforce", tmp_path / "sf.csv", scored_at=SCORED_AT)
    value = read_csv_file(tmp_path / "sf.csv")[2][0]["Lead_Score_Reasons__c"]
    assert value == "; ".join(reasons[:3])  # 249 characters; with the fourth 311
    assert len(value) == 249 and len(value.encode("utf-8")) > 255  # counted in characters, as Salesforce does
    hubspot = build_updates(results(["7"], [reasons]), "hubspot", SCORED_AT).updates[0]
    assert hubspot.reasons == "; ".join(reasons)  # HubSpot's text property holds them all


def test_reasons_of_exactly_255_characters_fit_and_one_more_does_not() -> None:
    exact = [german_reason(120, 5), german_reason(133, 3)]  # 120 + 2 + 133 = 255
    assert text_length(join_reasons(exact, 255)) == 255
    over = [german_reason(120, 5), german_reason(134, 3)]
    assert join_reasons(over, 255) == over[0]


def test_characters_outside_the_basic_plane_count_twice_and_accents_are_composed() -> None:
    assert text_length("Größe") == 5 and text_length("Rakete 🚀") == 9
    assert clean_text("Gru\u0308n\n  und   blau") == "Grün und blau"  # u + combining diaeresis → ü
    emoji = ["🚀" * 100 + " (+3)", "Zweiter Grund (+1)"]  # 205 UTF-16 units, then 2 + 18
    assert join_reasons(emoji, 255) == "; ".join(emoji)
    cut = join_reasons(["🚀" * 200 + " (+3)"], 255)
    assert cut == "🚀" * 127 + "…"  # 254 + 1 units: the next rocket would need two more, never half of one


def test_a_single_reason_longer_than_the_field_is_cut_with_an_ellipsis() -> None:
    long = german_reason(300, 20)
    cut = join_reasons([long, "Zweiter Grund (+1)"], 255)
    assert text_length(cut) == 255 and cut.endswith("…") and long.startswith(cut[:-1])


def test_reasons_from_the_json_column_are_written_strongest_first_as_the_columns_show_them() -> None:
    """A score file reduced to ``reasons_json`` (no ``reason_k`` columns) gives the CRM field the same order:
    the reason holding a cold lead back before its weaker reasons for."""
    frame = results(["12"]).drop(columns=["reason_1", "reason_2", "reason_3"])
    listed = [{"text": "Demo angefragt", "points": 4}, {"text": "Branche passt", "points": 1},
              {"text": "Seit 90 Tagen keine Aktivität", "points": -12}, {"text": "Privatadresse", "points": -1}]
    frame["reasons_json"] = [json.dumps(listed, ensure_ascii=False)]

    [update] = build_updates(frame, "hubspot", SCORED_AT).updates

    assert update.reasons == ("Seit 90 Tagen keine Aktivität (-12); Demo angefragt (+4); Branche passt (+1); "
                              "Privatadresse (-1)")


def test_rows_with_errors_or_unusable_ids_are_skipped_and_reported(tmp_path: Path) -> None:
    frame = results(SF_IDS)
    frame.loc[1, ["score", "tier", "grade", "probability"]] = [None, None, None, None]
    frame.loc[1, "error"] = "created_at: lead created after as_of 2026-06-30T00:00:00+00:00"
    frame.loc[2, "lead_id"] = "0035e00000XyZaB"  # a Contact Id, not a Lead
    frame.loc[3, "lead_id"] = SF_IDS[0]  # the same lead again
    summary = write_back(frame, "salesforce", tmp_path / "sf.csv", scored_at=SCORED_AT)
    rows = read_csv_file(tmp_path / "sf.csv")[2]
    assert [r["Id"] for r in rows] == [salesforce_id18(SF_IDS[0])]
    assert summary.written == 1 and summary.skipped == 3
    reasons = {s.row: s.reason for s in summary.skipped_rows}
    assert reasons[2].startswith("not scored: created_at")
    assert "not a Lead Id" in reasons[3]
    assert "same record as row 1" in reasons[4]
    hs = build_updates(results(["12", "abc", "", "13"]), "hubspot", SCORED_AT)
    assert [u.id for u in hs.updates] == ["12", "13"]
    assert [(s.row, s.reason) for s in hs.skipped] == [(2, "lead_id 'abc' is not a HubSpot Record ID (digits only)"),
                                                       (3, "no lead_id")]


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_a_lead_without_a_grade_is_written_and_pushed_with_the_grade_cleared(tmp_path: Path, crm: str) -> None:
    """A lead of which nothing is known of its fit has no grade; its score and tier still reach the CRM (it was
    skipped as "not scored"), and its grade field is cleared as each CRM clears one (HubSpot "", Salesforce null)."""
    from crm_fakes import FakeCrm

    from crm.push import PushConfig, push

    ids = SF_IDS if crm == "salesforce" else ["1", "2", "3", "4"]
    frame = results(ids)
    frame.loc[1, "grade"] = None
    updates = build_updates(frame, crm, SCORED_AT)
    assert len(updates.updates) == len(ids) and updates.updates[1].grade == "" and not updates.skipped
    keys = {u.id for u in updates.updates}
    with FakeCrm(crm, "tok", keys) as fake:
        summary = push(updates.updates, crm, fake.url, "tok", tmp_path / "progress.jsonl",
                       PushConfig(backoff_s=0.01, settle_s=0))
    assert summary.updated == len(ids) and summary.failed == 0 and fake.violations == []


def test_values_with_commas_and_quotes_survive_the_csv(tmp_path: Path) -> None:
    tricky = ['Titel „Geschäftsführer", Vertrieb (+8)', "Branche: Handel, Logistik (+2)"]
    write_back(results(["42"], [tricky]), "hubspot", tmp_path / "hs.csv", scored_at=SCORED_AT)
    assert read_csv_file(tmp_path / "hs.csv")[2][0]["leadscore_reasons"] == "; ".join(tricky)


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_a_push_of_the_import_file_sends_what_the_file_says(tmp_path: Path, crm: str) -> None:
    ids = SF_IDS if crm == "salesforce" else ["1", "2", "3", "4"]
    written = build_updates(results(ids), crm, SCORED_AT)
    path = tmp_path / f"{crm}.csv"
    write_back(results(ids), crm, path, scored_at=SCORED_AT)
    read = read_updates(path, crm)
    assert [(u.id, u.score, u.tier, u.grade, u.reasons, u.model, u.scored_at, u.stage) for u in read.updates] == \
        [(u.id, u.score, u.tier, u.grade, u.reasons, u.model, u.scored_at, u.stage) for u in written.updates]
    other = "hubspot" if crm == "salesforce" else "salesforce"
    with pytest.raises(WriteBackError, match=f"is a {crm} import file; push it with --crm {crm}"):
        read_updates(path, other)


def test_a_score_file_is_stamped_with_the_moment_it_was_written(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    results(["5", "6"]).to_csv(path, index=False)
    updates = read_updates(path, "hubspot").updates
    assert updates[0].scored_at == datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
    assert read_updates(path, "hubspot").updates == updates  # the same values every time it is read


def test_write_back_refuses_a_file_that_is_not_csv(tmp_path: Path) -> None:
    with pytest.raises(WriteBackError, match=r"\.csv"):
        write_back(results(["5"]), "hubspot", tmp_path / "scores.parquet")


def test_every_field_is_documented_with_a_type(tmp_path: Path) -> None:
    for crm, fields in FIELDS.items():
        assert fields[0].name == KEY[crm]
        assert all(f.type and f.meaning for f in fields)
        table = fields_markdown(crm)
        assert table.count("\n") == len(fields) + 1 and SCORED_AT_FIELD[crm] in table


AS_OF = pd.Timestamp("2026-06-30T00:00:00Z")


def test_a_real_score_file_becomes_a_salesforce_import_file_row_for_row(bundle, world_files: dict[str, Path],
                                                                         tmp_path: Path) -> None:
    """The batch scorer's own output (German reasons), with Salesforce Lead Ids as lead ids."""
    from scoring.options import ScoringOptions
    from serving.batch import score_event_file

    leads = pd.read_csv(world_files["leads"], dtype=str).head(150)
    to_sf = {lead: f"00Q5e{int(lead[1:]):010d}" for lead in leads["lead_id"]}
    leads["lead_id"] = leads["lead_id"].map(to_sf)
    acts = pd.read_csv(world_files["activities"], dtype=str)
    acts = acts[acts["lead_id"].isin(to_sf)].assign(lead_id=lambda a: a["lead_id"].map(to_sf))
    leads.to_csv(tmp_path / "Lead.csv", index=False)
    acts.to_csv(tmp_path / "Task.csv", index=False)
    score_event_file(bundle, tmp_path / "Lead.csv", tmp_path / "Task.csv", tmp_path / "scores.csv",
                     ScoringOptions(AS_OF.to_pydatetime(), "de", 5), "7")
    scores = pd.read_csv(tmp_path / "scores.csv", dtype={"lead_id": str, "model_version": str})
    summary = write_back(scores, "salesforce", tmp_path / "Lead_upsert.csv", scored_at=SCORED_AT)
    rows = read_csv_file(tmp_path / "Lead_upsert.csv")[2]
    ok = scores[scores["error"].isna()].reset_index(drop=True)
    assert summary.written == len(ok) == len(rows) and summary.skipped == len(scores) - len(ok)
    for row, (_, lead) in zip(rows, ok.iterrows(), strict=True):
        assert row["Id"] == salesforce_id18(lead["lead_id"])
        assert row["Lead_Score__c"] == str(int(lead["score"]))
        assert (row["Lead_Tier__c"], row["Lead_Grade__c"]) == (lead["tier"], lead["grade"])
        assert row["Lead_Score_Reasons__c"].startswith(lead["reason_1"])  # strongest reason first, as scored
        assert text_length(row["Lead_Score_Reasons__c"]) <= 255
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row["Lead_Scored_At__c"])
        assert row["Lead_Stage_Suggested__c"] in DEFAULT_RULES.names
    assert {r["Lead_Tier__c"] for r in rows} == {"hot", "warm", "cold"}
