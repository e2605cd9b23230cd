"""The cross-DC consistency check (plugins/module_utils/consistency.py), against in-memory fake servers."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.multidc.apim.plugins.module_utils.consistency import (
    ConsistencyError,
    ServerError,
    check_consistency,
    checksum_sql,
    parse_gtid_pos,
    quote_identifier,
    render_line,
    render_lines,
    row_hash_sql,
    union_position,
    wait_position,
)
from ansible_collections.multidc.apim.tests.unit.plugins.module_utils.consistency_fakes import (
    FakeTable,
    connector,
    lab,
    server_list,
)

AM = 'WSO2AM_DB'
REG = 'WSO2REG_DB'


def keyed(count, start=1, step=1, name='T'):
    """A table with an integer key ID and a text column."""
    return FakeTable(['ID', 'NAME'], ['ID'], [(k, '%s-%d' % (name, k)) for k in range(start, start + count * step, step)],
                     types={'NAME': 'varchar'})


def schemas(**extra):
    tables = {AM: {'AM_ALERT_TYPES': keyed(12), 'AM_API': keyed(35),
                   'IDN_BASE_TABLE': FakeTable(['PRODUCT_NAME'], ['PRODUCT_NAME'], [('WSO2 Identity Server',)],
                                               types={'PRODUCT_NAME': 'varchar'})},
              REG: {'REG_LOG': FakeTable(['A', 'B'], [], [(1, None), (2, 'x')], types={'B': 'varchar'})}}
    for database, content in extra.items():
        tables.setdefault(database, {}).update(content)
    return tables


def run(servers, clock, databases=(AM, REG), budget=60, chunk_size=10, rechecks=3):
    return check_consistency(server_list(servers), list(databases), budget, connector(servers), chunk_size=chunk_size,
                             rechecks=rechecks, clock=clock)


def statuses(result):
    return dict(('%s-%s' % (p['left'], p['right']), p['status']) for p in result['pairs'])


def ranges(result, left, right):
    pair = [p for p in result['pairs'] if (p['left'], p['right']) == (left, right)][0]
    return ['%s.%s %s' % (d['database'], d['table'], d['range']) for d in pair['differences']]


# ---------------------------------------------------------------- GTID positions

@pytest.mark.parametrize('text, expected', [
    ('', {}),
    ('1-1001-5', {1: (1001, 5)}),
    ('1-1001-5,2-2001-9', {1: (1001, 5), 2: (2001, 9)}),
    (' 2-2001-9 , 1-1001-5 ', {1: (1001, 5), 2: (2001, 9)}),
], ids=['empty', 'one-domain', 'two-domains', 'spaces'])
def test_parse_gtid_pos(text, expected):
    assert parse_gtid_pos(text) == expected


@pytest.mark.parametrize('text', ['1-1001', 'a-b-c', '1-2-3-4'])
def test_parse_gtid_pos_refuses_garbage(text):
    with pytest.raises(ConsistencyError, match='cannot read GTID'):
        parse_gtid_pos(text)


def test_union_takes_the_furthest_sequence_per_domain():
    positions = [parse_gtid_pos('1-1001-9,2-2001-3'), parse_gtid_pos('1-1001-7,2-2001-5'), parse_gtid_pos('3-3001-1')]
    assert union_position(positions) == {1: (1001, 9), 2: (2001, 5), 3: (3001, 1)}


@pytest.mark.parametrize('own, expected', [
    ('1-1001-9,2-2001-5,3-3001-1', {}),
    ('1-1001-9', {2: (2001, 5), 3: (3001, 1)}),
    ('1-1001-8,2-2001-5,3-3001-1', {1: (1001, 9)}),
    ('', {1: (1001, 9), 2: (2001, 5), 3: (3001, 1)}),
], ids=['caught-up', 'own-domain-only', 'behind-in-one', 'empty-binlog'])
def test_wait_position_leaves_out_what_the_server_already_logged(own, expected):
    union = parse_gtid_pos('1-1001-9,2-2001-5,3-3001-1')
    assert wait_position(union, parse_gtid_pos(own)) == expected


def test_every_server_waits_for_the_union_of_all_positions_before_comparing():
    servers, clock = lab(tables=schemas(), pos=['1-1001-9', '1-1001-9,2-2001-4', '1-1001-7,3-3001-2'])
    result = run(servers, clock)
    assert result['consistent'] is True
    assert result['gtid_position'] == '1-1001-9,2-2001-4,3-3001-2'
    assert servers['dc1'].waits == ['2-2001-4,3-3001-2']
    assert servers['dc2'].waits == ['3-3001-2']
    assert servers['dc3'].waits == ['1-1001-9,2-2001-4']
    # the waits come before any table is read, and a snapshot is opened after them
    log = [sql for sql, args in servers['dc3'].log]
    first_table_read = min(i for i, sql in enumerate(log) if 'information_schema.TABLES' in sql)
    wait = log.index('SELECT MASTER_GTID_WAIT(%s, %s) AS result')
    assert wait < log.index('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY') < first_table_read


def test_the_gtid_wait_is_bounded_by_the_remaining_budget():
    servers, clock = lab(tables=schemas(), pos=['1-1001-9', '', ''])
    run(servers, clock, budget=30)
    timeout = [args[1] for sql, args in servers['dc2'].log if 'MASTER_GTID_WAIT' in sql][0]
    assert 29 < timeout <= 30


# ---------------------------------------------------------------- chunk planning

def chunk_args(server):
    return [args for args in server.checksums() if args]


@pytest.mark.parametrize('dc1_keys, dc2_keys, chunk_size, chunks', [
    (range(1, 26), range(1, 26), 10, [(1, 10), (11, 20), (21, 25)]),
    (range(1, 21), range(1, 21), 10, [(1, 10), (11, 20)]),
    (range(1, 26), range(1, 31), 10, [(1, 10), (11, 20), (21, 30)]),
    (range(5, 26), range(1, 26), 10, [(1, 14), (15, 24), (25, 25)]),
    (range(10, 200, 10), range(10, 200, 10), 5, [(10, 59), (60, 109), (110, 159), (160, 190)]),
    ([7], [7], 10, [(7, 7)]),
    (range(1, 26), range(1, 26), 100, [(1, 25)]),
], ids=['exact-walk', 'full-last-chunk', 'upper-bound-from-any-server', 'lower-bound-from-any-server', 'gaps',
        'one-row', 'one-chunk'])
def test_chunk_boundaries_walk_the_first_server_and_cover_every_server(dc1_keys, dc2_keys, chunk_size, chunks):
    tables = {AM: {'T': FakeTable(['ID'], ['ID'], [(k,) for k in dc1_keys])}}
    servers, clock = lab(names=('dc1', 'dc2'), tables=tables)
    servers['dc2'].databases[AM]['T'].rows = [(k,) for k in dc2_keys]
    result = run(servers, clock, databases=[AM], chunk_size=chunk_size, rechecks=0)
    assert chunk_args(servers['dc1']) == chunks
    assert chunk_args(servers['dc2']) == chunks
    assert [p['status'] for p in result['pairs']] == ['equal' if list(dc1_keys) == list(dc2_keys) else 'different']


def test_a_first_key_column_repeated_more_than_a_chunk_still_advances():
    # composite key (K, SEQ): 15 rows share K=5; boundaries are on K only
    rows = [(1, 0)] + [(5, s) for s in range(15)] + [(9, 0), (12, 0)]
    tables = {AM: {'T': FakeTable(['K', 'SEQ'], ['K', 'SEQ'], rows)}}
    servers, clock = lab(names=('dc1', 'dc2'), tables=tables)
    result = run(servers, clock, databases=[AM], chunk_size=4, rechecks=0)
    assert chunk_args(servers['dc1']) == [(1, 4), (5, 5), (6, 12)]
    assert result['consistent'] is True


@pytest.mark.parametrize('table', [
    FakeTable(['NAME'], ['NAME'], [('a',), ('b',)], types={'NAME': 'varchar'}),
    FakeTable(['A', 'B'], [], [(1, 2)]),
    FakeTable(['D', 'ID'], ['D', 'ID'], [('2024-01-01', 1)], types={'D': 'date'}),
    FakeTable(['ID'], ['ID'], []),
], ids=['text-key', 'no-key', 'key-starts-with-date', 'empty-keyed'])
def test_tables_without_an_integer_first_key_column_are_checksummed_whole(table):
    servers, clock = lab(names=('dc1', 'dc2'), tables={AM: {'T': table}})
    result = run(servers, clock, databases=[AM])
    assert servers['dc1'].checksums() == [()]
    assert result['consistent'] is True and result['chunks'] == 1


# ---------------------------------------------------------------- pair comparison

def test_identical_dcs_are_equal_pair_by_pair():
    servers, clock = lab(tables=schemas())
    result = run(servers, clock)
    assert statuses(result) == {'dc1-dc2': 'equal', 'dc1-dc3': 'equal', 'dc2-dc3': 'equal'}
    assert result['complete'] is True and result['consistent'] is True and result['not_compared'] == []
    assert [p['tables'] for p in result['pairs']] == [4, 4, 4]
    assert all(s.closed for s in servers.values())


@pytest.mark.parametrize('change, expected', [
    (lambda t: t.rows.__setitem__(3, (4, 'changed')), ['WSO2AM_DB.AM_API ID 1..10']),
    (lambda t: t.rows.pop(), ['WSO2AM_DB.AM_API ID 31..35']),
    (lambda t: t.rows.append((36, 'extra')), ['WSO2AM_DB.AM_API ID 31..36']),
    (lambda t: t.rows.__setitem__(14, (15, None)), ['WSO2AM_DB.AM_API ID 11..20']),
    (lambda t: (t.rows.__setitem__(0, (1, 'x')), t.rows.__setitem__(25, (26, 'y'))),
     ['WSO2AM_DB.AM_API ID 1..10', 'WSO2AM_DB.AM_API ID 21..30']),
], ids=['changed-row', 'missing-last-row', 'extra-row-above-all-keys', 'null-value', 'two-chunks'])
def test_a_difference_in_one_dc_is_reported_for_its_pairs_only(change, expected):
    servers, clock = lab(tables=schemas())
    change(servers['dc3'].databases[AM]['AM_API'])
    result = run(servers, clock, rechecks=1)
    assert statuses(result) == {'dc1-dc2': 'equal', 'dc1-dc3': 'different', 'dc2-dc3': 'different'}
    assert ranges(result, 'dc1', 'dc3') == expected
    assert ranges(result, 'dc2', 'dc3') == expected
    assert result['complete'] is True and result['consistent'] is False


def test_the_whole_table_is_the_range_of_an_unkeyed_table():
    servers, clock = lab(names=('dc1', 'dc2'), tables=schemas())
    servers['dc2'].databases[REG]['REG_LOG'].rows = [(1, ''), (2, 'x')]
    result = run(servers, clock)
    assert ranges(result, 'dc1', 'dc2') == ['WSO2REG_DB.REG_LOG whole table']
    assert result['pairs'][0]['differences'][0]['key'] is None


def test_a_table_missing_on_one_server_is_a_difference_and_the_others_still_compare():
    servers, clock = lab(tables=schemas())
    del servers['dc2'].databases[AM]['AM_ALERT_TYPES']
    result = run(servers, clock)
    assert ranges(result, 'dc1', 'dc2') == ['WSO2AM_DB.AM_ALERT_TYPES missing on dc2']
    assert ranges(result, 'dc2', 'dc3') == ['WSO2AM_DB.AM_ALERT_TYPES missing on dc2']
    assert statuses(result)['dc1-dc3'] == 'equal'
    assert result['pairs'][1]['tables'] == 4
    assert [args for sql, args in servers['dc2'].log if 'ALERT_TYPES' in sql] == []


def test_a_table_only_one_server_has_is_missing_on_both_others():
    servers, clock = lab(tables=schemas())
    servers['dc1'].databases[AM]['LOCAL_ONLY'] = keyed(3)
    result = run(servers, clock)
    assert statuses(result) == {'dc1-dc2': 'different', 'dc1-dc3': 'different', 'dc2-dc3': 'equal'}
    assert ranges(result, 'dc1', 'dc3') == ['WSO2AM_DB.LOCAL_ONLY missing on dc3']


def test_other_columns_are_a_difference_without_a_checksum():
    servers, clock = lab(names=('dc1', 'dc2'), tables=schemas())
    servers['dc2'].databases[AM]['AM_API'].types['NAME'] = 'text'
    result = run(servers, clock)
    assert ranges(result, 'dc1', 'dc2') == ['WSO2AM_DB.AM_API columns differ']


# ---------------------------------------------------------------- rechecks

def in_flight(table_name, row, after_waits):
    """``on_wait`` hook: the row arrives by replication at the ``after_waits``-th GTID wait."""
    def arrive(server):
        if len(server.waits) == after_waits:
            server.databases[AM][table_name].rows.append(row)
    return arrive


@pytest.mark.parametrize('arrives_at_wait, rechecks, status, recomputed', [
    (2, 3, 'equal', 1),       # arrives at the first recheck's wait
    (4, 3, 'equal', 3),       # arrives at the last recheck's wait
    (5, 3, 'different', 3),   # would arrive too late: persists through every recheck
    (2, 0, 'different', 0),   # no recheck: reported at once
    (None, 1, 'different', 1),
], ids=['cleared-first-recheck', 'cleared-last-recheck', 'persists', 'no-rechecks', 'never-arrives'])
def test_rechecks_clear_rows_in_flight_and_report_what_persists(arrives_at_wait, rechecks, status, recomputed):
    servers, clock = lab(names=('dc1', 'dc2'), tables=schemas(), pos=['1-1001-9', ''])
    servers['dc1'].databases[AM]['AM_API'].rows.append((36, 'T-36'))
    if arrives_at_wait:
        servers['dc2'].on_wait = in_flight('AM_API', (36, 'T-36'), arrives_at_wait)
    result = run(servers, clock, rechecks=rechecks)
    assert result['pairs'][0]['status'] == status
    # the differing last chunk 31..36 is recomputed after each new GTID wait, on every server
    for server in servers.values():
        assert server.checksums().count((31, 36)) == 1 + recomputed
    assert len(servers['dc2'].waits) == 1 + recomputed
    assert result['syncs'] == 1 + recomputed
    if status == 'equal':
        assert result['consistent'] is True
        assert result['cleared'] == [dict(database=AM, table='AM_API', key='ID', first=31, last=36,
                                          rechecks=recomputed)]
    else:
        assert ranges(result, 'dc1', 'dc2') == ['WSO2AM_DB.AM_API ID 31..36']
        assert result['pairs'][0]['differences'][0]['reason'] == 'rows'


def test_a_recheck_waits_for_the_position_read_again():
    servers, clock = lab(names=('dc1', 'dc2'), tables=schemas(), pos=['1-1001-9', '1-1001-9'])
    servers['dc1'].databases[AM]['AM_API'].rows.append((36, 'T-36'))

    def write_then_arrive(server):
        server.databases[AM]['AM_API'].rows.append((36, 'T-36'))

    def dc1_writes_more(server):
        server.pos = '1-1001-10'
    servers['dc2'].on_wait = write_then_arrive
    servers['dc1'].on_wait = dc1_writes_more
    # dc2 is not behind at first (no wait); dc1 then logs one more transaction before the recheck
    original = servers['dc1'].query

    def query(sql, args=()):
        if 'AS row_count' in sql and args == (31, 36):
            servers['dc1'].pos = '1-1001-10'
        return original(sql, args)
    servers['dc1'].query = query
    result = run(servers, clock)
    assert servers['dc2'].waits == ['1-1001-10']
    assert result['consistent'] is True


# ---------------------------------------------------------------- budget

def full_run_time():
    servers, clock = lab(tables=schemas(), cost=0.001, pos=['1-1001-3', '', ''])
    result = run(servers, clock, chunk_size=5)
    assert result['complete'] is True
    return result['elapsed']


@pytest.mark.parametrize('fraction', [0.01, 0.1, 0.3, 0.5, 0.7, 0.85])
def test_a_budget_that_runs_out_never_reports_a_pair_equal(fraction):
    servers, clock = lab(tables=schemas(), cost=0.001, pos=['1-1001-3', '', ''])
    result = run(servers, clock, budget=full_run_time() * fraction, chunk_size=5)
    assert result['complete'] is False and result['consistent'] is False
    assert result['not_compared'] and result['stopped'].startswith('budget of')
    for pair in result['pairs']:
        assert pair['status'] == 'incomplete' and pair['not_compared']
        assert pair['tables'] < 4
    # what was compared and what was not cover every table of the pair
    pair = result['pairs'][0]
    named = set('%s.%s' % (e['database'], e['table']) for e in pair['not_compared'])
    assert pair['tables'] + len(named) >= 4 or any(e['table'] is None for e in pair['not_compared'])


def test_a_budget_cut_in_a_keyed_table_names_the_range_left():
    servers, clock = lab(names=('dc1', 'dc2'), tables={AM: {'T': keyed(100)}}, cost=0.001)
    result = run(servers, clock, databases=[AM], budget=0.02, chunk_size=10)
    left = result['not_compared']
    assert len(left) == 1 and left[0]['key'] == 'ID' and left[0]['last'] == 100
    compared = chunk_args(servers['dc1'])
    assert compared and compared[-1][1] + 1 == left[0]['first']
    assert render_lines(result) == ['dc1 ? dc2: incomplete, not compared: WSO2AM_DB.T ID %d..100' % left[0]['first']]


def test_a_difference_that_a_cut_recheck_could_not_confirm_is_not_compared_not_equal():
    servers, clock = lab(names=('dc1', 'dc2'), tables={AM: {'T': keyed(5)}}, pos=['1-1001-9', ''])
    servers['dc1'].databases[AM]['T'].rows.append((6, 'x'))
    servers['dc2'].wait_result = 0

    def time_out_later(server):
        if len(server.waits) > 1:
            server.wait_result = -1
    servers['dc2'].on_wait = time_out_later
    result = run(servers, clock, databases=[AM], budget=5)
    assert result['pairs'][0]['status'] == 'incomplete'
    assert result['not_compared'][0]['range'] == 'ID 1..6'
    assert result['not_compared'][0]['reason'].startswith('differed; recheck 1 of 3 cut')


def test_a_gtid_wait_that_times_out_compares_nothing():
    servers, clock = lab(tables=schemas(), pos=['1-1001-9', '', ''])
    servers['dc3'].wait_result = -1
    result = run(servers, clock, budget=10)
    assert result['stopped'].startswith('dc3 did not reach GTID position 1-1001-9')
    assert all(p['status'] == 'incomplete' and p['tables'] == 0 for p in result['pairs'])
    assert [e['range'] for e in result['not_compared']] == ['tables not listed', 'tables not listed']
    assert all(s.checksums() == [] for s in servers.values())
    assert render_line(result['pairs'][0]).startswith('dc1 ? dc2: incomplete, not compared: WSO2AM_DB.* (tables')


def test_known_differences_are_kept_when_the_budget_runs_out_later():
    servers, clock = lab(names=('dc1', 'dc2'), tables={AM: {'A': keyed(5), 'B': keyed(100)}}, cost=0.001)
    servers['dc2'].databases[AM]['A'].rows[0] = (1, 'changed')
    result = run(servers, clock, databases=[AM], budget=0.025, rechecks=0)
    pair = result['pairs'][0]
    assert pair['status'] == 'different' and pair['not_compared']
    assert render_line(pair).startswith('dc1 != dc2: WSO2AM_DB.A ID 1..5; incomplete, not compared: WSO2AM_DB.B ID')


# ---------------------------------------------------------------- rendering

def pair(status, left='dc1', right='dc2', differences=(), not_compared=(), tables=31):
    return dict(left=left, right=right, status=status, databases=2, tables=tables, differences=list(differences),
                not_compared=list(not_compared))


def entry(table, range_, database=AM):
    return dict(database=database, table=table, range=range_)


@pytest.mark.parametrize('value, line', [
    (pair('equal'), 'dc1 = dc2: equal (2 databases, 31 tables)'),
    (pair('different', right='dc3', differences=[entry('AM_ALERT_TYPES', 'ALERT_TYPE_ID 1..12')]),
     'dc1 != dc3: WSO2AM_DB.AM_ALERT_TYPES ALERT_TYPE_ID 1..12'),
    (pair('different', differences=[entry('T', 'whole table'), entry('U', 'missing on dc2', REG)]),
     'dc1 != dc2: WSO2AM_DB.T whole table, WSO2REG_DB.U missing on dc2'),
    (pair('incomplete', not_compared=[entry('T', 'ID 20001..1000000'), entry(None, 'tables not listed', REG)]),
     'dc1 ? dc2: incomplete, not compared: WSO2AM_DB.T ID 20001..1000000, WSO2REG_DB.* (tables not listed)'),
    (pair('different', differences=[entry('T', 'ID 1..10')], not_compared=[entry('U', 'whole table')]),
     'dc1 != dc2: WSO2AM_DB.T ID 1..10; incomplete, not compared: WSO2AM_DB.U whole table'),
    (pair('different', differences=[entry('T', 'ID %d..%d' % (k, k)) for k in range(12)]),
     'dc1 != dc2: ' + ', '.join('WSO2AM_DB.T ID %d..%d' % (k, k) for k in range(10)) + ', and 2 more'),
], ids=['equal', 'chunk', 'whole-and-missing', 'incomplete', 'different-and-incomplete', 'capped'])
def test_render_line(value, line):
    assert render_line(value) == line


def test_render_lines_gives_one_line_per_pair_in_order():
    servers, clock = lab(tables=schemas())
    servers['dc3'].databases[AM]['AM_ALERT_TYPES'].rows[0] = (1, 'other')
    assert render_lines(run(servers, clock)) == [
        'dc1 = dc2: equal (2 databases, 4 tables)',
        'dc1 != dc3: WSO2AM_DB.AM_ALERT_TYPES ID 1..10',
        'dc2 != dc3: WSO2AM_DB.AM_ALERT_TYPES ID 1..10',
    ]


# ---------------------------------------------------------------- SQL

def test_identifiers_are_backtick_quoted():
    assert quote_identifier('AM_API') == '`AM_API`'
    assert quote_identifier('we`ird%') == '`we``ird%%`'


def test_the_row_hash_covers_every_column_and_tells_null_from_empty():
    sql = row_hash_sql(['ID', 'NAME'])
    assert "CONCAT_WS('#', `ID`, `NAME`, CONCAT(ISNULL(`ID`), ISNULL(`NAME`))" in sql
    assert "CONCAT_WS(',', LENGTH(`ID`), LENGTH(`NAME`))" in sql
    assert sql.startswith('CAST(CONV(LEFT(MD5(')


def test_the_checksum_is_a_count_and_an_xor():
    sql = checksum_sql('WSO2AM_DB', 'AM_API', ['ID'], key='ID')
    assert sql.startswith('SELECT COUNT(*) AS row_count, BIT_XOR(')
    assert sql.endswith('FROM `WSO2AM_DB`.`AM_API` WHERE `ID` BETWEEN %s AND %s')
    assert 'WHERE' not in checksum_sql('WSO2AM_DB', 'AM_API', ['ID'])


def test_every_data_read_is_bounded_on_the_server_and_nothing_writes():
    servers, clock = lab(tables=schemas())
    run(servers, clock)
    for server in servers.values():
        for sql, dummy in server.log:
            if 'FROM `' in sql:
                assert sql.startswith('SET STATEMENT max_statement_time=')
            assert not sql.split(' FOR ')[-1].startswith(('INSERT', 'UPDATE', 'DELETE', 'CREATE', 'DROP', 'ALTER'))


# ---------------------------------------------------------------- bad input and errors

@pytest.mark.parametrize('kwargs, message', [
    (dict(budget=0), 'budget must be a number of seconds > 0'),
    (dict(budget=-1), 'budget must be a number of seconds > 0'),
    (dict(budget='soon'), 'budget must be a number of seconds > 0'),
    (dict(budget=float('nan')), 'budget must be a number of seconds > 0'),
    (dict(budget=float('inf')), 'budget must be a number of seconds > 0'),
    (dict(databases=[]), 'databases: give the list of databases'),
    (dict(databases='WSO2AM_DB'), 'databases: give the list of databases'),
    (dict(databases=[AM, AM]), 'given twice'),
    (dict(servers=[{'name': 'dc1', 'host': 'a'}]), 'at least two servers'),
    (dict(servers=[{'name': 'dc1', 'host': 'a'}, {'name': 'dc1', 'host': 'b'}]), 'DC dc1 is given twice'),
    (dict(servers=[{'name': 'dc1', 'host': 'a'}, {'name': 'dc2'}]), 'needs a name'),
    (dict(chunk_size=0), 'chunk_size must be an integer >= 1'),
    (dict(rechecks=-1), 'rechecks must be an integer >= 0'),
], ids=['budget-zero', 'budget-negative', 'budget-text', 'budget-nan', 'budget-inf', 'no-databases', 'databases-string', 'database-twice',
        'one-server', 'dc-twice', 'no-host', 'chunk-zero', 'rechecks-negative'])
def test_bad_input_raises_a_clear_error_before_connecting(kwargs, message):
    servers, clock = lab(tables=schemas())
    args = dict(servers=server_list(servers), databases=[AM], budget=10, connect=connector(servers))
    args.update(kwargs)
    with pytest.raises(ConsistencyError, match=message):
        check_consistency(clock=clock, **args)
    assert all(s.log == [] for s in servers.values())


def test_an_unknown_database_on_a_server_names_it():
    servers, clock = lab(tables=schemas())
    del servers['dc2'].databases[REG]
    with pytest.raises(ConsistencyError, match=r'database WSO2REG_DB does not exist on dc2 \(dc2-db:3306\)'):
        run(servers, clock)
    assert all(s.closed for s in servers.values())


def test_a_server_error_names_the_server():
    servers, clock = lab(tables=schemas())
    servers['dc3'].fail_on = 'information_schema.COLUMNS'
    with pytest.raises(ServerError, match='^dc3: fake error') as info:
        run(servers, clock)
    assert info.value.server == 'dc3'


def test_a_server_that_cannot_be_reached_names_it():
    servers, clock = lab(tables=schemas())

    def connect(server):
        if server['name'] == 'dc2':
            raise ServerError('dc2', 'cannot connect to dc2-db:3306 as check: timed out')
        return servers[server['name']]
    with pytest.raises(ServerError, match='^dc2: cannot connect to dc2-db:3306'):
        check_consistency(server_list(servers), [AM], 10, connect, clock=clock)


def test_servers_that_did_connect_are_closed_when_another_cannot():
    servers, clock = lab(tables=schemas())

    def connect(server):
        if server['name'] == 'dc3':
            raise ServerError('dc3', 'cannot connect')
        return servers[server['name']]
    with pytest.raises(ServerError):
        check_consistency(server_list(servers), [AM], 10, connect, clock=clock)
    assert servers['dc1'].closed and servers['dc2'].closed and not servers['dc3'].closed
