# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter over plugins/module_utils/seed_rows.py: the seed rows of a WSO2 script."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.multidc.apim.plugins.module_utils.seed_rows import seed_rows as script_seed_rows


def seed_rows(script):
    try:
        return script_seed_rows(script)
    except ValueError as error:
        raise AnsibleFilterError('seed_rows: %s' % error)


class FilterModule(object):
    def filters(self):
        return {'seed_rows': seed_rows}
