"""E-mail domain kind: what an address says about the lead's employer (the address is never a feature)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from features.profile.patterns import word_set
from features.values import FEW_VALUES, MAX_TEXT_CHARS, category_text, is_missing, map_distinct

_CACHE_SIZE = 65536

#: What :func:`email_domain_kind` returns.
EMAIL_DOMAIN_KINDS: tuple[str, ...] = ("corporate", "free", "invalid", "missing")

#: Free-mail and disposable domains: an address there says nothing about an employer.
FREE_EMAIL_DOMAINS: frozenset[str] = word_set(
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
    text = category_text(email)
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
    if len(values) <= FEW_VALUES or pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return map_distinct(values, email_domain_kind)  # some values are not text (numbers, bytes …): no shortcut
    try:
        text = pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowException, UnicodeError):  # e.g. a lone surrogate, which UTF-8 cannot hold
        return map_distinct(values, email_domain_kind)
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    plain = pc.and_(
        pc.and_not(pc.match_substring_regex(text, _PLAIN_ADDRESS),
                   pc.starts_with(text, "mailto:", ignore_case=True)),
        pc.less_equal(pc.binary_length(text), MAX_TEXT_CHARS),
    ).fill_null(False).to_numpy(zero_copy_only=False)
    out = np.empty(len(values), dtype=object)
    rest = ~plain
    out[rest] = map_distinct(values[rest], email_domain_kind)
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




