# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which DC really is the master, read from its SVN repositories, against the one the inventory names.

Pure: playbooks/master_guard.yml reads every DC's repository (``multidc.apim.svn_repository_info``) and passes
what it read here. The repositories decide because they hold the history that two masters would split: a
repository that records no svnsync source and has revisions is a master; one that records a source is a mirror.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type


def real_masters(repositories):
    """The repositories that act as a master: they exist, record no svnsync source and have revisions."""
    return [r for r in repositories if r.get('exists') and not r.get('mirror') and int(r.get('youngest') or 0) > 0]


def _dc_of_url(topology, url):
    """The DC whose SVN URL ``url`` is (either scheme), or None."""
    bare = (url or '').split('://', 1)[-1].rstrip('/')
    for name, dc in sorted(topology.get('datacenters', {}).items()):
        if (dc.get('svn') or {}).get('url', '').split('://', 1)[-1].rstrip('/') == bare:
            return name
    return None


def master_guard(topology, repositories):
    """``{real_master_dcs, evidence, problem}`` for the inventory's ``topology`` and the repositories read.

    :arg repositories: one entry per SVN server read: ``{host, dc}`` and svn_repository_info's result.
    ``problem`` is empty when site.yml may go on: the inventory's master DC holds the only master repository (or
    no repository has a history yet: a new deployment is not a move) and its repository is not a mirror.
    Otherwise it is one message that names the inventory's master DC, the real one, and what to do; nothing has
    been changed then.
    """
    wanted = topology['master_dc']
    order = topology['dc_order']
    masters = real_masters(repositories)
    wanted_mirror = [r for r in repositories if r['dc'] == wanted and r.get('exists') and r.get('mirror')]
    evidence = ['DC %s: %s at r%s records no svnsync source (a master)' % (r['dc'], r['host'], r['youngest'])
                for r in masters]
    evidence += ['DC %s: %s at r%s is a mirror of %s' % (r['dc'], r['host'], r['youngest'], r['sync_from_url'])
                 for r in wanted_mirror]
    real_dcs = sorted(set(r['dc'] for r in masters), key=lambda dc: order.index(dc) if dc in order else len(order))
    problem = ''
    if len(real_dcs) > 1:
        problem = ('more than one DC holds a master SVN repository (%s): their histories have split; nothing was '
                   'changed. Fix: keep the one that apim_master_dc names (%s), save what the others took that it '
                   'does not have (svnadmin dump of those revisions), and make them mirrors again '
                   '(docs/master_move.md)' % (', '.join(real_dcs), wanted))
    elif (real_dcs and real_dcs != [wanted]) or wanted_mirror:
        if real_dcs:
            real, why = real_dcs[0], 'the real master is %s' % real_dcs[0]
        else:
            source = wanted_mirror[0]['sync_from_url']
            real = _dc_of_url(topology, source) or source
            why = 'its SVN repository is a mirror of %s (%s)' % (real, source)
        problem = ('site.yml does not move the master DC: the inventory names %s (apim_master_dc), but %s; '
                   'nothing was changed. Fix: set apim_master_dc back to %s; moving the master DC is a switchover, '
                   'or a failover when %s is lost (docs/master_move.md)' % (wanted, why, real, real))
    return {'real_master_dcs': real_dcs, 'evidence': evidence, 'problem': problem}
