# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The document: parse, apply edits, render; the front of the engine."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import codecs
import re

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.errors import HAS_LXML, SECRET_MASK, XmlEditError, XmlParseError, etree
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.lexer import Span, escape_attr, escape_text, is_element, lex, local_name
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.navigation import Navigation
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.paths import Step
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.placement import Placement
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.rendering import Rendering


class XmlDocument(Navigation, Placement, Rendering):
    """A parsed XML file that can be edited and rendered back byte-faithfully."""

    def __init__(self, data, name='<xml>'):
        if not HAS_LXML:
            raise XmlEditError('the lxml Python library is required')
        if not isinstance(data, bytes):
            raise TypeError('data must be bytes')
        self.name = name
        self.original = data
        self.changes = []
        self._secrets = set()
        self._secret_nodes = {}
        # Where each original node sits in the text, keyed by id() of the
        # node. lxml makes a new proxy object for a node on every access, and
        # an id() is only unique while its object lives: _keep holds every
        # original node for the document's lifetime, so no id() in _spans can
        # be reused by another node (a new element would otherwise inherit an
        # original node's span and be rendered as its old bytes).
        self._spans = {}
        self._keep = []
        self._unit = None
        self._parse()

    # -- parse -------------------------------------------------------------

    def _parse(self):
        parser = etree.XMLParser(remove_blank_text=False, remove_comments=False, remove_pis=False,
                                 strip_cdata=False, no_network=True, load_dtd=False, huge_tree=False)
        try:
            self.root = etree.fromstring(self.original, parser)
        except etree.XMLSyntaxError as exc:
            line, column = (exc.position if exc.position else (None, None))
            reason = re.sub(r', line \d+, column \d+$', '', exc.msg or 'syntax error')
            raise XmlParseError('%s: malformed XML at line %s, column %s: %s' % (self.name, line, column, reason),
                                line=line, column=column)
        if self.root is None:
            raise XmlParseError('%s: the document has no root element' % self.name)
        docinfo = self.root.getroottree().docinfo
        self.encoding = docinfo.encoding or 'UTF-8'
        try:
            self.codec = codecs.lookup(self.encoding).name
            text = self.original.decode(self.codec)
        except (LookupError, UnicodeDecodeError) as exc:
            raise XmlEditError('%s: cannot decode the file as %s: %s' % (self.name, self.encoding, exc))
        if text.encode(self.codec) != self.original:
            raise XmlEditError('%s: the file does not survive decoding and re-encoding as %s; refusing to edit it'
                               % (self.name, self.encoding))
        self.text = text
        crlf = text.count('\r\n')
        self.newline = '\r\n' if crlf and crlf * 2 >= text.count('\n') else '\n'
        self.default_ns = self.root.nsmap.get(None)
        self._map_spans()
        if self.render_text() != text:
            raise XmlEditError('%s: the engine cannot reproduce this file byte for byte; refusing to edit it' % self.name)

    def _map_spans(self):
        text = self.text
        nodes = [n for n in self.root.iter() if is_element(n) or isinstance(n, (etree._Comment, etree._ProcessingInstruction))]
        self._keep = nodes
        tokens = [t for t in lex(text) if t[0] not in ('cdata', 'doctype')]
        idx = 0
        # skip the prolog (XML declaration, comments, PIs before the root)
        while idx < len(tokens) and tokens[idx][0] != 'start':
            idx += 1
        stack = []
        node_iter = iter(nodes)
        root_end = None
        for kind, start, end, extra in tokens[idx:]:
            if kind == 'end':
                if not stack:
                    break
                span = stack.pop()
                span.etag_start, span.end = start, end
                if not stack:
                    root_end = end
                    break
                continue
            node = next(node_iter, None)
            if node is None:
                raise XmlEditError('%s: cannot map the source text to the parsed tree' % self.name)
            span = Span(start, end)
            if kind == 'start':
                qname, self_closing = extra
                if not is_element(node) or local_name(node.tag) != qname.split(':')[-1]:
                    raise XmlEditError('%s: cannot map <%s> at offset %d to the parsed tree' % (self.name, qname, start))
                span.qname = qname
                span.stag_end = end
                span.self_closing = self_closing
                if not self_closing:
                    stack.append(span)
                elif not stack:
                    root_end = end
            elif kind == 'comment' and not isinstance(node, etree._Comment):
                raise XmlEditError('%s: cannot map a comment at offset %d to the parsed tree' % (self.name, start))
            elif kind == 'pi' and not isinstance(node, etree._ProcessingInstruction):
                raise XmlEditError('%s: cannot map a processing instruction at offset %d' % (self.name, start))
            self._spans[id(node)] = span
            if kind == 'start' and self_closing and not stack:
                break
        if root_end is None or next(node_iter, None) is not None:
            raise XmlEditError('%s: cannot map the source text to the parsed tree' % self.name)
        root_span = self._spans[id(self.root)]
        self._prefix = text[:root_span.start]
        self._suffix = text[root_end:]
        for node in nodes:
            span = self._spans[id(node)]
            span.tail = node.tail
            span.text = node.text
            if not is_element(node):
                continue
            span.tag = node.tag
            span.attrib = list(node.attrib.items())
            kids = list(node)
            span.text_end = self._spans[id(kids[0])].start if kids else span.etag_start
            for a, b in zip(kids, kids[1:] + [None]):
                self._spans[id(a)].tail_end = self._spans[id(b)].start if b is not None else span.etag_start

    # -- edits -------------------------------------------------------------

    def _note_secret(self, *values):
        for value in values:
            if value:
                self._secrets.add(value)
                self._secrets.add(escape_text(value))
                self._secrets.add(escape_attr(value))

    def _set_text(self, el, value, secret=False):
        if secret:
            self._secret_nodes[id(el)] = el
        if len(el):
            raise XmlEditError('%s: %s has child nodes; a text value cannot be set on it' % (self.name, self.describe(el)))
        if (el.text or '') == value:
            return
        el.text = value if value else None
        self.changes.append('set %s to %r' % (self.describe(el), SECRET_MASK if secret else value))

    def _set_attr(self, el, name, value, secret=False):
        clark = self._attr_clark(self.root, name)
        current = el.get(clark)
        if secret:
            self._note_secret(current, value)
        if current == value:
            return
        if value is None:
            del el.attrib[clark]
            self.changes.append('removed attribute %s from %s' % (name, self.describe(el)))
        else:
            el.set(clark, value)
            self.changes.append('set attribute %s of %s to %r' % (name, self.describe(el), SECRET_MASK if secret else value))

    def _set_field(self, el, field, value, secret=False):
        if field.startswith('@'):
            self._set_attr(el, field[1:], value, secret)
            return
        step = Step(field)
        found = [c for c in el if self._matches(c, step)]
        if value is None:
            for kid in found:
                self._remove(kid)
            return
        if len(found) > 1:
            raise XmlEditError('%s: %s has %d <%s> children; cannot choose one'
                               % (self.name, self.describe(el), len(found), field))
        kid = found[0] if found else self._create(el, step)
        self._set_text(kid, value, secret)

    def apply(self, edit):
        """Apply one :class:`Edit` to the tree."""
        if edit.kind == 'absent':
            for el in self.find(edit.path):
                self._remove(el)
            return
        el = self._single(edit.path)
        if edit.kind == 'value':
            self._set_text(el, edit.value, edit.secret)
        elif edit.kind == 'attributes':
            for name, value in edit.attributes.items():
                self._set_attr(el, name, value, edit.secret)
        elif edit.kind == 'children':
            self._apply_children(el, edit)

    def apply_all(self, edits):
        for edit in edits:
            self.apply(edit)

    def _apply_children(self, parent, edit):
        if not edit.key:
            raise XmlEditError('children of %s: a key field is required' % edit.path)
        step = Step(edit.tag)
        clark = self._clark(edit.tag)
        existing = self._child_elements(parent, clark)

        def key_of(el):
            return tuple(self._field_value(el, f) for f in edit.key)

        kept = []
        for item in edit.items:
            missing = [f for f in edit.key if item.get(f) is None]
            if missing:
                raise XmlEditError('children of %s: item %r lacks key field(s) %s' % (edit.path, item, ', '.join(missing)))
            wanted = tuple(item[f] for f in edit.key)
            matches = [c for c in existing if key_of(c) == wanted and c not in kept]
            if len(matches) > 1 and not edit.exclusive:
                raise XmlEditError('%s: %d <%s> children have the key %r: %s'
                                   % (self.name, len(matches), edit.tag, wanted, ', '.join(self.describe(m) for m in matches)))
            if matches:
                el = matches[0]
            else:
                preds = [(f.startswith('@'), f.lstrip('@'), item[f]) for f in edit.key]
                el = self._create(parent, Step(step.name, preds))
            kept.append(el)
            for field, value in item.items():
                if field not in edit.key:
                    self._set_field(el, field, value, field in edit.secret_fields)
        if edit.exclusive:
            for el in existing:
                if not any(el is k for k in kept):
                    self._remove(el)

    # -- diff --------------------------------------------------------------

    def mask(self, text):
        """Replace the values of secret attributes seen by the edits with a mask."""
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, SECRET_MASK)
        return text

    def diff_texts(self):
        """``(before, after)`` texts for a diff; the text of secret elements is masked in both."""
        before = self.text
        spans = sorted((self._spans[key] for key in self._secret_nodes if key in self._spans),
                       key=lambda span: span.start, reverse=True)
        for span in spans:
            if span.text_end > span.stag_end:
                before = before[:span.stag_end] + SECRET_MASK + before[span.text_end:]
        return self.mask(before), self.mask(self.render_text(mask=True))


def edit_bytes(data, edits, name='<xml>'):
    """Parse ``data``, apply ``edits``; return ``(document, new_bytes)``."""
    doc = XmlDocument(data, name=name)
    doc.apply_all(edits)
    return doc, doc.render()
