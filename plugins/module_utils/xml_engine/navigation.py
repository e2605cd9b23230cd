# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Navigation: resolving paths to elements, creating the missing ones."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.errors import XmlEditError
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.lexer import is_element, local_name
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.paths import parse_path


class Navigation(object):
    """Part of :class:`XmlDocument` (xml_engine.document); it works on that class's state."""

    def _clark(self, name):
        if name.startswith('{'):
            return name
        if ':' in name:
            prefix, local = name.split(':', 1)
            uri = self.root.nsmap.get(prefix)
            if uri is None:
                raise XmlEditError('%s: namespace prefix %r is not declared on the root element' % (self.name, prefix))
            return '{%s}%s' % (uri, local)
        return '{%s}%s' % (self.default_ns, name) if self.default_ns else name

    def _child_elements(self, parent, clark):
        return [c for c in parent if is_element(c) and c.tag == clark]

    def _field_value(self, el, field):
        if field.startswith('@'):
            return el.get(self._attr_clark(self.root, field[1:]))
        found = self._child_elements(el, self._clark(field))
        if not found:
            return None
        return (found[0].text or '').strip()

    def _matches(self, el, step):
        if not is_element(el) or el.tag != self._clark(step.name):
            return False
        for is_attr, name, value in step.predicates:
            if self._field_value(el, ('@' if is_attr else '') + name) != value:
                return False
        return True

    def describe(self, el):
        """``/Server/Ports/Offset`` style location, with the source line if known."""
        names = []
        node = el
        while node is not None:
            names.append(local_name(node.tag))
            node = node.getparent()
        where = '/' + '/'.join(reversed(names))
        if id(el) in self._spans:
            where += ' (line %d)' % el.sourceline
        return where

    def find(self, path):
        """All elements matching ``path``; never creates anything."""
        return self._resolve(path, create=False)

    def _resolve(self, path, create):
        absolute, steps = parse_path(path)
        if absolute:
            if not self._matches(self.root, steps[0]):
                raise XmlEditError('%s: path %s starts at <%s>, but the document root is <%s>'
                                   % (self.name, path, steps[0], local_name(self.root.tag)))
            steps = steps[1:]
        current = [self.root]
        for step in steps:
            found = []
            for el in current:
                found.extend(c for c in el if self._matches(c, step))
            if create and len(found) > 1:
                raise XmlEditError('%s: path %s is ambiguous: step %s matches %d elements: %s'
                                   % (self.name, path, step, len(found), ', '.join(self.describe(e) for e in found)))
            if not found:
                if not create:
                    return []
                found = [self._create(current[0], step)]
            current = found
        return current

    def _single(self, path):
        found = self._resolve(path, create=True)
        return found[0]
