# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read-only data consistency check across the DCs' MariaDB servers.

The engine compares, table by table and key range by key range, the rows of
every DC's database with every other DC's, at a point where all of them have
applied the same GTID position, and reports per pair of DCs either ``equal``
or the differing ranges. A difference is only reported once it has survived
``rechecks`` new GTID waits (rows still in flight between DCs clear by then).
The whole check runs against a hard deadline (``budget``); what could not be
compared in time is reported as such, and a pair is never called equal unless
every table was compared.

Database access goes through one callable, ``connect(server)``, returning an
object with ``query(sql, args) -> list of dict rows`` (``args`` is always a
tuple, ``%s`` placeholders as in PyMySQL) and optionally ``close()``. The
default, ``PyMySQLConnector``, uses PyMySQL; the unit tests pass fakes.
No Ansible import here: the module ``db_consistency`` is a thin adapter.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import math
import time
import traceback

from concurrent.futures import ThreadPoolExecutor, wait as wait_futures

try:
    import pymysql
    import pymysql.cursors
    HAS_PYMYSQL = True
    PYMYSQL_IMPORT_ERROR = None
except ImportError:
    HAS_PYMYSQL = False
    PYMYSQL_IMPORT_ERROR = traceback.format_exc()

DEFAULT_PORT = 3306
DEFAULT_CHUNK_SIZE = 10000
DEFAULT_RECHECKS = 3
DEFAULT_CONNECT_TIMEOUT = 10
INTEGER_TYPES = ('tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint')
# MariaDB's ER_STATEMENT_TIMEOUT (max_statement_time) and MySQL's ER_QUERY_TIMEOUT.
STATEMENT_TIMEOUT_ERRORS = (1969, 3024)
WHOLE_TABLE = 'whole table'
# How many items of each kind one rendered line names before "and N more".
LINE_ITEMS = 10

SQL_BINLOG_POS = 'SELECT @@GLOBAL.gtid_binlog_pos AS pos'
SQL_GTID_WAIT = 'SELECT MASTER_GTID_WAIT(%s, %s) AS result'
SQL_SNAPSHOT = 'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY'
SQL_END_SNAPSHOT = 'COMMIT'
SQL_SCHEMATA = 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE SCHEMA_NAME IN (%s)'
SQL_TABLES = ("SELECT TABLE_NAME AS name FROM information_schema.TABLES"
              " WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME")
SQL_COLUMNS = ('SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name, COLUMN_TYPE AS type, DATA_TYPE AS data_type'
               ' FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s ORDER BY TABLE_NAME, ORDINAL_POSITION')
SQL_PRIMARY_KEYS = ("SELECT TABLE_NAME AS tbl, COLUMN_NAME AS name FROM information_schema.STATISTICS"
                    " WHERE TABLE_SCHEMA = %s AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_NAME, SEQ_IN_INDEX")


class ConsistencyError(Exception):
    """Bad input: the check cannot start (or cannot go on) as asked."""


class ServerError(Exception):
    """A server could not be reached or answered a query with an error; ``server`` names it."""

    def __init__(self, server, message):
        super(ServerError, self).__init__('%s: %s' % (server, message))
        self.server = server


class QueryTimeout(Exception):
    """A statement hit the deadline given to the server (``max_statement_time``)."""


class _OutOfBudget(Exception):
    """The deadline is reached: stop and report what was not compared (internal)."""


# ---------------------------------------------------------------- pure helpers

def quote_identifier(name):
    """Backtick-quote a schema, table or column name.

    ``%`` is doubled as well, because every statement goes through ``%s`` interpolation (``args`` is always a tuple).
    """
    return '`%s`' % name.replace('`', '``').replace('%', '%%')


def table_name(database, table):
    return '%s.%s' % (quote_identifier(database), quote_identifier(table))


def row_hash_sql(columns):
    """SQL for a 64-bit hash of one row over ``columns``, NULL and '' told apart.

    The text hashed is every value joined with ``#``, then one ISNULL flag per column (CONCAT_WS skips NULLs) and
    the byte length of every value (so a ``#`` inside a value cannot shift a boundary). MD5 rather than CRC32:
    CRC32 is linear, so the XOR of two rows' CRCs equals the XOR after swapping equal-length values between them,
    and such swaps would go unseen.
    """
    cols = [quote_identifier(c) for c in columns]
    nulls = 'CONCAT(%s)' % ', '.join('ISNULL(%s)' % c for c in cols)
    lengths = "CONCAT_WS(',', %s)" % ', '.join('LENGTH(%s)' % c for c in cols)
    text = "CONCAT_WS('#', %s, %s, %s)" % (', '.join(cols), nulls, lengths)
    return 'CAST(CONV(LEFT(MD5(%s), 16), 16, 10) AS UNSIGNED)' % text


def checksum_sql(database, table, columns, key=None):
    """Row count and order-independent XOR of the row hashes, of the key range ``%s..%s`` or of the whole table."""
    sql = 'SELECT COUNT(*) AS row_count, BIT_XOR(%s) AS checksum FROM %s' % (row_hash_sql(columns),
                                                                             table_name(database, table))
    if key is not None:
        sql += ' WHERE %s BETWEEN %%s AND %%s' % quote_identifier(key)
    return sql


def bounds_sql(database, table, key):
    key = quote_identifier(key)
    return 'SELECT MIN(%s) AS low, MAX(%s) AS high FROM %s' % (key, key, table_name(database, table))


def boundary_sql(database, table, key, chunk_size):
    """The first key of the next chunk: the key ``chunk_size`` rows after the lower bound."""
    key = quote_identifier(key)
    return 'SELECT %s AS boundary FROM %s WHERE %s >= %%s ORDER BY %s LIMIT %d, 1' % (
        key, table_name(database, table), key, key, int(chunk_size))


def with_deadline(sql, seconds):
    """Bound one SELECT on the server itself (MariaDB ``max_statement_time``, seconds)."""
    return 'SET STATEMENT max_statement_time=%.3f FOR %s' % (max(seconds, 0.001), sql)


def parse_gtid_pos(text):
    """``'1-1001-5,2-2001-9'`` -> ``{1: (1001, 5), 2: (2001, 9)}`` (domain -> (server id, sequence))."""
    position = {}
    for item in (text or '').split(','):
        item = item.strip()
        if not item:
            continue
        try:
            domain, server_id, seq = (int(part) for part in item.split('-'))
        except ValueError:
            raise ConsistencyError('cannot read GTID %r in position %r' % (item, text))
        position[domain] = (server_id, seq)
    return position


def format_gtid_pos(position):
    return ','.join('%d-%d-%d' % (domain, position[domain][0], position[domain][1]) for domain in sorted(position))


def union_position(positions):
    """Per domain, the furthest GTID any server has logged."""
    union = {}
    for position in positions:
        for domain, (server_id, seq) in position.items():
            if domain not in union or seq > union[domain][1]:
                union[domain] = (server_id, seq)
    return union


def wait_position(union, own):
    """What a server still has to wait for: the domains where its own binary log is behind the union.

    A server's binary log already holds its own writes (and, with log_slave_updates, what it applied), so only
    the domains where it is behind are waited for; waiting for its own domain would never end, since
    MASTER_GTID_WAIT follows the replica position.
    """
    return dict((domain, gtid) for domain, gtid in union.items()
                if domain not in own or own[domain][1] < gtid[1])


def describe_range(key, first, last):
    if key is None:
        return WHOLE_TABLE
    return '%s %s..%s' % (key, first, last)


def _item(entry):
    if entry.get('table') is None:
        return '%s.* (%s)' % (entry['database'], entry['range'])
    return '%s.%s %s' % (entry['database'], entry['table'], entry['range'])


def _items(entries):
    names = [_item(e) for e in entries]
    if len(names) > LINE_ITEMS:
        names = names[:LINE_ITEMS] + ['and %d more' % (len(names) - LINE_ITEMS)]
    return ', '.join(names)


def render_line(pair):
    """One line for one pair of DCs (a dict of ``pairs`` in the check's result)."""
    left, right = pair['left'], pair['right']
    if pair['status'] == 'equal':
        return '%s = %s: equal (%d databases, %d tables)' % (left, right, pair['databases'], pair['tables'])
    incomplete = 'incomplete, not compared: %s' % _items(pair['not_compared'])
    if pair['differences']:
        line = '%s != %s: %s' % (left, right, _items(pair['differences']))
        return line + ('; ' + incomplete if pair['not_compared'] else '')
    return '%s ? %s: %s' % (left, right, incomplete)


def render_lines(result):
    """One line per pair of DCs, in the order of the check's result."""
    return [render_line(pair) for pair in result['pairs']]


# ---------------------------------------------------------------- the check

class _Table(object):
    """What is known of one table: where it exists, its columns, key, and what its comparison found."""

    def __init__(self, database, name):
        self.database = database
        self.name = name
        self.columns = {}        # server -> [(column, type), ...]
        self.participants = []   # servers compared (same columns as the reference)
        self.key = None          # first primary key column when it is an integer
        self.chunks = 0
        self.differences = []    # {key, first, last, results: {server: (count, checksum)}}
        self.pending = None      # (first, last) not compared yet, or WHOLE_TABLE
        self.reason = None
        self.done = False


class ConsistencyCheck(object):
    """One run of the check. Use ``check_consistency`` unless the intermediate state is wanted."""

    def __init__(self, servers, databases, budget, connect, chunk_size=DEFAULT_CHUNK_SIZE,
                 rechecks=DEFAULT_RECHECKS, clock=time.monotonic):
        self.servers = _validate_servers(servers)
        self.names = [s['name'] for s in self.servers]
        self.databases = _validate_databases(databases)
        self.budget = _positive_number('budget', budget)
        self.chunk_size = _integer('chunk_size', chunk_size, 1)
        self.rechecks = _integer('rechecks', rechecks, 0)
        self.connect = connect
        self.clock = clock
        self.started = None
        self.deadline = None
        self.connections = {}
        self.tables = []
        self.listed = set()      # databases whose tables were listed
        self.gtid_position = None
        self.syncs = 0
        self.cleared = []        # in-flight differences that a recheck cleared
        self.stopped = None      # why the check stopped before the end
        self._pool = None

    # -- plumbing

    def remaining(self):
        return self.deadline - self.clock()

    def _check_budget(self):
        if self.remaining() <= 0:
            raise _OutOfBudget('budget of %g s used up' % self.budget)

    def _on(self, names, work):
        """``{name: work(name, connection)}`` on several servers at once; the first error is raised after all ended."""
        if len(names) == 1 or self._pool is None:
            return dict((n, work(n, self.connections.get(n))) for n in names)
        futures = [(n, self._pool.submit(work, n, self.connections.get(n))) for n in names]
        wait_futures([f for n, f in futures])
        for name, future in futures:
            if future.exception() is not None:
                raise future.exception()
        return dict((n, f.result()) for n, f in futures)

    def _query_all(self, names, sql, args=()):
        return self._on(names, lambda name, conn: conn.query(sql, args))

    def _select(self, names, sql, args=()):
        """A data SELECT, bounded on the server by the remaining budget."""
        self._check_budget()
        try:
            return self._query_all(names, with_deadline(sql, self.remaining()), args)
        except QueryTimeout:
            raise _OutOfBudget('budget of %g s used up during a query' % self.budget)

    # -- steps

    def _connect_all(self):
        """Connect to every server at once; what did connect is kept (and closed at the end) even if one fails."""
        self._check_budget()
        futures = [(s['name'], self._pool.submit(self.connect, s)) for s in self.servers]
        wait_futures([f for n, f in futures])
        for name, future in futures:
            if future.exception() is None:
                self.connections[name] = future.result()
        for name, future in futures:
            if future.exception() is not None:
                raise future.exception()

    def _check_databases(self):
        placeholders = ', '.join(['%s'] * len(self.databases))
        found = self._query_all(self.names, SQL_SCHEMATA % placeholders, tuple(self.databases))
        for name in self.names:
            have = set(row['name'] for row in found[name])
            missing = [d for d in self.databases if d not in have]
            if missing:
                raise ConsistencyError('database %s does not exist on %s (%s)'
                                       % (', '.join(missing), name, _address(self._server(name))))

    def _server(self, name):
        return [s for s in self.servers if s['name'] == name][0]

    def sync(self):
        """Wait until every server has applied every GTID any server had logged, then open a snapshot on each."""
        self._check_budget()
        self._query_all(self.names, SQL_END_SNAPSHOT)
        rows = self._query_all(self.names, SQL_BINLOG_POS)
        own = dict((n, parse_gtid_pos(rows[n][0]['pos'] if rows[n] else '')) for n in self.names)
        union = union_position(own.values())
        if self.gtid_position is None:
            self.gtid_position = format_gtid_pos(union)
        waits = dict((n, format_gtid_pos(wait_position(union, own[n]))) for n in self.names)
        behind = [n for n in self.names if waits[n]]
        if behind:
            timeout = self.remaining()
            if timeout <= 0:
                raise _OutOfBudget('budget of %g s used up before the GTID wait' % self.budget)
            waited = self._on(behind, lambda name, conn: conn.query(SQL_GTID_WAIT, (waits[name], timeout)))
            for name in behind:
                value = waited[name][0]['result'] if waited[name] else None
                if value is None or int(value) == -1:
                    raise _OutOfBudget('%s did not reach GTID position %s in the %.1f s left of the budget '
                                       '(%g s); is its replication running?'
                                       % (name, waits[name], timeout, self.budget))
                if int(value) != 0:
                    raise ServerError(name, 'MASTER_GTID_WAIT(%s) returned %s' % (waits[name], value))
        self._query_all(self.names, SQL_SNAPSHOT)
        self.syncs += 1

    def _list_tables(self, database):
        listed = self._query_all(self.names, SQL_TABLES, (database,))
        columns = self._query_all(self.names, SQL_COLUMNS, (database,))
        keys = self._query_all(self.names, SQL_PRIMARY_KEYS, (database,))
        names = []
        for name in self.names:
            names.extend(row['name'] for row in listed[name] if row['name'] not in names)
        tables = []
        for table_name_ in sorted(names):
            table = _Table(database, table_name_)
            for name in self.names:
                if any(row['name'] == table_name_ for row in listed[name]):
                    table.columns[name] = [(row['name'], row['type']) for row in columns[name]
                                           if row['tbl'] == table_name_]
            present = [n for n in self.names if n in table.columns]
            reference = table.columns[present[0]]
            table.participants = [n for n in present if table.columns[n] == reference]
            primary = [row['name'] for row in keys[present[0]] if row['tbl'] == table_name_]
            data_types = dict((row['name'], row['data_type'].lower()) for row in columns[present[0]]
                              if row['tbl'] == table_name_)
            if primary and data_types.get(primary[0]) in INTEGER_TYPES:
                table.key = primary[0]
            table.pending = WHOLE_TABLE
            tables.append(table)
        return tables

    def _checksum(self, table, first=None, last=None):
        columns = [c for c, dummy in table.columns[table.participants[0]]]
        sql = checksum_sql(table.database, table.name, columns, table.key if first is not None else None)
        rows = self._select(table.participants, sql, () if first is None else (first, last))
        return dict((n, (int(rows[n][0]['row_count']), int(rows[n][0]['checksum'] or 0))) for n in rows)

    def _compare_chunk(self, table, first=None, last=None):
        results = self._checksum(table, first, last)
        attempt = 0
        while len(set(results.values())) > 1 and attempt < self.rechecks:
            attempt += 1
            table.reason = 'differed; recheck %d of %d cut by the budget' % (attempt, self.rechecks)
            self.sync()
            results = self._checksum(table, first, last)
        table.reason = None
        key = table.key if first is not None else None
        if len(set(results.values())) > 1:
            table.differences.append(dict(key=key, first=first, last=last, results=results, rechecks=attempt))
        elif attempt:
            self.cleared.append(dict(database=table.database, table=table.name, key=key, first=first, last=last,
                                     rechecks=attempt))
        table.chunks += 1

    def _compare_table(self, table):
        if len(table.participants) < 2:
            table.pending = None
            table.done = True
            return
        if table.key is None:
            self._compare_chunk(table)
        else:
            sql = bounds_sql(table.database, table.name, table.key)
            bounds = self._select(table.participants, sql)
            lows = [rows[0]['low'] for rows in bounds.values() if rows and rows[0]['low'] is not None]
            highs = [rows[0]['high'] for rows in bounds.values() if rows and rows[0]['high'] is not None]
            if not lows:
                self._compare_chunk(table)   # empty everywhere: one whole-table checksum (0 rows)
            else:
                first, upper = min(lows), max(highs)
                walker = table.participants[0]
                sql = boundary_sql(table.database, table.name, table.key, self.chunk_size)
                while first <= upper:
                    table.pending = (first, upper)
                    rows = self._select([walker], sql, (first,))[walker]
                    boundary = rows[0]['boundary'] if rows else None
                    if boundary is None or boundary > upper:
                        last = upper
                    else:
                        last = boundary - 1 if boundary > first else first
                    self._compare_chunk(table, first, last)
                    first = last + 1
        table.pending = None
        table.done = True

    def run(self):
        self.started = self.clock()
        self.deadline = self.started + self.budget
        self._pool = ThreadPoolExecutor(max_workers=len(self.names))
        try:
            self._connect_all()
            self._check_databases()
            self.sync()
            for database in self.databases:
                self._check_budget()
                self.tables.extend(self._list_tables(database))
                self.listed.add(database)
            for table in self.tables:
                self._check_budget()
                self._compare_table(table)
        except _OutOfBudget as exc:
            self.stopped = str(exc)
        finally:
            self._close()
        return self.result()

    def _close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for conn in self.connections.values():
            if conn is None:
                continue
            try:
                conn.query(SQL_END_SNAPSHOT, ())
            except Exception:  # pylint: disable=broad-except
                pass  # the connection may be gone; it is closed just below either way
            close = getattr(conn, 'close', None)
            if close is not None:
                try:
                    close()
                except Exception:  # pylint: disable=broad-except
                    pass

    # -- result

    def _not_compared(self, table):
        reason = table.reason or self.stopped or 'not reached'
        entry = dict(database=table.database, table=table.name, reason=reason)
        if table.pending == WHOLE_TABLE or table.key is None:
            entry.update(key=None, first=None, last=None, range=WHOLE_TABLE)
        else:
            first, last = table.pending
            entry.update(key=table.key, first=first, last=last, range=describe_range(table.key, first, last))
        return entry

    def _pair(self, left, right):
        differences, not_compared, tables = [], [], 0
        for database in self.databases:
            if database not in self.listed:
                not_compared.append(dict(database=database, table=None, key=None, first=None, last=None,
                                         range='tables not listed', reason=self.stopped or 'not reached'))
        for table in self.tables:
            has_left, has_right = left in table.columns, right in table.columns
            if not has_left and not has_right:
                continue
            base = dict(database=table.database, table=table.name, key=None, first=None, last=None)
            if has_left != has_right:
                differences.append(dict(base, range='missing on %s' % (right if has_left else left),
                                        reason='missing'))
                continue
            if table.columns[left] != table.columns[right]:
                differences.append(dict(base, range='columns differ', reason='columns'))
                continue
            if left not in table.participants:
                not_compared.append(dict(base, range=WHOLE_TABLE, reason='columns differ from %s'
                                         % table.participants[0]))
                continue
            for found in table.differences:
                if found['results'][left] != found['results'][right]:
                    differences.append(dict(base, key=found['key'], first=found['first'], last=found['last'],
                                            range=describe_range(found['key'], found['first'], found['last']),
                                            reason='rows'))
            if table.done:
                tables += 1
            else:
                not_compared.append(self._not_compared(table))
        status = 'different' if differences else ('incomplete' if not_compared else 'equal')
        return dict(left=left, right=right, status=status, databases=len(self.databases), tables=tables,
                    differences=differences, not_compared=not_compared)

    def result(self):
        pairs = [self._pair(self.names[i], self.names[j])
                 for i in range(len(self.names)) for j in range(i + 1, len(self.names))]
        not_compared = []
        for database in self.databases:
            if database not in self.listed:
                not_compared.append(dict(database=database, table=None, key=None, first=None, last=None,
                                         range='tables not listed', reason=self.stopped or 'not reached'))
        not_compared.extend(self._not_compared(t) for t in self.tables if not t.done)
        complete = not not_compared
        return dict(
            pairs=pairs,
            complete=complete,
            consistent=complete and all(p['status'] == 'equal' for p in pairs),
            not_compared=not_compared,
            stopped=self.stopped,
            elapsed=round(self.clock() - self.started, 3),
            gtid_position=self.gtid_position,
            syncs=self.syncs,
            cleared=self.cleared,
            tables=len(self.tables),
            chunks=sum(t.chunks for t in self.tables),
        )


def check_consistency(servers, databases, budget, connect, chunk_size=DEFAULT_CHUNK_SIZE,
                      rechecks=DEFAULT_RECHECKS, clock=time.monotonic):
    """Compare ``databases`` across ``servers`` (DCs, in order) within ``budget`` seconds. Read-only.

    Returns ``{pairs, complete, consistent, not_compared, stopped, elapsed, gtid_position, syncs, cleared, tables,
    chunks}``; ``pairs`` has one entry per pair of DCs, ``{left, right, status (equal|different|incomplete),
    databases, tables, differences, not_compared}``. Raises ``ConsistencyError`` on bad input and ``ServerError``
    (naming the server) when a server cannot be reached or a query fails.
    """
    return ConsistencyCheck(servers, databases, budget, connect, chunk_size=chunk_size, rechecks=rechecks,
                            clock=clock).run()


# ---------------------------------------------------------------- input checks

def _address(server):
    return '%s:%s' % (server['host'], server.get('port') or DEFAULT_PORT)


def _validate_servers(servers):
    if not isinstance(servers, (list, tuple)) or len(servers) < 2:
        raise ConsistencyError('servers: give at least two servers (one per DC) to compare, got %r' % (servers,))
    seen = set()
    checked = []
    for server in servers:
        if not isinstance(server, dict) or not server.get('name') or not server.get('host'):
            raise ConsistencyError('servers: every server needs a name (its DC) and a host, got %r' % (server,))
        if server['name'] in seen:
            raise ConsistencyError('servers: DC %s is given twice' % server['name'])
        seen.add(server['name'])
        checked.append(dict(server, port=int(server.get('port') or DEFAULT_PORT)))
    return checked


def _validate_databases(databases):
    if isinstance(databases, str) or not databases:
        raise ConsistencyError('databases: give the list of databases to compare, got %r' % (databases,))
    if len(set(databases)) != len(databases):
        raise ConsistencyError('databases: a database is given twice in %r' % (databases,))
    return list(databases)


def _positive_number(name, value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConsistencyError('%s must be a number of seconds > 0, got %r' % (name, value))
    if math.isnan(number) or math.isinf(number) or number <= 0:
        raise ConsistencyError('%s must be a number of seconds > 0, got %r' % (name, value))
    return number


def _integer(name, value, minimum):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ConsistencyError('%s must be an integer >= %d, got %r' % (name, minimum, value))
    if number < minimum or number != value:
        raise ConsistencyError('%s must be an integer >= %d, got %r' % (name, minimum, value))
    return number


# ---------------------------------------------------------------- PyMySQL

class PyMySQLServer(object):
    """One server's connection: autocommit, UTC session time zone (TIMESTAMP values compare alike)."""

    def __init__(self, server, user, password, connect_timeout, read_timeout):
        self.name = server['name']
        try:
            self._conn = pymysql.connect(
                host=server['host'], port=int(server.get('port') or DEFAULT_PORT), user=user,
                password=password or '', connect_timeout=connect_timeout, read_timeout=read_timeout,
                autocommit=True, charset='utf8mb4', cursorclass=pymysql.cursors.DictCursor,
                init_command="SET SESSION time_zone = '+00:00'")
        except pymysql.err.MySQLError as exc:
            raise ServerError(self.name, 'cannot connect to %s as %s: %s' % (_address(server), user, exc))
        self.address = _address(server)

    def query(self, sql, args=()):
        try:
            with self._conn.cursor() as cursor:
                cursor.execute(sql, args)
                return list(cursor.fetchall())
        except pymysql.err.MySQLError as exc:
            if exc.args and exc.args[0] in STATEMENT_TIMEOUT_ERRORS:
                raise QueryTimeout(str(exc))
            raise ServerError(self.name, '%s: %s (query: %s)' % (self.address, exc, sql[:200]))

    def close(self):
        self._conn.close()


class PyMySQLConnector(object):
    """The default ``connect(server)``: a PyMySQL connection per server, with the same login on every server."""

    def __init__(self, user, password, connect_timeout=DEFAULT_CONNECT_TIMEOUT, read_timeout=None):
        if not HAS_PYMYSQL:
            raise ConsistencyError('PyMySQL is not installed: %s' % PYMYSQL_IMPORT_ERROR)
        self.user = user
        self.password = password
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout

    def __call__(self, server):
        return PyMySQLServer(server, self.user, self.password, self.connect_timeout, self.read_timeout)
