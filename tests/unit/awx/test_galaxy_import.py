# -*- coding: utf-8 -*-
"""galaxy-importer passes on the built tarball, offline, with a changelog and
every module documented; and the same harness reports a collection whose
module documentation is broken (so the check can fail).

The importer runs from its own venv (.cache/galaxy-importer-venv, created on
first use: about a minute; see galaxy_importer_run.py and docs/awx.md).
"""

from __future__ import absolute_import, division, print_function

import glob
import os
import shutil
import subprocess
import tarfile

import pytest
import yaml

import galaxy_importer_run as gi

REPO = gi.REPO
MODULES = sorted(os.path.basename(p)[:-3] for p in glob.glob(os.path.join(REPO, 'plugins', 'modules', '*.py'))
                 if not p.endswith('__init__.py'))

pytestmark = pytest.mark.skipif(not os.path.exists(os.path.join(gi.MAIN_VENV_BIN, 'ansible-galaxy')),
                                reason='needs .venv (make setup)')


def _tail(text, lines=60):
    return '\n'.join(text.splitlines()[-lines:])


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    return gi.build_tarball(str(tmp_path_factory.mktemp('dist')))


@pytest.fixture(scope='module')
def imported(tarball, tmp_path_factory):
    return gi.run_import(tarball, str(tmp_path_factory.mktemp('import')))


def test_import_succeeds_without_errors(imported):
    assert imported['rc'] == 0, _tail(imported['log'])
    assert imported['completed'], _tail(imported['log'])
    assert imported['errors'] == [], '\n'.join(imported['errors'])
    assert imported['result'] is not None, 'importer_result.json was not written'


def test_every_module_is_documented(imported):
    docs = gi.documented(imported['result'], 'module')
    assert sorted(docs) == MODULES
    assert [name for name, has_doc in docs.items() if not has_doc] == []
    # The importer's own view of the module docs: short description, examples.
    for content in imported['result']['contents']:
        if content['content_type'] == 'module':
            assert content['description'], content['name']


def test_changelog_present_and_recognised(tarball, imported):
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
    assert 'changelogs/changelog.yaml' in names
    assert [w for w in imported['warnings'] if 'changelog' in w.lower()] == []


def test_requires_ansible_taken_from_runtime(imported):
    with open(os.path.join(REPO, 'meta', 'runtime.yml')) as handle:
        runtime = yaml.safe_load(handle)
    assert imported['result']['requires_ansible'] == runtime['requires_ansible']


def test_changelog_fragments_lint_clean():
    proc = subprocess.run([os.path.join(gi.MAIN_VENV_BIN, 'antsibull-changelog'), 'lint'], cwd=REPO,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == '', proc.stdout


def test_broken_module_documentation_is_reported(tmp_path):
    """The check must be able to fail: with a module whose DOCUMENTATION is not
    valid YAML, galaxy-importer itself still exits 0 and logs no ERROR (it
    just stores no docs for it), so success is judged on the docs of every
    module, as test_every_module_is_documented does."""
    src = tmp_path / 'src'
    src.mkdir()
    for entry in ('galaxy.yml', 'README.md', 'meta', 'plugins', 'changelogs'):
        path = os.path.join(REPO, entry)
        (shutil.copytree if os.path.isdir(path) else shutil.copy2)(path, str(src / entry))
    module = src / 'plugins' / 'modules' / (MODULES[0] + '.py')
    text = module.read_text()
    assert 'DOCUMENTATION = ' in text
    module.write_text(text.replace("short_description:", "short_description: [unclosed\n  bad: :", 1))
    broken = gi.build_tarball(str(tmp_path / 'dist'), source=str(src))
    out = gi.run_import(broken, str(tmp_path / 'import'))
    assert out['result'] is not None, _tail(out['log'])
    docs = gi.documented(out['result'], 'module')
    assert docs[MODULES[0]] is False, _tail(out['log'])
    assert all(docs[name] for name in MODULES[1:]), docs
