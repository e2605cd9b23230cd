# -*- coding: utf-8 -*-
"""Tables of inventories for the pure topology function (valid and invalid)."""

from __future__ import absolute_import, division, print_function

import copy
import itertools
import re

import pytest

from ansible_collections.multidc.apim.plugins.module_utils.topology import (
    FUNCTION_GROUPS,
    SERVER_ID_STRIDE,
    TopologyError,
    _Builder,
    build_topology,
    host_role_problem,
)

FUNCTION_GROUP = {'mgr': 'apim_managers', 'wkr': 'apim_workers', 'svn': 'svn_servers', 'db': 'db_servers',
                  'lb': 'load_balancers'}


class Inventory:
    """A synthetic inventory: flat groups, per-host vars, DC names."""

    def __init__(self, dcs=('dc1', 'dc2'), managers=1, workers=2, master='dc1'):
        self.dcs = list(dcs)
        self.groups = dict((g, []) for g in FUNCTION_GROUP.values())
        self.groups['datacenters'] = []
        self.hostvars = {}
        self.common = {'apim_tls_ca_dir': '/srv/multidc-ca'}  # what group_vars/all would give every host
        for dc in self.dcs:
            self.groups[dc] = []
            counts = (('mgr', managers), ('wkr', workers), ('svn', 1), ('db', 1), ('lb', 1))
            for kind, count in counts:
                for n in range(1, count + 1):
                    self.add('%s-%s%d' % (dc, kind, n), dc, FUNCTION_GROUP[kind])
        if master is not None:
            self.set_all('apim_master_dc', master)

    def add(self, host, dc, *groups):
        if dc is not None:
            self.groups[dc].append(host)
            self.groups['datacenters'].append(host)
        for group in groups:
            self.groups[group].append(host)
        self.hostvars.setdefault(host, dict(self.common))

    def set_all(self, name, value):
        self.common[name] = value
        for host in self.hostvars:
            self.hostvars[host][name] = value

    def set_dc(self, dc, name, value):
        for host in self.groups[dc]:
            self.hostvars[host][name] = value

    def remove(self, host, group):
        self.groups[group].remove(host)

    def build(self, **options):
        return build_topology(self.groups, self.hostvars, self.dcs, options)


def violations_of(inventory, **options):
    with pytest.raises(TopologyError) as info:
        inventory.build(**options)
    return info.value.violations


# --------------------------------------------------------------------------
# valid inventories


def check_invariants(topo):
    """Property checks of a computed topology against the eight invariants."""
    dcs = topo['datacenters']
    count = len(dcs)
    assert topo['dc_count'] == count == len(topo['dc_order'])
    # 1. one master DC, and it exists
    assert topo['master_dc'] in dcs
    assert [dc for dc, data in dcs.items() if data['master']] == [topo['master_dc']]
    # 2. every host in exactly one DC
    in_dcs = list(itertools.chain.from_iterable(data['hosts'] for data in dcs.values()))
    assert len(in_dcs) == len(set(in_dcs))
    for host, node in topo['hosts'].items():
        assert host in dcs[node['dc']]['hosts']
    # 3. every DC has what it needs
    for data in dcs.values():
        for key in ('managers', 'workers', 'svn_servers', 'db_servers', 'load_balancers'):
            assert data[key], key
    # 4. one committer, manager of the master DC
    committers = [h for h, node in topo['hosts'].items() if node['depsync_committer']]
    assert committers == [topo['depsync_committer']]
    assert topo['depsync_committer'] in dcs[topo['master_dc']]['managers']
    assert [h for h, n in topo['hosts'].items() if n['depsync_mode'] == 'commit'] == committers
    # 5. publisher only on master-DC managers
    assert topo['publishers']
    assert set(topo['publishers']) <= set(dcs[topo['master_dc']]['managers'])
    # 6. Hazelcast members DC-local
    for host, node in topo['hosts'].items():
        members = node['hazelcast_members'] or dcs[node['dc']]['hazelcast']['members']
        for member in members:
            assert topo['hosts'][member['host']]['dc'] == node['dc']
            assert set(topo['hosts'][member['host']]['functions']) & {'manager', 'worker'}
    # 7. replication ids
    server_ids = [sid for data in dcs.values() for sid in data['db']['server_ids'].values()]
    assert len(server_ids) == len(set(server_ids))
    assert sorted(data['db']['auto_increment_offset'] for data in dcs.values()) == list(range(1, count + 1))
    assert sorted(data['db']['gtid_domain_id'] for data in dcs.values()) == list(range(1, count + 1))
    assert {data['db']['auto_increment_increment'] for data in dcs.values()} == {count}
    # 8. SVN master in the master DC, the rest read-only mirrors of it
    for dc, data in dcs.items():
        assert data['svn']['master'] is (dc == topo['master_dc'])
        assert data['svn']['read_only'] is (dc != topo['master_dc'])
        assert data['svn']['master_url'] == topo['svn_master_url']
    assert topo['svn_master_url'] == dcs[topo['master_dc']]['svn']['url']


def test_default_two_dc_topology():
    inv = Inventory()
    topo = inv.build()
    check_invariants(topo)
    assert topo['master_dc'] == 'dc1'
    assert topo['dc_order'] == ['dc1', 'dc2']
    assert topo['depsync_committer'] == 'dc1-mgr1'
    assert topo['publishers'] == ['dc1-mgr1']
    dc1, dc2 = topo['datacenters']['dc1'], topo['datacenters']['dc2']
    assert dc1['svn']['url'] == 'https://dc1-svn1/svn/apim'
    assert dc2['svn']['url'] == 'https://dc2-svn1/svn/apim'
    assert dc2['svn']['mode'] == 'mirror' and dc1['svn']['mode'] == 'master'
    assert dc1['db']['endpoint'] == 'dc1-db1:3306'
    assert dc1['db']['server_ids'] == {'dc1-db1': SERVER_ID_STRIDE + 1}
    assert dc2['db']['server_ids'] == {'dc2-db1': 2 * SERVER_ID_STRIDE + 1}
    assert (dc2['db']['gtid_domain_id'], dc2['db']['auto_increment_offset'], dc2['db']['auto_increment_increment']) \
        == (2, 2, 2)
    assert dc1['hazelcast']['domain'] == 'wso2.am.dc1.domain'
    assert [m['host'] for m in dc2['hazelcast']['members']] == ['dc2-mgr1', 'dc2-wkr1', 'dc2-wkr2']
    assert dc1['load_balancers'] == ['dc1-lb1']
    node = topo['hosts']['dc2-wkr1']
    assert node['dc'] == 'dc2' and node['functions'] == ['worker']
    assert node['svn_url'] == dc2['svn']['url'] and node['db_endpoint'] == 'dc2-db1:3306'
    assert node['hazelcast_sub_domain'] == 'worker' and node['depsync_mode'] == 'checkout'
    assert node['publisher_enabled'] is False
    assert topo['hosts']['dc1-mgr1']['depsync_mode'] == 'commit'
    assert topo['hosts']['dc1-mgr1']['hazelcast_sub_domain'] == 'mgt'
    assert topo['hosts']['dc1-db1']['depsync_mode'] is None
    assert topo['hosts']['dc1-db1']['hazelcast_members'] is None
    assert topo['hosts']['dc2-wkr1']['hazelcast_members'] is None
    assert [m['host'] for m in dc2['hazelcast']['members']] == ['dc2-mgr1', 'dc2-wkr1', 'dc2-wkr2']


def _reverse_order(inv):
    inv.set_all('apim_dc_order', ['dc2', 'dc1'])


def _three_dcs(inv):
    pass


def _managers_listed_in_reverse(inv):
    inv.groups['apim_managers'].reverse()


def _explicit_committer(inv):
    inv.set_all('apim_depsync_committer', 'dc1-mgr2')


def _publisher_only_on_mgr2(inv):
    inv.hostvars['dc1-mgr1']['apim_publisher_enabled'] = False
    inv.hostvars['dc1-mgr2']['apim_publisher_enabled'] = True
    inv.hostvars['dc2-mgr1']['apim_publisher_enabled'] = False


def _hazelcast_override(inv):
    inv.hostvars['dc2-wkr2']['apim_hazelcast_members'] = ['dc2-mgr1', 'dc2-mgr2']
    inv.hostvars['dc2-mgr1']['apim_hazelcast_port'] = 4100


def _server_id_override(inv):
    inv.hostvars['dc1-db1']['db_replication_server_id'] = 11
    inv.hostvars['dc2-db1']['db_replication_server_id'] = 12


def _addresses(inv):
    for host in inv.hostvars:
        inv.hostvars[host]['apim_address'] = host + '.net'


def _custom_names(inv):
    inv.set_all('apim_svn_repository', 'depsync')
    inv.set_all('apim_db_port', 3307)
    inv.set_all('apim_hazelcast_domain_prefix', 'acme')


def _two_db_per_dc(inv):
    inv.add('dc1-db2', 'dc1', 'db_servers')


VALID = [
    # id, inventory kwargs, mutation, expectations: path -> value
    ('reverse-dc-order', {}, _reverse_order, {
        ('dc_order',): ['dc2', 'dc1'],
        ('datacenters', 'dc2', 'db', 'auto_increment_offset'): 1,
        ('datacenters', 'dc1', 'db', 'gtid_domain_id'): 2,
        ('datacenters', 'dc1', 'db', 'server_ids', 'dc1-db1'): 2 * SERVER_ID_STRIDE + 1,
        ('hosts', 'dc2-lb1', 'dc_index'): 1,
    }),
    ('three-dcs-master-dc3', {'dcs': ('dc1', 'dc2', 'dc3'), 'master': 'dc3'}, _three_dcs, {
        ('datacenters', 'dc3', 'db', 'auto_increment_offset'): 3,
        ('datacenters', 'dc1', 'db', 'auto_increment_increment'): 3,
        ('depsync_committer',): 'dc3-mgr1',
        ('svn_master_url',): 'https://dc3-svn1/svn/apim',
        ('datacenters', 'dc1', 'svn', 'mode'): 'mirror',
    }),
    ('default-committer-is-first-manager-by-name', {'managers': 3}, _managers_listed_in_reverse, {
        ('depsync_committer',): 'dc1-mgr1',
        ('datacenters', 'dc1', 'managers'): ['dc1-mgr1', 'dc1-mgr2', 'dc1-mgr3'],
        ('hosts', 'dc1-mgr3', 'depsync_mode'): 'checkout',
    }),
    ('explicit-committer', {'managers': 2}, _explicit_committer, {
        ('depsync_committer',): 'dc1-mgr2',
        ('hosts', 'dc1-mgr1', 'depsync_mode'): 'checkout',
        ('publishers',): ['dc1-mgr1', 'dc1-mgr2'],
    }),
    ('publisher-per-host', {'managers': 2}, _publisher_only_on_mgr2, {
        ('publishers',): ['dc1-mgr2'],
        ('datacenters', 'dc1', 'publishers'): ['dc1-mgr2'],
        ('hosts', 'dc1-mgr1', 'publisher_enabled'): False,
    }),
    ('hazelcast-override', {'managers': 2}, _hazelcast_override, {
        ('hosts', 'dc2-wkr2', 'hazelcast_members'): [
            {'host': 'dc2-mgr1', 'address': 'dc2-mgr1', 'port': 4100},
            {'host': 'dc2-mgr2', 'address': 'dc2-mgr2', 'port': 4000}],
        ('hosts', 'dc2-mgr1', 'hazelcast_port'): 4100,
        ('hosts', 'dc2-wkr1', 'hazelcast_members'): None,
    }),
    ('server-id-override', {}, _server_id_override, {
        ('datacenters', 'dc1', 'db', 'server_ids'): {'dc1-db1': 11},
        ('hosts', 'dc2-db1', 'db_server_id'): 12,
    }),
    ('apim-address', {}, _addresses, {
        ('svn_master_url',): 'https://dc1-svn1.net/svn/apim',
        ('datacenters', 'dc2', 'db', 'endpoint'): 'dc2-db1.net:3306',
        ('hosts', 'dc2-wkr1', 'address'): 'dc2-wkr1.net',
    }),
    ('custom-names', {}, _custom_names, {
        ('datacenters', 'dc2', 'svn', 'url'): 'https://dc2-svn1/svn/depsync',
        ('datacenters', 'dc2', 'db', 'endpoint'): 'dc2-db1:3307',
        ('datacenters', 'dc2', 'hazelcast', 'domain'): 'acme.dc2.domain',
    }),
    ('two-dbs-in-a-dc', {}, _two_db_per_dc, {
        ('datacenters', 'dc1', 'db', 'server_ids'): {'dc1-db1': SERVER_ID_STRIDE + 1, 'dc1-db2': SERVER_ID_STRIDE + 2},
        ('datacenters', 'dc1', 'db', 'endpoint'): 'dc1-db1:3306',
    }),
]


@pytest.mark.parametrize('kwargs, mutate, expected', [case[1:] for case in VALID], ids=[case[0] for case in VALID])
def test_valid_inventories(kwargs, mutate, expected):
    inv = Inventory(**kwargs)
    mutate(inv)
    topo = inv.build()
    check_invariants(topo)
    for path, value in expected.items():
        got = topo
        for key in path:
            got = got[key]
        assert got == value, path


def test_options_override_inventory_variables():
    inv = Inventory()
    topo = inv.build(apim_master_dc='dc2', apim_dc_order=['dc2', 'dc1'])
    check_invariants(topo)
    assert topo['master_dc'] == 'dc2'
    assert topo['depsync_committer'] == 'dc2-mgr1'
    assert topo['publishers'] == ['dc2-mgr1']
    assert topo['datacenters']['dc2']['db']['auto_increment_offset'] == 1


def test_unknown_option_is_a_programming_error():
    with pytest.raises(TypeError):
        Inventory().build(apim_nonsense=1)


def test_input_is_not_modified():
    inv = Inventory(managers=2)
    _hazelcast_override(inv)
    groups, hostvars = copy.deepcopy(inv.groups), copy.deepcopy(inv.hostvars)
    inv.build()
    assert (inv.groups, inv.hostvars) == (groups, hostvars)


def test_large_synthetic_topology_holds_every_invariant():
    dcs = ['dc%02d' % n for n in range(1, 21)]
    inv = Inventory(dcs=dcs, managers=3, workers=90, master='dc07')
    topo = inv.build()
    check_invariants(topo)
    assert topo['dc_count'] == 20
    assert len(topo['hosts']) == 20 * (3 + 90 + 3)
    assert topo['datacenters']['dc20']['db']['auto_increment_offset'] == 20


# --------------------------------------------------------------------------
# invalid inventories: each case lists the patterns of ALL violations expected


def _drop_master(inv):
    inv.common.pop('apim_master_dc')
    for host in inv.hostvars:
        del inv.hostvars[host]['apim_master_dc']


def _unknown_master(inv):
    inv.set_all('apim_master_dc', 'dc9')


def _master_not_a_string(inv):
    inv.set_all('apim_master_dc', ['dc1', 'dc2'])


def _two_masters(inv):
    inv.set_dc('dc2', 'apim_master_dc', 'dc2')


def _host_in_two_dcs(inv):
    inv.groups['dc2'].append('dc1-wkr1')


def _host_in_no_dc(inv):
    inv.add('stray-wkr', None, 'apim_workers')


def _manager_and_worker(inv):
    inv.groups['apim_workers'].append('dc1-mgr1')


def _dc2_without_svn_and_workers(inv):
    inv.remove('dc2-svn1', 'svn_servers')
    inv.remove('dc2-wkr1', 'apim_workers')
    inv.remove('dc2-wkr2', 'apim_workers')


def _dc1_without_lb_db(inv):
    inv.remove('dc1-lb1', 'load_balancers')
    inv.remove('dc1-db1', 'db_servers')


def _dc2_two_svn(inv):
    inv.add('dc2-svn2', 'dc2', 'svn_servers')


def _no_datacenters(inv):
    inv.dcs = []


def _two_committers_list(inv):
    inv.set_all('apim_depsync_committer', ['dc1-mgr1', 'dc1-mgr2'])


def _two_committers_per_dc(inv):
    inv.set_dc('dc1', 'apim_depsync_committer', 'dc1-mgr1')
    inv.set_dc('dc2', 'apim_depsync_committer', 'dc2-mgr1')


def _committer_in_dc2(inv):
    inv.set_all('apim_depsync_committer', 'dc2-mgr1')


def _committer_is_worker(inv):
    inv.set_all('apim_depsync_committer', 'dc1-wkr1')


def _committer_unknown(inv):
    inv.set_all('apim_depsync_committer', 'ghost')


def _publisher_in_dc2(inv):
    inv.hostvars['dc2-mgr1']['apim_publisher_enabled'] = True


def _publisher_on_worker(inv):
    inv.hostvars['dc1-wkr2']['apim_publisher_enabled'] = True


def _publisher_nowhere(inv):
    inv.hostvars['dc1-mgr1']['apim_publisher_enabled'] = False


def _publisher_not_bool(inv):
    inv.hostvars['dc1-mgr1']['apim_publisher_enabled'] = 'yes'


def _hazelcast_cross_dc(inv):
    inv.hostvars['dc1-wkr1']['apim_hazelcast_members'] = ['dc1-mgr1', 'dc2-mgr1']


def _hazelcast_bad_members(inv):
    inv.hostvars['dc2-wkr1']['apim_hazelcast_members'] = ['dc2-db1', 'nobody']
    inv.hostvars['dc2-svn1']['apim_hazelcast_members'] = ['dc2-mgr1']
    inv.hostvars['dc2-wkr2']['apim_hazelcast_members'] = 'dc2-mgr1'
    inv.hostvars['dc2-mgr1']['apim_hazelcast_port'] = 70000


def _duplicate_server_ids(inv):
    inv.hostvars['dc1-db1']['db_replication_server_id'] = 7
    inv.hostvars['dc2-db1']['db_replication_server_id'] = 7


def _server_id_collides_with_derived(inv):
    inv.hostvars['dc2-db1']['db_replication_server_id'] = SERVER_ID_STRIDE + 1


def _bad_server_id(inv):
    inv.hostvars['dc2-db1']['db_replication_server_id'] = 0


def _bad_dc_order(inv):
    inv.set_all('apim_dc_order', ['dc1', 'dc1', 'dc3'])


def _committer_set_on_some_hosts(inv):
    # dc1 hosts see the default committer (dc1-mgr1), dc2 hosts see dc1-mgr2: two committers
    inv.set_dc('dc2', 'apim_depsync_committer', 'dc1-mgr2')


def _dc_order_disagrees(inv):
    inv.set_dc('dc1', 'apim_dc_order', ['dc1', 'dc2'])
    inv.set_dc('dc2', 'apim_dc_order', ['dc2', 'dc1'])


def _svn_master_in_dc2(inv):
    inv.hostvars['dc2-svn1']['apim_svn_mode'] = 'master'


def _svn_mirror_in_master(inv):
    inv.hostvars['dc1-svn1']['apim_svn_mode'] = 'mirror'


def _svn_mode_invalid(inv):
    inv.hostvars['dc1-svn1']['apim_svn_mode'] = 'primary'


def _bad_settings(inv):
    inv.hostvars['dc1-lb1']['apim_address'] = ''
    inv.set_all('apim_db_port', 'mysql')
    inv.set_all('apim_svn_repository', 'a/b')


def _many_at_once(inv):
    _host_in_two_dcs(inv)                       # 2
    inv.remove('dc2-lb1', 'load_balancers')     # 3
    _committer_in_dc2(inv)                      # 4
    _publisher_in_dc2(inv)                      # 5
    inv.hostvars['dc1-wkr2']['apim_hazelcast_members'] = ['dc1-mgr1', 'dc2-mgr1']  # 6
    _duplicate_server_ids(inv)                  # 7
    _svn_master_in_dc2(inv)                     # 8


def _no_master_and_more(inv):
    # Without a master DC the master-relative checks (5, 8) cannot run; the
    # rest must all still be reported.
    _drop_master(inv)                           # 1
    _dc2_two_svn(inv)                           # 3
    _publisher_on_worker(inv)                   # 5 (not relative to the master)
    _hazelcast_cross_dc(inv)                    # 6
    _bad_dc_order(inv)                          # 7


INVALID = [
    # id, inventory kwargs, mutation, patterns (one per expected violation, in any order)
    ('1-no-master-dc', {}, _drop_master, [r'^group all: apim_master_dc is not set.*fix: set apim_master_dc']),
    ('1-unknown-master-dc', {}, _unknown_master, [r"^group all: apim_master_dc names 'dc9', which is not a data center"]),
    ('1-master-not-a-name', {}, _master_not_a_string, [r'^group all: apim_master_dc must name one DC']),
    ('1-two-master-dcs', {}, _two_masters, [r"^group all: hosts disagree on apim_master_dc .*'dc1' seen by dc1-.*'dc2' seen "
                                            r"by dc2-"]),
    ('2-host-in-two-dcs', {}, _host_in_two_dcs, [r'^host dc1-wkr1: is in 2 data centers \(dc1, dc2\)']),
    ('2-host-in-no-dc', {}, _host_in_no_dc, [r'^host stray-wkr: is deployed \(worker\) but is in no data center']),
    ('2-manager-and-worker', {}, _manager_and_worker, [r'^host dc1-mgr1: is in both apim_managers and apim_workers']),
    ('3-dc-missing-svn-and-workers', {}, _dc2_without_svn_and_workers, [
        r'^group dc2: has no host in apim_workers; fix: add a host of dc2 to apim_workers',
        r'^group dc2: has no host in svn_servers']),
    ('3-dc-missing-lb-and-db', {}, _dc1_without_lb_db, [
        r'^group dc1: has no host in load_balancers', r'^group dc1: has no host in db_servers']),
    ('3-two-svn-servers', {}, _dc2_two_svn, [r'^group dc2: has 2 SVN servers \(dc2-svn1, dc2-svn2\)']),
    ('3-no-datacenters', {}, _no_datacenters, [r'^group datacenters: has no child groups',
                                               r"^group all: apim_master_dc names 'dc1', which is not a data center"]
     + [r'^host %s: is deployed .* but is in no data center' % re.escape(h) for h in sorted(Inventory().hostvars)]),
    ('4-two-committers-listed', {'managers': 2}, _two_committers_list, [
        r'^group all: apim_depsync_committer names 2 committers \(dc1-mgr1, dc1-mgr2\)']),
    ('4-two-committers-per-dc', {}, _two_committers_per_dc, [
        r"^group all: hosts disagree on apim_depsync_committer \(that makes more than one depsync committer\)"]),
    ('4-committer-set-on-some-hosts', {'managers': 2}, _committer_set_on_some_hosts, [
        r"^group all: hosts disagree on apim_depsync_committer .*'dc1-mgr2' seen by dc2-.*\(not set\) seen by dc1-"]),
    ('4-committer-in-dc2', {}, _committer_in_dc2, [r'^host dc2-mgr1: is the depsync committer but is in dc2, not in '
                                                   r'the master DC dc1']),
    ('4-committer-is-worker', {}, _committer_is_worker, [r'^host dc1-wkr1: is the depsync committer but is not in '
                                                         r'apim_managers']),
    ('4-committer-unknown', {}, _committer_unknown, [r'^host ghost: is named by apim_depsync_committer but is not in '
                                                     r'the inventory']),
    ('5-publisher-in-dc2', {}, _publisher_in_dc2, [r'^host dc2-mgr1: has apim_publisher_enabled=true in dc2, which is '
                                                   r'not the master DC dc1']),
    ('5-publisher-on-worker', {}, _publisher_on_worker, [r'^host dc1-wkr2: has apim_publisher_enabled=true but is not '
                                                         r'a manager']),
    ('5-publisher-nowhere', {}, _publisher_nowhere, [r'^group dc1: no manager of the master DC has the publisher']),
    ('5-publisher-not-bool', {'managers': 2}, _publisher_not_bool, [r'^host dc1-mgr1: apim_publisher_enabled must be '
                                                                    r'true or false']),
    ('6-hazelcast-cross-dc', {}, _hazelcast_cross_dc, [r'^host dc1-wkr1: apim_hazelcast_members lists dc2-mgr1 from '
                                                       r'dc2, but Hazelcast clustering stays inside one DC \(dc1\)']),
    ('6-hazelcast-bad-members', {}, _hazelcast_bad_members, [
        r'^host dc2-wkr1: apim_hazelcast_members lists dc2-db1, which is not an APIM manager or worker',
        r'^host dc2-wkr1: apim_hazelcast_members lists nobody, which is not in the inventory',
        r'^host dc2-svn1: sets apim_hazelcast_members but is not an APIM manager or worker',
        r'^host dc2-wkr2: apim_hazelcast_members must be a non-empty list',
        r'^host dc2-mgr1: apim_hazelcast_port must be a TCP port']),
    ('7-duplicate-server-ids', {}, _duplicate_server_ids, [r'^host dc1-db1, dc2-db1: share db_replication_server_id 7']),
    ('7-server-id-collides-with-derived', {}, _server_id_collides_with_derived, [
        r'^host dc1-db1, dc2-db1: share db_replication_server_id %d' % (SERVER_ID_STRIDE + 1)]),
    ('7-server-id-out-of-range', {}, _bad_server_id, [r'^host dc2-db1: db_replication_server_id must be an integer']),
    ('7-dc-order-invalid', {}, _bad_dc_order, [
        r'^group dc1: is listed more than once in apim_dc_order',
        r'^group dc3: apim_dc_order lists dc3, which is not a data center',
        r'^group dc2: is missing from apim_dc_order']),
    ('7-dc-order-disagrees', {}, _dc_order_disagrees, [r'^group all: hosts disagree on apim_dc_order']),
    ('8-svn-master-in-dc2', {}, _svn_master_in_dc2, [r'^host dc2-svn1: apim_svn_mode=master in dc2, but the SVN master '
                                                     r'must be in the master DC dc1']),
    ('8-svn-mirror-in-master', {}, _svn_mirror_in_master, [r'^host dc1-svn1: apim_svn_mode=mirror, but it is the SVN '
                                                           r'server of the master DC dc1']),
    ('8-svn-mode-invalid', {}, _svn_mode_invalid, [r"^host dc1-svn1: apim_svn_mode must be master or mirror, got "
                                                   r"'primary'"]),
    ('bad-settings', {}, _bad_settings, [
        r'^host dc1-lb1: apim_address must be a non-empty host name',
        r"^group all: apim_db_port must be a TCP port \(1-65535\), got 'mysql'",
        r"^group all: apim_svn_repository must be a plain repository name, got 'a/b'"]),
    ('many-at-once', {}, _many_at_once, [
        r'^host dc1-wkr1: is in 2 data centers',
        r'^group dc2: has no host in load_balancers',
        r'^host dc2-mgr1: is the depsync committer but is in dc2',
        r'^host dc2-mgr1: has apim_publisher_enabled=true in dc2',
        r'^host dc1-wkr2: apim_hazelcast_members lists dc2-mgr1 from dc2',
        r'^host dc1-db1, dc2-db1: share db_replication_server_id 7',
        r'^host dc2-svn1: apim_svn_mode=master in dc2']),
    ('no-master-and-more', {}, _no_master_and_more, [
        r'^group all: apim_master_dc is not set',
        r'^group dc2: has 2 SVN servers',
        r'^host dc1-wkr2: has apim_publisher_enabled=true but is not a manager',
        r'^host dc1-wkr1: apim_hazelcast_members lists dc2-mgr1 from dc2',
        r'^group dc1: is listed more than once in apim_dc_order',
        r'^group dc3: apim_dc_order lists dc3',
        r'^group dc2: is missing from apim_dc_order']),
]


@pytest.mark.parametrize('kwargs, mutate, patterns', [case[1:] for case in INVALID], ids=[case[0] for case in INVALID])
def test_invalid_inventories_list_every_violation(kwargs, mutate, patterns):
    inv = Inventory(**kwargs)
    mutate(inv)
    violations = violations_of(inv)
    unmatched = list(violations)
    for pattern in patterns:
        hits = [v for v in unmatched if re.search(pattern, v)]
        assert len(hits) == 1, 'pattern %r matched %r in %r' % (pattern, hits, violations)
        unmatched.remove(hits[0])
    assert not unmatched, 'unexpected violations: %r' % unmatched
    for violation in violations:
        assert re.match(r'^(host|group) \S', violation), violation
        assert '; fix: ' in violation, violation


def test_every_invariant_is_covered_by_an_invalid_case():
    covered = {case[0].split('-', 1)[0] for case in INVALID}
    assert {str(n) for n in range(1, 9)} <= covered


def test_error_message_lists_all_violations():
    inv = Inventory()
    _many_at_once(inv)
    with pytest.raises(TopologyError) as info:
        inv.build()
    text = str(info.value)
    assert text.startswith('%d topology violation(s):' % len(info.value.violations))
    for violation in info.value.violations:
        assert '- ' + violation in text


def test_long_host_lists_are_shortened_in_messages():
    dcs = ['dc%d' % n for n in range(1, 4)]
    inv = Inventory(dcs=dcs, workers=20)
    inv.set_dc('dc2', 'apim_master_dc', 'dc2')
    violations = violations_of(inv)
    assert len(violations) == 1
    assert re.search(r"'dc1' seen by \S+(, \S+){4} and \d+ more", violations[0]), violations[0]


# --------------------------------------------------------------------------
# required_groups: a play that deploys only some tiers


def _tier_only_inventory(kinds, dcs=('dc1', 'dc2')):
    inv = Inventory(dcs=dcs, managers=0, workers=0)
    for group in ('svn_servers', 'db_servers', 'load_balancers'):
        for host in list(inv.groups[group]):
            kind = host.rsplit('-', 1)[1].rstrip('0123456789')
            if kind not in kinds:
                inv.remove(host, group)
                for dc in inv.dcs:
                    if host in inv.groups[dc]:
                        inv.groups[dc].remove(host)
                        inv.groups['datacenters'].remove(host)
                del inv.hostvars[host]
    return inv


def test_db_only_inventory_passes_when_only_db_servers_are_required():
    inv = _tier_only_inventory({'db'}, dcs=('dc1', 'dc2', 'dc3'))
    topo = build_topology(inv.groups, inv.hostvars, inv.dcs, {}, required_groups=['db_servers'])
    assert [topo['datacenters'][dc]['db']['auto_increment_offset'] for dc in inv.dcs] == [1, 2, 3]
    assert set(topo['datacenters'][dc]['db']['auto_increment_increment'] for dc in inv.dcs) == {3}
    assert topo['datacenters']['dc2']['db']['host'] == 'dc2-db1'
    assert topo['depsync_committer'] is None
    assert topo['datacenters']['dc1']['svn'] is None


def test_db_only_inventory_fails_invariant_3_by_default():
    inv = _tier_only_inventory({'db'})
    with pytest.raises(TopologyError) as info:
        build_topology(inv.groups, inv.hostvars, inv.dcs, {})
    missing = sorted(v.split(':')[0] + ' ' + v.split('in ')[1].split(';')[0]
                     for v in info.value.violations if 'has no host in' in v)
    assert missing == sorted('group %s %s' % (dc, g) for dc in ('dc1', 'dc2')
                             for g in ('apim_managers', 'apim_workers', 'svn_servers', 'load_balancers'))


def test_required_group_missing_in_one_dc_is_still_reported():
    inv = _tier_only_inventory({'db', 'lb'})
    inv.remove('dc2-lb1', 'load_balancers')
    with pytest.raises(TopologyError) as info:
        build_topology(inv.groups, inv.hostvars, inv.dcs, {}, required_groups=['db_servers', 'load_balancers'])
    assert any(v.startswith('group dc2: has no host in load_balancers') for v in info.value.violations)
    assert not any('db_servers' in v for v in info.value.violations)


def test_unknown_required_group_is_a_programming_error():
    inv = Inventory()
    with pytest.raises(TypeError, match='databases'):
        build_topology(inv.groups, inv.hostvars, inv.dcs, {}, required_groups=['databases'])


# --------------------------------------------------------------------------
# apim_databases: the WSO2 database and user names shared by every DC


def test_database_names_default_and_override():
    inv = Inventory()
    assert inv.build()['databases'] == {'registry': {'name': 'WSO2REG_DB', 'user': 'wso2reg'},
                                        'apim': {'name': 'WSO2AM_DB', 'user': 'wso2am'}}
    inv.set_all('apim_databases', {'registry': {'name': 'regdb', 'user': 'reg'}, 'apim': {'name': 'apimgtdb', 'user': 'am'}})
    assert inv.build()['databases']['apim'] == {'name': 'apimgtdb', 'user': 'am'}


@pytest.mark.parametrize('value, pattern', [
    ({'apim': {'name': 'a', 'user': 'u'}}, 'apim_databases must be a mapping of apim and registry'),
    ({'apim': {'name': 'a', 'user': ''}, 'registry': {'name': 'r', 'user': 'v'}}, 'apim_databases apim must be'),
    ({'apim': {'name': 'same', 'user': 'u'}, 'registry': {'name': 'same', 'user': 'v'}}, "share the name 'same'"),
    ({'apim': {'name': 'a', 'user': 'u'}, 'registry': {'name': 'r', 'user': 'u'}}, "share the user 'u'"),
], ids=['missing-registry', 'empty-user', 'same-name', 'same-user'])
def test_bad_database_names_are_violations(value, pattern):
    inv = Inventory()
    inv.set_all('apim_databases', value)
    violations = violations_of(inv)
    assert [v for v in violations if pattern in v], violations


def test_consistency_check_defaults_and_override():
    inv = Inventory()
    servers = [{'name': 'dc1', 'host': 'dc1-db1', 'port': 3306}, {'name': 'dc2', 'host': 'dc2-db1', 'port': 3306}]
    assert inv.build()['consistency'] == {'budget': 60, 'databases': ['WSO2AM_DB', 'WSO2REG_DB'], 'servers': servers}
    inv.set_all('apim_consistency_budget', 2.5)
    inv.set_all('apim_consistency_databases', ['WSO2REG_DB'])
    assert inv.build()['consistency'] == {'budget': 2.5, 'databases': ['WSO2REG_DB'], 'servers': servers}


@pytest.mark.parametrize('budget, databases, patterns', [
    (0, None, ['apim_consistency_budget must be a number of seconds greater than 0, got 0']),
    (-5, ['WSO2AM_DB', 'nodb'], ['apim_consistency_budget must be a number of seconds greater than 0, got -5',
                                 'apim_consistency_databases names nodb, not a WSO2 database of the topology']),
    ('60', [], ["apim_consistency_budget must be a number of seconds greater than 0, got '60'",
                'apim_consistency_databases must be a non-empty list of database names']),
], ids=['zero-budget', 'negative-and-unknown-database', 'string-and-empty'])
def test_bad_consistency_settings_are_all_reported(budget, databases, patterns):
    inv = Inventory()
    inv.set_all('apim_consistency_budget', budget)
    if databases is not None:
        inv.set_all('apim_consistency_databases', databases)
    violations = violations_of(inv)
    for pattern in patterns:
        assert [v for v in violations if pattern in v], violations
    assert len(violations) == len(patterns)


def test_rolling_restart_defaults_and_overrides():
    inv = Inventory(dcs=('dc1', 'dc2', 'dc3'), master='dc2')
    topo = inv.build()
    assert topo['rolling'] == {'enabled': True, 'batch_size': 1, 'dc_order': ['dc1', 'dc3', 'dc2'], 'dc_pause': 0,
                               'drain_seconds': 30, 'health_timeout': 300, 'health_path': '/services/Version',
                               'startup_seconds': 20}
    assert topo['hosts']['dc1-mgr1']['ports_offset'] == 0 and topo['hosts']['dc1-db1']['ports_offset'] is None
    inv.set_all('apim_rolling_dc_order', ['dc3', 'dc2', 'dc1'])
    inv.set_all('apim_rolling_batch_size', 2)
    inv.set_all('apim_node_startup_seconds', 3)
    inv.set_all('apim_rolling_health_timeout', 60)
    inv.hostvars['dc1-wkr1']['apim_ports_offset'] = 2
    topo = inv.build()
    assert topo['rolling']['dc_order'] == ['dc3', 'dc2', 'dc1'] and topo['rolling']['batch_size'] == 2
    assert topo['hosts']['dc1-wkr1']['ports_offset'] == 2


@pytest.mark.parametrize('settings, patterns', [
    ({'apim_rolling_batch_size': 0}, ['apim_rolling_batch_size must be an integer of at least 1, got 0']),
    ({'apim_rolling_batch_size': -2}, ['apim_rolling_batch_size must be an integer of at least 1, got -2']),
    ({'apim_rolling_dc_order': ['dc1', 'dc9']}, ['apim_rolling_dc_order lists dc9, which is not a data center',
                                                 'apim_rolling_dc_order does not list dc2']),
    ({'apim_node_startup_seconds': 30, 'apim_rolling_health_timeout': 20},
     ['apim_rolling_health_timeout (20 s) must be longer than apim_node_startup_seconds (30 s)']),
    ({'apim_rolling_restart': 'yes', 'apim_rolling_dc_pause': -1},
     ["apim_rolling_restart must be true or false, got 'yes'",
      'apim_rolling_dc_pause must be a number of seconds of at least 0, got -1']),
    ({'apim_health_path': 'health'}, ["apim_health_path must be a URL path starting with /, got 'health'"]),
], ids=['zero-batch', 'negative-batch', 'unknown-dc', 'timeout-under-startup', 'bad-flag-and-pause', 'bad-path'])
def test_bad_rolling_settings_fail_the_preflight(settings, patterns):
    inv = Inventory()
    for name, value in settings.items():
        inv.set_all(name, value)
    violations = violations_of(inv)
    for pattern in patterns:
        assert [v for v in violations if pattern in v], violations
    assert len(violations) == len(patterns), violations


def test_a_bad_ports_offset_names_the_host():
    inv = Inventory()
    inv.hostvars['dc2-wkr1']['apim_ports_offset'] = -1
    assert [v for v in violations_of(inv) if v.startswith('host dc2-wkr1: apim_ports_offset must be an integer')]


def test_no_builder_step_is_shadowed_by_what_it_computes():
    """A step that stores its result under its own name can run only once."""
    inv = Inventory()
    builder = _Builder(inv.groups, inv.hostvars, inv.dcs, {}, set(name for name, dummy in FUNCTION_GROUPS))
    steps = [name for name, value in vars(_Builder).items() if callable(value) and not name.startswith('_')]
    for step in ('membership', 'master_dc', 'dc_order', 'functions_per_dc', 'addresses', 'committer', 'publishers',
                 'database_names', 'consistency_check', 'rolling_restart'):
        getattr(builder, step)()
    assert [name for name in steps if name in vars(builder)] == []


def test_database_names_must_agree_across_hosts():
    inv = Inventory()
    inv.hostvars['dc2-db1']['apim_databases'] = {'registry': {'name': 'x', 'user': 'y'}, 'apim': {'name': 'a', 'user': 'b'}}
    assert any('apim_databases' in v for v in violations_of(inv))


# --------------------------------------------------------------------------
# CARBON_HOME and the APIM unit: one definition, in the fact


def test_carbon_home_and_service_name_defaults():
    topo = Inventory().build()
    assert topo['service_name'] == 'wso2am'
    homes = dict((host, node['carbon_home']) for host, node in topo['hosts'].items())
    apim_hosts = set(h for h, n in topo['hosts'].items() if set(n['functions']) & {'manager', 'worker'})
    assert set(h for h, home in homes.items() if home) == apim_hosts
    assert set(homes.values()) == {'/opt/wso2/wso2am', None}


def test_carbon_home_per_node_and_service_name_override():
    inv = Inventory()
    inv.hostvars['dc2-wkr1']['apim_carbon_home'] = '/srv/apim/current'
    inv.set_all('apim_service_name', 'apim@gw')
    topo = inv.build()
    assert topo['hosts']['dc2-wkr1']['carbon_home'] == '/srv/apim/current'
    assert topo['hosts']['dc2-wkr2']['carbon_home'] == '/opt/wso2/wso2am'
    assert topo['service_name'] == 'apim@gw'


@pytest.mark.parametrize('name, value, pattern', [
    ('apim_carbon_home', 'opt/wso2am', 'host dc1-mgr1: apim_carbon_home must be an absolute path'),
    ('apim_carbon_home', '/opt/wso2am/', 'host dc1-mgr1: apim_carbon_home must be an absolute path'),
    ('apim_carbon_home', 42, 'host dc1-mgr1: apim_carbon_home must be an absolute path'),
    ('apim_service_name', 'wso2 am', 'group all: apim_service_name must be a systemd unit name'),
    ('apim_service_name', '', 'group all: apim_service_name must be a systemd unit name'),
])
def test_bad_carbon_home_or_service_name_is_a_violation(name, value, pattern):
    inv = Inventory()
    inv.set_all(name, value)
    assert [v for v in violations_of(inv) if pattern in v]


def test_hosts_must_agree_on_the_service_name():
    inv = Inventory()
    inv.hostvars['dc2-wkr1']['apim_service_name'] = 'other'
    assert any('hosts disagree on apim_service_name' in v for v in violations_of(inv))


# --------------------------------------------------------------------------
# What roles used to derive in Jinja, computed once in the fact


def test_dc_key_manager_gateway_and_svn_mirrors():
    inv = Inventory(dcs=('dc1', 'dc2', 'dc3'), managers=2)
    inv.remove('dc3-lb1', 'load_balancers')
    inv.groups['dc3'].remove('dc3-lb1')
    inv.groups['datacenters'].remove('dc3-lb1')
    del inv.hostvars['dc3-lb1']
    topo = build_topology(inv.groups, inv.hostvars, inv.dcs, {},
                          required_groups=['apim_managers', 'apim_workers', 'svn_servers', 'db_servers'])
    dcs = topo['datacenters']
    assert [dcs[dc]['key_manager'] for dc in ('dc1', 'dc2', 'dc3')] == ['dc1-mgr1', 'dc2-mgr1', 'dc3-mgr1']
    assert dcs['dc1']['gateway_address'] == 'dc1-lb1'
    assert dcs['dc3']['gateway_address'] == 'dc3-wkr1'  # no load balancer: the first worker
    assert topo['svn_master_host'] == 'dc1-svn1'
    assert topo['svn_mirrors'] == {'dc2': 'https://dc2-svn1/svn/apim', 'dc3': 'https://dc3-svn1/svn/apim'}


def test_replication_peers_are_every_other_dc_in_dc_order():
    inv = Inventory(dcs=('dc1', 'dc2', 'dc3'))
    inv.set_all('apim_dc_order', ['dc3', 'dc1', 'dc2'])
    topo = inv.build()
    peers = topo['datacenters']['dc1']['db']['peers']
    assert [p['name'] for p in peers] == ['dc3', 'dc2']
    dc3 = topo['datacenters']['dc3']['db']
    assert peers[0] == {'name': 'dc3', 'host': 'dc3-db1', 'address': 'dc3-db1', 'port': 3306,
                        'server_id': dc3['server_ids']['dc3-db1'], 'gtid_domain_id': 1, 'auto_increment_offset': 1}
    for dc, data in topo['datacenters'].items():
        assert dc not in [p['name'] for p in data['db']['peers']]


@pytest.mark.parametrize('dc_count', [2, 3])
def test_the_fact_grows_linearly_with_the_hosts(dc_count):
    """Per-DC lists are stored once: doubling and quadrupling the APIM nodes of
    every DC grows the serialised fact in proportion, not with the square."""
    import json

    def size(workers):
        inv = Inventory(dcs=['dc%d' % n for n in range(1, dc_count + 1)], managers=2, workers=workers)
        return len(json.dumps(build_topology(inv.groups, inv.hostvars, inv.dcs)))

    small, double, quadruple = size(20), size(40), size(80)
    assert double / small < 2.1
    assert quadruple / double < 2.1


def _member_names(topo, dc):
    return [m['host'] for m in topo['datacenters'][dc]['hazelcast']['members']]


def test_well_known_members_are_the_managers_and_the_first_workers_of_the_dc():
    inv = Inventory(managers=2, workers=12)
    topo = inv.build()
    assert _member_names(topo, 'dc1') == ['dc1-mgr1', 'dc1-mgr2', 'dc1-wkr1', 'dc1-wkr2']
    assert _member_names(topo, 'dc2') == ['dc2-mgr1', 'dc2-mgr2', 'dc2-wkr1', 'dc2-wkr2']
    # Numbers in names compare as numbers: dc1-wkr3 comes before dc1-wkr10.
    inv.set_all('apim_hazelcast_well_known_workers', 3)
    assert _member_names(inv.build(), 'dc1') == ['dc1-mgr1', 'dc1-mgr2', 'dc1-wkr1', 'dc1-wkr2', 'dc1-wkr3']
    inv.set_all('apim_hazelcast_well_known_workers', 1)
    assert _member_names(inv.build(), 'dc1') == ['dc1-mgr1', 'dc1-mgr2', 'dc1-wkr1']
    inv.set_all('apim_hazelcast_well_known_workers', 50)
    assert len(_member_names(inv.build(), 'dc1')) == 14


def test_a_host_override_of_the_members_wins_over_the_default():
    inv = Inventory(managers=1, workers=5)
    inv.hostvars['dc1-wkr4']['apim_hazelcast_members'] = ['dc1-wkr4', 'dc1-wkr5']
    topo = inv.build()
    assert topo['hosts']['dc1-wkr4']['hazelcast_members'] == [
        {'host': 'dc1-wkr4', 'address': 'dc1-wkr4', 'port': 4000}, {'host': 'dc1-wkr5', 'address': 'dc1-wkr5', 'port': 4000}]
    assert topo['hosts']['dc1-wkr3']['hazelcast_members'] is None
    assert _member_names(topo, 'dc1') == ['dc1-mgr1', 'dc1-wkr1', 'dc1-wkr2']


@pytest.mark.parametrize('value', [0, -1, 'two', 1.5, True])
def test_a_bound_of_well_known_workers_that_is_not_a_positive_integer_fails_the_preflight(value):
    inv = Inventory()
    inv.set_all('apim_hazelcast_well_known_workers', value)
    assert [v for v in violations_of(inv)
            if v.startswith('group all: apim_hazelcast_well_known_workers must be an integer greater than 0, got %r'
                            % (value,))]


def test_a_member_override_longer_than_the_dcs_nodes_fails_the_preflight_and_names_the_host():
    inv = Inventory(managers=1, workers=2)
    inv.hostvars['dc1-wkr1']['apim_hazelcast_members'] = ['dc1-mgr1', 'dc1-wkr1', 'dc1-wkr2', 'dc1-wkr1']
    inv.hostvars['dc2-wkr2']['apim_hazelcast_members'] = ['dc2-mgr1', 'dc1-wkr1']
    assert violations_of(inv) == [
        'host dc1-wkr1: apim_hazelcast_members lists 4 members, but dc1 has 3 APIM nodes (dc1-mgr1, dc1-wkr1, '
        'dc1-wkr2); fix: list each member once, only managers/workers of dc1',
        'host dc2-wkr2: apim_hazelcast_members lists dc1-wkr1 from dc1, but Hazelcast clustering stays inside one DC '
        '(dc2); fix: remove dc1-wkr1 from apim_hazelcast_members of dc2-wkr2']


@pytest.mark.parametrize('topology, host, functions, problem', [
    ({'hosts': {'dc1-lb': {'functions': ['lb']}}}, 'dc1-lb', ['lb'], ''),
    ({'hosts': {'dc1-mgr1': {'functions': ['manager']}}}, 'dc1-mgr1', ['manager', 'worker'], ''),
    (None, 'dc1-lb', ['lb'],
     'host dc1-lb: no computed topology (ansible_facts.apim_topology) lists this host; fix: import '
     'playbooks/preflight.yml (multidc.apim.topology) earlier in the same run, and apply this role only to hosts of '
     'load_balancers'),
    ({'hosts': {}}, 'dc1-lb', ['lb'],
     'host dc1-lb: no computed topology (ansible_facts.apim_topology) lists this host; fix: import '
     'playbooks/preflight.yml (multidc.apim.topology) earlier in the same run, and apply this role only to hosts of '
     'load_balancers'),
    ({'hosts': {'dc1-db': {'functions': ['db']}}}, 'dc1-db', ['manager', 'worker'],
     'host dc1-db: the topology gives this host db, not manager or worker; fix: import playbooks/preflight.yml '
     '(multidc.apim.topology) earlier in the same run, and apply this role only to hosts of apim_managers or '
     'apim_workers'),
], ids=['lb', 'manager', 'no-topology', 'host-not-listed', 'wrong-function'])
def test_host_role_problem_names_the_host_the_problem_and_the_fix(topology, host, functions, problem):
    assert host_role_problem(topology, host, functions) == problem
