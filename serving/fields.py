"""Which fields a lead in a request may carry: the documented ones (:class:`serving.schemas.Lead`) and, beyond
them, only the fields the served model was trained on. A field the model never saw would be ignored without a
word, so a CRM that misspells a field (``anual_revenue``) or sends one the model does not use would believe it
counts; it is refused instead (400, the field named), and ``GET /model`` and ``/docs.json`` list the extra
fields the model reads.

The model's extra fields are recorded in its scoring bundle: in event mode the lead columns declared with
``leadscore train --extra COL`` (``feature_config.extra_columns``, ``extra_categorical`` among them are
labels, the others numbers); in flat mode the columns of the training table the model reads (its catalogue,
each a number or a label) and the table's id column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from scoring.bundle import ScoringBundle
from serving.schemas import Lead

FieldKind = Literal["number", "text"]
DOCUMENTED: frozenset[str] = frozenset(Lead.__annotations__)
"""The lead fields of the API document (the data contract's lead columns and ``activities``)."""
ERROR_TYPE = "extra_forbidden"
"""The code in ``detail[].type`` (pydantic's own for a field a model does not allow)."""


def extra_fields(bundle: ScoringBundle) -> dict[str, FieldKind]:
    """The fields beyond the documented ones that ``bundle``'s model was trained on, with the kind of value each
    takes (a label is read as text, a number as an amount)."""
    if bundle.mode == "flat":
        kinds: dict[str, FieldKind] = {f.name: "text" if f.categorical else "number" for f in bundle.catalogue}
        id_column = bundle.info.get("id_column")
        if id_column:
            kinds.setdefault(id_column, "text")
    else:
        config = bundle.feature_config
        kinds = {c: "text" if c in config.extra_categorical else "number" for c in config.extra_columns}
    return {name: kind for name, kind in kinds.items() if name not in DOCUMENTED}


def unknown_field_errors(leads: Sequence[Any], allowed: frozenset[str], model_version: str,
                         first_index: int = 0) -> list[InitErrorDetails]:
    """One error per field of a lead that is neither documented nor one the model was trained on (``allowed``:
    :data:`DOCUMENTED` and :func:`extra_fields`), located as pydantic locates errors (``leads``, index, field)."""
    found: list[InitErrorDetails] = []
    for i, lead in enumerate(leads, start=first_index):
        if not isinstance(lead, dict):
            continue
        for name in lead:
            if name not in allowed:
                message = (f"'{name}' is not a lead field, and the served model (v{model_version}) was not trained on "
                           "it: leave it out (GET /model lists the extra fields the model reads)")
                found.append(InitErrorDetails(type=PydanticCustomError(ERROR_TYPE, message),
                                              loc=("leads", i, name), input=None))
    return found


def check_fields(leads: Sequence[Any], bundle: ScoringBundle, model_version: str) -> None:
    """Raise a :class:`pydantic.ValidationError` naming every unknown field of ``leads`` (the service answers
    it as it answers any request that does not match the schema: 400 with field-level detail)."""
    allowed = DOCUMENTED | frozenset(extra_fields(bundle))
    errors = unknown_field_errors(leads, allowed, model_version)
    if errors:
        raise ValidationError.from_exception_data("Lead", errors)
