# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Placement: where a new element goes (after its commented-out template or its last sibling) and how it is indented."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.errors import XmlEditError, etree
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.lexer import START_NAME_RE, is_element, local_name
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.paths import Step


class Placement(object):
    """Part of :class:`XmlDocument` (xml_engine.document); it works on that class's state."""

    def _whitespace_before(self, node):
        prev = node.getprevious()
        if prev is not None:
            return prev.tail
        parent = node.getparent()
        return parent.text if parent is not None else None

    def _indent_before(self, node):
        if node.getparent() is None:
            return ''
        ws = self._whitespace_before(node)
        if ws and '\n' in ws:
            last = ws.rsplit('\n', 1)[1]
            if not last.strip():
                return last
        return None

    def _indent_of(self, el):
        ind = self._indent_before(el)
        if ind is not None:
            return ind
        parent = el.getparent()
        return self._indent_of(parent) + self._indent_unit() if parent is not None else ''

    def _indent_unit(self):
        if self._unit is None:
            self._unit = '    '
            for kid in self.root:
                ind = self._indent_before(kid)
                if is_element(kid) and ind:
                    self._unit = ind
                    break
        return self._unit

    def _sibling_indent(self, parent):
        """The most common indentation of the element children of ``parent`` (None if unknown)."""
        counts = {}
        for kid in parent:
            ind = self._indent_before(kid) if is_element(kid) else None
            if ind is not None:
                counts[ind] = counts.get(ind, 0) + 1
        if not counts:
            return None
        return sorted(counts.items(), key=lambda item: -item[1])[0][0]

    def _child_indent(self, parent):
        ind = self._sibling_indent(parent)
        if ind is not None:
            return ind
        mine = self._indent_of(parent)
        grand = parent.getparent()
        if grand is not None:
            above = self._indent_of(grand)
            if mine.startswith(above) and len(mine) > len(above):
                return mine + mine[len(above):]
        return mine + self._indent_unit()

    def _template_match(self, comment, step):
        """'exact' if the comment is a commented-out ``step`` element, 'tag' if only the name matches."""
        body = (comment.text or '').strip()
        if not body:
            return None
        if not body.startswith('<'):
            body = '<' + body
        m = START_NAME_RE.match(body)
        if not m or m.group(1).split(':')[-1] != local_name(self._clark(step.name)):
            return None
        if not step.predicates:
            return 'exact'
        if not body.endswith('>'):
            body += '>'
        frag = None
        for candidate in (body, '<_t>%s</_t>' % body):
            try:
                frag = etree.fromstring(candidate.encode('utf-8'), etree.XMLParser(no_network=True, load_dtd=False,
                                                                                   resolve_entities=False))
            except etree.XMLSyntaxError:
                continue
            if frag.tag == '_t':
                frag = frag[0] if len(frag) else None
            break
        if frag is None:
            return 'tag'
        for is_attr, name, value in step.predicates:
            if is_attr:
                got = frag.get(name.split(':')[-1])
            else:
                kid = [c for c in frag if is_element(c) and local_name(c.tag) == name.split(':')[-1]]
                got = (kid[0].text or '').strip() if kid else None
            if got != value:
                return 'tag'
        return 'exact'

    def _anchor(self, parent, step):
        kids = list(parent)
        loose = None
        for kid in kids:
            if isinstance(kid, etree._Comment):
                match = self._template_match(kid, step)
                if match == 'exact':
                    return kid
                if match == 'tag' and loose is None:
                    loose = kid
        same = self._child_elements(parent, self._clark(step.name))
        if same:
            return same[-1]
        if loose is not None:
            return loose
        return kids[-1] if kids else None

    def _insert(self, parent, el, anchor):
        if anchor is None:
            if parent.text and parent.text.strip():
                raise XmlEditError('%s: cannot add <%s> inside %s: it holds text'
                                   % (self.name, local_name(el.tag), self.describe(parent)))
            indent = self._child_indent(parent)
            parent_indent = self._indent_of(parent)
            parent.append(el)
            parent.text = '\n' + indent
            el.tail = '\n' + parent_indent
            return
        indent = self._sibling_indent(parent)
        if indent is None:
            indent = self._indent_before(anchor)
        if indent is None:
            indent = self._child_indent(parent)
        tail = anchor.tail
        anchor.addnext(el)
        anchor.tail = '\n' + indent
        el.tail = tail

    def _create(self, parent, step):
        el = parent.makeelement(self._clark(step.name))
        self._insert(parent, el, self._anchor(parent, step))
        self._keep.append(el)
        for is_attr, name, value in step.predicates:
            if is_attr:
                el.set(self._attr_clark(self.root, name), value)
            else:
                kid = self._create(el, Step(name))
                kid.text = value
        self.changes.append('created %s' % self.describe(el))
        return el

    def _remove(self, el):
        parent = el.getparent()
        if parent is None:
            raise XmlEditError('%s: cannot remove the document root' % self.name)
        prev = el.getprevious()
        before = (prev.tail if prev is not None else parent.text) or ''
        cut = before.rfind('\n')
        if cut >= 0 and not before[cut + 1:].strip():
            before = before[:cut]
        joined = (before + (el.tail or '')) or None
        where = self.describe(el)
        parent.remove(el)
        if prev is not None:
            prev.tail = joined
        else:
            parent.text = joined
        self.changes.append('removed %s' % where)
