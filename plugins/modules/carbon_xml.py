#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: carbon_xml
short_description: Manage host names, port offset and deployment synchronization in a Carbon carbon.xml
version_added: 0.1.0
description:
  - Edits C(repository/conf/carbon.xml) of a WSO2 Carbon 4.x product (API Manager 1.9 to 2.6) in place,
    byte-faithfully, with one parse and one write.
  - Options that are not given are left alone.
  - With O(state=query) it only reads the file and returns the current values of what it manages (RV(values)),
    through the same engine and path rules as an edit (comments never count).
  - C(HostName) and C(MgtHostName) are commented out in a stock file; they are created right after their
    commented-out templates. In APIM 1.9 the C(DeploymentSynchronizer) block is commented out too and is created
    after its (SVN) template.
author:
  - multidc.apim developers (@multidc)
options:
  state:
    description:
      - V(present) applies the options given.
      - V(query) reads and reports the current values; no other option may be given, and nothing is written.
    type: str
    choices: [present, query]
    default: present
  hostname:
    description: Value of C(/Server/HostName), the host name the server advertises.
    type: str
  mgt_hostname:
    description: Value of C(/Server/MgtHostName), the host name of the management console.
    type: str
  ports_offset:
    description: Value of C(/Server/Ports/Offset), added to every port the server opens.
    type: int
  deployment_update_interval:
    description: Value of C(/Server/Axis2Config/DeploymentUpdateInterval), in seconds.
    type: int
  deployment_synchronizer:
    description:
      - The C(/Server/DeploymentSynchronizer) block. Sub-options that are not given are left alone.
      - Exactly one manager of the whole deployment should have O(deployment_synchronizer.auto_commit=true).
    type: dict
    suboptions:
      enabled:
        description: C(Enabled).
        type: bool
      auto_commit:
        description: C(AutoCommit); true only on the node that commits artifacts to SVN.
        type: bool
      auto_checkout:
        description: C(AutoCheckout).
        type: bool
      repository_type:
        description: C(RepositoryType).
        type: str
        choices: [svn, registry]
      svn_url:
        description: C(SvnUrl); an http, https, svn, svn+ssh or file URL.
        type: str
      svn_user:
        description: C(SvnUser).
        type: str
      svn_password:
        description: C(SvnPassword). Masked in the diff.
        type: str
      svn_url_append_tenant_id:
        description: C(SvnUrlAppendTenantId).
        type: bool
extends_documentation_fragment:
  - ansible.builtin.files
  - multidc.apim.xml_file
  - multidc.apim.xml_file.attributes
seealso:
  - module: multidc.apim.xml_settings
'''

EXAMPLES = r'''
- name: Configure the depsync committer in the master DC
  multidc.apim.carbon_xml:
    path: /opt/wso2am-2.6.0/repository/conf/carbon.xml
    hostname: apim.dc1.example.com
    mgt_hostname: mgt.dc1.example.com
    ports_offset: 0
    deployment_update_interval: 15
    deployment_synchronizer:
      enabled: true
      auto_commit: true
      auto_checkout: true
      repository_type: svn
      svn_url: http://svn.dc1.example.com/repos/apim/
      svn_user: depsync
      svn_password: "{{ vault_depsync_password }}"
      svn_url_append_tenant_id: true

- name: Read the deployment synchronizer settings of a node
  multidc.apim.carbon_xml:
    path: /opt/wso2/wso2am/repository/conf/carbon.xml
    state: query
  register: carbon

- name: Only the committer commits
  ansible.builtin.assert:
    that: carbon.values.deployment_synchronizer.auto_commit == ansible_facts.apim_topology.hosts[inventory_hostname].depsync_committer
'''

RETURN = r'''
path:
  description: The file that was edited.
  returned: always
  type: str
  sample: /opt/wso2am-2.6.0/repository/conf/carbon.xml
changes:
  description: What changed in the document, in order (secret values masked). Empty when nothing changed.
  returned: always
  type: list
  elements: str
  sample: ["set /Server/Ports/Offset (line 127) to '2'"]
values:
  description:
    - With O(state=query), the current value of each option (V(null) where the element is absent), the port offset
      and update interval as numbers, the synchronizer's flags as booleans. The SVN password is never returned.
    - Its C(deployment_synchronizer) is V(null) when the file has no (uncommented) C(DeploymentSynchronizer) block.
  returned: when O(state=query)
  type: dict
  sample:
    hostname: apim.dc1.example.com
    mgt_hostname: null
    ports_offset: 0
    deployment_update_interval: 15
    deployment_synchronizer:
      enabled: true
      auto_commit: false
      auto_checkout: true
      repository_type: svn
      svn_url: http://svn.dc1.example.com/svn/apim
      svn_user: depsync
      svn_url_append_tenant_id: true
backup_file:
  description: Name of the backup file.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /opt/wso2am-2.6.0/repository/conf/carbon.xml.12345.2026-01-01@10:00:00~
'''

import re

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine import Edit
from ansible_collections.multidc.apim.plugins.module_utils.xml_file_common import element_text, run_module

ROOT = '/Server'
DEPSYNC = ROOT + '/DeploymentSynchronizer'
# option -> element, in the order a new block lists them
DEPSYNC_FIELDS = (
    ('enabled', 'Enabled'),
    ('auto_commit', 'AutoCommit'),
    ('auto_checkout', 'AutoCheckout'),
    ('repository_type', 'RepositoryType'),
    ('svn_url', 'SvnUrl'),
    ('svn_user', 'SvnUser'),
    ('svn_password', 'SvnPassword'),
    ('svn_url_append_tenant_id', 'SvnUrlAppendTenantId'),
)
DEPSYNC_TYPES = dict(enabled='bool', auto_commit='bool', auto_checkout='bool', repository_type='str', svn_url='str',
                     svn_user='str', svn_url_append_tenant_id='bool')
_HOST_RE = re.compile(r'^[A-Za-z0-9_.\-:\[\]${}]+$')
_SVN_URL_RE = re.compile(r'^(https?|svn|svn\+ssh|file)://\S+$')


def _hostname(value, option):
    if not _HOST_RE.match(value):
        raise ValueError('%s: %r is not a host name' % (option, value))
    return value


def build_edits(params):
    edits = []
    if params['hostname'] is not None:
        edits.append(Edit.value_of(ROOT + '/HostName', _hostname(params['hostname'], 'hostname')))
    if params['mgt_hostname'] is not None:
        edits.append(Edit.value_of(ROOT + '/MgtHostName', _hostname(params['mgt_hostname'], 'mgt_hostname')))
    if params['ports_offset'] is not None:
        if not 0 <= params['ports_offset'] <= 50000:
            raise ValueError('ports_offset must be between 0 and 50000, got %d' % params['ports_offset'])
        edits.append(Edit.value_of(ROOT + '/Ports/Offset', params['ports_offset']))
    if params['deployment_update_interval'] is not None:
        if params['deployment_update_interval'] < 1:
            raise ValueError('deployment_update_interval must be at least 1 second')
        edits.append(Edit.value_of(ROOT + '/Axis2Config/DeploymentUpdateInterval', params['deployment_update_interval']))
    depsync = params['deployment_synchronizer']
    if depsync:
        url = depsync.get('svn_url')
        if url is not None and not _SVN_URL_RE.match(url):
            raise ValueError('deployment_synchronizer.svn_url: %r is not an http, https, svn, svn+ssh or file URL' % url)
        for option, element in DEPSYNC_FIELDS:
            if depsync.get(option) is not None:
                edits.append(Edit.value_of('%s/%s' % (DEPSYNC, element), depsync[option], secret=option == 'svn_password'))
    return edits


def _typed(text, kind):
    if text is None:
        return None
    if kind == 'bool':
        return text.lower() == 'true'
    if kind == 'int':
        try:
            return int(text)
        except ValueError:
            raise ValueError('%r is not a whole number' % text)
    return text


def read_values(doc):
    """The settings this module manages, as the file has them now (the SVN password never)."""
    values = dict(
        hostname=element_text(doc, ROOT + '/HostName'),
        mgt_hostname=element_text(doc, ROOT + '/MgtHostName'),
        ports_offset=_typed(element_text(doc, ROOT + '/Ports/Offset'), 'int'),
        deployment_update_interval=_typed(element_text(doc, ROOT + '/Axis2Config/DeploymentUpdateInterval'), 'int'),
        deployment_synchronizer=None,
    )
    if doc.find(DEPSYNC):
        values['deployment_synchronizer'] = dict(
            (option, _typed(element_text(doc, '%s/%s' % (DEPSYNC, element)), DEPSYNC_TYPES[option]))
            for option, element in DEPSYNC_FIELDS if option != 'svn_password')
    return values


def main():
    run_module(
        dict(
            hostname=dict(type='str'),
            mgt_hostname=dict(type='str'),
            ports_offset=dict(type='int'),
            deployment_update_interval=dict(type='int'),
            deployment_synchronizer=dict(
                type='dict',
                options=dict(
                    enabled=dict(type='bool'),
                    auto_commit=dict(type='bool'),
                    auto_checkout=dict(type='bool'),
                    repository_type=dict(type='str', choices=['svn', 'registry']),
                    svn_url=dict(type='str'),
                    svn_user=dict(type='str'),
                    svn_password=dict(type='str', no_log=True),
                    svn_url_append_tenant_id=dict(type='bool'),
                ),
            ),
        ),
        build_edits,
        read_values=read_values,
    )


if __name__ == '__main__':
    main()
