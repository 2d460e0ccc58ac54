"""The rulebook: how leadscore reads one raw CRM value, whatever door it came through.

The rules live in four modules, re-exported here: :mod:`~features.values.cells` (missing values, text, lead
ids, the column form of a rule), :mod:`~features.values.words` (folding, activity types),
:mod:`~features.values.amounts` (amounts, plain numbers, flags) and :mod:`~features.values.dates` (moments).

A file row (the loader), an API request's lead, a webhook's contact and a pyfunc row all go through the
functions here, so the same raw lead gives the same features and the same score everywhere (a property
test feeds generated raw leads through every door and compares). Each rule has a **scalar form**, the
definition, and where a file needs it a **column form** that applies the scalar form once per distinct
value; moments are the one column-only rule (a request's moments are parsed together as one column).

The rules
---------
* **Missing** (:func:`is_missing`): ``None``, NaN, ``pd.NA``, ``NaT``, and text that after stripping and
  lower-casing is a marker of :data:`~features.contract.MISSING_MARKERS` (``""``, ``"Select"``, ``"n/a"``,
  ``"k.A."`` …). ``0`` and ``False`` are present values.
* **Text** (:func:`text`): the cell's text, stripped; a missing value gives ``None``. Numbers are read as
  the text a CSV would hold (``12`` for 12.0, ``1.5``; a typed decimal too), booleans as ``true``/``false``,
  moments and dates as ISO text; bytes, lists and other objects carry no text.
* **Lead ids** (:func:`id_numbers`): the text of the id; one no lead has as written is looked for by the
  whole number it writes (``00123`` and ``123.0`` as ``123``), as exports of one CRM write ids differently.
* **Folding** (:func:`fold_text`, :func:`snake`): for matching, text becomes plain ASCII words: lower case,
  umlauts written out (``ä`` → ``ae``, ``ß`` → ``ss``), other accents dropped, punctuation a space.
  :func:`snake` joins the words with ``_``: ``"Page  View"``, ``"page-view"``, ``"Page View!"`` → ``page_view``.
* **Activity type** (:func:`activity_type`): the snake form of the value, read as the contract type it
  names when it is what tools and German CRMs call one (``Email Opened``, ``Filled Out Form``, ``Demo
  angefragt``: :mod:`features.activity_names`). A contract type (:data:`~features.contract.ACTIVITY_TYPES`)
  is counted as itself; a name unknown as written is read again with its camelCase words apart
  (``DemoRequest``); anything else is kept under its snake form, reported, and counted as ``other``.
* **Amounts** (:func:`amount`; ``employee_count``, ``annual_revenue``): German and English grouping, because
  CRM report exports format numbers in the user's locale: spaces, no-break spaces and apostrophes inside
  the number are ignored, as is a leading or trailing currency (``€``, ``EUR``, ``$``, ``USD``, ``CHF``, ``£``,
  ``GBP``: the amount is taken as written, not converted, and the loader notes amounts in another
  currency than euros); with both ``.`` and ``,`` the last one
  is the decimal mark (``1.234.567,89`` = ``1,234,567.89``); with one kind only it is a thousands separator
  when it groups digits in threes behind a first group of 1–3 digits that does not start with 0 (``1.234``
  is 1234, ``1,5`` and ``0.234`` are decimals). As enrichment tools and German CRMs write sizes, a scale
  word multiplies (``10 Mio. €``, ``1,5 Mrd``, ``$20M``, ``500k``), a range is its midpoint (``51-200`` is
  125.5; ``10-50M`` is 30 million), an open range its lower bound (``10,001+``, ``über 500``, ``mehr als
  1000``) and a range open below half its bound (``< 10``, ``bis 10``, ``Less than 1M``: the midpoint from 0).
  Words that say what is counted or that the number is approximate are read past (``51-200 employees``,
  ``1.000-4.999 Mitarbeiter``, ``ca. 200``, ``~150``), and LinkedIn's ``Self-employed`` band is one person. A
  negative value or text that is not a number becomes missing, with a warning that names the field.
* **Numbers of columns of unknown meaning** (:func:`number`; declared extra columns, flat tables): read in the
  convention of the spreadsheet that wrote them, as the column's own values show it
  (:func:`decimal_comma_column`), else as the file's separator says. US: ``.`` as decimal mark, digits
  grouped with ``,`` (``1,573``, ``1,234,567.5``); German (a ``;``-separated file, as German Excel saves one):
  a decimal comma, digits grouped with ``.`` (``1.573`` is 1573, ``1.234,5``), a plain ``1.5`` still 1.5; a
  request's values of a column show their mark as a file's column does, else are read as the model's training
  file's column was. An exponent is allowed; a
  percent sign after the number is read past (``12.5%`` is 12.5, as written). A leading zero (``01067``) marks
  a code, not a number. An amount written with its currency (``$14,803,000.00``, ``EUR 1.250.000,00``,
  ``1.250 €``) is read by the amount rules above: the currency says the marks group digits. A flat table's
  column is numbers when every present value is one, or all but a stray 5 % (:data:`STRAY_SHARE`: ``#VALUE!``
  cells), which become missing with a warning naming the row; one value with a leading zero makes it codes.
* **Flags** (:func:`flag`): ``1/0``, ``true/false``, ``yes/no``, ``y/n``, ``ja/nein``, ``wahr/falsch`` (German
  Excel's TRUE/FALSE).
* **Moments** (:func:`moments`): ISO 8601 (``2024-03-01T10:00:00Z``, ``…+02:00``, ``2024-03-01 10:00``,
  ``2024-03-01``), or a dotted day-first date as German, Austrian and Swiss exports write it (``01.03.2024``,
  ``1.3.2024 14:30[:15]``: dots put the day first in every locale that writes them); no offset means UTC. A column
  of exported moments (``moments(..., exported=True)``: a file's column, or a request's values of one field, its
  leads' creation moments or its activities' moments) may also write slashed dates, month first as US exports do or
  day first as British and French ones do (``03/01/2024``, ``3/1/2024 2:30 PM``, ``13/01/2024 14:30:15``): they are
  read in the order the column itself shows, day first when one of its values starts with a number over 12, month
  first when one has such a number second; a column that shows none is read in the order its creation dates showed
  (:func:`column_order`: the activities of a file or a request), else in the order the model's training files
  showed. Where none shows it (or a column shows both) a slashed date is not guessed: it is unparseable. Such a
  column may also name the month, in English or German (``Mar 01, 2024 02:30 PM`` as Zoho writes it,
  ``01-Mar-2024``, ``1 March 2024``, ``1. März 2024 14:30``, with a weekday too: ``Fri, 01 Mar 2024``), its dotted
  and slashed dates may have a two-digit year (``01.03.24``, ``3/1/24``), read as this century's (a CRM's dates
  are). Both doors read Unix time as Intercom or HubSpot's API export it (10 digits are seconds, 13 milliseconds), a
  spreadsheet's day number as Excel and Google Sheets hold a date in a cell formatted as a number (5 digits, a
  fraction for the time of day: ``45352.6042`` is 2024-03-01 14:30; days since 1899-12-30, the 1900 date system),
  each read so between 2000 and 2100, where the number of digits names the unit, and ``UTC`` or ``GMT`` after a
  moment without an offset (``2024-03-01 14:30:00 UTC`` as BigQuery exports it) or one of Europe's zone names,
  English or German (``CET``/``MEZ`` +1, ``CEST``/``MESZ`` +2, ``WET``, ``WEST``, ``EET``, ``EEST``: each one
  offset); names of zones apart (``CST``, ``IST``) and US zones are not guessed. A number of up to four digits is no
  moment (ISO 8601's year alone: a footer's count, ``Total,3000``, would be the year 3000). Moments are integer
  microseconds since the epoch, UTC.
"""

from __future__ import annotations

from features.values.amounts import (
    NEGATIVE,
    STRAY_SHARE,
    amount,
    amounts,
    currency,
    decimal_comma_column,
    flag,
    is_code,
    is_number_text,
    not_a_number,
    number,
    numeric_column,
    range_amount,
    written_comma,
)
from features.values.cells import (
    FEW_VALUES,
    MAX_CATEGORY_CHARS,
    MAX_TEXT_CHARS,
    MISSING_REQUIRED,
    Column,
    id_numbers,
    is_missing,
    map_distinct,
    text,
    text_column,
)
from features.values.dates import (
    NOT_A_MOMENT,
    NOT_ISO,
    SLASHED_UNREAD,
    TYPED_MOMENT,
    UNIX_UNREAD,
    column_order,
    given_moment,
    in_time_zone,
    moment_us,
    moments,
    slashed_order,
    unparseable_moment,
)
from features.values.words import (
    activity_type,
    category_text,
    fold,
    fold_text,
    is_contract_activity,
    snake,
    snake_of_folded,
    with_detail,
)

__all__ = ["FEW_VALUES", "MAX_CATEGORY_CHARS", "MAX_TEXT_CHARS", "MISSING_REQUIRED", "NEGATIVE", "NOT_A_MOMENT",
           "NOT_ISO", "SLASHED_UNREAD", "STRAY_SHARE", "TYPED_MOMENT", "UNIX_UNREAD", "Column", "activity_type",
           "amount", "amounts", "category_text", "column_order", "currency", "decimal_comma_column", "flag", "fold",
           "fold_text", "given_moment", "id_numbers", "in_time_zone", "is_code", "is_contract_activity", "is_missing",
           "is_number_text", "map_distinct", "moment_us", "moments", "not_a_number", "number", "numeric_column",
           "range_amount", "slashed_order", "snake", "snake_of_folded", "text", "text_column", "unparseable_moment",
           "with_detail", "written_comma"]
