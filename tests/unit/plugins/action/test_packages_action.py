# -*- coding: utf-8 -*-
"""The multidc.apim.packages action: what it asks the host, in order, and what it reports.

The modules it would run on the host are answered by a recording fake of
``_execute_module``; the decisions (read once, install only what is missing,
refresh apt lists whenever it installs, check mode) are the plugin's own code.
"""

from __future__ import absolute_import, division, print_function

from unittest import mock

import pytest

from ansible_collections.multidc.apim.plugins.action.packages import ActionModule

INSTALLED = {'python3': [{'version': '3.11'}], 'nginx': [{'version': '1.22'}]}


def make_action(names, check_mode=False):
    task = mock.MagicMock()
    task.args = {'name': names}
    task.async_val = 0
    task.check_mode = check_mode
    task.action = 'multidc.apim.packages'
    connection = mock.MagicMock()
    connection._shell.tmpdir = None
    return ActionModule(task, connection, mock.MagicMock(), loader=None, templar=None, shared_loader_obj=None)


def run(names, task_vars, answers, check_mode=False):
    """(result, calls): ``answers`` maps a module name to its result, or to a list of results in call order."""
    action = make_action(names, check_mode)
    calls = []

    def execute(module_name, module_args, task_vars):
        calls.append((module_name, module_args))
        answer = answers[module_name]
        return answer.pop(0) if isinstance(answer, list) else answer

    with mock.patch.object(ActionModule, '_execute_module', side_effect=execute):
        result = action.run(task_vars=task_vars)
    return result, calls


def facts(packages):
    return {'ansible_facts': {'packages': packages}}


def test_known_facts_and_nothing_missing_ask_the_host_nothing():
    result, calls = run(['nginx'], facts(INSTALLED), {})
    assert calls == []
    assert result['changed'] is False and result['missing'] == [] and 'ansible_facts' not in result


def test_unknown_facts_are_read_once_and_returned_for_later_tasks():
    result, calls = run(['nginx'], {}, {'ansible.legacy.package_facts': {'ansible_facts': {'packages': INSTALLED}}})
    assert [name for name, dummy in calls] == ['ansible.legacy.package_facts']
    assert result['ansible_facts'] == {'packages': INSTALLED} and result['changed'] is False


def test_a_missing_package_refreshes_the_lists_installs_only_it_and_reads_the_facts_anew():
    after = dict(INSTALLED, tree=[{'version': '2.1'}])
    result, calls = run(['nginx', 'tree'], facts(INSTALLED), {
        'ansible.legacy.apt': {'changed': True},
        'ansible.legacy.package_facts': {'ansible_facts': {'packages': after}},
    })
    assert calls == [('ansible.legacy.apt', {'name': ['tree'], 'state': 'present', 'update_cache': True}),
                     ('ansible.legacy.package_facts', {'manager': ['auto']})]
    assert result['changed'] is True and result['missing'] == ['tree']
    assert result['ansible_facts'] == {'packages': after}


def test_a_failed_install_fails_with_the_managers_message_and_keeps_no_facts():
    result, calls = run(['nosuch'], facts(INSTALLED), {
        'ansible.legacy.apt': {'failed': True, 'msg': 'No package matching nosuch'}})
    assert [name for name, dummy in calls] == ['ansible.legacy.apt']
    assert result['failed'] is True and result['msg'] == 'No package matching nosuch'
    assert 'ansible_facts' not in result


@pytest.mark.parametrize('matched, expected_calls', [
    (0, ['ansible.legacy.find']),
    (12, ['ansible.legacy.find', 'ansible.legacy.apt']),
], ids=['empty-lists-reported', 'lists-present-apt-looks-up'])
def test_check_mode(matched, expected_calls):
    result, calls = run(['tree'], facts(INSTALLED), {
        'ansible.legacy.find': {'matched': matched},
        'ansible.legacy.apt': {'changed': True},
    }, check_mode=True)
    assert [name for name, dummy in calls] == expected_calls
    assert result['changed'] is True and result['missing'] == ['tree']
    if matched == 0:
        assert result['msg'] == 'would refresh the empty apt lists and install tree'


@pytest.mark.parametrize('known, answers, expected_calls, module', [
    ('dnf5', {}, [], 'ansible.legacy.dnf5'),
    (None, {'ansible.legacy.setup': {'ansible_facts': {'ansible_pkg_mgr': 'dnf'}}}, ['ansible.legacy.setup'],
     'ansible.legacy.dnf'),
], ids=['manager-known', 'manager-asked'])
def test_redhat_installs_with_the_hosts_package_manager(known, answers, expected_calls, module):
    task_vars = {'ansible_facts': dict({'packages': INSTALLED, 'os_family': 'RedHat'}, **({'pkg_mgr': known} if known else {}))}
    answers = dict(answers, **{module: {'changed': True},
                               'ansible.legacy.package_facts': {'ansible_facts': {'packages': INSTALLED}}})
    result, calls = run(['tree'], task_vars, answers)
    assert [name for name, dummy in calls] == expected_calls + [module, 'ansible.legacy.package_facts']
    assert calls[len(expected_calls)] == (module, {'name': ['tree'], 'state': 'present'})
    assert result['changed'] is True


def test_an_unsupported_manager_fails_naming_it():
    task_vars = {'ansible_facts': {'packages': INSTALLED, 'os_family': 'RedHat', 'pkg_mgr': 'zypper'}}
    result, calls = run(['tree'], task_vars, {})
    assert calls == [] and result['failed'] is True
    assert result['msg'] == 'package manager zypper is not supported on this OS family (dnf, dnf5)'


def test_a_crashed_install_keeps_its_output_and_the_discovered_interpreter_is_kept():
    crash = {'failed': True, 'msg': 'MODULE FAILURE', 'module_stderr': 'Traceback: boom', 'rc': 1,
             'ansible_facts': {'discovered_interpreter_python': '/usr/bin/python3'}}
    result, dummy = run(['tree'], facts(INSTALLED), {'ansible.legacy.apt': crash})
    assert result['failed'] is True and result['module_stderr'] == 'Traceback: boom' and result['rc'] == 1
    assert result['ansible_facts'] == {'discovered_interpreter_python': '/usr/bin/python3'}


def test_facts_that_cannot_be_read_fail_naming_it():
    result, dummy = run(['tree'], {}, {'ansible.legacy.package_facts': {'failed': True, 'msg': 'no manager'}})
    assert result['failed'] is True and result['msg'] == 'cannot read the installed packages: no manager'
