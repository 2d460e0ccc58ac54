"""The score card a salesperson opens: score, tier, grade and the reasons as a waterfall, EN or DE.

Self-contained HTML (inline CSS and SVG, no scripts, no external fonts or images), so it renders the
same in a CRM iframe, an e-mail client's preview or a browser without network.

The waterfall reads top to bottom: the average lead's score, each reason's points (green up, red
down), the points of all other signals, and the lead's score. Every bar is on one scale, so a bar's
width is its points and the running level ends exactly at the score; the bars carry ``data-*``
attributes (kind, points, level before and after) so that tests and tools can check that.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from html import escape

from babel.dates import format_date

from features import phrases
from features.contract import DEFAULT_HORIZON_DAYS
from features.profile.source import normalise_lead_source
from serving.schemas import LeadScore

_TEXT = {
    "en": {
        "title": "Lead score", "tier": "Tier", "grade": "Fit grade",
        "probability": "Chance to become a sales opportunity ({days} days)",
        "base": "Average lead", "other": "All other signals", "final": "Score", "why": "Why this score",
        "error": "This lead could not be scored", "hot": "hot", "warm": "warm", "cold": "cold",
        "tier_rate": "{tier} leads have converted at {rate}", "fit": "Fit", "engagement": "Engagement",
        "points": "points", "model": "Model version", "lead": "Lead", "field": "Field",
        "bant": "Qualification (BANT)", "budget": "Budget", "authority": "Authority", "need": "Need",
        "timing": "Timing", "activities": "Latest activities", "suggest": "What would raise this score",
        "warnings": "Data notes", "nothing": "No activities recorded", "source": "Source",
        "company": "Company", "job_title": "Title",
    },
    "de": {
        "title": "Lead-Score", "tier": "Stufe", "grade": "Passgenauigkeit",
        "probability": "Chance, zur Verkaufschance zu werden ({days} Tage)", "base": "Durchschnittlicher Lead",
        "other": "Alle übrigen Signale",
        "final": "Score", "why": "Warum dieser Score", "error": "Dieser Lead konnte nicht bewertet werden",
        "hot": "heiß", "warm": "warm", "cold": "kalt", "tier_rate": "{tier}e Leads wurden zu {rate} zur Verkaufschance",
        "fit": "Profil", "engagement": "Engagement", "points": "Punkte", "model": "Modellversion", "lead": "Lead",
        "field": "Feld",
        "bant": "Qualifizierung (BANT)", "budget": "Budget", "authority": "Entscheidungsbefugnis", "need": "Bedarf",
        "timing": "Zeitpunkt", "activities": "Letzte Aktivitäten", "suggest": "Was den Score heben würde",
        "warnings": "Hinweise zu den Daten", "nothing": "Keine Aktivitäten erfasst", "source": "Herkunft",
        "company": "Unternehmen", "job_title": "Titel",
    },
}
TIER_COLOUR = {"hot": "#c0392b", "warm": "#e67e22", "cold": "#2c7fb8"}
BAR_COLOUR = {"base": "#7f8c8d", "up": "#27ae60", "down": "#e74c3c", "other_up": "#8fd1a8",
              "other_down": "#f2a59d", "final": "#34495e"}

_CSS = (
    "body{font-family:'Liberation Sans',Arial,Helvetica,sans-serif;margin:0;padding:16px 24px;color:#222;"
    "background:#fff;line-height:1.35}"
    ".card{max-width:780px}"
    "h1{font-size:20px;margin:0 0 10px;overflow-wrap:anywhere}"
    "h1 .id{color:#555;font-weight:normal}"
    "h2{font-size:16px;margin:14px 0 4px}"
    ".top{display:flex;flex-wrap:wrap;align-items:center;gap:12px 28px}"
    ".score{font-size:52px;font-weight:bold;line-height:1}"
    ".badges{margin-top:6px;white-space:nowrap}"
    ".badge{display:inline-block;padding:3px 10px;border-radius:12px;color:#fff;font-weight:bold;font-size:14px}"
    ".facts{border-collapse:collapse;font-size:14px}.facts td{padding:2px 14px 2px 0}"
    ".facts td.num{text-align:right;font-variant-numeric:tabular-nums;font-weight:bold}"
    ".rate{color:#555;font-size:13px;margin:8px 0 0}"
    ".waterfall{display:block;max-width:100%;height:auto}"
    ".reasons{list-style:none;padding:0;margin:8px 0 0;font-size:13px}"
    ".reasons li{display:flex;gap:10px;padding:1px 0;border-bottom:1px solid #eee}"
    ".reasons .pts{flex:0 0 3em;text-align:right;font-weight:bold;font-variant-numeric:tabular-nums}"
    ".reasons .up{color:#1e8449}.reasons .down{color:#a93226}"
    ".reasons .text{flex:1;overflow-wrap:anywhere}.reasons .group{color:#777;white-space:nowrap}"
    ".errors{font-size:14px}.errors code{background:#f4f4f4;padding:1px 4px;overflow-wrap:anywhere}"
    ".model{color:#888;font-size:11px;margin:8px 0 0}"
    ".who{color:#444;margin:0 0 8px;font-size:14px}"
    ".trend{font-size:13px;margin-top:6px;color:#555}.trend.up{color:#1e8449}.trend.down{color:#a93226}"
    ".bant-row{display:flex;align-items:center;gap:8px;font-size:13px;margin:2px 0}"
    ".bant-name{flex:0 0 11em}.bant-track{flex:1;height:12px;background:#f2f2f2;display:block;position:relative}"
    ".bant-bar{display:block;height:12px}.bant-pts{flex:0 0 3em;text-align:right;font-weight:bold}"
    ".activities,.suggestions,.warnings{font-size:13px;padding-left:18px;margin:4px 0}"
    ".activities .when{display:inline-block;min-width:8em;color:#555}.none{font-size:13px;color:#777}"
)


def _percent(value: float, lang: str) -> str:
    """``25.9%`` in English, ``25,9 %`` in German; tiny chances as ``<0.1%`` rather than a misleading zero."""
    pct = 100 * value
    text = "<0.1" if 0 < pct < 0.05 else f"{pct:.1f}"
    return text.replace(".", ",") + " %" if lang == "de" else text + "%"


def _signed(points: int) -> str:
    return f"{points:+d}"


# Advance widths (1/1000 em) of Arial / Helvetica / Liberation Sans, the card's fonts, for printable ASCII;
# used to shorten waterfall labels that would not fit their column (SVG text does not wrap).
_WIDTHS = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, *[556] * 10, 278, 278, 584,
     584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722,
     667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556,
     222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584),
    strict=True))


def _text_width(text: str, size: float) -> float:
    """The rendered width of ``text`` in px, erring wide (a fallback font may be wider than Arial)."""
    units = 0
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[:1]  # Ä → A
        if base in _WIDTHS:
            units += _WIDTHS[base]
        elif unicodedata.east_asian_width(ch) in "WF":
            units += 1000
        else:
            units += 1000 if ch in "—…" else 611 if ch == "ß" else 556 if ch == "–" else 667
    return 1.05 * units * size / 1000


def _fit_label(text: str, width: float, size: float) -> str:
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _ticks(lo: int, hi: int) -> tuple[int, int, int]:
    """A tick step and the axis range (multiples of the step) that covers ``lo … hi`` in at most 6 steps."""
    span = max(hi - lo, 1)
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100) if span / s <= 6)
    return step, step * math.floor(lo / step), max(step * math.ceil(hi / step), step)


def waterfall_svg(steps: list[tuple[str, int]], base: int, final: int, labels: dict[str, str],
                  other: int | None = None) -> str:
    """Horizontal waterfall: the average lead's score, each reason's points, the rest, the final score.

    ``steps`` are (label, points) of the reasons; ``other`` the points of all other signals (a lighter bar).
    """
    rows: list[tuple[str, str, int, int, int]] = [("base", labels["base"], base, 0, base)]  # kind, label, pts, from, to
    level = base
    for label, points in steps:
        rows.append(("up" if points >= 0 else "down", label, points, level, level + points))
        level += points
    if other:
        rows.append(("other_up" if other >= 0 else "other_down", labels["other"], other, level, level + other))
        level += other
    rows.append(("final", labels["final"], final, 0, final))
    step, lo, hi = _ticks(min(0, *(min(r[3], r[4]) for r in rows)), max(10, *(max(r[3], r[4]) for r in rows)))
    width, left, bar_area, row_h, font = 750, 320, 380, 25, 13
    top, axis_h = 6, 22
    scale = bar_area / (hi - lo)
    height = top + row_h * len(rows) + axis_h

    def x(value: float) -> float:
        return left + (value - lo) * scale

    aria = escape(labels.get("why", "waterfall"))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{aria}" class="waterfall" '
             f'font-size="{font}" data-scale="{scale:.6f}" data-origin="{x(0):.1f}">']
    bottom = top + row_h * len(rows)
    for tick in range(lo, hi + 1, step):  # grid and axis below the bars
        colour = "#999" if tick == 0 else "#e6e6e6"
        parts.append(f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{bottom}" stroke="{colour}" '
                     f'stroke-width="1"/><text x="{x(tick):.1f}" y="{bottom + 15}" text-anchor="middle" '
                     f'font-size="11" fill="#777">{tick}</text>')
    for i, (kind, label, points, start, end) in enumerate(rows):
        y = top + i * row_h
        bar_x, bar_w = x(min(start, end)), max(abs(end - start) * scale, 1.5)
        weight = ' font-weight="bold"' if kind == "final" else ""
        parts.append(f'<g><title>{escape(label)}: {points if kind in ("base", "final") else _signed(points)}'
                     f'</title><text x="{left - 8}" y="{y + 17}" text-anchor="end"{weight}>'
                     f'{escape(_fit_label(label, left - 12, font))}</text>')
        parts.append(f'<rect class="bar" x="{bar_x:.2f}" y="{y + 3}" width="{bar_w:.2f}" height="{row_h - 6}" '
                     f'fill="{BAR_COLOUR[kind]}" data-kind="{kind.split("_")[0]}" data-points="{points}" '
                     f'data-from="{start}" data-to="{end}" data-label="{escape(label)}"/>')
        value = str(points) if kind in ("base", "final") else _signed(points)
        parts.append(f'<text x="{bar_x + bar_w + 5:.1f}" y="{y + 17}"{weight}>{value}</text></g>')
        if i < len(rows) - 1:  # connector from this bar's end level to the next row
            parts.append(f'<line x1="{x(end):.1f}" y1="{y + row_h - 3}" x2="{x(end):.1f}" y2="{y + row_h + 3}" '
                         f'stroke="#555" stroke-width="1" stroke-dasharray="2,2"/>')
    parts.append("</svg>")
    return "".join(parts)


def _head(title: str, lang: str) -> str:
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<style>{_CSS}</style></head><body><div class=\"card\">")


def _who(lead: Mapping[str, object] | None, result: LeadScore, t: dict[str, str], lang: str) -> tuple[str, str]:
    """The lead's name for the heading and a line of who it is (company, title, source), from the request."""
    lead = lead or {}
    first, last = (str(lead.get(k) or "").strip() for k in ("first_name", "last_name"))
    name = str(lead.get("name") or "").strip() or " ".join(p for p in (first, last) if p) or (result.lead_id or "")
    facts = []
    for key in ("company", "job_title"):
        value = str(lead.get(key) or "").strip()
        if value:
            facts.append(f'<span class="who-{key}" title="{t[key]}">{escape(value)}</span>')
    channel = phrases.source(normalise_lead_source(lead.get("lead_source")), lang)  # type: ignore[arg-type]
    if channel:
        facts.append(f'<span class="who-source">{escape(channel)}</span>')
    return escape(name), " · ".join(facts)


def _bant(result: LeadScore, t: dict[str, str]) -> str:
    """One bar per BANT dimension: its points, left of the axis when negative."""
    rows = [(d, getattr(result, f"bant_{d}", None) or 0) for d in ("budget", "authority", "need", "timing")]
    top = max(5, *(abs(v) for _, v in rows))
    items = []
    for dimension, points in rows:
        width = 45 * abs(points) / top
        side = f"margin-left:{50 - width:.1f}%" if points < 0 else "margin-left:50%"
        colour = BAR_COLOUR["up"] if points >= 0 else BAR_COLOUR["down"]
        items.append(f'<div class="bant-row" data-dimension="{dimension}" data-points="{points}">'
                     f'<span class="bant-name">{t[dimension]}</span><span class="bant-track"><span class="bant-bar" '
                     f'style="{side};width:{width:.1f}%;background:{colour}"></span></span>'
                     f'<span class="bant-pts">{_signed(points)}</span></div>')
    return f'<h2>{t["bant"]}</h2><div class="bant">{"".join(items)}</div>'


def _activities(activities: Sequence[tuple[int, str]], t: dict[str, str], lang: str, limit: int = 10) -> str:
    """The lead's latest activities, newest first, as its score read them."""
    latest = sorted(activities, key=lambda pair: -pair[0])[:limit]
    if not latest:
        return f'<h2>{t["activities"]}</h2><p class="none">{t["nothing"]}</p>'
    rows = []
    for micro, kind in latest:
        date = format_date(datetime.fromtimestamp(micro / 1e6, tz=UTC), format="medium", locale=lang)
        rows.append(f'<li><span class="when">{escape(date)}</span><span class="what">'
                    f'{escape(phrases.activity_label(kind, lang))}</span></li>')  # type: ignore[arg-type]
    return f'<h2>{t["activities"]}</h2><ul class="activities">{"".join(rows)}</ul>'


def _suggestions(result: LeadScore, t: dict[str, str]) -> str:
    if not result.suggestions:
        return ""
    items = "".join(f'<li data-action="{escape(s.action)}" data-score="{s.score}">{escape(s.text)}</li>'
                    for s in result.suggestions)
    return f'<h2>{t["suggest"]}</h2><ul class="suggestions">{items}</ul>'


def _trend(text: str | None) -> str:
    if not text:
        return ""
    direction = "up" if text.startswith("+") and not text.startswith("+0") else (
        "down" if text.startswith("-") else "flat")
    return f'<div class="trend {direction}" id="trend">{escape(text)}</div>'


def render_card(result: LeadScore, lang: str = "en", horizon_days: int | None = DEFAULT_HORIZON_DAYS,
                lead: Mapping[str, object] | None = None, trend: str | None = None,
                activities: Sequence[tuple[int, str]] = ()) -> str:
    """The HTML page for one scored lead (or its validation errors); ``lead`` is the lead as the request sent it
    (name, company, title and source are shown from it), ``activities`` its activities as its score read them
    (:func:`scoring.requests.activities_as_read`: moment in µs, type); ``trend``: how the score moved, from the
    score log ("+18 since last week"), shown under the score; ``horizon_days`` None: an outcome without a horizon
    (a flat model's label)."""
    lang = "de" if lang == "de" else "en"
    t = _TEXT[lang]
    lead_id = escape(result.lead_id or "")
    if result.status == "error":
        items = "".join(f'<li><code class="field">{escape(e.field)}</code>: <span class="message">'
                        f"{escape(phrases.message(e.message, lang))}</span></li>" for e in result.errors)
        who = f' <span class="id">{t["lead"]} {lead_id}</span>' if lead_id else ""
        title = f"{t['error']} {lead_id}".strip()
        return (f'{_head(title, lang)}<h1>{t["error"]}{who}</h1>'
                f'<ul class="errors">{items}</ul></div></body></html>')
    tier = result.tier or "cold"
    tier_name = t[tier][:1].upper() + t[tier][1:]
    steps = [(r.text, r.points) for r in result.reasons]
    rate = ""
    if result.tier_conversion_rate is not None:
        rate = t["tier_rate"].format(tier=tier_name, rate=_percent(result.tier_conversion_rate, lang))
    reasons = "".join(
        f'<li data-points="{r.points}"><span class="pts {"up" if r.points >= 0 else "down"}">{_signed(r.points)}'
        f'</span><span class="text">{escape(r.text)}</span><span class="group">{t[r.group]}</span></li>'
        for r in result.reasons)
    chance = t["probability"].format(days=horizon_days) if horizon_days else t["probability"].split(" (")[0]
    facts = (f'<tr><td>{chance}</td><td class="num" id="probability">'
             f'{_percent(result.probability or 0, lang)}</td></tr>'
             f'<tr><td>{t["fit"]}</td><td class="num" id="fit">{_signed(result.fit_score or 0)}</td>'
             f'<td>{t["points"]}</td></tr>'
             f'<tr><td>{t["engagement"]}</td><td class="num" id="engagement">{_signed(result.engagement_score or 0)}'
             f'</td><td>{t["points"]}</td></tr>')
    chart = waterfall_svg(steps, int(result.base_score or 0), int(result.score or 0), t,
                          other=int(result.other_points or 0))
    model = f'<p class="model">{t["model"]} {escape(result.model_version)}</p>' if result.model_version else ""
    name, who = _who(lead, result, t, lang)
    notes = ""
    if result.warnings:
        notes = (f'<h2>{t["warnings"]}</h2><ul class="warnings">' + "".join(
            f'<li><code class="field">{escape(w.field)}</code>: {escape(phrases.message(w.message, lang))}</li>'
            for w in result.warnings) + "</ul>")
    title = f"{t['title']} {name}"
    return (
        f"{_head(title, lang)}"
        f'<h1>{name} <span class="id">· {t["title"]}</span></h1>'
        f'<p class="who">{who}</p>'
        f'<div class="top"><div><div class="score" id="score">{result.score}</div>'
        f'<div class="badges"><span class="badge" id="tier" data-tier="{tier}" '
        f'style="background:{TIER_COLOUR[tier]}">{tier_name}</span> '
        f'<span class="badge" id="grade" style="background:#555">{t["grade"]} {escape(result.grade or "")}</span>'
        f'</div>{_trend(trend)}</div><table class="facts">{facts}</table></div>'
        f'<p class="rate">{escape(rate)}</p><h2>{t["why"]}</h2>{chart}'
        f'<ul class="reasons">{reasons}</ul>{_suggestions(result, t)}{_bant(result, t)}'
        f'{_activities(activities, t, lang)}{notes}{model}</div></body></html>'
    )
