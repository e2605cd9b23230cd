# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Verify's judgement of one node: what the real state says against what the topology wants.

Pure: playbooks/verify.yml reads carbon.xml (``multidc.apim.carbon_xml``
``state=query``), the publisher applications (``multidc.apim.publisher_deployment``
``state=query``), the SVN lag (svn_mirror's ``lag`` tasks) and the replication
health (db_replication's ``health`` tasks) on the node and passes what it read here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.multidc.apim.plugins.module_utils.tls import CERTIFICATE_WARN_DAYS, served_certificate


def _depsync_mode(node, deployed, depsync):
    if node.get('depsync_mode') is None:
        return 'n/a'
    if not deployed:
        return 'not deployed'
    if not (depsync or {}).get('enabled'):
        return 'disabled'
    return 'commit' if depsync.get('auto_commit') else 'checkout'


def apim_node_verdict(host, node, topology, deployed, depsync, publisher_deployed):
    """``{depsync_mode, publisher, violations}`` for ``host``.

    :arg node: the host's entry of the topology fact.
    :arg topology: the whole fact (committer and publishers are named in messages).
    :arg deployed: whether the node's carbon.xml exists.
    :arg depsync: carbon_xml's ``values.deployment_synchronizer`` (None when there is no block).
    :arg publisher_deployed: publisher_deployment's ``deployed``.
    """
    mode = _depsync_mode(node, deployed, depsync)
    if node.get('depsync_mode') is None:
        publisher = 'n/a'
    elif not deployed:
        publisher = 'not deployed'
    else:
        publisher = 'yes' if publisher_deployed else 'no'
    publisher_deployed = bool(publisher_deployed) and deployed
    svn_url = ((depsync or {}).get('svn_url') or '').rstrip('/')
    violations = []
    if mode == 'commit' and not node['depsync_committer']:
        violations.append('host %s: depsync AutoCommit is true but the committer is %s; fix: run the depsync_svn role '
                          '(only the committer commits)' % (host, topology['depsync_committer']))
    if mode == 'checkout' and node['depsync_committer']:
        violations.append('host %s: is the depsync committer but AutoCommit is false, so nothing reaches SVN; fix: run '
                          'the depsync_svn role' % host)
    if mode in ('commit', 'checkout') and svn_url != node['svn_url']:
        violations.append("host %s: depsync SvnUrl is '%s', not the DC-local %s; fix: run the depsync_svn role"
                          % (host, (depsync or {}).get('svn_url') or '', node['svn_url']))
    if publisher_deployed and not node['publisher_enabled']:
        violations.append('host %s: the publisher application is deployed in %s, but it may run only on %s; fix: run '
                          'the worker_manager role (it removes the publisher here)'
                          % (host, node['dc'], ', '.join(topology['publishers'])))
    if deployed and node['publisher_enabled'] and not publisher_deployed:
        violations.append('host %s: the publisher application is missing although this manager of the master DC must '
                          'serve it; fix: run the worker_manager role' % host)
    return {'depsync_mode': mode, 'publisher': publisher, 'violations': violations}


def svn_tier_verdict(host, lag, now=None):
    """``{svn, violations, warnings}``: the svn column of a host from svn_mirror's ``svn_mirror_lag``.

    With TLS (``lag.tls``: the host that checked and its probe's output), the column also says whether that host
    verifies the certificate the server presents, and its days left; not verified is a violation, fewer than 30
    days a warning.
    """
    behind = int(lag['lag'])
    initialized = str(lag['initialized']).lower() == 'true'
    column = '%s r%s/r%s lag %d' % (lag['mode'], lag['mirror_revision'], lag['master_revision'], behind)
    violations, warnings = [], []
    if behind != 0 or not initialized:
        violations.append('host %s: SVN mirror of %s is %d revision(s) behind the master (initialized: %s); fix: check '
                          'the push unit and timer (journalctl -u svn-mirror-push@%s) on the master'
                          % (host, lag['dc'], behind, initialized, lag['dc']))
    tls = lag.get('tls')
    if not tls:
        return {'svn': column + '; TLS off', 'violations': violations, 'warnings': warnings}
    served = served_certificate(tls['probe'], now)
    if served['verified']:
        column += '; TLS verified'
    else:
        column += '; TLS NOT verified'
        violations.append('host %s: %s does not verify the certificate that %s presents (%s); fix: re-run site.yml '
                          'to re-issue it from the deployment CA (docs/tls.md)'
                          % (host, tls['client'], lag['url'], served['reason']))
    if served['days'] is not None:
        column += ', certificate %d d' % served['days']
        if served['days'] < CERTIFICATE_WARN_DAYS:
            warnings.append('host %s: the certificate that %s presents expires in %d day(s), on %s; fix: renew it '
                            '(docs/tls.md)' % (host, lag['url'], served['days'], served['not_after']))
    return {'svn': column, 'violations': violations, 'warnings': warnings}


def replication_tier_column(health):
    """The replication column of a DB host from db_replication's ``db_replication_health``."""
    if not health['connections']:
        return 'no peer DC'
    column = ', '.join('%s lag %s s TLS %s' % (c['name'], c['seconds_behind'], c['tls'])
                       for c in health['connections'])
    if health.get('certificate_days') is not None:
        column += '; certificate %d d' % health['certificate_days']
    return column


def consistency_scope(topology, lost_dcs):
    """``{compare, line}``: whether verify compares the DCs' data in this run, and its line when it does not.

    The data is compared among the DCs this run reaches: every DC of the topology but those lost for the run
    (``apim_lost_dcs``, docs/master_move.md). With fewer than two there is nothing to compare, and that is no
    violation: a deployment of one DC, or a failover that left one DC standing.
    """
    reached = [dc for dc in topology['dc_order'] if dc not in lost_dcs]
    if len(reached) > 1:
        return {'compare': True, 'line': None}
    if len(topology['dc_order']) == 1:
        return {'compare': False, 'line': 'data of the DCs: one DC, nothing to compare'}
    lost = [dc for dc in topology['dc_order'] if dc in lost_dcs]
    line = ('data of the DCs: not compared: this run reaches %s alone (lost for this run: %s); the comparison '
            'resumes when %s %s')
    return {'compare': False,
            'line': line % (', '.join(reached) or 'no DC', ', '.join(lost), ', '.join(lost),
                            'rejoins' if len(lost) == 1 else 'rejoin')}


def consistency_verdict(host, result):
    """``{lines, violations}``: db_replication's comparison of the DCs' data (``db_replication_consistency``).

    Every pair that is not equal is a violation, an incomplete one too: what was not compared is not proven equal.
    """
    violations = []
    for pair, line in zip(result['pairs'], result['lines']):
        if pair['status'] == 'different':
            violations.append('host %s: the data of %s and %s differ: %s; fix: see docs/db_consistency.md, "When DCs '
                              'differ"' % (host, pair['left'], pair['right'], line))
        elif pair['status'] != 'equal':
            violations.append('host %s: the data of %s and %s were not compared in full: %s; fix: raise '
                              'apim_consistency_budget or narrow apim_consistency_databases'
                              % (host, pair['left'], pair['right'], line))
    return {'lines': list(result['lines']), 'violations': violations}
