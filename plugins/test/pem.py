# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test over plugins/module_utils/tls.py: whether a TLS variable holds PEM text rather than a controller path."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.multidc.apim.plugins.module_utils.tls import is_pem


class TestModule(object):
    def tests(self):
        return {'pem': is_pem}
