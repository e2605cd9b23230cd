# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over plugins/module_utils/tls.py, for the deployment CA's certificates."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.multidc.apim.plugins.module_utils.tls import pem_certificates, subject_alt_name


class FilterModule(object):
    def filters(self):
        return {'pem_certificates': pem_certificates, 'subject_alt_name': subject_alt_name}
