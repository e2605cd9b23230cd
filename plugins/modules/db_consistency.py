#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: db_consistency
short_description: Compare the WSO2 databases of every DC, pair by pair, read-only and within a time budget
version_added: 0.1.0
description:
  - Connects to the MariaDB server of every DC and compares the rows of O(databases), table by table, for every
    pair of DCs (in the order of O(servers)).
  - First reads every server's C(@@gtid_binlog_pos) and waits (C(MASTER_GTID_WAIT)) on every server for the union of
    them, so that everything committed anywhere before the check started is compared everywhere.
  - Tables whose primary key starts with an integer column are compared in key ranges of O(chunk_size) rows; other
    tables are compared whole. A range is compared by row count and an order-independent XOR of a 64-bit hash of
    every row (all columns, NULL told apart from an empty string).
  - A range that differs is compared again after a new GTID wait, up to O(rechecks) times; only a difference that
    persists is reported, so rows still in flight between DCs are not.
  - The whole check stops at O(budget) seconds. What was not compared by then is reported in RV(not_compared), and
    a pair is never reported equal unless every table was compared.
  - The module never fails because of a difference; test RV(consistent) (or RV(pairs)) in the play. It fails, naming
    the server, when a server cannot be reached or a query fails, and on bad input (for example a database that does
    not exist on a server).
  - See C(docs/db_consistency.md) in the collection.
author:
  - multidc.apim developers (@multidc)
options:
  servers:
    description:
      - The server of every DC, in the order the pairs are formed and reported.
      - The first server also sets the key ranges (it is walked for range boundaries).
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The DC's name, used in the results.
        type: str
        required: true
      host:
        description: Address of the DC's database server, as reachable from the host that runs the task.
        type: str
        required: true
      port:
        description: Its port.
        type: int
        default: 3306
  login_user:
    description:
      - The user to log in with, on every server. It needs C(SELECT) on O(databases), nothing else.
    type: str
    required: true
  login_password:
    description: Its password.
    type: str
  databases:
    description: The databases to compare. Each must exist on every server.
    type: list
    elements: str
    required: true
  budget:
    description:
      - Hard deadline, in seconds, for the whole check (connecting, GTID waits, rechecks included). Must be > 0.
    type: float
    default: 60
  chunk_size:
    description: Rows per key range of a keyed table.
    type: int
    default: 10000
  rechecks:
    description: How many times a differing range is compared again, each time after a new GTID wait.
    type: int
    default: 3
  connect_timeout:
    description: Seconds to wait for each server's connection (bounded by O(budget) as well).
    type: int
    default: 10
attributes:
  check_mode:
    description: Only reads, so it runs in check mode exactly as without it.
    support: full
  diff_mode:
    description: Nothing is changed, so there is nothing to diff.
    support: none
  idempotent:
    description: It never changes anything.
    support: full
  platform:
    description: Target OS families that can be operated against.
    platforms: posix
    support: full
requirements:
  - PyMySQL (Debian C(python3-pymysql)) on the host that runs the task.
notes:
  - Targets MariaDB (C(MASTER_GTID_WAIT), C(@@gtid_binlog_pos), C(max_statement_time)).
  - Each server keeps one read-only consistent-snapshot transaction open while it is compared, at most O(budget)
    seconds.
seealso:
  - module: community.mysql.mysql_query
'''

EXAMPLES = r'''
# ansible_facts.apim_topology is set by playbooks/preflight.yml. The application
# users can read their own database from any host, so each database is
# compared with its own user, from one DB host.
- name: List the database server of every DC, in DC order
  ansible.builtin.set_fact:
    consistency_servers: >-
      {{ consistency_servers | default([]) + [{'name': item,
         'host': ansible_facts.apim_topology.datacenters[item].db.address,
         'port': ansible_facts.apim_topology.datacenters[item].db.port}] }}
  loop: "{{ ansible_facts.apim_topology.dc_order }}"

- name: Compare WSO2AM_DB across the DCs
  multidc.apim.db_consistency:
    servers: "{{ consistency_servers }}"
    login_user: wso2am
    login_password: "{{ db_replication_apim_password }}"
    databases: [WSO2AM_DB]
    budget: 60
  run_once: true
  register: am_consistency

- name: Compare with explicit servers
  multidc.apim.db_consistency:
    servers:
      - {name: dc1, host: apim-db1.dc1.example.com}
      - {name: dc2, host: apim-db1.dc2.example.com}
      - {name: dc3, host: apim-db1.dc3.example.com, port: 3307}
    login_user: checker
    login_password: "{{ checker_password }}"
    databases: [WSO2REG_DB, WSO2AM_DB]
    budget: 120
  run_once: true
  register: consistency

- name: Show one line per pair of DCs
  ansible.builtin.debug:
    var: consistency.lines

- name: Fail when a pair differs or was not fully compared
  ansible.builtin.assert:
    that: consistency.consistent
    fail_msg: "{{ consistency.lines }}"
'''

RETURN = r'''
pairs:
  description: One entry per pair of DCs, in the order of O(servers).
  returned: success
  type: list
  elements: dict
  contains:
    left:
      description: The first DC of the pair.
      type: str
      sample: dc1
    right:
      description: The second DC of the pair.
      type: str
      sample: dc3
    status:
      description:
        - V(equal) (every table compared, no difference), V(different) (at least one difference; some tables may not
          have been compared, see RV(pairs[].not_compared)) or V(incomplete) (no difference in what was compared, but
          not everything was).
      type: str
      sample: different
    databases:
      description: Number of databases compared.
      type: int
      sample: 2
    tables:
      description: Number of tables compared in full for this pair.
      type: int
      sample: 31
    differences:
      description:
        - Every difference that persisted, as C(database), C(table), C(key) (the key column, or null), C(first) and
          C(last) (the key range, or null), C(range) (text, for example C(ALERT_TYPE_ID 1..12), C(whole table),
          C(missing on dc3), C(columns differ)) and C(reason) (C(rows), C(missing) or C(columns)).
      type: list
      elements: dict
      sample: [{database: WSO2AM_DB, table: AM_ALERT_TYPES, key: ALERT_TYPE_ID, first: 1, last: 12,
                range: ALERT_TYPE_ID 1..12, reason: rows}]
    not_compared:
      description: What was not compared for this pair, in the same form as RV(not_compared).
      type: list
      elements: dict
lines:
  description: One line per pair of DCs, for people.
  returned: success
  type: list
  elements: str
  sample:
    - "dc1 = dc2: equal (2 databases, 31 tables)"
    - "dc1 != dc3: WSO2AM_DB.AM_ALERT_TYPES ALERT_TYPE_ID 1..12"
    - "dc2 ? dc3: incomplete, not compared: WSO2AM_DB.AM_API API_ID 20001..1000000"
consistent:
  description: Whether every pair was compared in full and is equal.
  returned: success
  type: bool
  sample: true
complete:
  description: Whether everything was compared (nothing in RV(not_compared)).
  returned: success
  type: bool
  sample: true
not_compared:
  description:
    - What the budget left uncompared, as C(database), C(table) (null when the database's tables were not even
      listed), C(key), C(first), C(last), C(range) (for example C(API_ID 20001..1000000), C(whole table), C(tables not
      listed)) and C(reason) (for example C(budget of 60 s used up)).
  returned: success
  type: list
  elements: dict
  sample: [{database: WSO2AM_DB, table: AM_API, key: API_ID, first: 20001, last: 1000000,
            range: API_ID 20001..1000000, reason: budget of 60 s used up}]
elapsed:
  description: Seconds the check took.
  returned: success
  type: float
  sample: 4.2
'''

from ansible.module_utils.basic import AnsibleModule, missing_required_lib
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.multidc.apim.plugins.module_utils.consistency import (
    HAS_PYMYSQL,
    PYMYSQL_IMPORT_ERROR,
    ConsistencyError,
    PyMySQLConnector,
    ServerError,
    check_consistency,
    render_lines,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            servers=dict(type='list', elements='dict', required=True, options=dict(
                name=dict(type='str', required=True),
                host=dict(type='str', required=True),
                port=dict(type='int', default=3306),
            )),
            login_user=dict(type='str', required=True),
            login_password=dict(type='str', no_log=True),
            databases=dict(type='list', elements='str', required=True),
            budget=dict(type='float', default=60),
            chunk_size=dict(type='int', default=10000),
            rechecks=dict(type='int', default=3),
            connect_timeout=dict(type='int', default=10),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not HAS_PYMYSQL:
        module.fail_json(msg=missing_required_lib('PyMySQL'), exception=PYMYSQL_IMPORT_ERROR)
    if params['connect_timeout'] <= 0:
        module.fail_json(msg='connect_timeout must be > 0, got %s' % params['connect_timeout'])
    budget = max(params['budget'], 0)
    try:
        connect = PyMySQLConnector(
            params['login_user'], params['login_password'],
            connect_timeout=max(min(float(params['connect_timeout']), budget), 0.1),
            # a safety net for a hung network: the statements themselves are bounded by the budget on the server
            read_timeout=int(budget) + params['connect_timeout'] + 1)
        result = check_consistency(params['servers'], params['databases'], params['budget'], connect,
                                   chunk_size=params['chunk_size'], rechecks=params['rechecks'])
    except ConsistencyError as exc:
        module.fail_json(msg=to_native(exc))
    except ServerError as exc:
        module.fail_json(msg=to_native(exc), server=exc.server)
    module.exit_json(
        changed=False,
        pairs=result['pairs'],
        lines=render_lines(result),
        consistent=result['consistent'],
        complete=result['complete'],
        not_compared=result['not_compared'],
        elapsed=result['elapsed'],
    )


if __name__ == '__main__':
    main()
