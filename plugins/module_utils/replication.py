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

from ansible_collections.multidc.apim.plugins.module_utils.tls import CERTIFICATE_WARN_DAYS, certificate_days

# The GTID mode every connection uses: it resumes from the replica's own position.
USING_GTID = 'Slave_Pos'


def _differs(row, peer, replication_user):
    return (row.get('Master_Host') != peer['address']
            or int(row.get('Master_Port') or 0) != int(peer['port'])
            or row.get('Master_User') != replication_user
            or row.get('Using_Gtid') != USING_GTID)


def connection_tls(row):
    """``verified`` (TLS, the peer's certificate checked against the CA), ``unverified`` or ``off``."""
    if row.get('Master_SSL_Allowed') != 'Yes':
        return 'off'
    return 'verified' if row.get('Master_SSL_Verify_Server_Cert') == 'Yes' else 'unverified'


def _tls_differs(row, tls_ca):
    if not tls_ca:
        return connection_tls(row) != 'off'
    return connection_tls(row) != 'verified' or row.get('Master_SSL_CA_File') != tls_ca


def replication_plan(rows, peers, replication_user, tls_ca=''):
    """Compare existing connections (rows of SHOW ALL SLAVES STATUS) with the wanted ones (one per peer DC).

    ``tls_ca`` is the CA file every connection verifies its peer against; empty for connections without TLS.
    Returns ``{missing, differ, tls, ok, stopped, extra}``, lists of connection names:
    ``missing`` peers have no connection; ``differ`` have one with another host, port, user or GTID mode;
    ``ok`` match but for, maybe, their TLS settings: ``tls`` (also in ``ok``) are those whose TLS settings
    differ, which a stop, a change of the TLS settings alone and a start fix, keeping the GTID position;
    ``stopped`` (also in ``ok`` or ``differ``) have a thread that is not running;
    ``extra`` connections match no peer.
    """
    existing = dict((row['Connection_name'], row) for row in rows or [])
    plan = {'missing': [], 'differ': [], 'tls': [], 'ok': [], 'stopped': [],
            'extra': sorted(set(existing) - set(peer['name'] for peer in peers))}
    for peer in peers:
        row = existing.get(peer['name'])
        if row is None:
            plan['missing'].append(peer['name'])
            continue
        differs = _differs(row, peer, replication_user)
        plan['differ' if differs else 'ok'].append(peer['name'])
        if not differs and _tls_differs(row, tls_ca):
            plan['tls'].append(peer['name'])
        if 'No' in (row.get('Slave_IO_Running'), row.get('Slave_SQL_Running')):
            plan['stopped'].append(peer['name'])
    return plan


def unreachable_peers(results):
    """Peers a ``wait_for`` loop could not reach, as ``DC <name> at <address>:<port>``."""
    return ['DC %s at %s:%s' % (result['item']['name'], result['item']['address'], result['item']['port'])
            for result in results or [] if 'state' not in result and not result.get('skipped')]


def shared_ids(dcs, keys=('auto_increment_offset', 'gtid_domain_id', 'server_id')):
    """One ``DC <a> has <key> <n>, and so does DC <b>`` per DC whose id under ``key`` another DC also has.

    ``dcs`` are dicts with ``name`` and the ``keys``; values compare as integers.
    """
    problems = []
    for dc in dcs:
        for key in keys:
            others = [other['name'] for other in dcs
                      if other['name'] != dc['name'] and int(other[key]) == int(dc[key])]
            if others:
                problems.append('DC %s has %s %s, and so does DC %s' % (dc['name'], key, dc[key], ', DC '.join(others)))
    return problems


def _seconds_behind(row):
    value = row.get('Seconds_Behind_Master')
    return None if value in (None, '') else int(value)


def replication_health(rows, peers, max_lag, tls_ca='', not_after='', now=None):
    """Judge every wanted connection (one per peer DC) from the rows of SHOW ALL SLAVES STATUS.

    Returns ``{connections, problems, ok}``: one entry per peer that has a connection (name, peer, thread states,
    seconds behind, GTID IO position, last errors, TLS) and one message per problem (a missing connection, a thread
    that is not running, a last error, a lag that is unknown or above ``max_lag`` seconds, and, when ``tls_ca`` is
    given, a connection that does not verify its peer against that CA). With ``not_after`` (the end date of the
    certificate the server presents), also ``certificate_days`` and a warning when fewer than 30 are left.
    """
    existing = dict((row['Connection_name'], row) for row in rows or [])
    connections, problems = [], []
    for peer in peers:
        name = peer['name']
        row = existing.get(name)
        if row is None:
            problems.append('no connection %s to DC %s' % (name, name))
            continue
        behind = _seconds_behind(row)
        connections.append({
            'name': name, 'peer': '%s:%s' % (row.get('Master_Host'), row.get('Master_Port')),
            'io_running': row.get('Slave_IO_Running'), 'sql_running': row.get('Slave_SQL_Running'),
            'seconds_behind': behind, 'gtid_io_pos': row.get('Gtid_IO_Pos'),
            'last_io_errno': int(row.get('Last_IO_Errno') or 0), 'last_io_error': row.get('Last_IO_Error') or '',
            'last_sql_errno': int(row.get('Last_SQL_Errno') or 0), 'last_sql_error': row.get('Last_SQL_Error') or '',
            'tls': connection_tls(row)})
        if tls_ca and _tls_differs(row, tls_ca):
            problems.append('connection %s: TLS %s with CA %s, wanted verified against %s'
                            % (name, connection_tls(row), row.get('Master_SSL_CA_File') or '(none)', tls_ca))
        if row.get('Slave_IO_Running') != 'Yes' or row.get('Slave_SQL_Running') != 'Yes':
            problems.append('connection %s: IO thread %s, SQL thread %s'
                            % (name, row.get('Slave_IO_Running'), row.get('Slave_SQL_Running')))
        for thread in ('IO', 'SQL'):
            errno = int(row.get('Last_%s_Errno' % thread) or 0)
            if errno:
                problems.append('connection %s: last %s error %d %s'
                                % (name, thread, errno, row.get('Last_%s_Error' % thread) or ''))
        if behind is None or behind > int(max_lag):
            problems.append('connection %s: %s s behind (max %s)' % (name, behind, max_lag))
    days = certificate_days(not_after, now)
    warnings = []
    if days is not None and days < CERTIFICATE_WARN_DAYS:
        warnings.append('the certificate of this database expires in %d day(s), on %s; fix: renew it (docs/tls.md)'
                        % (days, ' '.join(not_after.split())))
    return {'connections': connections, 'problems': problems, 'ok': not problems, 'certificate_days': days,
            'warnings': warnings}
