"""The feature catalogue: every signal the model sees, declared once.

Each :class:`Feature` carries its name, its group (``fit``: who the lead is; ``engagement``: what the
lead did), a description in English and German, and the sentence templates that turn a value into a
reason a salesperson can read ("Viewed the pricing page 4× in the last 7 days"). The model's reason
texts (``sentence``) and the feature documentation (``to_markdown``) are both generated from here, so
a signal cannot be documented one way and explained another.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from features.config import ENGAGEMENT_TYPES, NEVER_DAYS, FeatureConfig

Lang = Literal["en", "de"]
LANGS: tuple[Lang, ...] = ("en", "de")
Group = Literal["fit", "engagement"]
Kind = Literal["count", "days", "ratio", "score", "trend", "flag", "category", "size", "revenue", "number"]


@dataclass(frozen=True)
class Feature:
    """One model input. Templates use ``{value}`` (already formatted for the language)."""

    name: str
    group: Group
    kind: Kind
    description: dict[str, str]
    text: dict[str, str]
    text_zero: dict[str, str] | None = None
    text_negative: dict[str, str] | None = None
    text_missing: dict[str, str] | None = None
    text_one: dict[str, str] | None = None
    #: +1: more of this never lowers the score; -1: more of this never raises it; 0: free. Declared for the
    #: signals that adding a recent high-intent action moves, so that such an action never lowers a score.
    monotone: int = 0
    #: what the model sees for a missing value when "missing" has an order: a recency that is missing
    #: means "never", i.e. longer ago than anything observed. None: missing stays missing.
    missing_as: float | None = None

    @property
    def categorical(self) -> bool:
        return self.kind == "category"


# (singular en, plural en, singular de, plural de) for counting each activity type in a sentence.
ACTIVITY_NOUNS: dict[str, tuple[str, str, str, str]] = {
    "page_view": ("page view", "page views", "Seitenaufruf", "Seitenaufrufe"),
    "pricing_page_view": ("pricing-page visit", "pricing-page visits", "Aufruf der Preisseite",
                          "Aufrufe der Preisseite"),
    "email_open": ("e-mail opened", "e-mails opened", "geöffnete E-Mail", "geöffnete E-Mails"),
    "email_click": ("e-mail click", "e-mail clicks", "Klick in einer E-Mail", "Klicks in E-Mails"),
    "form_submit": ("form submitted", "forms submitted", "abgeschicktes Formular", "abgeschickte Formulare"),
    "content_download": ("content download", "content downloads", "Content-Download", "Content-Downloads"),
    "webinar_registration": ("webinar registration", "webinar registrations", "Webinar-Anmeldung",
                             "Webinar-Anmeldungen"),
    "webinar_attendance": ("webinar attended", "webinars attended", "besuchtes Webinar", "besuchte Webinare"),
    "demo_request": ("demo request", "demo requests", "Demo-Anfrage", "Demo-Anfragen"),
    "trial_signup": ("trial sign-up", "trial sign-ups", "Testzugang", "Testzugänge"),
    "meeting_held": ("meeting held", "meetings held", "gehaltener Termin", "gehaltene Termine"),
    "email_unsubscribe": ("e-mail unsubscribe", "e-mail unsubscribes", "Newsletter-Abmeldung",
                          "Newsletter-Abmeldungen"),
    "email_bounce": ("bounced e-mail", "bounced e-mails", "unzustellbare E-Mail", "unzustellbare E-Mails"),
    "other": ("other activity", "other activities", "sonstige Aktivität", "sonstige Aktivitäten"),
}

#: Readable labels of category values, for reasons ("Seniority: VP / director").
CATEGORY_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "seniority": {
        "c_level_owner": ("C-level / owner", "Geschäftsführung / Inhaber"),
        "vp_director": ("VP / director", "Direktor / Bereichsleitung"),
        "head_lead": ("head of / team lead", "Abteilungs- / Teamleitung"),
        "manager": ("manager", "Manager"),
        "individual_contributor": ("individual contributor", "Fachkraft ohne Führungsverantwortung"),
        "student_intern": ("student / intern", "Student / Praktikant"),
        "unknown": ("unknown", "unbekannt"),
    },
    "department": {
        "management": ("management", "Geschäftsleitung"),
        "sales": ("sales", "Vertrieb"),
        "marketing": ("marketing", "Marketing"),
        "it": ("IT", "IT"),
        "finance": ("finance", "Finanzen"),
        "operations": ("operations", "Operations / Betrieb"),
        "hr": ("HR", "Personal"),
        "other": ("other", "sonstige"),
        "unknown": ("unknown", "unbekannt"),
    },
    "region": {
        "dach": ("DACH", "DACH"),
        "rest_of_europe": ("rest of Europe", "übriges Europa"),
        "eu": ("rest of the EU", "übrige EU"),
        "other": ("outside Europe", "außerhalb Europas"),
        "unknown": ("unknown", "unbekannt"),
    },
    "email_domain_kind": {
        "corporate": ("company address", "Firmenadresse"),
        "free": ("free-mail address", "Freemail-Adresse"),
        "invalid": ("invalid address", "ungültige Adresse"),
        "missing": ("no address", "keine Adresse"),
    },
    "industry": {
        "software": ("software", "Software"),
        "it_services": ("IT services", "IT-Dienstleistungen"),
        "manufacturing": ("manufacturing", "Maschinenbau / Produktion"),
        "automotive": ("automotive", "Automobil"),
        "retail": ("retail / e-commerce", "Handel / E-Commerce"),
        "financial_services": ("financial services", "Finanzdienstleistungen"),
        "healthcare": ("healthcare", "Gesundheitswesen"),
        "education": ("education", "Bildung"),
        "consulting": ("consulting", "Beratung"),
        "logistics": ("logistics", "Logistik"),
        "energy": ("energy", "Energie"),
        "public_sector": ("public sector", "öffentlicher Sektor"),
        "media": ("media", "Medien"),
        "telecommunications": ("telecommunications", "Telekommunikation"),
        "real_estate": ("real estate", "Immobilien"),
        "construction": ("construction", "Bauwesen"),
        "other": ("other industry", "sonstige Branche"),
    },
    "lead_source": {
        "web_form": ("web form", "Webformular"),
        "webinar": ("webinar", "Webinar"),
        "trade_show": ("trade show", "Messe"),
        "referral": ("referral", "Empfehlung"),
        "paid_search": ("paid search", "bezahlte Suche"),
        "organic_search": ("organic search", "organische Suche"),
        "social": ("social media", "Social Media"),
        "email_campaign": ("e-mail campaign", "E-Mail-Kampagne"),
        "outbound": ("outbound", "Kaltakquise"),
        "partner": ("partner", "Partner"),
        "other": ("other channel", "sonstiger Kanal"),
    },
}

_SIZE_BANDS: tuple[tuple[float, str], ...] = (
    (10, "1–10"), (50, "11–50"), (200, "51–200"), (1000, "201–1,000"), (5000, "1,001–5,000"),
    (math.inf, "5,000+"),
)
_REVENUE_BANDS: tuple[tuple[float, str, str], ...] = (
    (1e6, "under €1M", "unter 1 Mio. €"),
    (1e7, "€1–10M", "1–10 Mio. €"),
    (5e7, "€10–50M", "10–50 Mio. €"),
    (2.5e8, "€50–250M", "50–250 Mio. €"),
    (math.inf, "over €250M", "über 250 Mio. €"),
)


def size_band(employees: float, lang: Lang = "en") -> str:
    """The company-size band a head count falls in (the bands sales teams use: 1–10 is a micro firm,
    51–200 a typical Mittelstand customer, 5,000+ an enterprise with a procurement department)."""
    label = next((label for upper, label in _SIZE_BANDS if employees <= upper), _SIZE_BANDS[-1][1])
    return label.replace(",", ".") if lang == "de" else label


def revenue_band(revenue_eur: float, lang: Lang = "en") -> str:
    """The annual-revenue band (EUR) a company falls in."""
    for upper, en, de in _REVENUE_BANDS:
        if revenue_eur < upper:
            return en if lang == "en" else de
    return _REVENUE_BANDS[-1][1 if lang == "en" else 2]


def _both(en: str, de: str) -> dict[str, str]:
    return {"en": en, "de": de}


def _activity_count(activity: str, window: int, high_intent: bool) -> Feature:
    one_en, many_en, one_de, many_de = ACTIVITY_NOUNS[activity]
    return Feature(
        name=f"n_{activity}_{window}d",
        group="engagement",
        kind="count",
        description=_both(f"Number of {many_en} in the {window} days up to the scoring moment.",
                          f"Anzahl {many_de} in den {window} Tagen bis zum Bewertungszeitpunkt."),
        text=_both(f"{{value}} {many_en} in the last {window} days",
                   f"{{value}} {many_de} in den letzten {window} Tagen"),
        text_zero=_both(f"No {many_en} in the last {window} days",
                        f"Keine {many_de} in den letzten {window} Tagen"),
        text_one=_both(f"1 {one_en} in the last {window} days", f"1 {one_de} in den letzten {window} Tagen"),
        monotone=1 if high_intent else 0,
    )


def build_catalogue(config: FeatureConfig | None = None) -> Catalogue:
    """Declare every signal for a feature configuration (windows and extras change the list)."""
    config = config or FeatureConfig()
    features: list[Feature] = []
    for window in config.windows_days:
        features.extend(_activity_count(activity, window, activity in config.high_intent)
                        for activity in ENGAGEMENT_TYPES)
    trend, active = config.trend_days, config.active_days_window
    intent, clicks = config.high_intent_days_window, config.click_rate_days
    first, last = config.earlier_evaluation_days
    months = f"{round(first / 30.44)}–{round(last / 30.44)}"
    features += [
        Feature("days_since_last_activity", "engagement", "days",
                _both("Days since the lead last did anything we track (missing: never).",
                      "Tage seit der letzten erfassten Aktivität (fehlt: noch nie)."),
                _both("Last activity {value} days ago", "Letzte Aktivität vor {value} Tagen"),
                text_zero=_both("Active today", "Heute aktiv"),
                text_missing=_both("No activity yet", "Noch keine Aktivität"),
                monotone=-1, missing_as=NEVER_DAYS),
        Feature("days_since_last_high_intent", "engagement", "days",
                _both("Days since the last high-intent action (pricing page, demo request, webinar "
                      "attendance, trial, meeting); missing: never.",
                      "Tage seit der letzten kaufnahen Aktion (Preisseite, Demo-Anfrage, Webinar-Teilnahme, "
                      "Testzugang, Termin); fehlt: noch nie."),
                _both("Last high-intent action {value} days ago", "Letzte kaufnahe Aktion vor {value} Tagen"),
                text_zero=_both("High-intent action today", "Heute eine kaufnahe Aktion"),
                text_missing=_both("No high-intent action yet", "Noch keine kaufnahe Aktion"),
                monotone=-1, missing_as=NEVER_DAYS),
        Feature(f"high_intent_days_{intent}d", "engagement", "count",
                _both(f"Distinct days with a high-intent action in the last {intent} days.",
                      f"Anzahl Tage mit kaufnaher Aktion in den letzten {intent} Tagen."),
                _both(f"High-intent actions on {{value}} of the last {intent} days",
                      f"Kaufnahe Aktionen an {{value}} der letzten {intent} Tage"),
                text_zero=_both(f"No high-intent action in the last {intent} days",
                                f"Keine kaufnahe Aktion in den letzten {intent} Tagen"),
                text_one=_both(f"High-intent action on 1 of the last {intent} days",
                               f"Kaufnahe Aktion an 1 der letzten {intent} Tage"),
                monotone=1),
        Feature(f"n_high_intent_{first}_{last}d", "engagement", "count",
                _both(f"High-intent actions {first}–{last} days ago: an earlier evaluation; if it did not end in a "
                      "purchase, the lead often said \"not now\".",
                      f"Kaufnahe Aktionen vor {first}–{last} Tagen: eine frühere Evaluierung; endete sie ohne Kauf, "
                      "hieß es oft \"nicht jetzt\"."),
                _both(f"{{value}} high-intent actions {months} months ago",
                      f"{{value}} kaufnahe Aktionen vor {months} Monaten"),
                text_zero=_both(f"No earlier evaluation ({months} months ago)",
                                f"Keine frühere Evaluierung (vor {months} Monaten)"),
                text_one=_both(f"1 high-intent action {months} months ago", f"1 kaufnahe Aktion vor {months} Monaten")),
        Feature(f"active_days_{active}d", "engagement", "count",
                _both(f"Distinct days with any activity in the last {active} days.",
                      f"Anzahl Tage mit Aktivität in den letzten {active} Tagen."),
                _both(f"Active on {{value}} of the last {active} days",
                      f"An {{value}} der letzten {active} Tage aktiv"),
                text_zero=_both(f"Not active in the last {active} days",
                                f"In den letzten {active} Tagen nicht aktiv"),
                monotone=1),
        Feature(f"activity_trend_{trend}d", "engagement", "trend",
                _both(f"log2 of (activities in the last {trend} days + 1) / (activities in the {trend} days "
                      "before + 1): above 0 means interest is rising.",
                      f"log2 von (Aktivitäten der letzten {trend} Tage + 1) / (Aktivitäten der {trend} Tage "
                      "davor + 1): über 0 heißt, das Interesse steigt."),
                _both(f"Activity rising: ×{{value}} over the last {trend} days vs the {trend} before",
                      f"Aktivität steigt: ×{{value}} in den letzten {trend} Tagen gegenüber den {trend} davor"),
                text_zero=_both(f"Activity level unchanged over the last {trend} days",
                                f"Aktivität in den letzten {trend} Tagen unverändert"),
                text_negative=_both(f"Activity falling: ×{{value}} over the last {trend} days vs the {trend} "
                                    "before",
                                    f"Aktivität sinkt: ×{{value}} in den letzten {trend} Tagen gegenüber den "
                                    f"{trend} davor"),
                monotone=1),
        Feature("engagement_score", "engagement", "score",
                _both("Recent intent: each activity weighted by how much it says about buying and halved "
                      "every half-life (7 days for a page view, 30 for a demo request).",
                      "Aktuelles Kaufinteresse: jede Aktivität nach Aussagekraft gewichtet und pro "
                      "Halbwertszeit halbiert (7 Tage für einen Seitenaufruf, 30 für eine Demo-Anfrage)."),
                _both("Recent engagement score {value}", "Aktueller Engagement-Wert {value}"),
                text_zero=_both("No recent engagement", "Kein aktuelles Engagement"),
                monotone=1),
        Feature(f"email_click_rate_{clicks}d", "engagement", "ratio",
                _both(f"E-mail clicks per e-mail opened in the last {clicks} days (missing: nothing opened).",
                      f"E-Mail-Klicks je geöffneter E-Mail in den letzten {clicks} Tagen (fehlt: nichts geöffnet)."),
                _both(f"Clicked in {{value}} of opened e-mails ({clicks} days)",
                      f"Klickt in {{value}} der geöffneten E-Mails ({clicks} Tage)"),
                text_zero=_both(f"Opens e-mails but never clicks ({clicks} days)",
                                f"Öffnet E-Mails, klickt aber nie ({clicks} Tage)"),
                text_missing=_both(f"No e-mails opened in the last {clicks} days",
                                   f"Keine E-Mails geöffnet in den letzten {clicks} Tagen")),
        Feature("unsubscribed", "engagement", "flag",
                _both("1 if the lead ever unsubscribed from e-mails.", "1, wenn der Lead E-Mails abbestellt hat."),
                _both("Unsubscribed from e-mails", "Hat E-Mails abbestellt"),
                text_zero=_both("Still subscribed to e-mails", "Weiterhin für E-Mails angemeldet")),
        Feature("bounced", "engagement", "flag",
                _both("1 if an e-mail to the lead ever bounced.", "1, wenn eine E-Mail unzustellbar war."),
                _both("E-mail address bounced", "E-Mail-Adresse unzustellbar"),
                text_zero=_both("E-mail address reachable", "E-Mail-Adresse erreichbar")),
        Feature("lead_age_days", "engagement", "days",
                _both("Days since the lead entered the CRM: fresh leads behave differently from old ones.",
                      "Tage seit Anlage des Leads im CRM: frische Leads verhalten sich anders als alte."),
                _both("In the CRM for {value} days", "Seit {value} Tagen im CRM"),
                text_zero=_both("Entered the CRM today", "Heute im CRM angelegt")),
        Feature("industry", "fit", "category",
                _both("Industry, normalised (case, synonyms, German/English); rare values grouped.",
                      "Branche, vereinheitlicht (Schreibweise, Synonyme, Deutsch/Englisch); seltene Werte "
                      "zusammengefasst."),
                _both("Industry: {value}", "Branche: {value}"),
                text_missing=_both("Industry unknown", "Branche unbekannt")),
        Feature("employee_count_log", "fit", "size",
                _both("Company head count (log scale; missing kept as missing).",
                      "Mitarbeiterzahl des Unternehmens (logarithmisch; fehlend bleibt fehlend)."),
                _both("Company size {value} employees", "Unternehmensgröße {value} Mitarbeitende"),
                text_missing=_both("Company size unknown", "Unternehmensgröße unbekannt")),
        Feature("annual_revenue_log", "fit", "revenue",
                _both("Annual revenue in EUR (log scale; missing kept as missing).",
                      "Jahresumsatz in EUR (logarithmisch; fehlend bleibt fehlend)."),
                _both("Annual revenue {value}", "Jahresumsatz {value}"),
                text_missing=_both("Revenue unknown", "Umsatz unbekannt")),
        Feature("country", "fit", "category",
                _both("Country (ISO 3166-1 alpha-2).", "Land (ISO 3166-1 Alpha-2)."),
                _both("Based in {value}", "Sitz in {value}"),
                text_missing=_both("Country unknown", "Land unbekannt")),
        Feature("region", "fit", "category",
                _both("Sales region: DACH, rest of Europe, other.", "Vertriebsregion: DACH, übriges Europa, sonstige."),
                _both("Region: {value}", "Region: {value}")),
        Feature("email_domain_kind", "fit", "category",
                _both("Company vs free-mail address (the address itself is never a feature).",
                      "Firmen- oder Freemail-Adresse (die Adresse selbst ist nie ein Merkmal)."),
                _both("Signed up with a {value}", "Angemeldet mit {value}")),
        Feature("lead_source", "fit", "category",
                _both("The channel the lead came through.", "Der Kanal, über den der Lead kam."),
                _both("Came in via {value}", "Gekommen über {value}"),
                text_missing=_both("Lead source unknown", "Herkunft unbekannt")),
        Feature("seniority", "fit", "category",
                _both("Seniority derived from the job title (German or English).",
                      "Hierarchieebene, abgeleitet aus dem Jobtitel (Deutsch oder Englisch)."),
                _both("Seniority: {value}", "Hierarchieebene: {value}")),
        Feature("department", "fit", "category",
                _both("Department derived from the job title (German or English).",
                      "Abteilung, abgeleitet aus dem Jobtitel (Deutsch oder Englisch)."),
                _both("Department: {value}", "Abteilung: {value}")),
        Feature("is_decision_maker", "fit", "flag",
                _both("1 if the title carries buying authority (C-level, owner, VP/director, head of).",
                      "1, wenn der Titel Entscheidungsbefugnis trägt (Geschäftsführung, Direktor, Leitung)."),
                _both("Decision maker by title", "Entscheider laut Titel"),
                text_zero=_both("Not a decision maker by title", "Laut Titel kein Entscheider")),
    ]
    for column in config.extra_columns:
        features.append(
            Feature(column, "fit", "category" if column in config.extra_categorical else "number",
                    _both(f"User-declared extra column `{column}`.", f"Zusätzliche Spalte `{column}`."),
                    _both(f"{column}: {{value}}", f"{column}: {{value}}"),
                    text_missing=_both(f"{column} unknown", f"{column} unbekannt")))
    return Catalogue(tuple(features))


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The ordered list of model inputs; the order is the model matrix's column order.

    Compared and hashed by identity: a loaded model has exactly one catalogue, and reason texts are
    cached per catalogue."""

    features: tuple[Feature, ...]

    @functools.cached_property
    def _by_name(self) -> dict[str, Feature]:
        return {f.name: f for f in self.features}

    def __iter__(self) -> Iterator[Feature]:
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)

    @functools.cached_property
    def _names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    @property
    def names(self) -> list[str]:
        """The feature names in model column order (a new list: asked for several times per request)."""
        return list(self._names)

    def __getitem__(self, name: str) -> Feature:
        return self._by_name[name]

    def with_extra(self, features: list[Feature]) -> Catalogue:
        return Catalogue(self.features + tuple(features))

    def sentence(self, name: str, value: object, lang: Lang = "en") -> str:
        """The reason a salesperson reads for this feature having this value."""
        return render(self[name], value, lang)

    def to_markdown(self, lang: Lang = "en") -> str:
        """The feature documentation, generated from the same declarations as the reasons."""
        head = ("| feature | group | meaning |", "|---|---|---|") if lang == "en" else (
            "| Merkmal | Gruppe | Bedeutung |", "|---|---|---|")
        rows = [f"| `{f.name}` | {f.group} | {f.description[lang]} |" for f in self.features]
        return "\n".join((*head, *rows)) + "\n"


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(value)  # type: ignore[arg-type]
    except TypeError:
        return False


def _format(feature: Feature, value: object, lang: Lang) -> str:
    kind = feature.kind
    if kind == "category":
        labels = CATEGORY_LABELS.get(feature.name, {})
        pair = labels.get(str(value))
        return pair[0 if lang == "en" else 1] if pair else str(value).replace("_", " ")
    number = float(value)  # type: ignore[arg-type]
    if kind in ("count", "days"):
        return str(round(number))
    if kind == "ratio":
        return f"{round(100 * number)} %"
    if kind == "trend":
        shown = f"{2.0**number:.1f}"
        return shown.replace(".", ",") if lang == "de" else shown
    if kind == "size":
        return size_band(math.expm1(number), lang)
    if kind == "revenue":
        return revenue_band(math.expm1(number), lang)
    text = f"{number:.1f}" if not float(number).is_integer() else str(int(number))
    return text.replace(".", ",") if lang == "de" else text


def render(feature: Feature, value: object, lang: Lang = "en") -> str:
    """Fill the feature's template for a value: missing, zero and negative values have their own words."""
    if _is_missing(value):
        return (feature.text_missing or feature.text)[lang].format(value="?")
    if feature.kind != "category":
        number = float(value)  # type: ignore[arg-type]
        if feature.kind in ("count", "days"):
            number = float(round(number))  # choose the words by the number the sentence will show
        if feature.kind == "days" and feature.missing_as is not None and number >= feature.missing_as:
            return (feature.text_missing or feature.text)[lang].format(value="?")
        if number == 1 and feature.text_one:
            return feature.text_one[lang]
        if number == 0 and feature.text_zero:
            return feature.text_zero[lang]
        if number < 0 and feature.text_negative:
            return feature.text_negative[lang].format(value=_format(feature, value, lang))
    return feature.text[lang].format(value=_format(feature, value, lang))
