# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller-side action for multidc.apim.topology (documentation: plugins/modules/topology.py).

Thin adapter: it reads ``groups``, the DC group names and, for every
deployed host, only the variables the computation needs, then hands them
to the pure function in module_utils/topology.py. It never runs a module on
a managed host and needs no connection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase

from ansible_collections.multidc.apim.plugins.module_utils.topology import (
    DATACENTERS_GROUP,
    FUNCTION_GROUPS,
    READ_VARIABLES,
    TopologyError,
    build_topology,
)

FACT_NAME = 'apim_topology'

# Task option -> inventory-wide variable it overrides.
OPTION_VARIABLES = {
    'master_dc': 'apim_master_dc',
    'dc_order': 'apim_dc_order',
    'depsync_committer': 'apim_depsync_committer',
    'svn_repository': 'apim_svn_repository',
    'db_port': 'apim_db_port',
    'hazelcast_domain_prefix': 'apim_hazelcast_domain_prefix',
}

ARGUMENT_SPEC = {
    'datacenters': {'type': 'list', 'elements': 'str'},
    'fact_name': {'type': 'str', 'default': FACT_NAME},
    'master_dc': {'type': 'str'},
    'dc_order': {'type': 'list', 'elements': 'str'},
    'depsync_committer': {'type': 'str'},
    'svn_repository': {'type': 'str'},
    'db_port': {'type': 'int'},
    'hazelcast_domain_prefix': {'type': 'str'},
    'required_groups': {'type': 'list', 'elements': 'str', 'choices': [group for group, dummy in FUNCTION_GROUPS]},
}


def datacenter_groups_from_inventory(inventory, parent=DATACENTERS_GROUP):
    """Names of the child groups of ``parent`` in an InventoryManager, or None when unknown."""
    if inventory is None:
        return None
    group = inventory.groups.get(parent)
    if group is None:
        return []
    return sorted(child.name for child in group.child_groups)


def collect_inputs(task_vars, datacenters):
    """Build the plain inputs of build_topology() from Ansible task vars."""
    all_groups = task_vars.get('groups') or {}
    wanted = [group for group, dummy in FUNCTION_GROUPS] + list(datacenters) + [DATACENTERS_GROUP]
    groups = dict((name, list(all_groups.get(name) or ())) for name in wanted if name in all_groups)
    hosts = set()
    for members in groups.values():
        hosts.update(members)
    hostvars_all = task_vars.get('hostvars') or {}
    hostvars = {}
    for host in sorted(hosts):
        try:
            source = hostvars_all[host]
        except KeyError:
            continue
        hostvars[host] = dict((name, source[name]) for name in READ_VARIABLES if name in source)
    return groups, hostvars


class ActionModule(ActionBase):
    """Compute, validate and publish the multi-DC topology."""

    TRANSFERS_FILES = False
    _requires_connection = False

    def _inventory(self):
        # ``groups`` is flat: it does not say which groups are the children of
        # ``datacenters``. The inventory object knows; it is reached through
        # the task's variable manager (not a public API, hence the guard and
        # the ``datacenters`` option as an explicit alternative).
        try:
            return self._task.get_variable_manager()._inventory  # pylint: disable=protected-access
        except AttributeError:
            return None

    def _read_controller_file(self, path):
        """The bytes of a file on the controller, decrypted when ansible-vault encrypted it (a user's key)."""
        try:
            real = self._loader.get_real_file(path, decrypt=True)
        except AnsibleError as exc:
            raise IOError(2, to_text(exc.message), path)
        try:
            with open(real, 'rb') as handle:
                return handle.read()
        finally:
            self._loader.cleanup_tmp_file(real)

    def run(self, tmp=None, task_vars=None):
        del tmp  # unused, kept for the ActionBase signature
        result = super(ActionModule, self).run(task_vars=task_vars)
        task_vars = task_vars or {}

        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        fact_name = args['fact_name']
        datacenters = args['datacenters']
        source = 'option'
        if datacenters is None:
            datacenters = datacenter_groups_from_inventory(self._inventory())
            source = 'inventory'
        if datacenters is None:
            result.update(failed=True, msg='cannot read the children of group %s from the inventory; pass the '
                                           'datacenters option (list of DC group names)' % DATACENTERS_GROUP)
            return result

        options = dict((variable, args[option]) for option, variable in OPTION_VARIABLES.items()
                       if args[option] is not None)
        groups, hostvars = collect_inputs(task_vars, datacenters)
        try:
            topology = build_topology(groups, hostvars, datacenters, options, args['required_groups'],
                                      read_file=self._read_controller_file)
        except TopologyError as exc:
            lines = ['- %s' % to_text(v) for v in exc.violations]
            result.update(
                failed=True,
                violations=exc.violations,
                msg='The inventory breaks the multi-DC topology invariants (%d violation(s)); no host was '
                    'contacted:\n%s' % (len(exc.violations), '\n'.join(lines)),
            )
            return result

        result.update(
            changed=False,
            datacenters_source=source,
            ansible_facts={fact_name: topology},
            msg='topology of %d DC(s), master %s, committer %s' % (
                topology['dc_count'], topology['master_dc'], topology['depsync_committer']),
        )
        return result
