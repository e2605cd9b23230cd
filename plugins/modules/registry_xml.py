#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: registry_xml
short_description: Manage database configs, remote instances and mounts in a Carbon registry.xml
version_added: 0.1.0
description:
  - Edits C(repository/conf/registry.xml) (WSO2 API Manager 1.9 to 2.6) in place, byte-faithfully,
    with one parse and one write. CRLF line ends of the stock file are kept.
  - C(dbConfig) entries are keyed by name, C(remoteInstance) entries by id, C(mount) entries by path.
    Each item has its own O(db_configs[].state); items that are not listed are left alone.
  - New entries are placed after the last entry of the same kind, or else after the commented-out
    template of that kind.
author:
  - multidc.apim developers (@multidc)
options:
  db_configs:
    description: C(<dbConfig name="...">) entries.
    type: list
    elements: dict
    suboptions:
      name:
        description: The C(name) attribute, the key.
        type: str
        required: true
      data_source:
        description: C(dataSource), the JNDI name of a datasource of C(master-datasources.xml).
        type: str
      state:
        description: Whether the entry exists.
        type: str
        choices: [present, absent]
        default: present
  remote_instances:
    description: C(<remoteInstance url="...">) entries (JDBC based remote registries).
    type: list
    elements: dict
    suboptions:
      id:
        description: The C(id) child, the key.
        type: str
        required: true
      url:
        description: The C(url) attribute.
        type: str
      db_config:
        description: C(dbConfig), the name of a O(db_configs) entry.
        type: str
      read_only:
        description: C(readOnly).
        type: bool
      enable_cache:
        description: C(enableCache).
        type: bool
      registry_root:
        description: C(registryRoot).
        type: str
      cache_id:
        description: C(cacheId).
        type: str
      state:
        description: Whether the entry exists.
        type: str
        choices: [present, absent]
        default: present
  mounts:
    description: C(<mount path="...">) entries.
    type: list
    elements: dict
    suboptions:
      path:
        description: The C(path) attribute, the key, for example V(/_system/governance).
        type: str
        required: true
      overwrite:
        description: The C(overwrite) attribute.
        type: str
        choices: ['true', 'false', 'virtual']
      instance_id:
        description: C(instanceId), the id of a O(remote_instances) entry.
        type: str
      target_path:
        description: C(targetPath).
        type: str
      state:
        description: Whether the entry exists.
        type: str
        choices: [present, absent]
        default: present
extends_documentation_fragment:
  - ansible.builtin.files
  - multidc.apim.xml_file
  - multidc.apim.xml_file.attributes
seealso:
  - module: multidc.apim.xml_settings
  - module: multidc.apim.master_datasources
'''

EXAMPLES = r'''
- name: Mount the shared governance registry
  multidc.apim.registry_xml:
    path: /opt/wso2am-2.6.0/repository/conf/registry.xml
    db_configs:
      - name: govregistry
        data_source: jdbc/WSO2REG_DB
    remote_instances:
      - id: gov
        url: https://localhost:9443/registry
        db_config: govregistry
        read_only: false
        enable_cache: true
        registry_root: /
        cache_id: regadmin@jdbc:mysql://db.dc1.example.com:3306/regdb
    mounts:
      - path: /_system/governance
        overwrite: 'true'
        instance_id: gov
        target_path: /_system/governance
      - path: /_system/config
        state: absent
'''

RETURN = r'''
path:
  description: The file that was edited.
  returned: always
  type: str
  sample: /opt/wso2am-2.6.0/repository/conf/registry.xml
changes:
  description: What changed in the document, in order. Empty when nothing changed.
  returned: always
  type: list
  elements: str
  sample: ["created /wso2registry/mount", "set /wso2registry/mount/instanceId to 'gov'"]
backup_file:
  description: Name of the backup file.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /opt/wso2am-2.6.0/repository/conf/registry.xml.12345.2026-01-01@10:00:00~
'''

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine import Edit, xpath_literal
from ansible_collections.multidc.apim.plugins.module_utils.xml_file_common import run_module

ROOT = '/wso2registry'

# kind option -> (element, key option, key field, [(option, field), ...] in document order)
KINDS = (
    ('db_configs', 'dbConfig', 'name', '@name', (('data_source', 'dataSource'),)),
    ('remote_instances', 'remoteInstance', 'id', 'id', (
        ('url', '@url'),
        ('db_config', 'dbConfig'),
        ('read_only', 'readOnly'),
        ('enable_cache', 'enableCache'),
        ('registry_root', 'registryRoot'),
        ('cache_id', 'cacheId'),
    )),
    ('mounts', 'mount', 'path', '@path', (
        ('overwrite', '@overwrite'),
        ('instance_id', 'instanceId'),
        ('target_path', 'targetPath'),
    )),
)


def build_edits(params):
    edits = []
    for option, tag, key_option, key_field, fields in KINDS:
        entries = params[option] or []
        keys = [entry[key_option] for entry in entries]
        duplicates = sorted(set(k for k in keys if keys.count(k) > 1))
        if duplicates:
            raise ValueError('%s: %s listed more than once: %s' % (option, key_option, ', '.join(duplicates)))
        present = []
        for entry in entries:
            if entry['state'] == 'absent':
                predicate = '%s=%s' % (key_field, xpath_literal(entry[key_option]))
                edits.append(Edit.absent('%s/%s[%s]' % (ROOT, tag, predicate)))
                continue
            item = {key_field: entry[key_option]}
            for field_option, field in fields:
                if entry.get(field_option) is not None:
                    item[field] = entry[field_option]
            present.append(item)
        if present:
            edits.append(Edit.children_of(ROOT, tag, key_field, present))
    return edits


def _state():
    return dict(type='str', choices=['present', 'absent'], default='present')


def main():
    run_module(
        dict(
            db_configs=dict(
                type='list', elements='dict',
                options=dict(
                    name=dict(type='str', required=True),
                    data_source=dict(type='str'),
                    state=_state(),
                ),
            ),
            remote_instances=dict(
                type='list', elements='dict',
                options=dict(
                    id=dict(type='str', required=True),
                    url=dict(type='str'),
                    db_config=dict(type='str'),
                    read_only=dict(type='bool'),
                    enable_cache=dict(type='bool'),
                    registry_root=dict(type='str'),
                    cache_id=dict(type='str'),
                    state=_state(),
                ),
            ),
            mounts=dict(
                type='list', elements='dict',
                options=dict(
                    path=dict(type='str', required=True),
                    overwrite=dict(type='str', choices=['true', 'false', 'virtual']),
                    instance_id=dict(type='str'),
                    target_path=dict(type='str'),
                    state=_state(),
                ),
            ),
        ),
        build_edits,
    )


if __name__ == '__main__':
    main()
