# -*- coding: utf-8 -*-
"""playbooks/master_guard.yml, run by the real ansible-playbook behind the preflight, as site.yml runs it.

Two DCs, each with one SVN server on the local connection, whose repository lives in a temp dir. The
controller has no Subversion, so a fake ``svnlook`` (a TEST DOUBLE) answers from a JSON file in each
repository: its youngest revision and its revision-0 properties, printed as svnlook prints them. The real
svnlook runs in the multi_dc scenario.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import sys

import pytest

from ansible_collections.multidc.apim.tests.unit.test_preflight_playbook import PLAYBOOK_BIN, REPO, run_playbook

pytestmark = pytest.mark.skipif(not os.path.exists(PLAYBOOK_BIN), reason='needs .venv/bin/ansible-playbook')

FAKE_SVNLOOK = r'''#!%s
"""svnlook youngest|uuid|proplist ... REPO, answered from REPO/state.json (a test double)."""
import json, sys
state = json.load(open(sys.argv[-1] + '/state.json'))
if sys.argv[1] == 'youngest':
    print(state['youngest'])
elif sys.argv[1] == 'uuid':
    print('0b9e4f4e-7d3a-4c55-8f0e-3a1f5b2c6d7e')
else:
    props = ''.join('<property\n   name="%%s">%%s</property>\n' %% item for item in sorted(state['props'].items()))
    print('<?xml version="1.0" encoding="UTF-8"?>\n<properties>\n<revprops\n   rev="0">\n%%s</revprops>\n</properties>'
          %% props)
''' % sys.executable


def setup_dcs(tmp_path, repositories):
    """``repositories``: host -> None (no repository) or (youngest, sync-from-url or None)."""
    (tmp_path / 'bin').mkdir()
    svnlook = tmp_path / 'bin' / 'svnlook'
    svnlook.write_text(FAKE_SVNLOOK)
    svnlook.chmod(0o755)
    for host, state in repositories.items():
        repo = tmp_path / host / 'apim'
        repo.mkdir(parents=True)
        if state is not None:
            (repo / 'format').write_text('5\n')
            props = {'svn:sync-from-url': state[1]} if state[1] else {}
            (repo / 'state.json').write_text(json.dumps({'youngest': state[0], 'props': props}))
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text('\n'.join([
        'all:', '  vars:', '    apim_preflight_required_groups: [svn_servers]', '    apim_tls: false',
        '    ansible_connection: local', '    ansible_python_interpreter: %s' % sys.executable,
        '  children:', '    datacenters:', '      children:',
        '        dc1:', '          hosts:', '            dc1-svn: {svn_mirror_repository_root: %s/dc1-svn}' % tmp_path,
        '        dc2:', '          hosts:', '            dc2-svn: {svn_mirror_repository_root: %s/dc2-svn}' % tmp_path,
        '    svn_servers:', '      hosts:', '        dc1-svn:', '        dc2-svn:']) + '\n')
    playbook = tmp_path / 'guard.yml'
    playbook.write_text('---\n- name: Preflight\n  ansible.builtin.import_playbook: %s/playbooks/preflight.yml\n'
                        '- name: Guard\n  ansible.builtin.import_playbook: %s/playbooks/master_guard.yml\n'
                        % (REPO, REPO))
    return inventory, playbook


def guard(tmp_path, repositories, master, *extra):
    inventory, playbook = setup_dcs(tmp_path, repositories)
    return run_playbook(tmp_path, playbook, inventory, '-e', 'apim_master_dc=%s' % master, *extra,
                        env_path=str(tmp_path / 'bin'))


def test_the_inventory_master_holding_the_master_repository_passes(tmp_path):
    rc, out = guard(tmp_path, {'dc1-svn': (7, None), 'dc2-svn': (7, 'http://dc1-svn/svn/apim')}, 'dc1')
    assert rc == 0, out[-3000:]
    assert 'master DC dc1 holds the master repository' in out


def test_a_new_deployment_passes_in_check_mode(tmp_path):
    rc, out = guard(tmp_path, {'dc1-svn': None, 'dc2-svn': None}, 'dc2', '--check')
    assert rc == 0, out[-3000:]
    assert 'no SVN repository has revisions yet: nothing to compare' in out


def test_a_moved_master_fails_with_one_message_also_in_check_mode(tmp_path):
    rc, out = guard(tmp_path, {'dc1-svn': (7, None), 'dc2-svn': (7, 'http://dc1-svn/svn/apim')}, 'dc2', '--check')
    assert rc != 0
    flat = ' '.join(out.split())
    assert ('site.yml does not move the master DC: the inventory names dc2 (apim_master_dc), but the real master is '
            'dc1; nothing was changed.') in flat, out[-3000:]
    assert 'DC dc1: dc1-svn at r7 records no svnsync source (a master)' in flat
    assert 'DC dc2: dc2-svn at r7 is a mirror of http://dc1-svn/svn/apim' in flat
