"""Seed rows of the WSO2 scripts: parsing, the state of a table in a DC, and the repair mapping."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest

from ansible_collections.multidc.apim.plugins.module_utils.seed_rows import (
    CANONICAL,
    MISSING,
    OFFSET,
    UNKNOWN,
    auto_increment_keys,
    key_mapping,
    remap_statements,
    seed_rows,
    table_status,
)

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'dbscripts')

SCRIPT = """
-- INSERT INTO T (A) VALUES ('commented out');
CREATE TABLE IF NOT EXISTS T (
    ID INTEGER AUTO_INCREMENT,
    A VARCHAR(255) NOT NULL,
    B DECIMAL(10,2),
    PRIMARY KEY (ID)
)ENGINE INNODB;
CREATE TABLE PLAIN (NAME VARCHAR(20), PRIMARY KEY (NAME));
INSERT INTO PLAIN values ('no key');
INSERT INTO T (A, B) VALUES ('it''s', 1.5);
INSERT INTO T (ID, A) VALUES (100, 'explicit key');
INSERT INTO T (A, B) VALUES ('second, with comma', NULL);
"""


def test_seed_rows_reads_only_inserts_that_leave_the_key_to_the_server():
    assert auto_increment_keys(SCRIPT) == {'T': 'ID'}
    assert seed_rows(SCRIPT) == [{'table': 'T', 'key': 'ID', 'columns': ['A', 'B'],
                                  'rows': [["it's", '1.5'], ['second, with comma', None]]}]


def test_seed_rows_rejects_what_it_cannot_read():
    with pytest.raises(ValueError, match='names 2 columns but gives 1 values'):
        seed_rows(SCRIPT + "INSERT INTO T (A, B) VALUES ('one');")
    with pytest.raises(ValueError, match='cannot read the values'):
        seed_rows(SCRIPT + "INSERT INTO T (A, B) VALUES (NOW(), 1);")


def test_the_sample_schema_seeds_what_the_genuine_scripts_seed():
    with open(os.path.join(FIXTURES, 'apimgt', 'mysql.sql')) as handle:
        found = dict((s['table'], s) for s in seed_rows(handle.read()))
    assert sorted(found) == ['AM_ALERT_TYPES', 'CM_PURPOSE', 'CM_PURPOSE_CATEGORY']
    assert len(found['AM_ALERT_TYPES']['rows']) == 7
    assert found['AM_ALERT_TYPES']['rows'][1] == ['AbnormalBackendTime', 'publisher']
    assert found['CM_PURPOSE']['key'] == 'ID'


SEED = {'table': 'T', 'key': 'ID', 'columns': ['A'], 'rows': [['x'], ['y'], ['z']]}


def rows(*keys):
    return [{'ID': key, 'A': name} for key, name in zip(keys, 'xyz') if key is not None]


@pytest.mark.parametrize('given, offset, marked, status, keys', [
    (rows(1, 2, 3), 2, False, CANONICAL, [1, 2, 3]),
    (rows(2, 5, 8), 2, False, OFFSET, [2, 5, 8]),
    (rows(1, 4, 7), 1, False, OFFSET, [1, 4, 7]),
    (rows(3, 6, 9), 2, False, UNKNOWN, [3, 6, 9]),
    (rows(2, 5, None), 2, False, MISSING, [2, 5, None]),
    (rows(2, 5, 8) + [{'ID': 11, 'A': 'user row'}], 2, False, OFFSET, [2, 5, 8]),
    (rows(1, 2, 3), 2, True, CANONICAL, [1, 2, 3]),
    (rows(2, 5, 8), 2, True, UNKNOWN, [2, 5, 8]),
], ids=['canonical', 'offset-dc2', 'offset-dc1', 'another-dc', 'missing', 'user-rows-ignored', 'marked',
        'marked-but-moved'])
def test_table_status(given, offset, marked, status, keys):
    assert table_status(SEED, given, offset, 3, marked) == {'status': status, 'keys': keys}


@pytest.mark.parametrize('offset, increment, marked, status', [
    (1, 3, False, OFFSET),      # loaded by an old release in the DC with offset 1: refs elsewhere need the mapping
    (1, 3, True, CANONICAL),    # loaded (or repaired) by this release
    (2, 3, False, CANONICAL),  # loaded by this release before its marker was written
    (1, 1, False, CANONICAL),   # one DC: old and canonical keys are the same
], ids=['old-dc1', 'marked-dc1', 'marker-lost', 'single-dc'])
def test_a_single_seed_row_is_judged_by_the_marker(offset, increment, marked, status):
    seed = {'table': 'P', 'key': 'ID', 'columns': ['A'], 'rows': [['x']]}
    assert table_status(seed, [{'ID': 1, 'A': 'x'}], offset, increment, marked)['status'] == status


def test_key_mapping_is_one_mapping_for_every_dc():
    assert key_mapping(3, [1, 2, 3], 3) == {4: 2, 7: 3, 2: 1, 5: 2, 8: 3, 3: 1, 6: 2, 9: 3}
    assert key_mapping(2, [1, 2], 2) == {3: 2, 2: 1, 4: 2}
    assert key_mapping(5, [1], 1) == {}
    with pytest.raises(ValueError, match='not distinct'):
        key_mapping(2, [1, 4], 3)


def test_user_rows_never_meet_the_mapping():
    """A row written after the load in DC o has a key above o + (n-1)*N with residue o: outside the mapping, and
    above every canonical key."""
    count, dcs = 7, 3
    mapping = key_mapping(count, range(1, dcs + 1), dcs)
    for offset in range(1, dcs + 1):
        for later in range(1, 50):
            key = offset + (count - 1 + later) * dcs
            assert key not in mapping and key > count


def test_remap_statements_move_out_of_the_way_first():
    assert remap_statements('T', 'ID', {2: 1, 5: 2}, 100) == [
        'UPDATE `T` SET `ID` = `ID` + 100 WHERE `ID` IN (2, 5)',
        'UPDATE `T` SET `ID` = CASE `ID` WHEN 102 THEN 1 WHEN 105 THEN 2 END WHERE `ID` IN (102, 105)',
    ]
    assert remap_statements('T', 'ID', {}, 100) == []
