# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rendering: original pieces copied byte for byte, changed pieces serialised."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.errors import SECRET_MASK, XmlEditError, etree
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.lexer import (
    ATTR_RE, START_NAME_RE, escape_attr, escape_text, is_element, local_name, namespace_of,
)


class Rendering(object):
    """Part of :class:`XmlDocument` (xml_engine.document); it works on that class's state."""

    def render_text(self, mask=False):
        out = [self._prefix]
        self._render(self.root, out, mask)
        out.append(self._suffix)
        return ''.join(out)

    def render(self):
        """The document as bytes in its original encoding."""
        return self.render_text().encode(self.codec, 'xmlcharrefreplace')

    def _render(self, node, out, mask=False):
        span = self._spans.get(id(node))
        if not is_element(node):
            if span is not None and node.text == span.text:
                out.append(self.text[span.start:span.end])
            elif isinstance(node, etree._Comment):
                out.append('<!--%s-->' % node.text)
            else:
                out.append('<?%s %s?>' % (node.target, node.text or ''))
            return
        kids = list(node)
        if span is None:
            self._render_new(node, kids, out, mask)
            return
        stag = self._start_tag(node, span)
        if span.self_closing and not kids and not node.text:
            out.append(stag)
            return
        if span.self_closing:
            stag = re.sub(r'\s*/>$', '>', stag)
        out.append(stag)
        if mask and node.text and id(node) in self._secret_nodes:
            out.append(SECRET_MASK)
        elif node.text == span.text:
            out.append(self.text[span.stag_end:span.text_end])
        elif node.text:
            out.append(escape_text(node.text, self.newline))
        for kid in kids:
            self._render(kid, out, mask)
            out.append(self._tail(kid))
        if span.self_closing:
            out.append('</%s>' % span.qname)
        else:
            out.append(self.text[span.etag_start:span.end])

    def _tail(self, node):
        span = self._spans.get(id(node))
        if span is not None and node.tail == span.tail:
            return self.text[span.end:span.tail_end]
        return escape_text(node.tail or '', self.newline)

    def _render_new(self, node, kids, out, mask):
        qname, extra = self._qname_for_new(node)
        attrs = ''.join(' %s="%s"' % (self._attr_qname(node, k), escape_attr(v)) for k, v in node.attrib.items())
        if not kids and not node.text:
            out.append('<%s%s%s/>' % (qname, extra, attrs))
            return
        out.append('<%s%s%s>' % (qname, extra, attrs))
        if mask and node.text and id(node) in self._secret_nodes:
            out.append(SECRET_MASK)
        elif node.text:
            out.append(escape_text(node.text, self.newline))
        for kid in kids:
            self._render(kid, out, mask)
            out.append(self._tail(kid))
        out.append('</%s>' % qname)

    def _qname_for_new(self, node):
        ns, local = namespace_of(node.tag), local_name(node.tag)
        parent = node.getparent()
        inherited = parent.nsmap if parent is not None else {}
        if ns == inherited.get(None):
            return local, ''
        if ns is None:
            return local, ' xmlns=""'
        for prefix, uri in inherited.items():
            if prefix and uri == ns:
                return '%s:%s' % (prefix, local), ''
        return local, ' xmlns="%s"' % escape_attr(ns)

    @staticmethod
    def _attr_qname(node, clark):
        ns = namespace_of(clark)
        if ns is None:
            return clark
        for prefix, uri in node.nsmap.items():
            if prefix and uri == ns:
                return '%s:%s' % (prefix, local_name(clark))
        raise XmlEditError('no namespace prefix is declared for attribute %s' % clark)

    def _attr_clark(self, node, qname):
        if ':' in qname:
            prefix, local = qname.split(':', 1)
            uri = node.nsmap.get(prefix)
            return '{%s}%s' % (uri, local) if uri else qname
        return qname

    def _start_tag(self, node, span):
        stag = self.text[span.start:span.stag_end]
        new_items = list(node.attrib.items())
        if new_items == span.attrib:
            return stag
        new = dict(new_items)
        old = dict(span.attrib)
        head = START_NAME_RE.match(stag).end()
        pieces = [stag[:head]]
        pos = head
        sep = ' '
        seen = set()
        for m in ATTR_RE.finditer(stag, head):
            pos = m.end()
            ws, qname = m.group(1), m.group(2)
            sep = ws
            if qname == 'xmlns' or qname.startswith('xmlns:'):
                pieces.append(m.group(0))
                continue
            clark = self._attr_clark(node, qname)
            seen.add(clark)
            if clark not in new:
                continue
            if new[clark] == old.get(clark):
                pieces.append(m.group(0))
                continue
            quote = '"' if m.group(4) is not None else "'"
            pieces.append('%s%s%s%s%s%s' % (ws, qname, m.group(3), quote, escape_attr(new[clark], quote), quote))
        for clark, value in new_items:
            if clark not in seen:
                pieces.append('%s%s="%s"' % (sep, self._attr_qname(node, clark), escape_attr(value)))
        pieces.append(stag[pos:])
        return ''.join(pieces)
