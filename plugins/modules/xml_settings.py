#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: xml_settings
short_description: Apply a batch of edits to one XML file, byte-faithfully
version_added: 0.1.0
description:
  - Applies a list of edits (set a text value, set attributes, ensure present or absent,
    keyed repeated children) to one XML file, with one parse and one write.
  - Paths are written without namespace prefixes; the document's default namespace is bound
    automatically (C(carbon.xml) declares C(xmlns="http://wso2.org/projects/carbon/carbon.xml")).
  - A path is a list of steps separated by C(/). An absolute path (C(/Server/Ports/Offset)) names
    the root element first; a relative path (C(Ports/Offset)) starts below the root.
  - A step may carry predicates C([@attr='v']) and C([child='v']), for example
    C(/axisconfig/clustering/parameter[@name='domain']). Elements missing along the path are created
    together with their predicate attribute or child, so creation is idempotent.
  - This is the generic module; M(multidc.apim.carbon_xml), M(multidc.apim.axis2_clustering),
    M(multidc.apim.registry_xml) and M(multidc.apim.master_datasources) are typed front ends of the same engine.
author:
  - multidc.apim developers (@multidc)
options:
  settings:
    description:
      - The edits, applied in order to the same parsed document.
      - Each item takes at most one of O(settings[].value), O(settings[].attributes) and O(settings[].children).
        With none of them and O(settings[].state=present), the element is only ensured to exist.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description:
          - Path of the element to edit.
          - For O(settings[].value), O(settings[].attributes) and O(settings[].children), the path must
            match at most one element (it is created if missing); a path that matches several elements fails.
          - For O(settings[].state=absent), every matching element is removed.
        type: str
        required: true
      value:
        description:
          - Text content of the element. Booleans are written C(true)/C(false).
          - The element must not have child elements.
        type: raw
      attributes:
        description:
          - Attributes of the element, name to value. A value of V(null) removes the attribute.
            Attributes that are not named are left alone.
        type: dict
      children:
        description:
          - Repeated child elements, each identified by a key.
        type: dict
        suboptions:
          tag:
            description: Name of the repeated child element, for example V(member).
            type: str
            required: true
          key:
            description:
              - Field or fields that identify a child, for example V(hostName), or V([hostName, port]).
              - A field V(@name) is an attribute; any other field is the text of a child element.
            type: list
            elements: str
            required: true
          items:
            description:
              - The children, each a dictionary of field to value. It must hold every key field.
                Other fields are set on the child (V(null) removes that field).
              - Missing children are created after the last child with the same tag.
            type: list
            elements: dict
            required: true
          exclusive:
            description:
              - If V(true), children with this tag that are not listed in O(settings[].children.items) are removed,
                so the list is set exactly.
            type: bool
            default: false
      state:
        description:
          - V(absent) removes every element that the path matches.
        type: str
        choices: [present, absent]
        default: present
      secret:
        description:
          - Mask the old and new values of this item in the diff and in RV(changes).
        type: bool
        default: false
extends_documentation_fragment:
  - ansible.builtin.files
  - multidc.apim.xml_file
  - multidc.apim.xml_file.attributes
seealso:
  - module: community.general.xml
    description: General XML editing; rewrites the whole file through lxml.
'''

EXAMPLES = r'''
- name: Set the port offset and the host name in carbon.xml
  multidc.apim.xml_settings:
    path: /opt/wso2am-2.6.0/repository/conf/carbon.xml
    backup: true
    settings:
      - path: /Server/HostName
        value: apim.dc1.example.com
      - path: /Server/Ports/Offset
        value: 2

- name: Enable clustering and set the well-known members exactly
  multidc.apim.xml_settings:
    path: /opt/wso2am-2.6.0/repository/conf/axis2/axis2.xml
    settings:
      - path: /axisconfig/clustering
        attributes:
          enable: true
      - path: /axisconfig/clustering/parameter[@name='membershipScheme']
        value: wka
      - path: /axisconfig/clustering/members
        children:
          tag: member
          key: [hostName, port]
          exclusive: true
          items:
            - {hostName: 10.1.0.11, port: 4000}
            - {hostName: 10.1.0.12, port: 4000}

- name: Remove a registry mount
  multidc.apim.xml_settings:
    path: /opt/wso2am-2.6.0/repository/conf/registry.xml
    settings:
      - path: /wso2registry/mount[@path='/_system/config']
        state: absent
'''

RETURN = r'''
path:
  description: The file that was edited.
  returned: always
  type: str
  sample: /opt/wso2am-2.6.0/repository/conf/carbon.xml
changes:
  description: What the edits changed in the document, in order (secret values masked). Empty when nothing changed.
  returned: always
  type: list
  elements: str
  sample: ["created /Server/HostName", "set /Server/HostName to 'apim.dc1.example.com'"]
backup_file:
  description: Name of the backup file.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /opt/wso2am-2.6.0/repository/conf/carbon.xml.12345.2026-01-01@10:00:00~
'''

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine import Edit
from ansible_collections.multidc.apim.plugins.module_utils.xml_file_common import run_module


def _scalar(value, what):
    if isinstance(value, (dict, list)):
        raise ValueError('%s must be a scalar, not %s' % (what, type(value).__name__))
    return value


def build_edits(params):
    edits = []
    for index, item in enumerate(params['settings']):
        where = 'settings[%d] (%s)' % (index, item['path'])
        given = [name for name in ('value', 'attributes', 'children') if item.get(name) is not None]
        if len(given) > 1:
            raise ValueError('%s: value, attributes and children are mutually exclusive; got %s' % (where, ', '.join(given)))
        if item['state'] == 'absent':
            if given:
                raise ValueError('%s: state=absent takes no %s' % (where, given[0]))
            edits.append(Edit.absent(item['path']))
        elif item.get('value') is not None:
            edits.append(Edit.value_of(item['path'], _scalar(item['value'], where + ' value'), secret=item['secret']))
        elif item.get('attributes') is not None:
            attrs = dict((k, _scalar(v, '%s attribute %s' % (where, k))) for k, v in item['attributes'].items())
            edits.append(Edit.attributes_of(item['path'], attrs, secret=item['secret']))
        elif item.get('children') is not None:
            children = item['children']
            for pos, child in enumerate(children['items']):
                for field, value in child.items():
                    _scalar(value, '%s children item %d field %s' % (where, pos, field))
            secret_fields = set()
            if item['secret']:
                secret_fields = set(f for child in children['items'] for f in child)
            edits.append(Edit.children_of(item['path'], children['tag'], children['key'], children['items'],
                                          exclusive=children['exclusive'], secret_fields=secret_fields))
        else:
            edits.append(Edit.present(item['path']))
    return edits


def main():
    run_module(
        dict(
            settings=dict(
                type='list', elements='dict', required=True,
                options=dict(
                    path=dict(type='str', required=True),
                    value=dict(type='raw'),
                    attributes=dict(type='dict'),
                    children=dict(
                        type='dict',
                        options=dict(
                            tag=dict(type='str', required=True),
                            key=dict(type='list', elements='str', required=True, no_log=False),
                            items=dict(type='list', elements='dict', required=True),
                            exclusive=dict(type='bool', default=False),
                        ),
                    ),
                    state=dict(type='str', choices=['present', 'absent'], default='present'),
                    secret=dict(type='bool', default=False, no_log=False),
                ),
            ),
        ),
        build_edits,
    )


if __name__ == '__main__':
    main()
