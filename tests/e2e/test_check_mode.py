"""`ansible-playbook site.yml -i inventories/lab --check` on a fresh lab: it runs
to the end and reports what a real run would change, touching nothing; with a
deliberately wrong input it fails, naming the input.

Runs before test_main_job.py (file order), on the same fresh lab (conftest.py).
"""
import pytest

WRONG_SHA256 = "0" * 64


@pytest.fixture(scope="module")
def check_runs(fresh_lab, commands):
    good = commands.playbook("site.yml", "--check")
    # The wrong checksum concerns the APIM nodes only; the run is limited to them.
    wrong = commands.playbook("site.yml", "--check", "--limit", "apim_managers:apim_workers",
                              "-e", "worker_manager_archive_sha256=" + WRONG_SHA256)
    return good, wrong


def test_check_mode_on_a_fresh_lab_runs_to_the_end_and_reports_changes(check_runs, commands):
    (rc, output), dummy = check_runs
    assert rc == 0, commands.tail(output)
    hosts = commands.recap(output)
    assert len(hosts) >= 12, sorted(hosts)
    assert [h for h, (ok, changed, unreachable, failed) in hosts.items() if failed or unreachable] == []
    would_change = sorted(h for h, (ok, changed, unreachable, failed) in hosts.items() if changed)
    assert [h for h in hosts if h.startswith("apim-") and h not in would_change] == []
    assert "PLAY [Verify | Report one table per DC" in output, "the run stopped before verify"


def test_check_mode_fails_on_a_wrong_input_naming_it(check_runs, commands):
    dummy, (rc, output) = check_runs
    assert rc != 0, commands.tail(output)
    assert "sha256 is " in output and "expected " + WRONG_SHA256 in output, commands.tail(output)
    assert "Fix: point worker_manager_archive_path" in output


@pytest.mark.parametrize("host, path", [
    ("apim-dc1-mgr1", "/opt/wso2"),
    ("apim-dc1-lb", "/usr/sbin/nginx"),
    ("apim-dc1-svn", "/var/lib/svn"),
    ("apim-dc1-db", "/usr/sbin/mariadbd"),
])
def test_check_mode_wrote_nothing(check_runs, commands, host, path):
    rc, output = commands.run("docker", "exec", host, "test", "-e", path)
    assert rc == 1, "%s:%s exists after check mode only" % (host, path)
