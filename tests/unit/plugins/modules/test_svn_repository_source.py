# -*- coding: utf-8 -*-
"""svn_repository_source on real repositories: svnadmin, svnlook and svnsync of the machine's Subversion."""

import hashlib
import os
import shutil
import subprocess

import pytest

from ansible_collections.multidc.apim.plugins.modules import svn_repository_info, svn_repository_source

pytestmark = pytest.mark.skipif(not shutil.which('svnadmin') or not shutil.which('svnsync'),
                                reason='needs Subversion (scripts/apt-packages.txt)')

PERMISSIVE_HOOK = '#!/bin/sh\nexit 0\n'


def run(*args):
    return subprocess.run(list(args), check=True, capture_output=True, text=True).stdout


def url(path):
    return 'file://' + str(path)


def commit(repo, tmp_path, name):
    work = tmp_path / ('wc-' + name)
    work.mkdir()
    (work / name).write_text(name + '\n')
    run('svn', 'import', '-q', '-m', 'add ' + name, str(work), url(repo) + '/' + name)


def mirror_of(source, target):
    """A new repository initialised and synced from ``source`` by svnsync, as the push makes one."""
    run('svnadmin', 'create', str(target))
    hook = target / 'hooks' / 'pre-revprop-change'
    hook.write_text(PERMISSIVE_HOOK)
    hook.chmod(0o755)
    run('svnsync', 'initialize', '-q', url(target), url(source))
    run('svnsync', 'synchronize', '-q', url(target))
    return target


def fingerprint(repo):
    """A digest of every file under db/: what a refused or check-mode run must leave byte-identical."""
    digest = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(str(repo / 'db'))):
        dirs.sort()
        for name in sorted(files):
            with open(os.path.join(root, name), 'rb') as handle:
                digest.update(name.encode() + handle.read())
    return digest.hexdigest()


def info(run_module, repo):
    result, failed = run_module(svn_repository_info, {'path': str(repo)})
    assert not failed
    return result


@pytest.fixture
def master_and_mirror(tmp_path):
    master = tmp_path / 'dc1'
    run('svnadmin', 'create', str(master))
    for name in ('one', 'two', 'three'):
        commit(master, tmp_path, name)
    return master, mirror_of(master, tmp_path / 'dc2')


def test_a_switchover_in_place_and_svnsync_goes_on_from_the_new_master(run_module, master_and_mirror, tmp_path):
    old, new = master_and_mirror
    master_uuid = info(run_module, old)['uuid']

    result, failed = run_module(svn_repository_source, {'path': str(new), 'state': 'master'}, diff=True)
    assert not failed and result['changed'] and result['sync_from_url'] is None
    assert result['diff']['before']['svn:sync-from-url'] == url(old)
    promoted = info(run_module, new)
    assert (promoted['mirror'], promoted['youngest'], promoted['sync_last_merged_rev']) == (False, 3, None)
    assert promoted['promoted_at'] == 3

    result, failed = run_module(svn_repository_source, {'path': str(old), 'state': 'mirror', 'source_url': url(new),
                                                        'uuid': promoted['uuid']})
    assert not failed and result['changed']
    demoted = info(run_module, old)
    assert demoted['promoted_at'] is None
    assert (demoted['sync_from_url'], demoted['sync_from_uuid'], demoted['sync_last_merged_rev']) == (
        url(new), promoted['uuid'], 3)
    # svnsync gave the mirror a UUID of its own; the old master now carries the new master's.
    assert promoted['uuid'] != master_uuid and demoted['uuid'] == promoted['uuid']

    hook = old / 'hooks' / 'pre-revprop-change'
    hook.write_text(PERMISSIVE_HOOK)
    hook.chmod(0o755)
    commit(new, tmp_path, 'four')
    run('svnsync', 'synchronize', '-q', url(old))
    assert info(run_module, old)['youngest'] == 4
    assert run('svnlook', 'cat', str(old), 'four/four') == 'four\n'

    for args in ({'path': str(new), 'state': 'master'},
                 {'path': str(old), 'state': 'mirror', 'source_url': url(new), 'uuid': promoted['uuid']}):
        result, failed = run_module(svn_repository_source, args)
        assert not failed and not result['changed'] and result['changes'] == []


def test_a_mirror_takes_the_uuid_it_is_given(run_module, master_and_mirror):
    old, new = master_and_mirror
    master_uuid = info(run_module, old)['uuid']
    run('svnadmin', 'setuuid', str(new))
    assert info(run_module, new)['uuid'] != master_uuid
    result, failed = run_module(svn_repository_source, {'path': str(new), 'state': 'mirror', 'source_url': url(old),
                                                        'uuid': master_uuid})
    assert not failed and result['changes'] == ['setuuid ' + master_uuid]
    assert info(run_module, new)['uuid'] == master_uuid


def test_check_mode_reports_and_writes_nothing(run_module, master_and_mirror):
    old, new = master_and_mirror
    before = fingerprint(new)
    result, failed = run_module(svn_repository_source, {'path': str(new), 'state': 'master'}, check_mode=True)
    assert not failed and result['changed']
    assert sorted(result['changes']) == ['delrevprop svn:sync-from-url', 'delrevprop svn:sync-from-uuid',
                                         'delrevprop svn:sync-last-merged-rev', 'setrevprop multidc-apim:promoted-at']
    assert fingerprint(new) == before and info(run_module, new)['mirror']


def test_a_lock_or_a_half_copied_revision_is_refused_and_nothing_changes(run_module, master_and_mirror):
    old, new = master_and_mirror
    for name, value in (('svn:sync-lock', 'apim-dc1-svn:3f1c'), ('svn:sync-currently-copying', '4')):
        run('svn', 'propset', '-q', '--revprop', '-r0', name, value, url(new))
        before = fingerprint(new)
        result, failed = run_module(svn_repository_source, {'path': str(new), 'state': 'master'})
        assert failed and name + '=' + value in result['msg'] and 'nothing was changed' in result['msg']
        assert fingerprint(new) == before
        run('svn', 'propdel', '-q', '--revprop', '-r0', name, url(new))


def test_a_mirror_that_did_not_finish_may_not_change_source(run_module, master_and_mirror):
    old, new = master_and_mirror
    run('svn', 'propset', '-q', '--revprop', '-r0', 'svn:sync-last-merged-rev', '2', url(new))
    before = fingerprint(new)
    result, failed = run_module(svn_repository_source, {'path': str(new), 'state': 'mirror',
                                                        'source_url': 'https://apim-dc3-svn/svn/apim',
                                                        'uuid': info(run_module, new)['uuid']})
    assert failed and 'svn:sync-last-merged-rev=2 but holds r3' in result['msg']
    assert fingerprint(new) == before


def test_no_repository_and_a_mirror_without_source_are_refused(run_module, tmp_path):
    result, failed = run_module(svn_repository_source, {'path': str(tmp_path / 'none'), 'state': 'master'})
    assert failed and result['msg'].startswith('no SVN repository at ')
    result, failed = run_module(svn_repository_source, {'path': str(tmp_path), 'state': 'mirror'})
    assert failed and 'source_url' in result['msg']
