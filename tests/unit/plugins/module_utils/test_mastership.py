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
        'dc1; nothing was changed. Fix: set apim_master_dc back to dc1; moving the master DC is a switchover, or a '
        'failover when dc1 is lost (docs/master_move.md)')
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
        'a mirror of dc1 (https://dc1-svn/svn/apim); nothing was changed. Fix: set apim_master_dc back to dc1; '
        'moving the master DC is a switchover, or a failover when dc1 is lost (docs/master_move.md)')


def test_two_master_repositories_are_a_split_history():
    verdict = guard('dc1', repo('dc1', 12), repo('dc2', 9), repo('dc3', 12, source='dc1'))
    assert verdict['real_master_dcs'] == ['dc1', 'dc2']
    assert verdict['problem'].startswith('more than one DC holds a master SVN repository (dc1, dc2): their '
                                         'histories have split; nothing was changed.')
