"""Messy CRM fit fields (industry, country, e-mail, lead source) turned into clean categories.

Every function here is the **single definition** of its signal: batch feature building applies it to the
distinct values of a column, online scoring to the one value of a lead. So each one is pure and
deterministic, cached where it pays, and never raises: ``None``, NaN, ``pd.NA``, numbers, empty strings,
garbage and very long strings all give a defined result. The one column function,
:func:`email_domain_kinds` (nearly every address in a batch is distinct), is built from the same parts as
:func:`email_domain_kind`, which stays the definition; a test holds the two equal.

Conventions shared by all functions:

* **Missing** means ``None``, a NaN/NaT/``pd.NA`` scalar, or a string that after stripping and
  lower-casing is one of the contract's :data:`~features.contract.MISSING_MARKERS` (``"Select"``, ``""``,
  ``"n/a"``, ``"k.A."`` …). See :func:`is_missing`.
* **Text** is a ``str``; an integer or a finite float is read as its text (a picklist stored as numbers);
  any other object (bytes, lists, booleans, dates …) carries no category and counts as missing.
* Text is **folded** before matching: Unicode-normalised, lower-cased, German umlauts written out
  (``ä`` → ``ae``, ``ß`` → ``ss``), other accents dropped and punctuation turned into single spaces, so
  ``"IT-Dienstleistungen"``, ``" it dienstleistungen "`` and ``"IT/Dienstleistungen"`` are one value.
  Patterns accept a German word with or without the ``e`` of a written-out umlaut
  (``"Öffentlicher"``, ``"Oeffentlicher"`` and ``"Offentlicher"`` all match).
* An **unrecognised** industry or lead source is not thrown away: it comes back as the
  :func:`lower_snake` form of the raw text, so downstream rare-category grouping sees every distinct
  value and decides what is rare. Only text with nothing left after folding counts as missing.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.contract import MISSING_MARKERS

#: Longest raw text looked at. Real CRM values are far shorter; a longer value is cut to this length
#: first, which bounds the work and the memory a cache entry holds.
MAX_TEXT_CHARS = 256

#: Longest :func:`lower_snake` category returned for unrecognised text (cut at a word boundary).
MAX_CATEGORY_CHARS = 64

_CACHE_SIZE = 65536
_LONGEST_MARKER = max(len(marker) for marker in MISSING_MARKERS)


def _word_set(words: str) -> frozenset[str]:
    """A constant set written as whitespace-separated words (long code and domain lists stay readable)."""
    return frozenset(words.split())


# --------------------------------------------------------------------------------------------------
# Missing values and text folding
# --------------------------------------------------------------------------------------------------


def is_missing(value: object) -> bool:
    """Whether a CRM cell means "nobody answered".

    True for ``None``, NaN floats (Python or NumPy), ``pd.NA``, ``NaT``, and strings that after
    ``strip().lower()`` are in :data:`~features.contract.MISSING_MARKERS` (``""``, ``"Select"``,
    ``" N/A "``, ``"null"``, ``"k.A."`` …). Everything else, including ``0``, ``False`` and containers,
    is a present value. Never raises.
    """
    if value is None:
        return True
    if isinstance(value, str):
        stripped = value.strip()
        return len(stripped) <= _LONGEST_MARKER and stripped.lower() in MISSING_MARKERS
    try:
        result = pd.isna(value)
    except Exception:  # an exotic object pandas cannot inspect is a present value
        return False
    return isinstance(result, bool | np.bool_) and bool(result)


def _text_of(value: object) -> str | None:
    """The text a cell carries (cut to :data:`MAX_TEXT_CHARS`), or ``None`` when it carries none.

    Integers and finite floats are read as text (``3.0`` → ``"3"``); booleans, bytes, containers and
    other objects carry no category.
    """
    try:
        if is_missing(value):
            return None
        if isinstance(value, str):
            text = str(value)
        elif isinstance(value, bool | np.bool_):
            return None
        elif isinstance(value, numbers.Integral):
            text = str(int(value))
        elif isinstance(value, numbers.Real):
            number = float(value)
            if not math.isfinite(number):
                return None
            text = str(int(number)) if number.is_integer() else repr(number)
        else:
            return None
    except Exception:  # e.g. an integer too long to print: no usable text
        return None
    return text[:MAX_TEXT_CHARS]


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Letters that Unicode does not decompose into a base letter plus accent.
_SPECIAL_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=_CACHE_SIZE)
def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().translate(_UMLAUTS).translate(_SPECIAL_LETTERS)
    if not text.isascii():
        text = "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))
    return _NON_ALNUM.sub(" ", text).strip()


def fold_text(value: object) -> str:
    """A value as plain ASCII words for matching: lower case, umlauts written out, accents dropped.

    ``"Geschäftsführer/in"`` → ``"geschaeftsfuehrer in"``; ``"  IT-Dienstleistungen "`` →
    ``"it dienstleistungen"``. Words are separated by single spaces; missing values and text without a
    letter or digit give ``""``. Characters without an ASCII form (e.g. CJK) are dropped.
    """
    text = _text_of(value)
    return "" if text is None else _fold(text)


def lower_snake(value: object) -> str | None:
    """The category name of free text: folded words joined by ``_`` (``"Food & Beverages"`` →
    ``"food_beverages"``), at most :data:`MAX_CATEGORY_CHARS` long (cut after a whole word).

    ``None`` when the value is missing or has no letter or digit. Applying it to its own result returns
    that result unchanged.
    """
    folded = fold_text(value)
    return _snake_of_folded(folded) if folded else None


def _snake_of_folded(folded: str) -> str:
    snake = folded.replace(" ", "_")
    if len(snake) > MAX_CATEGORY_CHARS:
        cut = snake[: MAX_CATEGORY_CHARS + 1]
        snake = cut.rsplit("_", 1)[0] if "_" in cut else snake[:MAX_CATEGORY_CHARS]
    return snake


def _first_match(folded: str, rules: tuple[tuple[str, re.Pattern[str]], ...]) -> str | None:
    for category, pattern in rules:
        if pattern.search(folded):
            return category
    return None


def _rules(table: tuple[tuple[str, str], ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((category, re.compile(pattern)) for category, pattern in table)


# --------------------------------------------------------------------------------------------------
# Applying a scalar normaliser to a column
# --------------------------------------------------------------------------------------------------

SMALL_COLUMN = 64
"""Up to this many values (an API request's leads) a plain loop beats hashing the column."""

Column = np.ndarray | pd.api.extensions.ExtensionArray
"""A raw lead column: Python objects, plain numbers, or a pandas (e.g. Arrow string) array."""


def map_values(values: Column, fn: Callable[[object], object]) -> np.ndarray:
    """Apply a scalar normaliser to a column, once per distinct value (missing values included): the
    batch face of the per-value definitions in this module."""
    if len(values) <= SMALL_COLUMN:
        return np.array([fn(v) for v in np.asarray(values, dtype=object)], dtype=object)
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # an unhashable value (a list from JSON …): one call per value
        return np.array([fn(v) for v in np.asarray(values, dtype=object)], dtype=object)
    mapped = np.array([fn(v) for v in uniques] + [fn(None)], dtype=object)
    return mapped[codes]  # code -1 (missing) picks the trailing fn(None)


# --------------------------------------------------------------------------------------------------
# Industry
# --------------------------------------------------------------------------------------------------

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

# Checked in this order; the first pattern that occurs in the folded text wins. The order settles
# overlaps: "IT/Software" is software (before it_services), "Telekommunikation" is telecommunications
# (before media's "kommunikation"), "IT-Beratung" is it_services (before consulting), "Automobilindustrie"
# automotive and "Pharmaindustrie" healthcare (before manufacturing's "industrie"), "Finanzberatung"
# financial_services, "Hausverwaltung" real_estate (before public_sector's "verwaltung"), "Aerospace &
# Defense" manufacturing (defence contractors make things; armed forces are public_sector).
_INDUSTRY_RULES = _rules(
    (
        ("software", r"software|\bsaas\b|\bpaas\b|datenbank|\bdatabase"),
        ("telecommunications", r"tele(?:kom|com)|\btelco\b|mobilfunk|\bwireless\b"),
        (
            "it_services",
            r"\bit\b|\bikt\b|\bict\b|\bedv\b|information(?:s)?\s?(?:technolog|technik)|informatik"
            r"|systemhaus|\bcomputer|\bcyber|rechenzentr|managed services|it dienstleist",
        ),
        ("automotive", r"automotive|automobil|\bauto(?!mat)|\bkfz|fahrzeug|\bvehicle|\bcars?\b"),
        (
            "healthcare",
            r"health|gesundheit|\bpharma|medizin|medical|\bmedtech|hospital(?!ity)|krankenh|klinik|clinic"
            r"|biotech|life sciences?|\bpflege",
        ),
        (
            "financial_services",
            r"financ|finanz|\bbank|banking|banken\b|sparkass|insurance|versicher|fintech|\binvestment"
            r"|asset management|capital markets|\bkredit|private equity|venture capital",
        ),
        ("real_estate", r"real estate|immobilie|\bpropert|hausverwaltung|wohnungswirtschaft|proptech"),
        (
            "education",
            r"educat|bildung|e ?learning|\bschule|\bschool|universit|hochschule|akademie|academy|edtech",
        ),
        ("consulting", r"consult|beratung|\bberater|advisory|wirtschaftspr(?:ue|u)f|professional services"),
        (
            "logistics",
            r"logisti|transport|spedition|\bshipping|freight|fracht|supply chain|warehous|kurier|courier",
        ),
        ("manufacturing", r"aerospace|luft ?und ?raumfahrt|\bdefen[cs]e\b|ruestung"),
        ("energy", r"energ|utilit|versorg|stadtwerk|\boil\b|\bsolar|\bstrom\b|renewable"),
        (
            "public_sector",
            r"public (?:sector|administration|service)|oe?ffentlich|government|regierung|beho(?:e)?rde"
            r"|verwaltung|kommunal|\bkommune|ministr|ministeri|bundeswehr|military|\bgemeinde",
        ),
        (
            "construction",
            r"construction|\bbau\b|\bbau(?:wesen|industrie|gewerbe|unternehm|stoff|handwerk)|hochbau|tiefbau"
            r"|stra(?:ss|s)enbau|\bbuilding|architectur",
        ),
        (
            "media",
            r"\bmedia\b|\bmedien|verlag|publishing|advertising|werbung|werbeagentur|marketing|entertainment"
            r"|broadcast|rundfunk|\bfilm|public relations|\bpresse|journalis|kommunikation|communications",
        ),
        ("retail", r"retail|einzelhandel|handel|e ?commerce|wholesale|onlineshop|online shop|\bshop\b"),
        (
            "manufacturing",
            r"manufactur|maschinenbau|machinery|industrial|industrie|produktion|production|fertigung"
            r"|hersteller|\bchemi|metall|\bmetal|elektrotechnik|electronics|elektronik|automation"
            r"|automatisierung|kunststoff|plastics|anlagenbau|\bmaschinen",
        ),
        ("other", r"^(?:other|others|sonstige|sonstiges|andere|misc|miscellaneous|various|diverse)$"),
    )
)


@lru_cache(maxsize=_CACHE_SIZE)
def _industry_of_folded(folded: str) -> str | None:
    if not folded:
        return None
    return _first_match(folded, _INDUSTRY_RULES) or _snake_of_folded(folded)


def normalise_industry(value: object) -> str | None:
    """The canonical industry (one of :data:`INDUSTRIES`) of a free-text or picklist industry value.

    ``"IT/Software"``, ``"Softwareentwicklung"``, ``"SaaS"`` → ``"software"``; ``"Maschinenbau"`` →
    ``"manufacturing"``; ``"Öffentlicher Dienst"`` → ``"public_sector"``; ``"Sonstige"`` → ``"other"``.
    Matching ignores case, whitespace, punctuation and umlaut spelling, and looks for key words inside
    longer values (``"Automobilzulieferer"`` → ``"automotive"``).

    A value that names no known industry is **not** lumped into ``"other"``: it comes back as its
    :func:`lower_snake` text (``"Agriculture"`` → ``"agriculture"``), so the downstream rare-category
    grouping sees each distinct value and decides what is rare; ``"other"`` is kept for values that
    *say* other. Missing values (and text without a letter or digit) give ``None``. Idempotent:
    normalising a result returns it.
    """
    text = _text_of(value)
    return None if text is None else _industry_of_folded(_fold(text))


# --------------------------------------------------------------------------------------------------
# Country and region
# --------------------------------------------------------------------------------------------------

#: Every officially assigned ISO 3166-1 alpha-2 code.
ISO_COUNTRY_CODES: frozenset[str] = _word_set(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
    BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
    ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE
    IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU
    NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM
    SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE
    VG VI VN VU WF WS YE YT ZA ZM ZW XK
    """
)

#: Germany, Austria, Switzerland: the home market.
DACH: frozenset[str] = frozenset({"DE", "AT", "CH"})

#: EU-27 member states other than Germany and Austria, plus the EU's outermost regions and Åland, which
#: have codes of their own but are EU territory.
EU_OUTSIDE_DACH: frozenset[str] = _word_set(
    """
    BE BG CY CZ DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK
    AX GF GP MQ RE YT MF
    """
)

#: European countries outside the EU and DACH: the UK and the EEA members Norway, Iceland and
#: Liechtenstein (single market or close to it), the microstates and Crown Dependencies, the Western
#: Balkans, Ukraine, Moldova and Belarus. Russia, Turkey and the Caucasus span two continents and count
#: as ``"other"``.
REST_OF_EUROPE: frozenset[str] = _word_set(
    """
    GB NO IS LI AD MC SM VA GI GG JE IM FO SJ AL BA ME MK RS XK MD UA BY
    """
)

#: Regions :func:`region_of` returns.
REGIONS: tuple[str, ...] = ("dach", "eu", "rest_of_europe", "other", "unknown")

# Two-letter values that are not the ISO code of the country they mean.
_CODE_ALIASES: dict[str, str] = {"UK": "GB", "EL": "GR"}

_ALPHA3: dict[str, str] = {
    "DEU": "DE", "AUT": "AT", "CHE": "CH", "LIE": "LI", "USA": "US", "GBR": "GB", "FRA": "FR",
    "ITA": "IT", "ESP": "ES", "PRT": "PT", "NLD": "NL", "BEL": "BE", "LUX": "LU", "DNK": "DK",
    "SWE": "SE", "NOR": "NO", "FIN": "FI", "ISL": "IS", "IRL": "IE", "POL": "PL", "CZE": "CZ",
    "SVK": "SK", "HUN": "HU", "SVN": "SI", "HRV": "HR", "ROU": "RO", "BGR": "BG", "GRC": "GR",
    "CYP": "CY", "MLT": "MT", "EST": "EE", "LVA": "LV", "LTU": "LT", "CAN": "CA", "MEX": "MX",
    "BRA": "BR", "ARG": "AR", "CHN": "CN", "JPN": "JP", "KOR": "KR", "IND": "IN", "SGP": "SG",
    "AUS": "AU", "NZL": "NZ", "ZAF": "ZA", "ARE": "AE", "SAU": "SA", "ISR": "IL", "TUR": "TR",
    "RUS": "RU", "UKR": "UA", "SRB": "RS", "HKG": "HK", "TWN": "TW",
}  # fmt: skip

# Country names as written in CRMs: English, German and native spellings (with real umlauts; spellings
# without the umlaut are added automatically). The name "Namibia" is deliberately absent: its code NA
# is a missing marker in the contract, so it could not survive a second normalisation or a CSV.
_COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "DE": ("Germany", "Deutschland", "Bundesrepublik Deutschland", "Federal Republic of Germany", "BRD",
           "Allemagne", "Germania", "Alemania"),
    "AT": ("Austria", "Österreich", "Republik Österreich", "Autriche"),
    "CH": ("Switzerland", "Schweiz", "Suisse", "Svizzera", "Svizra", "Confoederatio Helvetica",
           "Swiss Confederation", "Schweizerische Eidgenossenschaft"),
    "LI": ("Liechtenstein", "Fürstentum Liechtenstein"),
    "US": ("United States", "United States of America", "USA", "U.S.A.", "America", "Vereinigte Staaten",
           "Vereinigte Staaten von Amerika", "Amerika"),
    "GB": ("United Kingdom", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland",
           "Großbritannien", "Vereinigtes Königreich", "UK of Great Britain and Northern Ireland",
           "United Kingdom of Great Britain and Northern Ireland"),
    "NL": ("Netherlands", "The Netherlands", "Niederlande", "Holland", "Nederland"),
    "BE": ("Belgium", "Belgien", "Belgique", "België"),
    "LU": ("Luxembourg", "Luxemburg"),
    "FR": ("France", "Frankreich"),
    "IT": ("Italy", "Italien", "Italia"),
    "ES": ("Spain", "Spanien", "España"),
    "PT": ("Portugal",),
    "IE": ("Ireland", "Irland", "Republic of Ireland", "Éire"),
    "DK": ("Denmark", "Dänemark", "Danmark"),
    "SE": ("Sweden", "Schweden", "Sverige"),
    "NO": ("Norway", "Norwegen", "Norge"),
    "FI": ("Finland", "Finnland", "Suomi"),
    "IS": ("Iceland", "Island", "Ísland"),
    "PL": ("Poland", "Polen", "Polska"),
    "CZ": ("Czech Republic", "Czechia", "Tschechien", "Tschechische Republik", "Česko", "Czech Rep"),
    "SK": ("Slovakia", "Slowakei", "Slovensko", "Slovak Republic"),
    "HU": ("Hungary", "Ungarn", "Magyarország"),
    "SI": ("Slovenia", "Slowenien", "Slovenija"),
    "HR": ("Croatia", "Kroatien", "Hrvatska"),
    "RO": ("Romania", "Rumänien", "România"),
    "BG": ("Bulgaria", "Bulgarien"),
    "GR": ("Greece", "Griechenland", "Hellas"),
    "CY": ("Cyprus", "Zypern"),
    "MT": ("Malta",),
    "EE": ("Estonia", "Estland", "Eesti"),
    "LV": ("Latvia", "Lettland", "Latvija"),
    "LT": ("Lithuania", "Litauen", "Lietuva"),
    "MC": ("Monaco",),
    "AD": ("Andorra",),
    "SM": ("San Marino",),
    "VA": ("Vatican", "Vatican City", "Holy See", "Vatikan", "Vatikanstadt"),
    "AL": ("Albania", "Albanien"),
    "BA": ("Bosnia and Herzegovina", "Bosnia", "Bosnien und Herzegowina", "Bosnien-Herzegowina",
           "Bosnia-Herzegovina"),
    "ME": ("Montenegro",),
    "MK": ("North Macedonia", "Nordmazedonien", "Macedonia", "Mazedonien"),
    "RS": ("Serbia", "Serbien", "Srbija"),
    "XK": ("Kosovo",),
    "MD": ("Moldova", "Moldau", "Republic of Moldova", "Moldawien"),
    "UA": ("Ukraine",),
    "BY": ("Belarus", "Weißrussland"),
    "RU": ("Russia", "Russland", "Russian Federation", "Russische Föderation"),
    "TR": ("Turkey", "Türkei", "Türkiye", "Turkiye"),
    "CA": ("Canada", "Kanada"),
    "MX": ("Mexico", "Mexiko", "México"),
    "BR": ("Brazil", "Brasilien", "Brasil"),
    "AR": ("Argentina", "Argentinien"),
    "CL": ("Chile",),
    "CO": ("Colombia", "Kolumbien"),
    "PE": ("Peru",),
    "CN": ("China", "PRC", "People's Republic of China", "Volksrepublik China"),
    "HK": ("Hong Kong", "Hongkong", "Hong Kong SAR"),
    "TW": ("Taiwan",),
    "JP": ("Japan",),
    "KR": ("South Korea", "Korea", "Republic of Korea", "Südkorea", "Korea, Republic of"),
    "IN": ("India", "Indien"),
    "PK": ("Pakistan",),
    "BD": ("Bangladesh", "Bangladesch"),
    "LK": ("Sri Lanka",),
    "SG": ("Singapore", "Singapur"),
    "MY": ("Malaysia",),
    "ID": ("Indonesia", "Indonesien"),
    "TH": ("Thailand",),
    "VN": ("Vietnam", "Viet Nam"),
    "PH": ("Philippines", "Philippinen"),
    "AU": ("Australia", "Australien"),
    "NZ": ("New Zealand", "Neuseeland"),
    "ZA": ("South Africa", "Südafrika"),
    "NG": ("Nigeria",),
    "GH": ("Ghana",),
    "KE": ("Kenya", "Kenia"),
    "UG": ("Uganda",),
    "TZ": ("Tanzania", "Tansania"),
    "LR": ("Liberia",),
    "EG": ("Egypt", "Ägypten"),
    "MA": ("Morocco", "Marokko"),
    "TN": ("Tunisia", "Tunesien"),
    "IL": ("Israel",),
    "AE": ("United Arab Emirates", "UAE", "U.A.E.", "Vereinigte Arabische Emirate", "VAE", "Emirates"),
    "SA": ("Saudi Arabia", "Saudi-Arabien", "Kingdom of Saudi Arabia", "KSA"),
    "QA": ("Qatar", "Katar"),
    "BH": ("Bahrain",),
    "OM": ("Oman",),
    "KW": ("Kuwait",),
    "IR": ("Iran",),
    "IQ": ("Iraq", "Irak"),
    "GE": ("Georgia", "Georgien"),
    "AM": ("Armenia", "Armenien"),
    "AZ": ("Azerbaijan", "Aserbaidschan"),
    "KZ": ("Kazakhstan", "Kasachstan"),
}  # fmt: skip

_DROP_UMLAUTS = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "Ä": "A", "Ö": "O", "Ü": "U"})


def _country_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, names in _COUNTRY_NAMES.items():
        for name in names:
            for spelling in (name, name.translate(_DROP_UMLAUTS)):
                lookup[_fold(spelling)] = code
    return lookup


_COUNTRY_BY_NAME = _country_lookup()
_QUALIFIER = re.compile(r"\s*[(\[,;/|].*$")


@lru_cache(maxsize=_CACHE_SIZE)
def _country_of_text(text: str) -> str | None:
    folded = _fold(text)
    compact = folded.replace(" ", "")
    if len(compact) == 2 and compact.isalpha():
        code = compact.upper()
        return None if is_missing(code) else _CODE_ALIASES.get(code, code)
    if folded in _COUNTRY_BY_NAME:
        return _COUNTRY_BY_NAME[folded]
    if len(compact) == 3 and compact.upper() in _ALPHA3:
        return _ALPHA3[compact.upper()]
    if compact in _COUNTRY_BY_NAME:  # "U. S. A." and the like
        return _COUNTRY_BY_NAME[compact]
    head = _QUALIFIER.sub("", text)  # "Germany (DE)", "Schweiz, Zürich"
    if head and head != text:
        return _country_of_text(head)
    return None


def normalise_country(value: object) -> str | None:
    """The ISO 3166-1 alpha-2 code (upper case) of a country field.

    Accepts codes in any case and spacing (``" de "`` → ``"DE"``), English, German and native names
    (``"Deutschland"``, ``"Österreich"``, ``"Schweiz"``, ``"United States"``), common abbreviations
    (``"USA"``, ``"UK"`` → ``"GB"``, ``"UAE"``), the EU's ``"EL"`` for Greece, frequent ISO alpha-3 codes
    (``"DEU"``) and a name followed by a qualifier (``"Germany (DE)"``).

    Any other two-letter value is kept upper-cased (``"xx"`` → ``"XX"``): it may be a real code this
    module has no name for; :func:`region_of` then decides whether it is assigned. ``None`` for missing
    values and for text that is neither (``"Asia/Pacific Region"``, ``"123"``). ``"NA"`` is a missing
    marker of the contract, so Namibia cannot be represented. Idempotent.
    """
    text = _text_of(value)
    return None if text is None else _country_of_text(text)


def region_of(country: object) -> str:
    """The sales region of a country: ``"dach"``, ``"eu"``, ``"rest_of_europe"``, ``"other"`` or ``"unknown"``.

    * ``dach``: Germany, Austria, Switzerland (the home market).
    * ``eu``: the other EU-27 member states (and EU territories with codes of their own).
    * ``rest_of_europe``: European countries outside the EU, see :data:`REST_OF_EUROPE`; the UK and the
      EEA members Norway, Iceland and Liechtenstein are here, not in ``eu``.
    * ``other``: every other assigned ISO code.
    * ``unknown``: missing, unparseable or unassigned (``"XX"``).

    Meant for the output of :func:`normalise_country`, but raw values are normalised first, so
    ``"Deutschland"`` is ``"dach"`` too.
    """
    code = normalise_country(country)
    if code is None or code not in ISO_COUNTRY_CODES:
        return "unknown"
    if code in DACH:
        return "dach"
    if code in EU_OUTSIDE_DACH:
        return "eu"
    if code in REST_OF_EUROPE:
        return "rest_of_europe"
    return "other"


# --------------------------------------------------------------------------------------------------
# E-mail domain
# --------------------------------------------------------------------------------------------------

#: What :func:`email_domain_kind` returns.
EMAIL_DOMAIN_KINDS: tuple[str, ...] = ("corporate", "free", "invalid", "missing")

#: Free-mail and disposable domains: an address there says nothing about an employer.
FREE_EMAIL_DOMAINS: frozenset[str] = _word_set(
    """
    gmail.com googlemail.com web.de t-online.de magenta.de freenet.de posteo.de posteo.net mail.de
    email.de arcor.de online.de 1und1.de vodafone.de kabelmail.de o2online.de mailbox.org unitybox.de
    bluewin.ch hispeed.ch sunrise.ch gmx.ch aon.at chello.at a1.net icloud.com me.com mac.com aol.com
    msn.com mail.com email.com inbox.com proton.me pm.me protonmail.com protonmail.ch tutanota.com
    tutanota.de tutamail.com tuta.io fastmail.com fastmail.fm hey.com zohomail.com yandex.ru yandex.com
    mail.ru rocketmail.com qq.com 163.com 126.com naver.com rediffmail.com libero.it virgilio.it alice.it
    tiscali.it orange.fr wanadoo.fr laposte.net free.fr sfr.fr btinternet.com sky.com seznam.cz wp.pl
    o2.pl onet.pl interia.pl telenet.be skynet.be ziggo.nl kpnmail.nl comcast.net verizon.net att.net
    mailinator.com guerrillamail.com 10minutemail.com trashmail.com trashmail.de wegwerfemail.de
    """
)

# Free-mail brands that exist under many country domains: yahoo.de, outlook.at, hotmail.co.uk, gmx.net …
_FREE_MAIL_BRANDS = re.compile(
    r"^(?:yahoo|ymail|outlook|hotmail|live|gmx|aol|yandex|protonmail|gmail|googlemail)"
    r"\.(?:(?:co|com)\.)?[a-z]{2,}$"
)
# Addresses typed to get past a required field: reserved test domains (RFC 2606/6761), example domains,
# placeholder mailboxes ("keine@angabe.de" is German for "none@not-given"), and mailbox = domain name
# ("test@test.de", "asdf@asdf.de", "x@x.com").
_PLACEHOLDER_TLDS = frozenset({"test", "example", "invalid", "localhost", "local"})
_PLACEHOLDER_DOMAIN_NAMES = frozenset({"example", "test", "asdf", "angabe", "keineangabe", "noreply", "no-reply"})
_PLACEHOLDER_MAILBOXES = frozenset(
    {"test", "asdf", "keine", "none", "nomail", "no-mail", "noreply", "no-reply", "dummy", "fake", "xxx"}
)
_ANGLE_ADDRESS = re.compile(r"<([^<>]*)>")
_ADDRESS = re.compile(r"^([^@\s]+)@([^@\s]+)$")
_DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


@lru_cache(maxsize=_CACHE_SIZE)
def _domain_kind(domain: str) -> tuple[str, str]:
    """What a (case-folded) domain says on its own, and its name label (``"firma"`` of ``"firma.co.de"``).

    ``"invalid"`` for a malformed domain or a placeholder one (reserved test TLD, example/test domain
    names); otherwise ``"free"`` or ``"corporate"``. Whether the mailbox is a placeholder is decided by
    :func:`_kind_of_address`. An internationalised domain is judged in its ASCII (IDNA) form; an ASCII
    domain is its own IDNA form (the labels IDNA refuses, empty or over 63 characters, ``_DOMAIN`` refuses
    too), so it skips the codec.
    """
    if not domain.isascii():
        try:  # "müller.de" compares as "xn--mller-kva.de"
            domain = domain.encode("idna").decode("ascii")
        except (UnicodeError, ValueError):
            return "invalid", ""
    if not _DOMAIN.match(domain):
        return "invalid", ""
    labels = domain.split(".")
    name = labels[-2]
    if labels[-1] in _PLACEHOLDER_TLDS or name in _PLACEHOLDER_DOMAIN_NAMES:
        return "invalid", name
    if domain in FREE_EMAIL_DOMAINS or _FREE_MAIL_BRANDS.match(domain):
        return "free", name
    return "corporate", name


def _kind_of_address(mailbox: str, domain: str) -> str:
    """The kind of a parsed, case-folded address: its domain's kind, unless the mailbox is a placeholder
    (``"keine"``, ``"noreply"`` …) or repeats the domain's name (``"asdf@asdf.de"``, ``"x@x.com"``)."""
    kind, name = _domain_kind(domain)
    if kind == "invalid" or mailbox in _PLACEHOLDER_MAILBOXES or mailbox == name:
        return "invalid"
    return kind


@lru_cache(maxsize=_CACHE_SIZE)
def _email_kind_of_text(text: str) -> str:
    address = text.strip()
    angle = _ANGLE_ADDRESS.findall(address)
    if angle:  # "Max Mustermann <max@firma.de>"
        address = angle[-1].strip()
    address = unicodedata.normalize("NFKC", address).casefold()
    address = address.removeprefix("mailto:")
    match = _ADDRESS.match(address)
    if match is None:
        return "invalid"
    return _kind_of_address(match.group(1), match.group(2).rstrip("."))


def email_domain_kind(email: object) -> str:
    """What an e-mail address says about the lead's employer (the address itself is never a feature).

    * ``"corporate"``: a well-formed address at a company's own domain, a sign of a business lead.
    * ``"free"``: a free-mail or disposable provider (``gmail.com``, ``gmx.de``, ``web.de``,
      ``t-online.de``, any ``yahoo.*``/``outlook.*``/``hotmail.*``/``live.*``, ``icloud.com``,
      ``proton.me`` …, see :data:`FREE_EMAIL_DOMAINS`).
    * ``"invalid"``: present but not one usable address: malformed (no ``@``, no dotted domain,
      spaces, several addresses, a number …) or an obvious placeholder typed to get past a required
      field (``test@test.de``, ``keine@angabe.de``, ``info@example.com``, ``noreply@…``).
    * ``"missing"``: empty or a missing marker.

    Case, surrounding spaces, a ``mailto:`` prefix and a display name (``"Max <max@firma.de>"``) are
    tolerated.
    """
    if is_missing(email):
        return "missing"
    text = _text_of(email)
    return "invalid" if text is None else _email_kind_of_text(text)


# A plain address: printable ASCII without spaces or angle brackets and exactly one "@" between two
# non-empty parts. For such text stripping, NFKC and the display-name rule change nothing and case-folding
# is lower-casing, so :func:`email_domain_kinds` can split it column-wise.
_PLAIN_ADDRESS = r"^[!-;=?A-~]+@[!-;=?A-~]+$"
_KIND_CODE = {kind: code for code, kind in enumerate(EMAIL_DOMAIN_KINDS)}


def email_domain_kinds(emails: np.ndarray | pd.api.extensions.ExtensionArray) -> np.ndarray:
    """:func:`email_domain_kind` of every value of a column (an object array of ``str`` labels), at column speed.

    Gives exactly what the per-value function gives (a test holds them equal): plain addresses
    (printable ASCII, no spaces or angle brackets, one ``@``, no ``mailto:``) are lower-cased and split
    with Arrow, each distinct domain is judged once by the same :func:`_domain_kind`, and the mailbox
    checks of :func:`_kind_of_address` run on whole columns. Every other value (missing, internationalised,
    display names, malformed, not text) goes through :func:`email_domain_kind` itself, once per distinct value.
    """
    values = emails if isinstance(emails, pd.api.extensions.ExtensionArray) else np.asarray(emails, dtype=object)
    kinds = np.array(EMAIL_DOMAIN_KINDS, dtype=object)
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return map_values(values, email_domain_kind)  # some values are not text (numbers, bytes …): no shortcut
    try:
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, UnicodeError):  # e.g. a lone surrogate, which UTF-8 cannot hold
        return map_values(values, email_domain_kind)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    plain = pc.and_(
        pc.and_not(pc.match_substring_regex(text, _PLAIN_ADDRESS),
                   pc.starts_with(text, "mailto:", ignore_case=True)),
        pc.less_equal(pc.binary_length(text), MAX_TEXT_CHARS),
    ).fill_null(False).to_numpy(zero_copy_only=False)
    out = np.empty(len(values), dtype=object)
    rest = ~plain
    out[rest] = map_values(values[rest], email_domain_kind)
    if plain.any():
        parts = pc.split_pattern(pc.ascii_lower(text.filter(pa.array(plain))), "@", max_splits=1)
        mailbox = pc.list_element(parts, 0)
        domains = pc.utf8_rtrim(pc.list_element(parts, 1), ".").dictionary_encode()
        judge = _domain_kind.__wrapped__  # each domain once: the cache would only evict the online path's entries
        judged = [judge(domain) for domain in domains.dictionary.to_pylist()]
        domain_code = np.array([_KIND_CODE[kind] for kind, _ in judged], dtype=np.int8)
        names = pa.array([name for _, name in judged], type=pa.large_string())
        per_domain = domains.indices.to_numpy()
        placeholder = pc.or_(pc.is_in(mailbox, value_set=pa.array(sorted(_PLACEHOLDER_MAILBOXES))),
                             pc.equal(mailbox, names.take(domains.indices))).to_numpy(zero_copy_only=False)
        code = np.where(placeholder, _KIND_CODE["invalid"], domain_code[per_domain])
        out[plain] = kinds[code]
    return out




# --------------------------------------------------------------------------------------------------
# Lead source
# --------------------------------------------------------------------------------------------------

# Checked in this order on the folded text. Webinar before web form ("Webinar" is not a website),
# outbound before e-mail ("Cold E-Mail"), partner before referral ("Partner Referral" is the partner
# channel, as in features.mappings), social before search ("Organic Social", "Paid Social" are social),
# paid before organic search ("Suchmaschinenwerbung" is paid).
_LEAD_SOURCE_RULES = _rules(
    (
        ("webinar", r"webinar|webcast|web seminar|online seminar"),
        (
            "outbound",
            r"cold (?:call|calling|email|e mail|outreach)|kaltakquise|telefonakquise|outbound|kalt anruf"
            r"|\bprospecting",
        ),
        ("partner", r"\bpartner|reseller|wiederverkae?ufer|vertriebspartner|affiliate|distributor|haendler"),
        (
            "referral",
            r"empfehlung|\breferral\b(?! sites?)|word of mouth|mundpropaganda|\breference\b|\breferred\b",
        ),
        ("trade_show", r"\bmesse(?!ng)|messe\b|trade ?shows?|trade fairs?|exhibition|\bexpo\b|ausstellung"),
        (
            "social",
            r"social|linkedin|\bxing\b|facebook|instagram|twitter|youtube|tiktok|soziale (?:medien|netzwerke)",
        ),
        (
            "paid_search",
            r"google ads|adwords|\bppc\b|paid search|\bsea\b|\bsem\b|\bcpc\b|pay per click|bing ads"
            r"|microsoft ads|suchmaschinenwerbung",
        ),
        ("organic_search", r"\bseo\b|organic|organische|suchmaschine|search engine"),
        ("email_campaign", r"newsletter|\be ?mail|\bmailing"),
        (
            "web_form",
            r"web ?form|webformular|kontaktformular|contact form|\bforms?\b|\bformular\b|website|web ?site"
            r"|homepage|landing ?page|^web$|^internet$|direct traffic",
        ),
        ("other", r"^(?:other|others|sonstige|sonstiges|andere|misc|miscellaneous|other campaigns?)$"),
    )
)


@lru_cache(maxsize=_CACHE_SIZE)
def _lead_source_of_folded(folded: str) -> str | None:
    if not folded:
        return None
    return _first_match(folded, _LEAD_SOURCE_RULES) or _snake_of_folded(folded)


def normalise_lead_source(value: object) -> str | None:
    """The acquisition channel of a lead, in the contract's vocabulary
    (:data:`~features.contract.LEAD_SOURCES`) where a synonym is recognised.

    ``"Web Form"``/``"Website"``/``"Webformular"`` → ``web_form``; ``"Messe"``/``"Trade Show"`` →
    ``trade_show``; ``"Empfehlung"``/``"Referral"`` → ``referral``; ``"Google Ads"``/``"AdWords"``/``"PPC"``
    → ``paid_search``; ``"SEO"``/``"Organic"`` → ``organic_search``; ``"LinkedIn"``/``"XING"``/``"Social
    Media"`` → ``social``; ``"Newsletter"``/``"E-Mail-Kampagne"`` → ``email_campaign``; ``"Cold Call"``/
    ``"Kaltakquise"``/``"Outbound"`` → ``outbound``; ``"Partner"``/``"Reseller"`` → ``partner``;
    ``"Webinar"`` → ``webinar``. ``"Direct Traffic"`` is ``web_form``, as in the HubSpot mapping of
    :mod:`features.mappings`. ``"Referral Sites"`` (referring websites, not a person's recommendation)
    and a bare ``"Google"`` (paid or organic?) are deliberately not mapped.

    An unrecognised value comes back as its :func:`lower_snake` text (the contract allows unknown
    channels); missing gives ``None``. Idempotent.
    """
    text = _text_of(value)
    return None if text is None else _lead_source_of_folded(_fold(text))
