# -*- coding: utf-8 -*-
"""worker_manager's trust of the DC's CAs (tasks/trust.yml), run by the real ansible-playbook on a local host
with a real keytool: Carbon's client-truststore.jks gets one alias per CA of the bundles, and the node's svn
client one file per CA. A rollover's second CA is added, then dropped again.

The CARBON_HOME is a temp directory holding only a truststore that keytool made (a test double of the pack's);
the svn client configuration and the pending-restart file are temp files too, so nothing of the machine is
touched. The restart handler's roll asks systemctl about the unit: a fake systemctl (a test double) answers that
there is none, so nothing is started.
"""

from __future__ import absolute_import, division, print_function

import os
import re
import shutil
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives import serialization

from ansible_collections.multidc.apim.tests.unit.plugins.module_utils.test_tls import make_ca
from ansible_collections.multidc.apim.tests.unit.test_preflight_playbook import PLAYBOOK_BIN, REPO, run_playbook

KEYTOOL = shutil.which('keytool')
pytestmark = [pytest.mark.skipif(not os.path.exists(PLAYBOOK_BIN), reason='needs .venv/bin/ansible-playbook'),
              pytest.mark.skipif(not KEYTOOL, reason='needs keytool (scripts/apt-packages.txt installs a JRE)')]

PASSWORD = 'wso2carbon'
PLAYBOOK = """\
---
- name: Preflight
  ansible.builtin.import_playbook: {repo}/playbooks/preflight.yml

- name: Trust
  hosts: apim_managers
  gather_facts: false
  tasks:
    - name: The trust of this node
      ansible.builtin.include_role:
        name: multidc.apim.worker_manager
        tasks_from: trust
      vars:
        worker_manager_carbon_home: {tmp}/carbon
        worker_manager_tls_ca_files: "{{{{ bundles }}}}"
        worker_manager_tls_ca_path: {tmp}/ssl/dc-ca.pem
        worker_manager_svn_servers_file: {tmp}/servers
"""


def _pem(ca):
    return ca[1].public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture()
def node(tmp_path):
    truststore = tmp_path / 'carbon' / 'repository' / 'resources' / 'security' / 'client-truststore.jks'
    truststore.parent.mkdir(parents=True)
    subprocess.run([KEYTOOL, '-genkeypair', '-noprompt', '-alias', 'wso2carbon', '-keyalg', 'EC', '-dname',
                    'CN=test double of the pack', '-keystore', str(truststore), '-storetype', 'JKS',
                    '-storepass', PASSWORD, '-keypass', PASSWORD], check=True, capture_output=True)
    (tmp_path / 'ssl').mkdir()
    first, second = make_ca('first CA'), make_ca('second CA')
    (tmp_path / 'one.pem').write_text(_pem(first))
    (tmp_path / 'two.pem').write_text(_pem(first) + _pem(second))
    (tmp_path / 'second.pem').write_text(_pem(second))
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text('\n'.join([
        'all:', '  vars:', '    apim_preflight_required_groups: [apim_managers]', '    apim_tls: false', '    apim_master_dc: dc1',
        '    ansible_connection: local', '    ansible_python_interpreter: %s' % sys.executable,
        '    worker_manager_keytool: %s' % KEYTOOL,
        '  children:', '    datacenters:', '      children:', '        dc1:', '          hosts:', '            mgr1:',
        '    apim_managers:', '      hosts:', '        mgr1:']) + '\n')
    playbook = tmp_path / 'trust.yml'
    playbook.write_text(PLAYBOOK.format(repo=REPO, tmp=tmp_path))

    systemctl = tmp_path / 'bin' / 'systemctl'
    systemctl.parent.mkdir()
    systemctl.write_text('#!/bin/sh\nprintf "LoadState=not-found\\nActiveState=inactive\\n"\n')
    systemctl.chmod(0o755)

    def run(bundles):
        return run_playbook(tmp_path, playbook, inventory, '-e', '{"bundles": %s}' % bundles,
                            '-e', '__common_restart_pending_file=%s/restart-pending' % tmp_path,
                            env_path=str(systemctl.parent))

    def exported(alias):
        return subprocess.run([KEYTOOL, '-exportcert', '-rfc', '-alias', alias, '-keystore', str(truststore),
                               '-storepass', PASSWORD], check=True, capture_output=True, text=True).stdout.strip()

    def aliases():
        listed = subprocess.run([KEYTOOL, '-list', '-keystore', str(truststore), '-storepass', PASSWORD],
                                check=True, capture_output=True, text=True).stdout
        return sorted(re.findall(r'^(multidc-apim-ca-\d+),', listed, re.M))

    return tmp_path, run, aliases, exported, _pem(second).strip()


def test_every_ca_of_the_bundles_is_trusted_by_carbon_and_by_svn_then_a_dropped_one_goes(node):
    """Both CAs of a rollover, then the second alone (the first dropped)."""
    tmp_path, run, aliases, exported, second = node
    rc, out = run('["%s/two.pem"]' % tmp_path)
    assert rc == 0, out[-4000:]
    assert aliases() == ['multidc-apim-ca-1', 'multidc-apim-ca-2']
    assert (tmp_path / 'restart-pending').exists(), 'a new trust must restart the node'
    servers = (tmp_path / 'servers').read_text()
    assert 'ssl-authority-files = {0}/ssl/dc-ca-1.pem;{0}/ssl/dc-ca-2.pem'.format(tmp_path) in servers
    assert (tmp_path / 'ssl' / 'dc-ca-2.pem').read_text().count('BEGIN CERTIFICATE') == 1
    assert 'Warn that Carbon does not trust the CAs yet' in out and 'so the deployment CA is not in' not in out

    (tmp_path / 'restart-pending').unlink()
    rc, out = run('["%s/two.pem"]' % tmp_path)
    assert rc == 0, out[-4000:]
    assert not (tmp_path / 'restart-pending').exists(), 'nothing changed, nothing to restart'

    # The end of a rollover: the first CA is dropped, the second stays.
    rc, out = run('["%s/second.pem"]' % tmp_path)
    assert rc == 0, out[-4000:]
    assert exported('multidc-apim-ca-1') == second
    assert 'ssl-authority-files = %s/ssl/dc-ca-1.pem\n' % tmp_path in (tmp_path / 'servers').read_text()
    assert not (tmp_path / 'ssl' / 'dc-ca-2.pem').exists()
    assert aliases() == ['multidc-apim-ca-1']
    assert (tmp_path / 'restart-pending').exists()
