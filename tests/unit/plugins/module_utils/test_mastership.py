# -*- coding: utf-8 -*-
"""The real master DC, read from the SVN repositories, against the inventory's (plugins/module_utils/mastership.py)."""

import pytest

from ansible_collections.multidc.apim.plugins.module_utils.mastership import master_guard

URL = 'https://%s-svn/svn/apim'
TOPOLOGY = {'master_dc': 'dc1', 'dc_order': ['dc1', 'dc2', 'dc3'],
            'datacenters': dict((dc, {'svn': {'url': URL % dc}}) for dc in ('dc1', 'dc2', 'dc3'))}


def repo(dc, youngest=12, source=None, exists=True):
    return {'host': '%s-svn' % dc, 'dc': dc, 'exists': exists, 'youngest': youngest if exists else None,
            'mirror': bool(source), 'sync_from_url': URL % source if source else None}


def guard(master, *repositories):
    return master_guard(dict(TOPOLOGY, master_dc=master), list(repositories))


@pytest.mark.parametrize('master, repositories, real', [
    ('dc1', [repo('dc1'), repo('dc2', source='dc1'), repo('dc3', source='dc1')], ['dc1']),
    ('dc2', [repo('dc1', exists=False), repo('dc2', exists=False), repo('dc3', exists=False)], []),
    ('dc2', [repo('dc1', 0), repo('dc2', 0), repo('dc3', 0)], []),
    ('dc2', [repo('dc2'), repo('dc3', source='dc2')], ['dc2']),
], ids=['converged', 'new-deployment', 'new-repositories', 'old-master-unreachable'])
def test_site_yml_may_go_on(master, repositories, real):
    verdict = guard(master, *repositories)
    assert verdict['problem'] == ''
    assert verdict['real_master_dcs'] == real


def test_a_moved_master_is_refused_naming_both_dcs_and_what_to_do():
    verdict = guard('dc2', repo('dc1', 12), repo('dc2', 12, source='dc1'), repo('dc3', 12, source='dc1'))
    assert verdict['real_master_dcs'] == ['dc1']
    assert verdict['problem'] == (
        'site.yml does not move the master DC: the inventory names dc2 (apim_master_dc), but the real master is '
        'dc1; nothing was changed. Fix: set apim_master_dc back to dc1, or move the master DC with '
        'playbooks/switchover.yml (playbooks/failover.yml when dc1 is lost; docs/master_move.md)')
    assert verdict['evidence'] == ['DC dc1: dc1-svn at r12 records no svnsync source (a master)',
                                   'DC dc2: dc2-svn at r12 is a mirror of https://dc1-svn/svn/apim']


@pytest.mark.parametrize('youngest', [12, 0], ids=['with-history', 'empty'])
def test_a_mirror_named_master_is_refused_even_when_its_master_is_out_of_reach(youngest):
    """The old master DC is down (not read): site.yml must not promote its mirror, that is a failover. An empty
    mirror is no different: its svnsync bookkeeping would stay behind."""
    verdict = guard('dc2', repo('dc2', youngest, source='dc1'), repo('dc3', youngest, source='dc1'))
    assert verdict['real_master_dcs'] == []
    assert verdict['problem'] == (
        'site.yml does not move the master DC: the inventory names dc2 (apim_master_dc), but its SVN repository is '
        'a mirror of dc1 (https://dc1-svn/svn/apim); nothing was changed. Fix: set apim_master_dc back to dc1, or '
        'move the master DC with playbooks/switchover.yml (playbooks/failover.yml when dc1 is lost; '
        'docs/master_move.md)')


def test_two_master_repositories_are_a_split_history():
    verdict = guard('dc1', repo('dc1', 12), repo('dc2', 9), repo('dc3', 12, source='dc1'))
    assert verdict['real_master_dcs'] == ['dc1', 'dc2']
    assert verdict['problem'].startswith('more than one DC holds a master SVN repository (dc1, dc2): their '
                                         'histories have split; nothing was changed.')


# --- move_plan: switchover, failover and rejoin ---------------------------------------------------------------

from ansible_collections.multidc.apim.plugins.module_utils.mastership import move_plan  # noqa: E402

DEPLOYMENT_UUID = '6f1d2c3b-8a9e-4d7f-b0c1-2e3f4a5b6c7d'


def svn(dc, youngest=12, source=None, uuid=DEPLOYMENT_UUID, promoted_at=None, unreachable=False):
    if unreachable:
        return {'dc': dc, 'host': '%s-svn' % dc, 'unreachable': True}
    entry = repo(dc, youngest, source)
    entry.update(uuid=uuid, sync_from_uuid=uuid if source else None, promoted_at=promoted_at, unreachable=False)
    return entry


def plan(operation, master, *repositories, **kwargs):
    topology = dict(TOPOLOGY, master_dc=master, depsync_committer='%s-mgr1' % master,
                    publishers=['%s-mgr1' % master])
    return move_plan(topology, operation, list(repositories), **kwargs)


def test_a_switchover_freezes_drains_and_repoints_every_other_dc():
    result = plan('switchover', 'dc2', svn('dc1', 12), svn('dc2', 11, 'dc1'), svn('dc3', 12, 'dc1'),
                  nodes=[{'host': 'dc1-mgr1', 'dc': 'dc1', 'auto_commit': True, 'publisher': True}])
    assert result['problems'] == []
    assert (result['old_master_dc'], result['new_master_dc'], result['revision']) == ('dc1', 'dc2', 12)
    assert (result['move'], result['freeze'], result['repoint']) == (True, True, ['dc1', 'dc3'])
    assert result['rejoin'] == {'dc1': {'keep': 12, 'dump': None}, 'dc3': {'keep': 12, 'dump': None}}
    assert result['plan'][0].startswith('1. freeze dc1: AutoCommit off on its committer')
    assert 'real committer now: dc1-mgr1 (DC dc1)' in result['plan']
    assert 'DC dc2: dc2-svn at r11, a mirror of https://dc1-svn/svn/apim' in result['plan']


def test_a_switchover_needs_every_dc_and_names_each_one_that_does_not_answer():
    result = plan('switchover', 'dc2', svn('dc1'), svn('dc2', source='dc1'), svn('dc3', unreachable=True))
    assert result['problems'] == [
        'DC dc3: its SVN server dc3-svn does not answer; a switchover needs every DC. Fix: bring it back, or, if dc3 '
        'is lost, run playbooks/failover.yml']
    assert result['move'] is False and result['plan'] == []


def test_a_switchover_that_is_done_moves_nothing():
    result = plan('switchover', 'dc2', svn('dc1', 13, 'dc2'), svn('dc2', 13, promoted_at=12), svn('dc3', 13, 'dc2'))
    assert result['problems'] == [] and result['move'] is False and result['repoint'] == []
    assert result['plan'][0].startswith('the SVN repositories already follow dc2')


def test_a_switchover_stopped_between_promotion_and_repoint_is_finished_by_a_rejoin():
    repositories = [svn('dc1', 12), svn('dc2', 12, promoted_at=12), svn('dc3', 12, 'dc1')]
    refused = plan('switchover', 'dc2', *repositories)
    assert refused['problems'] == ['more than one DC holds a master SVN repository (dc1, dc2): the history has '
                                   'split; fix: run playbooks/rejoin.yml for the DC that returned']
    result = plan('rejoin', 'dc2', *repositories)
    assert result['problems'] == [] and result['repoint'] == ['dc1', 'dc3']
    assert result['rejoin'] == {'dc1': {'keep': 12, 'dump': None}, 'dc3': {'keep': 12, 'dump': None}}


def test_a_failover_promotes_the_new_master_at_its_revision_and_leaves_the_lost_dc_alone():
    result = plan('failover', 'dc3', svn('dc1', 11, 'dc2'), svn('dc2', unreachable=True), svn('dc3', 11, 'dc2'))
    assert result['problems'] == []
    assert (result['old_master_dc'], result['revision'], result['repoint'], result['lost_dcs']) == (
        'dc2', 11, ['dc1'], ['dc2'])
    assert result['plan'][1] == ('2. promote dc3 at r11, the revision it holds: commits dc2 took after r11 may exist; '
                                 'they are saved to a dump file when dc2 rejoins (playbooks/rejoin.yml)')


def test_a_failover_refuses_a_new_master_behind_another_and_names_the_better_one():
    result = plan('failover', 'dc3', svn('dc1', 12, 'dc2'), svn('dc2', unreachable=True), svn('dc3', 11, 'dc2'))
    assert result['problems'] == [
        'DC dc1 holds r12, ahead of the new master DC dc3 at r11: promoting dc3 would lose revisions. Fix: set '
        'apim_master_dc to dc1, the most advanced repository that answers']


def test_a_failover_while_the_old_master_answers_is_refused_unless_forced():
    repositories = [svn('dc1', 12, 'dc2'), svn('dc2', 12), svn('dc3', 12, 'dc2')]
    refused = plan('failover', 'dc3', *repositories)
    assert refused['problems'][0].startswith('DC dc2 holds the master SVN repository and answers: a failover would '
                                             'leave two masters. Fix: run playbooks/switchover.yml')
    forced = plan('failover', 'dc3', *repositories, force=True)
    assert forced['problems'] == [] and forced['old_master_dc'] == 'dc2' and forced['repoint'] == ['dc1']


def test_a_rejoin_saves_what_the_old_master_took_after_the_promotion():
    result = plan('rejoin', 'dc3', svn('dc1', 15, 'dc3'), svn('dc2', 14), svn('dc3', 15, promoted_at=12))
    assert result['problems'] == []
    assert (result['move'], result['repoint'], result['rejoin']) == (
        True, ['dc2'], {'dc2': {'keep': 12, 'dump': [13, 14]}})
    assert result['plan'][0] == ('rejoin dc2: AutoCommit off on its nodes; save r13:14, taken after dc3 was promoted '
                                 'at r12, to a dump file, and keep r0:12; make it a mirror of dc3 from r12')


def test_a_rejoin_of_another_repository_is_refused():
    result = plan('rejoin', 'dc3', svn('dc2', 14, uuid='0c9d8e7f-1a2b-4c3d-8e9f-0a1b2c3d4e5f'),
                  svn('dc3', 15, promoted_at=12))
    assert len(result['problems']) == 1
    assert result['problems'][0].startswith("DC dc2: the repository on dc2-svn has UUID 0c9d8e7f-1a2b-4c3d-8e9f-"
                                            "0a1b2c3d4e5f, not the deployment's %s: it is another repository" %
                                            DEPLOYMENT_UUID)
    assert result['rejoin'] == {} and result['move'] is False


def test_a_rejoin_toward_a_dc_that_is_not_the_master_is_refused():
    result = plan('rejoin', 'dc2', svn('dc2', 14, 'dc3'), svn('dc3', 15, promoted_at=12))
    assert result['problems'][0].startswith('the inventory names dc2 as master DC (apim_master_dc), but its '
                                            'repository is a mirror of https://dc3-svn/svn/apim')


def test_a_new_deployment_has_nothing_to_move():
    result = plan('switchover', 'dc2', svn('dc1', 0), svn('dc2', 0), svn('dc3', 0))
    assert result['problems'] == ['no DC holds an SVN repository with revisions: a new deployment has no master to '
                                  'move; run site.yml']
