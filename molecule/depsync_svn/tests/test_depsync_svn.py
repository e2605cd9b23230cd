"""Deployment synchronization across two DCs: SVN master in dc1, read-only mirror in dc2.

Every test acts on the real services (Apache + mod_dav_svn, svnsync, systemd
units) of the scenario's containers and polls with a bound in time.
"""
import re
import time
import uuid
import xml.etree.ElementTree as ET

import pytest

from conftest import host_named as _host
# Hosts are picked per test below; this module needs no per-host parametrisation.
testinfra_hosts = ["ansible://ds-dc1-svn"]

MASTER_URL = "https://ds-dc1-svn/svn/apim"
MIRROR_URL = "https://ds-dc2-svn/svn/apim"
# The deployment CA bundle, as the svn_mirror role installs it on every SVN server, and each of its
# certificates as a file of its own: the svn client reads one certificate per file of ssl-authority-files.
CA = "/etc/svn-mirror/tls/ca.pem"
AUTHORITIES = "$(ls /etc/svn-mirror/tls/ca-[0-9]*.pem | paste -sd ';' -)"
REPO = "/var/lib/svn/apim"
DEPSYNC = ("depsync", "ds-depsync")
SYNC = ("svnsync", "ds-svnsync")
CARBON_XML = "/opt/wso2/wso2am-2.6.0/repository/conf/carbon.xml"
CARBON_NS = {"c": "http://wso2.org/projects/carbon/carbon.xml"}
# The scenario's timer runs every 5 s; a catch-up must show well within this.
CATCH_UP_SECONDS = 40
# A mirror that answers again is level this soon, through the push's own
# retries (svn_mirror_retry_max_delay 4 s, the default, plus one sync).
LEVEL_AFTER_OUTAGE_SECONDS = 10
RETRY_MAX_DELAY = 4
# The scenario's svn_mirror_retry_window.
RETRY_WINDOW = 20


def _auth(account):
    return ("--non-interactive --no-auth-cache --username {} --password {} "
            "--config-option servers:global:ssl-authority-files={}").format(account[0], account[1], AUTHORITIES)


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
    """The push's journal lines from ``since`` (time.time()) on: to the microsecond, so that what a push logged in
    the same second, at the end of the test before, is not read as this test's."""
    return master.check_output("journalctl -t svn-mirror-push --since @%.6f --no-pager -o cat" % since)


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
    since = time.time()
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


def test_mirror_serves_checkouts_while_the_masters_front_end_is_down_and_still_gets_its_revisions(master, mirror):
    """The push reads the master's repository from disk (file://), so it needs the mirror's Apache, not the master's."""
    since = time.time()
    name = "outage-%s.xml" % uuid.uuid4().hex[:8]
    master.check_output("systemctl stop apache2")
    try:
        assert mirror.run("svn info %s %s" % (_auth(DEPSYNC), MASTER_URL)).rc != 0, "master still answers"
        checkout = mirror.run("rm -rf /root/wc && svn checkout -q %s %s /root/wc && ls /root/wc"
                              % (_auth(DEPSYNC), MIRROR_URL))
        assert checkout.rc == 0, checkout.stderr
        # A revision written on the master host itself while its HTTP front end
        # is down (hooks run as for any commit).
        local = master.run(
            "printf y > /tmp/outage && runuser -u www-data -- svnmucc -U file://%s -u depsync -m outage put /tmp/outage "
            "%s", REPO, name)
        assert local.rc == 0, local.stderr
        rev = youngest(master)
        assert wait_for(lambda: youngest(mirror) >= rev), push_log_since(master, since)
    finally:
        master.run("systemctl start apache2")
    assert mirror.check_output("svnlook cat %s %s", REPO, name) == "y"
    assert "pushed to %s up to r%d" % (MIRROR_URL, rev) in push_log_since(master, since)


def test_stale_sync_lock_is_recovered(master, mirror):
    since = time.time()
    lock = "ds-dc1-svn:%s" % uuid.uuid4()
    inject = master.run("svn propset --revprop -r 0 svn:sync-lock %s %s %s" % (lock, _auth(SYNC), MIRROR_URL))
    assert inject.rc == 0, inject.stderr
    assert revprop(mirror, "svn:sync-lock") == lock
    result = put(master, MASTER_URL, "after-lock-%s.xml" % uuid.uuid4().hex[:8], "z")
    assert result.rc == 0, result.stderr
    rev = youngest(master)
    assert wait_for(lambda: youngest(mirror) >= rev), "mirror stuck behind the injected lock"
    assert revprop(mirror, "svn:sync-lock") != lock
    # A push (timer every 5 s here) holds a lock of its own for a moment.
    assert wait_for(lambda: revprop(mirror, "svn:sync-lock") == "", seconds=10)
    assert "stale sync lock '%s'" % lock in push_log_since(master, since)


def test_dead_mirror_never_blocks_a_commit_and_is_retried(master, mirror):
    since = time.time()
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
    # Retried by the push (or the timer), no new commit needed; no lock left behind. A push that runs now (the
    # timer fires every 5 s here) holds a lock of its own for a moment, longer on a loaded machine; a lock left
    # behind by the failed push would have made a later push recover it as stale, and log so.
    assert wait_for(lambda: youngest(mirror) >= rev), "the push was not retried"
    assert wait_for(lambda: revprop(mirror, "svn:sync-lock") == "", seconds=10)
    assert "stale sync lock" not in push_log_since(master, since)


def _poll(host, condition, seconds):
    """Run the shell `condition` on host every 0.2 s for at most `seconds`: the epoch time it first held, or None."""
    out = host.check_output(
        "end=$(( $(date +%%s) + %d )); while [ $(date +%%s) -lt $end ]; do "
        "if %s >/dev/null 2>&1; then date +%%s.%%N; exit 0; fi; sleep 0.2; done; echo none" % (seconds, condition))
    return None if out == "none" else float(out)


def test_mirror_back_from_an_outage_is_level_within_seconds(master, mirror):
    """The push retries an unreachable mirror with a backoff: the timer cannot help (stopped), and two commits
    made while the mirror's Apache is down reach it within 10 s of Apache answering again."""
    since = time.time()
    master.check_output("systemctl stop svn-mirror-push@dc2.timer")
    try:
        mirror.check_output("systemctl stop apache2")
        try:
            for i in (1, 2):
                result = put(master, MASTER_URL, "outage-mirror-%d-%s.xml" % (i, uuid.uuid4().hex[:8]), "o%d" % i)
                assert result.rc == 0, result.stderr
            head = youngest(master)
            time.sleep(6)
            assert youngest(mirror) < head
        finally:
            mirror.check_output("systemctl start apache2")
        answering = _poll(master, "svn info %s %s" % (_auth(DEPSYNC), MIRROR_URL), 30)
        assert answering is not None, "the mirror's Apache does not answer"
        level = _poll(mirror, "[ $(svnlook youngest %s) -ge %d ]" % (REPO, head), 30)
        lag = "%.1f s" % (level - answering) if level is not None else "never (30 s)"
        print("mirror level after it answered again: " + lag)
        assert level is not None and level - answering <= LEVEL_AFTER_OUTAGE_SECONDS, \
            "mirror at r%d, master at r%d; level after it answered again: %s" % (youngest(mirror), head, lag)
    finally:
        master.run("systemctl start svn-mirror-push@dc2.timer")
    log = push_log_since(master, since)
    # The first attempt may reach the stopping Apache and fail in the sync itself.
    mirror_url, master_url = re.escape(MIRROR_URL), re.escape(MASTER_URL)
    retries = re.findall(r"^dc2: (?:mirror %s unreachable|sync of %s from %s failed): (.*); attempt (\d+), "
                         r"retrying in (\d+) s$" % (mirror_url, mirror_url, master_url), log, re.MULTILINE)
    assert len(retries) >= 3, log
    errors = [retry[0] for retry in retries]
    delays = [int(retry[2]) for retry in retries]
    assert all("Connection refused" in error for error in errors), log
    assert delays[:3] == [1, 2, 4], log
    assert max(delays) <= RETRY_MAX_DELAY, log
    assert re.search(r"^dc2: pushed to %s up to r%d at attempt \d+, after \d+ s$" % (mirror_url, head), log,
                     re.MULTILINE), log
    assert wait_for(lambda: revprop(mirror, "svn:sync-lock") == "", seconds=10)


def test_unresolvable_mirror_url_is_retried_for_the_window_then_fails(master):
    since = time.time()
    master.check_output(
        "printf 'MIRROR_URL=http://ds-nowhere-svn.invalid/svn/apim\\n' > /etc/svn-mirror/mirrors/bogus.conf")
    try:
        started = time.monotonic()
        run = master.run("timeout 60 systemctl start svn-mirror-push@bogus.service")
        elapsed = time.monotonic() - started
        assert run.rc != 0
        assert RETRY_WINDOW - RETRY_MAX_DELAY <= elapsed < RETRY_WINDOW + 15, "retried for %.1f s" % elapsed
        log = push_log_since(master, since)
        assert "bogus: mirror http://ds-nowhere-svn.invalid/svn/apim unreachable" in log
        assert "attempt 1, retrying in 1 s" in log
        assert re.search(r"^bogus: .*; attempt \d+, giving up after \d+ s \(retry window %d s\); the timer retries$"
                         % RETRY_WINDOW, log, re.MULTILINE), log
    finally:
        master.run("rm -f /etc/svn-mirror/mirrors/bogus.conf; "
                   "systemctl reset-failed svn-mirror-push@bogus.service")


def test_a_mirror_that_refuses_the_push_is_not_retried(master):
    """Only a server that does not answer is retried: a URL that is no repository fails at once."""
    since = time.time()
    master.check_output("printf 'MIRROR_URL=%s\\n' > /etc/svn-mirror/mirrors/bogus.conf", MIRROR_URL + "-nothere")
    try:
        started = time.monotonic()
        run = master.run("timeout 60 systemctl start svn-mirror-push@bogus.service")
        elapsed = time.monotonic() - started
        assert run.rc != 0
        assert elapsed < 10, "failed after %.1f s" % elapsed
        log = push_log_since(master, since)
        assert re.search(r"^bogus: mirror %s-nothere unreachable: .*E175003.*; the timer retries$"
                         % re.escape(MIRROR_URL), log, re.MULTILINE), log
        assert "retrying in" not in log
    finally:
        master.run("rm -f /etc/svn-mirror/mirrors/bogus.conf; "
                   "systemctl reset-failed svn-mirror-push@bogus.service")


def test_stopping_a_retrying_push_stops_it_at_once(master):
    since = time.time()
    master.check_output(
        "printf 'MIRROR_URL=http://ds-nowhere-svn.invalid/svn/apim\\n' > /etc/svn-mirror/mirrors/bogus.conf")
    try:
        master.check_output("systemctl start --no-block svn-mirror-push@bogus.service")
        assert wait_for(lambda: "attempt 2, retrying" in push_log_since(master, since), seconds=15)
        started = time.monotonic()
        master.check_output("systemctl stop svn-mirror-push@bogus.service")
        elapsed = time.monotonic() - started
        assert elapsed < 5, "stopping the retrying push took %.1f s" % elapsed
        assert master.run("systemctl is-active svn-mirror-push@bogus.service").stdout.strip() in ("inactive", "failed")
        assert master.run("pgrep -u svn-mirror -f 'svn-mirror-push bogus'").rc == 1
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
    assert value("SvnUrl") == "https://ds-%s-svn/svn/apim" % dc
    assert value("SvnUser") == "depsync"
    assert root.find("c:Axis2Config/c:DeploymentUpdateInterval", CARBON_NS).text.strip() == "10"


def test_svnkit_jar_copied_into_dropins_when_supplied():
    dropins = "/opt/wso2/wso2am-2.6.0/repository/components/dropins/"
    jar = _host("ds-dc1-mgr1").file(dropins + "svnkit-all-1.8.7.wso2v1-testdouble.jar")
    assert jar.is_file
    assert jar.content_string.startswith("TEST DOUBLE")
    assert not _host("ds-dc2-mgr1").file(dropins + "svnkit-all-1.8.7.wso2v1-testdouble.jar").exists
