"""Verify's judgement of one APIM node (plugins/module_utils/verify.py), as a table."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.multidc.apim.plugins.module_utils.verify import apim_node_verdict

TOPOLOGY = {'depsync_committer': 'dc1-mgr1', 'publishers': ['dc1-mgr1']}
URL = {'dc1': 'http://dc1-svn/svn/apim', 'dc2': 'http://dc2-svn/svn/apim'}


def node(dc='dc2', committer=False, publisher=False, apim=True):
    return {'dc': dc, 'depsync_mode': ('commit' if committer else 'checkout') if apim else None,
            'depsync_committer': committer, 'publisher_enabled': publisher, 'svn_url': URL[dc]}


def depsync(dc='dc2', enabled=True, commit=False, url=None):
    return {'enabled': enabled, 'auto_commit': commit, 'svn_url': url or URL[dc] + '/'}


@pytest.mark.parametrize('args, mode, publisher, problems', [
    ((node(apim=False), False, None, False), 'n/a', 'n/a', []),
    ((node(), False, None, False), 'not deployed', 'not deployed', []),
    ((node(), True, None, False), 'disabled', 'no', []),
    ((node(), True, depsync(enabled=False), False), 'disabled', 'no', []),
    ((node(), True, depsync(), False), 'checkout', 'no', []),
    ((node('dc1', True, True), True, depsync('dc1', commit=True), True), 'commit', 'yes', []),
    ((node(), True, depsync(commit=True), False), 'commit', 'no', ['AutoCommit is true but the committer is dc1-mgr1']),
    ((node('dc1', True, True), True, depsync('dc1'), True), 'checkout', 'yes', ['is the depsync committer but AutoCommit is false']),
    ((node(), True, depsync(url=URL['dc1']), False), 'checkout', 'no', ["SvnUrl is 'http://dc1-svn/svn/apim', not the DC-local"]),
    ((node(), True, depsync(), True), 'checkout', 'yes', ['the publisher application is deployed in dc2, but it may run only on dc1-mgr1']),
    ((node('dc1', True, True), True, depsync('dc1', commit=True), False), 'commit', 'no', ['the publisher application is missing']),
    ((node(), True, depsync(enabled=False, url=URL['dc1']), False), 'disabled', 'no', []),
    ((node(), False, None, True), 'not deployed', 'not deployed', []),
], ids=['not-apim', 'not-deployed', 'no-block', 'disabled', 'checkout', 'committer', 'stray-committer',
        'silent-committer', 'wrong-svn', 'stray-publisher', 'missing-publisher', 'disabled-url-ignored',
        'undeployed-publisher-ignored'])
def test_apim_node_verdict(args, mode, publisher, problems):
    verdict = apim_node_verdict('h', args[0], TOPOLOGY, *args[1:])
    assert (verdict['depsync_mode'], verdict['publisher']) == (mode, publisher)
    assert len(verdict['violations']) == len(problems)
    for message, expected in zip(verdict['violations'], problems):
        assert message.startswith('host h: ') and expected in message and '; fix: ' in message
