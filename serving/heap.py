"""The worker's garbage collector, set for what a scoring worker holds: a big model that lives as long as the
worker, and many short-lived objects per request (a 1,000-lead request is ~100,000 dicts, lists and pydantic
objects, freed by reference counting when it is answered).

Python's cyclic collector stops every thread of the worker while it runs, the event loop that answers health
probes included. With its defaults a busy worker runs full collections often, each walking the whole heap (the
model, the libraries and every request in flight): that, more than the scoring, kept probes waiting
(``benchmarks/DECISIONS.md``, section 4). So, once the model is loaded:

* everything alive then (model, libraries, service) is *frozen* (:func:`gc.freeze`): never walked again;
* a full collection waits for :data:`FULL_AFTER` collections of the middle generation instead of 10. Young
  collections stay as they are (they walk only young objects and are short); request data is acyclic and is
  freed by reference counting at once, so the full collections are rarely needed.

When the served model changes (:mod:`serving.watch`) the frozen objects are released, collected once (the old
model's cycles) and the new heap frozen again: one full collection per model switch.
"""

from __future__ import annotations

import gc
import threading

YOUNG, MIDDLE = gc.get_threshold()[:2]
FULL_AFTER = 1000
"""Collections of the middle generation before a full one (Python's default: 10): a hundredth as many full
collections."""

_lock = threading.Lock()


def settle() -> None:
    """Freeze what the worker holds now and make full collections rare (call once the model is loaded)."""
    with _lock:
        gc.collect()
        gc.freeze()
        gc.set_threshold(YOUNG, MIDDLE, FULL_AFTER)


def resettle() -> None:
    """After the served model was replaced: collect what the old model left in cycles, freeze the heap again."""
    with _lock:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
