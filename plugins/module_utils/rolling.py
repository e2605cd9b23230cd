# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which APIM nodes restart, in which order and in which batches (docs/rolling.md).

Pure: the common role's ``apim_service`` tasks read, on every APIM node, whether
its unit runs and whether a restart is pending, and act on the plan returned here.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

# Inside a DC, gateway workers restart before managers.
FUNCTION_ORDER = ('worker', 'manager')


def _function(node):
    for function in FUNCTION_ORDER:
        if function in node['functions']:
            return function
    return None


def _dc_batches(hosts, topology, batch_size):
    """Greedy batches of at most ``batch_size`` nodes, never all nodes of a function of the DC at once."""
    nodes = topology['hosts']
    dc = nodes[hosts[0]]['dc']
    total = {}
    for host in topology['datacenters'][dc]['workers'] + topology['datacenters'][dc]['managers']:
        total[_function(nodes[host])] = total.get(_function(nodes[host]), 0) + 1
    batches, current, warnings = [], [], []
    for host in sorted(hosts, key=lambda h: (FUNCTION_ORDER.index(_function(nodes[h])), h)):
        function = _function(nodes[host])
        if total[function] == 1:
            warnings.append('%s: %s is the only %s of %s; the DC has no %s while it restarts'
                            % (dc, host, function, dc, function))
            if current:
                batches.append(current)
            batches.append([host])
            current = []
            continue
        same = [h for h in current if _function(nodes[h]) == function]
        if len(current) >= batch_size or len(same) + 1 >= total[function]:
            if current:
                batches.append(current)
            current = []
        current.append(host)
    if current:
        batches.append(current)
    return batches, warnings


def restart_plan(states, topology):
    """What the APIM nodes need, from their ``states``: host -> ``{active, pending}``.

    Returns ``{start, batches, order, warnings}``:

    - ``start``: nodes whose unit does not run; they start at once (they serve
      nothing, and start with every file as it is now);
    - ``batches``: the running nodes with a pending restart, as
      ``[{dc, hosts, put_back_first, put_back_after, pause_after}]`` in the
      order they restart. Rolling: DC by
      DC in ``rolling.dc_order``, inside a DC workers before managers, at most
      ``rolling.batch_size`` at a time and never every node of a function of
      the DC at once (a function with one node in the DC restarts alone, with
      a warning). The batch before it in its DC goes back into the load
      balancer in the same reload that drains it (``put_back_first``); the
      last batch of a DC goes back on its own once healthy
      (``put_back_after``); ``pause_after`` is the pause before the next DC.
      Not rolling: one batch of every such node;
    - ``order``: every node of ``batches``, in order;
    - ``warnings``: one line per DC that loses a function while a node restarts.
    """
    rolling = topology['rolling']
    nodes = topology['hosts']
    unknown = sorted(h for h in states if h not in nodes or _function(nodes[h]) is None)
    if unknown:
        raise ValueError('not APIM nodes of the topology: %s' % ', '.join(unknown))
    start = sorted(h for h, state in states.items() if not state['active'])
    due = [h for h, state in states.items() if state['active'] and state['pending']]
    batches, warnings = [], []
    if not rolling['enabled']:
        if due:
            order = dict((dc, index) for index, dc in enumerate(rolling['dc_order']))
            batches.append({'dc': None, 'hosts': sorted(due, key=lambda h: (order[nodes[h]['dc']], h)),
                            'put_back_first': [], 'put_back_after': True, 'pause_after': 0})
    else:
        dcs = [dc for dc in rolling['dc_order'] if any(nodes[h]['dc'] == dc for h in due)]
        for position, dc in enumerate(dcs):
            dc_batches, dc_warnings = _dc_batches([h for h in due if nodes[h]['dc'] == dc], topology,
                                                  rolling['batch_size'])
            warnings.extend(dc_warnings)
            for index, hosts in enumerate(dc_batches):
                last_of_dc = index == len(dc_batches) - 1
                batches.append({'dc': dc, 'hosts': hosts,
                                'put_back_first': dc_batches[index - 1] if index else [],
                                'put_back_after': last_of_dc,
                                'pause_after': rolling['dc_pause'] if last_of_dc and position < len(dcs) - 1 else 0})
    return {'start': start, 'batches': batches, 'order': [h for b in batches for h in b['hosts']],
            'warnings': warnings}
