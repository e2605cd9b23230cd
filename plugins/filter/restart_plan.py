# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter over plugins/module_utils/rolling.py, for the common role's apim_service tasks."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.multidc.apim.plugins.module_utils.rolling import restart_plan as plan


def restart_plan(states, topology):
    try:
        return plan(states, topology)
    except ValueError as error:
        raise AnsibleFilterError('restart_plan: %s' % error)


class FilterModule(object):
    def filters(self):
        return {'restart_plan': restart_plan}
