# -*- coding: utf-8 -*-
"""The multidc.apim.topology action plugin, driven through task vars.

Two flavours of input: plain dicts standing in for ``task_vars`` (with the
``datacenters`` option, since a dict has no inventory tree), and task vars
produced by a real InventoryManager/VariableManager from a YAML inventory,
which is what the plugin sees inside ansible-playbook.
"""

from __future__ import absolute_import, division, print_function

import textwrap
from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible.vars.hostvars import HostVars
from ansible.vars.manager import VariableManager

from ansible_collections.multidc.apim.plugins.action.topology import ActionModule, collect_inputs

FUNCTIONS = {'mgr': 'apim_managers', 'wkr': 'apim_workers', 'svn': 'svn_servers', 'db': 'db_servers',
             'lb': 'load_balancers'}


def make_action(args, variable_manager=None):
    task = mock.MagicMock()
    task.args = dict(args)
    task.async_val = 0
    task.check_mode = False
    task.action = 'multidc.apim.topology'
    task.get_variable_manager.return_value = variable_manager
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    return ActionModule(task, connection, mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)


def fake_task_vars(master='dc1', extra=None):
    """Plain-dict task vars for a two-DC inventory."""
    groups = dict((g, []) for g in FUNCTIONS.values())
    groups.update({'all': [], 'ungrouped': [], 'datacenters': [], 'dc1': [], 'dc2': []})
    hostvars = {}
    for dc in ('dc1', 'dc2'):
        for kind, group in FUNCTIONS.items():
            host = '%s-%s' % (dc, kind)
            for name in ('all', 'datacenters', dc, group):
                groups[name].append(host)
            hostvars[host] = {'apim_master_dc': master, 'apim_tls_ca_dir': '/srv/multidc-ca',
                              'inventory_hostname': host, 'ansible_host': '10.0.0.1'}
    for host, values in (extra or {}).items():
        hostvars[host].update(values)
    return {'groups': groups, 'hostvars': hostvars, 'inventory_hostname': 'dc1-mgr'}


def test_fake_task_vars_valid_sets_the_fact():
    result = make_action({'datacenters': ['dc1', 'dc2']}).run(task_vars=fake_task_vars())
    assert not result.get('failed'), result
    topo = result['ansible_facts']['apim_topology']
    assert topo['master_dc'] == 'dc1'
    assert topo['depsync_committer'] == 'dc1-mgr'
    assert result['datacenters_source'] == 'option'
    assert result['changed'] is False


def test_fake_task_vars_invalid_lists_every_violation_one_per_line():
    extra = {'dc2-mgr': {'apim_publisher_enabled': True, 'apim_hazelcast_members': ['dc1-wkr']},
             'dc1-db': {'db_replication_server_id': 5}, 'dc2-db': {'db_replication_server_id': 5}}
    result = make_action({'datacenters': ['dc1', 'dc2']}).run(task_vars=fake_task_vars(extra=extra))
    assert result['failed'] is True
    assert 'ansible_facts' not in result
    assert len(result['violations']) == 3
    lines = result['msg'].splitlines()
    assert 'no host was contacted' in lines[0] and '3 violation(s)' in lines[0]
    assert lines[1:] == ['- ' + v for v in result['violations']]
    text = result['msg']
    assert 'host dc2-mgr: has apim_publisher_enabled=true in dc2' in text
    assert 'host dc2-mgr: apim_hazelcast_members lists dc1-wkr from dc1' in text
    assert 'host dc1-db, dc2-db: share db_replication_server_id 5' in text


def test_options_override_inventory_variables():
    result = make_action({'datacenters': ['dc1', 'dc2'], 'master_dc': 'dc2', 'fact_name': 'topo'}).run(
        task_vars=fake_task_vars(master='dc1'))
    assert result['ansible_facts']['topo']['master_dc'] == 'dc2'
    assert result['ansible_facts']['topo']['datacenters']['dc2']['svn']['master'] is True


def test_without_inventory_tree_and_option_it_fails_clearly():
    result = make_action({}).run(task_vars=fake_task_vars())
    assert result['failed'] is True
    assert 'datacenters option' in result['msg']


def test_bad_option_types_are_rejected():
    with pytest.raises(AnsibleActionFail):
        make_action({'datacenters': ['dc1', 'dc2'], 'db_port': 'not-a-port'}).run(task_vars=fake_task_vars())


def test_collect_inputs_reads_only_the_needed_variables():
    task_vars = fake_task_vars(extra={'dc1-lb': {'apim_address': 'lb.dc1', 'secret': 'x'}})
    groups, hostvars = collect_inputs(task_vars, ['dc1', 'dc2'])
    assert 'ungrouped' not in groups and 'all' not in groups
    assert hostvars['dc1-lb'] == {'apim_master_dc': 'dc1', 'apim_tls_ca_dir': '/srv/multidc-ca', 'apim_address': 'lb.dc1'}


# -- real inventory ---------------------------------------------------------

INVENTORY = textwrap.dedent("""\
    all:
      vars:
        apim_master_dc: dc1
        apim_tls_ca_dir: /srv/multidc-ca
        # An undefined vault reference: reading it would fail, the plugin must not.
        apim_db_apim_password: "{{ vault_apim_db_apim_password }}"
      children:
        datacenters:
          children:
            dc1:
              hosts: {a-mgr: , a-wkr: , a-svn: , a-db: , a-lb: }
            dc2:
              hosts: {b-mgr: , b-wkr: , b-svn: , b-db: , b-lb: }
              vars:
                %(dc2_vars)s
        apim_managers: {hosts: {a-mgr: , b-mgr: }}
        apim_workers: {hosts: {a-wkr: , b-wkr: }}
        svn_servers: {hosts: {a-svn: , b-svn: }}
        db_servers: {hosts: {a-db: , b-db: }}
        load_balancers: {hosts: {a-lb: , b-lb: }}
        unrelated:
          hosts: {bastion: }
    """)


def run_with_inventory(tmp_path, dc2_vars='{}', args=None):
    path = tmp_path / 'hosts.yml'
    path.write_text(INVENTORY % {'dc2_vars': dc2_vars})
    loader = DataLoader()
    inventory = InventoryManager(loader=loader, sources=[str(path)])
    variable_manager = VariableManager(loader=loader, inventory=inventory)
    HostVars(inventory=inventory, variable_manager=variable_manager, loader=loader)  # what TaskQueueManager does
    task_vars = variable_manager.get_vars(host=inventory.get_host('a-mgr'))
    return make_action(args or {}, variable_manager).run(task_vars=task_vars)


def test_real_inventory_dc_groups_come_from_the_tree(tmp_path):
    result = run_with_inventory(tmp_path)
    assert not result.get('failed'), result
    assert result['datacenters_source'] == 'inventory'
    topo = result['ansible_facts']['apim_topology']
    assert sorted(topo['datacenters']) == ['dc1', 'dc2']
    assert 'bastion' not in topo['hosts']
    assert topo['datacenters']['dc2']['svn']['url'] == 'https://b-svn/svn/apim'


def test_real_inventory_dc_group_vars_that_disagree_are_reported(tmp_path):
    result = run_with_inventory(tmp_path, dc2_vars='{apim_master_dc: dc2, apim_address: ""}')
    assert result['failed'] is True
    violations = result['violations']
    assert any(v.startswith('group all: hosts disagree on apim_master_dc') for v in violations), violations
    assert sum(v.startswith('host b-') and 'apim_address must be' in v for v in violations) == 5, violations
    assert len(violations) == 6
