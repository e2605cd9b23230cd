"""The SVN servers of the depsync_svn scenario and a playbook runner, shared by its test modules."""
import os
import shutil
import subprocess

import pytest
import testinfra


def host_named(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


@pytest.fixture(scope="module")
def master():
    return host_named("ds-dc1-svn")


@pytest.fixture(scope="module")
def mirror():
    return host_named("ds-dc2-svn")


def run_playbook(playbook, *extra_args, timeout=300):
    """(rc, output) of ``playbook`` (relative to the scenario directory) against the scenario inventory."""
    binary = shutil.which("ansible-playbook")
    assert binary, "ansible-playbook not on PATH"
    proc = subprocess.run([binary, "-i", os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"]),
                           os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], playbook)] + list(extra_args),
                          capture_output=True, text=True, timeout=timeout, check=False,
                          env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0"))
    return proc.returncode, proc.stdout + proc.stderr
