# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters over plugins/module_utils/replication.py, for the db_replication role."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.multidc.apim.plugins.module_utils.replication import (
    replication_health,
    replication_plan,
    shared_ids,
    unreachable_peers,
)


class FilterModule(object):
    def filters(self):
        return {'replication_health': replication_health, 'replication_plan': replication_plan,
                'shared_ids': shared_ids, 'unreachable_peers': unreachable_peers}
