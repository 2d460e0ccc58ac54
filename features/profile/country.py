"""Country and sales region: a country field (code, English, German or native name) as an ISO code."""

from __future__ import annotations

import re
from functools import lru_cache

from features.profile.patterns import word_set
from features.values import category_text, fold, is_missing

_CACHE_SIZE = 65536

#: Every officially assigned ISO 3166-1 alpha-2 code.
ISO_COUNTRY_CODES: frozenset[str] = word_set(
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
EU_OUTSIDE_DACH: frozenset[str] = word_set(
    """
    BE BG CY CZ DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK
    AX GF GP MQ RE YT MF
    """
)

#: European countries outside the EU and DACH: the UK and the EEA members Norway, Iceland and
#: Liechtenstein (single market or close to it), the microstates and Crown Dependencies, the Western
#: Balkans, Ukraine, Moldova and Belarus. Russia, Turkey and the Caucasus span two continents and count
#: as ``"other"``.
REST_OF_EUROPE: frozenset[str] = word_set(
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

# Country names as written in CRMs: English, German, French, Italian and native spellings (with real umlauts; spellings
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
           "Vereinigte Staaten von Amerika", "Amerika", "États-Unis", "Etats-Unis", "Stati Uniti",
           "Stati Uniti d'America", "Estados Unidos"),
    "GB": ("United Kingdom", "Great Britain", "Britain", "England", "Scotland", "Wales", "Northern Ireland",
           "Großbritannien", "Vereinigtes Königreich", "UK of Great Britain and Northern Ireland",
           "United Kingdom of Great Britain and Northern Ireland", "Royaume-Uni", "Regno Unito", "Reino Unido",
           "Grande-Bretagne", "Gran Bretagna"),
    "NL": ("Netherlands", "The Netherlands", "Niederlande", "Holland", "Nederland", "Pays-Bas", "Paesi Bassi",
           "Países Bajos"),
    "BE": ("Belgium", "Belgien", "Belgique", "België", "Belgio", "Bélgica"),
    "LU": ("Luxembourg", "Luxemburg", "Lussemburgo"),
    "FR": ("France", "Frankreich", "Francia"),
    "IT": ("Italy", "Italien", "Italia", "Italie"),
    "ES": ("Spain", "Spanien", "España", "Espagne", "Spagna"),
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
                lookup[fold(spelling)] = code
    return lookup


_COUNTRY_BY_NAME = _country_lookup()
_QUALIFIER = re.compile(r"\s*[(\[,;/|].*$")


@lru_cache(maxsize=_CACHE_SIZE)
def _country_of_text(text: str) -> str | None:
    folded = fold(text)
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
    text = category_text(value)
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


