# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Paths: ``/Server/Ports/Offset`` steps with ``[@attr='v']`` and ``[child='v']`` predicates."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.errors import XmlEditError


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
