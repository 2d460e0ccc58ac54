"""Job titles (German and English free text, and the common French and Italian words of Swiss exports)
turned into seniority and department.

A lead's title says two things a B2B seller cares about: how much say the person has in a purchase
(**seniority**) and which function they work in (**department**). :func:`parse_title` is the single
definition of both, used by batch feature building (once per distinct title) and by online scoring of
one lead, so it is pure, deterministic, cached, and never raises: missing values, numbers and garbage
give ``unknown``/``unknown``; a very long string is read from its first
:data:`~features.values.MAX_TEXT_CHARS` characters.

How a title is read
-------------------
1. It is lower-cased, umlauts are written out (``ä`` → ``ae``, ``ß`` → ``ss``) and punctuation becomes
   spaces. Gender tags (``(m/w/d)``) and gendered German endings are removed, so ``Geschäftsführer/in``,
   ``Geschäftsführer:in``, ``GeschäftsführerIn`` and ``Geschäftsführerin`` all read as
   ``geschaeftsfuehrer``, ``Leiter/Leiterin`` as ``leiter``, ``Auszubildende/r`` as ``auszubildende``.
2. Key words are searched **inside** words too, because German compounds them: ``Vertriebsleiter``
   is *Vertrieb* (sales) + *Leiter* (head), ``Personalreferentin`` *Personal* (HR) + *Referent*.
3. Seniority is the first of these rules that applies (this order is the precedence):

   1. ``student_intern``: Werkstudent, Student, Intern, Praktikant, Auszubildende, Azubi, Trainee …
      A student stays a student whatever else the title says (``Werkstudent Vertrieb``, ``Intern to
      the CEO``).
   2. ``individual_contributor`` for people who *support* an executive: Assistant/Assistenz,
      Sekretär, Referent (``Referent der Geschäftsführung``), ``Advisor to …``. So ``Assistant to the
      CEO`` is not C-level. (``Assistant Manager``/``Assistant Director``/``AVP`` are ``manager``.)
   3. ``vp_director`` for ``Chief of Staff`` (not an officer despite "chief").
   4. ``c_level_owner``: CEO/CTO/CFO/CMO/CRO/COO/CIO …, ``Chief … Officer``, Owner, Inhaber, Gründer,
      Founder, Managing Director, Geschäftsführer, Geschäftsführung/-leitung, GF, Geschäftsführender
      Gesellschafter, Gesellschafter, Vorstand, Aufsichtsrat, President, Chairman, General Manager,
      Managing/Senior Partner, self-employed and freelance (they sign their own purchases). A deputy
      (``stellv. Geschäftsführer``, ``Deputy CEO``) is ``vp_director``.
   5. ``vp_director``: VP, SVP, EVP, Vice President, Director/Direktor, Prokurist (signing authority
      below the board), Bereichsleiter and Hauptabteilungsleiter (division heads, above department
      heads in German hierarchies), Country Manager.
   6. ``head_lead``: Head (of), Leiter/Leitung (Abteilungsleiter, Vertriebsleiter, Teamleiter), Lead
      (Team Lead, Tech Lead), Leader, …chef. Team leads are here, not under manager: they lead people
      and usually shape a team's purchases. ``Projektleiter``/``Project Lead`` lead a project, not
      people, and count as ``manager`` like ``Project Manager``.
   7. ``manager``: any other ``… Manager`` (``Senior Marketing Manager`` included), Supervisor. **Key
      Account Manager, Account Manager and Account Executive are individual contributors**: in sales
      vocabulary they carry a quota and own accounts, they manage no people.
   8. ``individual_contributor``: Sachbearbeiter, Referent, Specialist, Consultant, Berater, Engineer,
      Entwickler, Developer, Administrator, Analyst, Mitarbeiter, Kaufmann, Representative, Buyer …
   9. ``unknown``: no seniority word (``Marketing`` alone tells the function, not the level).

4. Department: the function the title names. Functional words beat general-management words, so a
   C-level or a Geschäftsführer with a functional area keeps that area (``Chief Marketing Officer`` →
   marketing, ``CTO & Co-Founder`` → it, ``Geschäftsführer Vertrieb`` → sales), while CEO,
   Geschäftsführer, Owner, Founder, Vorstand, Managing Director, General Manager alone are
   ``management``.
   Clear function words (Vertrieb, Marketing, Einkauf …) beat words that only suggest a function
   (Engineer, Data, Developer, Revenue …): ``Sales Engineer`` is sales. Among words of the same
   strength, the one written first wins (``Head of Sales & Marketing`` → sales), except that ``IT``,
   ``EDV`` or ``Software`` directly before another function only says what that function deals with
   (``IT-Einkauf`` → operations, ``Software Sales`` → sales; ``IT Operations`` and ``IT Support``
   stay it). Decisions:

   * **Procurement (Einkauf, Purchasing, Beschaffung) is operations**, not finance: it buys what
     operations runs on, and in German Mittelstand companies Einkauf reports to operations/production.
   * Customer success, partner/channel, business development and revenue operations are sales;
     customer service is operations.
   * Roles that only say "commercial back office" (Sachbearbeiter, Kaufmann/Kauffrau, Kaufmännische
     Angestellte, Office Manager) and project roles (Projektleiter, Project Manager) are operations
     unless the title names a clearer function (``Sachbearbeiterin Buchhaltung`` is finance).
   * Legal (Recht, Jurist, Counsel, Compliance) has no department of its own and is ``other``.
   * ``other``: the title has a known role but names no function (``Consultant``, ``Product Manager``).
   * ``unknown``: missing, empty or nothing recognisable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from features.values import MAX_TEXT_CHARS, fold_text

#: Seniority levels, most senior first; ``unknown`` when the title names no level.
SENIORITIES: tuple[str, ...] = (
    "c_level_owner",
    "vp_director",
    "head_lead",
    "manager",
    "individual_contributor",
    "student_intern",
    "unknown",
)

#: Departments (business functions) a title can name.
DEPARTMENTS: tuple[str, ...] = (
    "management",
    "sales",
    "marketing",
    "it",
    "finance",
    "operations",
    "hr",
    "other",
    "unknown",
)

#: Seniorities that usually sign or strongly influence a purchase.
DECISION_MAKER_SENIORITIES: frozenset[str] = frozenset({"c_level_owner", "vp_director", "head_lead"})


@dataclass(frozen=True)
class TitleParse:
    """What a job title says: the person's ``seniority`` (one of :data:`SENIORITIES`) and
    ``department`` (one of :data:`DEPARTMENTS`)."""

    seniority: str
    department: str


UNKNOWN_TITLE = TitleParse("unknown", "unknown")

# --------------------------------------------------------------------------------------------------
# Reading the text
# --------------------------------------------------------------------------------------------------

# "(m/w/d)", "m/w/d", "(w/m/x)", "(all genders)", "(gn*)"
_GENDER_TAG = re.compile(
    r"\(?\b[mwfdx]\s*[/|,]\s*[mwfdx](?:\s*[/|,]\s*[mwfdx])*\b\)?|\((?:all genders|alle geschlechter|gn\*?)\)"
)
# "Leiter/in", "Leiter/-in", "Leiter:in", "Leiter*in", "Leiter_in", "Leiter(in)", "Mitarbeiter/innen"
_GENDER_IN = re.compile(r"(?<=[^\W\d_])\s*[/*:_(]\s*-?\s*(?:innen|in)\)?(?![\w-])")
# "Auszubildende/r", "Angestellte(r)"
_GENDER_R = re.compile(r"(?<=e)\s*[/*:_(]\s*-?\s*r\)?(?![\w&-])")
# Feminine word endings: Leiterin, Referentin, Praktikantin, Prokuristin, Direktorin, Redakteurin.
_FEMININE = re.compile(r"(?<=er|nt|st|or|ur)in(?:nen)?$")

# Phrases rewritten before matching, so that words inside them do not count on their own.
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bvi[cz]e ?(?:pre|prae)sident(?:in)?\b", "vp"),
        (r"\bexecutive vp\b", "evp"),
        (r"\bsenior vp\b", "svp"),
        (r"\bassistant (?:manager|director|vp)\b|\bavp\b", "asstmgr"),
        (r"\bchief of staff\b", "chiefofstaff"),
        (r"\bbusiness develop(?:er|ment)? (?:rep|representative)\b", "bizdev rep"),
        (r"\bbusiness developer\b", "bizdev rep"),
        (r"\bbusiness development\b|\bbiz ?dev\b|geschae?ftsentwickl\w*", "bizdev"),
        (r"\blead (?:gen\w*|management|qualification|nurturing|routing)\b", "leadgen"),
        (r"\b(?:product|produkt) ?owner\b", "productowner"),
        (r"\b(?:process|prozess) ?owner\b", "processowner"),
        (r"\bin ausbildung\b", "azubi"),
        (r"\bpersonal (?=assist|banker|trainer|advisor)", ""),
        (r"\bbusiness partner\b", "bizpartner"),
        (r"(?:key |national |global |strategic |major )?\baccount ?manager\b|\baccount executive\b", "kam"),
        (r"\bkey ?account ?manager\b|\bkeyaccountmanager\b", "kam"),
        (r"\bprojekt ?leit\w*|\bproject lead(?:er)?\b", "projectmanager"),
        (r"\bmanaging director\b", "managingdirector"),
        # French and Italian (Swiss exports): the chief executive, and project leads who lead no people
        (r"\b(?:president )?directeur general\b|\bdirectrice generale\b|\bdirett(?:ore|rice) generale\b"
         r"|\bamministratore delegato\b|\bdirector general\b|\bpdg\b", "managingdirector"),
        (r"\bchef(?:fe)? de projet\b|\bcapo ?progetto\b|\bjefe de proyecto\b", "projectmanager"),
        (r"\bgeneral manager\b", "generalmanager"),
    )
)


def _words(title: str) -> str:
    """The title as folded words: lower case, ASCII, gender forms removed, phrases rewritten."""
    text = unicodedata.normalize("NFKC", title).casefold()
    text = _GENDER_TAG.sub(" ", text)
    text = _GENDER_IN.sub("", text)
    text = _GENDER_R.sub("", text)
    words = [
        _FEMININE.sub("", word) if len(word) > 5 and word.endswith(("in", "nen")) else word
        for word in fold_text(text).split()
    ]
    words = [word[:-4] + "mann" if word.endswith("frau") and len(word) > 4 else word for word in words]
    text = " ".join(words)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------------
# Seniority
# --------------------------------------------------------------------------------------------------

_STUDENT = re.compile(
    r"student|studierend|\bintern\b|\binterns\b|internship|praktikant|praktikum|\bazubi|auszubildend"
    r"|trainee|apprentice|\bduales? stud|bachelorand|masterand|doktorand"
    r"|volontae?r|\bhiwi\b|\bschueler|stagiaire|stagista|tirocinante|\bapprenti|apprendista|alternant"
)
_SUPPORTS_EXECUTIVE = re.compile(
    r"assist|sekretae?r|secretary|secretaire|segretari|referent|\b(?:advisor|adviser|berater) (?:to|des|der|of)\b"
)
_C_LEVEL = re.compile(
    r"\b(?:ceo|cto|cfo|cmo|cro|coo|cio|cdo|cso|cpo|cco|cxo|ciso|chro|cbo|cao|cgo)\b|\bco ceo\b"
    r"|\bchief (?:[a-z]+ ){0,3}(?:officer|executive)\b|\bc level\b|managingdirector|generalmanager"
    r"|geschae?ftsfue?hr|geschae?ftsleit|\bgf\b|\bowner\b|inhaber|\binh\b|founder|grue?nder"
    r"|gesellschafter|vorstae?nd|aufsichtsrat|prae?sident|president|\bchair(?:man|woman|person)?\b"
    r"|board member|member of the board|board of directors|managing partner|\bunternehmer\b"
    r"|entrepreneur|selbst?stae?ndig|self employed|freelance|freiberufl|proprietor"
    r"|titolare|proprietaire|fondat|\bgerant|dirigeant"
)
# "Partner" alone is an owner (law firms, consultancies) unless the title is about partners.
_PARTNER_CONTEXT = frozenset(
    {"manager", "management", "channel", "account", "sales", "vertrieb", "marketing", "alliance",
     "alliances", "success", "program", "programm", "relations", "betreuer", "development", "bizdev",
     "kam", "ecosystem", "partnerships", "reseller", "it", "hr"}
)  # fmt: skip
_DEPUTY = re.compile(r"\bstellv|\bstv\b|\bdeputy\b|\bvice\b|\bvize")
_VP_DIRECTOR = re.compile(
    r"\b(?:vp|svp|evp|vps)\b|director|direktor|directeur|directrice|dirett(?:ore|rice)|prokurist|bereichsleit"
    r"|hauptabteilungsleit"
    r"|spartenleit|country manager|chiefofstaff"
)
_HEAD_LEAD = re.compile(r"\bhead\b|leiter\b|leitung\b|\blead\b|\bleader\b|teamlead|techlead|chef|\bchief\b"
                        r"|\bresponsab|\bcapo\b|\bjef[ae]\b")
_MANAGER = re.compile(r"manager\b|\bmgr\b|asstmgr|supervisor|\bgerente\b")
_INDIVIDUAL = re.compile(
    r"\bkam\b|specialist|spezialist|consultant|berater|engineer|ingenieur|entwickler|developer"
    r"|programmer|programmierer|administrat|sysadmin|\badmin\b|sachbearbeit|mitarbeiter|angestellte"
    r"|kaufmann|fachkraft|fachmann|analyst|designer|\brep\b|representative|\bagent\b|associate"
    r"|coordinator|koordinator|officer|executive|techniker|technician|scientist|architect|recruiter"
    r"|\bbuyer\b|einkae?ufer|disponent|planner|\bplaner\b|\bexpert|experte|clerk|operator|writer"
    r"|redakteur|\beditor\b|texter|trainer|dozent|lehrer|teacher|verkae?ufer|kundenberat|kundenbetreu"
    r"|\bsdr\b|\bbdr\b|accountant|buchhalter|controller|bizpartner|productowner|scrum master|tester"
    r"|support|lagerist|monteur|mechaniker|arbeiter|\bstaff\b|employee|beschaeftigte|handelsvertret"
    r"|lawyer|anwalt|jurist|counsel|paralegal|steuerberat|auditor|professor|\barzt|aerzt|physician"
    r"|nurse|therapeut|apotheker|pharmacist|receptionist|sprecher|spokes|ausbilder|processowner|beamt"
    r"|ingegner|technicien|tecnico|impiegat|collaborat|consulente|conseill|\bcharge\b|\bchargee\b|comptable"
    r"|contabile|acheteu|\bvendeu|venditor|\bcommercial\b"
)


def _is_owner_partner(words: str) -> bool:
    tokens = set(words.split())
    return "partner" in tokens and not tokens & _PARTNER_CONTEXT


def _seniority(words: str) -> str:
    if _STUDENT.search(words):
        return "student_intern"
    if _SUPPORTS_EXECUTIVE.search(words):
        return "individual_contributor"
    if "chiefofstaff" in words:
        return "vp_director"
    if _C_LEVEL.search(words) or _is_owner_partner(words):
        return "vp_director" if _DEPUTY.search(words) else "c_level_owner"
    if _VP_DIRECTOR.search(words):
        return "vp_director"
    if _HEAD_LEAD.search(words):
        return "head_lead"
    if _MANAGER.search(words):
        return "manager"
    if _INDIVIDUAL.search(words):
        return "individual_contributor"
    return "unknown"


# --------------------------------------------------------------------------------------------------
# Department
# --------------------------------------------------------------------------------------------------

# Words that name a function outright.
_CLEAR_FUNCTION_WORDS: dict[str, str] = {
    "sales": (
        r"sales|vertrieb|verkae?uf|bizdev|\bkam\b|key account|account manag|aussendienst|innendienst"
        r"|customer success|\bsdr\b|\bbdr\b|\bcro\b|handelsvertret|akquis|neukunden|kundenbetreu"
        r"|revenue operations|\brevops\b"
        r"|kundenberat|gebietsleit|gebietsverkauf|\bexport"
        r"|commercial|\bventes?\b|\bvendit|\bvendeu|\bventas\b"
    ),
    "marketing": (
        r"marketing|\bgrowth\b|demand gen|leadgen|\bbrand(?:ing)?\b|(?<!tele)kommunikation"
        r"|(?<!tele)communications?\b|\bpr\b|public relations|\bcontent\b|social media|\bseo\b|werbung"
        r"|\bwerbe|presse|oe?ffentlichkeitsarbeit|\bcmo\b|campaign|kampagne|community manag|comunicazione"
    ),
    "it": (
        r"\bit\b|\bedv\b|informatik|information technology|informationstechn|\bikt\b|\bict\b"
        r"|\bcto\b|\bcio\b|\bciso\b|devops|software|sysadmin|information officer|\bcyber"
        r"|informatique|informatic|systemes d information|\bdsi\b|sistemi informativi"
    ),
    "finance": (
        r"financ|finanz|controlling|controller|buchhalt|accounting|accountant|\bcfo\b|rechnungswesen"
        r"|treasur|\btax\b|steuerberat|steuerfach|\baudit|\brevision\b|kreditoren|debitoren|\bfibu\b"
        r"|bilanz|investor relations|kaufmae?nnische[rn]? (?:leit|geschae?ftsfue?hr|direktor)"
        r"|comptab|contabil"
    ),
    "operations": (
        r"operations|\bops\b|\bbetrieb\b|betriebsleit|logisti|produktion|production|fertigung"
        r"|manufactur|supply chain|\bscm\b|einkauf|einkae?ufer|procurement|purchas|beschaffung"
        r"|\bbuyer\b|sourcing|\bcoo\b|chief operating|qualitae?t|quality|\bqm\b|\bqs\b|lager|warehouse"
        r"|versand|spedition|shipping|freight|fracht|transport|disponent|disposition|facility"
        r"|instandhaltung|maintenance|werksleit|\bwerk\b|plant manag|materialwirtschaft"
        r"|arbeitsvorbereitung|fuhrpark|kundenservice|kundendienst|customer (?:service|care|support)"
        r"|\bachats?\b|acheteu|acquist|approvisionnement|approvvigionament|\bcompras\b|produzion"
    ),
    "hr": (
        r"\bhr\b|hrbp|human resource|personal|\bpeople\b|recruit|talent|\bchro\b|payroll"
        r"|lohnabrechnung|entgeltabrechnung|headhunter|ausbildungsleit|ausbilder|\bausbildung"
        r"|learning (?:and )?development|chief people"
        r"|ressources humaines|risorse umane|recursos humanos|\brh\b|\brrhh\b|personnel"
    ),
}
# Words that only suggest a function.
_SUGGESTED_FUNCTION_WORDS: dict[str, str] = {
    "sales": r"revenue|\bchannel\b|alliances?\b|partner ?manag|verkae?ufer",
    "marketing": (r"\bsea\b|\bsem\b|\bevent|copywrit|texter|redakteur|redaktion|\beditor\b|grafik|graphic|\bcrm\b"),
    "it": (
        r"entwickler|developer|programm(?:er|ierer)|\bcoder\b|administrat|\badmin\b|\bdata\b|\bdaten"
        r"|technology|technologie|\bcloud\b|netzwerk|network|\bsap\b|\berp\b|scrum|\bqa\b|frontend"
        r"|backend|full ?stack|\bweb\b|architect\b|\bdigital|productowner|\bcdo\b|informationssicherheit"
        r"|\btech\b|techlead"
        r"|(?:software|data|devops|cloud|system|systems|network|platform|security|reliability|machine"
        r" learning|ml|test|web|it) ?(?:engineer|ingenieur)|telekommunikation|telecommunication|\bux\b"
    ),
    "operations": r"kaufmann|kaufmae?nnisch|sachbearbeit|\boffice\b|bue?ro|projekt|project",
    "other": r"\blegal\b|\brecht|jurist|counsel|compliance|lawyer|anwalt|paralegal",
}


def _any_of(functions: dict[str, str]) -> re.Pattern[str]:
    """One pattern for all functions; the name of the group that matched is the department. At one
    position the first function listed wins, as in :data:`DEPARTMENTS`."""
    return re.compile("|".join(f"(?P<{department}>{words})" for department, words in functions.items()))


_CLEAR_FUNCTION = _any_of(_CLEAR_FUNCTION_WORDS)
_SUGGESTED_FUNCTION = _any_of(_SUGGESTED_FUNCTION_WORDS)
# Words that name general management (the top of the company as a whole).
_GENERAL_MANAGEMENT = re.compile(
    r"\b(?:ceo|co ceo|cxo)\b|chief executive|managingdirector|generalmanager|geschae?ftsfue?hr"
    r"|geschae?ftsleit|\bgf\b|\bowner\b|inhaber|\binh\b|founder|grue?nder|gesellschafter|vorstae?nd"
    r"|aufsichtsrat|prae?sident|president|\bchair(?:man|woman|person)?\b|\bboard\b|prokurist"
    r"|chiefofstaff|\bunternehmer\b|entrepreneur|selbst?stae?ndig|self employed|freelance|freiberufl"
    r"|proprietor|managing partner|\bc level\b|niederlassungsleit|branch manager|standortleit"
    r"|country manager|titolare|proprietaire|fondat|\bgerant|dirigeant"
)
# "IT" (or "EDV", "Software") right before another function only says what that function deals with:
# "IT-Einkauf" is procurement, "Software Sales" is sales. "IT Operations"/"IT-Betrieb" stay IT.
_IT_QUALIFIER = re.compile(r"it|edv|software")
_IT_OWN_FUNCTION = re.compile(r"operations|ops\b|betrieb|service|support")


def _earliest(words: str, functions: re.Pattern[str]) -> str | None:
    """The department whose words occur first in the title; ``None`` if none occurs."""
    for match in functions.finditer(words):
        if match.lastgroup == "it" and _qualifies_next(words, match):
            continue
        return match.lastgroup
    return None


def _qualifies_next(words: str, it_match: re.Match[str]) -> bool:
    """Whether an IT word directly precedes (and so only qualifies) a word of another clear function."""
    if not _IT_QUALIFIER.fullmatch(it_match.group()):
        return False
    rest = words[it_match.end() :].lstrip()
    if _IT_OWN_FUNCTION.match(rest):
        return False
    following = _CLEAR_FUNCTION.match(rest)
    return following is not None and following.lastgroup != "it"


def _department(words: str, seniority: str) -> str:
    department = _earliest(words, _CLEAR_FUNCTION) or _earliest(words, _SUGGESTED_FUNCTION)
    if department is not None:
        return department
    if _GENERAL_MANAGEMENT.search(words) or _is_owner_partner(words):
        return "management"
    return "unknown" if seniority == "unknown" else "other"


@lru_cache(maxsize=65536)
def _parse_text(title: str) -> TitleParse:
    words = _words(title)
    if not words:
        return UNKNOWN_TITLE
    seniority = _seniority(words)
    return TitleParse(seniority, _department(words, seniority))


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def parse_title(title: object) -> TitleParse:
    """Seniority and department of a job title, German or English (see the module docstring for the
    rules and their precedence).

    ``"Vertriebsleiterin"`` → ``head_lead``/``sales``; ``"Werkstudent Vertrieb"`` →
    ``student_intern``/``sales``; ``"Assistant to the CEO"`` → ``individual_contributor``/``management``;
    ``"Key Account Manager"`` → ``individual_contributor``/``sales``. Missing values (``None``, NaN,
    ``"Select"``, ``""``), non-text values and text with no known word give ``unknown``/``unknown``.
    Case, surrounding whitespace and punctuation never change the result. Never raises.
    """
    if not isinstance(title, str):
        return UNKNOWN_TITLE
    text = title[:MAX_TEXT_CHARS]
    if not fold_text(text):  # also covers the contract's missing markers ("Select", "n/a", "-")
        return UNKNOWN_TITLE
    return _parse_text(text)


def seniority_of(title: object) -> str:
    """The seniority level (one of :data:`SENIORITIES`) a job title states."""
    return parse_title(title).seniority


def department_of(title: object) -> str:
    """The department (one of :data:`DEPARTMENTS`) a job title names."""
    return parse_title(title).department


def is_decision_maker(title: object) -> bool:
    """Whether the title's seniority usually signs or strongly influences a purchase
    (:data:`DECISION_MAKER_SENIORITIES`: C-level/owner, VP/director, head/lead)."""
    return parse_title(title).seniority in DECISION_MAKER_SENIORITIES
