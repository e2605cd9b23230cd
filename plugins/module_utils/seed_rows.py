# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The seed rows of the WSO2 scripts: which keys they must have, and how to repair a DC where they have others.

Loaded with increment 1 and offset 1, the i-th seed row of a table takes key i
in every DC (the canonical key). Releases of this collection before that fix
loaded each DC under its own ``auto_increment_offset`` o and increment N, so the
i-th seed row took key ``o + (i - 1) * N`` there. Such keys carry their DC in
their residue modulo N, which makes one mapping, old key -> canonical key, valid
for every DC and for every row that refers to a seed row, wherever it was
written. Each DC records, in its own MARKER_TABLE, the tables it loaded or
repaired onto the canonical keys: the mapping must be applied once, and only to
a deployment that an old release loaded.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

MARKER_DATABASE = 'multidc_apim'
MARKER_TABLE = 'seed_keys'

CANONICAL = 'canonical'
OFFSET = 'offset'
UNKNOWN = 'unknown'
MISSING = 'missing'

_CREATE = re.compile(r'CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)`?\s*\(', re.IGNORECASE)
_INSERT = re.compile(r'INSERT\s+INTO\s+`?(\w+)`?\s*\(([^)]*)\)\s*VALUES\s*\(', re.IGNORECASE)
_VALUE = re.compile(r"\s*('(?:[^'\\]|''|\\.)*'|-?\d+(?:\.\d+)?|NULL)\s*(,|\))", re.IGNORECASE)


def _balanced(text, start):
    """The text between the parenthesis opened just before ``start`` and its match."""
    depth, index, quote = 1, start, None
    while index < len(text):
        char = text[index]
        if quote:
            if char == quote:
                quote = None
        elif char in '\'"':
            quote = char
        elif char == '(':
            depth += 1
        elif char == ')':
            depth -= 1
            if depth == 0:
                return text[start:index]
        index += 1
    raise ValueError('unbalanced parenthesis after offset %d' % start)


def _split_top_level(body):
    parts, depth, current = [], 0, []
    for char in body:
        if char == '(':
            depth += 1
        elif char == ')':
            depth -= 1
        if char == ',' and depth == 0:
            parts.append(''.join(current))
            current = []
        else:
            current.append(char)
    parts.append(''.join(current))
    return [part.strip() for part in parts if part.strip()]


def _unquote(token):
    if token.upper() == 'NULL':
        return None
    if token.startswith("'"):
        return re.sub(r"''|\\(.)", lambda m: m.group(1) or "'", token[1:-1])
    return token


def _without_comments(script):
    return '\n'.join(line for line in script.splitlines() if not line.lstrip().startswith('--'))


def auto_increment_keys(script):
    """Table name (upper case) -> its AUTO_INCREMENT column, from the CREATE TABLE statements."""
    script = _without_comments(script)
    keys = {}
    for match in _CREATE.finditer(script):
        for definition in _split_top_level(_balanced(script, match.end())):
            if re.search(r'\bAUTO_INCREMENT\b', definition, re.IGNORECASE):
                keys[match.group(1).upper()] = definition.split()[0].strip('`')
    return keys


def seed_rows(script):
    """The seed INSERTs into AUTO_INCREMENT tables, in load order.

    Returns ``[{table, key, columns, rows}]``, one entry per table in the order
    of its first seed row; ``rows`` lists the inserted values (strings, or
    None for NULL) in script order, so the i-th row's canonical key is i.
    """
    keys = auto_increment_keys(script)
    script = _without_comments(script)
    tables = []
    by_name = {}
    for match in _INSERT.finditer(script):
        table = match.group(1).upper()
        columns = [c.strip().strip('`') for c in match.group(2).split(',')]
        if table not in keys or keys[table].upper() in [c.upper() for c in columns]:
            continue
        values, position = [], match.end()
        while True:
            value = _VALUE.match(script, position)
            if value is None:
                raise ValueError('cannot read the values of an INSERT INTO %s near: %s'
                                 % (match.group(1), script[match.start():match.start() + 120]))
            values.append(_unquote(value.group(1)))
            position = value.end()
            if value.group(2) == ')':
                break
        if len(values) != len(columns):
            raise ValueError('INSERT INTO %s names %d columns but gives %d values'
                             % (match.group(1), len(columns), len(values)))
        if table not in by_name:
            by_name[table] = {'table': match.group(1), 'key': keys[table], 'columns': columns, 'rows': []}
            tables.append(by_name[table])
        entry = by_name[table]
        if [c.upper() for c in columns] != [c.upper() for c in entry['columns']]:
            raise ValueError('the seed INSERTs into %s name different columns' % match.group(1))
        entry['rows'].append(values)
    return tables


def _same(wanted, actual):
    return wanted is None and actual is None or (
        wanted is not None and actual is not None and str(wanted) == str(actual))


def table_status(seed, rows, offset, increment, marked=False):
    """How the seed rows of one table sit in one DC.

    :arg seed: one entry of :func:`seed_rows`.
    :arg rows: the table's rows in this DC, dicts with the key and the seed columns.
    :arg offset: this DC's auto_increment_offset; ``increment``: the number of DCs.
    :arg marked: whether this DC recorded the table as loaded or repaired onto the canonical keys.
    :returns: ``{status, keys}``: ``keys`` is the key each seed row has here, in
        script order (None when it is missing); ``status`` is ``canonical``,
        ``offset`` (loaded by an old release: the keys an offset/increment load
        gives, which for a DC with offset 1 and a single seed row are the
        canonical ones too, while the rows that refer to it still hold the other
        DCs' keys), ``missing`` (a seed row is not there) or ``unknown``.
    """
    keys = []
    for wanted in seed['rows']:
        found = [row for row in rows
                 if all(_same(value, row.get(column)) for column, value in zip(seed['columns'], wanted))]
        keys.append(int(found[0][seed['key']]) if len(found) == 1 else None)
    count = len(seed['rows'])
    canonical = list(range(1, count + 1))
    if None in keys:
        status = MISSING
    elif marked:
        status = CANONICAL if keys == canonical else UNKNOWN
    elif int(increment) > 1 and keys == [int(offset) + i * int(increment) for i in range(count)]:
        status = OFFSET
    elif keys == canonical:
        status = CANONICAL
    else:
        status = UNKNOWN
    return {'status': status, 'keys': keys}


def key_mapping(count, offsets, increment):
    """Old key -> canonical key, for the ``count`` seed rows of a table, valid in every DC.

    Offsets are distinct residues modulo ``increment`` (the topology guarantees
    it), so no old key belongs to two DCs. Keys that map to themselves are left
    out.
    """
    offsets = sorted(int(o) for o in offsets)
    increment = int(increment)
    if len(set(o % increment for o in offsets)) != len(offsets):
        raise ValueError('auto_increment offsets %s are not distinct modulo %d' % (offsets, increment))
    mapping = {}
    for offset in offsets:
        for index in range(count):
            old = offset + index * increment
            if old != index + 1:
                mapping[old] = index + 1
    return mapping


def _quote(name):
    return '`%s`' % name.replace('`', '``')


def remap_statements(table, column, mapping, shift):
    """Two UPDATEs that apply ``mapping`` to ``table.column``: first out of the
    way by ``shift`` (larger than every key in use), then onto the canonical
    keys, so that no intermediate value collides with another row's."""
    if not mapping:
        return []
    olds = sorted(mapping)
    cases = ' '.join('WHEN %d THEN %d' % (old + shift, mapping[old]) for old in olds)
    return [
        'UPDATE %s SET %s = %s + %d WHERE %s IN (%s)'
        % (_quote(table), _quote(column), _quote(column), shift, _quote(column), ', '.join(str(o) for o in olds)),
        'UPDATE %s SET %s = CASE %s %s END WHERE %s IN (%s)'
        % (_quote(table), _quote(column), _quote(column), cases, _quote(column),
           ', '.join(str(o + shift) for o in olds)),
    ]
