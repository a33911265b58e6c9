"""Queries compiled to SQL once per process, then only sent: for the few reads on the hot
path of public pages (newsroom/pagecache.py's validators, the article page's article and
its threads).

Building and compiling a queryset costs about 0.8 ms on this machine, 25 times the query
itself (~0.03 ms), and a 304 or a cached page costs little else. A PreparedQuery builds its
queryset once with sentinel values in place of the parameters, keeps the SQL, the positions
of the sentinels among the parameters and the ORM's converters (so dates come back as aware
datetimes on SQLite too), and on each call swaps the real values in and runs the SQL.

Nothing is prepared in the database (no SQL PREPARE, no protocol-level prepared statement):
the SQL is kept in Python and sent as an ordinary query, so a transaction-mode pooler
(pgbouncer), which hands each transaction to any server connection, is no obstacle. Each
query goes where the ORM would send its queryset's reads (the database router: a replica for
a reading request, newsroom/replicas.py), so a page's validator and its content come from the
same database.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import InterfaceError, OperationalError, connections, router
from django.db.models.query import get_related_populators
from django.db.models.sql import UpdateQuery

SENTINELS = {
    str: "prepared-query-sentinel",
    # Positive and within a 32-bit integer: Django answers a lookup out of a field's range
    # (a negative id of a PositiveIntegerField) with no SQL at all.
    int: 2_076_543_210,
    datetime: datetime(1901, 2, 3, 4, 5, 6, 789, tzinfo=UTC),
}


def adapted(value, connection):
    """A value as the ORM passes it to the database driver."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


# Compiled shapes (a sort, an offset, a list's length) kept per query; then begin again. The
# threads' query has up to 150 in use (comments/thread.py: as many lengths as a page has
# threads, for readers with and without the newsroom's marks, and for moderators).
SHAPES_KEPT = 256
INTS = "ints"  # the kind of a list of ints (for `__in`): its length is part of the shape


def sentinel(kind, length, number=0):
    """The sentinel for the `number`th value of this kind in a query (each its own, or two
    values of a kind would take each other's places): one, or a list of distinct ones for
    INTS."""
    if kind == INTS:
        return [SENTINELS[int] - 1_000_000 * (number + 1) - item for item in range(length)]
    if kind is datetime:
        return SENTINELS[datetime] + timedelta(seconds=number)
    return SENTINELS[kind] + (number if kind is int else f"-{number}" if number else "")


@dataclass
class Compiled:
    sql: str
    params: list
    places: dict  # {value's name: [[positions among params], one list per item of the value]}
    names: list  # of the values() columns
    compiler: object
    converters: dict
    # For a query of model instances (no values()): the fields' attribute names, and what
    # fills in the select_related() instances, worked out at its first use, then kept.
    attnames: list | None = None
    related: list | None = None


class PreparedQuery:
    def __init__(self, build, *, shape=(), **kinds):
        """build(**values) returns the queryset; kinds names each value's type (str, int,
        datetime, or INTS for a list of ints). Values named in `shape` change the SQL itself
        (an order, an OFFSET): the query is compiled once for each shape met (and each length
        of an INTS list), and they are passed to build as they are."""
        self.build, self.kinds, self.shape = build, kinds, shape
        self._compiled = {}
        self.model = None  # the model it reads, known once it has been built

    def sentinels(self, lengths):
        kinds = list(self.kinds.values())
        return {name: sentinel(kind, lengths.get(name), kinds[:position].count(kind))
                for position, (name, kind) in enumerate(self.kinds.items())}

    def connection(self, shape, lengths):
        """Where the ORM would send this queryset's reads."""
        if self.model is None:
            self.model = self.build(**self.sentinels(lengths), **shape).model
        return connections[router.db_for_read(self.model)]

    def query(self, values, shape):
        return self.build(**values, **shape).query

    def compile(self, shape, lengths, connection):
        values = self.sentinels(lengths)
        query = self.query(values, shape)
        compiler = query.get_compiler(using=connection.alias)
        sql, params = compiler.as_sql()
        places = {}
        for name, value in values.items():
            items = value if self.kinds[name] == INTS else [value]
            places[name] = [[i for i, param in enumerate(params) if param == adapted(item, connection)]
                            for item in items]
            if not all(places[name]):
                raise ValueError(f"{name} is not a parameter of the prepared query")
        if isinstance(query, UpdateQuery):
            return Compiled(sql, list(params), places, [], compiler, {})
        # Django 5.2 selects values() in the order they were named (Query.selected).
        names = list(query.selected or [*query.extra_select, *query.values_select, *query.annotation_select])
        converters = compiler.get_converters([column[0] for column in compiler.select[:compiler.col_count]])
        return Compiled(sql, list(params), places, names, compiler, converters)

    def compiled(self, values):
        shape = {name: values.pop(name) for name in self.shape}
        lengths = {name: len(values[name]) for name, kind in self.kinds.items() if kind == INTS}
        connection = self.connection(shape, lengths)
        key = (connection.alias, *shape.values(), *lengths.values())
        found = self._compiled.get(key)
        if found is None:
            if len(self._compiled) >= SHAPES_KEPT:
                self._compiled.clear()
            found = self._compiled[key] = self.compile(shape, lengths, connection)
        params = list(found.params)
        for name, value in values.items():
            for item, places in zip(value if name in lengths else [value], found.places[name]):
                item = adapted(item, connection)
                for place in places:
                    params[place] = item
        return found, params, connection

    def first(self, **values):
        """The first row as a dict, or None."""
        compiled, params, connection = self.compiled(values)
        row = checked_by_use(connection, compiled.sql, params)
        if row is None:
            return None
        if compiled.converters:
            row = next(compiled.compiler.apply_converters([row], compiled.converters))
        return dict(zip(compiled.names, row))

    def rows(self, converted=True, **values):
        """Every row, as tuples of the values() columns; not `converted`, as the database
        driver gives them (the ORM's converters cost more than anything else done with a
        row: see comments/thread.py)."""
        compiled, params, connection = self.compiled(values)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if converted and compiled.converters:
            rows = list(compiled.compiler.apply_converters(rows, compiled.converters))
        return rows

    def objects(self, **values):
        """Every row as a model instance, as iterating the queryset would give them (with
        what select_related() reads and annotations), for a queryset without values()."""
        compiled, params, connection = self.compiled(values)
        compiler = compiled.compiler
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        model, fields = compiler.klass_info["model"], compiler.klass_info["select_fields"]
        first, last = fields[0], fields[-1] + 1
        if compiled.attnames is None:
            compiled.attnames = [column[0].target.attname for column in compiler.select[first:last]]
            compiled.related = get_related_populators(compiler.klass_info, compiler.select, connection.alias)
        attnames, related = compiled.attnames, compiled.related
        if compiled.converters:  # as results_iter() would, without working them out again
            rows = compiler.apply_converters(rows, compiled.converters)
        objects = []
        for row in rows:
            instance = model.from_db(connection.alias, attnames, row[first:last])
            for populator in related:
                populator.populate(row, instance)
            for name, position in compiler.annotation_col_map.items():
                setattr(instance, name, row[position])
            objects.append(instance)
        return objects


class PreparedUpdate(PreparedQuery):
    """An UPDATE compiled once per process, for the few on the path of every post (the
    discussion's versions): build(**values) returns the queryset and its changes, as
    QuerySet.update() takes them ({field: value or expression}); run() sends it where the ORM
    sends writes and returns how many rows it changed."""

    def query(self, values, shape):
        queryset, changes = self.build(**values, **shape)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(changes)
        query.annotations = {}  # as QuerySet.update() leaves them
        return query

    def connection(self, shape, lengths):
        if self.model is None:
            self.model = self.query(self.sentinels(lengths), shape).model
        return connections[router.db_for_write(self.model)]

    def run(self, **values):
        compiled, params, connection = self.compiled(values)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            return cursor.rowcount


def fetch_one(connection, sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def checked_by_use(connection, sql, params):
    """The first row of the query. Used first in a request on a kept connection, the query is
    its own health check: Django's (CONN_HEALTH_CHECKS) sends a SELECT 1 first, a round trip
    as long as the query's, on every request. If the kept connection turns out to be dead
    (PostgreSQL restarted), it is closed and the query sent again on a new one, as the check
    would have done; a database that is really away raises, as it would have."""
    if (not connection.health_check_enabled or connection.health_check_done
            or connection.connection is None or connection.in_atomic_block):
        return fetch_one(connection, sql, params)
    connection.health_check_done = True
    try:
        return fetch_one(connection, sql, params)
    except (OperationalError, InterfaceError):
        connection.close()
    return fetch_one(connection, sql, params)
