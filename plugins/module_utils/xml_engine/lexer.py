# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lexer: where every element, comment and processing instruction sits in
the original text, and the escaping that renders changed pieces."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.errors import XmlEditError

START_NAME_RE = re.compile(r'<([^\s/>]+)')


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
            m = START_NAME_RE.match(text, i)
            yield ('start', i, end, (m.group(1) if m else '', text[end - 2] == '/'))
        pos = end


class Span(object):
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


def local_name(tag):
    return tag.rsplit('}', 1)[-1] if tag.startswith('{') else tag


def namespace_of(tag):
    return tag[1:].split('}', 1)[0] if tag.startswith('{') else None


def is_element(node):
    return isinstance(node.tag, str)


ATTR_RE = re.compile(r'''(\s+)([^\s=/>]+)(\s*=\s*)(?:"([^"]*)"|'([^']*)')''')


def escape_text(value, newline='\n'):
    value = value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;').replace('\r', '&#13;')
    if newline != '\n':
        value = value.replace('\n', newline)
    return value


def escape_attr(value, quote='"'):
    value = value.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')
    value = value.replace('\n', '&#10;').replace('\r', '&#13;').replace('\t', '&#9;')
    return value.replace('"', '&quot;') if quote == '"' else value.replace("'", '&apos;')
