"""Putting generated rows into the database quickly, on the real schema (every constraint on).

PostgreSQL: `COPY ... FROM STDIN` in a background thread on the same connection and transaction,
so Python draws the next batch while the server stores the last one (two cores, both busy).
Other databases (SQLite for `make run`): `bulk_create` in batches — slower, fine for small runs.

Ids are given by the generator (a learner's rows refer to each other before any is stored): the
tables are locked for the transaction, ids continue from the highest one (or the sequence, if it
is ahead), and the sequences are moved past them afterwards.
"""

import io
import queue
import random
import threading

from django.core.management.color import no_style
from django.db import IntegrityError, connection
from django.db.models import F

from credentials.models import Credential, StatusList
from credentials.services import issuance

PG_NULL = "\\N"


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def check_columns(model, columns: tuple[str, ...]) -> None:
    """Fail loudly (not with a NOT NULL error deep in a COPY) when a model gains a field."""
    fields = {f.attname for f in model._meta.concrete_fields}
    if fields != set(columns):
        raise RuntimeError(
            f"bulk_seed is out of date with {model.__name__}: "
            f"missing {sorted(fields - set(columns))}, unknown {sorted(set(columns) - fields)}."
        )


def lock_tables(models) -> None:
    """No one else inserts into these tables until the transaction ends (PostgreSQL)."""
    if is_postgresql():
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


def first_free_id(model) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
            (sequence,) = cursor.fetchone()
            cursor.execute(
                f"SELECT GREATEST(COALESCE(MAX(id), 0), (SELECT last_value FROM {sequence})) "  # noqa: S608 — names from the model
                f"FROM {table}"
            )
        else:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        return cursor.fetchone()[0] + 1


def sequences_reset(models) -> None:
    """Move the id sequences past the ids given here (as loaddata does)."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _pg_line(row) -> str:
    # Every text value comes from demo/bulk_seed/data.py or is generated: none holds a tab,
    # newline or backslash (data.py is checked), so COPY's text format needs no escaping.
    return "\t".join(
        [PG_NULL if v is None else "t" if v is True else "f" if v is False else str(v) for v in row]
    )


class CopyWriter:
    """COPY batches in a background thread; `drain()` waits until all have been stored."""

    def __init__(self):
        connection.ensure_connection()
        self._raw = connection.connection
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="bulk-seed-copy", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        cursor = self._raw.cursor()
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None:
                    sql, payload = item
                    cursor.copy_expert(sql, io.BytesIO(payload), size=1 << 20)
            except BaseException as error:  # handed to the main thread, which raises it
                self._error = error
            finally:
                self._queue.task_done()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def write(self, model, columns, rows) -> None:
        self._raise()
        if not rows:
            return
        table = connection.ops.quote_name(model._meta.db_table)
        sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        payload = ("\n".join([_pg_line(row) for row in rows]) + "\n").encode()
        self._queue.put((sql, payload))

    def drain(self) -> None:
        """Before the main thread uses the connection itself (libpq runs one command at a time)."""
        self._queue.join()
        self._raise()

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()
        self._raise()


class OrmWriter:
    def write(self, model, columns, rows) -> None:
        model.objects.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=500
        )

    def drain(self) -> None:
        pass

    def close(self) -> None:
        pass


def writer():
    return CopyWriter() if is_postgresql() else OrmWriter()


class StatusBits:
    """Status-list bits for credentials inserted in bulk: random free bits of the signing key's
    lists, each list filled to the same limit issuance uses, new lists made (and signed) the way
    issuance makes them."""

    def __init__(self, *, seed: int):
        self.rng = random.Random(seed)  # noqa: S311 — herd privacy needs spread, not secrecy
        self.key_record, self.key = issuance.signing_key_current()
        # Called before each query of its own (the COPY thread must be idle then).
        self.before_query = lambda: None
        self.current: StatusList | None = None
        self.taken: set[int] = set()
        self.room = 0
        self.added = 0
        self.revoked_on: set[int] = set()

    def _save(self) -> None:
        if self.current is not None and self.added:
            StatusList.objects.filter(pk=self.current.pk).update(used=F("used") + self.added)
        self.added = 0

    def _next_list(self) -> None:
        self.before_query()
        self._save()
        # The list issuance would use next (locked until the transaction ends), or a new one.
        self.current = issuance._status_list_open(self.key)
        self.taken = set(
            Credential.objects.filter(status_list=self.current).values_list(
                "status_index", flat=True
            )
        )
        self.room = issuance.STATUS_LIST_FILL - self.current.used

    def take(self, *, revoked: bool) -> tuple[int, int]:
        """(status list id, index) of a free bit."""
        if self.room <= 0:
            self._next_list()
        length = self.current.length
        while True:
            index = self.rng.randrange(length)
            if index not in self.taken:
                break
        self.taken.add(index)
        self.room -= 1
        self.added += 1
        if revoked:
            self.revoked_on.add(self.current.pk)
        return self.current.pk, index

    def close(self) -> None:
        self._save()


def _deferred_checks_run(cursor) -> None:
    """Run now the foreign-key checks PostgreSQL defers to the commit (they still raise)."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class BulkLoad:
    """PostgreSQL's bulk-load habits, inside the transaction (a failure undoes them too):

    - foreign keys: instead of one trigger call per row (most of the time of a large load),
      `session_replication_role = replica` for the load, then one set-based query per foreign
      key proves every new row's reference exists — and fails the load if one does not. Needs a
      superuser; otherwise the usual per-row triggers check, at the end of the load.
    - indexes (large loads only): the tables' plain (non-unique) indexes are dropped and built
      again afterwards from their own definitions: a sorted build is much quicker than millions
      of insertions at random places. Primary keys and unique indexes stay (new ids and learners
      come in ascending order, so they grow at one end) and check every row.
    Unique and check constraints are enforced by the database throughout.
    """

    def __init__(self, models, *, rebuild_indexes: bool):
        self.models = models
        self.rebuild_indexes = rebuild_indexes
        self.first_ids: dict = {}
        self.indexes: list[tuple[str, str]] = []
        self.replica = False

    def start(self, first_ids: dict) -> None:
        self.first_ids = first_ids
        with connection.cursor() as cursor:
            _deferred_checks_run(cursor)  # PostgreSQL alters no table with checks pending
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            self.replica = bool(cursor.fetchone()[0])
            if self.replica:
                cursor.execute("SET LOCAL session_replication_role = replica")
            if self.rebuild_indexes:
                for model in self.models:
                    cursor.execute(
                        """
                        SELECT i.relname, pg_get_indexdef(i.oid)
                          FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                         WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
                           AND NOT x.indisunique
                           AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                                            WHERE c.conindid = x.indexrelid)
                         ORDER BY i.relname
                        """,
                        [model._meta.db_table],
                    )
                    self.indexes += cursor.fetchall()
                for name, _definition in self.indexes:
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")

    def indexes_build(self) -> int:
        with connection.cursor() as cursor:
            _deferred_checks_run(cursor)
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, definition in self.indexes:
                cursor.execute(definition)
        return len(self.indexes)

    def foreign_keys_check(self) -> None:
        with connection.cursor() as cursor:
            if not self.replica:
                _deferred_checks_run(cursor)
                return
            cursor.execute("SET LOCAL session_replication_role = origin")
            for model in self.models:
                table = connection.ops.quote_name(model._meta.db_table)
                for field in model._meta.concrete_fields:
                    if not field.is_relation:
                        continue
                    target = field.related_model._meta
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {table} c WHERE c.id >= %s "  # noqa: S608 — names from the models
                        f"AND c.{field.column} IS NOT NULL AND NOT EXISTS ("
                        f"SELECT 1 FROM {connection.ops.quote_name(target.db_table)} p "
                        f"WHERE p.{target.get_field(field.target_field.name).column} "
                        f"= c.{field.column})",
                        [self.first_ids[model]],
                    )
                    (missing,) = cursor.fetchone()
                    if missing:
                        raise IntegrityError(
                            f"{missing} new {model._meta.db_table} rows refer to a missing "
                            f"{target.db_table} row ({field.column})."
                        )
