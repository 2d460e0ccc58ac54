"""The sentences of the reasons, in English and German, the way a salesperson would say them.

"Requested a demo yesterday (3 requests in 90 days)", "Gestern Demo angefragt", "Based in Germany", "Sitz in
Deutschland". Numbers, plurals and country names follow each language's rules through Babel (the CLDR data):
never "1 days", "vor 1 Tagen" or "-0,0". A sentence is built from the facts of one reason group
(:mod:`features.behaviours`): for a behaviour, when it last happened and how often; for a fit group, the values
of its signals.
"""

from __future__ import annotations

import math
from functools import lru_cache

from babel import Locale
from babel.numbers import format_decimal

from features.catalogue import CATEGORY_LABELS, Lang, revenue_band, size_band

_WHEN = {
    "en": {"today": "today", "yesterday": "yesterday", "days": "{n} days ago",
           "weeks": "{n} weeks ago", "months": "{n} months ago", "year": "over a year ago"},
    "de": {"today": "heute", "yesterday": "gestern", "days": "vor {n} Tagen",
           "weeks": "vor {n} Wochen", "months": "vor {n} Monaten", "year": "vor über einem Jahr"},
}

#: Per activity type: what the lead did, with ``{when}``, and what it has not done yet (EN, DE); German puts the
#: moment first ("Gestern Demo angefragt").
_DID: dict[str, tuple[str, str, str, str]] = {
    "demo_request": ("Requested a demo {when}", "{when} Demo angefragt",
                     "No demo request yet", "Noch keine Demo-Anfrage"),
    "trial_signup": ("Signed up for a trial {when}", "{when} Testzugang angelegt",
                     "No trial yet", "Noch kein Testzugang"),
    "meeting_held": ("Met with sales {when}", "{when} Termin mit dem Vertrieb",
                     "No meeting with sales yet", "Noch kein Termin mit dem Vertrieb"),
    "webinar_attendance": ("Attended a webinar {when}", "{when} Webinar besucht",
                           "No webinar attended yet", "Noch kein Webinar besucht"),
    "webinar_registration": ("Registered for a webinar {when}", "{when} für ein Webinar angemeldet",
                             "No webinar registration yet", "Noch keine Webinar-Anmeldung"),
    "pricing_page_view": ("Visited the pricing page {when}", "{when} Preisseite besucht",
                          "Has not looked at prices yet", "Hat sich die Preise noch nicht angesehen"),
    "form_submit": ("Submitted a form {when}", "{when} Formular abgeschickt",
                    "No form submitted yet", "Noch kein Formular abgeschickt"),
    "content_download": ("Downloaded content {when}", "{when} Inhalte heruntergeladen",
                         "No content downloaded yet", "Noch keine Inhalte heruntergeladen"),
    "email_click": ("Clicked in an e-mail {when}", "{when} in einer E-Mail geklickt",
                    "No e-mail clicked yet", "Noch in keiner E-Mail geklickt"),
    "email_open": ("Opened an e-mail {when}", "{when} E-Mail geöffnet",
                   "No e-mail opened yet", "Noch keine E-Mail geöffnet"),
    "page_view": ("Visited the website {when}", "{when} Website besucht",
                  "No general website visits yet", "Noch keine allgemeinen Website-Besuche"),  # pricing apart
    "email_unsubscribe": ("Unsubscribed from e-mails {when}", "{when} von E-Mails abgemeldet",
                          "Still subscribed to e-mails", "Weiterhin für E-Mails angemeldet"),
    "email_bounce": ("An e-mail to the lead bounced {when}", "{when} E-Mail an den Lead unzustellbar",
                     "E-mail address reachable", "E-Mail-Adresse erreichbar"),
    "other": ("Other activity {when}", "{when} sonstige Aktivität",
              "No other activity", "Keine sonstige Aktivität"),
}

_PERIOD = {"en": {7: "in the last 7 days", 30: "in the last 30 days", 90: "in the last 90 days"},
           "de": {7: "in den letzten 7 Tagen", 30: "in den letzten 30 Tagen", 90: "in den letzten 90 Tagen"}}

#: How a lead came in, per channel, as the rest of a sentence (EN "Came in through …", DE "Kam über …").
_SOURCE = {
    "web_form": ("the web form", "das Webformular"), "webinar": ("a webinar", "ein Webinar"),
    "trade_show": ("a trade show", "eine Messe"), "referral": ("a referral", "eine Empfehlung"),
    "paid_search": ("paid search", "bezahlte Suche"), "organic_search": ("organic search", "die organische Suche"),
    "social": ("social media", "Social Media"), "email_campaign": ("an e-mail campaign", "eine E-Mail-Kampagne"),
    "outbound": ("outbound prospecting", "Kaltakquise"), "partner": ("a partner", "einen Partner"),
    "other": ("another channel", "einen sonstigen Kanal"),
}
_EMAIL = {"corporate": ("Signed up with a company address", "Mit Firmenadresse angemeldet"),
          "free": ("Signed up with a free-mail address", "Mit Freemail-Adresse angemeldet"),
          "invalid": ("E-mail address looks invalid", "E-Mail-Adresse wirkt ungültig"),
          "missing": ("No e-mail address", "Keine E-Mail-Adresse")}


def number(value: float, lang: Lang, decimals: int = 0) -> str:
    """A number as the language writes it (``1,234.5`` / ``1.234,5``); never a negative zero."""
    value = 0.0 if value == 0 else value
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(round(value, decimals) + 0.0, format=pattern, locale=lang)


#: Below this many days ago, a moment is said in days ("12 days ago"); the calendar's days (see
#: :func:`scoring.reasons.calendar_days`).
DAYS_SAID = 14


def when(days: float, lang: Lang) -> str:
    """How long ago, in words: today, yesterday, 3 days ago, 12 days ago, 5 weeks ago, 4 months ago."""
    words = _WHEN[lang]
    if days < 1:
        return words["today"]
    if days < 2:
        return words["yesterday"]
    if days < DAYS_SAID:  # "last week" would also name 13 days ago, two calendar weeks back
        return words["days"].format(n=math.floor(days))
    if days < 60:
        return words["weeks"].format(n=math.floor(days / 7))
    if days < 365:
        return words["months"].format(n=round(days / 30.44))
    return words["year"]


def times(count: int, lang: Lang) -> str:
    if lang == "de":
        return "einmal" if count == 1 else f"{number(count, lang)}-mal"
    return "once" if count == 1 else "twice" if count == 2 else f"{number(count, lang)} times"


def behaviour(activity: str, days_since: float | None, counts: dict[int, int], lang: Lang) -> str:
    """What the lead did of one activity type: the latest time, and how often in the shortest window that
    holds more than one (``counts``: window days → count)."""
    did_en, did_de, never_en, never_de = _DID.get(activity, _DID["other"])
    if days_since is None or math.isnan(days_since):
        return never_en if lang == "en" else never_de
    moment = when(days_since, lang)
    sentence = did_en.format(when=moment) if lang == "en" else did_de.format(when=moment[:1].upper() + moment[1:])
    repeated = [(w, c) for w, c in sorted(counts.items()) if c > 1]
    if repeated:
        window, count = repeated[0]
        period = _PERIOD[lang].get(window) or (f"in the last {window} days" if lang == "en"
                                               else f"in den letzten {window} Tagen")
        sentence += f" ({times(count, lang)} {period})"
    return sentence


def recent_activity(days_since: float | None, active_days: int, window: int, lang: Lang) -> str:
    if days_since is None or math.isnan(days_since):
        return "No activity yet" if lang == "en" else "Noch keine Aktivität"
    latest = when(days_since, lang)
    if active_days <= 0:
        return f"Last active {latest}" if lang == "en" else f"Zuletzt aktiv {latest}"
    if lang == "en":
        days = "1 day" if active_days == 1 else f"{number(active_days, lang)} days"
        return f"Active on {days} of the last {window}, latest {latest}"
    days = "einem Tag" if active_days == 1 else f"{number(active_days, lang)} Tagen"
    return f"An {days} der letzten {window} Tage aktiv, zuletzt {latest}"


def earlier_evaluation(count: int, lang: Lang) -> str:
    if count <= 0:
        return "No buying signals 3–12 months ago" if lang == "en" else "Keine Kaufsignale vor 3–12 Monaten"
    if lang == "en":
        return "One buying signal 3–12 months ago" if count == 1 else \
            f"{number(count, lang)} buying signals 3–12 months ago"
    return "Ein Kaufsignal vor 3–12 Monaten" if count == 1 else f"{number(count, lang)} Kaufsignale vor 3–12 Monaten"


def lead_age(days: float, lang: Lang) -> str:
    if days < 1:
        return "New in the CRM today" if lang == "en" else "Heute neu im CRM"
    if days < 2:
        return "In the CRM since yesterday" if lang == "en" else "Seit gestern im CRM"
    if days < 14:
        n, en, de = math.floor(days), "days", "Tagen"
    elif days < 60:
        n, en, de = math.floor(days / 7), "weeks", "Wochen"
    else:
        n, en, de = round(days / 30.44), "months", "Monaten"
    return f"In the CRM for {n} {en}" if lang == "en" else f"Seit {n} {de} im CRM"


def label(feature: str, value: object, lang: Lang) -> str:
    """A category value as a person reads it (``vp_director`` → "VP / director")."""
    pair = CATEGORY_LABELS.get(feature, {}).get(str(value))
    return pair[0 if lang == "en" else 1] if pair else str(value).replace("_", " ")


def role(seniority: object, department: object, lang: Lang) -> str | None:
    """"Head of / team lead in marketing" / "Abteilungs- / Teamleitung, Marketing"; None when both unknown. A
    department of none of the named kinds ("other") goes unsaid: "Student / intern", not "… in other"."""
    known = [v if v not in (None, "unknown") else None for v in (seniority, department)]
    known[1] = None if known[1] == "other" else known[1]
    if known == [None, None]:
        return None
    if known[1] is None:
        return _capital(label("seniority", known[0], lang))
    if known[0] is None:
        return (f"Works in {label('department', known[1], lang)}" if lang == "en"
                else f"Arbeitet im Bereich {label('department', known[1], lang)}")
    seniority_text = _capital(label("seniority", known[0], lang))
    department_text = label("department", known[1], lang)
    return f"{seniority_text} in {department_text}" if lang == "en" else f"{seniority_text}, {department_text}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def company_size(log_employees: float | None, log_revenue: float | None, lang: Lang) -> str | None:
    parts = []
    if log_employees is not None and not math.isnan(log_employees):
        employees = size_band(math.expm1(log_employees), lang)
        parts.append(f"{employees} employees" if lang == "en" else f"{employees} Mitarbeitende")
    if log_revenue is not None and not math.isnan(log_revenue):
        revenue = revenue_band(math.expm1(log_revenue), lang)
        parts.append(f"revenue {revenue}" if lang == "en" else f"Umsatz {revenue}")
    if not parts:
        return None
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


@lru_cache(maxsize=512)
def country_name(code: str, lang: Lang) -> str:
    """The country's name in the language (``DE`` → "Germany" / "Deutschland"); the code if CLDR has none."""
    return Locale(lang).territories.get(code.upper(), code)


#: Countries whose name takes the article: "in the United States"; in German the dative with its article,
#: adjectives declined ("in den Vereinigten Staaten", "im Vereinigten Königreich", "auf den Philippinen").
_EN_THE = frozenset({"US", "GB", "NL", "AE", "PH", "DO", "CF", "BS", "MV", "SC", "KY", "VG", "VI", "FO", "KM", "MH",
                     "SB", "TC", "MP", "CK", "AX", "FK", "PS", "UM", "GM"})
_DE_IN = {
    "US": "in den Vereinigten Staaten", "GB": "im Vereinigten Königreich", "NL": "in den Niederlanden",
    "CH": "in der Schweiz", "TR": "in der Türkei", "SK": "in der Slowakei", "UA": "in der Ukraine",
    "IR": "im Iran", "IQ": "im Irak", "LB": "im Libanon", "YE": "im Jemen", "SD": "im Sudan", "SS": "im Südsudan",
    "MN": "in der Mongolei", "PH": "auf den Philippinen", "AE": "in den Vereinigten Arabischen Emiraten",
    "DO": "in der Dominikanischen Republik", "CF": "in der Zentralafrikanischen Republik", "BS": "auf den Bahamas",
    "MV": "auf den Malediven", "SC": "auf den Seychellen", "NE": "im Niger", "TD": "im Tschad", "SN": "im Senegal",
    "KY": "auf den Kaimaninseln", "VG": "auf den Britischen Jungferninseln", "VI": "auf den Amerikanischen "
    "Jungferninseln", "FO": "auf den Färöern", "KM": "auf den Komoren", "MH": "auf den Marshallinseln",
    "SB": "auf den Salomonen", "TC": "auf den Turks- und Caicosinseln", "MP": "auf den Nördlichen Marianen",
    "CK": "auf den Cookinseln", "AX": "auf den Ålandinseln", "FK": "auf den Falklandinseln",
    "PS": "in den Palästinensischen Autonomiegebieten", "VA": "in der Vatikanstadt",
}


def location(country: object, lang: Lang) -> str | None:
    """"Based in the United States" / "Sitz in den Vereinigten Staaten": the country with its article."""
    if not isinstance(country, str) or not country:
        return None
    code, name = country.upper(), country_name(country, lang)
    if lang == "en":
        return f"Based in the {name}" if code in _EN_THE else f"Based in {name}"
    return f"Sitz {_DE_IN[code]}" if code in _DE_IN else f"Sitz in {name}"


def industry(value: object, lang: Lang) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return f"Industry: {label('industry', value, lang)}" if lang == "en" else \
        f"Branche: {label('industry', value, lang)}"


def email(kind: object, lang: Lang) -> str | None:
    pair = _EMAIL.get(str(kind))
    return None if pair is None or kind == "missing" else pair[0 if lang == "en" else 1]


def source(channel: object, lang: Lang) -> str | None:
    if not isinstance(channel, str) or not channel:
        return None
    en, de = _SOURCE.get(channel, (f"“{channel.replace('_', ' ')}”", f"„{channel.replace('_', ' ')}“"))
    return f"Came in through {en}" if lang == "en" else f"Kam über {de}"


def readable(column: str) -> str:
    """A column name as words: ``TotalVisits`` → "Total visits", ``lead_source`` → "Lead source"."""
    spaced = "".join(f" {c}" if c.isupper() and i and column[i - 1].islower() else c for i, c in enumerate(column))
    words = spaced.replace("_", " ").split()
    text = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in words)
    return text[:1].upper() + text[1:]


def column_value(column: str, value: object, lang: Lang, label_text: str | None = None) -> str | None:
    """A flat or extra column's reason: "Total visits: 5" / "Lead source: Google"; None when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    shown = number(float(value), lang, 0 if float(value).is_integer() else 1) if isinstance(value, int | float) \
        else str(value)
    return f"{label_text or readable(column)}: {shown}"


def activity_label(activity: str, lang: Lang) -> str:
    """An activity type as a person names it ("Demo request" / "Demo-Anfrage"); unknown types as written."""
    from features.catalogue import ACTIVITY_NOUNS

    nouns = ACTIVITY_NOUNS.get(activity)
    if nouns is None:
        return activity.replace("_", " ").capitalize()
    text = nouns[0] if lang == "en" else nouns[2]
    return text[:1].upper() + text[1:]


#: The rulebook's messages (features.values, features.records) in German, pattern → replacement.
_MESSAGES_DE: tuple[tuple[str, str], ...] = (
    (r"^missing required value", "Pflichtangabe fehlt"),
    (r"^unparseable timestamp (.+) \(expected ISO 8601 or DD\.MM\.YYYY\)",
     r"Zeitangabe \1 nicht lesbar (erwartet: ISO 8601 oder TT.MM.JJJJ)"),
    (r"^unparseable timestamp (.+) \(month or day first\? Slashed dates are read only from a file's column where "
     r"one shows it \(a number over 12\); else write ISO 8601 or DD\.MM\.YYYY\)",
     r"Zeitangabe \1 nicht lesbar (Monat oder Tag zuerst? Datumsangaben mit Schrägstrich werden nur aus der Spalte "
     r"einer Datei gelesen, in der eine es zeigt (eine Zahl über 12); sonst ISO 8601 oder TT.MM.JJJJ schreiben)"),
    (r"^unparseable timestamp (.+) \(expected ISO 8601, DD\.MM\.YYYY, Unix time \(10 digits: seconds, 13: "
     r"milliseconds\) or a spreadsheet's day number \(5 digits\), 2000 to 2100\)",
     r"Zeitangabe \1 nicht lesbar (erwartet: ISO 8601, TT.MM.JJJJ, Unix-Zeit (10 Ziffern: Sekunden, 13: "
     r"Millisekunden) oder die Tageszahl einer Tabellenkalkulation (5 Ziffern), 2000 bis 2100)"),
    (r"^not a number (.+): set to missing", r"keine Zahl \1: als fehlend gewertet"),
    (r"^negative value set to missing", "negativer Wert: als fehlend gewertet"),
    (r"^duplicate lead_id \(first seen at index (\d+)\)", r"doppelte lead_id (zuerst bei Index \1)"),
    (r"^lead created after as_of: it cannot be scored at that moment",
     "Lead erst nach dem Bewertungszeitpunkt angelegt: zu diesem Zeitpunkt nicht bewertbar"),
    (r"^expected an object with the lead's fields", "erwartet ein Objekt mit den Feldern des Leads"),
    (r"^expected a list of activities", "erwartet eine Liste von Aktivitäten"),
    (r"^expected an object", "erwartet ein Objekt"),
    (r"^exact duplicate of (\S+) \(same time, type\)", r"exaktes Duplikat von \1 (gleiche Zeit, gleicher Typ)"),
    (r": activity not used$", ": Aktivität nicht berücksichtigt"),
)


def message(text: str, lang: Lang) -> str:
    """A validation message of the rulebook in the requested language (they are written in English)."""
    if lang != "de":
        return text
    import re

    for pattern, replacement in _MESSAGES_DE:
        text = re.sub(pattern, replacement, text)
    return text
