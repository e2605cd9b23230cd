# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The engine's errors, and the lxml import every part of it shares."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import traceback

# The other parts of the engine import etree from here.
try:
    from lxml import etree  # pylint: disable=unused-import
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
