# -*- coding: utf-8 -*-
"""db_consistency through its real entry, with the PyMySQL connector replaced by in-memory fake servers."""

import pytest

from ansible_collections.multidc.apim.plugins.modules import db_consistency
from ansible_collections.multidc.apim.plugins.module_utils.consistency import ServerError
from ansible_collections.multidc.apim.tests.unit.plugins.module_utils.consistency_fakes import FakeTable, lab

AM = 'WSO2AM_DB'


def fake_lab():
    tables = {AM: {'AM_API': FakeTable(['ID', 'NAME'], ['ID'], [(k, 'api-%d' % k) for k in range(1, 31)],
                                       types={'NAME': 'varchar'})}}
    servers, dummy = lab(tables=tables, pos=['1-1001-4', '2-2002-1', ''])
    return servers


@pytest.fixture
def servers(monkeypatch):
    """The fake servers the module connects to; the connector's arguments are recorded on ``servers.login``."""
    fakes = fake_lab()
    login = {}

    def connector(user, password, connect_timeout, read_timeout):
        login.update(user=user, password=password, connect_timeout=connect_timeout, read_timeout=read_timeout)

        def connect(server):
            if server['name'] not in fakes:
                raise ServerError(server['name'], 'cannot connect to %s:%s as %s: timed out'
                                  % (server['host'], server['port'], user))
            return fakes[server['name']]
        return connect

    monkeypatch.setattr(db_consistency, 'HAS_PYMYSQL', True)
    monkeypatch.setattr(db_consistency, 'PyMySQLConnector', connector)
    fakes['login'] = login
    return fakes


def args(**extra):
    value = dict(servers=[{'name': 'dc1', 'host': 'db1'}, {'name': 'dc2', 'host': 'db2', 'port': 3307},
                          {'name': 'dc3', 'host': 'db3'}],
                 login_user='checker', login_password='secret', databases=[AM], budget=30, chunk_size=10)
    value.update(extra)
    return value


@pytest.mark.parametrize('check_mode', [False, True], ids=['run', 'check-mode'])
def test_equal_dcs_report_consistent_and_change_nothing(run_module, servers, check_mode):
    result, failed = run_module(db_consistency, args(), check_mode=check_mode)
    assert not failed and result['changed'] is False
    assert result['consistent'] is True and result['complete'] is True and result['not_compared'] == []
    assert result['lines'] == ['dc1 = dc2: equal (1 databases, 1 tables)', 'dc1 = dc3: equal (1 databases, 1 tables)',
                               'dc2 = dc3: equal (1 databases, 1 tables)']
    assert sorted(result) == ['changed', 'complete', 'consistent', 'elapsed', 'lines', 'not_compared', 'pairs']
    assert [(p['left'], p['right'], p['status']) for p in result['pairs']] == [
        ('dc1', 'dc2', 'equal'), ('dc1', 'dc3', 'equal'), ('dc2', 'dc3', 'equal')]
    assert 'diff' not in result
    assert servers['login'] == dict(user='checker', password='secret', connect_timeout=10.0, read_timeout=41)


def test_a_difference_is_returned_not_failed(run_module, servers):
    servers['dc2'].databases[AM]['AM_API'].rows[20] = (21, 'changed')
    result, failed = run_module(db_consistency, args(rechecks=1))
    assert not failed and result['changed'] is False
    assert result['consistent'] is False and result['complete'] is True
    assert result['lines'][0] == 'dc1 != dc2: WSO2AM_DB.AM_API ID 21..30'
    assert result['pairs'][0]['differences'] == [dict(database=AM, table='AM_API', key='ID', first=21, last=30,
                                                      range='ID 21..30', reason='rows')]


def test_an_unreachable_server_fails_naming_it(run_module, servers):
    result, failed = run_module(db_consistency, args(servers=args()['servers'] + [{'name': 'dc4', 'host': 'db4'}]))
    assert failed and result['server'] == 'dc4'
    assert result['msg'] == 'dc4: cannot connect to db4:3306 as checker: timed out'


@pytest.mark.parametrize('extra, message', [
    (dict(budget=0), 'budget must be a number of seconds > 0'),
    (dict(databases=[]), 'databases: give the list of databases'),
    (dict(databases=[AM, 'NO_SUCH_DB']), 'database NO_SUCH_DB does not exist on dc1 (db1:3306)'),
    (dict(connect_timeout=0), 'connect_timeout must be > 0'),
], ids=['budget', 'no-databases', 'unknown-database', 'connect-timeout'])
def test_bad_input_fails_with_a_clear_message(run_module, servers, extra, message):
    result, failed = run_module(db_consistency, args(**extra))
    assert failed and message in result['msg']


def test_without_pymysql_it_fails_saying_what_to_install(run_module, monkeypatch):
    monkeypatch.setattr(db_consistency, 'HAS_PYMYSQL', False)
    result, failed = run_module(db_consistency, args())
    assert failed and 'PyMySQL' in result['msg']
