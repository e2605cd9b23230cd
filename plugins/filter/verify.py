# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter over plugins/module_utils/verify.py, for playbooks/verify.yml."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.multidc.apim.plugins.module_utils.verify import (
    apim_node_verdict,
    consistency_scope,
    consistency_verdict,
    replication_tier_column,
    svn_tier_verdict,
)


class FilterModule(object):
    def filters(self):
        return {'apim_node_verdict': apim_node_verdict, 'consistency_scope': consistency_scope,
                'consistency_verdict': consistency_verdict, 'replication_tier_column': replication_tier_column,
                'svn_tier_verdict': svn_tier_verdict}
