"""The store of batch review: runs, cases, determinations, recommendations and rejects, on SQLite
(the embedded default) or PostgreSQL. The only module that imports sqlmodel / sqlalchemy.

Tables (schema version 3, recorded in `schema_info`; created on first use):

- `runs`: one per (rulebook digest, input contents), with its inputs, counts and times;
- `rulebooks`: each run's rulebook, by digest, as canonical JSON (for replay and audit);
- `cases`: one per case record read in a run, keyed (run, source digest, line), the record packed;
  `status` is `pending` until a worker stores its outcome, then `done` or `rejected` (`withdrawn`:
  read, then found to share its case id with a different case; its reject says so);
- `determinations`: the determination of a case, with its digest, packed (engine/packing.py): the
  clauses it cites replaced by references into `contents`, the rest zlib-compressed; every reader
  gets back the canonical JSON byte for byte, and its digest still verifies;
- `contents`: rulebook content that determinations cite (clause objects), and the compression
  dictionaries, once per store, keyed by 16 hex digits of the sha256 of its text;
- `recommendations` and `recommendation_clauses`: the determination's recommendations as
  queryable rows (case, track, subject, unit, tier, form, sanction, outcome, clause ids);
- `rejects`: every record that did not become a determination: input, line, reason;
- `reviews`: a person's decision on a recommendation (accept, modify to a form, reject), stored
  beside the machine's, never over it;
- `chain_head`: one row, the last link of the tamper-evident chain (below).

Tamper evidence (since schema version 2). Every determination, recommendation and review row carries
`chain_seq`, `prev_hash` and `row_hash` = sha256(prev_hash + canonical JSON of the row's content).
There is one chain per store. A link is appended in the same transaction as its row, under a lock
on the `chain_head` row (PostgreSQL: `SELECT … FOR UPDATE`; SQLite: the write transaction, which
is exclusive), so concurrent writers serialise their links and a killed writer leaves no half link.
A link commits to a packed value by its sha256, and a packed value to its contents by theirs, so an
edit anywhere shows. `verify_chain` walks it and names every row edited, deleted, inserted or
reordered. A store of an older schema is refused with a message, never misread.

Invariants (what makes a batch idempotent and safe to kill at any point):

1. Every write is one transaction, and every row has a natural unique key (run + case id, run +
   input + line, run + recommendation id), so re-inserting what exists adds nothing.
2. A case leaves `pending` in the same transaction that stores its determination (with its
   recommendations) or its reject, and only if it is still `pending` then: a case is stored
   completely and once, or not at all.
3. Claims: on PostgreSQL a worker's claim is a row lock (`FOR UPDATE SKIP LOCKED`) held by the
   open transaction that will store the outcome; a process that dies releases it with its
   connection, so the case is simply pending again. SQLite has one writer at a time and no row
   locks: claims there are plain reads and (2) turns a second writer's work into a no-op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlmodel import Field, SQLModel

from .documents import canonical_json
from .packing import Packer, PackError, shared_objects, unpack

SCHEMA_VERSION = 3
GENESIS = "0" * 64            # prev_hash of the first link of a chain
CHAIN_COLUMNS = ("id", "chain_seq", "prev_hash", "row_hash")   # not part of a row's content
DEFAULT_URL = "sqlite:///duidan.db"
_LOCK_KEY = 0x6475_6964_616E   # PostgreSQL advisory lock serialising schema creation ("duidan")


class StoreError(Exception):
    """The database cannot be opened or used: a message for the user, never a traceback."""


# What a database failure after opening raises (server gone, disk full), for callers that may not
# import sqlalchemy themselves.
DatabaseError = sa.exc.SQLAlchemyError


# ---------------------------------------------------------------- tables

class SchemaInfo(SQLModel, table=True):
    __tablename__ = "schema_info"
    key: str = Field(primary_key=True)
    value: str


class RunRow(SQLModel, table=True):
    __tablename__ = "runs"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)          # hash of the rulebook digest and the input digests
    rulebook_name: str
    rulebook_edition: str
    rulebook_digest: str
    inputs: str = Field(sa_type=sa.Text)   # JSON: [{"path", "digest", "role"}] as first given
    started_at: dt.datetime = Field(sa_type=sa.DateTime(timezone=True))
    read_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    finished_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    read: int | None = None
    evaluated: int | None = None
    rejected: int | None = None


class RulebookRow(SQLModel, table=True):
    """Rulebooks by content: a run's determinations can be re-derived under the exact rules."""
    __tablename__ = "rulebooks"
    digest: str = Field(primary_key=True)
    name: str
    edition: str
    body: str = Field(sa_type=sa.Text)     # canonical JSON; hashes to `digest`


class CaseRow(SQLModel, table=True):
    __tablename__ = "cases"
    # A record is keyed by where it was read; a case id may be read twice (workers read in
    # parallel), and settle_duplicates() leaves one pending row per id before anything is evaluated.
    __table_args__ = (
        sa.UniqueConstraint("run_id", "source_digest", "line"),
        sa.Index("ix_cases_case", "run_id", "case_id"),
        sa.Index("ix_cases_claim", "run_id", "status", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id")
    case_id: str
    source: str                            # the input path as first given (for messages)
    source_digest: str                     # the input's content: what identifies the record
    line: int                              # 0: the whole file
    input_digest: str                      # hash of the case record (canonical JSON)
    body: bytes = Field(sa_type=sa.LargeBinary)   # the case record, canonical JSON, packed
    status: str = "pending"                # pending | done | rejected | withdrawn
    done_at: dt.datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    done_by: str | None = None             # host:pid of the process that stored the outcome


class DeterminationRow(SQLModel, table=True):
    __tablename__ = "determinations"
    __table_args__ = (sa.UniqueConstraint("run_id", "case_id"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id")
    case_row: int = Field(foreign_key="cases.id", unique=True)
    case_id: str
    digest: str
    body: bytes = Field(sa_type=sa.LargeBinary)   # canonical JSON (docs/determination-format.md), packed
    chain_seq: int | None = Field(default=None)   # position in the store's chain (verify reads it all; no index)
    prev_hash: str | None = None           # the previous link's row_hash (GENESIS for the first)
    row_hash: str | None = None            # sha256(prev_hash + canonical content)


class RecommendationRow(SQLModel, table=True):
    __tablename__ = "recommendations"
    __table_args__ = (sa.UniqueConstraint("run_id", "rec_id"), sa.Index("ix_recs_case", "run_id", "case_id"))
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id")
    case_id: str
    rec_id: str
    track: str
    subject_kind: str
    subject: str
    subject_name: str
    unit: str
    tier: str
    post: str | None
    grade: str
    outcome: str
    standing: str                          # established | opened | out_of_force
    form: str | None
    sanction: str | None
    measures: str                          # space-separated
    clauses: str                           # space-separated clause ids (one row each below)
    rules: str                             # space-separated rule ids
    findings: str
    violations: str                        # (the reason sentence is a view: in the determination)
    chain_seq: int | None = Field(default=None)   # position in the store's chain (verify reads it all; no index)
    prev_hash: str | None = None           # the previous link's row_hash (GENESIS for the first)
    row_hash: str | None = None            # sha256(prev_hash + canonical content)


class RecommendationClauseRow(SQLModel, table=True):
    __tablename__ = "recommendation_clauses"
    __table_args__ = {"sqlite_with_rowid": False}   # the key is the row: half the bytes on SQLite
    run_id: int = Field(foreign_key="runs.id", primary_key=True)
    rec_id: str = Field(primary_key=True)
    clause_id: str = Field(primary_key=True)
    list: str
    edition: str


class ContentRow(SQLModel, table=True):
    """Rulebook content determinations cite, once per store (engine/packing.py)."""
    __tablename__ = "contents"
    digest: str = Field(primary_key=True)  # the first 16 hex digits of the sha256 of `body`
    body: str = Field(sa_type=sa.Text)     # canonical JSON


class RejectRow(SQLModel, table=True):
    __tablename__ = "rejects"
    __table_args__ = (sa.UniqueConstraint("run_id", "source_digest", "line"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id")
    source: str
    source_digest: str
    line: int
    case_id: str | None = None
    stage: str                             # read | evaluate
    reason: str = Field(sa_type=sa.Text)


class ReviewRow(SQLModel, table=True):
    """A reviewer's decision on one recommendation; the machine's row is never changed."""
    __tablename__ = "reviews"
    __table_args__ = (sa.Index("ix_reviews_rec", "run_id", "rec_id"),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="runs.id")
    case_id: str
    rec_id: str
    decision: str                          # accept | modify | reject
    form: str | None = None                # modify: the form the reviewer decided
    sanction: str | None = None
    reason: str = Field(sa_type=sa.Text)
    reviewer: str
    at: str                                # ISO 8601 UTC, as text: hashes the same on every backend
    chain_seq: int | None = Field(default=None, index=True)   # position in the store's chain
    prev_hash: str | None = None           # the previous link's row_hash (GENESIS for the first)
    row_hash: str | None = None            # sha256(prev_hash + canonical content)


class ChainHead(SQLModel, table=True):
    """The last link of the store's chain: one row (id 1), locked by every append."""
    __tablename__ = "chain_head"
    id: int = Field(primary_key=True)
    seq: int
    hash: str


CHAINED = {"determinations": DeterminationRow, "recommendations": RecommendationRow, "reviews": ReviewRow}


# Plain str names: a column's name is a str subclass, which orjson refuses as a key (chain_content).
_CONTENT_COLUMNS = {t: tuple(str(c.name) for c in m.__table__.c if c.name not in CHAIN_COLUMNS)
                    for t, m in CHAINED.items()}


def chain_content(table: str, row: dict) -> str:
    """What a link commits to: the table and every column of the row except its id and links;
    a packed value by its sha256 (anything else stored there hashes as itself, and so differs)."""
    content = {"table": table}
    for c in _CONTENT_COLUMNS[table]:
        v = row.get(c)
        content[c] = "sha256:" + hashlib.sha256(bytes(v)).hexdigest() if isinstance(v, (bytes, memoryview)) else v
    # Every link of a batch serialises its row: orjson does it five times faster, and for text,
    # integers, booleans and null its output is the canonical JSON byte for byte (every code point
    # is written as json writes it: tests/test_store.py checks them all). What it refuses (a lone
    # surrogate, an integer past 64 bits), and any other type, goes the canonical way.
    if all(type(v) in _ORJSON_EXACT for v in content.values()):
        try:
            return orjson.dumps(content, option=orjson.OPT_SORT_KEYS).decode("utf-8")
        except TypeError:
            pass
    return canonical_json(content)


_ORJSON_EXACT = frozenset({str, int, bool, type(None)})


def link_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- plain data handed to callers

@dataclass(frozen=True)
class Run:
    id: int
    key: str
    rulebook: dict[str, str]
    inputs: list[dict]
    started_at: dt.datetime
    read_at: dt.datetime | None
    finished_at: dt.datetime | None
    read: int | None
    evaluated: int | None
    rejected: int | None


@dataclass(frozen=True)
class NewCase:
    case_id: str
    source: str
    source_digest: str
    line: int
    input_digest: str
    body: str


@dataclass(frozen=True)
class NewReject:
    source: str
    source_digest: str
    line: int
    case_id: str | None
    reason: str


@dataclass(frozen=True)
class WorkItem:
    row: int
    case_id: str
    source: str
    source_digest: str
    line: int
    body: str


@dataclass(frozen=True)
class Evaluated:
    digest: str
    body: str                 # canonical JSON of the determination
    rulebook_digest: str
    recommendations: list[dict]
    clauses: list[dict]
    packed: bytes = b""       # body as stored (engine/packing.py); empty: packed when stored
    contents: dict[str, str] = field(default_factory=dict)   # what `packed` refers to


@dataclass(frozen=True)
class Rejected:
    reason: str


@dataclass
class Claim:
    """Work items claimed by this process; on PostgreSQL `conn` holds their row locks."""

    items: list[WorkItem]
    conn: Connection | None = field(default=None, repr=False)


def recommendation_rows(det: dict) -> tuple[list[dict], list[dict]]:
    """A determination's recommendations as `recommendations` and `recommendation_clauses` rows."""
    recs, clauses = [], []
    for r in det["recommendations"]:
        s = r["subject"]
        recs.append({
            "case_id": det["case"], "rec_id": r["id"], "track": r["track"], "subject_kind": s["kind"],
            "subject": s["id"], "subject_name": s.get("name", ""), "unit": s["unit"], "tier": s["tier"],
            "post": s.get("post"), "grade": r["grade"], "outcome": r["outcome"], "standing": r["standing"], "form": r["form"],
            "sanction": r["sanction"], "measures": " ".join(r["measures"]),
            "clauses": " ".join(sorted({c["id"] for c in r["clauses"]})), "rules": " ".join(r["rules"]),
            "findings": " ".join(r["findings"]), "violations": " ".join(r["violations"]),
        })
        seen = set()
        for c in r["clauses"]:   # a clause may be cited in two editions; one row per clause id
            if c["id"] not in seen:
                seen.add(c["id"])
                clauses.append({"rec_id": r["id"], "clause_id": c["id"], "list": c["list"], "edition": c["edition"]})
    return recs, clauses


def _text(value, content=lambda d: None) -> str:
    """A stored packed value as its text; "" when damaged (readers then report it as unreadable)."""
    try:
        return unpack(value, content)
    except PackError:
        return ""


def _json(value, what: str, content):
    try:
        return json.loads(unpack(value, content))
    except (PackError, ValueError) as e:
        raise StoreError(f"the stored {what} is unreadable ({str(e).splitlines()[0]}); run duidan verify") from None


def _work_item(r, content) -> WorkItem:
    return WorkItem(r[0], r[1], r[2], r[3], r[4], _text(r[5], content))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _run(row) -> Run:
    return Run(id=row.id, key=row.key,
               rulebook={"name": row.rulebook_name, "edition": row.rulebook_edition, "digest": row.rulebook_digest},
               inputs=json.loads(row.inputs), started_at=_utc(row.started_at), read_at=_utc(row.read_at),
               finished_at=_utc(row.finished_at), read=row.read, evaluated=row.evaluated, rejected=row.rejected)


def _utc(t: dt.datetime | None) -> dt.datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return t.replace(tzinfo=dt.UTC) if t is not None and t.tzinfo is None else t


def _t(model) -> sa.Table:
    return model.__table__


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _insert_many(conn: Connection, model, rows: list[dict], new_only: bool = False) -> None:
    """Insert rows that all have the same keys. SQLAlchemy's own executemany turns every row into
    parameters through the table's bind processors: for these columns (text, integers, bytes) they
    change nothing, and cost as much as the database's own work on the rows. So: PostgreSQL's COPY
    (a fifth of the client's CPU of an executemany and half its time, measured on recommendation
    rows), or the driver's executemany of one plain statement. new_only: what exists is left alone
    (invariant 1; COPY cannot do that)."""
    cols = list(rows[0])
    quote = conn.dialect.identifier_preparer.quote
    into = f"{quote(_t(model).name)} ({', '.join(quote(c) for c in cols)})"
    values = [tuple(r[c] for c in cols) for r in rows]
    if conn.dialect.name == "postgresql" and not new_only:
        sql = f"COPY {into} FROM STDIN"
        if not conn.in_transaction():
            conn.begin()   # the driver's cursor is used directly: SQLAlchemy must know to commit
        try:
            with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as copy:
                for v in values:
                    copy.write_row(v)
        except conn.dialect.loaded_dbapi.Error as e:
            # as SQLAlchemy raises it for any other statement: callers catch DatabaseError
            raise sa.exc.DBAPIError.instance(sql, None, e, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect) from e
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"INSERT INTO {into} VALUES ({', '.join([mark] * len(cols))})"
                         + (" ON CONFLICT DO NOTHING" if new_only else ""), values)


# ---------------------------------------------------------------- the store

class Store:
    """One database. Open with :meth:`open`; every method is one short transaction."""

    def __init__(self, engine: Engine, shown_url: str):
        self.engine = engine
        self.url = shown_url
        self.backend = engine.dialect.name   # "sqlite" | "postgresql"
        self._stored_contents: set[str] = set()    # content keys this process has committed
        self._case_packer = Packer()
        self._det_packer = Packer()   # for outcomes that come without their packed value
        self._content_cache: dict[str, str | None] = {}

    @classmethod
    def open(cls, url: str = DEFAULT_URL, connections: int = 4, *, create: bool = True,
             bulk: bool = False) -> Store:
        """Connect, create the schema on first use, and check its version. With create=False
        (read-only commands) a SQLite file that does not exist is an error, not a new database.

        bulk=True (a batch worker): PostgreSQL commits without waiting for the WAL flush
        (`synchronous_commit = off`). A server crash can then lose the last few hundred
        milliseconds of commits, never part of one: their cases are pending again and the run
        resumes them; a commit is still atomic and ordered, so the chain stays whole. Reviews and
        everything else written outside a batch keep the default."""
        engine, shown = _engine(url, connections, create=create)
        if bulk and engine.dialect.name == "postgresql":
            @event.listens_for(engine, "connect")
            def _relaxed(dbapi_conn, _record):
                with dbapi_conn.cursor() as cur:
                    cur.execute("SET synchronous_commit TO off")
                dbapi_conn.commit()
        store = cls(engine, shown)
        store.open_url = url   # what a worker process opens (with the password `url` shows hidden)
        try:
            store._prepare()
        except sa.exc.OperationalError as e:
            engine.dispose()
            raise StoreError(f"cannot open database {shown}: {_first_line(e.orig or e)}") from None
        except sa.exc.SQLAlchemyError as e:
            engine.dispose()
            raise StoreError(f"cannot use database {shown}: {_first_line(e)}") from None
        except StoreError:
            engine.dispose()
            raise
        return store

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn.execution_options(duidan_write=True)
            yield conn
            conn.commit()

    def _prepare(self) -> None:
        with self._write() as conn:
            if self.backend == "postgresql":
                # Two processes creating the schema at once would race on the catalog.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
            SQLModel.metadata.create_all(conn)
            t = _t(SchemaInfo)
            found = conn.execute(sa.select(t.c.value).where(t.c.key == "schema_version")).scalar()
            if found is None:
                conn.execute(t.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            elif found != str(SCHEMA_VERSION):
                # Raising rolls back what create_all added: an older store is left as it was.
                hint = (" (written before records were hash-chained; it cannot be verified: re-run the "
                        "batch into a new database)" if found == "1" else
                        " (written before determinations were stored packed: read it with the duidan "
                        "release that wrote it, or re-run the batch into a new database)" if found == "2" else "")
                raise StoreError(f"database {self.url} has store schema version {found}; this duidan "
                                 f"reads version {SCHEMA_VERSION}{hint}")
            conn.execute(self._insert_new(ChainHead).values(id=1, seq=0, hash=GENESIS))

    def schema_version(self) -> int:
        t = _t(SchemaInfo)
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(t.c.value).where(t.c.key == "schema_version")).scalar_one())

    def _insert_new(self, model):
        """INSERT … ON CONFLICT DO NOTHING: re-adding an existing row is a no-op (invariant 1)."""
        if self.backend == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(_t(model)).on_conflict_do_nothing()

    # ------------------------------------------------------------ runs

    def open_run(self, key: str, rulebook: dict[str, str], inputs: list[dict],
                 rulebook_body: str) -> tuple[Run, bool]:
        """The run with this key, created if new; (run, created). The rulebook's content is kept
        once per digest, beside the run."""
        t = _t(RunRow)
        with self._write() as conn:
            conn.execute(self._insert_new(RulebookRow).values(
                digest=rulebook["digest"], name=rulebook["name"], edition=rulebook["edition"], body=rulebook_body))
            created = conn.execute(self._insert_new(RunRow).values(
                key=key, rulebook_name=rulebook["name"], rulebook_edition=rulebook["edition"],
                rulebook_digest=rulebook["digest"], inputs=json.dumps(inputs, ensure_ascii=False),
                started_at=_now()).returning(t.c.id)).first() is not None
            row = conn.execute(sa.select(t).where(t.c.key == key)).one()
        return _run(row), created

    def rulebook(self, digest: str) -> str | None:
        """The canonical JSON of a stored rulebook (see duidan.rulebook.rulebook_from_canonical)."""
        t = _t(RulebookRow)
        with self.engine.connect() as conn:
            return conn.execute(sa.select(t.c.body).where(t.c.digest == digest)).scalar_one_or_none()

    def run(self, run_id: int) -> Run | None:
        t = _t(RunRow)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t).where(t.c.id == run_id)).one_or_none()
        return _run(row) if row is not None else None

    def runs(self) -> list[Run]:
        t = _t(RunRow)
        with self.engine.connect() as conn:
            return [_run(r) for r in conn.execute(sa.select(t).order_by(t.c.id))]

    def add_records(self, run_id: int, cases: list[NewCase], rejects: list[NewReject], chunk: int = 500) -> None:
        """The read phase's rows, a chunk per transaction; what already exists is left alone."""
        for part in _chunks(cases, chunk):
            rows, contents = [], {}
            for c in part:
                body, used = self._case_packer.pack(c.body)
                contents.update(used)
                rows.append({"run_id": run_id, "case_id": c.case_id, "source": c.source, "source_digest": c.source_digest,
                             "line": c.line, "input_digest": c.input_digest, "body": body, "status": "pending"})
            with self._write() as conn:
                new = self._add_contents(conn, contents)
                _insert_many(conn, CaseRow, rows, new_only=True)
            self._stored_contents |= new   # only what committed is known to be stored
        for part in _chunks(rejects, chunk):
            with self._write() as conn:
                conn.execute(self._insert_new(RejectRow), [
                    {"run_id": run_id, "source": r.source, "source_digest": r.source_digest, "line": r.line,
                     "case_id": r.case_id, "stage": "read", "reason": r.reason} for r in part])

    def settle_duplicates(self, run_id: int) -> int:
        """A case id names one case in a run (what intake.deduplicate decides, here over the
        stored rows, in the canonical order of the records: source digest, line). Identical copies:
        the first stays, the others are withdrawn as copies; different cases under one id: all are
        withdrawn, since nothing says which is right. A withdrawn row gets a reject saying why.
        One transaction, idempotent; returns how many rows are withdrawn."""
        c = _t(CaseRow)
        with self._write() as conn:
            ids = conn.execute(sa.select(c.c.case_id).where(c.c.run_id == run_id).group_by(c.c.case_id)
                               .having(sa.func.count() > 1)).scalars().all()
            withdrawn, rejects = [], []
            for case_id in sorted(ids):
                rows = conn.execute(sa.select(c.c.id, c.c.source, c.c.source_digest, c.c.line, c.c.input_digest)
                                    .where(c.c.run_id == run_id, c.c.case_id == case_id)
                                    .order_by(c.c.source_digest, c.c.line)).all()
                label = [f"{r.source}:{r.line}" if r.line else r.source for r in rows]
                if len({r.input_digest for r in rows}) == 1:
                    out = [(r, f"{label[i]}: case {case_id!r} is a copy of {label[0]}; read once")
                           for i, r in enumerate(rows) if i]
                else:
                    where = ", ".join(label)
                    out = [(r, f"{label[i]}: case id {case_id!r} is used by different cases ({where}); "
                               "a case id must be unique") for i, r in enumerate(rows)]
                for r, reason in out:
                    withdrawn.append(r.id)
                    rejects.append({"run_id": run_id, "source": r.source, "source_digest": r.source_digest,
                                    "line": r.line, "case_id": case_id, "stage": "read", "reason": reason})
            for part in _chunks(withdrawn, 500):
                conn.execute(c.update().where(c.c.id.in_(part), c.c.status == "pending").values(status="withdrawn"))
            if rejects:
                conn.execute(self._insert_new(RejectRow), rejects)
        return len(withdrawn)

    def mark_read(self, run_id: int, read: int) -> None:
        t = _t(RunRow)
        with self._write() as conn:
            conn.execute(t.update().where(t.c.id == run_id, t.c.read.is_(None)).values(read=read, read_at=_now()))

    def counts(self, run_id: int) -> dict[str, int]:
        """{'pending', 'evaluated', 'rejected'} as stored now."""
        c, d, r = _t(CaseRow), _t(DeterminationRow), _t(RejectRow)
        with self.engine.connect() as conn:
            pending = conn.execute(sa.select(sa.func.count()).where(c.c.run_id == run_id, c.c.status == "pending"))
            evaluated = conn.execute(sa.select(sa.func.count()).where(d.c.run_id == run_id))
            rejected = conn.execute(sa.select(sa.func.count()).where(r.c.run_id == run_id))
            return {"pending": pending.scalar_one(), "evaluated": evaluated.scalar_one(),
                    "rejected": rejected.scalar_one()}

    def finish(self, run_id: int) -> Run:
        """Record the final counts once nothing is pending; check evaluated + rejected = read."""
        n = self.counts(run_id)
        run = self.run(run_id)
        if n["pending"] or run.read is None:
            raise StoreError(f"run {run_id} is not complete ({n['pending']} cases pending)")
        if n["evaluated"] + n["rejected"] != run.read:
            raise StoreError(f"run {run_id}: {n['evaluated']} evaluated + {n['rejected']} rejected "
                             f"!= {run.read} read; the store is inconsistent")
        t = _t(RunRow)
        with self._write() as conn:
            conn.execute(t.update().where(t.c.id == run_id, t.c.finished_at.is_(None))
                         .values(finished_at=_now(), evaluated=n["evaluated"], rejected=n["rejected"]))
        return self.run(run_id)

    # ------------------------------------------------------------ work

    def pending_rows(self, run_id: int) -> list[int]:
        """Row ids of the run's pending cases, in order (what the parent shares out to workers)."""
        c = _t(CaseRow)
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(c.c.id).where(c.c.run_id == run_id, c.c.status == "pending")
                                     .order_by(c.c.id)).scalars())

    def claim_rows(self, run_id: int, rows: list[int]) -> Claim:
        """Those of `rows` that are still pending (and, on PostgreSQL, not held by another process),
        in id order: a worker's assigned share."""
        c = _t(CaseRow)
        q = (sa.select(c.c.id, c.c.case_id, c.c.source, c.c.source_digest, c.c.line, c.c.body)
             .where(c.c.run_id == run_id, c.c.status == "pending", c.c.id.in_(rows)).order_by(c.c.id))
        return self._claim(q)

    def _claim(self, q) -> Claim:
        if self.backend == "postgresql":
            conn = self.engine.connect()
            try:
                rows = conn.execute(q.with_for_update(skip_locked=True)).all()
                content = self._lookup(conn)
                return Claim([_work_item(r, content) for r in rows], conn)
            except BaseException:
                conn.close()
                raise
        with self.engine.connect() as conn:
            content = self._lookup(conn)
            return Claim([_work_item(r, content) for r in conn.execute(q)])

    def release(self, claim: Claim) -> None:
        """Give the claimed cases back untouched (rolls back the claim's transaction)."""
        if claim.conn is not None:
            claim.conn.close()
            claim.conn = None

    def complete(self, claim: Claim, run_id: int, outcomes: list[Evaluated | Rejected], done_by: str) -> int:
        """Store the outcomes of a claim in one transaction; returns how many cases this call stored."""
        conn = claim.conn
        if conn is None:
            conn = self.engine.connect()
            conn.execution_options(duidan_write=True)
        try:
            stored, new = self._store_outcomes(conn, claim.items, run_id, outcomes, done_by)
            conn.commit()
            # Only what committed is known to be stored: a rolled-back chunk's contents are
            # inserted again by whoever stores those cases.
            self._stored_contents |= new
        finally:
            conn.close()
            claim.conn = None
        return stored

    def _store_outcomes(self, conn: Connection, items: list[WorkItem], run_id: int,
                        outcomes: list[Evaluated | Rejected], done_by: str) -> tuple[int, set[str]]:
        c = _t(CaseRow)
        now = _now()
        by_row = {it.row: (it, out) for it, out in zip(items, outcomes, strict=True)}
        won: set[int] = set()
        links: list[tuple[str, dict]] = []
        for status, kind in (("done", Evaluated), ("rejected", Rejected)):
            ids = [it.row for it, out in by_row.values() if isinstance(out, kind)]
            if ids:
                # Invariant 2: only a case still pending is stored, so a second writer adds nothing.
                res = conn.execute(c.update().where(c.c.id.in_(ids), c.c.status == "pending")
                                   .values(status=status, done_at=now, done_by=done_by).returning(c.c.id))
                won.update(res.scalars())
        dets, recs, clauses, rejects, contents = [], [], [], [], {}
        for row in sorted(won):
            it, out = by_row[row]
            if isinstance(out, Rejected):
                rejects.append({"run_id": run_id, "source": it.source, "source_digest": it.source_digest,
                                "line": it.line, "case_id": it.case_id, "stage": "evaluate", "reason": out.reason})
                continue
            packed, used = ((out.packed, out.contents) if out.packed else
                            self._det_packer.pack(out.body, shared_objects(json.loads(out.body))))
            det = {"run_id": run_id, "case_row": row, "case_id": it.case_id, "digest": out.digest, "body": packed}
            dets.append(det)
            contents.update(used)
            links.append(("determinations", det))   # each determination, then its recommendations
            for r in out.recommendations:
                rec = dict(r, run_id=run_id)
                recs.append(rec)
                links.append(("recommendations", rec))
            clauses += [dict(r, run_id=run_id) for r in out.clauses]
        self._link(conn, links)
        new = self._add_contents(conn, contents)
        for model, rows in ((DeterminationRow, dets), (RecommendationRow, recs),
                            (RecommendationClauseRow, clauses), (RejectRow, rejects)):
            if rows:
                _insert_many(conn, model, rows)
        return len(won), new

    def _add_contents(self, conn: Connection, contents: dict[str, str]) -> set[str]:
        """Insert the content rows this process has not stored yet, in the caller's transaction;
        their keys, for the caller to remember once it commits."""
        new = {k for k in contents if k not in self._stored_contents}
        if new:
            conn.execute(self._insert_new(ContentRow), [{"digest": k, "body": contents[k]} for k in sorted(new)])
        return new

    # ------------------------------------------------------------ the chain and reviews

    def _link(self, conn: Connection, rows: list[tuple[str, dict]]) -> None:
        """Give each row (in order) its chain link, in the caller's transaction. The head row is
        locked first, so concurrent writers append one after another and never fork the chain."""
        if not rows:
            return
        h = _t(ChainHead)
        q = sa.select(h.c.seq, h.c.hash).where(h.c.id == 1)
        if self.backend == "postgresql":
            q = q.with_for_update()
        seq, prev = conn.execute(q).one()
        for table, row in rows:
            seq += 1
            row_hash = link_hash(prev, chain_content(table, row))
            row.update(chain_seq=seq, prev_hash=prev, row_hash=row_hash)
            prev = row_hash
        conn.execute(h.update().where(h.c.id == 1).values(seq=seq, hash=prev))

    def add_review(self, run_id: int, case_id: str, rec_id: str, decision: str, form: str | None,
                   sanction: str | None, reason: str, reviewer: str) -> dict:
        """Store a reviewer's decision beside the recommendation, as the next link of the chain."""
        row = {"run_id": run_id, "case_id": case_id, "rec_id": rec_id, "decision": decision, "form": form,
               "sanction": sanction, "reason": reason, "reviewer": reviewer,
               "at": _now().isoformat(timespec="seconds")}
        with self._write() as conn:
            self._link(conn, [("reviews", row)])
            conn.execute(_t(ReviewRow).insert(), [row])
        return row

    def reviews(self, run_id: int | None = None, rec_id: str | None = None) -> list[dict]:
        """Reviews in the order they were made (chain order)."""
        t = _t(ReviewRow)
        q = sa.select(*[c for c in t.c if c.name not in CHAIN_COLUMNS])
        if run_id is not None:
            q = q.where(t.c.run_id == run_id)
        if rec_id is not None:
            q = q.where(t.c.rec_id == rec_id)
        return self._all(q.order_by(t.c.chain_seq, t.c.id))

    def chain(self) -> tuple[dict, list[dict]]:
        """The head ({'seq', 'hash'}) and every chained row as stored: {'table', 'id', 'chain_seq',
        'prev_hash', 'row_hash', 'content', 'key', 'digest', 'body'}, in chain order (what `verify`
        walks). A determination's `body` is its text rebuilt from the packed value and the stored
        contents, None when that fails (a damaged value or a missing content row)."""
        out = []
        with self.engine.connect() as conn:
            head = conn.execute(sa.select(_t(ChainHead).c.seq, _t(ChainHead).c.hash)).mappings().first()
            content = self._contents(conn)
            for table, model in CHAINED.items():
                for r in conn.execute(sa.select(_t(model))).mappings():
                    row = dict(r)
                    key = {k: row[k] for k in ("run_id", "case_id", "rec_id") if k in row}
                    body = None
                    if table == "determinations":
                        try:
                            body = unpack(row["body"], content.get)
                        except PackError:
                            body = None
                    out.append({"table": table, "id": row["id"], "chain_seq": row["chain_seq"],
                                "prev_hash": row["prev_hash"], "row_hash": row["row_hash"],
                                "content": chain_content(table, row), "key": key,
                                "digest": row.get("digest"), "body": body})
        out.sort(key=lambda r: (r["chain_seq"] is None, r["chain_seq"] or 0, r["table"], r["id"]))
        return (dict(head) if head else {"seq": 0, "hash": GENESIS}), out

    def contents(self) -> list[dict]:
        """Every stored content row ({'digest', 'body'}), by digest (verify checks each hashes to its key)."""
        t = _t(ContentRow)
        return self._all(sa.select(t.c.digest, t.c.body).order_by(t.c.digest))

    def _lookup(self, conn: Connection):
        """content(key) -> text or None, fetched as first asked for and kept: a key names its
        content (verify checks the rows themselves, with a fresh read)."""
        t = _t(ContentRow)
        cache = self._content_cache

        def content(key: str) -> str | None:
            if key not in cache:
                cache[key] = conn.execute(sa.select(t.c.body).where(t.c.digest == key)).scalar()
            return cache[key]
        return content

    def _contents(self, conn: Connection) -> dict[str, str]:
        # The table holds the clauses a store's determinations cite: hundreds of rows, not millions.
        t = _t(ContentRow)
        return dict(conn.execute(sa.select(t.c.digest, t.c.body)).all())

    def rulebooks(self) -> list[dict]:
        t = _t(RulebookRow)
        return self._all(sa.select(t.c.digest, t.c.name, t.c.edition, t.c.body).order_by(t.c.digest))

    def find_recommendation(self, rec_id: str, run_id: int | None = None) -> dict | None:
        """A stored recommendation row by id: in `run_id`, or in the latest run that has it."""
        t = _t(RecommendationRow)
        q = sa.select(*[c for c in t.c if c.name not in CHAIN_COLUMNS]).where(t.c.rec_id == rec_id)
        if run_id is not None:
            q = q.where(t.c.run_id == run_id)
        rows = self._all(q.order_by(t.c.run_id.desc()).limit(1))
        return rows[0] if rows else None

    def find_case(self, case_id: str, run_id: int | None = None) -> int | None:
        """The run of a stored determination of `case_id`: `run_id`, or the latest that has one."""
        t = _t(DeterminationRow)
        q = sa.select(t.c.run_id).where(t.c.case_id == case_id)
        if run_id is not None:
            q = q.where(t.c.run_id == run_id)
        rows = self._all(q.order_by(t.c.run_id.desc()).limit(1))
        return rows[0]["run_id"] if rows else None

    def determinations(self, run_id: int) -> list[dict]:
        """{'case_id', 'digest', 'body'} of every determination of a run, by case id; `body` is the
        canonical JSON as it was stored ("" when the stored value is damaged)."""
        t = _t(DeterminationRow)
        q = sa.select(t.c.case_id, t.c.digest, t.c.body).where(t.c.run_id == run_id).order_by(t.c.case_id)
        with self.engine.connect() as conn:
            content = self._lookup(conn)
            return [{"case_id": cid, "digest": digest, "body": _text(body, content)}
                    for cid, digest, body in conn.execute(q)]

    def case_records(self, run_id: int) -> dict[str, str]:
        """case id -> the case record as read (canonical JSON), for every case of a run."""
        c = _t(CaseRow)
        with self.engine.connect() as conn:
            content = self._lookup(conn)
            return {cid: _text(body, content) for cid, body in conn.execute(
                sa.select(c.c.case_id, c.c.body).where(c.c.run_id == run_id, c.c.status != "withdrawn"))}

    # ------------------------------------------------------------ reading results

    def _all(self, query) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def recommendations(self, run_id: int) -> list[dict]:
        t = _t(RecommendationRow)
        cols = [x for x in t.c if x.name not in ("run_id", *CHAIN_COLUMNS)]
        return self._all(sa.select(*cols).where(t.c.run_id == run_id).order_by(t.c.case_id, t.c.rec_id))

    def tally(self, run_id: int) -> dict[str, list[tuple]]:
        """A run's recommendations counted in the database, never loaded (engine/summary.py):
        {'outcome' | 'track' | 'tier': [(value, n)], 'form': [(form, sanction, n)] and 'unit':
        [(unit, tier, n)] of accountable ones, 'clause': [(clause, list, n)] and 'unit_clause':
        [(unit, clause, n)] of their clause citations}."""
        r, k = _t(RecommendationRow), _t(RecommendationClauseRow)
        n = sa.func.count()
        mine = r.c.run_id == run_id
        held = sa.and_(mine, r.c.outcome == "accountable")
        cited = (sa.select().select_from(r).join(k, sa.and_(k.c.run_id == r.c.run_id, k.c.rec_id == r.c.rec_id))
                 .where(held))
        queries = {
            "outcome": sa.select(r.c.outcome, n).where(mine).group_by(r.c.outcome),
            "track": sa.select(r.c.track, n).where(mine).group_by(r.c.track),
            "tier": sa.select(r.c.tier, n).where(mine).group_by(r.c.tier),
            "form": sa.select(r.c.form, r.c.sanction, n).where(held).group_by(r.c.form, r.c.sanction),
            # a unit's tier: every subject of a unit has the unit's tier; max() picks it in SQL
            "unit": sa.select(r.c.unit, sa.func.max(r.c.tier), n).where(held).group_by(r.c.unit),
            "clause": cited.add_columns(k.c.clause_id, k.c.list, n).group_by(k.c.clause_id, k.c.list),
            "unit_clause": cited.add_columns(r.c.unit, k.c.clause_id, n).group_by(r.c.unit, k.c.clause_id),
        }
        with self.engine.connect() as conn:
            return {name: [tuple(row) for row in conn.execute(q)] for name, q in queries.items()}

    def rules_of(self, run_id: int, rec_ids: list[str]) -> dict[str, str]:
        """rec id -> its rules (space-separated), for the given recommendations (the reviewed ones)."""
        t = _t(RecommendationRow)
        out: dict[str, str] = {}
        with self.engine.connect() as conn:
            for part in _chunks(sorted(set(rec_ids)), 500):
                out.update(conn.execute(sa.select(t.c.rec_id, t.c.rules)
                                        .where(t.c.run_id == run_id, t.c.rec_id.in_(part))).all())
        return out

    def breaches(self, run_id: int) -> list[dict]:
        """(unit, tier, clause, list) per accountable recommendation citing a clause."""
        r, k = _t(RecommendationRow), _t(RecommendationClauseRow)
        q = (sa.select(r.c.unit, r.c.tier, k.c.clause_id, k.c.list, r.c.rec_id)
             .join(k, sa.and_(k.c.run_id == r.c.run_id, k.c.rec_id == r.c.rec_id))
             .where(r.c.run_id == run_id, r.c.outcome == "accountable")
             .order_by(r.c.rec_id, k.c.clause_id))
        return self._all(q)

    def cases(self, run_id: int) -> list[dict]:
        """Every case read in a run: its input digest, status, and determination digest if any."""
        c, d = _t(CaseRow), _t(DeterminationRow)
        q = (sa.select(c.c.case_id, c.c.source, c.c.line, c.c.input_digest, c.c.status, c.c.done_by,
                       d.c.digest)
             .join(d, d.c.case_row == c.c.id, isouter=True)
             .where(c.c.run_id == run_id, c.c.status != "withdrawn").order_by(c.c.case_id))
        return self._all(q)

    def case_record(self, run_id: int, case_id: str) -> dict | None:
        """The case as it was read (a CSV row group becomes a case file's content)."""
        c = _t(CaseRow)
        with self.engine.connect() as conn:
            body = conn.execute(sa.select(c.c.body).where(c.c.run_id == run_id, c.c.case_id == case_id,
                                                          c.c.status != "withdrawn")).scalar()
            return _json(body, f"case {case_id} of run {run_id}", self._lookup(conn)) if body is not None else None

    def determination(self, run_id: int, case_id: str) -> dict | None:
        d = _t(DeterminationRow)
        with self.engine.connect() as conn:
            body = conn.execute(sa.select(d.c.body).where(d.c.run_id == run_id, d.c.case_id == case_id)).scalar()
            if body is None:
                return None
            return _json(body, f"determination of {case_id} in run {run_id}", self._lookup(conn))

    def rejects(self, run_id: int) -> list[dict]:
        t = _t(RejectRow)
        q = (sa.select(t.c.source, t.c.source_digest, t.c.line, t.c.case_id, t.c.stage, t.c.reason)
             .where(t.c.run_id == run_id).order_by(t.c.source_digest, t.c.line))
        return self._all(q)


# ---------------------------------------------------------------- connecting

def _engine(url: str, connections: int, create: bool = True) -> tuple[Engine, str]:
    try:
        u = make_url(url)
        shown = u.render_as_string(hide_password=True)
        _ = u.port   # a port that is not a number fails here, not deep inside the driver
    except (sa.exc.ArgumentError, ValueError):
        raise StoreError(f"not a database URL: {url!r} (expected sqlite:///FILE or "
                         "postgresql+psycopg://USER@HOST:PORT/DB)") from None
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        _sqlite_file(Path(u.database), shown, create)
    backend = u.get_backend_name()
    if backend == "postgresql" and u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")   # the driver we ship with; psycopg2 may be absent
    if backend not in ("sqlite", "postgresql") or (backend == "postgresql" and u.get_driver_name() != "psycopg"):
        raise StoreError(f"unsupported database {shown}: use sqlite:///FILE or postgresql+psycopg://…")
    try:
        if backend == "sqlite":
            engine = sa.create_engine(u, connect_args={"timeout": 60})
            _sqlite_transactions(engine)
        else:
            engine = sa.create_engine(u, pool_size=connections, max_overflow=4,
                                      connect_args={"connect_timeout": 10, "application_name": "duidan"})
    except ImportError as e:
        raise StoreError(f"cannot open database {shown}: missing driver ({e.name}); "
                         "install duidan[postgres]") from None
    except sa.exc.ArgumentError as e:
        raise StoreError(f"not a usable database URL {shown}: {_first_line(e)}") from None
    return engine, shown


def _sqlite_file(path: Path, shown: str, create: bool) -> None:
    """Read-only commands never create a database (a mistyped --db would silently show nothing);
    a new store file is readable by its owner only: it holds the names of real people."""
    if path.exists():
        return
    if not create:
        raise StoreError(f"no database at {shown} (nothing has been stored there; check --db)")
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    except OSError as e:
        raise StoreError(f"cannot open database {shown}: {e.strerror}") from None


def _sqlite_transactions(engine: Engine) -> None:
    """Real transactions on SQLite: pysqlite's implicit BEGIN is off, and writers take the lock up
    front (BEGIN IMMEDIATE) so that they wait their turn instead of failing mid-transaction."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")     # readers do not block the writer, nor it them
        cur.execute("PRAGMA synchronous=NORMAL")   # with WAL: safe against a killed process
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("duidan_write") else "BEGIN")


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__

