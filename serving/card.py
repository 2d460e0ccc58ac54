"""The score card a salesperson opens: score, tier, grade and the reasons as a waterfall, EN or DE.

Self-contained HTML (inline CSS and SVG, no scripts, no external fonts), so it renders the same in a
CRM iframe, an e-mail client's preview or a browser without network.
"""

from __future__ import annotations

from html import escape

from serving.schemas import LeadScore

_TEXT = {
    "en": {
        "title": "Lead score", "tier": "Tier", "grade": "Fit grade", "probability": "Chance to convert (90 days)",
        "base": "Average lead", "other": "All other signals", "final": "Score", "why": "Why this score",
        "error": "This lead could not be scored", "hot": "hot", "warm": "warm", "cold": "cold",
        "tier_rate": "{tier} leads convert at {rate}", "fit": "Fit", "engagement": "Engagement",
    },
    "de": {
        "title": "Lead-Score", "tier": "Stufe", "grade": "Passgenauigkeit", "probability":
        "Abschlusschance (90 Tage)", "base": "Durchschnittlicher Lead", "other": "Alle übrigen Signale",
        "final": "Score", "why": "Warum dieser Score", "error": "Dieser Lead konnte nicht bewertet werden",
        "hot": "heiß", "warm": "warm", "cold": "kalt", "tier_rate": "{tier}e Leads schließen zu {rate} ab",
        "fit": "Profil", "engagement": "Engagement",
    },
}
_TIER_COLOUR = {"hot": "#c0392b", "warm": "#e67e22", "cold": "#2c7fb8"}


def _percent(value: float, lang: str) -> str:
    text = f"{100 * value:.1f} %"
    return text.replace(".", ",") if lang == "de" else text


def waterfall_svg(steps: list[tuple[str, int]], base: int, final: int, labels: dict[str, str]) -> str:
    """Horizontal waterfall: the average lead's score, each reason's points, the rest, the final score."""
    rows = [(labels["base"], 0, base, "#7f8c8d")]
    level = base
    for label, points in steps:
        start, level = level, level + points
        rows.append((label, min(start, level), abs(points), "#27ae60" if points >= 0 else "#c0392b"))
    rows.append((labels["final"], 0, final, "#34495e"))
    width, left, bar_area, row_h = 760, 330, 360, 30
    scale = bar_area / max(100, max(base, final, *(r[1] + r[2] for r in rows)))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row_h * len(rows) + 10}" '
             f'role="img" aria-label="waterfall" class="waterfall">']
    for i, (label, start, size, colour) in enumerate(rows):
        y = 5 + i * row_h
        short = label if len(label) <= 48 else label[:47] + "…"
        parts.append(f'<text x="{left - 8}" y="{y + 19}" text-anchor="end" font-size="12">{escape(short)}</text>')
        parts.append(f'<rect x="{left + start * scale:.1f}" y="{y + 4}" width="{max(size * scale, 1.5):.1f}" '
                     f'height="{row_h - 10}" fill="{colour}" data-label="{escape(label)}"/>')
        value = str(size) if i in (0, len(rows) - 1) else f"{steps[i - 1][1]:+d}"
        parts.append(f'<text x="{left + (start + size) * scale + 6:.1f}" y="{y + 19}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_card(result: LeadScore, lang: str = "en") -> str:
    """The HTML page for one scored lead (or its validation errors)."""
    t = _TEXT["de" if lang == "de" else "en"]
    head = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{t["title"]} '
            f'{escape(result.lead_id or "")}</title><style>body{{font-family:sans-serif;margin:24px;color:#222}}'
            ".badge{display:inline-block;padding:4px 10px;border-radius:12px;color:#fff;font-weight:bold}"
            ".score{font-size:48px;font-weight:bold}.facts td{padding:2px 12px 2px 0}"
            "</style></head><body>")
    if result.status == "error":
        items = "".join(f"<li><code>{escape(e.field)}</code>: {escape(e.message)}</li>" for e in result.errors)
        return f'{head}<h1>{t["error"]}</h1><ul class="errors">{items}</ul></body></html>'
    tier = result.tier or "cold"
    steps = [(r.text, r.points) for r in result.reasons]
    if result.other_points:
        steps.append((t["other"], int(result.other_points)))
    rate = ""
    if result.tier_conversion_rate is not None:
        rate = t["tier_rate"].format(tier=t[tier].capitalize(), rate=_percent(result.tier_conversion_rate, lang))
    reasons = "".join(f'<li data-points="{r.points}">{escape(r.text)}: <b>{r.points:+d}</b></li>'
                      for r in result.reasons)
    return (
        f"{head}<h1>{t['title']} · {escape(result.lead_id or '')}</h1>"
        f'<div class="score" id="score">{result.score}</div>'
        f'<span class="badge" id="tier" style="background:{_TIER_COLOUR[tier]}">{t[tier]}</span> '
        f'<span class="badge" id="grade" style="background:#555">{t["grade"]} {escape(result.grade or "")}</span>'
        f'<table class="facts"><tr><td>{t["probability"]}</td><td>{_percent(result.probability or 0, lang)}</td></tr>'
        f'<tr><td>{t["fit"]}</td><td>{result.fit_score:+d}</td></tr>'
        f'<tr><td>{t["engagement"]}</td><td>{result.engagement_score:+d}</td></tr></table>'
        f"<p>{escape(rate)}</p><h2>{t['why']}</h2>"
        f"{waterfall_svg(steps, int(result.base_score or 0), int(result.score or 0), t)}"
        f'<ul class="reasons">{reasons}</ul></body></html>'
    )
