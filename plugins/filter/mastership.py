# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over plugins/module_utils/mastership.py, for playbooks/master_guard.yml and playbooks/master_move.yml."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.multidc.apim.plugins.module_utils.mastership import master_guard, move_plan


class FilterModule(object):
    def filters(self):
        return {'master_guard': master_guard, 'move_plan': move_plan}
