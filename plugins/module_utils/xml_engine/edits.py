# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Edits: what a caller asks the engine to change, independent of any file."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.errors import XmlEditError


class Edit(object):
    """One requested change.

    kind is one of ``value``, ``attributes``, ``present``, ``absent``, ``children``.
    For ``children``: ``tag``, ``key`` (list of fields), ``items`` (list of
    dicts of field -> value; a field ``@name`` is an attribute, any other is
    a child element's text) and ``exclusive`` (remove unlisted children).
    """

    KINDS = ('value', 'attributes', 'present', 'absent', 'children')

    def __init__(self, path, kind, value=None, attributes=None, tag=None, key=None, items=None,
                 exclusive=False, secret=False, secret_fields=None):
        if kind not in self.KINDS:
            raise XmlEditError('unknown edit kind %r' % kind)
        self.path = path
        self.kind = kind
        self.value = value
        self.attributes = attributes
        self.tag = tag
        self.key = key
        self.items = items
        self.exclusive = exclusive
        self.secret = secret
        self.secret_fields = set(secret_fields or ())

    @classmethod
    def value_of(cls, path, value, secret=False):
        return cls(path, 'value', value=to_xml_text(value), secret=secret)

    @classmethod
    def attributes_of(cls, path, attributes, secret=False):
        return cls(path, 'attributes', attributes=dict((k, None if v is None else to_xml_text(v)) for k, v in attributes.items()),
                   secret=secret)

    @classmethod
    def present(cls, path):
        return cls(path, 'present')

    @classmethod
    def absent(cls, path):
        return cls(path, 'absent')

    @classmethod
    def children_of(cls, path, tag, key, items, exclusive=False, secret_fields=None):
        if isinstance(key, str):
            key = [key]
        items = [dict((k, None if v is None else to_xml_text(v)) for k, v in item.items()) for item in items]
        return cls(path, 'children', tag=tag, key=list(key), items=items, exclusive=exclusive, secret_fields=secret_fields)

    def __repr__(self):
        return 'Edit(%s %s)' % (self.kind, self.path)


def to_xml_text(value):
    """Ansible values to XML text: booleans become ``true``/``false``."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if value is None:
        return ''
    return str(value)
