#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: publisher_deployment
short_description: Report, park or restore the API Publisher applications of a WSO2 API Manager node
version_added: 0.1.0
description:
  - Covers the publisher Jaggery application (C(repository/deployment/server/jaggeryapps/publisher)) and,
    on API Manager 2.x, the publisher REST web applications
    (C(repository/deployment/server/webapps/api#am#publisher#v0.1x.war) and their exploded directories).
  - V(absent) moves every deployed publisher application into a parking directory outside the
    deployment directory, so the server undeploys it. V(present) moves parked applications back.
    Nothing is ever deleted; a parked copy that is in the way is renamed with a timestamp suffix.
  - V(query) only reports.
author:
  - multidc.apim developers (@multidc)
options:
  carbon_home:
    description: The API Manager installation directory (C(CARBON_HOME)).
    type: path
    required: true
  state:
    description:
      - V(present) restores parked publisher applications; it fails if no publisher application is
        deployed or parked.
      - V(absent) parks every deployed publisher application.
      - V(query) reports without changing anything.
    type: str
    choices: [present, absent, query]
    default: query
  park_dir:
    description:
      - Where parked applications are kept. Must not be inside C(repository/deployment/server).
      - Defaults to C(<carbon_home>/repository/deployment/parked/publisher).
    type: path
attributes:
  check_mode:
    description: Can run in check mode and report what would move without moving anything.
    support: full
  diff_mode:
    description: Returns the list of deployed publisher applications before and after.
    support: full
  idempotent:
    description: Running the task again reports no change.
    support: full
  platform:
    description: Target OS families that can be operated against.
    platforms: posix
    support: full
notes:
  - Applications are moved with a rename, so the park directory should be on the same file system as
    C(carbon_home) (the default is).
seealso:
  - module: multidc.apim.carbon_xml
'''

EXAMPLES = r'''
# ansible_facts.apim_topology is set by playbooks/preflight.yml; each host's
# entry says whether the topology enables the publisher on it.
- name: Park the publisher where the topology does not enable it (restorable)
  multidc.apim.publisher_deployment:
    carbon_home: /opt/wso2/wso2am
    state: "{{ 'present' if ansible_facts.apim_topology.hosts[inventory_hostname].publisher_enabled else 'absent' }}"

- name: Check where the publisher runs
  multidc.apim.publisher_deployment:
    carbon_home: /opt/wso2/wso2am
    state: query
  register: publisher

- name: Assert the publisher is deployed exactly where the topology enables it
  ansible.builtin.assert:
    that: publisher.deployed == ansible_facts.apim_topology.hosts[inventory_hostname].publisher_enabled
'''

RETURN = r'''
deployed:
  description: Whether any publisher application is deployed after the task (or would be, in check mode).
  returned: always
  type: bool
  sample: true
apps:
  description: Every publisher application found, deployed or parked, after the task.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Path of the application relative to C(repository/deployment/server).
      type: str
      sample: "webapps/api#am#publisher#v0.14.war"
    state:
      description: V(deployed) or V(parked).
      type: str
      sample: deployed
    path:
      description: Where the application is.
      type: str
      sample: "/opt/wso2am-2.6.0/repository/deployment/server/webapps/api#am#publisher#v0.14.war"
moved:
  description: The moves made (or that would be made in check mode), as C(source -> destination).
  returned: always
  type: list
  elements: str
  sample: ["/opt/wso2am/repository/deployment/server/jaggeryapps/publisher -> /opt/wso2am/repository/deployment/parked/publisher/jaggeryapps/publisher"]
park_dir:
  description: The parking directory used.
  returned: always
  type: str
  sample: /opt/wso2am-2.6.0/repository/deployment/parked/publisher
'''

import os
import re
import shutil
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native

DEPLOYMENT = os.path.join('repository', 'deployment', 'server')
JAGGERY_APP = os.path.join('jaggeryapps', 'publisher')
WEBAPP_DIR = 'webapps'
WEBAPP_RE = re.compile(r'^api#am#publisher(#v[0-9][0-9.]*)?(\.war)?$')


def _webapps(directory):
    if not os.path.isdir(directory):
        return []
    return sorted(os.path.join(WEBAPP_DIR, n) for n in os.listdir(directory) if WEBAPP_RE.match(n))


def _app_names(root):
    """Publisher applications under ``root`` (a deployment directory or the park directory)."""
    names = [JAGGERY_APP] if os.path.lexists(os.path.join(root, JAGGERY_APP)) else []
    return names + _webapps(os.path.join(root, WEBAPP_DIR))


def survey(server_dir, park_dir):
    deployed = _app_names(server_dir)
    parked = [n for n in _app_names(park_dir) if n not in deployed]
    return deployed, parked


def end_state(state, deployed, parked):
    """``(deployed, parked)`` once ``state`` is reached: the one statement of the end state."""
    everything = sorted(set(deployed) | set(parked))
    if state == 'absent':
        return [], everything
    if state == 'present':
        if not everything:
            raise ValueError('nothing to restore (reinstall the pack)')
        return everything, []
    return list(deployed), list(parked)


def plan(state, server_dir, park_dir):
    """Moves ``[(source, destination, name)]`` that reach ``state``, and the end state ``(deployed, parked)``."""
    deployed, parked = survey(server_dir, park_dir)
    try:
        want_deployed, want_parked = end_state(state, deployed, parked)
    except ValueError as exc:
        raise ValueError('no publisher application is deployed under %s or parked under %s; %s'
                         % (server_dir, park_dir, exc))
    moves = [(os.path.join(server_dir, n), os.path.join(park_dir, n), n) for n in deployed if n in want_parked]
    moves += [(os.path.join(park_dir, n), os.path.join(server_dir, n), n) for n in parked if n in want_deployed]
    return moves, (want_deployed, want_parked)


def _move(source, destination):
    parent = os.path.dirname(destination)
    if not os.path.isdir(parent):
        os.makedirs(parent)
    if os.path.lexists(destination):
        # never destroy: an older parked copy is kept under a timestamped name
        os.rename(destination, '%s.%s' % (destination, time.strftime('%Y%m%d%H%M%S')))
    try:
        os.rename(source, destination)
    except OSError:
        shutil.move(source, destination)


def _apps(server_dir, park_dir, deployed, parked):
    apps = [dict(name=n, state='deployed', path=os.path.join(server_dir, n)) for n in deployed]
    return apps + [dict(name=n, state='parked', path=os.path.join(park_dir, n)) for n in parked]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            carbon_home=dict(type='path', required=True),
            state=dict(type='str', choices=['present', 'absent', 'query'], default='query'),
            park_dir=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    carbon_home = module.params['carbon_home']
    server_dir = os.path.join(carbon_home, DEPLOYMENT)
    park_dir = module.params['park_dir'] or os.path.join(carbon_home, 'repository', 'deployment', 'parked', 'publisher')
    if not os.path.isdir(server_dir):
        module.fail_json(msg='%s is not an API Manager installation: %s does not exist' % (carbon_home, server_dir))
    real_server = os.path.realpath(server_dir) + os.sep
    if (os.path.realpath(park_dir) + os.sep).startswith(real_server):
        module.fail_json(msg='park_dir %s is inside %s; the server would deploy parked applications' % (park_dir, server_dir))

    before, dummy = survey(server_dir, park_dir)
    try:
        moves, (after, parked) = plan(module.params['state'], server_dir, park_dir)
    except ValueError as exc:
        module.fail_json(msg=to_native(exc), park_dir=park_dir)

    done = []
    if not module.check_mode:
        for source, destination, dummy in moves:
            try:
                _move(source, destination)
            except (IOError, OSError) as exc:
                module.fail_json(msg='cannot move %s to %s: %s' % (source, destination, to_native(exc)), moved=done)
            done.append('%s -> %s' % (source, destination))
        after, parked = survey(server_dir, park_dir)

    result = dict(
        changed=bool(moves),
        deployed=bool(after),
        apps=_apps(server_dir, park_dir, after, parked),
        moved=['%s -> %s' % (s, d) for s, d, n in moves],
        park_dir=park_dir,
    )
    if module._diff:
        result['diff'] = dict(
            before=''.join('%s\n' % n for n in before),
            after=''.join('%s\n' % n for n in after),
            before_header='%s (deployed publisher applications)' % server_dir,
            after_header='%s (deployed publisher applications)' % server_dir,
        )
    module.exit_json(**result)


if __name__ == '__main__':
    main()
