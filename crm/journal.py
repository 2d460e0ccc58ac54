"""The push's progress file: an append-only journal of JSON lines, each on disk before the push acts on it.

The first line is the plan (CRM, instance, batch size, a fingerprint of every update to send); then, per
batch:

* ``sending``  — these ids are about to be sent (written and synced *before* the request leaves);
* ``result``   — the CRM's answer: ids ``updated``, ids ``failed`` (a record-level error, not retried) and
  ids ``unsent`` (the CRM refused the request as a whole, e.g. 429: nothing of it was applied);
* ``verified`` — ids of a request whose answer was lost, read back from the CRM: ``applied`` (the record
  holds this push's values) or ``absent`` (it does not, so they are sent again);
* ``done``     — every id of the batch is updated or failed.

Ids sent and not yet answered are *in flight*. The state is rebuilt by replaying the lines, so a process
killed at any point resumes from exactly what reached the disk; a last line cut short by the crash is
dropped (it was never acted on: the request follows its ``sending`` line only once that is synced, and a
lost ``result`` leaves its ids in flight, to be read back). An exclusive lock keeps two pushes from
sharing one progress file.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMAT = 1


class ProgressError(RuntimeError):
    """A progress file that does not belong to this push or cannot be read; the message says what to do."""


class _FinishedElsewhere(Exception):
    """The progress file is another push's, finished: it may be put aside."""


@dataclass
class BatchState:
    """One batch's ids and what is known of each."""

    ids: tuple[str, ...]
    updated: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    in_flight: set[str] = field(default_factory=set)

    @property
    def pending(self) -> list[str]:
        """Ids neither updated nor failed, in batch order."""
        return [i for i in self.ids if i not in self.updated and i not in self.failed]

    @property
    def done(self) -> bool:
        return not self.pending


class Journal:
    """The progress file of one push (see the module docstring). Use :meth:`open`."""

    def __init__(self, path: Path, plan: dict[str, Any], batches: Sequence[Sequence[str]]) -> None:
        self.path = path
        self.plan = plan
        self.batches = [BatchState(tuple(ids)) for ids in batches]
        self._members = [frozenset(ids) for ids in batches]
        self._handle: Any = None
        self.resumed = False

    @classmethod
    def open(cls, path: str | Path, plan: dict[str, Any], batches: Sequence[Sequence[str]]) -> Journal:
        """The journal at ``path``: created with ``plan`` as its first line, or replayed if it exists and its
        plan is this one (same CRM, instance, batch size and updates). The finished journal of another push
        (yesterday's scores under the same name) is kept as ``PATH.previous`` and a new one begun; an
        unfinished one of another push is refused, so that no interrupted push is abandoned unnoticed."""
        journal = cls(Path(path), {"event": "plan", "format": FORMAT, **plan}, batches)
        journal.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            handle = open(journal.path, "a+b")  # noqa: SIM115 (held open for the push, closed by close())
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                raise ProgressError(f"{path}: another push is using this progress file; wait for it to finish") \
                    from None
            journal._handle = handle
            try:
                handle.seek(0)
                journal._replay(handle.read())
            except _FinishedElsewhere:
                journal.path.replace(journal.path.with_name(journal.path.name + ".previous"))
                journal.close()
                continue
            except BaseException:
                journal.close()
                raise
            return journal
        raise ProgressError(f"{path}: cannot begin a new progress file")  # pragma: no cover (renamed above)

    def _replay(self, data: bytes) -> None:
        if not data:
            self._append(self.plan)
            _sync_folder(self.path.parent)
            return
        complete = data[:data.rfind(b"\n") + 1]
        if len(complete) < len(data):  # the crash cut the last line short: it was never acted on
            self._handle.truncate(len(complete))
        lines = complete.decode("utf-8").splitlines()
        if not lines:
            self._append(self.plan)
            return
        records = []
        for number, line in enumerate(lines, 1):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                raise ProgressError(f"{self.path}: line {number} is damaged; move the file away to start the push "
                                    "over (updates already sent would be read back, not sent twice)") from None
        first = records[0]
        if first.get("event") != "plan" or first.get("format") != FORMAT:
            raise ProgressError(f"{self.path} is not a leadscore push progress file; give --progress another file")
        for key in ("crm", "instance_url", "batch_size", "fingerprint"):
            if first.get(key) != self.plan.get(key):
                finished = {r.get("batch") for r in records if r.get("event") == "done"}
                if finished >= set(range(1, int(first.get("batches", 0)) + 1)):
                    raise _FinishedElsewhere
                raise ProgressError(
                    f"{self.path} belongs to an unfinished push of other scores ({key} was {first.get(key)!r}, now "
                    f"{self.plan.get(key)!r}; {len(finished)} of {first.get('batches')} batches done): finish it by "
                    "pushing those scores again, or give --progress a new file")
        for record in records[1:]:
            self._apply(record)
        self.resumed = True

    def record(self, event: dict[str, Any]) -> None:
        """Append one event, synced to disk, then apply it to the state."""
        self._append(event)
        self._apply(event)

    def _append(self, event: dict[str, Any]) -> None:
        self._handle.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def _apply(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind in ("start", "done"):
            return
        number = event.get("batch")
        if not isinstance(number, int) or not 1 <= number <= len(self.batches):
            raise ProgressError(f"{self.path}: a {kind!r} line names batch {number!r}, which this push does not have")
        state = self.batches[number - 1]
        named = [*event.get("ids", ()), *event.get("updated", ()), *event.get("failed", {}),
                 *event.get("unsent", ()), *event.get("applied", ()), *event.get("absent", ())]
        strangers = [i for i in named if i not in self._members[number - 1]]
        if strangers:
            raise ProgressError(f"{self.path}: batch {number} names id {strangers[0]!r}, which it does not hold")
        if kind == "sending":
            state.in_flight = set(event["ids"])
        elif kind == "result":
            state.updated.update(event.get("updated", ()))
            state.failed.update(event.get("failed", {}))
            state.in_flight -= {*event.get("updated", ()), *event.get("failed", {}), *event.get("unsent", ())}
        elif kind == "verified":
            state.updated.update(event.get("applied", ()))
            state.in_flight -= {*event.get("applied", ()), *event.get("absent", ())}
        else:
            raise ProgressError(f"{self.path}: unknown event {kind!r}")

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()  # also releases the lock
            self._handle = None

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sync_folder(folder: Path) -> None:
    """Make a new file's name durable (its folder entry), not only its content."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
