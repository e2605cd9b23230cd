# -*- coding: utf-8 -*-
# Copyright: multidc.apim contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action for multidc.apim.packages (documentation: plugins/modules/packages.py).

One task installs what a host lacks: it reads the installed packages once per
host (returned as a fact, so later tasks reuse it), and only when something
is missing refreshes the package lists and installs it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

from ansible.plugins.action import ActionBase

ARGUMENT_SPEC = {'name': {'type': 'list', 'elements': 'str', 'required': True}}
APT_LISTS = '/var/lib/apt/lists'
# Package managers of the RedHat family, by the name of their module.
RPM_MANAGERS = ('dnf', 'dnf5')
INSTALL_RESULT_KEYS = ('changed', 'failed', 'msg', 'rc', 'stdout', 'stderr', 'results', 'warnings', 'exception',
                       'module_stdout', 'module_stderr')


class ActionModule(ActionBase):
    """Install the packages of ``name`` that the host does not have."""

    TRANSFERS_FILES = False

    def __init__(self, *args, **kwargs):
        super(ActionModule, self).__init__(*args, **kwargs)
        self._facts = {}

    def _module(self, name, args, task_vars):
        result = self._execute_module(module_name=name, module_args=args, task_vars=task_vars)
        # Keep the interpreter ansible-core discovered, so the next task does not discover it again.
        self._facts.update((key, value) for key, value in result.get('ansible_facts', {}).items()
                           if key.startswith('discovered_interpreter_'))
        return result

    def _rpm_manager(self, task_vars):
        """The module of the host's package manager (as ansible.builtin.package picks it), or a failed result."""
        manager = (task_vars.get('ansible_facts') or {}).get('pkg_mgr')
        if not manager:
            found = self._module('ansible.legacy.setup', {'filter': 'ansible_pkg_mgr', 'gather_subset': '!all'}, task_vars)
            if found.get('failed'):
                return None, found
            manager = found.get('ansible_facts', {}).get('ansible_pkg_mgr')
        if manager not in RPM_MANAGERS:
            return None, {'failed': True, 'msg': 'package manager %s is not supported on this OS family (%s)'
                                                 % (manager, ', '.join(RPM_MANAGERS))}
        return manager, None

    def _installed(self, task_vars, refresh=False):
        """The package facts: from the host's facts when known, otherwise read (and returned as new facts)."""
        known = (task_vars.get('ansible_facts') or {}).get('packages')
        if known is not None and not refresh:
            return known, {}, None
        read = self._module('ansible.legacy.package_facts', {'manager': ['auto']}, task_vars)
        if read.get('failed'):
            return None, {}, read
        packages = read.get('ansible_facts', {}).get('packages', {})
        return packages, {'packages': packages}, None

    def _install(self, missing, task_vars):
        """The install's result; apt refreshes its lists first, whatever their age."""
        facts = task_vars.get('ansible_facts') or {}
        if facts.get('os_family', 'Debian') != 'Debian':
            manager, failure = self._rpm_manager(task_vars)
            if failure is not None:
                return failure
            return self._module('ansible.legacy.' + manager, {'name': missing, 'state': 'present'}, task_vars)
        if self._task.check_mode:
            # Check mode may not refresh empty lists, and apt cannot look a name up without them.
            lists = self._module('ansible.legacy.find', {'paths': [APT_LISTS], 'patterns': ['*_Packages*']}, task_vars)
            if not lists.get('failed') and lists.get('matched', 0) == 0:
                return {'changed': True, 'msg': 'would refresh the empty apt lists and install %s' % ', '.join(missing)}
        return self._module('ansible.legacy.apt', {'name': missing, 'state': 'present', 'update_cache': True}, task_vars)

    def run(self, tmp=None, task_vars=None):
        del tmp  # unused, kept for the ActionBase signature
        self._supports_check_mode = True
        result = super(ActionModule, self).run(task_vars=task_vars)
        task_vars = task_vars or {}
        dummy, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        try:
            installed, new_facts, failure = self._installed(task_vars)
            if failure is not None:
                result.update(failure)
                result['msg'] = 'cannot read the installed packages: %s' % failure.get('msg', '')
                return result
            missing = [name for name in args['name'] if name not in installed]
            result.update(changed=False, missing=missing)
            if missing:
                install = self._install(missing, task_vars)
                result.update((key, install[key]) for key in INSTALL_RESULT_KEYS if key in install)
                if install.get('changed') and not install.get('failed') and not self._task.check_mode:
                    # Later tasks of the play read the facts instead of asking again.
                    dummy2, new_facts, failure = self._installed(task_vars, refresh=True)
                    if failure is not None:
                        result.update(failed=True, msg='installed %s, then cannot read the installed packages: %s'
                                      % (', '.join(missing), failure.get('msg', '')))
            self._facts.update(new_facts)
            if self._facts:
                result['ansible_facts'] = self._facts
            return result
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)  # pylint: disable=protected-access
