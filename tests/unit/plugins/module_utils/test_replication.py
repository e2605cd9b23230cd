"""The replication plan of db_replication: which connections to create, reset, start or leave alone."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import datetime

import pytest

from ansible_collections.multidc.apim.plugins.module_utils.replication import (
    replication_health,
    replication_plan,
    shared_ids,
    unreachable_peers,
)

PEERS = [{'name': 'dc2', 'address': 'dc2-db', 'port': 3306}, {'name': 'dc3', 'address': 'dc3-db', 'port': 3306}]


def row(name, host=None, port='3306', user='repl', gtid='Slave_Pos', io='Yes', sql='Yes'):
    return {'Connection_name': name, 'Master_Host': host or name + '-db', 'Master_Port': port, 'Master_User': user,
            'Using_Gtid': gtid, 'Slave_IO_Running': io, 'Slave_SQL_Running': sql}


def plan(missing=(), differ=(), ok=(), stopped=(), extra=(), tls=()):
    return {'missing': list(missing), 'differ': list(differ), 'tls': list(tls), 'ok': list(ok),
            'stopped': list(stopped), 'extra': list(extra)}


CA = '/etc/mysql/multidc-tls/ca.pem'


def tls_row(name, allowed='Yes', verify='Yes', ca=CA, **kwargs):
    return dict(row(name, **kwargs), Master_SSL_Allowed=allowed, Master_SSL_Verify_Server_Cert=verify,
                Master_SSL_CA_File=ca)


@pytest.mark.parametrize('rows, expected', [
    ([], plan(missing=['dc2', 'dc3'])),
    ([row('dc2'), row('dc3')], plan(ok=['dc2', 'dc3'])),
    ([row('dc2', host='old-db'), row('dc3')], plan(differ=['dc2'], ok=['dc3'])),
    ([row('dc2', port=3307), row('dc3')], plan(differ=['dc2'], ok=['dc3'])),
    ([row('dc2', user='root'), row('dc3')], plan(differ=['dc2'], ok=['dc3'])),
    ([row('dc2', gtid='No'), row('dc3')], plan(differ=['dc2'], ok=['dc3'])),
    ([row('dc2', io='No'), row('dc3', sql='No')], plan(ok=['dc2', 'dc3'], stopped=['dc2', 'dc3'])),
    ([row('dc2', host='old-db', sql='No')], plan(missing=['dc3'], differ=['dc2'], stopped=['dc2'])),
    ([row('dc2'), row('dc3'), row('dc9'), row('dc4')], plan(ok=['dc2', 'dc3'], extra=['dc4', 'dc9'])),
    ([row('dc2', io='Connecting')], plan(missing=['dc3'], ok=['dc2'])),
], ids=['fresh', 'converged', 'moved-host', 'other-port', 'other-user', 'no-gtid', 'stopped', 'differ-and-stopped',
        'extra-sorted', 'connecting-is-not-stopped'])
def test_replication_plan(rows, expected):
    assert replication_plan(rows, PEERS, 'repl') == expected


@pytest.mark.parametrize('rows, expected', [
    ([tls_row('dc2'), tls_row('dc3')], plan(ok=['dc2', 'dc3'])),
    ([tls_row('dc2', allowed='No', verify='No', ca=''), tls_row('dc3')], plan(ok=['dc2', 'dc3'], tls=['dc2'])),
    ([tls_row('dc2', verify='No'), tls_row('dc3', ca='/old/ca.pem')], plan(ok=['dc2', 'dc3'], tls=['dc2', 'dc3'])),
    ([tls_row('dc2', host='old-db', allowed='No'), tls_row('dc3', io='No', verify='No')],
     plan(differ=['dc2'], ok=['dc3'], tls=['dc3'], stopped=['dc3'])),
], ids=['verified', 'plaintext', 'unverified-and-other-ca', 'differ-is-not-also-tls'])
def test_replication_plan_with_tls(rows, expected):
    assert replication_plan(rows, PEERS, 'repl', CA) == expected


def test_replication_plan_without_tls_turns_it_off():
    rows = [tls_row('dc2'), tls_row('dc3', allowed='No', verify='No', ca='')]
    assert replication_plan(rows, PEERS, 'repl') == plan(ok=['dc2', 'dc3'], tls=['dc2'])


def test_replication_plan_takes_no_rows_as_none():
    assert replication_plan(None, PEERS[:1], 'repl') == plan(missing=['dc2'])


@pytest.mark.parametrize('results, expected', [
    ([], []),
    ([{'item': PEERS[0], 'state': 'started'}], []),
    ([{'item': PEERS[0], 'failed': True, 'msg': 'Timeout'}], ['DC dc2 at dc2-db:3306']),
    ([{'item': PEERS[0], 'skipped': True}, {'item': PEERS[1], 'msg': 'Timeout'}], ['DC dc3 at dc3-db:3306']),
], ids=['none', 'reached', 'timed-out', 'skipped-is-not-unreachable'])
def test_unreachable_peers(results, expected):
    assert unreachable_peers(results) == expected


def ring(*ids):
    return [{'name': 'dc%d' % n, 'auto_increment_offset': offset, 'gtid_domain_id': domain, 'server_id': server}
            for n, (offset, domain, server) in enumerate(ids, 1)]


@pytest.mark.parametrize('dcs, expected', [
    (ring((1, 1, 1001), (2, 2, 2001), (3, 3, 3001)), []),
    (ring((1, 1, 1001), (2, 2, 2001), ('1', 3, 3001)),
     ['DC dc1 has auto_increment_offset 1, and so does DC dc3', 'DC dc3 has auto_increment_offset 1, and so does DC dc1']),
    (ring((1, 7, 1001), (2, 7, 2001), (3, 7, 1001)),
     ['DC dc1 has gtid_domain_id 7, and so does DC dc2, DC dc3', 'DC dc1 has server_id 1001, and so does DC dc3',
      'DC dc2 has gtid_domain_id 7, and so does DC dc1, DC dc3',
      'DC dc3 has gtid_domain_id 7, and so does DC dc1, DC dc2', 'DC dc3 has server_id 1001, and so does DC dc1']),
], ids=['all-distinct', 'offset-shared-as-string', 'domain-and-server-shared'])
def test_shared_ids_names_every_dc_and_id(dcs, expected):
    assert shared_ids(dcs) == expected


def status(name, io='Yes', sql='Yes', behind=0, io_errno=0, sql_errno=0):
    return dict(row(name, io=io, sql=sql), Seconds_Behind_Master=behind, Gtid_IO_Pos='1-101-7',
                Last_IO_Errno=io_errno, Last_IO_Error='io broke' if io_errno else '',
                Last_SQL_Errno=sql_errno, Last_SQL_Error='sql broke' if sql_errno else '')


@pytest.mark.parametrize('rows, problems', [
    ([status('dc2'), status('dc3', behind=5)], []),
    ([status('dc2')], ['no connection dc3 to DC dc3']),
    ([status('dc2', io='Connecting'), status('dc3')], ['connection dc2: IO thread Connecting, SQL thread Yes']),
    ([status('dc2', sql='No', sql_errno=1062), status('dc3')],
     ['connection dc2: IO thread Yes, SQL thread No', 'connection dc2: last SQL error 1062 sql broke']),
    ([status('dc2', io_errno=2003), status('dc3')], ['connection dc2: last IO error 2003 io broke']),
    ([status('dc2', behind=None), status('dc3', behind=6)],
     ['connection dc2: None s behind (max 5)', 'connection dc3: 6 s behind (max 5)']),
    ([status('dc2'), status('dc3'), status('old')], []),
], ids=['healthy', 'missing', 'io-connecting', 'sql-error', 'io-error', 'lag', 'extra-ignored'])
def test_replication_health(rows, problems):
    health = replication_health(rows, PEERS, 5)
    assert health['problems'] == problems
    assert health['ok'] is (problems == [])
    assert [c['name'] for c in health['connections']] == [p['name'] for p in PEERS
                                                          if p['name'] in [r['Connection_name'] for r in rows]]


def test_replication_health_reports_what_it_read():
    health = replication_health([status('dc2', behind=3)], PEERS[:1], 5)
    assert health['connections'] == [{
        'name': 'dc2', 'peer': 'dc2-db:3306', 'io_running': 'Yes', 'sql_running': 'Yes', 'seconds_behind': 3,
        'gtid_io_pos': '1-101-7', 'last_io_errno': 0, 'last_io_error': '', 'last_sql_errno': 0,
        'last_sql_error': '', 'tls': 'off'}]


@pytest.mark.parametrize('rows, tls, problems', [
    ([tls_row('dc2'), tls_row('dc3')], ['verified', 'verified'], []),
    ([tls_row('dc2', verify='No'), tls_row('dc3', allowed='No', verify='No', ca='')], ['unverified', 'off'],
     ['connection dc2: TLS unverified with CA %s, wanted verified against %s' % (CA, CA),
      'connection dc3: TLS off with CA (none), wanted verified against %s' % CA]),
    ([tls_row('dc2', ca='/old/ca.pem'), tls_row('dc3')], ['verified', 'verified'],
     ['connection dc2: TLS verified with CA /old/ca.pem, wanted verified against %s' % CA]),
], ids=['verified', 'unverified-and-off', 'other-ca'])
def test_replication_health_with_tls(rows, tls, problems):
    rows = [dict(r, Seconds_Behind_Master=0) for r in rows]
    health = replication_health(rows, PEERS, 5, CA)
    assert [c['tls'] for c in health['connections']] == tls
    assert health['problems'] == problems


@pytest.mark.parametrize('positions, own, expected', [
    (['1-1001-5,2-2001-9', '1-1001-5,2-2001-9'], '1-1001-5,2-2001-9', ''),
    (['1-1001-7,2-2001-9', '1-1001-5,2-2001-12'], '1-1001-7,2-2001-9', '2-2001-12'),
    (['1-1001-7', '2-2001-3', '3-3001-4'], '1-1001-7', '2-2001-3,3-3001-4'),
], ids=['level', 'behind-in-one-domain', 'fresh-domains'])
def test_gtid_wait_position(positions, own, expected):
    from ansible_collections.multidc.apim.plugins.filter.gtid import gtid_wait_position
    assert gtid_wait_position(positions, own) == expected


NOW = datetime.datetime(2026, 11, 27, 12, 0, 0)


@pytest.mark.parametrize('not_after, days, warnings', [
    ('', None, []),
    ('Feb 28 12:00:00 2029 GMT', 824, []),
    ('Dec 27 12:00:00 2026 GMT', 30, []),
    ('Dec 26 12:00:00 2026 GMT', 29,
     ['the certificate of this database expires in 29 day(s), on Dec 26 12:00:00 2026 GMT; fix: renew it '
      '(docs/tls.md)']),
    ('Nov  1 00:00:00 2026 GMT', -27,
     ['the certificate of this database expires in -27 day(s), on Nov 1 00:00:00 2026 GMT; fix: renew it '
      '(docs/tls.md)']),
], ids=['no-tls', 'years-left', 'thirty-days-is-fine', 'under-thirty-warns', 'expired-warns'])
def test_replication_health_counts_the_certificate_days(not_after, days, warnings):
    health = replication_health([dict(tls_row('dc2'), Seconds_Behind_Master=0)], PEERS[:1], 5, CA, not_after, NOW)
    assert health['certificate_days'] == days
    assert health['warnings'] == warnings
    assert health['ok'] is True
