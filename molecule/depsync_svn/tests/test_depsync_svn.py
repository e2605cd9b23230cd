"""Deployment synchronization across two DCs: SVN master in dc1, read-only mirror in dc2.

Every test acts on the real services (Apache + mod_dav_svn, svnsync, systemd
units) of the scenario's containers and polls with a bound in time.
"""
import os
import time
import uuid
import xml.etree.ElementTree as ET

import pytest
import testinfra

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
# Hosts are picked per test below; this module needs no per-host parametrisation.
testinfra_hosts = ["ansible://ds-dc1-svn"]

MASTER_URL = "http://ds-dc1-svn/svn/apim"
MIRROR_URL = "http://ds-dc2-svn/svn/apim"
REPO = "/var/lib/svn/apim"
DEPSYNC = ("depsync", "ds-depsync")
SYNC = ("svnsync", "ds-svnsync")
CARBON_XML = "/opt/wso2/wso2am-2.6.0/repository/conf/carbon.xml"
CARBON_NS = {"c": "http://wso2.org/projects/carbon/carbon.xml"}
# The scenario's timer runs every 5 s; a catch-up must show well within this.
CATCH_UP_SECONDS = 40


def _host(name):
    return testinfra.get_host("ansible://" + name, ansible_inventory=INVENTORY)


@pytest.fixture(scope="module")
def master():
    return _host("ds-dc1-svn")


@pytest.fixture(scope="module")
def mirror():
    return _host("ds-dc2-svn")


def _auth(account):
    return "--non-interactive --no-auth-cache --username {} --password {}".format(*account)


def put(host, url, name, content, account=DEPSYNC):
    """Commit one file with svnmucc over HTTP; returns the command result."""
    return host.run("printf %%s %s | svnmucc " + _auth(account) + " -m %s put /dev/stdin %s",
                    content, "test-" + name, "%s/%s" % (url, name))


def youngest(host):
    return int(host.check_output("svnlook youngest %s", REPO))


def revprop(host, name):
    cmd = host.run("svnlook propget --revprop -r 0 %s %s", REPO, name)
    return cmd.stdout.strip() if cmd.rc == 0 else ""


def wait_for(predicate, seconds=CATCH_UP_SECONDS, step=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def push_log_since(master, since):
    return master.check_output("journalctl -t svn-mirror-push --since @%s --no-pager -o cat", str(since))


def test_servers_and_push_units_run(master, mirror):
    for host in (master, mirror):
        assert host.service("apache2").is_running
    assert master.service("svn-mirror-push@dc2.socket").is_running
    assert master.file("/run/svn-mirror/dc2.fifo").is_pipe
    assert master.service("svn-mirror-push@dc2.timer").is_running
    assert revprop(mirror, "svn:sync-from-url") == MASTER_URL


def test_commit_on_master_reaches_mirror(master, mirror):
    """The post-commit push alone (timer stopped) delivers a commit to the mirror."""
    name = "artifact-%s.xml" % uuid.uuid4().hex[:8]
    master.check_output("systemctl stop svn-mirror-push@dc2.timer")
    try:
        result = put(master, MASTER_URL, name, "<api/>")
        assert result.rc == 0, result.stderr
        rev = youngest(master)
        assert wait_for(lambda: youngest(mirror) >= rev, seconds=15), \
            "mirror stayed at r%d, master is at r%d" % (youngest(mirror), rev)
    finally:
        master.run("systemctl start svn-mirror-push@dc2.timer")
    assert mirror.check_output("svnlook cat %s %s", REPO, name) == "<api/>"
    assert mirror.check_output("svnlook author -r %s %s", str(rev), REPO) == "depsync"


def test_sync_password_stays_off_command_lines_and_shared_files(master):
    """svnsync reads the sync account from the push user's auth area (0600), not from argv or the unit."""
    auth_dir = "/var/lib/svn-mirror/.subversion/auth/svn.simple"
    files = master.check_output("find %s -type f", auth_dir).split()
    assert len(files) == 2, files  # one realm for the master, one for the mirror
    for path in files:
        cred = master.file(path)
        assert (cred.user, cred.mode) == ("svn-mirror", 0o600)
        assert cred.contains("^%s$" % SYNC[1])
    for path in ("/usr/local/sbin/svn-mirror-push", "/etc/systemd/system/svn-mirror-push@.service"):
        assert SYNC[1] not in master.file(path).content_string
        assert "password" not in master.file(path).content_string
    assert not master.file("/etc/svn-mirror/push.env").exists
    # A push that has to authenticate against both realms still works.
    since = int(time.time())
    run = master.run("timeout 60 systemctl start svn-mirror-push@dc2.service")
    assert run.rc == 0, push_log_since(master, since)


def test_commit_on_mirror_is_rejected(master, mirror):
    before = youngest(mirror)
    result = put(mirror, MIRROR_URL, "forbidden.xml", "<nope/>")
    assert result.rc != 0
    assert youngest(mirror) == before
    assert mirror.run("svnlook cat %s forbidden.xml", REPO).rc != 0


def test_mirror_hooks_reject_commits_that_bypass_apache(mirror):
    """Second layer: the hooks refuse depsync even on direct (file://) access."""
    before = youngest(mirror)
    commit = mirror.run(
        "printf x > /tmp/bypass && runuser -u www-data -- svnmucc -U file://%s -u depsync -m bypass put /tmp/bypass "
        "bypass.xml", REPO)
    assert commit.rc != 0
    assert "read-only mirror" in commit.stderr
    revprop_change = mirror.run(
        "runuser -u www-data -- svn propset --revprop -r 0 --username depsync svn:log x file://%s", REPO)
    assert revprop_change.rc != 0
    assert youngest(mirror) == before


def test_mirror_serves_checkouts_while_master_is_down_and_catches_up(master, mirror):
    since = int(time.time())
    name = "outage-%s.xml" % uuid.uuid4().hex[:8]
    master.check_output("systemctl stop apache2")
    try:
        assert mirror.run("svn info %s %s" % (_auth(DEPSYNC), MASTER_URL)).rc != 0, "master still answers"
        checkout = mirror.run("rm -rf /root/wc && svn checkout -q %s %s /root/wc && ls /root/wc"
                              % (_auth(DEPSYNC), MIRROR_URL))
        assert checkout.rc == 0, checkout.stderr
        # A revision the mirror does not have yet: written on the master host
        # itself while its HTTP front end is down (hooks run as for any commit).
        local = master.run(
            "printf y > /tmp/outage && runuser -u www-data -- svnmucc -U file://%s -u depsync -m outage put /tmp/outage "
            "%s", REPO, name)
        assert local.rc == 0, local.stderr
        rev = youngest(master)
        time.sleep(2)
        assert youngest(mirror) < rev
    finally:
        master.run("systemctl start apache2")
    assert wait_for(lambda: youngest(mirror) >= rev), "mirror did not catch up with r%d" % rev
    assert mirror.check_output("svnlook cat %s %s", REPO, name) == "y"
    assert "failed" in push_log_since(master, since)


def test_stale_sync_lock_is_recovered(master, mirror):
    since = int(time.time())
    lock = "ds-dc1-svn:%s" % uuid.uuid4()
    inject = master.run("svn propset --revprop -r 0 svn:sync-lock %s %s %s" % (lock, _auth(SYNC), MIRROR_URL))
    assert inject.rc == 0, inject.stderr
    assert revprop(mirror, "svn:sync-lock") == lock
    result = put(master, MASTER_URL, "after-lock-%s.xml" % uuid.uuid4().hex[:8], "z")
    assert result.rc == 0, result.stderr
    rev = youngest(master)
    assert wait_for(lambda: youngest(mirror) >= rev), "mirror stuck behind the injected lock"
    assert revprop(mirror, "svn:sync-lock") == ""
    assert "stale sync lock '%s'" % lock in push_log_since(master, since)


def test_dead_mirror_never_blocks_a_commit_and_is_retried(master, mirror):
    since = int(time.time())
    mirror.check_output("systemctl stop apache2")
    try:
        started = time.monotonic()
        result = put(master, MASTER_URL, "while-mirror-down-%s.xml" % uuid.uuid4().hex[:8], "w")
        elapsed = time.monotonic() - started
        assert result.rc == 0, result.stderr
        assert elapsed < 5, "commit waited %.1f s on a dead mirror" % elapsed
        rev = youngest(master)
        assert wait_for(lambda: "unreachable" in push_log_since(master, since), seconds=20)
    finally:
        mirror.run("systemctl start apache2")
    # Retried by the timer, no new commit needed; no lock left behind.
    assert wait_for(lambda: youngest(mirror) >= rev), "timer did not retry the push"
    assert revprop(mirror, "svn:sync-lock") == ""


def test_unresolvable_mirror_url_fails_with_a_clear_line(master):
    since = int(time.time())
    master.check_output(
        "printf 'MIRROR_URL=http://ds-nowhere-svn.invalid/svn/apim\\n' > /etc/svn-mirror/mirrors/bogus.conf")
    try:
        run = master.run("timeout 60 systemctl start svn-mirror-push@bogus.service")
        assert run.rc != 0
        log = push_log_since(master, since)
        assert "bogus: mirror http://ds-nowhere-svn.invalid/svn/apim unreachable" in log
    finally:
        master.run("rm -f /etc/svn-mirror/mirrors/bogus.conf; "
                   "systemctl reset-failed svn-mirror-push@bogus.service")


@pytest.mark.parametrize("name, dc, committer", [("ds-dc1-mgr1", "dc1", True), ("ds-dc2-mgr1", "dc2", False)])
def test_carbon_xml_depsync(name, dc, committer):
    root = ET.fromstring(_host(name).file(CARBON_XML).content_string)
    depsync = root.find("c:DeploymentSynchronizer", CARBON_NS)
    assert depsync is not None

    def value(tag):
        return depsync.find("c:" + tag, CARBON_NS).text.strip()

    assert value("Enabled") == "true"
    assert value("AutoCommit") == ("true" if committer else "false")
    assert value("AutoCheckout") == "true"
    assert value("SvnUrl") == "http://ds-%s-svn/svn/apim" % dc
    assert value("SvnUser") == "depsync"
    assert root.find("c:Axis2Config/c:DeploymentUpdateInterval", CARBON_NS).text.strip() == "10"


def test_svnkit_jar_copied_into_dropins_when_supplied():
    dropins = "/opt/wso2/wso2am-2.6.0/repository/components/dropins/"
    jar = _host("ds-dc1-mgr1").file(dropins + "svnkit-all-1.8.7.wso2v1-testdouble.jar")
    assert jar.is_file
    assert jar.content_string.startswith("TEST DOUBLE")
    assert not _host("ds-dc2-mgr1").file(dropins + "svnkit-all-1.8.7.wso2v1-testdouble.jar").exists
