"""The score log's table and database connection (SQLAlchemy Core), for SQLite and PostgreSQL alike.

SQLite with several writers: every server worker process has its own writer thread, and they all write
one file. The file is put in WAL mode (``PRAGMA journal_mode=WAL``): readers (``history``, the monitor)
never block the writer and the writer never blocks them. Writers still take turns (one write
transaction at a time per file); ``PRAGMA busy_timeout`` makes a writer wait for its turn instead of
failing at once with "database is locked". Since every score reaches the file in a background batch, the
wait never touches a request. ``synchronous=NORMAL`` (the usual setting with WAL) keeps the file
consistent after any crash; a power cut may lose the last transactions, which a score log can afford.
WAL needs all processes on one machine (not a network file system); more machines: use PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from monitoring.config import ScoreLogConfig

SOURCES = ("api", "webhook", "batch")
LEAD_ID_LENGTH = 200  # the API's limit (serving.schemas.Lead)


class UTCDateTime(TypeDecorator[datetime]):
    """A moment stored in UTC and read back as an aware UTC datetime on every database. SQLite keeps text
    without an offset (fixed width, so text order is time order); PostgreSQL keeps ``timestamptz``."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
            value = value.to_pydatetime()
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def score_table(metadata: MetaData, name: str) -> Table:
    """One row per score given. ``reasons`` is JSON text (on PostgreSQL: ``reasons::jsonb`` to query it)."""
    return Table(
        name, metadata,
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True),
        Column("scored_at", UTCDateTime(), nullable=False, comment="when the score was given"),
        Column("lead_id", String(LEAD_ID_LENGTH), nullable=False),
        Column("as_of", UTCDateTime(), nullable=False, comment="the moment the lead was scored as of"),
        Column("model_version", String(64), nullable=False),
        Column("input_fingerprint", String(64), comment="SHA-256 of the lead's canonical JSON without e-mail"),
        Column("probability", Float(), nullable=False),
        Column("score", Integer(), nullable=False),
        Column("tier", String(8), nullable=False),
        Column("grade", String(2)),
        Column("reasons", Text()),
        Column("source", String(8), nullable=False),
        CheckConstraint(f"source IN ({', '.join(repr(s) for s in SOURCES)})", name=f"{name}_source"),
        Index(f"ix_{name}_lead_scored", "lead_id", "scored_at"),
        Index(f"ix_{name}_scored", "scored_at"),
    )


FRAME_COLUMNS = ("scored_at", "lead_id", "as_of", "model_version", "input_fingerprint", "probability", "score",
                 "tier", "grade", "reasons", "source")


def bulk_insert(connection: Connection, table: Table, columns: dict[str, list[Any]]) -> None:
    """Insert many rows, given column-wise (every name of :data:`FRAME_COLUMNS`; moments as aware
    datetimes), at the speed of the driver: PostgreSQL through ``COPY … FROM STDIN``, other databases
    through the driver's ``executemany`` with each distinct moment converted once (SQLAlchemy's per-row
    parameter handling costs more than SQLite's insert itself)."""
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
        with connection.connection.driver_connection.cursor() as cursor, \
                cursor.copy(f"COPY {name} ({', '.join(FRAME_COLUMNS)}) FROM STDIN") as copy:
            for row in zip(*(columns[c] for c in FRAME_COLUMNS), strict=True):
                copy.write_row(row)
        return
    values = []
    for c in FRAME_COLUMNS:
        process = table.c[c].type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            values.append(columns[c])
            continue
        done: dict[Any, Any] = {}  # each distinct value converted once (a batch has one or a few moments)
        values.append([done[v] if v in done else done.setdefault(v, process(v)) for v in columns[c]])
    marks = ", ".join(["?" if dialect.paramstyle == "qmark" else "%s"] * len(FRAME_COLUMNS))
    name = dialect.identifier_preparer.format_table(table)
    connection.exec_driver_sql(f"INSERT INTO {name} ({', '.join(FRAME_COLUMNS)}) VALUES ({marks})",
                               list(zip(*values, strict=True)))


def make_engine(url: str, config: ScoreLogConfig) -> Engine:
    """An engine for the log: SQLite in WAL mode with a busy timeout (see the module docstring)."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=2, max_overflow=4)
    memory = url in ("sqlite://", "sqlite:///:memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if memory:  # one shared in-memory database (tests, demos): one connection for every thread
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    busy = int(config.sqlite_busy_timeout_ms)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={busy}")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


def create_schema(engine: Engine, table: Table) -> None:
    """Create the table and its indexes unless they exist (and the PostgreSQL schema it names). Two
    processes may race to create them: the loser's error is ignored when the table is there after all."""
    try:
        with engine.begin() as connection:
            if table.schema and engine.dialect.name == "postgresql":
                connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{table.schema}"'))
            table.metadata.create_all(connection, tables=[table], checkfirst=True)
    except SQLAlchemyError:
        with engine.connect() as connection:
            if not engine.dialect.has_table(connection, table.name, schema=table.schema):
                raise
