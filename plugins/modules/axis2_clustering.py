#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: axis2_clustering
short_description: Manage Hazelcast clustering in a Carbon axis2.xml
version_added: 0.1.0
description:
  - Edits the C(<clustering>) block of C(repository/conf/axis2/axis2.xml) (WSO2 API Manager 1.9 to 2.6)
    in place, byte-faithfully, with one parse and one write.
  - Options that are not given are left alone. O(members), when given, is set exactly.
  - The multi-line attribute list of the C(<clustering>) start tag and the ISO-8859-1 declaration are kept.
author:
  - multidc.apim developers (@multidc)
options:
  enabled:
    description: The C(enable) attribute of C(<clustering>).
    type: bool
  membership_scheme:
    description: The C(membershipScheme) parameter.
    type: str
    choices: [wka, multicast, aws]
  domain:
    description:
      - The C(domain) parameter, the clustering domain. Give every data center its own domain.
    type: str
  local_member_host:
    description: The C(localMemberHost) parameter, the address this member advertises.
    type: str
  local_member_port:
    description: The C(localMemberPort) parameter.
    type: int
  sub_domain:
    description:
      - The C(subDomain) member property (in C(<parameter name="properties">)).
      - Shorthand for O(properties) key V(subDomain).
    type: str
    choices: [mgt, worker]
  properties:
    description:
      - Member properties, name to value, in C(<parameter name="properties">) (for example
        C(backendServerURL), C(mgtConsoleURL)). Properties that are not named are left alone.
    type: dict
  parameters:
    description:
      - Further C(<parameter name="...">) values of the clustering block, name to value
        (for example C(mcastPort), or C(accessKey) and C(region) for the V(aws) scheme).
    type: dict
  members:
    description:
      - The well-known members, set exactly; members that are not listed are removed.
      - Members are identified by host and port.
    type: list
    elements: dict
    suboptions:
      host:
        description: C(hostName) of the member.
        type: str
        required: true
      port:
        description: C(port) of the member.
        type: int
        required: true
extends_documentation_fragment:
  - ansible.builtin.files
  - multidc.apim.xml_file
  - multidc.apim.xml_file.attributes
seealso:
  - module: multidc.apim.xml_settings
'''

EXAMPLES = r'''
- name: Cluster the managers of DC1 with well-known members from DC1 only
  multidc.apim.axis2_clustering:
    path: /opt/wso2am-2.6.0/repository/conf/axis2/axis2.xml
    enabled: true
    membership_scheme: wka
    domain: wso2.apim.dc1.domain
    local_member_host: 10.1.0.11
    local_member_port: 4000
    sub_domain: mgt
    members:
      - {host: 10.1.0.11, port: 4000}
      - {host: 10.1.0.12, port: 4000}
'''

RETURN = r'''
path:
  description: The file that was edited.
  returned: always
  type: str
  sample: /opt/wso2am-2.6.0/repository/conf/axis2/axis2.xml
changes:
  description: What changed in the document, in order. Empty when nothing changed.
  returned: always
  type: list
  elements: str
  sample: ["set attribute enable of /axisconfig/clustering (line 657) to 'true'"]
backup_file:
  description: Name of the backup file.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /opt/wso2am-2.6.0/repository/conf/axis2/axis2.xml.12345.2026-01-01@10:00:00~
'''

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine import Edit, xpath_literal
from ansible_collections.multidc.apim.plugins.module_utils.xml_file_common import run_module

CLUSTERING = '/axisconfig/clustering'
PARAMETER_OPTIONS = (
    ('membership_scheme', 'membershipScheme'),
    ('domain', 'domain'),
    ('local_member_host', 'localMemberHost'),
    ('local_member_port', 'localMemberPort'),
)


def _parameter(name):
    return '%s/parameter[@name=%s]' % (CLUSTERING, xpath_literal(name))


def build_edits(params):
    edits = []
    if params['enabled'] is not None:
        edits.append(Edit.attributes_of(CLUSTERING, {'enable': params['enabled']}))
    parameters = dict(params['parameters'] or {})
    for option, name in PARAMETER_OPTIONS:
        if params[option] is None:
            continue
        if name in parameters:
            raise ValueError('parameter %s is given both as %s and in parameters' % (name, option))
        parameters[name] = params[option]
    if 'properties' in parameters or 'members' in parameters:
        raise ValueError('parameters cannot set "properties"; use the properties option')
    port = params['local_member_port']
    if port is not None and not 1 <= port <= 65535:
        raise ValueError('local_member_port must be between 1 and 65535, got %d' % port)
    for name, value in parameters.items():
        if isinstance(value, (dict, list)) or value is None:
            raise ValueError('parameters.%s must be a scalar' % name)
        edits.append(Edit.value_of(_parameter(name), value))

    properties = dict(params['properties'] or {})
    if params['sub_domain'] is not None:
        if properties.get('subDomain', params['sub_domain']) != params['sub_domain']:
            raise ValueError('sub_domain=%s contradicts properties.subDomain=%s' % (params['sub_domain'], properties['subDomain']))
        properties['subDomain'] = params['sub_domain']
    if properties:
        items = [{'@name': name, '@value': value} for name, value in properties.items()]
        edits.append(Edit.children_of(_parameter('properties'), 'property', '@name', items))

    if params['members'] is not None:
        seen = set()
        items = []
        for member in params['members']:
            if not 1 <= member['port'] <= 65535:
                raise ValueError('members: port %d of %s is out of range' % (member['port'], member['host']))
            key = (member['host'], member['port'])
            if key in seen:
                raise ValueError('members: %s:%d is listed twice' % key)
            seen.add(key)
            items.append({'hostName': member['host'], 'port': member['port']})
        edits.append(Edit.children_of(CLUSTERING + '/members', 'member', ['hostName', 'port'], items, exclusive=True))
    return edits


def main():
    run_module(
        dict(
            enabled=dict(type='bool'),
            membership_scheme=dict(type='str', choices=['wka', 'multicast', 'aws']),
            domain=dict(type='str'),
            local_member_host=dict(type='str'),
            local_member_port=dict(type='int'),
            sub_domain=dict(type='str', choices=['mgt', 'worker']),
            properties=dict(type='dict'),
            parameters=dict(type='dict'),
            members=dict(
                type='list', elements='dict',
                options=dict(
                    host=dict(type='str', required=True),
                    port=dict(type='int', required=True),
                ),
            ),
        ),
        build_edits,
    )


if __name__ == '__main__':
    main()
