"""Hand-made CRM files for the loader's specifications: each test writes the few rows it needs."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

MakeFile = Callable[[str, str], Path]


@pytest.fixture
def make_file(tmp_path: Path) -> MakeFile:
    """Write a small hand-made file (dedented text) into tmp_path and return its path."""

    def make(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return make


@pytest.fixture
def leads_csv(make_file: MakeFile) -> Path:
    return make_file(
        "leads.csv",
        """
        lead_id,created_at,lead_source,email,company,industry,employee_count,annual_revenue,country,job_title
        L1,2024-03-01T10:00:00Z,web_form,anna@acme.de,ACME GmbH,Software,120,5000000,DE,Head of Marketing
        L2,2024-03-02T11:00:00Z,webinar,ben@gmail.com,Beta AG,Retail,8,,AT,Werkstudent Vertrieb
        L3,2024-03-03T12:00:00Z,referral,cleo@gamma.ch,Gamma SA,,45,1200000,CH,Geschäftsführer
        """,
    )


@pytest.fixture
def activities_csv(make_file: MakeFile) -> Path:
    return make_file(
        "activities.csv",
        """
        lead_id,occurred_at,activity_type
        L1,2024-03-04T09:00:00Z,page_view
        L1,2024-03-05T09:00:00Z,pricing_page_view
        L2,2024-03-06T09:00:00Z,email_open
        """,
    )


@pytest.fixture
def conversions_csv(make_file: MakeFile) -> Path:
    return make_file("conversions.csv", "lead_id,converted_at\nL1,2024-04-01T00:00:00Z\n")
