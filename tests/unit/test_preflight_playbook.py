# -*- coding: utf-8 -*-
"""playbooks/preflight.yml and playbooks/verify.yml, run by the real ansible-playbook.

Preflight: an invalid inventory of unreachable hosts fails with every
violation listed and no connection attempt (a fake ssh/docker that leaves a
marker proves it); the shipped inventories pass without reaching any host.

Verify: hosts on the local connection, each with its own fake carbon home
in a temp dir, so the real state can be arranged per case; plus one host
whose ssh always fails, for the unreachable case. Both playbooks are run
through a wrapper in another directory, the way site.yml imports them.
"""

from __future__ import absolute_import, division, print_function

import os
import re
import subprocess
import sys
import textwrap

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK_BIN = os.path.join(REPO, '.venv', 'bin', 'ansible-playbook')
PREFLIGHT = os.path.join(REPO, 'playbooks', 'preflight.yml')
VERIFY = os.path.join(REPO, 'playbooks', 'verify.yml')

pytestmark = pytest.mark.skipif(not os.path.exists(PLAYBOOK_BIN), reason='needs .venv/bin/ansible-playbook')


def fake_tool(tmp_path, name):
    """An executable that records each call in <name>.calls and fails like an unreachable host."""
    marker = tmp_path / (name + '.calls')
    tool = tmp_path / 'bin' / name
    tool.parent.mkdir(exist_ok=True)
    tool.write_text('#!/bin/sh\necho "$0 $*" >> %s\necho "%s: connect to host: Connection refused" >&2\nexit 255\n'
                    % (marker, name))
    tool.chmod(0o755)
    return tool, marker


def run_playbook(tmp_path, playbook, inventory, *extra, env_path=None):
    wrapper = tmp_path / 'site.yml'
    wrapper.write_text('---\n- name: Import\n  ansible.builtin.import_playbook: %s\n' % playbook)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_FORCE_COLOR='0', ANSIBLE_LOCAL_TEMP=str(tmp_path / 'ansible-tmp'))
    if env_path:
        env['PATH'] = '%s:%s' % (env_path, env['PATH'])
    proc = subprocess.run([PLAYBOOK_BIN, '-i', str(inventory), str(wrapper)] + list(extra), cwd=REPO, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                          check=False)
    return proc.returncode, proc.stdout


# -- preflight ---------------------------------------------------------------

# An inventory breaking invariants 1-8 (some several times); every host is
# "reachable" only through the fake ssh, which records any attempt.
INVALID = textwrap.dedent("""\
    all:
      vars:
        apim_master_dc: dc1
        apim_tls_ca_dir: /srv/multidc-ca
        apim_consistency_budget: 0
        apim_consistency_databases: [WSO2AM_DB, WSO2_NO_SUCH_DB]
        ansible_connection: ansible.builtin.ssh
        ansible_ssh_executable: %(ssh)s
        ansible_host: 192.0.2.10
      children:
        datacenters:
          children:
            dc1:
              hosts:
                m1:
                m2:
                w1:
                s1:
                d1: {db_replication_server_id: 9}
            dc2:
              vars: {apim_depsync_committer: n1}
              hosts:
                n1: {apim_publisher_enabled: true}
                x1: {apim_hazelcast_members: [x1, m1]}
                w1:
                s2: {apim_svn_mode: master}
                d2: {db_replication_server_id: 9}
            dc3:
              hosts:
                z1:
        apim_managers: {hosts: {m1: , m2: , n1: }}
        apim_workers: {hosts: {w1: , x1: }}
        svn_servers: {hosts: {s1: , s2: }}
        db_servers: {hosts: {d1: , d2: }}
        load_balancers: {hosts: {z1: }}
    """)

EXPECTED = [
    r'host w1: is in 2 data centers \(dc1, dc2\)',
    r'group dc1: has no host in apim_workers',
    r'group dc1: has no host in load_balancers',
    r'group dc2: has no host in load_balancers',
    r'group dc3: has no host in apim_managers',
    r'group dc3: has no host in apim_workers',
    r'group dc3: has no host in svn_servers',
    r'group dc3: has no host in db_servers',
    r"group all: hosts disagree on apim_depsync_committer .*'n1' seen by .*\(not set\) seen by",
    r'host n1: has apim_publisher_enabled=true in dc2, which is not the master DC dc1',
    r'host x1: apim_hazelcast_members lists m1 from dc1, but Hazelcast clustering stays inside one DC',
    r'host d1, d2: share db_replication_server_id 9',
    r'host s2: apim_svn_mode=master in dc2',
    r'group all: apim_consistency_budget must be a number of seconds greater than 0, got 0',
    r'group all: apim_consistency_databases names WSO2_NO_SUCH_DB, not a WSO2 database of the topology',
]


def test_preflight_fails_with_every_violation_and_contacts_no_host(tmp_path):
    ssh, marker = fake_tool(tmp_path, 'ssh')
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(INVALID % {'ssh': ssh})
    rc, out = run_playbook(tmp_path, PREFLIGHT, inventory, '-vvv')
    assert rc != 0, out
    match = re.search(r'breaks the multi-DC topology invariants \((\d+) violation\(s\)\); no host was contacted', out)
    assert match, out
    assert int(match.group(1)) >= len(EXPECTED), out
    for pattern in EXPECTED:
        assert re.search(pattern, out), 'missing %r in:\n%s' % (pattern, out)
    assert not marker.exists(), marker.read_text()
    assert 'ESTABLISH SSH CONNECTION' not in out
    assert 'Show the topology summary' not in out  # nothing ran after the failure


def test_preflight_lists_one_line_per_violation(tmp_path):
    ssh, dummy = fake_tool(tmp_path, 'ssh')
    inventory = tmp_path / 'hosts.yml'
    inventory.write_text(INVALID % {'ssh': ssh})
    rc, out = run_playbook(tmp_path, PREFLIGHT, inventory)
    assert rc != 0
    error = out[out.index('[ERROR]'):out.index('Origin:')]
    count = int(re.search(r'\((\d+) violation\(s\)\)', error).group(1))
    lines = [line for line in error.splitlines()[1:] if line.strip()]
    assert len(lines) == count, error
    for line in lines:
        assert re.match(r'^- (host|group) [^:]+: .+; fix: .+$', line), line


@pytest.mark.parametrize('inventory, tool', [('inventories/prod', 'ssh'), ('inventories/lab', 'docker')])
def test_shipped_inventories_pass_preflight_without_reaching_hosts(tmp_path, inventory, tool):
    fake, marker = fake_tool(tmp_path, tool)
    extra = ['-e', 'ansible_ssh_executable=%s' % fake] if tool == 'ssh' else []
    rc, out = run_playbook(tmp_path, PREFLIGHT, os.path.join(REPO, inventory), *extra,
                           env_path=str(fake.parent))
    assert rc == 0, out
    assert re.search(r'master DC dc1, DC order dc1, dc2, depsync committer \S+mgr1', out), out
    assert not marker.exists(), marker.read_text()


# -- verify ------------------------------------------------------------------

def verify_inventory(tmp_path, unreachable=None, cannot_run_modules=None):
    ssh, marker = fake_tool(tmp_path, 'ssh')
    lines = ['all:', '  vars:', '    apim_master_dc: dc1', '    apim_tls_ca_dir: %s/ca' % tmp_path,
             '    ansible_connection: local',
             '    ansible_python_interpreter: %s' % sys.executable,
             '    apim_carbon_home: "%s/homes/{{ inventory_hostname }}"' % tmp_path,
             '  children:', '    datacenters:', '      children:']
    for dc, prefix in (('dc1', 'a'), ('dc2', 'b')):
        lines += ['        %s:' % dc, '          hosts:']
        for kind in ('mgr', 'wkr', 'svn', 'db', 'lb'):
            host = '%s-%s' % (prefix, kind)
            if host == cannot_run_modules:
                # Reached, but no module can run there (as on a stopped container).
                lines.append('            %s: {ansible_python_interpreter: /nonexistent/python3}' % host)
            elif host == unreachable:
                lines.append('            %s: {ansible_connection: ssh, ansible_ssh_executable: %s, '
                             'ansible_host: 192.0.2.20}' % (host, ssh))
            else:
                lines.append('            %s:' % host)
    for group, kind in (('apim_managers', 'mgr'), ('apim_workers', 'wkr'), ('svn_servers', 'svn'),
                        ('db_servers', 'db'), ('load_balancers', 'lb')):
        lines += ['    %s:' % group, '      hosts:', '        a-%s:' % kind, '        b-%s:' % kind]
    path = tmp_path / 'hosts.yml'
    path.write_text('\n'.join(lines) + '\n')
    return path


CARBON = textwrap.dedent("""\
    <?xml version="1.0" encoding="ISO-8859-1"?>
    <Server xmlns="http://wso2.org/projects/carbon/carbon.xml">
        <!-- a commented-out template must not count:
        <DeploymentSynchronizer><Enabled>true</Enabled><AutoCommit>true</AutoCommit></DeploymentSynchronizer>
        -->
        <DeploymentSynchronizer>
            <Enabled>%(enabled)s</Enabled>
            <AutoCommit>%(commit)s</AutoCommit>
            <AutoCheckout>true</AutoCheckout>
            <RepositoryType>svn</RepositoryType>
            <SvnUrl>%(url)s</SvnUrl>
        </DeploymentSynchronizer>
    </Server>
    """)


def deploy(tmp_path, host, enabled='true', commit='false', url=None, publisher=False, publisher_war=False):
    """Arrange a fake APIM pack for ``host`` (test double of what the roles install)."""
    home = tmp_path / 'homes' / host / 'repository'
    (home / 'conf').mkdir(parents=True)
    (home / 'deployment' / 'server').mkdir(parents=True)  # every pack has it
    dc_svn = ('a' if host.startswith('a-') else 'b') + '-svn'
    (home / 'conf' / 'carbon.xml').write_text(CARBON % {
        'enabled': enabled, 'commit': commit, 'url': url or 'https://%s/svn/apim/' % dc_svn})
    if publisher:
        (home / 'deployment' / 'server' / 'jaggeryapps' / 'publisher').mkdir(parents=True)
    if publisher_war:  # APIM 2.x: the publisher's REST API web application
        (home / 'deployment' / 'server' / 'webapps').mkdir(parents=True)
        (home / 'deployment' / 'server' / 'webapps' / 'api#am#publisher#v0.14.war').write_text('war')


def table_row(out, host):
    match = re.search(r'^\s+(%s\s+.*)$' % re.escape(host), out, re.M)
    assert match, out
    return re.split(r'\s{2,}', match.group(1).strip())  # columns are two or more spaces apart


def test_verify_before_any_role_ran_reports_not_deployed(tmp_path):
    rc, out = run_playbook(tmp_path, VERIFY, verify_inventory(tmp_path))
    assert rc == 0, out
    assert re.search(r'node\s+function\s+reachable\s+depsync mode\s+publisher present', out), out
    assert 'dc1 (master): SVN https://a-svn/svn/apim (master)' in out
    assert 'dc2: SVN https://b-svn/svn/apim (mirror)' in out
    assert table_row(out, 'b-mgr') == ['b-mgr', 'manager', 'yes', 'not deployed', 'not deployed', 'n/a', 'n/a']
    assert table_row(out, 'a-db') == ['a-db', 'db', 'yes', 'n/a', 'n/a', 'n/a', 'not deployed']
    assert table_row(out, 'a-svn') == ['a-svn', 'svn', 'yes', 'n/a', 'n/a', 'not deployed', 'n/a']


def test_verify_passes_on_a_correct_deployment(tmp_path):
    deploy(tmp_path, 'a-mgr', commit='true', publisher=True)
    deploy(tmp_path, 'a-wkr')
    deploy(tmp_path, 'b-mgr')
    deploy(tmp_path, 'b-wkr', enabled='false')  # depsync role not run there yet: not a failure
    rc, out = run_playbook(tmp_path, VERIFY, verify_inventory(tmp_path))
    assert rc == 0, out
    assert table_row(out, 'a-mgr') == ['a-mgr', 'manager', 'yes', 'commit', 'yes', 'n/a', 'n/a']
    assert table_row(out, 'a-wkr') == ['a-wkr', 'worker', 'yes', 'checkout', 'no', 'n/a', 'n/a']
    assert table_row(out, 'b-mgr') == ['b-mgr', 'manager', 'yes', 'checkout', 'no', 'n/a', 'n/a']
    assert table_row(out, 'b-wkr') == ['b-wkr', 'worker', 'yes', 'disabled', 'no', 'n/a', 'n/a']


def test_verify_fails_on_real_state_violations(tmp_path):
    deploy(tmp_path, 'a-mgr', commit='false', publisher=True)   # committer that does not commit
    deploy(tmp_path, 'a-wkr', publisher=True)                   # publisher on a worker
    deploy(tmp_path, 'b-mgr', publisher=True)                   # publisher in dc2
    deploy(tmp_path, 'b-wkr', commit='true', url='http://a-svn/svn/apim')  # committer in dc2, wrong SVN
    rc, out = run_playbook(tmp_path, VERIFY, verify_inventory(tmp_path))
    assert rc != 0, out
    assert 'Verify found 5 violation(s) in the real state' in out, out
    for pattern in (r'host a-mgr: is the depsync committer but AutoCommit is false',
                    r'host a-wkr: the publisher application is deployed in dc1',
                    r'host b-mgr: the publisher application is deployed in dc2',
                    r'host b-wkr: depsync AutoCommit is true but the committer is a-mgr',
                    r"host b-wkr: depsync SvnUrl is 'http://a-svn/svn/apim', not the DC-local https://b-svn/svn/apim"):
        assert re.search(pattern, out), pattern
    assert table_row(out, 'b-wkr') == ['b-wkr', 'worker', 'yes', 'commit', 'no', 'n/a', 'n/a']


def test_verify_sees_a_2x_publisher_web_application_where_it_must_not_be(tmp_path):
    deploy(tmp_path, 'a-mgr', commit='true', publisher=True)
    deploy(tmp_path, 'b-mgr', publisher_war=True)
    rc, out = run_playbook(tmp_path, VERIFY, verify_inventory(tmp_path))
    assert rc != 0, out
    assert re.search(r'host b-mgr: the publisher application is deployed in dc2', out), out
    assert table_row(out, 'b-mgr') == ['b-mgr', 'manager', 'yes', 'checkout', 'yes', 'n/a', 'n/a']


@pytest.mark.parametrize('broken, host, reason', [
    (dict(unreachable='b-wkr'), 'b-wkr', ''),
    (dict(cannot_run_modules='a-wkr'), 'a-wkr', r' \(.*nonexistent'),  # reached, but no module can run there
], ids=['unreachable', 'cannot-run-a-module'])
def test_verify_fails_on_an_unreachable_node_after_reading_the_others(tmp_path, broken, host, reason):
    deploy(tmp_path, 'a-mgr', commit='true', publisher=True)
    rc, out = run_playbook(tmp_path, VERIFY, verify_inventory(tmp_path, **broken))
    assert rc != 0, out
    assert table_row(out, host) == [host, 'worker', 'UNREACHABLE', 'n/a', 'n/a', 'n/a', 'n/a']
    assert table_row(out, 'a-mgr') == ['a-mgr', 'manager', 'yes', 'commit', 'yes', 'n/a', 'n/a']
    assert 'Verify found 1 violation(s)' in out
    assert re.search(r'host %s: is unreachable%s' % (host, reason), out), out


def test_verify_reports_a_node_an_earlier_play_dropped_as_not_read(tmp_path):
    deploy(tmp_path, 'a-mgr', commit='true', publisher=True)
    earlier = tmp_path / 'earlier.yml'
    earlier.write_text(textwrap.dedent("""\
        - name: An earlier play in which one node fails
          hosts: datacenters
          gather_facts: false
          tasks:
            - name: Fail on b-lb
              ansible.builtin.fail:
                msg: broken on purpose
              when: inventory_hostname == 'b-lb'

        - name: Verify
          ansible.builtin.import_playbook: %s
        """ % VERIFY))
    rc, out = run_playbook(tmp_path, str(earlier), verify_inventory(tmp_path))
    assert rc != 0, out
    assert table_row(out, 'b-lb') == ['b-lb', 'lb', 'NOT READ', 'n/a', 'n/a', 'n/a', 'n/a']
    assert 'Verify found 1 violation(s)' in out, out
    assert re.search(r'host b-lb: was not read \(it failed or was unreachable earlier in this run\)', out), out
