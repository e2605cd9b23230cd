# -*- coding: utf-8 -*-
"""svn_repository_info's reading of a repository, with svnlook's answers given as svnlook prints them."""

import base64

import pytest

from ansible_collections.multidc.apim.plugins.module_utils.svn_repository import read_repository

UUID = 'f9a3c2de-2b4e-4f1c-9a43-6a3f0e1c2b7d'
DATE = '<property\n   name="svn:date">2026-11-27T09:00:00.000000Z</property>\n'


def proplist(*properties):
    """``svnlook proplist --revprop -r 0 -v --xml``'s output for (name, value) pairs."""
    body = DATE + ''.join('<property\n   name="%s">%s</property>\n' % prop for prop in properties)
    return '<?xml version="1.0" encoding="UTF-8"?>\n<properties>\n<revprops\n   rev="0">\n%s</revprops>\n</properties>\n' % body


def repository(tmp_path, youngest, props):
    (tmp_path / 'format').write_text('5\n')
    answers = {'youngest': '%d\n' % youngest, 'uuid': UUID + '\n', 'proplist': props}
    calls = []

    def svnlook(*args):
        calls.append(args)
        assert args[-1] == str(tmp_path)
        return answers[args[0]]
    return str(tmp_path), svnlook, calls


def test_a_master_records_no_source(tmp_path):
    path, svnlook, calls = repository(tmp_path, 42, proplist())
    result = read_repository(path, svnlook)
    assert result == {'exists': True, 'youngest': 42, 'uuid': UUID, 'mirror': False, 'sync_from_url': None,
                      'sync_from_uuid': None, 'sync_last_merged_rev': None, 'sync_lock': None,
                      'sync_currently_copying': None, 'promoted_at': None}
    assert ('proplist', '--revprop', '-r', '0', '-v', '--xml', path) in calls


def test_a_mirror_records_its_master(tmp_path):
    path, svnlook, dummy = repository(tmp_path, 41, proplist(
        ('svn:sync-from-url', 'https://apim-dc1-svn/svn/apim'), ('svn:sync-from-uuid', UUID),
        ('svn:sync-last-merged-rev', '41'), ('svn:sync-lock', 'apim-dc1-svn:8d0c')))
    result = read_repository(path, svnlook)
    assert result['mirror'] is True
    assert (result['sync_from_url'], result['sync_from_uuid'], result['sync_last_merged_rev'], result['sync_lock']) == (
        'https://apim-dc1-svn/svn/apim', UUID, 41, 'apim-dc1-svn:8d0c')


def test_a_base64_value_is_decoded(tmp_path):
    encoded = base64.b64encode(b'https://apim-dc1-svn/svn/apim\n').decode()
    props = proplist().replace('</revprops>', '<property\n   name="svn:sync-from-url"\n   encoding="base64">%s'
                                              '</property>\n</revprops>' % encoded)
    path, svnlook, dummy = repository(tmp_path, 3, props)
    assert read_repository(path, svnlook)['sync_from_url'] == 'https://apim-dc1-svn/svn/apim'


def test_no_repository_runs_no_svnlook(tmp_path):
    def svnlook(*args):
        pytest.fail('svnlook ran without a repository: %s' % (args,))
    result = read_repository(str(tmp_path / 'missing'), svnlook)
    assert result['exists'] is False and result['youngest'] is None and result['mirror'] is False


def test_through_main_a_missing_repository_is_reported_or_refused(run_module, tmp_path):
    from ansible_collections.multidc.apim.plugins.modules import svn_repository_info
    missing = str(tmp_path / 'apim')
    result, failed = run_module(svn_repository_info, {'path': missing}, check_mode=True)
    assert not failed and result['exists'] is False and result['changed'] is False
    result, failed = run_module(svn_repository_info, {'path': missing, 'must_exist': True})
    assert failed and result['msg'] == 'no SVN repository at %s (no %s/format)' % (missing, missing)
