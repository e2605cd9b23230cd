"""Testinfra checks for the smoke scenario: systemd runs as PID 1, the unit converged, and
packages install on a host whose apt lists are empty and new."""
import os
import subprocess


def test_systemd_is_pid_one(host):
    assert host.process.get(pid=1).comm == "systemd"


def test_smoke_unit_enabled_and_active(host):
    unit = host.service("multidc-smoke.service")
    assert unit.is_enabled
    assert unit.is_running or host.file("/run/multidc-smoke").exists


def test_smoke_unit_ran_once_at_start(host):
    marker = host.file("/run/multidc-smoke")
    assert marker.exists
    assert marker.content_string.strip() == "smoke"


def test_marker_directory_mode(host):
    directory = host.file("/etc/multidc-apim")
    assert directory.is_directory
    assert directory.mode == 0o755


# The regression of a fresh machine's first `make lab`: the base image has no
# apt lists, and its lists directory is as new as the image. The time-stamp
# check of the old lab task (cache_valid_time: 3600) took those lists for
# fresh, skipped the refresh and could not find subversion.
REPO = os.environ["MOLECULE_PROJECT_DIRECTORY"]
INVENTORY = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])
TIME_STAMP_TASK = """
- hosts: smoke
  gather_facts: false
  tasks:
    - name: The lab's install task before the fix
      ansible.builtin.apt:
        name: subversion
        state: present
        update_cache: true
        cache_valid_time: 3600
"""


def empty_apt_lists(host):
    """What molecule/resources/tasks/empty_apt_lists.yml does, with its check."""
    assert host.run("find /var/lib/apt/lists -mindepth 1 -maxdepth 1 -name '*_*' -delete && touch /var/lib/apt/lists").rc == 0
    assert host.run("ls /var/lib/apt/lists | grep -c _Packages").stdout.strip() == "0"


def run_playbook(playbook, *inventories):
    command = ["ansible-playbook"]
    for inventory in (INVENTORY,) + inventories:
        command += ["-i", str(inventory)]
    process = subprocess.run(command + [str(playbook)], capture_output=True, text=True, timeout=600, cwd=REPO,
                             check=False)
    return process.returncode, process.stdout + process.stderr


def test_a_time_stamp_cache_check_fails_on_new_empty_lists(host, tmp_path):
    """The trap is real on this host: without it the next test proves nothing."""
    empty_apt_lists(host)
    playbook = tmp_path / "time_stamp_task.yml"
    playbook.write_text(TIME_STAMP_TASK)
    rc, output = run_playbook(playbook)
    assert rc != 0, output
    assert "No package matching 'subversion' is available" in output
    assert not host.package("subversion").is_installed


def test_lab_standin_deps_install_on_new_empty_lists(host, tmp_path):
    empty_apt_lists(host)
    name = host.backend.get_hostname()
    groups = tmp_path / "groups.yml"
    groups.write_text("all:\n  children:\n    apim_workers:\n      hosts:\n        %s: {}\n" % name)
    rc, output = run_playbook(os.path.join(REPO, "playbooks", "lab", "standin_deps.yml"), groups)
    assert rc == 0, output
    assert host.package("subversion").is_installed


def test_converge_installed_a_package_on_empty_lists(host):
    assert host.package("tree").is_installed
