"""End to end across the three DCs of the multi_dc scenario (deployed by site.yml), then the moves of the master DC.

Every check reads real state: SVN repositories, MariaDB tables, nginx, and the
sample pack's stand-in servers (a TEST DOUBLE for WSO2 API Manager, which also
emulates Carbon's SVN deployment synchronizer from carbon.xml). Traffic stays
inside the scenario's own containers; every wait is bounded.
"""
import contextlib
import json
import os
import re
import subprocess
import time
import uuid
from xml.etree import ElementTree

import pytest
import testinfra

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
REPO = os.environ["MOLECULE_PROJECT_DIRECTORY"]
DCS = ("dc1", "dc2", "dc3")
APIM_NODES = {"dc1": ("mgr1", "mgr2", "wkr1", "wkr2"), "dc2": ("mgr1", "wkr1", "wkr2"), "dc3": ("mgr1", "wkr1")}
ALL_APIM_NODES = ["mdc-%s-%s" % (dc, name) for dc in DCS for name in APIM_NODES[dc]]
CARBON_NS = {"c": "http://wso2.org/projects/carbon/carbon.xml"}
RECAP = re.compile(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
CARBON_HOME = "/opt/wso2/wso2am"
SYNAPSE_API = CARBON_HOME + "/repository/deployment/server/synapse-configs/default/api"
SVN_REPOSITORY = "/var/lib/svn/apim"
WAIT_SECONDS = 120


def node(name):
    return testinfra.get_host("ansible://%s?ansible_inventory=%s" % (name, INVENTORY))


def wait_for(check, what, seconds=WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(2)
    pytest.fail("%s did not happen within %d s (last: %r)" % (what, seconds, last))


def http_get(host, url):
    """Status and body of one GET made inside ``host``."""
    script = ("import ssl, sys, urllib.request, urllib.error\n"
              "ctx = ssl._create_unverified_context()\n"
              "try:\n r = urllib.request.urlopen(sys.argv[1], timeout=5, context=ctx); print(r.status); print(r.read().decode())\n"
              "except urllib.error.HTTPError as e:\n print(e.code); print(e.read().decode())\n")
    out = host.check_output("python3 -c %s %s", script, url)
    status, dummy, body = out.partition("\n")
    return int(status), body


def sql(host, database, statement):
    return host.check_output("mariadb -N -B %s -e %s", database, statement)


def commit_reaches_every_other_dc(committer_dc, committer="mgr1", dcs=DCS):
    """An artifact written at the committer of ``committer_dc`` reaches the mirror and a node of every other DC."""
    artifact = "probe_%s.xml" % uuid.uuid4().hex[:10]
    committer = node("mdc-%s-%s" % (committer_dc, committer))
    committer.check_output("install -D -m 0644 /dev/null %s/%s", SYNAPSE_API, artifact)
    committer.check_output("printf '%%s' '<api name=\"%s\" context=\"/probe\"/>' > %s/%s", artifact, SYNAPSE_API, artifact)
    for dc in dcs:
        if dc == committer_dc:
            continue
        wait_for(lambda: in_repository(node("mdc-%s-infra" % dc), artifact), "the commit reaching the %s mirror" % dc)
        manager = node("mdc-%s-mgr1" % dc)
        wait_for(lambda: manager.file("%s/%s" % (SYNAPSE_API, artifact)).exists, "%s's checkout of the artifact" % dc)
        assert artifact in manager.file("%s/%s" % (SYNAPSE_API, artifact)).content_string
    return artifact


def test_artifact_from_the_dc1_committer_reaches_the_mirror_and_checkout_of_dc2_and_dc3():
    commit_reaches_every_other_dc("dc1")


def auto_commit_in_carbon_xml(name):
    root = ElementTree.fromstring(node(name).file(CARBON_HOME + "/repository/conf/carbon.xml").content_string)
    return root.findtext("c:DeploymentSynchronizer/c:AutoCommit", namespaces=CARBON_NS).strip() == "true"


def auto_commit_loaded(name):
    """What the running server loaded at its start (the stand-in reports it, without the password)."""
    status, body = http_get(node(name), "http://127.0.0.1:9763/")
    assert status == 200, (name, body)
    settings = json.loads(body)["depsync_settings"]
    assert settings is not None, "%s runs with deployment synchronization off" % name
    return settings["auto_commit"]


def assert_the_only_committer_is(committer):
    on_disk = dict((name, auto_commit_in_carbon_xml(name)) for name in ALL_APIM_NODES)
    running = dict((name, auto_commit_loaded(name)) for name in ALL_APIM_NODES)
    expected = dict((name, name == committer) for name in ALL_APIM_NODES)
    assert (on_disk, running) == (expected, expected)


def test_only_the_committer_has_auto_commit_on_in_carbon_xml_and_in_the_running_server():
    assert_the_only_committer_is("mdc-dc1-mgr1")


@pytest.mark.parametrize("name", ["mdc-dc1-wkr1", "mdc-dc2-mgr1"])
def test_a_node_reaches_its_dcs_svn_and_database_over_tls_verified_by_what_it_trusts(name):
    """The running node synchronizes over https, its datasources require verified TLS, and the CA bundle it was
    given verifies the certificates its DC's SVN server and database present (docs/tls.md)."""
    host, dc = node(name), name.split("-")[1]
    status, body = http_get(host, "http://127.0.0.1:9763/")
    identity = json.loads(body)
    assert identity["depsync_settings"]["url"].startswith("https://mdc-%s-infra/svn/apim" % dc), identity
    assert identity["depsync"] == "synchronized", identity
    datasources = ElementTree.fromstring(host.file(CARBON_HOME + "/repository/conf/datasources/"
                                                   "master-datasources.xml").content_string)
    urls = [u.text.strip() for u in datasources.iter("url") if "mdc-%s-infra" % dc in u.text]
    assert len(urls) == 2, urls
    assert all(u.endswith("?autoReconnect=true&useSSL=true&requireSSL=true&verifyServerCertificate=true")
               for u in urls), urls
    for port, starttls in (("443", ()), ("3306", ("-starttls", "mysql"))):
        verified = host.run("openssl s_client -connect mdc-%s-infra:%s " + " ".join(["%s"] * len(starttls)) +
                            " -CAfile /etc/ssl/multidc-apim/dc-ca.pem -verify_hostname mdc-%s-infra "
                            "-verify_return_error </dev/null", dc, port, *starttls, dc)
        assert verified.rc == 0 and "Verify return code: 0 (ok)" in verified.stdout, (port, verified.stderr[-500:])


@pytest.mark.parametrize("writer, reader", [("dc2", "dc1"), ("dc1", "dc2"), ("dc3", "dc1"), ("dc1", "dc3")])
def test_db_rows_written_in_one_dc_are_visible_in_the_other(writer, reader):
    user = "e2e-%s-%s" % (writer, uuid.uuid4().hex[:8])
    source, target = node("mdc-%s-infra" % writer), node("mdc-%s-infra" % reader)
    sql(source, "WSO2AM_DB", "INSERT INTO AM_SUBSCRIBER (USER_ID, TENANT_ID, DATE_SUBSCRIBED) "
                             "VALUES ('%s', -1234, NOW())" % user)
    written_id = sql(source, "WSO2AM_DB", "SELECT SUBSCRIBER_ID FROM AM_SUBSCRIBER WHERE USER_ID='%s'" % user).strip()
    seen = wait_for(lambda: sql(target, "WSO2AM_DB",
                                "SELECT SUBSCRIBER_ID FROM AM_SUBSCRIBER WHERE USER_ID='%s'" % user).strip(),
                    "the %s row replicating to %s" % (writer, reader), seconds=30)
    assert seen == written_id
    # auto_increment_offset = the DC's position, auto_increment_increment = the number of DCs
    assert int(written_id) % len(DCS) == (DCS.index(writer) + 1) % len(DCS)


@pytest.mark.parametrize("dc", DCS)
def test_each_dc_load_balancer_is_sticky(dc):
    lb = node("mdc-%s-lb" % dc)
    nodes = set()
    for dummy in range(12):
        status, body = http_get(lb, "http://127.0.0.1:8280/")
        assert status == 200
        nodes.add(json.loads(body)["node"])
    assert len(nodes) == 1
    (backend,) = nodes
    assert backend.startswith("mdc-%s-wkr" % dc)


@pytest.mark.parametrize("dc, expected", [("dc1", 200), ("dc2", 404), ("dc3", 404)])
def test_publisher_exists_only_on_the_publisher_manager_of_dc1(dc, expected):
    status, body = http_get(node("mdc-%s-lb" % dc), "https://127.0.0.1:9443/publisher/")
    assert status == expected, body
    for name in APIM_NODES[dc]:
        present = node("mdc-%s-%s" % (dc, name)).file(CARBON_HOME + "/repository/deployment/server/jaggeryapps/publisher").exists
        assert present == (dc == "dc1" and name == "mgr1")


def wait_until_serving(name):
    wait_for(lambda: node(name).run("python3 -c %s", "import urllib.request as u; u.urlopen('http://127.0.0.1:9763/health')").rc == 0,
             "%s serving again" % name, seconds=60)


@contextlib.contextmanager
def stopped(name):
    """The node's APIM service stopped for the block, then started and serving again."""
    node(name).check_output("systemctl stop wso2am")
    try:
        yield
    finally:
        node(name).check_output("systemctl start wso2am")
        wait_until_serving(name)


def test_publisher_requests_through_the_master_lb_reach_only_publisher_managers():
    """With the publisher manager down, nginx must not fail over to mgr2, whose publisher is parked."""
    lb = node("mdc-dc1-lb")
    status, body = http_get(lb, "https://127.0.0.1:9443/publisher/")
    assert (status, body.strip()) == (200, "publisher served by mdc-dc1-mgr1")
    with stopped("mdc-dc1-mgr1"):
        answers = [http_get(lb, "https://127.0.0.1:9443/publisher/") for dummy in range(5)]
    assert [a for a in answers if "mdc-dc1-mgr2" in a[1]] == []
    assert {status for status, dummy in answers} == {502}


def test_hazelcast_domains_differ_per_dc_and_members_stay_in_their_dc():
    domains = {}
    for dc in DCS:
        for name in APIM_NODES[dc]:
            status, body = http_get(node("mdc-%s-%s" % (dc, name)), "http://127.0.0.1:9763/")
            assert status == 200
            clustering = json.loads(body)["clustering"]
            assert clustering["enabled"]
            domains.setdefault(dc, set()).add(clustering["domain"])
            assert clustering["members"], "no well-known members on mdc-%s-%s" % (dc, name)
            for member in clustering["members"]:
                assert member.startswith("mdc-%s-" % dc), "%s lists %s from another DC" % (name, member)
    assert all(len(d) == 1 for d in domains.values())
    assert len(set.union(*domains.values())) == len(DCS)


def main_pids():
    return dict((name, node(name).check_output("systemctl show -p MainPID --value wso2am")) for name in ALL_APIM_NODES)


def site_yml(*extra):
    """(rc, output) of site.yml on this scenario, as a user runs it; killed after 600 s."""
    # The inventory directory: the scenario's group_vars and host_vars live beside the hosts file.
    process = subprocess.run(["ansible-playbook", "-i", os.path.dirname(INVENTORY), os.path.join(REPO, "site.yml")]
                             + list(extra),
                             capture_output=True, text=True, timeout=600, cwd=REPO, check=False,
                             env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PY_COLORS="0"))
    return process.returncode, process.stdout + process.stderr


def apim_yml(*extra):
    """site.yml limited to the APIM nodes, as a user runs it for a change that only concerns them (a heap size).

    The roll still drains the nodes through their DCs' load balancers, which are not in the limit.
    """
    return site_yml("--limit", "apim_managers:apim_workers", *extra)


def in_repository(host, artifact):
    tree = host.run("svnlook tree --full-paths %s", SVN_REPOSITORY)
    return tree.rc == 0 and artifact in tree.stdout


def test_site_yml_refuses_to_move_the_master_dc_and_changes_nothing():
    """docs/master_move.md: the inventory now names dc2, the repositories say dc1. Limited to the APIM nodes too:
    the guard reads every DC's SVN server whatever the limit."""
    for limit in ((), ("--limit", "apim_managers:apim_workers")):
        rc, output = site_yml("-e", "apim_master_dc=dc2", "-e", "apim_depsync_committer=mdc-dc2-mgr1", *limit)
        assert rc != 0, output[-3000:]
        flat = " ".join(output.split())
        assert ("site.yml does not move the master DC: the inventory names dc2 (apim_master_dc), but the real master "
                "is dc1; nothing was changed. Fix: set apim_master_dc back to dc1" in flat), output[-3000:]
        assert re.search(r"DC dc1: mdc-dc1-infra at r[1-9]\d* records no svnsync source \(a master\)", flat), flat[-3000:]
        assert "DC dc2: mdc-dc2-infra at r" in flat and "is a mirror of https://mdc-dc1-infra/svn/apim" in flat
        assert "TASK [multidc.apim." not in output, "a role ran after the guard failed"
        assert [host for host, changed, dummy, dummy2 in RECAP.findall(output) if int(changed)] == []


# It leaves mgr2 as the committer. The committer is a setting of the APIM nodes only, so the run is limited to them.
def test_moving_the_committer_restarts_exactly_the_changed_nodes_and_only_its_artifacts_travel():
    before = main_pids()
    rc, output = apim_yml("-e", "apim_depsync_committer=mdc-dc1-mgr2")
    assert rc == 0, output[-3000:]
    changed = sorted(host for host, count, dummy, dummy2 in RECAP.findall(output) if int(count))
    assert changed == ["mdc-dc1-mgr1", "mdc-dc1-mgr2"], output[-3000:]
    after = main_pids()
    assert sorted(name for name in ALL_APIM_NODES if after[name] != before[name]) == ["mdc-dc1-mgr1", "mdc-dc1-mgr2"]
    for name in ("mdc-dc1-mgr1", "mdc-dc1-mgr2"):
        wait_until_serving(name)
    assert_the_only_committer_is("mdc-dc1-mgr2")

    old, new = ("move_%s_%s.xml" % (who, uuid.uuid4().hex[:8]) for who in ("old", "new"))
    old_committer, new_committer = node("mdc-dc1-mgr1"), node("mdc-dc1-mgr2")
    old_committer.check_output("printf x > %s/%s", SYNAPSE_API, old)
    new_committer.check_output("printf x > %s/%s", SYNAPSE_API, new)
    wait_for(lambda: in_repository(node("mdc-dc2-infra"), new), "the new committer's artifact reaching the dc2 mirror")
    wait_for(lambda: node("mdc-dc2-mgr1").file("%s/%s" % (SYNAPSE_API, new)).exists, "dc2's checkout of it")
    # Once the old committer has checked the new artifact out, it has run a
    # synchronizer cycle after its own file was written: with AutoCommit on,
    # that cycle would have committed it.
    wait_for(lambda: old_committer.file("%s/%s" % (SYNAPSE_API, new)).exists, "the old committer's update")
    assert not in_repository(node("mdc-dc1-infra"), old)
    assert not in_repository(node("mdc-dc2-infra"), old)


# --- Rolling restarts (docs/rolling.md) ----------------------------------------------------------
# A client inside each DC's load balancer container GETs the gateway while
# site.yml changes the JVM heap of every APIM node (their unit changes, so
# every node must restart). Bounded: at most CLIENT_REQUESTS requests and
# CLIENT_SECONDS seconds, and it stops when the test writes its stop file.

CLIENT_REQUESTS = 20000
CLIENT_SECONDS = 900
# The client runs inside the load balancer container (python3 -c <this file>).
with open(os.path.join(REPO, "tests", "tools", "gateway_client.py")) as _handle:
    CLIENT = _handle.read()


@contextlib.contextmanager
def clients():
    """One bounded client loop per DC's load balancer; yields a dict that is filled with their results."""
    results = {}
    stop = "/tmp/multidc-client-stop-%s" % uuid.uuid4().hex[:8]
    loops = dict((dc, subprocess.Popen(["docker", "exec", "mdc-%s-lb" % dc, "python3", "-c", CLIENT, stop,
                                        str(CLIENT_REQUESTS), str(CLIENT_SECONDS)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
                 for dc in DCS)
    try:
        time.sleep(2)
        yield results
    finally:
        for dc in DCS:
            subprocess.run(["docker", "exec", "mdc-%s-lb" % dc, "touch", stop], check=False, timeout=30)
        for dc, loop in loops.items():
            out, err = loop.communicate(timeout=60)
            results[dc] = json.loads(out) if out.strip() else {"error": err}


def started_at():
    """Each APIM node's unit start time (monotonic, microseconds)."""
    return dict((name, int(node(name).check_output("systemctl show -p ActiveEnterTimestampMonotonic --value wso2am")))
                for name in ALL_APIM_NODES)


def flat(output):
    """The output with the line wrapping of the YAML callback undone."""
    return " ".join(output.split())


def upstream_lines(dc):
    return node("mdc-%s-lb" % dc).check_output("grep -h 'server ' /etc/nginx/multidc-apim/upstreams.conf")


def test_check_mode_lists_the_roll_in_order_and_touches_nothing():
    before, upstreams = started_at(), dict((dc, upstream_lines(dc)) for dc in DCS)
    # The committer test before this one left mgr2 the committer; check mode changes nothing, so verify at its end
    # must expect what is there.
    rc, output = apim_yml("--check", "-e", "worker_manager_jvm_heap_max=1100m", "-e", "apim_depsync_committer=mdc-dc1-mgr2")
    assert rc == 0, output[-3000:]
    assert ("would restart, in this order: mdc-dc2-wkr1 -> mdc-dc2-wkr2 -> mdc-dc2-mgr1 -> mdc-dc3-wkr1 -> "
            "mdc-dc3-mgr1 -> mdc-dc1-wkr1 -> mdc-dc1-wkr2 -> mdc-dc1-mgr1 -> mdc-dc1-mgr2") in flat(output), output[-3000:]
    assert started_at() == before
    assert dict((dc, upstream_lines(dc)) for dc in DCS) == upstreams


BROKEN = "/etc/systemd/system/wso2am.service.d/never-ready.conf"


def test_a_change_rolls_with_no_failed_request_and_a_node_that_does_not_come_back_stops_the_roll_until_fixed():
    """One change (a heap size: every node's unit changes) rolled over two runs, with a client loop in each DC.

    The first run meets a node that never becomes healthy (dc2-wkr2): the roll stops there, names it, leaves it
    drained and touches no later node, while its DC serves through the other worker. Once it is fixed, the next run
    resumes with the nodes still pending. Across both runs every node restarts, DC by DC and node by node, and the
    clients see no failed request.
    """
    broken = node("mdc-dc2-wkr2")
    broken.check_output("install -D -m 0644 /dev/null %s && printf '[Service]\\nEnvironment=MULTIDC_APIM_STARTUP_SECONDS=100000\\n' > %s"
                        " && systemctl daemon-reload", BROKEN, BROKEN)
    before = started_at()
    with clients() as results:
        try:
            rc, output = apim_yml("-e", "worker_manager_jvm_heap_max=1100m", "-e", '{"apim_rolling_health_timeout": 10}')
            assert rc != 0, output[-3000:]
            assert "Rolling restart stopped at mdc-dc2-wkr2" in flat(output), output[-3000:]
            assert "the nodes after it were not restarted: mdc-dc2-mgr1, mdc-dc3-wkr1" in flat(output), output[-3000:]
            stopped = started_at()
            restarted = sorted(name for name in ALL_APIM_NODES if stopped[name] != before[name])
            assert restarted == ["mdc-dc2-wkr1", "mdc-dc2-wkr2"], restarted
            # The node stays drained; its DC still serves through the other worker.
            assert re.search(r"server mdc-dc2-wkr2:\d+ [^;]* down;", upstream_lines("dc2"))
            status, body = http_get(node("mdc-dc2-lb"), "http://127.0.0.1:8280/")
            assert (status, json.loads(body)["node"]) == (200, "mdc-dc2-wkr1")
        finally:
            broken.check_output("rm -f %s && systemctl daemon-reload", BROKEN)
        rc, output = apim_yml("-e", "worker_manager_jvm_heap_max=1100m")
        assert rc == 0, output[-3000:]
    after = started_at()
    # The resumed run restarted every node still pending, and not dc2-wkr1, already on the new configuration.
    assert sorted(name for name in ALL_APIM_NODES if after[name] != stopped[name]) == sorted(
        set(ALL_APIM_NODES) - {"mdc-dc2-wkr1"})
    # Non-master DC first, node by node; the master DC last.
    order = sorted(ALL_APIM_NODES, key=lambda name: after[name])
    assert order == ["mdc-dc2-wkr1", "mdc-dc2-wkr2", "mdc-dc2-mgr1", "mdc-dc3-wkr1", "mdc-dc3-mgr1",
                     "mdc-dc1-wkr1", "mdc-dc1-wkr2", "mdc-dc1-mgr1", "mdc-dc1-mgr2"], order
    for dc in DCS:
        assert results[dc].get("requests", 0) > 100, results
        assert results[dc]["failures"] == 0, results
    assert "down" not in "".join(upstream_lines(dc) for dc in DCS)


def test_the_same_change_all_at_once_does_fail_requests():
    """Shows that the client loop above can fail: with rolling off, every node of a DC is down together.

    Run on dc2's APIM nodes only (the limit), which is enough to take dc2's gateway away.
    """
    with clients() as results:
        rc, output = site_yml("--limit", "apim_managers:apim_workers:&dc2", "-e", "worker_manager_jvm_heap_max=1200m",
                              "-e", '{"apim_rolling_restart": false}')
    assert rc == 0, output[-3000:]
    assert results["dc2"].get("failures", 0) > 0, results


# --- Moving the master DC (docs/master_move.md) ----------------------------------------------------
# In order: a switchover dc1 -> dc2 with a client loop in every DC, site.yml refusing the old master,
# a failover to dc3 with dc2's containers stopped, and the rejoin of dc2. The inventory's master is
# given as extra vars, as the inventory would carry it.

# Started in this order: a load balancer whose backends do not resolve yet fails to start (nginx resolves the
# upstream names at start), as it would in a real DC that comes back all at once.
DC2_CONTAINERS = ["mdc-dc2-%s" % name for name in ("infra",) + APIM_NODES["dc2"] + ("lb",)]


def master_vars(dc):
    return ("-e", "apim_master_dc=%s" % dc, "-e", "apim_depsync_committer=mdc-%s-mgr1" % dc)


def playbook(name, *extra):
    """(rc, output) of a playbook of the collection on this scenario; killed after 900 s."""
    process = subprocess.run(["ansible-playbook", "-i", os.path.dirname(INVENTORY), os.path.join(REPO, name)]
                             + list(extra),
                             capture_output=True, text=True, timeout=900, cwd=REPO, check=False,
                             env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PY_COLORS="0"))
    return process.returncode, process.stdout + process.stderr


def changed_hosts(output):
    return sorted(host for host, changed, dummy, dummy2 in RECAP.findall(output) if int(changed))


def repository(dc):
    """(youngest, uuid, svnsync source or '') of a DC's repository, read on its server."""
    host = node("mdc-%s-infra" % dc)
    source = host.run("svnlook propget --revprop -r0 %s svn:sync-from-url", SVN_REPOSITORY)
    return (int(host.check_output("svnlook youngest %s", SVN_REPOSITORY)),
            host.check_output("svnlook uuid %s", SVN_REPOSITORY),
            source.stdout.strip() if source.rc == 0 else "")


def revision_info(dc, revision):
    return node("mdc-%s-infra" % dc).check_output("svnlook info -r %s %s", revision, SVN_REPOSITORY)


def publisher_nodes(names=ALL_APIM_NODES):
    return sorted(name for name in names
                  if node(name).file(CARBON_HOME + "/repository/deployment/server/jaggeryapps/publisher").exists)


def test_a_switchover_moves_every_writer_to_dc2_with_no_failed_request_and_no_revision_lost():
    committed = commit_reaches_every_other_dc("dc1")
    head, deployment_uuid, dummy = repository("dc1")
    with clients() as results:
        rc, output = playbook("playbooks/switchover.yml", *master_vars("dc2"))
    assert rc == 0, output[-4000:]
    text = flat(output)
    assert "switchover to master DC dc2 (apim_master_dc); real master: dc1" in text, text[-4000:]
    assert "1. freeze dc1: AutoCommit off on its committer" in text
    assert "every mirror holds r%d, the old master's revision" % head in text
    for dc in DCS:
        assert results[dc].get("requests", 0) > 50, results
        assert results[dc]["failures"] == 0, results

    new_master = repository("dc2")
    assert new_master[2] == "" and new_master[0] >= head
    for dc in ("dc1", "dc3"):
        assert repository(dc) == (new_master[0], new_master[1], "https://mdc-dc2-infra/svn/apim")
    assert new_master[1] == deployment_uuid
    # Nothing lost: the old master's last revision is the same revision in every DC.
    assert revision_info("dc2", head) == revision_info("dc1", head) == revision_info("dc3", head)
    assert in_repository(node("mdc-dc2-infra"), committed)
    assert_the_only_committer_is("mdc-dc2-mgr1")
    assert publisher_nodes() == ["mdc-dc2-mgr1"]
    status, body = http_get(node("mdc-dc2-lb"), "https://127.0.0.1:9443/publisher/")
    assert (status, body.strip()) == (200, "publisher served by mdc-dc2-mgr1")
    assert http_get(node("mdc-dc1-lb"), "https://127.0.0.1:9443/publisher/")[0] == 404
    commit_reaches_every_other_dc("dc2")

    rc, output = site_yml(*master_vars("dc1"))
    assert rc != 0 and changed_hosts(output) == [], output[-3000:]
    assert ("site.yml does not move the master DC: the inventory names dc1 (apim_master_dc), but the real master is "
            "dc2; nothing was changed. Fix: set apim_master_dc back to dc2, or move the master DC with "
            "playbooks/switchover.yml") in flat(output), output[-3000:]


def test_a_failover_to_dc3_with_dc2_lost_promotes_dc3_at_its_revision():
    rc, output = playbook("playbooks/failover.yml", *master_vars("dc3"))
    assert rc != 0 and changed_hosts(output) == [], output[-3000:]
    assert ("DC dc2 holds the master SVN repository and answers: a failover would leave two masters. Fix: run "
            "playbooks/switchover.yml") in flat(output), output[-3000:]

    # A revision that only dc2 takes: its pushes are stopped, then its committer commits, then dc2 is lost.
    dc2_svn = node("mdc-dc2-infra")
    dc2_svn.check_output("systemctl stop 'svn-mirror-push@*.socket' 'svn-mirror-push@*.timer'")
    stranded = "stranded_%s.xml" % uuid.uuid4().hex[:8]
    node("mdc-dc2-mgr1").check_output("printf x > %s/%s", SYNAPSE_API, stranded)
    wait_for(lambda: in_repository(dc2_svn, stranded), "the dc2 committer's commit in dc2's repository")
    subprocess.run(["docker", "stop", "-t", "5"] + DC2_CONTAINERS, check=True, capture_output=True, timeout=120)
    promoted_at = repository("dc3")[0]
    assert not in_repository(node("mdc-dc3-infra"), stranded)

    rc, output = playbook("playbooks/failover.yml", *master_vars("dc3"))
    assert rc != 0 and changed_hosts(output) == [], output[-3000:]
    assert "leave them out with --limit '!dc2'" in flat(output), output[-3000:]

    rc, output = playbook("playbooks/failover.yml", "--limit", "!dc2", *master_vars("dc3"))
    assert rc == 0, output[-4000:]
    text = flat(output)
    assert ("2. promote dc3 at r%d, the revision it holds: commits dc2 took after r%d may exist; they are saved to a "
            "dump file when dc2 rejoins (playbooks/rejoin.yml)" % (promoted_at, promoted_at)) in text, text[-4000:]
    assert "replication connections that stay down until dc2 returns: dc2 into dc1, dc2 into dc3" in text
    youngest, deployment_uuid, source = repository("dc3")
    assert source == "" and youngest >= promoted_at
    assert repository("dc1") == (youngest, deployment_uuid, "https://mdc-dc3-infra/svn/apim")
    survivors = [name for name in ALL_APIM_NODES if not name.startswith("mdc-dc2-")]
    assert [name for name in survivors if auto_commit_in_carbon_xml(name)] == ["mdc-dc3-mgr1"]
    assert publisher_nodes(survivors) == ["mdc-dc3-mgr1"]
    status, body = http_get(node("mdc-dc3-lb"), "https://127.0.0.1:9443/publisher/")
    assert (status, body.strip()) == (200, "publisher served by mdc-dc3-mgr1")
    commit_reaches_every_other_dc("dc3", dcs=("dc1", "dc3"))


def test_the_rejoin_of_dc2_saves_its_stranded_revision_and_makes_it_a_mirror_of_dc3():
    for name in DC2_CONTAINERS:
        subprocess.run(["docker", "start", name], check=True, capture_output=True, timeout=120)
        wait_for(lambda: subprocess.run(["docker", "exec", name, "systemctl", "is-system-running", "--wait"],
                                        capture_output=True, text=True, timeout=120, check=False).stdout.strip()
                 in ("running", "degraded"), "%s booted" % name)
    stranded_revision = repository("dc2")[0]

    rc, output = site_yml(*master_vars("dc3"))
    assert rc != 0 and changed_hosts(output) == [], output[-3000:]
    assert ("more than one DC holds a master SVN repository (dc2, dc3): their histories have split; nothing was "
            "changed. Fix: run playbooks/rejoin.yml") in flat(output), output[-3000:]

    rc, output = playbook("playbooks/rejoin.yml", *master_vars("dc3"))
    assert rc == 0, output[-4000:]
    saved = re.search(r"DC dc2 \(mdc-dc2-infra\): saved r(\d+):(\d+) to (\S+\.svndump); the repository as it was is "
                      r"kept at (\S+)", flat(output))
    assert saved, flat(output)[-4000:]
    first, last, dump_file, kept = int(saved.group(1)), int(saved.group(2)), saved.group(3), saved.group(4)
    assert last >= stranded_revision > first - 1
    dc2_svn = node("mdc-dc2-infra")
    dump = dc2_svn.check_output("cat %s", dump_file)
    assert re.search(r"Node-path: \S*stranded_\w+\.xml", dump), dump[:2000]
    stranded = re.search(r"Node-path: \S*/(stranded_\w+\.xml)", dump).group(1)
    assert dc2_svn.file(kept + "/format").exists
    youngest, deployment_uuid, source = repository("dc3")
    assert repository("dc2") == (youngest, deployment_uuid, "https://mdc-dc3-infra/svn/apim")
    for dc in ("dc1", "dc2", "dc3"):
        history = node("mdc-%s-infra" % dc).check_output("svn log -q -v file://%s", SVN_REPOSITORY)
        assert stranded not in history, dc
    assert_the_only_committer_is("mdc-dc3-mgr1")
    assert publisher_nodes() == ["mdc-dc3-mgr1"]
    commit_reaches_every_other_dc("dc3")

    # A second run changes nothing: the whole deployment converged on its new master.
    rc, output = site_yml(*master_vars("dc3"))
    assert rc == 0 and changed_hosts(output) == [], output[-4000:]
