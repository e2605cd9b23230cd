"""Marking nginx upstream servers down and up (plugins/module_utils/nginx_upstreams.py)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.multidc.apim.plugins.module_utils.nginx_upstreams import (
    mark_servers,
    nginx_worker_pids,
    parse_record,
    render_record,
)

UPSTREAMS = """upstream apim_gateway {
    hash $multidc_lb_affinity_key consistent;
    server dc2-wkr1:9763 max_fails=1 fail_timeout=10s;
    server dc2-wkr10:9763 max_fails=1 fail_timeout=10s;
    server dc2-wkr2:9763 max_fails=1 fail_timeout=10s down;
    keepalive 16;
}
upstream apim_gateway_http {
    server dc2-wkr1:8280;  # comment kept
}
"""


@pytest.mark.parametrize('addresses, down, changed_lines, found', [
    (['dc2-wkr1'], True, ['    server dc2-wkr1:9763 max_fails=1 fail_timeout=10s down;',
                          '    server dc2-wkr1:8280 down;  # comment kept'], ['dc2-wkr1']),
    (['dc2-wkr2'], False, ['    server dc2-wkr2:9763 max_fails=1 fail_timeout=10s;'], ['dc2-wkr2']),
    (['dc2-wkr2'], True, [], ['dc2-wkr2']),
    (['nobody'], True, [], []),
], ids=['drain', 'put-back', 'already-down', 'unknown-address'])
def test_mark_servers(addresses, down, changed_lines, found):
    text, seen = mark_servers(UPSTREAMS, addresses, down)
    assert seen == found
    changed = [line for line in text.splitlines() if line not in UPSTREAMS.splitlines()]
    assert changed == changed_lines
    assert len(text.splitlines()) == len(UPSTREAMS.splitlines())
    # The prefix dc2-wkr1 never touches dc2-wkr10.
    assert '    server dc2-wkr10:9763 max_fails=1 fail_timeout=10s;' in text


def test_mark_servers_round_trip_is_byte_identical():
    drained, dummy = mark_servers(UPSTREAMS, ['dc2-wkr1'], True)
    back, dummy = mark_servers(drained, ['dc2-wkr1'], False)
    assert back == UPSTREAMS


def test_record():
    assert parse_record('b\n\na\n a \n') == ['a', 'b']
    assert parse_record(None) == []
    assert render_record(['b', 'a', 'b']) == 'a\nb\n'


def test_nginx_worker_pids_are_the_processes_titled_worker(tmp_path):
    titles = {
        '10': b'nginx: master process /usr/sbin/nginx -g daemon on;\x00',
        '11': b'nginx: worker process\x00',
        '12': b'nginx: worker process is shutting down\x00',
        '13': b'python3\x00-c\x00nginx: worker process\x00',
        'self': b'nginx: worker process\x00',
    }
    for pid, title in titles.items():
        (tmp_path / pid).mkdir()
        (tmp_path / pid / 'cmdline').write_bytes(title)
    (tmp_path / '14').mkdir()  # a process that exited while the list was read: no cmdline
    assert nginx_worker_pids(str(tmp_path)) == {11, 12}
