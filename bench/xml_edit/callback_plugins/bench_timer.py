# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench helper (not shipped as a plugin of the collection): wall time of every task, as JSON."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
name: bench_timer
type: aggregate
short_description: Write the wall time of every task to the file named by BENCH_TIMER_OUT
description:
  - Used by bench/xml_edit_bench.py only.
requirements:
  - enabled in callbacks_enabled
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._tasks = []
        self._current = None

    def _close(self):
        if self._current is not None:
            self._current['seconds'] = time.perf_counter() - self._current.pop('start')
            self._tasks.append(self._current)
            self._current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self._current = dict(play=task.play.get_name(), task=task.get_name(), start=time.perf_counter(), changed=None)

    def _result(self, result, failed):
        if self._current is not None:
            self._current['changed'] = bool(result._result.get('changed'))
            self._current['failed'] = failed

    def v2_runner_on_ok(self, result):
        self._result(result, False)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, True)

    def v2_playbook_on_stats(self, stats):
        self._close()
        with open(os.environ['BENCH_TIMER_OUT'], 'w') as handle:
            json.dump(self._tasks, handle, indent=1)
