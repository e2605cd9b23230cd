# -*- coding: utf-8 -*-
"""Run galaxy-importer, offline, on the collection tarball.

galaxy-importer cannot live in .venv (it pins attrs 23.2.0, .venv pins
attrs 26.1.0), so it gets its own virtualenv, created on demand under
.cache/galaxy-importer-venv from .config/galaxy-importer-requirements.txt and
rebuilt only when the sha256 of that file changes (the same stamp scheme as
scripts/setup.sh, applied to a different directory; .venv is never touched).

Configuration: .config/galaxy-importer.cfg through GALAXY_IMPORTER_CONFIG
(no ansible-test, so no docker/podman; ansible-lint, when turned on, with
--offline). Temporary files go under a directory the caller gives.

Standalone (prints the summary, exit 1 on any error):
    .venv/bin/python tests/unit/awx/galaxy_importer_run.py [tarball]
"""

from __future__ import absolute_import, division, print_function

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
REQUIREMENTS = os.path.join(REPO, '.config', 'galaxy-importer-requirements.txt')
CONFIG = os.path.join(REPO, '.config', 'galaxy-importer.cfg')
VENV = os.path.join(REPO, '.cache', 'galaxy-importer-venv')
STAMP = os.path.join(VENV, '.multidc-requirements.sha256')
MAIN_VENV_BIN = os.path.join(REPO, '.venv', 'bin')

# A log line of galaxy-importer: "ERROR: ..." / "WARNING: ..."; INFO lines
# carry no prefix (galaxy_importer.main.CustomFormatter).
LEVEL_RE = re.compile(r'^(ERROR|WARNING|CRITICAL): ')


def _digest(path):
    with open(path, 'rb') as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def ensure_venv(python=sys.executable):
    """Create or refresh the importer's venv; return its python. Idempotent."""
    digest = _digest(REQUIREMENTS)
    py = os.path.join(VENV, 'bin', 'python')
    if os.path.isfile(STAMP) and os.path.isfile(py):
        with open(STAMP) as handle:
            if handle.read().strip() == digest:
                return py
    # Half-made or stale: rebuild this venv only (never .venv).
    shutil.rmtree(VENV, ignore_errors=True)
    # Made from the base interpreter behind .venv, not from .venv itself.
    base_python = os.path.join(sys.base_prefix, 'bin', 'python3')
    if not os.path.exists(base_python):
        base_python = python
    subprocess.run([base_python, '-m', 'venv', VENV], check=True)
    proc = subprocess.run([py, '-m', 'pip', 'install', '-q', '-r', REQUIREMENTS],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    if proc.returncode != 0:
        shutil.rmtree(VENV, ignore_errors=True)
        raise RuntimeError('pip install of %s failed:\n%s' % (REQUIREMENTS, proc.stdout[-4000:]))
    with open(STAMP, 'w') as handle:
        handle.write(digest + '\n')
    return py


def build_tarball(output_dir, source=REPO):
    """ansible-galaxy collection build (the venv's ansible-core); return the tarball path."""
    subprocess.run([os.path.join(MAIN_VENV_BIN, 'ansible-galaxy'), 'collection', 'build', source,
                    '--output-path', output_dir, '--force'],
                   check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    found = glob.glob(os.path.join(output_dir, 'multidc-apim-*.tar.gz'))
    if len(found) != 1:
        raise RuntimeError('expected one tarball in %s, found %r' % (output_dir, found))
    return found[0]


def run_import(tarball, workdir, extra_env=None, timeout=900):
    """Run galaxy-importer on tarball in workdir; return a result dict.

    rc, log (stdout+stderr), errors / warnings (the ERROR: / WARNING: lines),
    completed (the importer's own success line), result (importer_result.json,
    or None when it was not written).
    """
    py = ensure_venv()
    tmp = os.path.join(workdir, 'importer-tmp')
    os.makedirs(tmp, exist_ok=True)
    venv_bin = os.path.dirname(py)
    env = {
        # Only what the importer needs; nothing from the caller's .venv, so
        # ansible-doc and ansible-lint are the importer venv's own.
        'PATH': '%s:/usr/bin:/bin' % venv_bin,
        'HOME': os.path.join(workdir, 'home'),
        'LANG': 'C.UTF-8',
        'GALAXY_IMPORTER_CONFIG': CONFIG,
        'GALAXY_IMPORTER_ANSIBLE_LOCAL_TMP': os.path.join(tmp, 'ansible'),
        'GALAXY_IMPORTER_TMP_ROOT_DIR': tmp,
        'ANSIBLE_NOCOLOR': '1',
        # No Galaxy server is reachable: fail fast rather than hang if
        # anything tried (nothing should, with this config).
        'ANSIBLE_GALAXY_SERVER': 'http://127.0.0.1:9/',
        'NO_PROXY': '*',
    }
    env.update(extra_env or {})
    os.makedirs(env['HOME'], exist_ok=True)
    result_file = os.path.join(workdir, 'importer_result.json')
    if os.path.exists(result_file):
        os.remove(result_file)
    proc = subprocess.run([py, '-m', 'galaxy_importer.main', os.path.abspath(tarball)], cwd=workdir, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=timeout, check=False)
    lines = proc.stdout.splitlines()
    levels = [(m.group(1), line) for line in lines for m in [LEVEL_RE.match(line)] if m]
    result = None
    if os.path.exists(result_file):
        with open(result_file) as handle:
            result = json.load(handle)
    return {
        'rc': proc.returncode,
        'log': proc.stdout,
        'errors': [line for level, line in levels if level in ('ERROR', 'CRITICAL')],
        'warnings': [line for level, line in levels if level == 'WARNING'],
        'completed': 'Importer processing completed successfully' in lines,
        'result': result,
    }


def documented(result, content_type):
    """{name: has doc_strings} for one content type of an importer result."""
    return {c['content_name']: bool(c.get('doc_strings')) for c in result['docs_blob']['contents']
            if c['content_type'] == content_type}


def main(argv):
    work = tempfile.mkdtemp(prefix='multidc-galaxy-import-')
    tarball = argv[0] if argv else build_tarball(os.path.join(work, 'dist'))
    out = run_import(tarball, work)
    print(out['log'])
    print('galaxy-importer: rc=%d completed=%s errors=%d warnings=%d (work dir %s)'
          % (out['rc'], out['completed'], len(out['errors']), len(out['warnings']), work))
    return 0 if out['rc'] == 0 and out['completed'] and not out['errors'] else 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
