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


def _bare(url):
    """A repository URL without its scheme: the same repository over HTTP or HTTPS."""
    return (url or '').split('://', 1)[-1].rstrip('/')


def _dc_of_url(topology, url):
    """The DC whose SVN URL ``url`` is (either scheme), or None."""
    for name, dc in sorted(topology.get('datacenters', {}).items()):
        if _bare((dc.get('svn') or {}).get('url')) == _bare(url):
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
                   'changed. Fix: run playbooks/rejoin.yml, which keeps the one that apim_master_dc names (%s), '
                   'saves what the others took after it was promoted to a dump file, and makes them its mirrors '
                   '(docs/master_move.md)' % (', '.join(real_dcs), wanted))
    elif (real_dcs and real_dcs != [wanted]) or wanted_mirror:
        if real_dcs:
            real, why = real_dcs[0], 'the real master is %s' % real_dcs[0]
        else:
            source = wanted_mirror[0]['sync_from_url']
            real = _dc_of_url(topology, source) or source
            why = 'its SVN repository is a mirror of %s (%s)' % (real, source)
        problem = ('site.yml does not move the master DC: the inventory names %s (apim_master_dc), but %s; '
                   'nothing was changed. Fix: set apim_master_dc back to %s, or move the master DC with '
                   'playbooks/switchover.yml (playbooks/failover.yml when %s is lost; docs/master_move.md)'
                   % (wanted, why, real, real))
    return {'real_master_dcs': real_dcs, 'evidence': evidence, 'problem': problem}


def _line(repository):
    if repository.get('unreachable'):
        return 'DC %s: %s does not answer' % (repository['dc'], repository['host'])
    if not repository.get('exists'):
        return 'DC %s: %s has no repository' % (repository['dc'], repository['host'])
    what = 'a mirror of %s' % repository['sync_from_url'] if repository.get('mirror') else 'a master'
    return 'DC %s: %s at r%s, %s' % (repository['dc'], repository['host'], repository['youngest'], what)


def _refusal(operation, topology, by_dc, answered, lost, masters, target, force):
    """``(old master DC, [problems])`` before anything is planned."""
    new = topology['master_dc']
    if target is None or target.get('unreachable') or not target.get('exists'):
        return None, ['the new master DC %s has no SVN repository that answers (%s); fix: bring its SVN server up, '
                      'or name a DC that has one in apim_master_dc' % (new, _line(target) if target else 'none')]
    if not masters and not [r for r in answered if r.get('mirror')]:
        return None, ['no DC holds an SVN repository with revisions: a new deployment has no master to move; run '
                      'site.yml']
    others = [r['dc'] for r in masters if r['dc'] != new]
    if operation == 'switchover':
        problems = ['DC %s: its SVN server %s does not answer; a switchover needs every DC. Fix: bring it back, or, '
                    'if %s is lost, run playbooks/failover.yml' % (dc, by_dc[dc]['host'], dc) for dc in lost]
        if len(masters) > 1:
            problems.append('more than one DC holds a master SVN repository (%s): the history has split; fix: run '
                            'playbooks/rejoin.yml for the DC that returned' % ', '.join(r['dc'] for r in masters))
        return (masters[0]['dc'] if masters else new), problems
    if operation == 'rejoin':
        if new not in [r['dc'] for r in masters]:
            return None, ['the inventory names %s as master DC (apim_master_dc), but its repository is %s; a rejoin '
                          'returns old copies to the real master. Fix: set apim_master_dc to the DC that took over'
                          % (new, 'a mirror of ' + target['sync_from_url'] if target.get('mirror') else 'empty')]
        return new, []
    if others and not force:
        return None, ['DC %s holds the master SVN repository and answers: a failover would leave two masters. Fix: '
                      'run playbooks/switchover.yml, or, if %s must be abandoned although it answers, stop it or set '
                      'apim_failover_force=true' % (others[0], others[0])]
    if new in [r['dc'] for r in masters]:
        return new, []
    if others:
        return others[0], []
    sources = sorted(set(_bare(r['sync_from_url']) for r in answered if r.get('mirror')))
    old = [dc for dc in topology['dc_order'] if _bare(topology['datacenters'][dc]['svn']['url']) in sources]
    if len(sources) != 1 or not old:
        return None, ['the mirrors do not agree on the master they follow (%s): fix them first' % ', '.join(sources)]
    ahead = [r for r in answered if r['dc'] != new and r.get('exists') and int(r['youngest'] or 0) > int(
        target['youngest'] or 0)]
    if ahead:
        best = max(ahead, key=lambda r: int(r['youngest']))
        return old[0], ['DC %s holds r%s, ahead of the new master DC %s at r%s: promoting %s would lose revisions. '
                        'Fix: set apim_master_dc to %s, the most advanced repository that answers'
                        % (best['dc'], best['youngest'], new, target['youngest'], new, best['dc'])]
    return old[0], []


def move_plan(topology, operation, repositories, nodes=None, force=False):
    """What ``operation`` (switchover, failover or rejoin) must do so that the real master is the inventory's.

    :arg topology: the topology fact, computed from the inventory: its ``master_dc`` is where the master goes.
    :arg repositories: one entry per DC that has an SVN server: ``{dc, host, unreachable}`` combined with
        svn_repository_info's result when it answered.
    :arg nodes: one entry per APIM node read, ``{host, dc, auto_commit, publisher}``, for the plan's account of the
        real committer and publishers.
    :arg force: a failover although the old master answers (it risks two masters; the old master is left alone).
    Returns ``{operation, old_master_dc, new_master_dc, uuid, revision, move, freeze, repoint, rejoin, lost_dcs,
    problems, plan}``. ``problems`` lists every reason to refuse, each saying how to proceed: nothing may be changed
    then. ``freeze`` (a switchover that moves) asks for the freeze and the drain of the old master. ``repoint`` lists
    the DCs to make mirrors of the new master, ``rejoin`` maps each of them to ``{keep, dump}``: the revisions it
    shares with the new master, and the range it took after the promotion (to save in a dump file) or None.
    ``move`` is false when the repositories already follow the inventory (a rerun): the playbook then converges the
    tiers and verifies, nothing more.
    """
    new = topology['master_dc']
    by_dc = dict((r['dc'], r) for r in repositories)
    answered = [r for r in repositories if not r.get('unreachable')]
    lost = [r['dc'] for r in repositories if r.get('unreachable')]
    masters = real_masters(answered)
    target = by_dc.get(new)
    old, problems = _refusal(operation, topology, by_dc, answered, lost, masters, target, force)
    plan = []
    result = {'operation': operation, 'old_master_dc': old, 'new_master_dc': new, 'uuid': None, 'revision': None,
              'move': False, 'freeze': False, 'repoint': [], 'rejoin': {}, 'lost_dcs': lost, 'problems': problems,
              'plan': plan}
    if old is None or problems:
        return result
    uuid = (by_dc[old] if old in by_dc and not by_dc[old].get('unreachable') else target)['uuid']
    result['uuid'] = uuid
    problems.extend(
        'DC %s: the repository on %s has UUID %s, not the deployment\'s %s: it is another repository, not a copy of '
        'this one, and cannot be joined. Fix: move it aside on the host (site.yml then creates a fresh mirror), and '
        'keep what it holds if it matters' % (r['dc'], r['host'], r['uuid'], uuid)
        for r in answered
        if r.get('exists') and int(r['youngest'] or 0) > 0 and uuid not in (r['uuid'], r.get('sync_from_uuid')))
    if problems:
        return result

    new_url = topology['datacenters'][new]['svn']['url']
    abandoned = [r['dc'] for r in masters if r['dc'] != new] if operation == 'failover' else []
    repoint = [r for r in answered if r['dc'] != new and r['dc'] not in abandoned and r.get('exists')
               and (not r.get('mirror') or _bare(r['sync_from_url']) != _bare(new_url))]
    promoted_at = target.get('promoted_at') if old == new else None
    for repository in repoint:
        youngest = int(repository['youngest'] or 0)
        keep = youngest if promoted_at is None else min(youngest, int(promoted_at))
        if old == new and promoted_at is None and youngest > int(target['youngest'] or 0):
            problems.append('DC %s: %s holds r%s, more than the master %s at r%s, which records no promotion: which '
                            'revisions are whose cannot be told. Fix: compare them by hand (svnadmin dump)'
                            % (repository['dc'], repository['host'], youngest, new, target['youngest']))
        result['rejoin'][repository['dc']] = {'keep': keep, 'dump': [keep + 1, youngest] if youngest > keep else None}
    if problems:
        return result
    result['repoint'] = [r['dc'] for r in repoint]
    committer, publishers = topology['depsync_committer'], ', '.join(topology['publishers'])
    if old != new and operation == 'switchover':
        head = by_dc[old]['youngest']
        result.update(move=True, freeze=True, revision=head)
        plan.extend([
            '1. freeze %s: AutoCommit off on its committer (a rolled restart), and its repository refuses every '
            'commit' % old,
            '2. drain: push r%s to every mirror and require each at r%s; stop there, saying which, if one is not'
            % (head, head),
            '3. promote %s (%s) to the read/write master at r%s; make %s mirrors of it' % (
                new, new_url, head, ', '.join(result['repoint'])),
            '4. move the committer (%s) and the publisher (%s) to %s, with the publisher routes' % (
                committer, publishers, new),
            '5. verify, and commit a probe at %s that must reach every other DC' % committer])
    elif old != new:
        result.update(move=True, revision=target['youngest'])
        plan.extend([
            '1. leave %s alone (%s)' % (old, 'it does not answer' if old in lost or old not in by_dc else 'forced'),
            '2. promote %s at r%s, the revision it holds: commits %s took after r%s may exist; they are saved to a '
            'dump file when %s rejoins (playbooks/rejoin.yml)' % (new, target['youngest'], old, target['youngest'],
                                                                  old),
            '3. make %s mirrors of %s' % (', '.join(result['repoint']) or 'no other DC', new),
            '4. move the committer (%s) and the publisher (%s) to %s, with the publisher routes' % (
                committer, publishers, new),
            '5. verify the DCs that answer; replication from %s stays down until it returns' % old])
    else:
        for dc in result['repoint']:
            entry = result['rejoin'][dc]
            result['move'] = True
            plan.append('rejoin %s: AutoCommit off on its nodes; %s; make it a mirror of %s from r%s' % (
                dc, 'save r%d:%d, taken after %s was promoted at r%s, to a dump file, and keep r0:%d' % (
                    entry['dump'][0], entry['dump'][1], new, promoted_at, entry['keep'])
                if entry['dump'] else 'it has nothing the master lacks', new, entry['keep']))
        if not result['move']:
            plan.append('the SVN repositories already follow %s, the inventory\'s master DC: nothing to move; the '
                        'tiers are converged and verified' % new)
    plan.extend('real committer now: %s (DC %s)' % (n['host'], n['dc']) for n in nodes or [] if n.get('auto_commit'))
    if nodes:
        plan.append('real publishers now: %s' % (', '.join(n['host'] for n in nodes if n.get('publisher')) or 'none'))
    plan.extend(_line(r) for r in repositories)
    return result
