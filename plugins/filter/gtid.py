# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""GTID positions for db_replication's level wait, over plugins/module_utils/consistency.py."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.multidc.apim.plugins.module_utils.consistency import (
    ConsistencyError,
    format_gtid_pos,
    parse_gtid_pos,
    union_position,
    wait_position,
)


def gtid_wait_position(positions, own):
    try:
        union = union_position(parse_gtid_pos(position) for position in positions)
        return format_gtid_pos(wait_position(union, parse_gtid_pos(own)))
    except ConsistencyError as error:
        raise AnsibleFilterError('gtid_wait_position: %s' % error)


class FilterModule(object):
    def filters(self):
        return {'gtid_wait_position': gtid_wait_position}
