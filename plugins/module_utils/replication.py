# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What to do with a database's multi-source replication connections.

Pure functions, no I/O: db_replication reads ``SHOW ALL SLAVES STATUS`` and
the peers from the topology, and acts on the plan these return.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# The GTID mode every connection uses: it resumes from the replica's own position.
USING_GTID = 'Slave_Pos'


def _differs(row, peer, replication_user):
    return (row.get('Master_Host') != peer['address']
            or int(row.get('Master_Port') or 0) != int(peer['port'])
            or row.get('Master_User') != replication_user
            or row.get('Using_Gtid') != USING_GTID)


def replication_plan(rows, peers, replication_user):
    """Compare existing connections (rows of SHOW ALL SLAVES STATUS) with the wanted ones (one per peer DC).

    Returns ``{missing, differ, ok, stopped, extra}``, lists of connection names:
    ``missing`` peers have no connection; ``differ`` have one with another host, port, user or GTID mode;
    ``ok`` match; ``stopped`` (also in ``ok`` or ``differ``) have a thread that is not running;
    ``extra`` connections match no peer.
    """
    existing = dict((row['Connection_name'], row) for row in rows or [])
    plan = {'missing': [], 'differ': [], 'ok': [], 'stopped': [],
            'extra': sorted(set(existing) - set(peer['name'] for peer in peers))}
    for peer in peers:
        row = existing.get(peer['name'])
        if row is None:
            plan['missing'].append(peer['name'])
            continue
        plan['differ' if _differs(row, peer, replication_user) else 'ok'].append(peer['name'])
        if 'No' in (row.get('Slave_IO_Running'), row.get('Slave_SQL_Running')):
            plan['stopped'].append(peer['name'])
    return plan


def unreachable_peers(results):
    """Peers a ``wait_for`` loop could not reach, as ``DC <name> at <address>:<port>``."""
    return ['DC %s at %s:%s' % (result['item']['name'], result['item']['address'], result['item']['port'])
            for result in results or [] if 'state' not in result and not result.get('skipped')]
