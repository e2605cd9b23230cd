#!/usr/bin/env python
"""Time to compute and validate a synthetic topology of 20 DCs x 100 hosts.

Target: under 2 s. Prints, asserts nothing. Three measurements:
  pure     build_topology() on plain dicts (what the issue's target is about)
  invalid  the same inventory with violations planted (the error path)
  action   the action plugin on task vars from a real InventoryManager,
           including Ansible's hostvars templating of the variables it reads

Run: .venv/bin/python bench/topology_bench.py [--dcs 20] [--hosts 100] [--repeat 5]
"""

from __future__ import absolute_import, division, print_function

import argparse
import os
import statistics
import sys
import tempfile
import time
from unittest import mock

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, '.collections'))

from ansible_collections.multidc.apim.plugins.module_utils.topology import (  # noqa: E402
    TopologyError,
    build_topology,
)

TARGET_SECONDS = 2.0


def synthetic(dcs, hosts_per_dc):
    """Plain-dict inventory: per DC 3 managers, 1 SVN, 1 DB, 1 LB, the rest workers."""
    dc_names = ['dc%02d' % n for n in range(1, dcs + 1)]
    groups = {'datacenters': [], 'apim_managers': [], 'apim_workers': [], 'svn_servers': [], 'db_servers': [],
              'load_balancers': []}
    hostvars = {}
    layout = [('mgr', 'apim_managers', 3), ('svn', 'svn_servers', 1), ('db', 'db_servers', 1),
              ('lb', 'load_balancers', 1)]
    layout.append(('wkr', 'apim_workers', hosts_per_dc - sum(count for dummy, dummy2, count in layout)))
    for dc in dc_names:
        groups[dc] = []
        for kind, group, count in layout:
            for n in range(1, count + 1):
                host = '%s-%s%03d.example.com' % (dc, kind, n)
                groups[dc].append(host)
                groups['datacenters'].append(host)
                groups[group].append(host)
                hostvars[host] = {'apim_master_dc': 'dc01', 'apim_dc_order': dc_names, 'apim_tls_ca_dir': '/srv/multidc-ca',
                                  'apim_address': '10.%d.0.%d'
                                  % (dc_names.index(dc), len(groups[dc]))}
    return groups, hostvars, dc_names


def timed(func, repeat):
    times = []
    for dummy in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def report(label, median, best, hosts):
    print('%-8s %4d hosts  median %7.3f s  best %7.3f s  target %.1f s  ratio %5.3f  %s'
          % (label, hosts, median, best, TARGET_SECONDS, median / TARGET_SECONDS,
             'OK' if median < TARGET_SECONDS else 'OVER TARGET'))


def bench_pure(dcs, hosts_per_dc, repeat):
    groups, hostvars, dc_names = synthetic(dcs, hosts_per_dc)
    topo = build_topology(groups, hostvars, dc_names)
    assert len(topo['hosts']) == dcs * hosts_per_dc  # sanity of the input, not a benchmark assertion
    report('pure', *timed(lambda: build_topology(groups, hostvars, dc_names), repeat), hosts=len(hostvars))

    bad_hostvars = dict((h, dict(v)) for h, v in hostvars.items())
    for n, dc in enumerate(dc_names[1:], start=1):
        bad_hostvars['%s-mgr001.example.com' % dc]['apim_publisher_enabled'] = True
        bad_hostvars['%s-wkr001.example.com' % dc]['apim_hazelcast_members'] = ['dc01-mgr001.example.com']
        bad_hostvars['%s-db001.example.com' % dc]['db_replication_server_id'] = 1
    violations = []

    def invalid():
        try:
            build_topology(groups, bad_hostvars, dc_names)
        except TopologyError as exc:
            violations[:] = exc.violations

    median, best = timed(invalid, repeat)
    report('invalid', median, best, hosts=len(hostvars))
    print('         (%d violations reported)' % len(violations))


def bench_action(dcs, hosts_per_dc, repeat):
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.vars.hostvars import HostVars
    from ansible.vars.manager import VariableManager
    from ansible_collections.multidc.apim.plugins.action.topology import ActionModule

    groups, dummy, dc_names = synthetic(dcs, hosts_per_dc)
    lines = ['all:', '  vars:', '    apim_master_dc: dc01', '    apim_tls_ca_dir: /srv/multidc-ca', '  children:', '    datacenters:', '      children:']
    for dc in dc_names:
        lines += ['        %s:' % dc, '          hosts:'] + ['            %s:' % h for h in groups[dc]]
    for group in ('apim_managers', 'apim_workers', 'svn_servers', 'db_servers', 'load_balancers'):
        lines += ['    %s:' % group, '      hosts:'] + ['        %s:' % h for h in groups[group]]
    with tempfile.NamedTemporaryFile('w', suffix='.yml', delete=False) as handle:
        handle.write('\n'.join(lines) + '\n')
    try:
        loader = DataLoader()
        inventory = InventoryManager(loader=loader, sources=[handle.name])
        variable_manager = VariableManager(loader=loader, inventory=inventory)
        HostVars(inventory=inventory, variable_manager=variable_manager, loader=loader)
        task_vars = variable_manager.get_vars(host=inventory.get_host(groups['apim_managers'][0]))
        task = mock.MagicMock(args={}, async_val=0, check_mode=False)
        task.get_variable_manager.return_value = variable_manager
        connection = mock.MagicMock()
        connection._shell.tmpdir = None  # pylint: disable=protected-access

        def run():
            result = ActionModule(task, connection, mock.MagicMock(), None, None, None).run(task_vars=task_vars)
            assert not result.get('failed'), result.get('msg')

        report('action', *timed(run, repeat), hosts=dcs * hosts_per_dc)
    finally:
        os.unlink(handle.name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dcs', type=int, default=20)
    parser.add_argument('--hosts', type=int, default=100, help='hosts per DC')
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--skip-action', action='store_true', help='only the pure function')
    args = parser.parse_args()
    print('topology bench: %d DCs x %d hosts, median of %d runs' % (args.dcs, args.hosts, args.repeat))
    bench_pure(args.dcs, args.hosts, args.repeat)
    if not args.skip_action:
        bench_action(args.dcs, args.hosts, max(1, min(args.repeat, 3)))


if __name__ == '__main__':
    main()
