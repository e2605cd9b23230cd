#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: seed_rows
short_description: Check, or move onto their canonical keys, the seed rows of a WSO2 database in one DC
version_added: 0.1.0
description:
  - The WSO2 scripts seed AUTO_INCREMENT tables (alert types, consent purposes and categories) that other
    tables refer to. Loaded with increment 1 and offset 1, the i-th seed row of a table has key i in every DC,
    its canonical key.
  - Releases before 0.2.0 loaded each DC under its own C(auto_increment_offset) o and increment N, so the i-th
    seed row had key C(o + (i - 1) * N), a different key in each DC. The module reports, per seeded table,
    whether its seed rows sit on the canonical keys (V(canonical)), were loaded that old way (V(offset)), sit on
    other keys (V(unknown)) or are missing (V(missing)).
  - Each DC records the tables it loaded or repaired onto the canonical keys in a table of its own,
    C(multidc_apim.seed_keys), written outside the binary log. Only an unrecorded table can be V(offset).
  - V(marked) records the canonical tables and fails on an V(offset) one, naming the repair; it moves nothing.
  - V(canonical) moves the seed rows of V(offset) tables onto their canonical keys, and every value that
    refers to them (foreign keys found in C(information_schema), plus O(references)), and records the table,
    in one transaction per table outside the binary log. The old key of a row tells the DC it came from, so one
    mapping is right for every DC and for rows written in any DC since. A table in V(unknown) or V(missing)
    state, or a repair that would make two referencing rows equal, fails with the manual steps and changes
    nothing in that table.
  - Run V(canonical) in every DC while no application writes and replication is level
    (C(playbooks/repair_seed_rows.yml) does both); the module does not check that.
author:
  - multidc.apim developers (@multidc)
options:
  database:
    description: The database to look at.
    type: str
    required: true
  seeds:
    description: The seed rows of the database's scripts, as the P(multidc.apim.seed_rows#filter) filter returns them.
    type: list
    elements: dict
    required: true
  offset:
    description: This DC's C(auto_increment_offset).
    type: int
    required: true
  offsets:
    description: The C(auto_increment_offset) of every DC.
    type: list
    elements: int
    required: true
  increment:
    description: The C(auto_increment_increment), the number of DCs.
    type: int
    required: true
  references:
    description: Columns that refer to a seeded table without a foreign key.
    type: list
    elements: dict
    default: []
    suboptions:
      table:
        description: The referring table.
        type: str
        required: true
      column:
        description: Its column that holds the seeded table's key.
        type: str
        required: true
      references:
        description: The seeded table.
        type: str
        required: true
  loaded:
    description:
      - The database was just loaded with increment 1 and offset 1, as the C(multidc.apim.db_replication) role's
        schema load does. Its tables are judged as if recorded, against the canonical keys only, and V(marked)
        records them.
    type: bool
    default: false
  state:
    description:
      - V(query) only reports.
      - V(marked) records canonical tables and fails on V(offset) ones.
      - V(canonical) repairs V(offset) tables and records them, and fails on V(unknown) or V(missing) ones.
    type: str
    choices: [query, marked, canonical]
    default: query
  login_unix_socket:
    description: The server's socket.
    type: path
    default: /run/mysqld/mysqld.sock
  login_user:
    description: An account that may update every table and set C(sql_log_bin).
    type: str
    default: root
  login_password:
    description: Its password; empty for socket authentication.
    type: str
    default: ''
requirements:
  - PyMySQL on the target
attributes:
  check_mode:
    description: Reads, and reports what V(marked) or V(canonical) would change without writing.
    support: full
  diff_mode:
    description: Not supported.
    support: none
  idempotent:
    description: After a repair every table is V(canonical), and a second run changes nothing.
    support: full
  platform:
    description: Target OS families that can be operated against.
    platforms: posix
    support: full
seealso:
  - module: multidc.apim.db_consistency
'''

EXAMPLES = r'''
- name: Check the seed rows of the API manager database
  multidc.apim.seed_rows:
    database: WSO2AM_DB
    seeds: "{{ lookup('ansible.builtin.file', dbscripts ~ '/apimgt/mysql.sql') | multidc.apim.seed_rows }}"
    offset: "{{ ansible_facts.apim_topology.datacenters[dc].db.auto_increment_offset }}"
    offsets: [1, 2, 3]
    increment: 3
  register: seeds

- name: Record canonical tables; fail, naming the repair, on tables an old release loaded
  multidc.apim.seed_rows:
    database: WSO2AM_DB
    seeds: "{{ lookup('ansible.builtin.file', dbscripts ~ '/apimgt/mysql.sql') | multidc.apim.seed_rows }}"
    offset: 2
    offsets: [1, 2, 3]
    increment: 3
    state: marked

- name: Move them onto their canonical keys (no application may write meanwhile)
  multidc.apim.seed_rows:
    database: WSO2AM_DB
    seeds: "{{ lookup('ansible.builtin.file', dbscripts ~ '/apimgt/mysql.sql') | multidc.apim.seed_rows }}"
    offset: 2
    offsets: [1, 2, 3]
    increment: 3
    references:
      - {table: AM_ALERT_TYPES_VALUES, column: ALERT_TYPE_ID, references: AM_ALERT_TYPES}
    state: canonical
'''

RETURN = r'''
tables:
  description: Each seeded table as found before any repair.
  returned: always
  type: list
  elements: dict
  contains:
    table: {description: The table., type: str}
    status: {description: "V(canonical), V(offset), V(unknown) or V(missing).", type: str}
    recorded: {description: Whether this DC had recorded the table as canonical., type: bool}
    keys: {description: The key of each seed row in script order (null when missing)., type: list, elements: int}
  sample: [{table: AM_ALERT_TYPES, status: offset, keys: [2, 5, 8, 11, 14, 17, 20]}]
repaired:
  description: The tables whose seed rows were (in check mode, would be) moved, with the columns that followed.
  returned: always
  type: list
  elements: dict
  sample: [{table: AM_ALERT_TYPES, columns: [AM_ALERT_TYPES.ALERT_TYPE_ID, AM_ALERT_TYPES_VALUES.ALERT_TYPE_ID]}]
marked:
  description: The canonical tables that were (in check mode, would be) recorded as such.
  returned: always
  type: list
  elements: str
  sample: [CM_PURPOSE]
'''

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.multidc.apim.plugins.module_utils import seed_rows as seeds_util

try:
    import pymysql
except ImportError:
    PYMYSQL_IMPORT_ERROR = traceback.format_exc()
    pymysql = None
else:
    PYMYSQL_IMPORT_ERROR = None

MANUAL_STEPS = ('manual steps: stop the APIM nodes of every DC, wait until replication is level, and in every DC '
                'move each seed row of %s to key i (its position in the script), and every value that refers to '
                'it, in one transaction with SET sql_log_bin=0 and foreign_key_checks=0; see docs/db_replication.md, '
                '"Seed rows: detected, and repaired without losing a row"')
REPAIR = ('the seed rows of %s have keys specific to this DC (loaded by a release before 0.2.0 under '
          'auto_increment_offset %d), so a row that refers to one of them means something else in another DC; fix: '
          'stop the APIM nodes of every DC, then run playbooks/repair_seed_rows.yml (docs/db_replication.md, "Seed '
          'rows: detected, and repaired without losing a row"); it keeps every row written since')
MARKERS = '`%s`.`%s`' % (seeds_util.MARKER_DATABASE, seeds_util.MARKER_TABLE)


def _quote(name):
    return '`%s`' % name.replace('`', '``')


class SeedRows(object):
    def __init__(self, module, connection):
        self.module = module
        self.db = connection
        self.params = module.params
        self.recorded = self._recorded()

    def query(self, sql, args=None):
        with self.db.cursor() as cursor:
            cursor.execute(sql, args)
            return list(cursor.fetchall())

    def _recorded(self):
        present = self.query('SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s '
                             'AND TABLE_NAME = %s', (seeds_util.MARKER_DATABASE, seeds_util.MARKER_TABLE))
        if not present[0]['n']:
            return set()
        rows = self.query('SELECT tbl FROM %s WHERE db = %%s' % MARKERS, (self.params['database'],))
        return set(row['tbl'].upper() for row in rows)

    def status(self, seed):
        columns = ', '.join(_quote(c) for c in [seed['key']] + seed['columns'])
        rows = self.query('SELECT %s FROM %s' % (columns, _quote(seed['table'])))
        recorded = seed['table'].upper() in self.recorded
        found = seeds_util.table_status(seed, rows, self.params['offset'], self.params['increment'],
                                        recorded or self.params['loaded'])
        return dict(found, table=seed['table'], recorded=recorded)

    def referring_columns(self, seed):
        rows = self.query(
            'SELECT TABLE_NAME AS tbl, COLUMN_NAME AS col FROM information_schema.KEY_COLUMN_USAGE '
            'WHERE REFERENCED_TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME = %s AND REFERENCED_COLUMN_NAME = %s '
            'ORDER BY TABLE_NAME, COLUMN_NAME', (self.params['database'], seed['table'], seed['key']))
        columns = [(row['tbl'], row['col']) for row in rows]
        for extra in self.params['references']:
            if extra['references'].upper() == seed['table'].upper() and (extra['table'], extra['column']) not in columns:
                columns.append((extra['table'], extra['column']))
        return [(seed['table'], seed['key'])] + columns

    def _local_transaction(self, statements, table):
        """Run ``statements`` and record ``table`` in one transaction that stays on this server."""
        # The reads above opened a transaction; sql_log_bin can only change outside one.
        self.db.rollback()
        with self.db.cursor() as cursor:
            cursor.execute('SET SESSION sql_log_bin = 0')
            cursor.execute('CREATE DATABASE IF NOT EXISTS %s' % _quote(seeds_util.MARKER_DATABASE))
            cursor.execute('CREATE TABLE IF NOT EXISTS %s (db VARCHAR(64) NOT NULL, tbl VARCHAR(64) NOT NULL, '
                           'recorded_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (db, tbl)) '
                           'ENGINE=InnoDB' % MARKERS)
        try:
            with self.db.cursor() as cursor:
                cursor.execute('SET SESSION foreign_key_checks = 0')
                cursor.execute('START TRANSACTION')
                for statement in statements:
                    cursor.execute(statement)
                cursor.execute('INSERT INTO %s (db, tbl) VALUES (%%s, %%s)' % MARKERS,
                               (self.params['database'], table))
            self.db.commit()
        except pymysql.MySQLError as error:
            self.db.rollback()
            where = '%s.%s' % (self.params['database'], table)
            self.module.fail_json(msg='cannot move the seed rows of %s onto their canonical keys, nothing of it '
                                      'changed: %s; %s' % (where, error, MANUAL_STEPS % table))
        finally:
            with self.db.cursor() as cursor:
                cursor.execute('SET SESSION foreign_key_checks = 1')

    def mark(self, seed):
        if not self.module.check_mode:
            self._local_transaction([], seed['table'])
        return seed['table']

    def repair(self, seed):
        mapping = seeds_util.key_mapping(len(seed['rows']), self.params['offsets'], self.params['increment'])
        columns = self.referring_columns(seed)
        highest = max([max(mapping) if mapping else 0] + [
            int(self.query('SELECT COALESCE(MAX(%s), 0) AS top FROM %s' % (_quote(c), _quote(t)))[0]['top'])
            for t, c in columns])
        statements = []
        for table, column in columns:
            statements.extend(seeds_util.remap_statements(table, column, mapping, highest + 1))
        entry = {'table': seed['table'], 'columns': ['%s.%s' % (t, c) for t, c in columns]}
        if self.module.check_mode:
            return entry
        self._local_transaction(statements, seed['table'])
        self.recorded.add(seed['table'].upper())
        after = self.status(seed)
        if after['status'] != seeds_util.CANONICAL:
            self.module.fail_json(msg='after the repair the seed rows of %s.%s are %s (keys %s)'
                                      % (self.params['database'], seed['table'], after['status'], after['keys']))
        return entry


def main():
    module = AnsibleModule(
        argument_spec=dict(
            database=dict(type='str', required=True),
            seeds=dict(type='list', elements='dict', required=True),
            offset=dict(type='int', required=True),
            offsets=dict(type='list', elements='int', required=True),
            increment=dict(type='int', required=True),
            references=dict(type='list', elements='dict', default=[], options=dict(
                table=dict(type='str', required=True),
                column=dict(type='str', required=True),
                references=dict(type='str', required=True))),
            loaded=dict(type='bool', default=False),
            state=dict(type='str', choices=['query', 'marked', 'canonical'], default='query'),
            login_unix_socket=dict(type='path', default='/run/mysqld/mysqld.sock'),
            login_user=dict(type='str', default='root'),
            login_password=dict(type='str', default='', no_log=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params['increment'] < 1 or params['offset'] not in params['offsets']:
        module.fail_json(msg='offset %s must be one of offsets %s, and increment (%s) at least 1'
                             % (params['offset'], params['offsets'], params['increment']))
    if pymysql is None:
        module.fail_json(msg=missing_required_lib('PyMySQL'), exception=PYMYSQL_IMPORT_ERROR)
    try:
        connection = pymysql.connect(unix_socket=params['login_unix_socket'], user=params['login_user'],
                                     password=params['login_password'], database=params['database'],
                                     cursorclass=pymysql.cursors.DictCursor, autocommit=False)
    except pymysql.MySQLError as error:
        module.fail_json(msg='cannot connect to database %s through %s: %s'
                             % (params['database'], params['login_unix_socket'], error))
    repaired, marked = [], []
    try:
        worker = SeedRows(module, connection)
        tables = [worker.status(seed) for seed in params['seeds']]
        by_status = dict((status, [t['table'] for t in tables if t['status'] == status])
                         for status in (seeds_util.OFFSET, seeds_util.UNKNOWN, seeds_util.MISSING))
        if params['state'] == 'marked' and by_status[seeds_util.OFFSET]:
            module.fail_json(msg='%s: %s' % (params['database'], REPAIR % (', '.join(by_status[seeds_util.OFFSET]),
                                                                           params['offset'])), tables=tables)
        broken = by_status[seeds_util.UNKNOWN] + by_status[seeds_util.MISSING]
        if params['state'] == 'canonical' and broken:
            module.fail_json(msg='cannot repair the seed rows of %s: %s; %s' % (
                params['database'], ', '.join('%s is %s (keys %s)' % (t['table'], t['status'], t['keys'])
                                              for t in tables if t['table'] in broken),
                MANUAL_STEPS % ', '.join(broken)), tables=tables)
        if broken:
            module.warn('%s: the seed rows of %s are not where a load puts them (%s); verify compares them across '
                        'the DCs' % (params['database'], ', '.join(broken),
                                     ', '.join('%s: %s' % (t['table'], t['status']) for t in tables
                                               if t['table'] in broken)))
        if params['state'] != 'query':
            for seed, table in zip(params['seeds'], tables):
                if table['status'] == seeds_util.OFFSET:
                    repaired.append(worker.repair(seed))
                elif table['status'] == seeds_util.CANONICAL and not table['recorded']:
                    marked.append(worker.mark(seed))
    except pymysql.MySQLError as error:
        module.fail_json(msg='reading the seed rows of %s failed: %s' % (params['database'], error))
    finally:
        connection.close()
    module.exit_json(changed=bool(repaired or marked), tables=tables, repaired=repaired, marked=marked)


if __name__ == '__main__':
    main()
