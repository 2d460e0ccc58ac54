"""Industry: a free-text or picklist industry value turned into one canonical industry."""

from __future__ import annotations

from functools import lru_cache

from features.profile.patterns import compile_rules, first_match
from features.values import category_text, fold, snake_of_folded

_CACHE_SIZE = 65536

#: The canonical industries a lead's company is put into.
INDUSTRIES: tuple[str, ...] = (
    "software",
    "it_services",
    "manufacturing",
    "automotive",
    "retail",
    "financial_services",
    "healthcare",
    "education",
    "consulting",
    "logistics",
    "energy",
    "public_sector",
    "media",
    "telecommunications",
    "real_estate",
    "construction",
    "other",
)

# Checked in this order; the first pattern that occurs in the folded text wins. Professional services
# (staffing, accounting, legal, as LinkedIn names them) are consulting, as "Personalberatung" and
# "Wirtschaftsprüfung" are. The order settles overlaps: "IT/Software" is software (before it_services),
# "Telekommunikation" is telecommunications (before media's "kommunikation"), "IT-Beratung" is it_services
# (before consulting), "Automobilindustrie" automotive and "Pharmaindustrie" healthcare (before
# manufacturing's "industrie"), "Finanzberatung" financial_services, "Hausverwaltung" real_estate (before
# public_sector's "verwaltung"), "Aerospace & Defense" manufacturing (defence contractors make things; armed
# forces are public_sector).
_INDUSTRY_RULES = compile_rules(
    (
        ("software", r"software|\bsaas\b|\bpaas\b|datenbank|\bdatabase|logiciel"),
        ("telecommunications", r"tele(?:kom|com)|\btelco\b|mobilfunk|\bwireless\b"),
        (
            "it_services",
            r"\bit\b|\bikt\b|\bict\b|\bedv\b|information(?:s)?\s?(?:technolog|technik)|informatik"
            r"|systemhaus|\bcomputer|\bcyber|rechenzentr|managed services|it dienstleist|informatique|informatica"
            r"|technology information and internet",
        ),
        ("automotive", r"automotive|automobil|\bauto(?!mat)|\bkfz|fahrzeug|\bvehicle|\bcars?\b"),
        (
            "healthcare",
            r"health|gesundheit|\bpharma|medizin|medical|\bmedtech|hospital(?!ity)|krankenh|klinik|clinic"
            r"|biotech|life sciences?|\bpflege|\bsante\b|\bsanita|clinique|clinica|ospedal|hopital|\bmedic",
        ),
        (
            "financial_services",
            r"financ|finanz|\bbank|banking|banken\b|sparkass|insurance|versicher|fintech|\binvestment"
            r"|asset management|capital markets|\bkredit|private equity|venture capital|\bbanque|\bbanca\b"
            r"|\bassurance|assicura",
        ),
        ("real_estate", r"real estate|immobili|\bpropert|hausverwaltung|wohnungswirtschaft|proptech"),
        (
            "education",
            r"educat|bildung|e ?learning|\bschule|\bschool|universit|hochschule|akademie|academy|edtech"
            r"|enseignement|istruzione|\becole|\bscuol",
        ),
        ("consulting", r"consult|beratung|\bberater|advisory|wirtschaftspr(?:ue|u)f|professional services"
                       r"|\bconseil\b|staffing|recruit|personalvermittl|personaldienstl|zeitarbeit|accounting"
                       r"|steuerberat|legal services|law (?:firm|practice)|rechtsanw|anwaltskanzlei"),
        (
            "logistics",
            r"logisti|transport|trasport|spedition|\bshipping|freight|fracht|supply chain|warehous|kurier|courier",
        ),
        ("manufacturing", r"aerospace|luft ?und ?raumfahrt|\bdefen[cs]e\b|ruestung"),
        ("energy", r"energ|utilit|versorg|stadtwerk|\boil\b|\bsolar|\bstrom\b|renewable"),
        (
            "public_sector",
            r"public (?:sector|administration|service)|oe?ffentlich|government|regierung|beho(?:e)?rde"
            r"|verwaltung|kommunal|\bkommune|ministr|ministeri|bundeswehr|military|\bgemeinde"
            r"|secteur public|administration publique|pubblica amministrazione|settore pubblico",
        ),
        (
            "construction",
            r"construction|\bbau\b|\bbau(?:wesen|industrie|gewerbe|unternehm|stoff|handwerk)|hochbau|tiefbau"
            r"|stra(?:ss|s)enbau|\bbuilding|architectur|costruzion|edilizi|\bbatiment|\bbtp\b",
        ),
        (
            "media",
            r"\bmedia\b|\bmedien|verlag|publishing|advertising|werbung|werbeagentur|marketing|entertainment"
            r"|broadcast|rundfunk|\bfilm|public relations|\bpresse|journalis|kommunikation|communications",
        ),
        ("retail", r"retail|einzelhandel|handel|e ?commerce|wholesale|onlineshop|online shop|\bshop\b"
                   r"|commerce de detail|vente au detail|\bcommercio|grande distribution"),
        (
            "manufacturing",
            r"manufactur|maschinenbau|machinery|industrial|industrie|produktion|production|fertigung"
            r"|hersteller|\bchemi|metall|\bmetal|elektrotechnik|electronics|elektronik|automation"
            r"|automatisierung|kunststoff|plastics|anlagenbau|\bmaschinen|fabrication|manifattur|industria",
        ),
        ("other", r"^(?:other|others|sonstige|sonstiges|andere|misc|miscellaneous|various|diverse)$"),
    )
)


@lru_cache(maxsize=_CACHE_SIZE)
def _industry_of_folded(folded: str) -> str | None:
    if not folded:
        return None
    return first_match(folded, _INDUSTRY_RULES) or snake_of_folded(folded)


def normalise_industry(value: object) -> str | None:
    """The canonical industry (one of :data:`INDUSTRIES`) of a free-text or picklist industry value.

    ``"IT/Software"``, ``"Softwareentwicklung"``, ``"SaaS"`` → ``"software"``; ``"Maschinenbau"`` →
    ``"manufacturing"``; ``"Öffentlicher Dienst"`` → ``"public_sector"``; ``"Sonstige"`` → ``"other"``.
    Matching ignores case, whitespace, punctuation and umlaut spelling, and looks for key words inside
    longer values (``"Automobilzulieferer"`` → ``"automotive"``).

    A value that names no known industry is **not** lumped into ``"other"``: it comes back as its
    :func:`features.values.snake` text (``"Agriculture"`` → ``"agriculture"``), so the downstream rare-category
    grouping sees each distinct value and decides what is rare; ``"other"`` is kept for values that
    *say* other. Missing values (and text without a letter or digit) give ``None``. Idempotent:
    normalising a result returns it.
    """
    text = category_text(value)
    return None if text is None else _industry_of_folded(fold(text))


