# -*- coding: utf-8 -*-
"""An in-memory stand-in for the DCs' MariaDB servers, for the consistency check's tests.

Each ``FakeServer`` holds tables (columns, primary key, rows) per database and answers the statements the engine
sends (recognised by their shape), computing row counts and checksums in Python over its own rows. A shared
``FakeClock`` advances by ``cost`` seconds per statement, so budgets can run out mid-check deterministically.
"""
import hashlib
import re
import threading

from ansible_collections.multidc.apim.plugins.module_utils.consistency import QueryTimeout, ServerError

FROM_RE = re.compile(r'FROM `((?:[^`]|``)+)`\.`((?:[^`]|``)+)`')
DEADLINE_RE = re.compile(r'^SET STATEMENT max_statement_time=([0-9.]+) FOR ')


class FakeClock(object):
    def __init__(self, now=1000.0):
        self.now = now
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self.now

    def advance(self, seconds):
        with self._lock:
            self.now += seconds


class FakeTable(object):
    def __init__(self, columns, key=None, rows=(), types=None):
        """``columns``: names; ``key``: primary key column names; ``types``: {column: DATA_TYPE} (default int)."""
        self.columns = list(columns)
        self.key = list(key or [])
        self.types = dict((c, 'int') for c in self.columns)
        self.types.update(types or {})
        self.rows = [tuple(r) for r in rows]

    def copy(self):
        return FakeTable(self.columns, self.key, self.rows, self.types)

    def values(self, column):
        index = self.columns.index(column)
        return sorted(r[index] for r in self.rows)


def row_hash(row):
    return int(hashlib.md5(repr(row).encode()).hexdigest()[:16], 16)


class FakeServer(object):
    """One DC's server. ``on_wait(server)`` runs at each MASTER_GTID_WAIT (replication catching up)."""

    def __init__(self, name, databases, clock, pos='', wait_result=0, cost=0.001, on_wait=None, fail_on=None):
        self.name = name
        self.databases = databases      # {database: {table: FakeTable}}
        self.clock = clock
        self.pos = pos
        self.wait_result = wait_result
        self.cost = cost
        self.on_wait = on_wait
        self.fail_on = fail_on          # a substring: a statement containing it fails with ServerError
        self.log = []                   # (sql, args) of every statement
        self.waits = []                 # the positions waited for
        self.closed = False

    # the interface the engine uses
    def query(self, sql, args=()):
        assert isinstance(args, tuple)
        self.log.append((sql, args))
        self.clock.advance(self.cost)
        if self.fail_on and self.fail_on in sql:
            raise ServerError(self.name, 'fake error on %s' % self.fail_on)
        deadline = DEADLINE_RE.match(sql)
        if deadline:
            if float(deadline.group(1)) < self.cost:
                raise QueryTimeout('max_statement_time exceeded')
            sql = sql[deadline.end():]
        return self._answer(sql, args)

    def close(self):
        self.closed = True

    # statements
    def _answer(self, sql, args):
        if sql.startswith('SELECT @@GLOBAL.gtid_binlog_pos'):
            return [{'pos': self.pos}]
        if sql.startswith('SELECT MASTER_GTID_WAIT'):
            self.waits.append(args[0])
            if self.on_wait:
                self.on_wait(self)
            if self.wait_result == -1:
                self.clock.advance(args[1])
            return [{'result': self.wait_result}]
        if sql.startswith('START TRANSACTION') or sql == 'COMMIT':
            return []
        if 'information_schema.SCHEMATA' in sql:
            return [{'name': d} for d in args if d in self.databases]
        if 'information_schema.TABLES' in sql:
            return [{'name': t} for t in sorted(self.databases.get(args[0], {}))]
        if 'information_schema.COLUMNS' in sql:
            tables = self.databases.get(args[0], {})
            return [{'tbl': t, 'name': c, 'type': tables[t].types[c], 'data_type': tables[t].types[c]}
                    for t in sorted(tables) for c in tables[t].columns]
        if 'information_schema.STATISTICS' in sql:
            tables = self.databases.get(args[0], {})
            return [{'tbl': t, 'name': c} for t in sorted(tables) for c in tables[t].key]
        database, table = [part.replace('``', '`') for part in FROM_RE.search(sql).groups()]
        data = self.databases[database][table]
        if sql.startswith('SELECT MIN('):
            keys = data.values(re.search(r'MIN\(`([^`]+)`\)', sql).group(1))
            return [{'low': keys[0] if keys else None, 'high': keys[-1] if keys else None}]
        if ' AS boundary ' in sql:
            offset = int(re.search(r'LIMIT ([0-9]+), 1$', sql).group(1))
            keys = [k for k in data.values(re.search(r'WHERE `([^`]+)` >=', sql).group(1)) if k >= args[0]]
            return [{'boundary': keys[offset]}] if len(keys) > offset else []
        if sql.startswith('SELECT COUNT(*) AS row_count'):
            rows = data.rows
            if args:
                index = data.columns.index(re.search(r'WHERE `([^`]+)` BETWEEN', sql).group(1))
                rows = [r for r in rows if args[0] <= r[index] <= args[1]]
            checksum = 0
            for row in rows:
                checksum ^= row_hash(row)
            return [{'row_count': len(rows), 'checksum': checksum}]
        raise AssertionError('the fake does not know this statement: %s' % sql)

    def checksums(self):
        """The (args) of every checksum statement this server answered."""
        return [args for sql, args in self.log if 'AS row_count' in sql]


def lab(names=('dc1', 'dc2', 'dc3'), tables=None, cost=0.001, pos=None):
    """Servers with identical copies of ``tables`` ({database: {table: FakeTable}}) and a shared clock."""
    clock = FakeClock()
    servers = {}
    for index, name in enumerate(names):
        copy = dict((db, dict((t, table.copy()) for t, table in content.items())) for db, content in tables.items())
        servers[name] = FakeServer(name, copy, clock, pos=pos[index] if pos else '', cost=cost)
    return servers, clock


def server_list(servers):
    return [{'name': n, 'host': '%s-db' % n, 'port': 3306} for n in servers]


def connector(servers):
    def connect(server):
        return servers[server['name']]
    return connect
