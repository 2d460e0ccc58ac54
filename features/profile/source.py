"""Lead source: the acquisition channel, in the contract's vocabulary where a synonym is recognised."""

from __future__ import annotations

from functools import lru_cache

from features.profile.patterns import compile_rules, first_match
from features.values import category_text, fold, snake_of_folded

_CACHE_SIZE = 65536


# Checked in this order on the folded text. Webinar before web form ("Webinar" is not a website),
# outbound before e-mail ("Cold E-Mail"), partner before referral ("Partner Referral" is the partner
# channel, as in features.mappings), social before search ("Organic Social", "Paid Social" are social),
# paid before organic search ("Suchmaschinenwerbung" is paid).
_LEAD_SOURCE_RULES = compile_rules(
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
            r"|homepage|landing ?page|^web$|^internet$|direct traffic|^direct(?: none)?$"
            r"|direktzugriff|direkter (?:zugriff|aufruf)",
        ),
        ("other", r"^(?:other|others|sonstige|sonstiges|andere|misc|miscellaneous|other campaigns?)$"),
    )
)


@lru_cache(maxsize=_CACHE_SIZE)
def _lead_source_of_folded(folded: str) -> str | None:
    if not folded:
        return None
    return first_match(folded, _LEAD_SOURCE_RULES) or snake_of_folded(folded)


def normalise_lead_source(value: object) -> str | None:
    """The acquisition channel of a lead, in the contract's vocabulary
    (:data:`~features.contract.LEAD_SOURCES`) where a synonym is recognised.

    ``"Web Form"``/``"Website"``/``"Webformular"`` → ``web_form``; ``"Messe"``/``"Trade Show"`` →
    ``trade_show``; ``"Empfehlung"``/``"Referral"`` → ``referral``; ``"Google Ads"``/``"AdWords"``/``"PPC"``
    → ``paid_search``; ``"SEO"``/``"Organic"`` → ``organic_search``; ``"LinkedIn"``/``"XING"``/``"Social
    Media"`` → ``social``; ``"Newsletter"``/``"E-Mail-Kampagne"`` → ``email_campaign``; ``"Cold Call"``/
    ``"Kaltakquise"``/``"Outbound"`` → ``outbound``; ``"Partner"``/``"Reseller"`` → ``partner``;
    ``"Webinar"`` → ``webinar``. ``"Direct Traffic"`` (Google Analytics: ``(direct) / (none)``; German
    ``Direktzugriff``) is ``web_form``, as in the HubSpot mapping of
    :mod:`features.mappings`. ``"Referral Sites"`` (referring websites, not a person's recommendation)
    and a bare ``"Google"`` (paid or organic?) are deliberately not mapped.

    An unrecognised value comes back as its :func:`features.values.snake` text (the contract allows unknown
    channels); missing gives ``None``. Idempotent.
    """
    text = category_text(value)
    if text is None:
        return None
    once = _lead_source_of_folded(fold(text))
    # an unknown value's text is cut to the longest category and can then end in a channel's word
    # ("…:REFERRAL:SITE" → "…_referral"): it is read once more, so that normalising twice changes nothing
    return None if once is None else _lead_source_of_folded(fold(once))
