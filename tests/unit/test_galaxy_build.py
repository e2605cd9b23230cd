"""`ansible-galaxy collection build` ships the collection and nothing of the
machine it was built on: no venv, lab state, caches or test output."""
import os
import subprocess
import sys
import tarfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NEVER_SHIPPED = ('.venv', '.cache', '.collections', '.git', '.lab', '.pytest_cache', 'build', 'tests/output')


def test_built_tarball_has_no_local_state(tmp_path):
    # Local state that a user's clone typically has, planted so the test can fail.
    planted = os.path.join(REPO, '.cache', 'planted-by-test_galaxy_build.txt')
    os.makedirs(os.path.dirname(planted), exist_ok=True)
    with open(planted, 'w') as handle:
        handle.write('test output\n')
    try:
        galaxy = os.path.join(os.path.dirname(sys.executable), 'ansible-galaxy')
        subprocess.run([galaxy, 'collection', 'build', REPO, '--output-path', str(tmp_path), '--force'],
                       check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO)
    finally:
        os.remove(planted)
    (tarball,) = list(tmp_path.glob('multidc-apim-*.tar.gz'))
    with tarfile.open(str(tarball)) as archive:
        names = archive.getnames()
    leaked = [n for n in names if n.split('/')[0] in NEVER_SHIPPED or '/'.join(n.split('/')[:2]) in NEVER_SHIPPED
              or '__pycache__' in n.split('/')]
    assert leaked == []
    assert 'galaxy.yml' not in names and 'MANIFEST.json' in names
    for needed in ('plugins/modules/carbon_xml.py', 'roles/db_replication/meta/argument_specs.yml', 'site.yml'):
        assert needed in names
