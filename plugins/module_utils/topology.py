# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compute and validate the multi-DC topology of a multidc.apim deployment.

Everything here is pure: the input is plain data taken from the inventory
(the flat ``groups`` mapping, the names of the DC groups, and for every host a
dict holding only the variables listed in ``HOST_VARIABLES``), the output is
the topology dict or a ``TopologyError`` carrying every violation found.
No Ansible import, no I/O, so the unit tests and the benchmark call it
directly and the action plugin stays a thin adapter.

Violation strings all have the shape ``<host|group ...>: <problem>; fix: <how>``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import re

from ansible_collections.multidc.apim.plugins.module_utils.tls import INLINE, USER_FILES, is_pem, user_file_problems


# Functional groups and the function name each one gives its hosts.
FUNCTION_GROUPS = (
    ('apim_managers', 'manager'),
    ('apim_workers', 'worker'),
    ('svn_servers', 'svn'),
    ('db_servers', 'db'),
    ('load_balancers', 'lb'),
)
APIM_FUNCTIONS = ('manager', 'worker')
DATACENTERS_GROUP = 'datacenters'

# Inventory-wide settings: every host must see the same value (they belong in
# group_vars/all). Key: variable name; value: default.
GLOBAL_VARIABLES = {
    'apim_master_dc': None,
    'apim_dc_order': None,
    'apim_depsync_committer': None,
    'apim_svn_repository': 'apim',
    'apim_db_port': 3306,
    'apim_hazelcast_domain_prefix': 'wso2.am',
    # A DC's well-known Hazelcast members: its managers and this many of its
    # workers (the first by name, numbers in names compared as numbers); the
    # other workers join the cluster through them.
    'apim_hazelcast_well_known_workers': 2,
    # The systemd unit that runs API Manager on every APIM node: worker_manager
    # writes it, and the one restart path (multidc.apim.common) restarts it.
    'apim_service_name': 'wso2am',
    # The two WSO2 databases of every DC: db_replication creates them and
    # their users, worker_manager points the datasources at them.
    'apim_databases': {
        'registry': {'name': 'WSO2REG_DB', 'user': 'wso2reg'},
        'apim': {'name': 'WSO2AM_DB', 'user': 'wso2am'},
    },
    # Verify's comparison of the DCs' data: its time budget in seconds, and
    # the databases it compares (None: every WSO2 database).
    'apim_consistency_budget': 60,
    'apim_consistency_databases': None,
    # The cross-DC links (DB replication, svnsync) run over TLS, verified
    # against the deployment CA (docs/tls.md). Without user-given files, the
    # collection's CA lives in apim_tls_ca_dir on the controller.
    'apim_tls': True,
    'apim_tls_ca_dir': None,
    # During a rollover of that CA, the other one (the next, then the old):
    # trusted everywhere beside it, it issues nothing.
    'apim_tls_ca_rollover_dir': None,
    # Validity of what that CA issues (community.crypto's time specs).
    'apim_tls_ca_not_after': '+3650d',
    'apim_tls_certificate_not_after': '+825d',
    # Restarts of APIM nodes roll DC by DC and node by node (docs/rolling.md).
    'apim_rolling_restart': True,
    'apim_rolling_batch_size': 1,
    'apim_rolling_dc_order': None,
    'apim_rolling_dc_pause': 0,
    'apim_rolling_drain_seconds': 30,
    'apim_rolling_health_timeout': 300,
    'apim_health_path': '/services/Version',
    # How long an APIM node takes to start; Carbon takes tens of seconds. The
    # sample pack's stand-in server (a test double) takes exactly this long.
    'apim_node_startup_seconds': 20,
}
DATABASE_ROLES = ('apim', 'registry')
# Why hosts must agree on the apim_rolling_* settings.
ROLLING = 'one restart policy applies to every DC'

# Per-host settings (host_vars or DC group_vars).
HOST_VARIABLES = (
    'apim_address',
    'apim_carbon_home',
    'apim_ports_offset',
    'apim_publisher_enabled',
    'apim_hazelcast_members',
    'apim_hazelcast_port',
    'apim_svn_mode',
    'apim_tls_in_dc',
    'db_replication_server_id',
) + tuple(variable for variable, dummy in USER_FILES)

# Every variable the computation reads from a host's hostvars.
READ_VARIABLES = tuple(sorted(set(GLOBAL_VARIABLES) | set(HOST_VARIABLES)))

# CARBON_HOME as every role and verify address it: the stable link that
# worker_manager points at the active versioned installation.
DEFAULT_CARBON_HOME = '/opt/wso2/wso2am'
SERVICE_NAME_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.@-]*$')
CARBON_HOME_RE = re.compile(r'^(/[^/\s]+)+$')
DEFAULT_HAZELCAST_PORT = 4000
# Derived MariaDB server_id: DC index * SERVER_ID_STRIDE + position of the DB
# host inside its DC (1-based, by name).
SERVER_ID_STRIDE = 1000
SERVER_ID_MAX = 4294967295
SVN_MODES = ('master', 'mirror')
# The servers that the other DCs reach over TLS (docs/tls.md): each one gets a certificate for its address and its
# inventory name.
TLS_FUNCTIONS = ('db', 'svn')
# Per DC (its group_vars): whether its APIM nodes also reach the DC's own servers over TLS.
TLS_IN_DC_DEFAULT = True
_NAMES_SHOWN = 5


class TopologyError(ValueError):
    """The inventory breaks one or more invariants; ``violations`` lists them all."""

    def __init__(self, violations):
        self.violations = list(violations)
        super(TopologyError, self).__init__(
            '%d topology violation(s):\n%s' % (len(self.violations), '\n'.join('- ' + v for v in self.violations)))


def _names(items):
    """Render a list of names for a message, shortened for big fleets."""
    items = list(items)
    if len(items) <= _NAMES_SHOWN:
        return ', '.join(str(i) for i in items)
    return '%s and %d more' % (', '.join(str(i) for i in items[:_NAMES_SHOWN]), len(items) - _NAMES_SHOWN)


def _natural(name):
    """Sort key that compares the numbers in a host name as numbers: wkr2 before wkr10."""
    return [(0, int(part), '') if part.isdigit() else (1, 0, part) for part in re.split(r'(\d+)', name) if part]


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _freeze(value):
    """Hashable key for comparing values that hosts see (lists included)."""
    if isinstance(value, (list, tuple)):
        return ('list',) + tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return ('dict',) + tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return (kind.__name__, kind(value))
    return (type(value).__name__, value)


class _Builder:
    """One computation: collects violations while it derives the topology."""

    def __init__(self, groups, hostvars, datacenters, options, required_groups):
        self.groups = groups
        self.hostvars = hostvars
        self.dc_names = list(datacenters)
        self.options = options
        self.required_groups = required_groups
        self.violations = []

    # -- helpers -----------------------------------------------------------

    def fail(self, message):
        self.violations.append(message)

    def hv(self, host, name, default=None):
        return self.hostvars.get(host, {}).get(name, default)

    def setting(self, name, hosts):
        """Resolve an inventory-wide setting; every host must agree.

        An explicit option (task argument) wins and is not cross-checked.
        Returns ``(value, seen)`` where ``seen`` maps each distinct value to
        the hosts that see it (empty when the option was given explicitly).
        """
        if self.options.get(name) is not None:
            return self.options[name], {}
        seen = {}
        values = {}
        unset = []
        for host in hosts:
            hostvars = self.hostvars.get(host, {})
            if hostvars.get(name) is None:
                unset.append(host)
                continue
            key = _freeze(hostvars[name])
            values.setdefault(key, hostvars[name])
            seen.setdefault(key, []).append(host)
        if not values:
            return GLOBAL_VARIABLES[name], {}
        if len(values) > 1 or unset:
            # Hosts that do not set it see the default: that is a second value.
            labels = dict((repr(values[k]), hosts_) for k, hosts_ in seen.items())
            if unset:
                labels['(not set)'] = unset
            return None, labels
        return next(iter(values.values())), {}

    def dc_switch(self, name, dc, default):
        """A true/false setting of DC ``dc``: its hosts must agree (it belongs in the DC's group_vars)."""
        seen = {}
        for host in self.dc_hosts[dc]:
            seen.setdefault(self.hv(host, name, default), []).append(host)
        if len(seen) > 1:
            detail = '; '.join('%r seen by %s' % (value, _names(hosts)) for value, hosts in sorted(
                seen.items(), key=lambda item: repr(item[0])))
            self.fail('group %s: hosts disagree on %s: %s; fix: set it once, in group_vars/%s' % (dc, name, detail, dc))
            return default
        value = next(iter(seen), default)
        if not isinstance(value, bool):
            self.fail('group %s: %s must be true or false, got %r; fix: correct it in group_vars/%s'
                      % (dc, name, value, dc))
            return default
        return value

    def disagreement(self, name, seen, what):
        detail = '; '.join('%s seen by %s' % (value, _names(hosts)) for value, hosts in sorted(seen.items()))
        self.fail('group all: hosts disagree on %s (%s): %s; fix: set %s once, in group_vars/all, and remove it from '
                  'host_vars and DC group_vars' % (name, what, detail, name))

    # -- steps -------------------------------------------------------------

    def membership(self):
        """Invariant 2: every deployed host in exactly one DC; managers and workers apart."""
        self.function_hosts = {}
        self.host_functions = {}
        for group, function in FUNCTION_GROUPS:
            members = sorted(set(self.groups.get(group) or ()))
            self.function_hosts[function] = members
            for host in members:
                self.host_functions.setdefault(host, []).append(function)

        if not self.dc_names:
            self.fail('group %s: has no child groups; fix: add one child group per data center (dc1, dc2, ...) under '
                      '%s' % (DATACENTERS_GROUP, DATACENTERS_GROUP))
        self.dc_hosts = {}
        host_dcs = {}
        for dc in self.dc_names:
            members = sorted(set(self.groups.get(dc) or ()))
            self.dc_hosts[dc] = members
            for host in members:
                host_dcs.setdefault(host, []).append(dc)

        self.all_hosts = sorted(set(self.host_functions) | set(host_dcs))
        self.host_dc = {}
        for host in self.all_hosts:
            dcs = host_dcs.get(host, [])
            if len(dcs) > 1:
                self.fail('host %s: is in %d data centers (%s); fix: keep it in exactly one DC group under %s'
                          % (host, len(dcs), ', '.join(dcs), DATACENTERS_GROUP))
            elif not dcs:
                self.fail('host %s: is deployed (%s) but is in no data center; fix: add it to exactly one child group '
                          'of %s' % (host, ', '.join(self.host_functions[host]), DATACENTERS_GROUP))
            else:
                self.host_dc[host] = dcs[0]
            functions = self.host_functions.get(host, [])
            if 'manager' in functions and 'worker' in functions:
                self.fail('host %s: is in both apim_managers and apim_workers; fix: keep it in one of them (workers '
                          'and managers are separate nodes)' % host)

    def master_dc(self):
        """Invariant 1: exactly one master DC, and it exists."""
        value, seen = self.setting('apim_master_dc', self.all_hosts)
        self.master = None
        known = _names(self.dc_names) or 'a DC group'
        if seen:
            self.disagreement('apim_master_dc', seen, 'more than one master DC')
        elif value is None:
            self.fail('group all: apim_master_dc is not set, so there is no master DC; fix: set apim_master_dc to one '
                      'of %s in group_vars/all' % known)
        elif not isinstance(value, str):
            self.fail('group all: apim_master_dc must name one DC, got %r; fix: set apim_master_dc to one of %s'
                      % (value, known))
        elif value not in self.dc_hosts:
            self.fail('group all: apim_master_dc names %r, which is not a data center (a child group of %s); fix: set '
                      'it to one of %s or add group %s under %s'
                      % (value, DATACENTERS_GROUP, known, value, DATACENTERS_GROUP))
        else:
            self.master = value

    def dc_order(self):
        """Order of the DCs, which fixes each DC's replication index."""
        value, seen = self.setting('apim_dc_order', self.all_hosts)
        default = sorted(self.dc_names)
        self.order = default
        if seen:
            self.disagreement('apim_dc_order', seen, 'the replication index of a DC must be the same everywhere')
            return
        if value is None:
            return
        if not isinstance(value, (list, tuple)) or not all(isinstance(dc, str) for dc in value):
            self.fail('group all: apim_dc_order must be a list of DC names, got %r; fix: list every DC once, e.g. %s'
                      % (value, default))
            return
        ok = True
        seen_once = set()
        for dc in value:
            if dc in seen_once:
                ok = False
                self.fail('group %s: is listed more than once in apim_dc_order; fix: list every DC exactly once' % dc)
            seen_once.add(dc)
            if dc not in self.dc_hosts:
                ok = False
                self.fail('group %s: apim_dc_order lists %s, which is not a data center; fix: remove it from '
                          'apim_dc_order or add group %s under %s' % (dc, dc, dc, DATACENTERS_GROUP))
        for dc in self.dc_names:
            if dc not in seen_once:
                ok = False
                self.fail('group %s: is missing from apim_dc_order; fix: add it, so it gets a replication index'
                          % dc)
        if ok:
            self.order = list(value)

    def functions_per_dc(self):
        """Invariant 3: every DC has managers, workers, one SVN server, a DB and a LB."""
        self.dc_function_hosts = {}
        for dc in self.order:
            members = set(self.dc_hosts[dc])
            per_function = {}
            for group, function in FUNCTION_GROUPS:
                hosts = [h for h in self.function_hosts[function] if h in members and self.host_dc.get(h) == dc]
                per_function[function] = hosts
                if not hosts and group in self.required_groups:
                    self.fail('group %s: has no host in %s; fix: add a host of %s to %s' % (dc, group, dc, group))
            if len(per_function['svn']) > 1:
                self.fail('group %s: has %d SVN servers (%s), its SVN URL would be ambiguous; fix: keep exactly one '
                          'host of %s in svn_servers' % (dc, len(per_function['svn']), _names(per_function['svn']), dc))
            self.dc_function_hosts[dc] = per_function

    def addresses(self):
        self.address = {}
        for host in self.all_hosts:
            value = self.hv(host, 'apim_address')
            if value is None:
                value = host
            elif not isinstance(value, str) or not value.strip():
                self.fail('host %s: apim_address must be a non-empty host name or IP, got %r; fix: set it to the '
                          'address other hosts of its DC use to reach it, or remove it' % (host, value))
                value = host
            self.address[host] = value

    def apim_layout(self):
        """Where the pack lives on each APIM node, and the unit that runs it."""
        value, seen = self.setting('apim_service_name', self.all_hosts)
        if seen:
            self.disagreement('apim_service_name', seen, 'one restart path restarts one unit name')
            value = GLOBAL_VARIABLES['apim_service_name']
        elif not isinstance(value, str) or not SERVICE_NAME_RE.match(value):
            self.fail('group all: apim_service_name must be a systemd unit name such as wso2am, got %r; fix: correct '
                      'it in group_vars/all' % (value,))
            value = GLOBAL_VARIABLES['apim_service_name']
        self.service_name = value
        self.carbon_home = {}
        for host in self.all_hosts:
            if not any(f in APIM_FUNCTIONS for f in self.host_functions.get(host, [])):
                continue
            value = self.hv(host, 'apim_carbon_home', DEFAULT_CARBON_HOME)
            if not isinstance(value, str) or not CARBON_HOME_RE.match(value):
                self.fail('host %s: apim_carbon_home must be an absolute path without a trailing slash, got %r; fix: '
                          'set it to the stable link of the installation, e.g. %s' % (host, value, DEFAULT_CARBON_HOME))
                value = DEFAULT_CARBON_HOME
            self.carbon_home[host] = value
        self.ports_offset = {}
        for host in self.all_hosts:
            if not any(f in APIM_FUNCTIONS for f in self.host_functions.get(host, [])):
                continue
            value = self.hv(host, 'apim_ports_offset', 0)
            if not _is_int(value) or not 0 <= value <= 1000:
                self.fail('host %s: apim_ports_offset must be an integer in 0..1000 (Carbon\'s <Ports><Offset>), got '
                          '%r; fix: correct it or remove it to use 0' % (host, value))
                value = 0
            self.ports_offset[host] = value

    def committer(self):
        """Invariant 4: exactly one depsync committer, a manager in the master DC."""
        value, seen = self.setting('apim_depsync_committer', self.all_hosts)
        self.committer_host = None
        if seen:
            self.disagreement('apim_depsync_committer', seen, 'that makes more than one depsync committer')
            return
        if isinstance(value, (list, tuple)):
            if len(value) > 1:
                self.fail('group all: apim_depsync_committer names %d committers (%s); fix: name exactly one manager '
                          'of the master DC (only one node may have AutoCommit=true)' % (len(value), _names(value)))
                return
            value = value[0] if value else None
        if value is None:
            if self.master is None:
                return
            managers = self.dc_function_hosts.get(self.master, {}).get('manager', [])
            if managers:
                self.committer_host = managers[0]
            return
        if not isinstance(value, str):
            self.fail('group all: apim_depsync_committer must be a host name, got %r; fix: name one manager of the '
                      'master DC' % (value,))
            return
        where = '%s' % self.master if self.master else 'the master DC'
        if value not in self.hostvars and value not in self.host_functions and value not in self.host_dc:
            self.fail('host %s: is named by apim_depsync_committer but is not in the inventory; fix: name a manager '
                      'of %s' % (value, where))
            return
        if 'manager' not in self.host_functions.get(value, []):
            self.fail('host %s: is the depsync committer but is not in apim_managers; fix: name a manager of %s in '
                      'apim_depsync_committer' % (value, where))
            return
        if self.master is not None and self.host_dc.get(value) != self.master:
            self.fail('host %s: is the depsync committer but is in %s, not in the master DC %s; fix: name a manager '
                      'of %s in apim_depsync_committer' % (value, self.host_dc.get(value, 'no DC'), self.master, self.master))
            return
        self.committer_host = value

    def publishers(self):
        """Invariant 5: publisher enabled only on managers of the master DC (and on at least one)."""
        self.publisher = {}
        for host in self.all_hosts:
            functions = self.host_functions.get(host, [])
            dc = self.host_dc.get(host)
            value = self.hv(host, 'apim_publisher_enabled')
            if value is None:
                self.publisher[host] = 'manager' in functions and dc is not None and dc == self.master
                continue
            if not isinstance(value, bool):
                self.fail('host %s: apim_publisher_enabled must be true or false, got %r; fix: use a YAML boolean'
                          % (host, value))
                self.publisher[host] = False
                continue
            self.publisher[host] = value
            if not value:
                continue
            if 'manager' not in functions:
                self.fail('host %s: has apim_publisher_enabled=true but is not a manager; fix: remove '
                          'apim_publisher_enabled from %s (the publisher runs only on managers of the master DC)'
                          % (host, host))
            elif self.master is not None and dc != self.master:
                self.fail('host %s: has apim_publisher_enabled=true in %s, which is not the master DC %s; fix: remove '
                          'apim_publisher_enabled (or set it to false) for %s' % (host, dc, self.master, host))
        if self.master is not None:
            managers = self.dc_function_hosts.get(self.master, {}).get('manager', [])
            if managers and not any(self.publisher.get(h) for h in managers):
                self.fail('group %s: no manager of the master DC has the publisher enabled, so APIs cannot be '
                          'published; fix: set apim_publisher_enabled=true on at least one of %s'
                          % (self.master, _names(managers)))

    def hazelcast(self, prefix):
        """Invariant 6: a node's well-known members are APIM nodes of its own DC.

        By default the DC's managers and its first ``apim_hazelcast_well_known_workers`` workers by name (wkr2
        before wkr10), so a member list
        stays short however many workers a DC has; a host's ``apim_hazelcast_members`` overrides it.
        """
        self.hz_port = {}
        for host in self.all_hosts:
            port = self.hv(host, 'apim_hazelcast_port')
            if port is None:
                port = DEFAULT_HAZELCAST_PORT
            elif not _is_int(port) or not 0 < port < 65536:
                self.fail('host %s: apim_hazelcast_port must be a TCP port (1-65535), got %r; fix: correct it or '
                          'remove it to use %d' % (host, port, DEFAULT_HAZELCAST_PORT))
                port = DEFAULT_HAZELCAST_PORT
            self.hz_port[host] = port

        def member(host):
            return {'host': host, 'address': self.address[host], 'port': self.hz_port[host]}

        well_known_workers = self._number('apim_hazelcast_well_known_workers', 0,
                                          'every DC chooses its well-known members the same way', exclusive=True,
                                          integer=True)
        self.hz_dc = {}
        for dc in self.order:
            first_workers = sorted(self.dc_function_hosts[dc]['worker'], key=_natural)[:well_known_workers]
            nodes = sorted(self.dc_function_hosts[dc]['manager'] + first_workers)
            self.hz_dc[dc] = {
                'domain': '%s.%s.domain' % (prefix, dc),
                'members': [member(h) for h in nodes],
            }
        self.hz_host = {}
        for host in self.all_hosts:
            override = self.hv(host, 'apim_hazelcast_members')
            dc = self.host_dc.get(host)
            functions = self.host_functions.get(host, [])
            if override is None:
                continue
            if not any(f in APIM_FUNCTIONS for f in functions):
                self.fail('host %s: sets apim_hazelcast_members but is not an APIM manager or worker; fix: remove '
                          'apim_hazelcast_members from %s' % (host, host))
                continue
            if not isinstance(override, (list, tuple)) or not all(isinstance(m, str) for m in override) \
                    or not override:
                self.fail('host %s: apim_hazelcast_members must be a non-empty list of inventory host names, got %r; '
                          'fix: list managers/workers of %s, or remove it to use the DC\'s well-known members'
                          % (host, override, dc))
                continue
            dc_nodes = [h for f in APIM_FUNCTIONS for h in self.dc_function_hosts.get(dc, {}).get(f, [])]
            if dc is not None and len(override) > len(set(dc_nodes)):
                self.fail('host %s: apim_hazelcast_members lists %d members, but %s has %d APIM nodes (%s); fix: '
                          'list each member once, only managers/workers of %s'
                          % (host, len(override), dc, len(set(dc_nodes)), _names(sorted(set(dc_nodes))), dc))
                continue
            good = True
            for name in override:
                other_dc = self.host_dc.get(name)
                if name not in self.host_functions and other_dc is None:
                    good = False
                    self.fail('host %s: apim_hazelcast_members lists %s, which is not in the inventory; fix: list '
                              'only managers/workers of %s' % (host, name, dc))
                elif dc is not None and other_dc != dc:
                    good = False
                    self.fail('host %s: apim_hazelcast_members lists %s from %s, but Hazelcast clustering stays inside '
                              'one DC (%s); fix: remove %s from apim_hazelcast_members of %s'
                              % (host, name, other_dc or 'no DC', dc, name, host))
                elif not any(f in APIM_FUNCTIONS for f in self.host_functions.get(name, [])):
                    good = False
                    self.fail('host %s: apim_hazelcast_members lists %s, which is not an APIM manager or worker; fix: '
                              'remove %s from apim_hazelcast_members of %s' % (host, name, name, host))
            if good and dc is not None:
                self.hz_host[host] = [member(h) for h in override]

    def databases(self, port):
        """Invariant 7: unique server ids; offsets 1..N unique per DC; increment N."""
        if not _is_int(port) or not 0 < port < 65536:
            self.fail('group all: apim_db_port must be a TCP port (1-65535), got %r; fix: correct it in '
                      'group_vars/all' % (port,))
            port = GLOBAL_VARIABLES['apim_db_port']
        count = len(self.order)
        self.server_id = {}
        self.db_dc = {}
        by_id = {}
        for index, dc in enumerate(self.order, start=1):
            hosts = self.dc_function_hosts[dc]['db']
            for position, host in enumerate(hosts, start=1):
                value = self.hv(host, 'db_replication_server_id')
                if value is None:
                    value = index * SERVER_ID_STRIDE + position
                elif not _is_int(value) or not 0 < value <= SERVER_ID_MAX:
                    self.fail('host %s: db_replication_server_id must be an integer in 1..%d, got %r; fix: correct it '
                              'or remove it to use the derived id' % (host, SERVER_ID_MAX, value))
                    continue
                self.server_id[host] = value
                by_id.setdefault(value, []).append(host)
            first = hosts[0] if hosts else None
            self.db_dc[dc] = {
                'host': first,
                'address': self.address.get(first) if first else None,
                'port': port,
                'endpoint': '%s:%d' % (self.address[first], port) if first else None,
                'hosts': list(hosts),
                'server_ids': dict((h, self.server_id[h]) for h in hosts if h in self.server_id),
                'gtid_domain_id': index,
                'auto_increment_offset': index,
                'auto_increment_increment': count,
            }
        for value, hosts in sorted(by_id.items()):
            if len(hosts) > 1:
                self.fail('host %s: share db_replication_server_id %d; fix: give each DB host a unique '
                          'db_replication_server_id, or remove the overrides to use the derived ids'
                          % (', '.join(sorted(hosts)), value))
        offsets = {}
        for dc, db in self.db_dc.items():
            offsets.setdefault(db['auto_increment_offset'], []).append(dc)
            if not 1 <= db['auto_increment_offset'] <= count or db['auto_increment_increment'] != count:
                self.fail('group %s: auto_increment_offset %d / increment %d is outside 1..%d / %d; fix: list every '
                          'DC exactly once in apim_dc_order' % (dc, db['auto_increment_offset'],
                                                                db['auto_increment_increment'], count, count))
        for offset, dcs in sorted(offsets.items()):
            if len(dcs) > 1:
                self.fail('group %s: share auto_increment_offset %d; fix: list every DC exactly once in apim_dc_order'
                          % (', '.join(sorted(dcs)), offset))

    def database_names(self):
        """The WSO2 database and user names, the same in every DC."""
        value, seen = self.setting('apim_databases', self.all_hosts)
        self.databases_named = GLOBAL_VARIABLES['apim_databases']
        if seen:
            self.disagreement('apim_databases', seen, 'every DC holds the same replicated databases')
            return
        shape = 'a mapping of %s, each with a non-empty name and user' % ' and '.join(DATABASE_ROLES)
        if not isinstance(value, dict) or sorted(value) != sorted(DATABASE_ROLES):
            self.fail('group all: apim_databases must be %s, got %r; fix: correct it in group_vars/all' % (shape, value))
            return
        bad = [role for role in DATABASE_ROLES if not isinstance(value[role], dict)
               or not all(isinstance(value[role].get(k), str) and value[role].get(k) for k in ('name', 'user'))]
        if bad:
            self.fail('group all: apim_databases %s must be %s; fix: give each a name and a user'
                      % (', '.join(bad), shape))
            return
        for key in ('name', 'user'):
            if value['apim'][key] == value['registry'][key]:
                self.fail('group all: apim_databases apim and registry share the %s %r; fix: give them distinct %ss'
                          % (key, value['apim'][key], key))
                return
        self.databases_named = dict((role, {'name': value[role]['name'], 'user': value[role]['user']})
                                    for role in DATABASE_ROLES)

    def consistency_check(self):
        """Verify's data comparison: a positive time budget, over databases the topology knows."""
        known = [self.databases_named[role]['name'] for role in DATABASE_ROLES]
        budget = self._number('apim_consistency_budget', 0, 'verify runs one comparison', exclusive=True)
        names, seen = self.setting('apim_consistency_databases', self.all_hosts)
        if seen:
            self.disagreement('apim_consistency_databases', seen, 'verify runs one comparison')
            names = None
        if names is None:
            names = known
        elif not isinstance(names, (list, tuple)) or not names or not all(isinstance(n, str) for n in names):
            self.fail('group all: apim_consistency_databases must be a non-empty list of database names, got %r; '
                      'fix: list some of %s, or remove it to compare all' % (names, _names(known)))
            names = known
        else:
            unknown = [n for n in names if n not in known]
            if unknown:
                self.fail('group all: apim_consistency_databases names %s, not a WSO2 database of the topology; fix: '
                          'list only %s (apim_databases)' % (_names(unknown), _names(known)))
                names = [n for n in names if n in known] or known
        self.consistency = {'budget': budget, 'databases': list(names)}

    def _number(self, name, minimum, reason, exclusive=False, integer=False):
        """The inventory-wide number ``name``, at least (or, ``exclusive``, above) ``minimum``; its default if not."""
        value, seen = self.setting(name, self.all_hosts)
        if seen:
            self.disagreement(name, seen, reason)
            return GLOBAL_VARIABLES[name]
        kinds = (int,) if integer else (int, float)
        bad = isinstance(value, bool) or not isinstance(value, kinds) or (
            value <= minimum if exclusive else value < minimum)
        if bad:
            self.fail('group all: %s must be %s %s %s, got %r; fix: correct it in group_vars/all or remove it to use '
                      '%s' % (name, 'an integer' if integer else 'a number of seconds',
                              'greater than' if exclusive else 'of at least', minimum, value, GLOBAL_VARIABLES[name]))
            return GLOBAL_VARIABLES[name]
        return value

    def tls(self, read_file):
        """Certificates of the servers that the other DCs reach: the names each one needs, and the user's files."""
        enabled, seen = self.setting('apim_tls', self.all_hosts)
        if seen:
            self.disagreement('apim_tls', seen, 'every cross-DC link is encrypted, or none')
            enabled = True
        elif not isinstance(enabled, bool):
            self.fail('group all: apim_tls must be true or false, got %r; fix: correct it in group_vars/all'
                      % (enabled,))
            enabled = True
        ca_dir = self.controller_dir('apim_tls_ca_dir')
        rollover_dir = self.controller_dir('apim_tls_ca_rollover_dir')
        if rollover_dir is not None and rollover_dir.rstrip('/') == (ca_dir or '').rstrip('/'):
            self.fail('group all: apim_tls_ca_rollover_dir is apim_tls_ca_dir (%s); fix: give the other CA of the '
                      'rollover its own directory (docs/tls.md, "A new CA")' % (ca_dir,))
            rollover_dir = None
        elif rollover_dir is not None and ca_dir is None:
            self.fail('group all: apim_tls_ca_rollover_dir is set without apim_tls_ca_dir; fix: set both, or neither '
                      '(docs/tls.md, "A new CA")')
            rollover_dir = None
        # The CA bundle of the collection's CA that every client trusts: its CA and the rollover's.
        self.tls = {'enabled': enabled, 'ca_dir': ca_dir, 'rollover_dir': rollover_dir,
                    'ca_bundle': '%s/trusted.pem' % ca_dir.rstrip('/') if ca_dir else None}
        for name in ('apim_tls_ca_not_after', 'apim_tls_certificate_not_after'):
            value, seen = self.setting(name, self.all_hosts)
            if seen:
                self.disagreement(name, seen, 'one deployment CA signs every certificate')
            elif not isinstance(value, str) or not value.strip():
                self.fail('group all: %s must be a time like +825d, got %r; fix: correct it in group_vars/all'
                          % (name, value))
            self.tls[name[len('apim_tls_'):]] = value
        self.tls_names, self.tls_files = {}, {}
        for host in self.all_hosts:
            if not set(self.host_functions.get(host, [])) & set(TLS_FUNCTIONS):
                continue
            names = [self.address[host]] + ([host] if host != self.address[host] else [])
            self.tls_names[host] = names
            paths = dict((variable, self.hv(host, variable)) for variable, dummy in USER_FILES)
            # The fact never holds a key: a variable that holds the PEM itself reads INLINE there, except the
            # CA certificate, which the DC's APIM nodes must trust (it is public).
            self.tls_files[host] = dict(
                (variable, INLINE if is_pem(value) and variable != 'apim_tls_ca_certificate' else value)
                for variable, value in paths.items()) if any(paths.values()) else None
            if not enabled:
                continue
            if any(paths.values()):
                for problem in user_file_problems(host, names, paths, read_file):
                    self.fail(problem)
            elif ca_dir is None:
                self.fail('host %s: apim_tls is on, and neither apim_tls_ca_dir nor apim_tls_certificate is set; '
                          'fix: set apim_tls_ca_dir in group_vars/all to a directory on the controller for the '
                          'collection\'s CA (it holds the CA key: keep it out of the repository), or give this host '
                          'apim_tls_certificate, apim_tls_private_key and apim_tls_ca_certificate' % host)
        # Inside each DC: whether its APIM nodes reach its SVN server and database over TLS too.
        self.tls_in_dc = dict((dc, enabled and self.dc_switch('apim_tls_in_dc', dc, TLS_IN_DC_DEFAULT))
                              for dc in self.order)
        # The CA bundles that the APIM nodes of a DC trust: those of its SVN server and its database.
        self.tls_ca_files = {}
        for dc in self.order:
            servers = self.dc_function_hosts[dc]['svn'] + self.dc_function_hosts[dc]['db']
            files = set(self.ca_file(host) for host in servers) - {None}
            self.tls_ca_files[dc] = sorted(files) if self.tls_in_dc[dc] else []

    def controller_dir(self, name):
        """The value of ``name``, a directory on the controller that one setting of group all gives, or None."""
        value, seen = self.setting(name, self.all_hosts)
        if seen:
            self.disagreement(name, seen, 'one deployment CA signs every certificate')
            return None
        if value is not None and (not isinstance(value, str) or not value.startswith('/')):
            self.fail('group all: %s must be an absolute directory on the controller, got %r; fix: correct it in '
                      'group_vars/all' % (name, value))
            return None
        return value

    def ca_file(self, host):
        """The CA bundle that clients of ``host`` trust: the user's (a controller path, or the PEM itself when a
        vault variable holds it), else the collection's."""
        if not self.tls['enabled']:
            return None
        files = self.tls_files.get(host)
        if files:
            return files['apim_tls_ca_certificate']
        return self.tls['ca_bundle']

    def rolling_restart(self):
        """How restarts of APIM nodes roll: order of the DCs, batch size, pauses and health waits."""
        enabled, seen = self.setting('apim_rolling_restart', self.all_hosts)
        if seen:
            self.disagreement('apim_rolling_restart', seen, ROLLING)
            enabled = True
        elif not isinstance(enabled, bool):
            self.fail('group all: apim_rolling_restart must be true or false, got %r; fix: correct it in '
                      'group_vars/all' % (enabled,))
            enabled = True
        batch_size = self._number('apim_rolling_batch_size', 1, ROLLING, integer=True)
        pause = self._number('apim_rolling_dc_pause', 0, ROLLING)
        drain = self._number('apim_rolling_drain_seconds', 0, ROLLING)
        startup = self._number('apim_node_startup_seconds', 0, ROLLING)
        timeout = self._number('apim_rolling_health_timeout', 0, ROLLING, exclusive=True)
        if timeout <= startup:
            self.fail('group all: apim_rolling_health_timeout (%s s) must be longer than apim_node_startup_seconds '
                      '(%s s), or no node could pass its health wait; fix: raise apim_rolling_health_timeout'
                      % (timeout, startup))
        path, seen = self.setting('apim_health_path', self.all_hosts)
        if seen:
            self.disagreement('apim_health_path', seen, ROLLING)
            path = GLOBAL_VARIABLES['apim_health_path']
        elif not isinstance(path, str) or not path.startswith('/'):
            self.fail('group all: apim_health_path must be a URL path starting with /, got %r; fix: correct it or '
                      'remove it to use %s' % (path, GLOBAL_VARIABLES['apim_health_path']))
            path = GLOBAL_VARIABLES['apim_health_path']
        default_order = [dc for dc in self.order if dc != self.master] + [dc for dc in self.order if dc == self.master]
        order, seen = self.setting('apim_rolling_dc_order', self.all_hosts)
        if seen:
            self.disagreement('apim_rolling_dc_order', seen, ROLLING)
            order = None
        if order is None:
            order = default_order
        elif not isinstance(order, (list, tuple)) or not all(isinstance(dc, str) for dc in order):
            self.fail('group all: apim_rolling_dc_order must be a list of DC names, got %r; fix: list every DC once, '
                      'e.g. %s' % (order, default_order))
            order = default_order
        else:
            problems = ['lists %s, which is not a data center' % dc for dc in order if dc not in self.dc_hosts]
            problems += ['lists %s more than once' % dc for dc in sorted(set(order)) if list(order).count(dc) > 1]
            problems += ['does not list %s' % dc for dc in self.order if dc not in order]
            for problem in problems:
                self.fail('group all: apim_rolling_dc_order %s; fix: list every DC exactly once, e.g. %s'
                          % (problem, default_order))
            if problems:
                order = default_order
        self.rolling = {'enabled': enabled, 'batch_size': batch_size, 'dc_order': list(order), 'dc_pause': pause,
                        'drain_seconds': drain, 'health_timeout': timeout, 'health_path': path,
                        'startup_seconds': startup}

    def svn(self, repository):
        """Invariant 8: the SVN master is in the master DC, every other DC's SVN is a read-only mirror."""
        if not isinstance(repository, str) or not repository or '/' in repository:
            self.fail('group all: apim_svn_repository must be a plain repository name, got %r; fix: set it to a name '
                      'such as apim' % (repository,))
            repository = GLOBAL_VARIABLES['apim_svn_repository']
        self.svn_dc = {}
        self.svn_master_url = None
        for dc in self.order:
            hosts = self.dc_function_hosts[dc]['svn']
            if not hosts:
                self.svn_dc[dc] = None
                continue
            host = hosts[0]
            expected = 'master' if dc == self.master else 'mirror'
            mode = self.hv(host, 'apim_svn_mode')
            if mode is None:
                mode = expected
            elif mode not in SVN_MODES:
                self.fail('host %s: apim_svn_mode must be master or mirror, got %r; fix: remove it (the default is %s '
                          'here)' % (host, mode, expected))
                mode = expected
            elif self.master is not None and mode != expected:
                if mode == 'master':
                    self.fail('host %s: apim_svn_mode=master in %s, but the SVN master must be in the master DC %s; '
                              'fix: remove apim_svn_mode from %s (it is a read-only mirror)'
                              % (host, dc, self.master, host))
                else:
                    self.fail('host %s: apim_svn_mode=mirror, but it is the SVN server of the master DC %s, which '
                              'must be the read/write master; fix: remove apim_svn_mode from %s' % (host, dc, host))
            tls = self.tls['enabled']
            url = '%s://%s/svn/%s' % ('https' if tls else 'http', self.address[host], repository)
            # What the DC's own APIM nodes use: plain HTTP only where the DC turned TLS off inside it.
            node_url = url if self.tls_in_dc[dc] or not tls else 'http' + url[len('https'):]
            self.svn_dc[dc] = {'host': host, 'address': self.address[host], 'url': url, 'node_url': node_url,
                               'tls': tls, 'plain_http': node_url.startswith('http:'), 'ca_file': self.ca_file(host),
                               'mode': mode,
                               'master': mode == 'master', 'read_only': mode != 'master'}
            if dc == self.master:
                self.svn_master_url = url
        for dc, svn in self.svn_dc.items():
            if svn is not None:
                svn['master_url'] = self.svn_master_url

    # -- result ------------------------------------------------------------

    def replication_peers(self, dc):
        """The databases of every other DC, in DC order: one multi-source connection each, named after its DC."""
        peers = []
        for other in self.order:
            db = self.db_dc[other]
            if other == dc or db['host'] is None:
                continue
            peers.append({'name': other, 'host': db['host'], 'address': db['address'], 'port': db['port'],
                          'server_id': db['server_ids'].get(db['host']), 'gtid_domain_id': db['gtid_domain_id'],
                          'auto_increment_offset': db['auto_increment_offset']})
        return peers

    def result(self, prefix):
        count = len(self.order)
        datacenters = {}
        for index, dc in enumerate(self.order, start=1):
            per_function = self.dc_function_hosts[dc]
            self.db_dc[dc]['peers'] = self.replication_peers(dc)
            # What API consumers of this DC call: its load balancer, else its first worker.
            front = (per_function['lb'] + per_function['worker'])[:1]
            datacenters[dc] = {
                'name': dc,
                'index': index,
                'master': dc == self.master,
                'hosts': list(self.dc_hosts[dc]),
                'managers': list(per_function['manager']),
                'workers': list(per_function['worker']),
                'svn_servers': list(per_function['svn']),
                'db_servers': list(per_function['db']),
                'load_balancers': list(per_function['lb']),
                'publishers': [h for h in per_function['manager'] if self.publisher.get(h)],
                # The DC's key manager and gateway manager: its first manager.
                'key_manager': per_function['manager'][0] if per_function['manager'] else None,
                'gateway_address': self.address[front[0]] if front else None,
                'svn': self.svn_dc[dc],
                'db': self.db_dc[dc],
                # Its APIM nodes reach its SVN server and database over TLS (apim_tls_in_dc, docs/tls.md).
                'tls_in_dc': self.tls_in_dc[dc],
                'tls_ca_files': self.tls_ca_files[dc],
                'hazelcast': self.hz_dc[dc],
            }
        hosts = {}
        for host in self.all_hosts:
            dc = self.host_dc[host]
            functions = self.host_functions.get(host, [])
            apim = any(f in APIM_FUNCTIONS for f in functions)
            is_committer = host == self.committer_host
            dc_data = datacenters[dc]
            hosts[host] = {
                'dc': dc,
                'dc_index': dc_data['index'],
                'master_dc': dc == self.master,
                'functions': list(functions),
                'address': self.address[host],
                'carbon_home': self.carbon_home.get(host),
                'ports_offset': self.ports_offset.get(host),
                'depsync_committer': is_committer,
                'depsync_mode': ('commit' if is_committer else 'checkout') if apim else None,
                'publisher_enabled': self.publisher[host],
                'svn_url': (dc_data['svn'] or {}).get('node_url'),
                'svn_master_url': self.svn_master_url,
                'db_endpoint': dc_data['db']['endpoint'],
                'db_server_id': self.server_id.get(host),
                'hazelcast_domain': dc_data['hazelcast']['domain'] if apim else None,
                'hazelcast_sub_domain': ('mgt' if 'manager' in functions else 'worker') if apim else None,
                'hazelcast_port': self.hz_port[host] if apim else None,
                # Only an override is stored per host; the DC's list lives once, under datacenters[dc].hazelcast.
                'hazelcast_members': self.hz_host.get(host) if apim else None,
                # The names of its certificate, on a server that the other DCs reach (docs/tls.md).
                'tls_names': self.tls_names.get(host),
                # The user's own certificate, key and CA bundle (controller paths); null: the collection's CA issues.
                'tls_files': self.tls_files.get(host),
            }
        return {
            'master_dc': self.master,
            'dc_order': list(self.order),
            'dc_count': count,
            'depsync_committer': self.committer_host,
            'service_name': self.service_name,
            'svn_master_url': self.svn_master_url,
            'svn_master_host': (self.svn_dc.get(self.master) or {}).get('host'),
            'svn_mirrors': dict((dc, svn['url']) for dc, svn in self.svn_dc.items() if svn and svn['read_only']),
            'publishers': [h for h in self.all_hosts if self.publisher.get(h)],
            'hazelcast_domain_prefix': prefix,
            'databases': self.databases_named,
            'rolling': self.rolling,
            'tls': self.tls,
            'consistency': dict(self.consistency, servers=[
                {'name': dc, 'host': self.db_dc[dc]['address'], 'port': self.db_dc[dc]['port']}
                for dc in self.order if self.db_dc[dc]['host'] is not None]),
            'datacenters': datacenters,
            'hosts': hosts,
        }


def _read_file(path):
    with open(path, 'rb') as handle:
        return handle.read()


def build_topology(groups, hostvars, datacenters, options=None, required_groups=None, read_file=_read_file):
    """Compute the topology and validate every invariant.

    :arg groups: mapping group name -> list of host names (Ansible's flat
        ``groups``); the functional groups and the DC groups are read.
    :arg hostvars: mapping host name -> dict of that host's variables; only
        the names in ``READ_VARIABLES`` are looked at.
    :arg datacenters: names of the DC groups (the children of ``datacenters``).
    :arg options: optional explicit values for the inventory-wide settings
        (keys of ``GLOBAL_VARIABLES``); an explicit value wins over hostvars.
    :arg required_groups: the functional groups every DC must have a host in
        (invariant 3); default all of ``FUNCTION_GROUPS``. A play that deploys
        only one tier (for example the databases) narrows it; every other
        invariant is still checked on the hosts that are there.
    :arg read_file: callable path -> bytes that reads the TLS files a user gives (on the controller).
    :returns: the topology dict (see docs/topology.md).
    :raises TopologyError: with every violation found, when any invariant is broken.
    """
    options = dict(options or {})
    unknown = sorted(set(options) - set(GLOBAL_VARIABLES))
    if unknown:
        raise TypeError('unknown topology option(s): %s' % ', '.join(unknown))
    known_groups = [group for group, dummy in FUNCTION_GROUPS]
    required_groups = known_groups if required_groups is None else list(required_groups)
    unknown = sorted(set(required_groups) - set(known_groups))
    if unknown:
        raise TypeError('unknown functional group(s) in required_groups: %s' % ', '.join(unknown))
    builder = _Builder(groups, hostvars, datacenters, options, set(required_groups))
    builder.membership()
    builder.master_dc()
    builder.dc_order()
    builder.functions_per_dc()
    builder.addresses()
    builder.apim_layout()
    builder.committer()
    builder.publishers()
    prefix, seen = builder.setting('apim_hazelcast_domain_prefix', builder.all_hosts)
    if seen:
        builder.disagreement('apim_hazelcast_domain_prefix', seen, 'Hazelcast domains must be named the same way')
        prefix = GLOBAL_VARIABLES['apim_hazelcast_domain_prefix']
    elif not isinstance(prefix, str) or not prefix:
        builder.fail('group all: apim_hazelcast_domain_prefix must be a non-empty string, got %r; fix: set it to e.g. '
                     'wso2.am' % (prefix,))
        prefix = GLOBAL_VARIABLES['apim_hazelcast_domain_prefix']
    builder.hazelcast(prefix)
    port, seen = builder.setting('apim_db_port', builder.all_hosts)
    if seen:
        builder.disagreement('apim_db_port', seen, 'all DC databases listen on the same port')
        port = GLOBAL_VARIABLES['apim_db_port']
    builder.databases(port)
    builder.database_names()
    builder.consistency_check()
    builder.rolling_restart()
    builder.tls(read_file)
    repository, seen = builder.setting('apim_svn_repository', builder.all_hosts)
    if seen:
        builder.disagreement('apim_svn_repository', seen, 'mirrors replicate one repository')
        repository = GLOBAL_VARIABLES['apim_svn_repository']
    builder.svn(repository)
    if (builder.master is not None and builder.committer_host is None and not builder.violations
            and 'apim_managers' in builder.required_groups):
        builder.fail('group %s: no depsync committer could be chosen; fix: set apim_depsync_committer to a manager '
                     'of %s' % (builder.master, builder.master))
    if builder.violations:
        raise TopologyError(builder.violations)
    return builder.result(prefix)


def host_role_problem(topology, host, functions):
    """Why ``host`` cannot take a role that deploys one of ``functions``: '' when it can.

    The roles call it (filter ``multidc.apim.topology_host_problem``) before they touch the host.
    """
    groups = dict((function, group) for group, function in FUNCTION_GROUPS)
    fix = ('fix: import playbooks/preflight.yml (multidc.apim.topology) earlier in the same run, and apply this role '
           'only to hosts of %s' % ' or '.join(groups[f] for f in functions))
    if not topology or host not in topology.get('hosts', {}):
        return 'host %s: no computed topology (ansible_facts.apim_topology) lists this host; %s' % (host, fix)
    given = topology['hosts'][host]['functions']
    if not set(given) & set(functions):
        return 'host %s: the topology gives this host %s, not %s; %s' % (
            host, ', '.join(given) or 'no function', ' or '.join(functions), fix)
    return ''
