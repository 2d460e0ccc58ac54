"""What marketing-automation tools and German CRMs call the contract's activity types.

Exports rarely speak the contract: Marketo writes "Visited Web Page" and "Filled Out Form", Pardot "Form
Submission", HubSpot "Email Opened", a German CRM "Demo angefragt" or "Webinar teilgenommen". Counted as
``other``, such rows would leave a lead's engagement signals empty and its reasons silent about what it did.
:data:`ACTIVITY_SYNONYMS` reads them as the contract type they unambiguously name (keys are
:func:`features.values.snake` forms, so case, umlauts and punctuation do not matter).

Left out on purpose: names that may mean something the *sales rep* did, not the lead (``Email``, ``Call``,
``Task``: a logged e-mail is one sent, a logged call may be an unanswered dial; see :mod:`features.mappings`)
and steps that are not the contract's event (``Meeting Booked`` is not ``meeting_held``, ``Email Sent`` is
not ``email_open``). They stay unknown types: kept, reported and counted as ``other``. A meeting (``Meeting``,
Zoho's ``Meetings``, a German CRM's ``Termin``) is one the lead took part in, as the vendor mappings read it; an
event the lead registered for or attended (Marketo's ``Attend Event``, Dynamics' ``Event Check-in``) is the
contract's webinar registration or attendance, the nearest it has; a demo held (``Demo Completed``) is a meeting
held.

A name not in the list is read by its words (:func:`by_words`): CRMs let users name their activity types
freely ("Requested a demo", "Free trial started", "E-Book heruntergeladen", "Viewed pricing"), so a type is
recognised when its words say both what and what happened (``demo`` and ``request``/``gebucht``; ``webinar``
and ``attended``/``teilgenommen``), never by one generic word alone (``Demo``, ``Link geklickt``, ``Meeting
booked`` stay unknown).
"""

from __future__ import annotations

_NAMES: dict[str, tuple[str, ...]] = {
    "page_view": ("page_visit", "visited_web_page", "visit_web_page", "web_page_visit", "website_visit",
                  "web_visit", "site_visit", "pageview", "webseitenbesuch", "website_besuch", "seitenaufruf",
                  "seite_besucht", "webseite_besucht", "website_besucht"),
    "pricing_page_view": ("pricing_page", "pricing_page_visit", "visited_pricing_page", "pricing_view",
                          "preisseite", "preisseite_besucht", "preisseite_aufgerufen", "preise_angesehen"),
    "email_open": ("email_opened", "opened_email", "open_email", "e_mail_open", "e_mail_opened",
                   "e_mail_geoeffnet", "email_geoeffnet", "mail_geoeffnet"),
    "email_click": ("email_clicked", "clicked_email", "clicked_link_in_email", "email_link_click",
                    "email_link_clicked", "e_mail_click", "e_mail_clicked", "e_mail_geklickt", "email_geklickt",
                    "link_in_e_mail_geklickt", "e_mail_link_geklickt"),
    "form_submit": ("form_submission", "form_submitted", "filled_out_form", "fill_out_form", "form_fill",
                    "form_completed", "formular_ausgefuellt", "formular_abgeschickt", "formular_gesendet",
                    "formular_eingereicht", "form_handler", "form_handler_success", "landing_page_success",
                    "landing_page_form_success"),
    "content_download": ("download", "downloaded", "content_downloaded", "downloaded_content", "asset_download",
                         "file_download", "whitepaper_download", "ebook_download", "e_book_download",
                         "whitepaper_heruntergeladen", "inhalt_heruntergeladen", "heruntergeladen", "file_access",
                         "file_accessed", "document_viewed", "dokument_angesehen"),
    "webinar_registration": ("webinar_registered", "registered_for_webinar", "webinar_signup",
                             "webinar_sign_up", "webinar_anmeldung", "webinar_angemeldet",
                             "fuer_webinar_angemeldet", "webinar_registrierung"),
    "webinar_attendance": ("webinar_attended", "attended_webinar", "webinar_attendee", "webinar_teilnahme",
                           "webinar_teilgenommen", "am_webinar_teilgenommen", "webinar_besucht"),
    "demo_request": ("demo_requested", "requested_demo", "request_demo", "request_a_demo", "demo_anfrage",
                     "demo_angefragt", "demo_anforderung", "demo_angefordert"),
    "trial_signup": ("trial_sign_up", "trial_started", "started_trial", "trial", "free_trial",
                     "free_trial_signup", "trial_registration", "testversion", "testversion_gestartet"),
    "meeting_held": ("meeting", "meetings", "termin", "termine", "meeting_completed", "meeting_attended",
                     "termin_wahrgenommen", "termin_stattgefunden", "meeting_stattgefunden"),
    "email_unsubscribe": ("unsubscribe", "unsubscribed", "email_unsubscribed", "opted_out", "opt_out",
                          "abgemeldet", "abmeldung", "newsletter_abgemeldet", "vom_newsletter_abgemeldet"),
    "email_bounce": ("bounce", "bounced", "email_bounced", "hard_bounce", "soft_bounce", "e_mail_bounce",
                     "unzustellbar", "e_mail_unzustellbar"),
}

#: snake-case name in an export → the contract activity type it names.
ACTIVITY_SYNONYMS: dict[str, str] = {name: kind for kind, names in _NAMES.items() for name in names}


#: (type, word groups): a name is the type when each group has a word of it that starts with one of the
#: group's stems; the first rule that fits decides, so the narrower types come before the wider ones.
_WORD_RULES: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("email_unsubscribe", (("unsub", "abbestell", "abgemeldet", "abmeld", "optout", "opted"),)),
    ("email_bounce", (("bounce", "unzustellbar"),)),
    ("demo_request", (("demo",), ("request", "anfrage", "angefragt", "anforder", "angefordert", "gebucht", "book",
                                  "vereinbart"))),
    ("trial_signup", (("trial", "testversion", "testzugang", "probeversion", "testphase"),
                      ("sign", "start", "regist", "request", "anfrage", "angefordert", "anmeld", "gestartet",
                       "begonnen", "activated", "aktiviert", "free", "kostenlos"))),
    ("webinar_attendance", (("webinar", "event", "veranstaltung"), ("attend", "besucht", "teilgenommen", "teilnahme",
                                                                  "joined", "check"))),
    ("webinar_registration", (("webinar", "event", "veranstaltung"), ("regist", "anmeld", "angemeldet", "sign"))),
    ("pricing_page_view", (("pricing", "preis"), ("page", "seite", "view", "visit", "aufgerufen", "besucht",
                                                   "angesehen"))),
    ("content_download", (("download", "heruntergeladen", "herunterladen"),)),
    ("meeting_held", (("meeting", "termin", "demo"), ("held", "completed", "attended", "wahrgenommen",
                                                      "stattgefunden", "durchgefuehrt"))),
    ("email_click", (("email", "mail", "newsletter"), ("click", "geklickt", "klick"))),
    ("email_open", (("email", "mail", "newsletter"), ("open", "geoeffnet"))),
    ("form_submit", (("form", "kontakt", "contact"), ("submit", "sent", "gesendet", "abgeschickt", "ausgefuellt",
                                                      "eingereicht", "fill", "completed", "anfrage", "request",
                                                      "us", "success", "erfolgreich"))),
    ("form_submit", (("newsletter",), ("anmeld", "subscri", "sign"))),
    ("form_submit", (("kontaktanfrage", "kontaktformular", "contactform"),)),
    ("page_view", (("page", "seite", "website", "webseite", "site", "webpage"), ("view", "visit", "besuch",
                                                                                  "aufgerufen", "aufruf"))),
)


def by_words(name: str) -> str | None:
    """The contract type a :func:`features.values.snake` name's words say (see the module docstring), or None."""
    words = [word for word in name.split("_") if word]
    for kind, groups in _WORD_RULES:
        if all(any(word.startswith(stems) for word in words) for stems in groups):
            return kind
    return None
