"""What a JSON request body must be before anything reads its values: UTF-8 text, well-formed JSON without
``NaN``/``Infinity`` or lone surrogates, not nested absurdly deep, with at most ``max_leads`` leads. The gate
(:mod:`serving.gate`) checks a small body on the event loop; the scoring process (:mod:`serving.offload`)
checks a big one, so that the worker never parses it. Both answer the same documented 400 and 413 bodies.
What the values mean is the rulebook's (:mod:`features.values`), not this module's."""

from __future__ import annotations

import json
import re
from typing import Any

from serving import errors

MAX_DEPTH = 64
"""Deepest JSON nesting read (a lead with its activities is 4 levels deep)."""
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class Rejected(Exception):
    """A request answered before it reaches the service: status, error body, extra headers."""

    def __init__(self, status: int, error: str, detail: list[dict[str, Any]] | None = None,
                 headers: list[tuple[bytes, bytes]] | None = None) -> None:
        super().__init__(error)
        self.status, self.body, self.headers = status, errors.body(error, detail), headers or []


def checked_lead_count(body: bytes, max_leads: int) -> int:
    """The number of leads in a request body that passes every check above, or :class:`Rejected` (400, or 413
    for more than ``max_leads`` leads)."""
    count = lead_count(parse(body)) if body.strip() else 0
    if count > max_leads:
        raise Rejected(413, f"{count} leads in one request; the limit is {max_leads}: send them in several requests",
                       [errors.issue(["body", "leads"], f"at most {max_leads} items", "too_long")])
    return count


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON: send null for a missing number")


def parse(body: bytes) -> object:
    """The body as JSON, or :class:`Rejected` (400) saying where it stops being JSON."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(400, "the body is not UTF-8 text: send JSON encoded as UTF-8",
                       [errors.issue(["body"], f"invalid UTF-8 at byte {exc.start}", "unicode_decode_error")]) from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise Rejected(400, f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
                       [errors.issue(["body"], f"{exc.msg} (character {exc.pos})", "json_invalid")]) from None
    except ValueError as exc:
        raise Rejected(400, f"the body is not JSON: {exc}",
                       [errors.issue(["body"], str(exc), "json_invalid")]) from None
    except RecursionError:
        data = None
    if data is None or _depth(data) > MAX_DEPTH:
        if data is None and body.strip() == b"null":
            return None
        raise Rejected(400, f"the body is nested more than {MAX_DEPTH} levels deep",
                       [errors.issue(["body"], f"at most {MAX_DEPTH} levels of nesting", "json_too_deep")])
    if _SURROGATE_ESCAPE.search(body) and not _encodable(data):
        raise Rejected(400, "the body holds a lone UTF-16 surrogate (\\ud800-\\udfff): it is not text",
                       [errors.issue(["body"], "lone surrogate escape", "unicode_surrogate")])
    return data


def _encodable(value: object) -> bool:
    """Whether every text in a JSON value is Unicode text (a lone surrogate escape is not)."""
    stack = [value]
    while stack:
        item = stack.pop()
        texts: list[object] = []
        if isinstance(item, dict):
            texts = list(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            texts = [item]
        for text in texts:
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    return False
    return True


def _depth(value: object, limit: int = MAX_DEPTH) -> int:
    """How deep ``value`` nests (stops counting past ``limit``)."""
    depth, level = 0, [value]
    while level and depth <= limit:
        depth += 1
        nxt: list[object] = []
        for item in level:
            if isinstance(item, dict):
                nxt.extend(v for v in item.values() if isinstance(v, dict | list))
            elif isinstance(item, list):
                nxt.extend(v for v in item if isinstance(v, dict | list))
        level = nxt
    return depth


def lead_count(data: object) -> int:
    """How many leads a parsed body carries (0 when it has no list of leads: the schema check names that)."""
    leads = data.get("leads") if isinstance(data, dict) else None
    return len(leads) if isinstance(leads, list) else 0

