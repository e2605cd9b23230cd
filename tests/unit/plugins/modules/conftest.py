"""Run a module's real ``main()`` in-process: arguments through ``patch_module_args``,
``exit_json``/``fail_json`` turned into exceptions so the code stops where the real module would."""

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.multidc.apim.tests.unit.plugins.module_utils.carbon_fixtures import copy_pack


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super(ModuleExit, self).__init__(result.get('msg', ''))
        self.result = result
        self.failed = failed


def _exit_json(self, **kwargs):
    kwargs.setdefault('changed', False)
    raise ModuleExit(kwargs, failed=False)


def _fail_json(self, msg, **kwargs):
    kwargs['msg'] = msg
    kwargs['failed'] = True
    raise ModuleExit(kwargs, failed=True)


@pytest.fixture
def run_module(monkeypatch):
    """``run_module(module, args, check_mode=False, diff=False)`` -> ``(result, failed)``."""
    monkeypatch.setattr(basic.AnsibleModule, 'exit_json', _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, 'fail_json', _fail_json)

    def run(module, args, check_mode=False, diff=False):
        args = dict(args)
        args['_ansible_check_mode'] = check_mode
        args['_ansible_diff'] = diff
        args.setdefault('_ansible_remote_tmp', '/tmp')
        args.setdefault('_ansible_keep_remote_files', False)
        with patch_module_args(args):
            with pytest.raises(ModuleExit) as info:
                module.main()
        return info.value.result, info.value.failed

    return run


@pytest.fixture
def pack(tmp_path):
    """``pack(version)`` -> a temporary copy of ``tests/fixtures/carbon/<version>``, as shipped."""
    def copy(version):
        target = tmp_path / version
        copy_pack(version, str(target))
        return target
    return copy
