#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of the controller-side action multidc.apim.topology (plugins/action/topology.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r"""
---
module: topology
short_description: Compute and validate the multi-DC topology from the inventory
version_added: 0.1.0
description:
  - Runs on the controller only (action plugin); it never connects to a managed host.
  - Reads the inventory groups (C(datacenters) and its child groups, one per DC; C(apim_managers), C(apim_workers),
    C(svn_servers), C(db_servers), C(load_balancers)) and, for every deployed host, only the topology variables
    (C(apim_master_dc), C(apim_dc_order), C(apim_depsync_committer), C(apim_svn_repository), C(apim_db_port),
    C(apim_hazelcast_domain_prefix), C(apim_hazelcast_well_known_workers), C(apim_service_name), C(apim_databases),
    C(apim_consistency_budget), C(apim_consistency_databases), the rolling restart settings C(apim_rolling_restart),
    C(apim_rolling_batch_size), C(apim_rolling_dc_order), C(apim_rolling_dc_pause), C(apim_rolling_drain_seconds),
    C(apim_rolling_health_timeout), C(apim_health_path) and C(apim_node_startup_seconds), C(apim_carbon_home),
    C(apim_ports_offset), C(apim_address), C(apim_publisher_enabled), C(apim_hazelcast_members),
    C(apim_hazelcast_port), C(apim_svn_mode), C(db_replication_server_id)).
  - Computes the per-DC host lists by function, the master DC, the single depsync committer, each DC's SVN URL (the
    master's marked), each DC's DB endpoint, server ids, GTID domain id and auto-increment offset/increment, the
    Hazelcast domain and well-known members per DC, and the publisher placement.
  - Validates every invariant of the architecture and, when any is broken, fails once with B(all) violations, one per
    line, each naming the host or group and saying how to fix it.
  - Returns the result as the fact RV(ansible_facts.apim_topology). Used with C(run_once=true) in a play over all hosts
    (as C(playbooks/preflight.yml) does), the fact is set on every host of the play.
  - Inventory-wide variables must have one value for every host (set them in C(group_vars/all)); hosts that disagree
    are a violation. The options below override them explicitly.
  - See C(docs/topology.md) in the collection for the variables and the invariants.
author:
  - multidc.apim developers (@multidc)
options:
  datacenters:
    description:
      - Names of the DC groups.
      - Default is the child groups of the C(datacenters) group, read from the inventory.
    type: list
    elements: str
  fact_name:
    description:
      - Name of the fact to set.
    type: str
    default: apim_topology
  master_dc:
    description:
      - Master DC; overrides the inventory variable C(apim_master_dc).
    type: str
  dc_order:
    description:
      - Order of the DCs, which fixes each DC's replication index; overrides C(apim_dc_order).
      - Default is the DC names sorted.
    type: list
    elements: str
  depsync_committer:
    description:
      - The one depsync committer; overrides C(apim_depsync_committer).
      - Default is the first manager, by name, of the master DC.
    type: str
  svn_repository:
    description:
      - SVN repository name in C(http://<svn address>/svn/<repository>); overrides C(apim_svn_repository).
      - Default is C(apim).
    type: str
  db_port:
    description:
      - Port of the DC databases; overrides C(apim_db_port).
      - Default is C(3306).
    type: int
  hazelcast_domain_prefix:
    description:
      - Prefix of the per-DC Hazelcast domain C(<prefix>.<dc>.domain); overrides C(apim_hazelcast_domain_prefix).
      - Default is C(wso2.am).
    type: str
  required_groups:
    description:
      - The functional groups that every DC must have at least one host in (invariant 3).
      - Narrow it for a play that deploys only some tiers, for example only C(db_servers) in a database-only
        run. Every other invariant is still checked on the hosts that are in the inventory.
      - Default is all of them.
    type: list
    elements: str
    choices: [apim_managers, apim_workers, svn_servers, db_servers, load_balancers]
attributes:
  check_mode:
    support: full
    description: Computes the same result in check mode; nothing is ever changed.
  diff_mode:
    support: none
    description: Nothing is changed, so there is nothing to diff.
  platform:
    support: full
    platforms: all
    description: Runs on the controller only; the managed host's platform does not matter.
  action:
    support: full
    description: Implemented as an action plugin that runs entirely on the controller.
  async:
    support: none
    description: Runs synchronously on the controller.
  bypass_host_loop:
    support: none
    description: Runs per host like any task; use C(run_once=true) to compute once and set the fact on every play host.
  idempotent:
    support: full
    description: Same inventory, same result; it never changes anything.
notes:
  - The DC groups are read from the inventory object through the task's variable manager, because the C(groups)
    variable is flat. Pass O(datacenters) when that is not available.
"""

EXAMPLES = r"""
- name: Compute and validate the topology once, hand it to every host of the play
  multidc.apim.topology:
  run_once: true
  delegate_to: localhost

- name: Use it on a host
  ansible.builtin.debug:
    msg: >-
      {{ inventory_hostname }} is in {{ ansible_facts.apim_topology.hosts[inventory_hostname].dc }},
      its SVN is {{ ansible_facts.apim_topology.hosts[inventory_hostname].svn_url }}

- name: Validate a candidate layout with explicit settings
  multidc.apim.topology:
    master_dc: dc2
    dc_order: [dc2, dc1]
  run_once: true
  delegate_to: localhost
"""

RETURN = r"""
violations:
  description: Every invariant violation found, one message each (only when the task fails).
  returned: failure
  type: list
  elements: str
  sample:
    - "group dc2: has no host in svn_servers; fix: add a host of dc2 to svn_servers"
datacenters_source:
  description: Where the DC group names came from, C(inventory) or C(option).
  returned: success
  type: str
  sample: inventory
ansible_facts:
  description: Facts set by the plugin.
  returned: success
  type: complex
  contains:
    apim_topology:
      description:
        - The computed topology (the key is O(fact_name)). See C(docs/topology.md) for every field.
      returned: success
      type: complex
      contains:
        master_dc:
          description: Name of the master DC.
          type: str
          returned: success
          sample: dc1
        dc_order:
          description: DC names in replication-index order (index = position + 1).
          type: list
          elements: str
          returned: success
          sample: [dc1, dc2]
        dc_count:
          description: Number of DCs, also the auto-increment increment.
          type: int
          returned: success
          sample: 2
        depsync_committer:
          description: The only host with depsync AutoCommit enabled.
          type: str
          returned: success
          sample: apim-dc1-mgr1
        svn_master_url:
          description: URL of the read/write SVN repository in the master DC.
          type: str
          returned: success
          sample: http://apim-dc1-svn/svn/apim
        publishers:
          description: Hosts on which the publisher application is enabled.
          type: list
          elements: str
          returned: success
          sample: [apim-dc1-mgr1]
        hazelcast_domain_prefix:
          description: Prefix of the per-DC Hazelcast domains.
          type: str
          returned: success
          sample: wso2.am
        databases:
          description:
            - The two WSO2 databases of every DC and their users, from C(apim_databases).
          type: dict
          returned: success
          sample: {registry: {name: WSO2REG_DB, user: wso2reg}, apim: {name: WSO2AM_DB, user: wso2am}}
        consistency:
          description:
            - What verify's comparison of the DCs' data covers, from C(apim_consistency_budget) (seconds, C(budget))
              and C(apim_consistency_databases) (C(databases), every WSO2 database by default), and the database of
              every DC it compares (C(servers), C(name) the DC, C(host) and C(port)) in DC order.
          type: dict
          returned: success
          sample: {budget: 60, databases: [WSO2REG_DB, WSO2AM_DB], servers: [{name: dc1, host: apim-dc1-db, port: 3306}]}
        rolling:
          description:
            - How restarts of APIM nodes roll (docs/rolling.md), from the C(apim_rolling_*) settings, C(apim_health_path)
              and C(apim_node_startup_seconds); C(dc_order) is the order of the DCs, by default the master DC last.
          type: dict
          returned: success
          sample: {enabled: true, batch_size: 1, dc_order: [dc2, dc1], dc_pause: 0, drain_seconds: 30, health_timeout: 300,
                   health_path: /services/Version, startup_seconds: 20}
        datacenters:
          description:
            - One entry per DC, keyed by DC name, with C(index), C(master), C(hosts), C(managers), C(workers),
              C(svn_servers), C(db_servers), C(load_balancers), C(publishers), C(key_manager), C(gateway_address),
              C(svn) (C(host), C(address), C(url), C(mode), C(master), C(read_only), C(master_url)), C(db) (C(host),
              C(address), C(port), C(endpoint), C(hosts), C(server_ids), C(gtid_domain_id), C(auto_increment_offset),
              C(auto_increment_increment), C(peers)) and C(hazelcast) (C(domain), C(members)).
            - Lists that concern a whole DC are stored here once and not copied into its hosts, so the fact grows
              linearly with the inventory.
          type: dict
          returned: success
        hosts:
          description:
            - One entry per deployed host, keyed by inventory name, with C(dc), C(dc_index), C(master_dc),
              C(functions), C(address), C(carbon_home), C(ports_offset), C(depsync_committer), C(depsync_mode),
              C(publisher_enabled),
              C(svn_url), C(svn_master_url), C(db_endpoint), C(db_server_id), C(hazelcast_domain),
              C(hazelcast_sub_domain), C(hazelcast_port) and C(hazelcast_members).
            - C(hazelcast_members) is the host's own well-known members when C(apim_hazelcast_members) overrides
              them, else null; the default is its DC's C(hazelcast.members), the DC's managers and its first
              C(apim_hazelcast_well_known_workers) workers.
          type: dict
          returned: success
"""
