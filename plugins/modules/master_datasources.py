#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: master_datasources
short_description: Manage RDBMS datasources in a Carbon master-datasources.xml
version_added: 0.1.0
description:
  - Edits C(repository/conf/datasources/master-datasources.xml) (WSO2 API Manager 1.9 to 2.6) in place,
    byte-faithfully, with one parse and one write.
  - Datasources are keyed by name. Fields that are not given are left alone; datasources that are not
    listed are left alone.
  - A missing datasource is created in the stock shape (C(name), C(description), C(jndiConfig/name),
    C(definition type="RDBMS")/C(configuration)), after the last datasource, or after a commented-out
    datasource of the same name.
author:
  - multidc.apim developers (@multidc)
options:
  datasources:
    description: The datasources to manage.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: C(name), the key, for example V(WSO2AM_DB).
        type: str
        required: true
      state:
        description: Whether the datasource exists.
        type: str
        choices: [present, absent]
        default: present
      description:
        description: C(description).
        type: str
      jndi_name:
        description: C(jndiConfig/name), for example V(jdbc/WSO2AM_DB).
        type: str
      url:
        description: JDBC C(url).
        type: str
      username:
        description: C(username).
        type: str
      password:
        description: C(password). Masked in the diff.
        type: str
      driver:
        description: C(driverClassName), for example V(com.mysql.jdbc.Driver).
        type: str
      validation_query:
        description: C(validationQuery).
        type: str
      max_active:
        description: Pool setting C(maxActive).
        type: int
      max_wait:
        description: Pool setting C(maxWait), in milliseconds.
        type: int
      min_idle:
        description: Pool setting C(minIdle).
        type: int
      max_idle:
        description: Pool setting C(maxIdle).
        type: int
      test_on_borrow:
        description: Pool setting C(testOnBorrow).
        type: bool
      validation_interval:
        description: Pool setting C(validationInterval), in milliseconds.
        type: int
      default_auto_commit:
        description: Pool setting C(defaultAutoCommit).
        type: bool
      configuration:
        description:
          - Further children of C(definition/configuration), element name to value
            (for example C(removeAbandoned), C(commitOnReturn)).
        type: dict
extends_documentation_fragment:
  - ansible.builtin.files
  - multidc.apim.xml_file
  - multidc.apim.xml_file.attributes
seealso:
  - module: multidc.apim.xml_settings
  - module: multidc.apim.registry_xml
'''

EXAMPLES = r'''
- name: Point the API-M and registry datasources at the DC-local MariaDB
  multidc.apim.master_datasources:
    path: /opt/wso2am-2.6.0/repository/conf/datasources/master-datasources.xml
    datasources:
      - name: WSO2AM_DB
        url: jdbc:mysql://db.dc1.example.com:3306/apimgtdb?autoReconnect=true
        username: apimuser
        password: "{{ vault_apim_db_password }}"
        driver: com.mysql.jdbc.Driver
        validation_query: SELECT 1
        max_active: 100
        test_on_borrow: true
      - name: WSO2REG_DB
        description: Shared governance registry
        jndi_name: jdbc/WSO2REG_DB
        url: jdbc:mysql://db.dc1.example.com:3306/regdb
        username: reguser
        password: "{{ vault_reg_db_password }}"
        driver: com.mysql.jdbc.Driver
'''

RETURN = r'''
path:
  description: The file that was edited.
  returned: always
  type: str
  sample: /opt/wso2am-2.6.0/repository/conf/datasources/master-datasources.xml
changes:
  description: What changed in the document, in order (passwords masked). Empty when nothing changed.
  returned: always
  type: list
  elements: str
  sample: ["set /datasources-configuration/datasources/datasource/definition/configuration/url (line 39) to 'jdbc:mysql://db/apimgtdb'"]
backup_file:
  description: Name of the backup file.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /opt/wso2am-2.6.0/repository/conf/datasources/master-datasources.xml.12345.2026-01-01@10:00:00~
'''

import re

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine import Edit, xpath_literal
from ansible_collections.multidc.apim.plugins.module_utils.xml_file_common import run_module

DATASOURCES = '/datasources-configuration/datasources'
CONFIGURATION = "definition[@type='RDBMS']/configuration"
# option -> configuration child, in the order a new datasource lists them
CONFIGURATION_FIELDS = (
    ('url', 'url'),
    ('username', 'username'),
    ('password', 'password'),
    ('driver', 'driverClassName'),
    ('max_active', 'maxActive'),
    ('max_wait', 'maxWait'),
    ('min_idle', 'minIdle'),
    ('max_idle', 'maxIdle'),
    ('test_on_borrow', 'testOnBorrow'),
    ('validation_query', 'validationQuery'),
    ('validation_interval', 'validationInterval'),
    ('default_auto_commit', 'defaultAutoCommit'),
)
_ELEMENT_RE = re.compile(r'^[A-Za-z_][\w.\-]*$')


def build_edits(params):
    edits = []
    names = [ds['name'] for ds in params['datasources']]
    duplicates = sorted(set(n for n in names if names.count(n) > 1))
    if duplicates:
        raise ValueError('datasources listed more than once: %s' % ', '.join(duplicates))
    for ds in params['datasources']:
        base = '%s/datasource[name=%s]' % (DATASOURCES, xpath_literal(ds['name']))
        if ds['state'] == 'absent':
            edits.append(Edit.absent(base))
            continue
        if ds['url'] is not None and not ds['url'].startswith('jdbc:'):
            raise ValueError('datasource %s: url must be a JDBC URL (jdbc:...), got %r' % (ds['name'], ds['url']))
        for option in ('max_active', 'max_wait', 'min_idle', 'max_idle', 'validation_interval'):
            if ds[option] is not None and ds[option] < 0:
                raise ValueError('datasource %s: %s must not be negative' % (ds['name'], option))
        edits.append(Edit.present(base))
        if ds['description'] is not None:
            edits.append(Edit.value_of(base + '/description', ds['description']))
        if ds['jndi_name'] is not None:
            edits.append(Edit.value_of(base + '/jndiConfig/name', ds['jndi_name']))
        fields = [(element, ds[option], option == 'password') for option, element in CONFIGURATION_FIELDS]
        taken = set(element for option, element in CONFIGURATION_FIELDS)
        for element, value in (ds['configuration'] or {}).items():
            if not _ELEMENT_RE.match(element):
                raise ValueError('datasource %s: configuration key %r is not an element name' % (ds['name'], element))
            if element in taken:
                raise ValueError('datasource %s: set %s through its own option, not configuration' % (ds['name'], element))
            if isinstance(value, (dict, list)) or value is None:
                raise ValueError('datasource %s: configuration.%s must be a scalar' % (ds['name'], element))
            fields.append((element, value, False))
        for element, value, secret in fields:
            if value is not None:
                edits.append(Edit.value_of('%s/%s/%s' % (base, CONFIGURATION, element), value, secret=secret))
    return edits


def main():
    run_module(
        dict(
            datasources=dict(
                type='list', elements='dict', required=True,
                options=dict(
                    name=dict(type='str', required=True),
                    state=dict(type='str', choices=['present', 'absent'], default='present'),
                    description=dict(type='str'),
                    jndi_name=dict(type='str'),
                    url=dict(type='str'),
                    username=dict(type='str'),
                    password=dict(type='str', no_log=True),
                    driver=dict(type='str'),
                    validation_query=dict(type='str'),
                    max_active=dict(type='int'),
                    max_wait=dict(type='int'),
                    min_idle=dict(type='int'),
                    max_idle=dict(type='int'),
                    test_on_borrow=dict(type='bool'),
                    validation_interval=dict(type='int'),
                    default_auto_commit=dict(type='bool'),
                    configuration=dict(type='dict'),
                ),
            ),
        ),
        build_edits,
    )


if __name__ == '__main__':
    main()
