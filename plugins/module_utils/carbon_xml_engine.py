# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Byte-faithful in-place editing of Carbon XML configuration files.

The engine works in four separate steps:

1. **parse**: lxml parses the bytes (comments, processing instructions and
   all whitespace are kept).  A small lexer walks the same text and records,
   for every element, comment and processing instruction, where its start
   tag, text, end tag and tail sit in the original text.
2. **edit**: edits change the lxml tree only (set a value, set attributes,
   remove, keyed children).  Missing elements along a path are created after
   their commented-out template, or after their last sibling of the same name,
   indented like their siblings.
3. **render**: the tree is written back piece by piece.  Every piece whose
   value did not change is copied from the original text, so untouched bytes
   stay identical (declaration, encoding, multi-line attribute lists, entity
   spelling, CRLF line ends).  Only changed pieces are serialised.
4. **compare**: the caller compares the rendered bytes with the original
   bytes; that alone decides "changed".

Only this module holds XML logic; the Ansible modules translate their options
into :class:`Edit` objects.  It must stay importable on Python 3.8.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import codecs
import re
import traceback

try:
    from lxml import etree
    HAS_LXML = True
    LXML_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised on hosts without lxml
    etree = None
    HAS_LXML = False
    LXML_IMPORT_ERROR = traceback.format_exc()

SECRET_MASK = '********'


class XmlEditError(Exception):
    """An edit cannot be applied; nothing must be written."""


class XmlParseError(XmlEditError):
    """The file is not well-formed XML."""

    def __init__(self, msg, line=None, column=None):
        super(XmlParseError, self).__init__(msg)
        self.line = line
        self.column = column


# --------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------

class Step(object):
    """One step of a path: a name plus ``[@attr='v']`` / ``[child='v']`` predicates."""

    __slots__ = ('name', 'predicates')

    def __init__(self, name, predicates=None):
        self.name = name
        # list of (is_attribute, name, value)
        self.predicates = list(predicates or [])

    def __repr__(self):
        preds = ''.join("[%s%s='%s']" % ('@' if a else '', n, v) for a, n, v in self.predicates)
        return '%s%s' % (self.name, preds)


_NAME_RE = re.compile(r'^(?:\{[^}]*\})?[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?$')
_PRED_RE = re.compile(r"""\[\s*(@?)([A-Za-z_][\w.\-:]*)\s*=\s*(?:'([^']*)'|"([^"]*)")\s*\]""")


def _split_path(path):
    """Split on ``/`` outside brackets and quotes."""
    parts, buf, depth, quote = [], [], 0, None
    for ch in path:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = None
            continue
        if ch in ('"', "'") and depth:
            quote = ch
        elif ch == '[':
            depth += 1
        elif ch == ']':
            depth -= 1
        elif ch == '/' and not depth:
            parts.append(''.join(buf))
            buf = []
            continue
        buf.append(ch)
    if quote or depth:
        raise XmlEditError('path %r: unbalanced brackets or quotes' % path)
    parts.append(''.join(buf))
    return parts


def parse_path(path):
    """Return ``(absolute, [Step, ...])`` for a path such as ``/Server/Ports/Offset``.

    ``absolute`` paths name the document root as their first step; relative
    paths start below the root.
    """
    if not isinstance(path, str) or not path.strip():
        raise XmlEditError('path must be a non-empty string')
    path = path.strip()
    absolute = path.startswith('/')
    if path.startswith('//'):
        raise XmlEditError("path %r: '//' (descendant search) is not supported; write every step" % path)
    raw_steps = _split_path(path[1:] if absolute else path)
    steps = []
    for raw in raw_steps:
        raw = raw.strip()
        bracket = raw.find('[')
        name = raw if bracket < 0 else raw[:bracket].strip()
        preds_text = '' if bracket < 0 else raw[bracket:]
        if not name or not _NAME_RE.match(name):
            raise XmlEditError('path %r: invalid step %r' % (path, raw))
        preds = []
        pos = 0
        while pos < len(preds_text):
            m = _PRED_RE.match(preds_text, pos)
            if not m:
                raise XmlEditError("path %r: invalid predicate in step %r (use [@attr='v'] or [child='v'])" % (path, raw))
            value = m.group(3) if m.group(3) is not None else m.group(4)
            preds.append((bool(m.group(1)), m.group(2), value))
            pos = m.end()
        steps.append(Step(name, preds))
    return absolute, steps


def xpath_literal(value):
    """Quote a predicate value (no escaping exists; pick the quote that is absent)."""
    value = str(value)
    if "'" not in value:
        return "'%s'" % value
    if '"' not in value:
        return '"%s"' % value
    raise XmlEditError('predicate value %r contains both quote characters' % value)


# --------------------------------------------------------------------------
# Edits
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# Lexer: where every node sits in the original text
# --------------------------------------------------------------------------

_START_NAME_RE = re.compile(r'<([^\s/>]+)')


def _scan_tag_end(text, pos):
    """Index just past the ``>`` closing a start tag that begins at ``pos``."""
    quote = None
    n = len(text)
    i = pos + 1
    while i < n:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in ('"', "'"):
            quote = ch
        elif ch == '>':
            return i + 1
        i += 1
    raise XmlEditError('unterminated start tag at offset %d' % pos)


def _scan_doctype_end(text, pos):
    quote = None
    depth = 0
    i = pos + 2
    n = len(text)
    while i < n:
        if not quote and text.startswith('<!--', i):
            j = text.find('-->', i + 4)
            if j < 0:
                break
            i = j + 3
            continue
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in ('"', "'"):
            quote = ch
        elif ch == '[':
            depth += 1
        elif ch == ']':
            depth -= 1
        elif ch == '>' and depth <= 0:
            return i + 1
        i += 1
    raise XmlEditError('unterminated DOCTYPE at offset %d' % pos)


def _find_end(text, marker, pos, what):
    j = text.find(marker, pos)
    if j < 0:
        raise XmlEditError('unterminated %s at offset %d' % (what, pos))
    return j + len(marker)


def lex(text):
    """Yield ``(kind, start, end, extra)`` for the markup in ``text``.

    kind: start (extra = (qname, self_closing)), end (extra = qname),
    comment, pi, cdata, doctype.  Character data is not reported.
    """
    pos = 0
    while True:
        i = text.find('<', pos)
        if i < 0:
            return
        if text.startswith('<!--', i):
            end = _find_end(text, '-->', i + 4, 'comment')
            yield ('comment', i, end, None)
        elif text.startswith('<![CDATA[', i):
            end = _find_end(text, ']]>', i + 9, 'CDATA section')
            yield ('cdata', i, end, None)
        elif text.startswith('<?', i):
            end = _find_end(text, '?>', i + 2, 'processing instruction')
            yield ('pi', i, end, None)
        elif text.startswith('<!', i):
            end = _scan_doctype_end(text, i)
            yield ('doctype', i, end, None)
        elif text.startswith('</', i):
            end = _find_end(text, '>', i + 2, 'end tag')
            yield ('end', i, end, text[i + 2:end - 1].strip())
        else:
            end = _scan_tag_end(text, i)
            m = _START_NAME_RE.match(text, i)
            yield ('start', i, end, (m.group(1) if m else '', text[end - 2] == '/'))
        pos = end


class _Span(object):
    """Where one original node sits, and the values it had when parsed."""

    __slots__ = ('start', 'stag_end', 'text_end', 'etag_start', 'end', 'tail_end', 'self_closing',
                 'text', 'tail', 'attrib', 'tag', 'qname')

    def __init__(self, start, end):
        self.start = start
        self.end = end
        self.stag_end = end
        self.text_end = end
        self.etag_start = end
        self.tail_end = end
        self.self_closing = False
        self.text = None
        self.tail = None
        self.attrib = None
        self.tag = None
        self.qname = None


def _local(tag):
    return tag.rsplit('}', 1)[-1] if tag.startswith('{') else tag


def _ns(tag):
    return tag[1:].split('}', 1)[0] if tag.startswith('{') else None


def _is_element(node):
    return isinstance(node.tag, str)


_ATTR_RE = re.compile(r'''(\s+)([^\s=/>]+)(\s*=\s*)(?:"([^"]*)"|'([^']*)')''')


def escape_text(value, newline='\n'):
    value = value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('\r', '&#13;')
    if newline != '\n':
        value = value.replace('\n', newline)
    return value


def escape_attr(value, quote='"'):
    value = value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    value = value.replace('\n', '&#10;').replace('\r', '&#13;').replace('\t', '&#9;')
    return value.replace('"', '&quot;') if quote == '"' else value.replace("'", '&apos;')


# --------------------------------------------------------------------------
# The document
# --------------------------------------------------------------------------

class CarbonXmlDocument(object):
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
        nodes = [n for n in self.root.iter() if _is_element(n) or isinstance(n, (etree._Comment, etree._ProcessingInstruction))]
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
            span = _Span(start, end)
            if kind == 'start':
                qname, self_closing = extra
                if not _is_element(node) or _local(node.tag) != qname.split(':')[-1]:
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
            if not _is_element(node):
                continue
            span.tag = node.tag
            span.attrib = list(node.attrib.items())
            kids = list(node)
            span.text_end = self._spans[id(kids[0])].start if kids else span.etag_start
            for a, b in zip(kids, kids[1:] + [None]):
                self._spans[id(a)].tail_end = self._spans[id(b)].start if b is not None else span.etag_start

    # -- render ------------------------------------------------------------

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
        if not _is_element(node):
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
        ns, local = _ns(node.tag), _local(node.tag)
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
        ns = _ns(clark)
        if ns is None:
            return clark
        for prefix, uri in node.nsmap.items():
            if prefix and uri == ns:
                return '%s:%s' % (prefix, _local(clark))
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
        head = _START_NAME_RE.match(stag).end()
        pieces = [stag[:head]]
        pos = head
        sep = ' '
        seen = set()
        for m in _ATTR_RE.finditer(stag, head):
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

    # -- navigation --------------------------------------------------------

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
        return [c for c in parent if _is_element(c) and c.tag == clark]

    def _field_value(self, el, field):
        if field.startswith('@'):
            return el.get(self._attr_clark(self.root, field[1:]))
        found = self._child_elements(el, self._clark(field))
        if not found:
            return None
        return (found[0].text or '').strip()

    def _matches(self, el, step):
        if not _is_element(el) or el.tag != self._clark(step.name):
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
            names.append(_local(node.tag))
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
                                   % (self.name, path, steps[0], _local(self.root.tag)))
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

    # -- placement and indentation -----------------------------------------

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
                if _is_element(kid) and ind:
                    self._unit = ind
                    break
        return self._unit

    def _sibling_indent(self, parent):
        """The most common indentation of the element children of ``parent`` (None if unknown)."""
        counts = {}
        for kid in parent:
            ind = self._indent_before(kid) if _is_element(kid) else None
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
        m = _START_NAME_RE.match(body)
        if not m or m.group(1).split(':')[-1] != _local(self._clark(step.name)):
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
                kid = [c for c in frag if _is_element(c) and _local(c.tag) == name.split(':')[-1]]
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
                                   % (self.name, _local(el.tag), self.describe(parent)))
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
    doc = CarbonXmlDocument(data, name=name)
    doc.apply_all(edits)
    return doc, doc.render()
