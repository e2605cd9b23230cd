# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Byte-faithful in-place editing of Carbon-style XML configuration files
(carbon.xml, axis2.xml, registry.xml, master-datasources.xml, api-manager.xml
and any other).

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

Only this package holds XML logic; the Ansible modules translate their options
into :class:`Edit` objects.  It must stay importable on Python 3.8.

The parts: ``paths`` (path syntax), ``edits`` (what to change), ``lexer``
(where each node sits in the text, escaping), ``navigation`` (paths to
elements), ``placement`` (where new elements go, indentation), ``rendering``
(text back out), and ``document``, the front that ties them together.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.document import XmlDocument, edit_bytes
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.edits import Edit, to_xml_text
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.errors import HAS_LXML, LXML_IMPORT_ERROR, SECRET_MASK, XmlEditError, XmlParseError
from ansible_collections.multidc.apim.plugins.module_utils.xml_engine.paths import Step, parse_path, xpath_literal
