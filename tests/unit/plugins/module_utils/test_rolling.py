"""The order and batches of APIM restarts (plugins/module_utils/rolling.py), as tables."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.multidc.apim.plugins.module_utils.rolling import restart_plan

LAYOUT = {'dc1': {'managers': ['dc1-mgr1', 'dc1-mgr2'], 'workers': ['dc1-wkr1', 'dc1-wkr2', 'dc1-wkr3']},
          'dc2': {'managers': ['dc2-mgr1'], 'workers': ['dc2-wkr1', 'dc2-wkr2']},
          'dc3': {'managers': ['dc3-mgr1', 'dc3-mgr2'], 'workers': ['dc3-wkr1', 'dc3-wkr2']}}


def topology(enabled=True, batch_size=1, dc_order=('dc2', 'dc3', 'dc1'), dc_pause=0):
    hosts = {}
    for dc, layout in LAYOUT.items():
        for function in ('manager', 'worker'):
            for host in layout[function + 's']:
                hosts[host] = {'dc': dc, 'functions': [function]}
    return {'hosts': hosts, 'datacenters': LAYOUT,
            'rolling': {'enabled': enabled, 'batch_size': batch_size, 'dc_order': list(dc_order),
                        'dc_pause': dc_pause}}


def states(pending=(), inactive=(), others_active=True):
    result = dict((h, {'active': others_active, 'pending': False}) for h in topology()['hosts'])
    for host in pending:
        result[host]['pending'] = True
    for host in inactive:
        result[host]['active'] = False
    return result


ALL = sorted(topology()['hosts'])


@pytest.mark.parametrize('given, kwargs, batches', [
    (states(), {}, []),
    (states(['dc1-mgr1']), {}, [['dc1-mgr1']]),
    (states(ALL), {}, [['dc2-wkr1'], ['dc2-wkr2'], ['dc2-mgr1'],
                       ['dc3-wkr1'], ['dc3-wkr2'], ['dc3-mgr1'], ['dc3-mgr2'],
                       ['dc1-wkr1'], ['dc1-wkr2'], ['dc1-wkr3'], ['dc1-mgr1'], ['dc1-mgr2']]),
    (states(ALL), {'batch_size': 2}, [['dc2-wkr1'], ['dc2-wkr2'], ['dc2-mgr1'],
                                      ['dc3-wkr1'], ['dc3-wkr2', 'dc3-mgr1'], ['dc3-mgr2'],
                                      ['dc1-wkr1', 'dc1-wkr2'], ['dc1-wkr3', 'dc1-mgr1'], ['dc1-mgr2']]),
    (states(ALL), {'batch_size': 10}, [['dc2-wkr1'], ['dc2-wkr2'], ['dc2-mgr1'],
                                       ['dc3-wkr1'], ['dc3-wkr2', 'dc3-mgr1'], ['dc3-mgr2'],
                                       ['dc1-wkr1', 'dc1-wkr2'], ['dc1-wkr3', 'dc1-mgr1'], ['dc1-mgr2']]),
    (states(['dc1-wkr1', 'dc3-mgr2', 'dc2-wkr2']), {'dc_order': ['dc1', 'dc3', 'dc2']},
     [['dc1-wkr1'], ['dc3-mgr2'], ['dc2-wkr2']]),
    (states(ALL), {'enabled': False}, [['dc2-mgr1', 'dc2-wkr1', 'dc2-wkr2',
                                        'dc3-mgr1', 'dc3-mgr2', 'dc3-wkr1', 'dc3-wkr2',
                                        'dc1-mgr1', 'dc1-mgr2', 'dc1-wkr1', 'dc1-wkr2', 'dc1-wkr3']]),
    (states(ALL, inactive=['dc2-wkr1', 'dc1-mgr1']), {}, [['dc2-wkr2'], ['dc2-mgr1'],
                                                          ['dc3-wkr1'], ['dc3-wkr2'], ['dc3-mgr1'], ['dc3-mgr2'],
                                                          ['dc1-wkr1'], ['dc1-wkr2'], ['dc1-wkr3'], ['dc1-mgr2']]),
], ids=['nothing-pending', 'one-node', 'all-one-by-one', 'batches-of-two', 'big-batches-keep-one-serving',
        'dc-order-overridden', 'not-rolling', 'stopped-nodes-just-start'])
def test_restart_plan_batches(given, kwargs, batches):
    plan = restart_plan(given, topology(dc_order=kwargs.pop('dc_order', ('dc2', 'dc3', 'dc1')), **kwargs))
    assert [b['hosts'] for b in plan['batches']] == batches
    assert plan['order'] == [h for b in batches for h in b]


def test_no_batch_holds_every_node_of_a_function_of_its_dc():
    for size in range(1, 8):
        plan = restart_plan(states(ALL), topology(batch_size=size))
        for batch in plan['batches']:
            assert len(batch['hosts']) <= size
            dc = LAYOUT[batch['dc']]
            for function in ('managers', 'workers'):
                members = [h for h in batch['hosts'] if h in dc[function]]
                assert len(dc[function]) == 1 or len(members) < len(dc[function]), (size, batch)


def test_stopped_nodes_start_and_a_lone_node_is_named():
    plan = restart_plan(states(['dc2-mgr1'], inactive=['dc1-wkr3']), topology())
    assert plan['start'] == ['dc1-wkr3']
    assert plan['warnings'] == ['dc2: dc2-mgr1 is the only manager of dc2; the DC has no manager while it restarts']


def test_the_pause_comes_between_dcs_only():
    plan = restart_plan(states(['dc2-wkr1', 'dc2-wkr2', 'dc3-wkr1', 'dc1-mgr1']), topology(dc_pause=30))
    assert [(b['hosts'], b['pause_after']) for b in plan['batches']] == [
        (['dc2-wkr1'], 0), (['dc2-wkr2'], 30), (['dc3-wkr1'], 30), (['dc1-mgr1'], 0)]


def test_each_batch_puts_back_the_one_before_it_in_its_dc_and_the_last_of_a_dc_goes_back_alone():
    plan = restart_plan(states(['dc2-wkr1', 'dc2-wkr2', 'dc2-mgr1', 'dc3-wkr1', 'dc1-wkr1', 'dc1-wkr2']), topology())
    assert [(b['hosts'], b['put_back_first'], b['put_back_after']) for b in plan['batches']] == [
        (['dc2-wkr1'], [], False), (['dc2-wkr2'], ['dc2-wkr1'], False), (['dc2-mgr1'], ['dc2-wkr2'], True),
        (['dc3-wkr1'], [], True),
        (['dc1-wkr1'], [], False), (['dc1-wkr2'], ['dc1-wkr1'], True)]
    every = restart_plan(states(ALL), topology(enabled=False))['batches']
    assert [(b['put_back_first'], b['put_back_after']) for b in every] == [([], True)]


def test_unknown_nodes_are_refused():
    with pytest.raises(ValueError, match='not APIM nodes of the topology: ghost'):
        restart_plan({'ghost': {'active': True, 'pending': True}}, topology())
