# -*- coding: utf-8 -*-
"""site.yml against the running lab, through ansible-runner, the way AWX runs
a job: a fresh private data dir per job with inventory/, env/extravars,
env/envvars and env/settings, the project directory being this repository,
and the result judged from the job events (playbook_on_stats), not from
ansible-playbook's exit code or its text output.

Run 1 must end with no failed and no unreachable host; run 2 (a new job, as
AWX would launch it) must change nothing on any host.

Needs the lab up (make lab, or: ansible-playbook -i inventories/lab
playbooks/lab/up.yml); skips, saying which containers are missing, when it is
not. Not part of `pytest tests/unit`:
    .venv/bin/pytest tests/integration -v
"""

from __future__ import absolute_import, division, print_function

import json
import os
import shutil
import subprocess

import pytest
import yaml

ansible_runner = pytest.importorskip('ansible_runner', reason='ansible-runner is pinned in requirements.txt')

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAB = os.path.join(REPO, 'inventories', 'lab')
VENV_BIN = os.path.join(REPO, '.venv', 'bin')
# A job that waits on a prompt (vars_prompt, pause) produces no output; AWX
# and ansible-runner kill it after idle_timeout. Short enough to fail the
# test instead of hanging CI, long enough for the slowest lab task.
IDLE_TIMEOUT = int(os.environ.get('MULTIDC_RUNNER_IDLE_TIMEOUT', '600'))
JOB_TIMEOUT = int(os.environ.get('MULTIDC_RUNNER_JOB_TIMEOUT', '3600'))
# site.yml is the job; another entry point (e.g. playbooks/verify.yml) can be
# run through the same harness while roles are being brought up.
PLAYBOOK = os.environ.get('MULTIDC_RUNNER_PLAYBOOK', 'site.yml')


def lab_hosts():
    with open(os.path.join(LAB, 'hosts.yml')) as handle:
        inventory = yaml.safe_load(handle)
    hosts = set()

    def walk(group):
        hosts.update((group or {}).get('hosts') or {})
        for child in ((group or {}).get('children') or {}).values():
            walk(child)

    walk(inventory['all'])
    return sorted(hosts)


def running_containers():
    try:
        out = subprocess.run(['docker', 'ps', '--format', '{{.Names}}'], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, universal_newlines=True, timeout=60, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        return None, str(exc)
    return set(out.split()), None


@pytest.fixture(scope='module')
def lab():
    hosts = lab_hosts()
    running, error = running_containers()
    if running is None:
        pytest.skip('the lab is not up: docker does not answer (%s)' % error)
    missing = [h for h in hosts if h not in running]
    if missing:
        pytest.skip('the lab is not up: %d of %d containers are not running (%s); bring it up with '
                    '`ansible-playbook -i inventories/lab playbooks/lab/up.yml`'
                    % (len(missing), len(hosts), ', '.join(missing)))
    return hosts


def private_data_dir(base, job_id):
    """Lay out a private data dir the way AWX does for one job."""
    pdd = base / ('job_%d' % job_id)
    # inventory/: AWX writes the job's inventory here; for the lab it is the
    # lab inventory itself, group_vars included.
    shutil.copytree(LAB, str(pdd / 'inventory'))
    # AWX installs collections/requirements.yml into requirements_collections
    # and puts it first on the collections path. Here the community.*
    # collections come from the venv's ansible package (standing in for the
    # EE), multidc.apim from the project's .collections symlink.
    (pdd / 'requirements_collections').mkdir(parents=True)
    env = pdd / 'env'
    env.mkdir()
    # Survey answers and AWX's own job variables arrive as extra vars.
    (env / 'extravars').write_text(yaml.safe_dump({
        'awx_job_id': job_id,
        'awx_job_template_name': 'multidc-apim deploy',
        'awx_user_name': 'ci',
        'worker_manager_allow_upgrade': 'false',
        'db_replication_reset': 'false',
    }))
    (env / 'envvars').write_text(yaml.safe_dump({
        'ANSIBLE_COLLECTIONS_PATH': '%s:%s' % (pdd / 'requirements_collections', os.path.join(REPO, '.collections')),
        'ANSIBLE_ROLES_PATH': os.path.join(REPO, 'roles'),
        'ANSIBLE_FORCE_COLOR': 'False',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_HOST_KEY_CHECKING': 'False',
        'ANSIBLE_RETRY_FILES_ENABLED': 'False',
        'ANSIBLE_LOCAL_TEMP': str(pdd / 'tmp'),
        'PYTHONUNBUFFERED': '1',
        # The venv's ansible-playbook, as the EE's would be.
        'PATH': '%s:%s' % (VENV_BIN, os.environ.get('PATH', '/usr/bin:/bin')),
        'VIRTUAL_ENV': os.path.join(REPO, '.venv'),
    }))
    (env / 'settings').write_text(yaml.safe_dump({
        'idle_timeout': IDLE_TIMEOUT,
        'job_timeout': JOB_TIMEOUT,
        'pexpect_timeout': 5,
        'suppress_ansible_output': True,
    }))
    # Nothing is typed at a prompt: no vault, become or ssh password expected.
    (env / 'passwords').write_text(yaml.safe_dump({}))
    return pdd


def run_job(base, job_id):
    pdd = private_data_dir(base, job_id)
    runner = ansible_runner.run(private_data_dir=str(pdd), project_dir=REPO, playbook=PLAYBOOK, quiet=True)
    events = list(runner.events)
    stats = [e for e in events if e.get('event') == 'playbook_on_stats']
    failed = ['%s %s: %s' % (e['event'], e['event_data'].get('host'), e['event_data'].get('task'))
              for e in events if e.get('event') in ('runner_on_failed', 'runner_on_unreachable')
              and not e['event_data'].get('ignore_errors')]
    return runner, events, stats, failed, pdd


def stdout_tail(pdd, lines=80):
    for root, _dirs, files in os.walk(str(pdd / 'artifacts')):
        if 'stdout' in files:
            with open(os.path.join(root, 'stdout')) as handle:
                return ''.join(handle.readlines()[-lines:])
    return '(no stdout artifact)'


def nonzero(counts):
    return {host: n for host, n in (counts or {}).items() if n}


def test_site_yml_through_ansible_runner_twice(lab, tmp_path):
    """The job twice: no failure or unreachable host, then nothing changed."""
    # Run 1: the deployment.
    runner, events, stats, failed, pdd = run_job(tmp_path, 1)
    assert len(stats) == 1, 'no playbook_on_stats event (status %s):\n%s' % (runner.status, stdout_tail(pdd))
    first = stats[0]['event_data']
    assert nonzero(first['failures']) == {}, '%s\n%s' % (failed, stdout_tail(pdd))
    assert nonzero(first['dark']) == {}, '%s\n%s' % (failed, stdout_tail(pdd))
    assert sorted(first['processed']) == lab, 'hosts in the recap differ from the lab inventory'
    assert runner.status == 'successful' and runner.rc == 0, (runner.status, runner.rc)
    print('run 1: changed per host %s' % json.dumps(first['changed'], sort_keys=True))

    # Run 2: a new job on the same lab changes nothing anywhere.
    runner, events, stats, failed, pdd = run_job(tmp_path, 2)
    assert len(stats) == 1, 'no playbook_on_stats event (status %s):\n%s' % (runner.status, stdout_tail(pdd))
    second = stats[0]['event_data']
    assert nonzero(second['failures']) == {} and nonzero(second['dark']) == {}, '%s\n%s' % (failed, stdout_tail(pdd))
    assert sorted(second['processed']) == lab
    changed_tasks = ['%s: %s' % (e['event_data'].get('host'), e['event_data'].get('task')) for e in events
                     if e.get('event') == 'runner_on_ok' and e['event_data'].get('res', {}).get('changed')]
    assert nonzero(second['changed']) == {}, 'not idempotent: %s' % changed_tasks
    assert runner.status == 'successful' and runner.rc == 0
