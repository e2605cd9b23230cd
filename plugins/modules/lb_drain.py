#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: lb_drain
short_description: Take APIM nodes out of a DC's nginx load balancer, or put them back, with a graceful reload
version_added: 0.1.0
description:
  - Marks every C(server <address>:<port>) line of the given addresses in the upstreams file that the
    C(multidc.apim.nginx_lb) role installs C(down) (V(drained)) or up again (V(serving)). A drained node keeps its
    lines, so the affinity hashing of the other nodes does not move.
  - Keeps the drained addresses in a record file, which the C(multidc.apim.nginx_lb) role reads (V(query)) when it
    renders the upstreams, so that a converge keeps a node drained until a roll puts it back.
  - After a change it tests the whole configuration with C(nginx -t) and reloads nginx gracefully, so requests in
    flight finish on the drained node. If nginx rejects the configuration, the upstreams file is put back byte for
    byte and the module fails.
  - With O(wait), after draining it waits until the nginx workers from before the reload have exited, that is until
    every request in flight is done, for at most O(wait) seconds.
  - Does nothing where the upstreams file does not exist yet (a load balancer not deployed).
  - Where nginx is not running, it changes the files, reloads nothing and warns. No request goes through that load
    balancer then, so there is nothing to drain, and nginx reads the files when it starts.
  - Used by the rolling restarts of the internal role C(multidc.apim.common) (docs/rolling.md).
author:
  - multidc.apim developers (@multidc)
options:
  addresses:
    description: Addresses of the APIM nodes, as the topology gives them (C(hosts[node].address)).
    type: list
    elements: str
    default: []
  state:
    description:
      - V(drained) takes the addresses out, V(serving) puts them back, V(query) only reports the record.
    type: str
    choices: [drained, serving, query]
    default: query
  upstreams:
    description: The upstreams file of the C(multidc.apim.nginx_lb) role.
    type: path
    default: /etc/nginx/multidc-apim/upstreams.conf
  record:
    description: The file that keeps the drained addresses, one per line.
    type: path
    default: /var/lib/multidc-apim/nginx_lb/drained
  reload:
    description: Test the configuration and reload nginx gracefully after a change.
    type: bool
    default: true
  put_back:
    description:
      - With O(state=drained), addresses to put back in the same change and graceful reload, so that a roll moves
        from one batch to the next with one reload. They must not also be in O(addresses).
    type: list
    elements: str
    default: []
  wait:
    description:
      - With O(state=drained), the longest time in seconds to wait after the reload for the requests in flight to
        finish (the nginx workers from before the reload to exit). V(0) does not wait.
      - Requests that outlast it are cut when the node restarts; RV(in_flight_done) says whether they finished.
    type: float
    default: 0
attributes:
  check_mode:
    description: Reports what would change and writes, tests and reloads nothing.
    support: full
  diff_mode:
    description: Shows the upstreams file before and after.
    support: full
  idempotent:
    description: Draining a drained node, or putting back a serving one, changes nothing.
    support: full
  platform:
    description: Target OS families that can be operated against.
    platforms: posix
    support: full
seealso:
  - module: multidc.apim.topology
'''

EXAMPLES = r'''
- name: Drain mdc-dc2-wkr1 from the load balancer of dc2
  multidc.apim.lb_drain:
    addresses: [mdc-dc2-wkr1]
    state: drained
  delegate_to: mdc-dc2-lb

- name: Put mdc-dc2-wkr1 back and drain mdc-dc2-wkr2 in one reload
  multidc.apim.lb_drain:
    addresses: [mdc-dc2-wkr2]
    put_back: [mdc-dc2-wkr1]
    state: drained
    wait: 30
  delegate_to: mdc-dc2-lb
- name: Read the drained nodes
  multidc.apim.lb_drain:
    state: query
  register: drained
'''

RETURN = r'''
drained:
  description: The drained addresses after the change (before it, in check mode only as they would be).
  returned: always
  type: list
  elements: str
  sample: [mdc-dc2-wkr1]
found:
  description: The given addresses that have server lines in the upstreams file.
  returned: always
  type: list
  elements: str
  sample: [mdc-dc2-wkr1]
in_flight_done:
  description: Whether the requests in flight had finished when the module returned (the old nginx workers exited).
  returned: always
  type: bool
  sample: true
in_flight_seconds:
  description: How long the module waited for the requests in flight.
  returned: always
  type: float
  sample: 0.2
reloaded:
  description:
    - Whether nginx was reloaded. False when nothing changed, in check mode, with O(reload=false), and where nginx
      was not running.
  returned: when the state is drained or serving and the upstreams file exists
  type: bool
  sample: true
'''

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

from ansible_collections.multidc.apim.plugins.module_utils.nginx_upstreams import (
    mark_servers,
    nginx_worker_pids,
    parse_record,
    render_record,
)


def _read(path):
    if not os.path.exists(path):
        return None
    with open(path, 'rb') as handle:
        return to_text(handle.read(), errors='surrogate_or_strict')


def _write(module, path, text, mode):
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    temporary = path + '.multidc-apim.tmp'
    with open(temporary, 'wb') as handle:
        handle.write(to_bytes(text, errors='surrogate_or_strict'))
    os.chmod(temporary, mode)
    module.atomic_move(temporary, path)


def _wait_for_requests_in_flight(old_workers, limit):
    started = time.monotonic()
    while old_workers & nginx_worker_pids():
        if time.monotonic() - started >= limit:
            return dict(in_flight_done=False, in_flight_seconds=round(time.monotonic() - started, 2))
        time.sleep(0.1)
    return dict(in_flight_done=True, in_flight_seconds=round(time.monotonic() - started, 2))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            addresses=dict(type='list', elements='str', default=[]),
            state=dict(type='str', choices=['drained', 'serving', 'query'], default='query'),
            upstreams=dict(type='path', default='/etc/nginx/multidc-apim/upstreams.conf'),
            record=dict(type='path', default='/var/lib/multidc-apim/nginx_lb/drained'),
            reload=dict(type='bool', default=True),
            put_back=dict(type='list', elements='str', default=[]),
            wait=dict(type='float', default=0),
        ),
        supports_check_mode=True,
    )
    params = module.params
    before = parse_record(_read(params['record']))
    if params['state'] == 'query':
        module.exit_json(changed=False, drained=before, found=[], in_flight_done=True, in_flight_seconds=0.0)
    upstreams = _read(params['upstreams'])
    if upstreams is None:
        module.exit_json(changed=False, drained=before, found=[], in_flight_done=True, in_flight_seconds=0.0,
                         msg='no %s: this load balancer is not deployed yet' % params['upstreams'])
    down = params['state'] == 'drained'
    put_back = params['put_back'] if down else []
    both = sorted(set(put_back) & set(params['addresses']))
    if both:
        module.fail_json(msg='addresses to drain and to put back at once: %s' % ', '.join(both))
    if down:
        after = sorted((set(before) | set(params['addresses'])) - set(put_back))
    else:
        after = sorted(set(before) - set(params['addresses']))
    text, found = mark_servers(upstreams, params['addresses'], down)
    text = mark_servers(text, put_back, False)[0]
    changed = text != upstreams or after != before
    result = dict(changed=changed, drained=after, found=found, in_flight_done=True, in_flight_seconds=0.0,
                  reloaded=False)
    if module._diff:
        result['diff'] = dict(before=upstreams, after=text, before_header=params['upstreams'],
                              after_header=params['upstreams'])
    if module.check_mode or not changed:
        module.exit_json(**result)
    if after != before:
        _write(module, params['record'], render_record(after), 0o644)
    if text != upstreams:
        mode = os.stat(params['upstreams']).st_mode & 0o7777
        _write(module, params['upstreams'], text, mode)
        if params['reload']:
            rc, out, err = module.run_command(['nginx', '-t', '-q'])
            if rc != 0:
                _write(module, params['upstreams'], upstreams, mode)
                _write(module, params['record'], render_record(before), 0o644)
                module.fail_json(msg='nginx -t rejected the configuration with %s %s; the upstreams file was put back: '
                                     '%s' % (params['state'], ', '.join(params['addresses']), to_native(err or out)))
            if module.run_command(['systemctl', 'is-active', '--quiet', 'nginx'])[0] != 0:
                # A DC back from an outage may boot its load balancer before the nodes its upstreams name.
                module.warn('nginx is not running here: no request goes through it, so there is nothing to drain '
                            'and nothing to reload; it reads the changed upstreams file when it starts')
                module.exit_json(**result)
            serving_before = nginx_worker_pids()
            rc, out, err = module.run_command(['systemctl', 'reload', 'nginx'])
            if rc != 0:
                module.fail_json(msg='reloading nginx failed: %s' % to_native(err or out), **result)
            result['reloaded'] = True
            if down and params['wait'] > 0:
                result.update(_wait_for_requests_in_flight(serving_before, params['wait']))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
