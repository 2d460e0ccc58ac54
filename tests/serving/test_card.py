"""The HTML score card: its content, its waterfall's arithmetic, and how a real headless browser renders it.

The browser tests run Debian's Chromium (``apt-get install chromium``; CI's ``.ci/run`` installs it) and
skip, saying so, when it is not on PATH.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from typer.testing import CliRunner

from features import phrases
from scoring.options import ScoringOptions
from scoring.requests import activities_as_read
from serving.card import BAR_COLOUR, TIER_COLOUR, render_card
from serving.schemas import LeadScore, Reason
from serving.scoring import score_request

AS_OF = datetime(2026, 6, 30, tzinfo=UTC)
SAMPLE = 200  # leads of the small world scored once for this module


# ---------------------------------------------------------------- a small DOM, from the standard library


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self, tag: str | None = None, **attrs: str) -> Iterator[Node]:
        """This node and its descendants with that tag and those attribute values (``class_`` for class)."""
        if (tag is None or self.tag == tag) and all(v in (self.attrs.get(k.rstrip("_")) or "").split()
                                                    for k, v in attrs.items()):
            yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter(tag, **attrs)

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        return next(self.iter(tag, **attrs), None)


class _TreeBuilder(HTMLParser):
    VOID: ClassVar[set[str]] = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                                "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {}, None)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in self.VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def dom(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


# ---------------------------------------------------------------- scored leads of the small world


@pytest.fixture(scope="module")
def scored(bundle, crm_leads: list[dict]) -> dict[str, list[LeadScore]]:
    """The first leads of the small world scored in English and in German (same model, same moment)."""
    records = crm_leads[:SAMPLE]
    return {lang: score_request(bundle, records, ScoringOptions(AS_OF, lang, 5), "test").results
            for lang in ("en", "de")}


def _hot_with_ups_and_downs(results: list[LeadScore]) -> int:
    """The index of a hot lead whose reasons push both ways and that has 'other' points (all bar kinds)."""
    for i, r in enumerate(results):
        if (r.status == "ok" and r.tier == "hot" and r.other_points and any(x.points > 0 for x in r.reasons)
                and any(x.points < 0 for x in r.reasons)):
            return i
    pytest.fail("no hot lead with positive and negative reasons among the sampled leads")


@pytest.fixture(scope="module")
def hot(scored) -> tuple[LeadScore, LeadScore]:
    i = _hot_with_ups_and_downs(scored["en"])
    return scored["en"][i], scored["de"][i]


@pytest.fixture(scope="module")
def cold(scored) -> LeadScore:
    return next(r for r in scored["en"] if r.status == "ok" and r.tier == "cold" and r.reasons)


# ---------------------------------------------------------------- the HTML


def test_the_card_shows_score_tier_grade_and_every_reason_with_its_signed_points(hot) -> None:
    result, _ = hot
    page = dom(render_card(result, "en"))
    assert page.find(id="score").text() == str(result.score)
    assert page.find(id="tier").text() == "Hot"
    assert page.find(id="grade").text() == f"Fit grade {result.grade}"
    assert page.find(id="probability").text() == f"{100 * result.probability:.1f}%"
    assert page.find(id="fit").text() == f"{result.fit_score:+d}"
    assert page.find(id="engagement").text() == f"{result.engagement_score:+d}"
    items = list(page.find("ul", class_="reasons").iter("li"))
    assert len(items) == len(result.reasons) > 0
    for item, reason in zip(items, result.reasons, strict=True):
        assert reason.text in item.text() and item.find(class_="pts").text() == f"{reason.points:+d}"
    assert "Why this score" in page.text() and page.find("html").attrs["lang"] == "en"


def test_the_german_card_uses_german_words_and_decimal_commas(hot) -> None:
    english, german = hot
    page = dom(render_card(german, "de"))
    text = page.text()
    assert page.find("html").attrs["lang"] == "de"
    assert page.find(id="tier").text() == "Heiß" and page.find(id="grade").text().startswith("Passgenauigkeit ")
    for word in ("Warum dieser Score", "zur Verkaufschance zu werden (90 Tage)", "Durchschnittlicher Lead",
                 "Heiße Leads", "Punkte"):
        assert word in text
    for word in ("Why this score", "Chance to become a sales opportunity (90 days)", "Average lead", "points"):
        assert word not in text
    assert re.fullmatch(r"\d{1,3},\d %", page.find(id="probability").text())
    assert page.find(id="probability").text() == f"{100 * german.probability:.1f} %".replace(".", ",")
    assert [li.find(class_="text").text() for li in page.find("ul", class_="reasons").iter("li")] == \
        [r.text for r in german.reasons] != [r.text for r in english.reasons]


def test_an_error_result_renders_its_field_errors_and_no_score(bundle) -> None:
    bad = {"lead_id": "L-bad", "created_at": "not a date", "activities": [{"occurred_at": "2026-01-01T00:00:00Z"}]}
    result = score_request(bundle, [bad], ScoringOptions(AS_OF, "en", 5), "test").results[0]
    assert result.status == "error"
    page = dom(render_card(result, "en"))
    shown = {li.find(class_="field").text(): li.find(class_="message").text() for li in page.iter("li")}
    assert shown == {e.field: e.message for e in result.errors}
    assert set(shown) == {"created_at"}  # a bad activity alone costs no lead: it is a warning, not an error
    assert "This lead could not be scored" in page.text() and "L-bad" in page.text()
    assert page.find(id="score") is None and page.find("svg") is None


def test_the_card_lists_the_activities_on_the_days_and_as_the_types_its_score_read_them(bundle) -> None:
    """A model trained on a German vendor's export (day-first dates, "Demo angefragt", Berlin time): a request's
    slashed date that shows no order is read day-first, as the model's files were, and the vendor's type is the
    contract's. The card read the raw list by itself, without the model's order and mapping, so it could not tell
    the order of 03/04/2026 and left out the demo request the score had counted (and named it by its German
    words where it could read the date)."""
    german = dataclasses.replace(bundle, info={**bundle.info, "date_order": "dmy", "mapping_spec": {
        "timezone": "Europe/Berlin", "activities": {"values": {"activity_type": {"demo_angefragt": "demo_request"}}}}})
    lead = {"lead_id": "L-de", "created_at": "2026-02-01T09:00:00Z",
            "activities": [{"occurred_at": "03/04/2026 23:30", "activity_type": "Demo angefragt"},
                           {"occurred_at": "not a date", "activity_type": "email_open"},
                           {"occurred_at": "2026-04-01T08:00:00Z", "activity_type": "Page view"}]}
    as_of = datetime(2026, 4, 10, tzinfo=UTC)
    response = score_request(german, [lead], ScoringOptions(as_of, "en", 5), "test")
    listed = activities_as_read(german, lead, response.as_of)
    fingerprints, row = response.results[0]._read_as  # the lead as its score read it
    scored = fingerprints.batch.activities
    assert listed == list(zip(scored.occurred_us[scored.lead_index == row].tolist(), ["demo_request", "page_view"],
                              strict=True))
    assert datetime.fromtimestamp(listed[0][0] / 1e6, tz=UTC) == datetime(2026, 4, 3, 21, 30, tzinfo=UTC)  # CEST

    page = dom(render_card(response.results[0], "en", lead=lead, activities=listed))
    shown = [(li.find(class_="when").text(), li.find(class_="what").text())
             for li in page.find("ul", class_="activities").iter("li")]
    assert shown == [("Apr 3, 2026", phrases.activity_label("demo_request", "en")),
                     ("Apr 1, 2026", phrases.activity_label("page_view", "en"))]


def test_html_in_a_lead_id_or_a_reason_text_is_escaped(hot) -> None:
    evil_id = '<script>alert("id")</script>&amp;'
    evil_text = '"><img src=x onerror=alert(1)> <b>bold</b> & Co'
    result, _ = hot
    reasons = [result.reasons[0].model_copy(update={"text": evil_text}), *result.reasons[1:]]
    html = render_card(result.model_copy(update={"lead_id": evil_id, "reasons": reasons}), "en")
    page = dom(html)
    assert page.find("script") is None and page.find("img") is None and page.find("b") is None
    assert "<script>" not in html and "<img" not in html
    assert evil_id in page.find("h1").text() and evil_id in page.find("title").text()
    assert evil_text in page.find("ul", class_="reasons").text()
    assert page.find("rect", class_="bar", **{"data-kind": "up"}) is not None
    assert [r.attrs["data-label"] for r in page.iter("rect", class_="bar")][1] == evil_text  # attribute intact


# ---------------------------------------------------------------- the waterfall's arithmetic


def _check_waterfall(result: LeadScore) -> None:
    """Bars on one scale: base → each reason → other → score; the running level ends at the score."""
    svg = dom(render_card(result, "en")).find("svg")
    bars = list(svg.iter("rect", class_="bar"))
    kinds = [b.attrs["data-kind"] for b in bars]
    has_other = bool(result.other_points)
    assert kinds == ["base"] + [("up" if r.points >= 0 else "down") for r in result.reasons] + \
        ["other"] * has_other + ["final"]
    x = [float(b.attrs["x"]) for b in bars]
    w = [float(b.attrs["width"]) for b in bars]
    origin, scale = x[-1], w[-1] / result.score  # the score's bar starts at 0 and is `score` long
    tol = 0.02

    def bar_width(points: int) -> float:
        return max(abs(points) * scale, 1.5)  # a zero-point bar is still drawn as a hairline

    assert x[0] == pytest.approx(origin, abs=tol) and w[0] == pytest.approx(bar_width(result.base_score), abs=tol)
    steps = [r.points for r in result.reasons] + [result.other_points] * has_other
    level = result.base_score
    for i, points in enumerate(steps, start=1):
        assert int(bars[i].attrs["data-points"]) == points
        assert w[i] == pytest.approx(bar_width(points), abs=tol)
        assert x[i] == pytest.approx(origin + min(level, level + points) * scale, abs=tol)
        level += points
        fill = bars[i].attrs["fill"]
        assert fill in ((BAR_COLOUR["up"], BAR_COLOUR["other_up"]) if points >= 0
                        else (BAR_COLOUR["down"], BAR_COLOUR["other_down"]))
    assert level == result.score
    assert origin + level * scale == pytest.approx(x[-1] + w[-1], abs=tol)  # running level ends where score ends
    labels_end = max(float(t.attrs["x"]) for t in svg.iter("text", **{"text-anchor": "end"}))
    assert min(x) > labels_end  # no bar reaches into the label column


def test_the_waterfall_bars_encode_base_reasons_other_and_the_score(scored) -> None:
    results = [r for r in scored["en"] if r.status == "ok" and r.score >= 3]
    assert len(results) > 50 and {r.tier for r in results} == {"hot", "warm", "cold"}
    for result in results:
        _check_waterfall(result)


def test_the_waterfall_handles_a_running_level_below_zero() -> None:
    reasons = [Reason(reason="company_size", group="fit", dimension="budget", points=-7, text="1–10 employees"),
               Reason(reason="pricing_page_view", group="engagement", dimension="timing", points=2,
                      text="Visited the pricing page yesterday")]
    result = LeadScore(index=0, lead_id="L1", status="ok", probability=0.02, score=2, tier="cold",
                       tier_conversion_rate=0.02, grade="D", base_score=4, fit_score=-7, engagement_score=2,
                       other_points=3, reasons=reasons, model_version="1")
    _check_waterfall(result)


# ---------------------------------------------------------------- in a real headless browser


def _chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium not installed: `apt-get install chromium` (Debian) to run the browser test")
    return path


def _run_chromium(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", *args, page.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def _screenshot(tmp_path: Path, result: LeadScore, lang: str, name: str) -> np.ndarray:
    from matplotlib.image import imread

    page, png = tmp_path / f"{name}.html", tmp_path / f"{name}.png"
    page.write_text(render_card(result, lang), encoding="utf-8")
    _run_chromium(tmp_path, page, f"--screenshot={png}", "--window-size=900,700")
    image = imread(png)  # float RGB(A) in 0 … 1
    assert image.shape[:2] == (700, 900)
    return np.rint(image[..., :3] * 255).astype(int)


def _pixels(image: np.ndarray, colour: str, tol: int = 6) -> np.ndarray:
    """A mask of the pixels within ``tol`` of a ``#rrggbb`` colour."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    return (np.abs(image - rgb) <= tol).all(axis=-1)


@pytest.mark.browser
def test_the_browser_parses_the_card_into_score_reasons_and_svg(hot, tmp_path: Path) -> None:
    _, german = hot
    page = tmp_path / "card.html"
    page.write_text(render_card(german, "de"), encoding="utf-8")
    rendered = dom(_run_chromium(tmp_path, page, "--dump-dom").stdout)  # the DOM after parsing, not our text
    assert rendered.find(id="score").text() == str(german.score)
    assert rendered.find(id="tier").text() == "Heiß"  # utf-8 survived a file:// load
    items = list(rendered.find("ul", class_="reasons").iter("li"))
    assert [li.find(class_="text").text() for li in items] == [r.text for r in german.reasons]
    svg = rendered.find("svg")
    assert svg is not None and svg.attrs["viewbox"].startswith("0 0 ")
    bars = list(svg.iter("rect", class_="bar"))
    assert len(bars) == len(german.reasons) + 2 + bool(german.other_points)
    assert rendered.find("script") is None


@pytest.mark.browser
def test_the_screenshot_shows_the_tier_badge_and_green_and_red_bars(hot, cold, tmp_path: Path) -> None:
    _, german = hot
    image = _screenshot(tmp_path, german, "de", "hot")
    assert (image.sum(axis=-1) < 3 * 240).mean() > 0.03, "the screenshot is (nearly) blank"
    badge = _pixels(image, TIER_COLOUR["hot"])
    assert 300 < badge.sum() < 5000, f"{badge.sum()} pixels of the hot badge colour"
    rows, cols = np.nonzero(badge)
    assert rows.max() - rows.min() < 40 and cols.max() - cols.min() < 120  # one compact badge
    assert rows.max() < 250  # near the top, above the waterfall
    green, red = _pixels(image, BAR_COLOUR["up"]), _pixels(image, BAR_COLOUR["down"])
    assert green.sum() > 500 and red.sum() > 50, (green.sum(), red.sum())
    assert np.nonzero(green)[0].min() > rows.max()  # the bars are below the badge
    assert not _pixels(image, TIER_COLOUR["cold"]).any()

    other = _screenshot(tmp_path, cold, "en", "cold")
    assert 300 < _pixels(other, TIER_COLOUR["cold"]).sum() < 5000
    assert not _pixels(other, TIER_COLOUR["hot"]).any()


# ---------------------------------------------------------------- the CLI


def test_leadscore_explain_writes_a_german_card_for_one_lead(trained, hot, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from leadscore.cli import app

    _, german = hot
    monkeypatch.setenv("MLFLOW_TRACKING_URI", trained.tracking_uri)
    monkeypatch.setenv("LEADSCORE_MODEL_CACHE", str(tmp_path / "models"))
    out = tmp_path / "card.html"
    outcome = CliRunner().invoke(app, [
        "explain", "--leads", str(trained.files["leads"]), "--activities", str(trained.files["activities"]),
        "--lead-id", german.lead_id, "--out", str(out), "--lang", "de", "--as-of", AS_OF.strftime("%Y-%m-%d")])
    assert outcome.exit_code == 0, outcome.output
    page = dom(out.read_text(encoding="utf-8"))
    assert page.find("html").attrs["lang"] == "de" and "Warum dieser Score" in page.text()
    assert german.lead_id in page.find("h1").text()
    assert page.find(id="score").text() == str(german.score)  # same score as scoring the lead directly
    assert [li.find(class_="text").text() for li in page.find("ul", class_="reasons").iter("li")] == \
        [r.text for r in german.reasons]


def test_leadscore_explain_gives_the_file_doors_error_for_a_lead_it_would_not_score(
        trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A customer (converted by ``--as-of``, as the export records) and a lead created after ``--as-of`` are error
    rows in ``score``; ``explain`` says the same in one line (exit 2) instead of drawing a card."""
    import pandas as pd

    from leadscore.cli import app

    monkeypatch.setenv("MLFLOW_TRACKING_URI", trained.tracking_uri)
    monkeypatch.setenv("LEADSCORE_MODEL_CACHE", str(tmp_path / "models"))
    as_of = "2026-04-01T00:00:00+00:00"
    leads = pd.read_csv(trained.files["leads"], dtype=str)
    created = pd.to_datetime(leads["created_at"], utc=True, format="ISO8601")
    customer = leads["lead_id"][created < pd.Timestamp("2026-02-01", tz="UTC")].iloc[0]
    later = leads["lead_id"][created > pd.Timestamp(as_of)].iloc[0]
    leads["converted_at"] = leads["lead_id"].map({customer: "2026-03-15T10:00:00Z"})
    path = tmp_path / "leads.csv"
    leads.to_csv(path, index=False)
    scored = tmp_path / "scores.csv"
    outcome = CliRunner().invoke(app, ["score", "--leads", str(path), "--out", str(scored), "--as-of", as_of])
    assert outcome.exit_code == 0, outcome.output
    errors = pd.read_csv(scored, dtype=str).set_index("lead_id")["error"]
    for lead, said in ((customer, "converted at 2026-03-15T10:00:00+00:00"), (later, "after as_of")):
        assert said in errors[lead]
        card = tmp_path / f"{lead}.html"
        outcome = CliRunner().invoke(app, ["explain", "--leads", str(path), "--lead-id", lead, "--out", str(card),
                                           "--as-of", as_of])
        assert outcome.exit_code == 2 and said in outcome.output and "not scored" in outcome.output, outcome.output
        assert len(outcome.output.strip().splitlines()) == 1 and not card.exists()


def test_leadscore_explain_finds_a_lead_by_the_number_its_id_writes(trained, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """``--lead-id 417`` is the lead ``000417``, as an activity naming ``417`` is that lead's; an id no lead
    writes is one line, exit 2."""
    import pandas as pd

    from leadscore.cli import app

    monkeypatch.setenv("MLFLOW_TRACKING_URI", trained.tracking_uri)
    monkeypatch.setenv("LEADSCORE_MODEL_CACHE", str(tmp_path / "models"))
    leads = pd.read_csv(trained.files["leads"], dtype=str).head(50)
    leads.loc[3, "lead_id"] = "000417"
    path = tmp_path / "leads.csv"
    leads.to_csv(path, index=False)
    card = tmp_path / "card.html"
    found = CliRunner().invoke(app, ["explain", "--leads", str(path), "--lead-id", "417", "--out", str(card),
                                     "--as-of", AS_OF.isoformat()])
    assert found.exit_code == 0 and "000417" in found.output, found.output
    assert "000417" in dom(card.read_text(encoding="utf-8")).find("h1").text()
    missing = CliRunner().invoke(app, ["explain", "--leads", str(path), "--lead-id", "418", "--out", str(card),
                                       "--as-of", AS_OF.isoformat()])
    assert missing.exit_code == 2 and "lead 418 is not in" in missing.output

