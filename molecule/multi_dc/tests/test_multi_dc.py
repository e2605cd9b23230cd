"""End to end across both DCs of the multi_dc scenario (deployed by site.yml).

Every check reads real state: SVN repositories, MariaDB tables, nginx, and the
sample pack's stand-in servers (a TEST DOUBLE for WSO2 API Manager, which also
emulates Carbon's SVN deployment synchronizer from carbon.xml). Traffic stays
inside the scenario's own containers; every wait is bounded.
"""
import contextlib
import json
import re
import uuid
from xml.etree import ElementTree

import pytest
from multidc_lab import (CARBON_HOME, SYNAPSE_API, apim_nodes, changed_hosts, clients, commit_reaches_every_other_dc,
                         flat, http_get, in_repository, node, site_yml, wait_for)
from multidc_lab import assert_the_only_committer_is as only_committer

DCS = ("dc1", "dc2")
APIM_NODES = {"dc1": ("mgr1", "mgr2", "wkr1", "wkr2"), "dc2": ("mgr1", "wkr1", "wkr2")}
ALL_APIM_NODES = apim_nodes(APIM_NODES)


def assert_the_only_committer_is(committer):
    only_committer(committer, ALL_APIM_NODES)


def sql(host, database, statement):
    return host.check_output("mariadb -N -B %s -e %s", database, statement)


def test_artifact_from_the_dc1_committer_reaches_dc2_mirror_and_dc2_checkout():
    commit_reaches_every_other_dc("dc1", DCS)


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


@pytest.mark.parametrize("writer, reader", [("dc2", "dc1"), ("dc1", "dc2")])
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
    assert int(written_id) % 2 == (1 if writer == "dc1" else 0)  # auto_increment_offset = DC index, increment 2


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


@pytest.mark.parametrize("dc, expected", [("dc1", 200), ("dc2", 404)])
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
    assert domains["dc1"] != domains["dc2"]


def main_pids():
    return dict((name, node(name).check_output("systemctl show -p MainPID --value wso2am")) for name in ALL_APIM_NODES)


def apim_yml(*extra):
    """site.yml limited to the APIM nodes, as a user runs it for a change that only concerns them (a heap size).

    The roll still drains the nodes through their DCs' load balancers, which are not in the limit.
    """
    return site_yml("--limit", "apim_managers:apim_workers", *extra)


def test_site_yml_refuses_to_move_the_master_dc_and_changes_nothing():
    """docs/master_move.md: the inventory now names dc2, the repositories say dc1. Limited to the APIM nodes too:
    the guard reads every DC's SVN server whatever the limit."""
    for limit in ((), ("--limit", "apim_managers:apim_workers")):
        rc, output = site_yml("-e", "apim_master_dc=dc2", "-e", "apim_depsync_committer=mdc-dc2-mgr1", *limit)
        assert rc != 0, output[-3000:]
        text = flat(output)
        assert ("site.yml does not move the master DC: the inventory names dc2 (apim_master_dc), but the real master "
                "is dc1; nothing was changed. Fix: set apim_master_dc back to dc1" in text), output[-3000:]
        assert re.search(r"DC dc1: mdc-dc1-infra at r[1-9]\d* records no svnsync source \(a master\)", text), text[-3000:]
        assert "DC dc2: mdc-dc2-infra at r" in text and "is a mirror of https://mdc-dc1-infra/svn/apim" in text
        assert "TASK [multidc.apim." not in output, "a role ran after the guard failed"
        assert changed_hosts(output) == []


# It leaves mgr2 as the committer. The committer is a setting of the APIM nodes only, so the run is limited to them.
def test_moving_the_committer_restarts_exactly_the_changed_nodes_and_only_its_artifacts_travel():
    before = main_pids()
    rc, output = apim_yml("-e", "apim_depsync_committer=mdc-dc1-mgr2")
    assert rc == 0, output[-3000:]
    assert changed_hosts(output) == ["mdc-dc1-mgr1", "mdc-dc1-mgr2"], output[-3000:]
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


def started_at():
    """Each APIM node's unit start time (monotonic, microseconds)."""
    return dict((name, int(node(name).check_output("systemctl show -p ActiveEnterTimestampMonotonic --value wso2am")))
                for name in ALL_APIM_NODES)


def upstream_lines(dc):
    return node("mdc-%s-lb" % dc).check_output("grep -h 'server ' /etc/nginx/multidc-apim/upstreams.conf")


def test_check_mode_lists_the_roll_in_order_and_touches_nothing():
    before, upstreams = started_at(), dict((dc, upstream_lines(dc)) for dc in DCS)
    # The committer test before this one left mgr2 the committer; check mode changes nothing, so verify at its end
    # must expect what is there.
    rc, output = apim_yml("--check", "-e", "worker_manager_jvm_heap_max=1100m", "-e", "apim_depsync_committer=mdc-dc1-mgr2")
    assert rc == 0, output[-3000:]
    assert ("would restart, in this order: mdc-dc2-wkr1 -> mdc-dc2-wkr2 -> mdc-dc2-mgr1 -> mdc-dc1-wkr1 -> "
            "mdc-dc1-wkr2 -> mdc-dc1-mgr1 -> mdc-dc1-mgr2") in flat(output), output[-3000:]
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
    with clients(DCS) as results:
        try:
            rc, output = apim_yml("-e", "worker_manager_jvm_heap_max=1100m", "-e", '{"apim_rolling_health_timeout": 10}')
            assert rc != 0, output[-3000:]
            assert "Rolling restart stopped at mdc-dc2-wkr2" in flat(output), output[-3000:]
            assert "the nodes after it were not restarted: mdc-dc2-mgr1, mdc-dc1-wkr1" in flat(output), output[-3000:]
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
    assert order == ["mdc-dc2-wkr1", "mdc-dc2-wkr2", "mdc-dc2-mgr1",
                     "mdc-dc1-wkr1", "mdc-dc1-wkr2", "mdc-dc1-mgr1", "mdc-dc1-mgr2"], order
    for dc in DCS:
        assert results[dc].get("requests", 0) > 100, results
        assert results[dc]["failures"] == 0, results
    assert "down" not in upstream_lines("dc1") + upstream_lines("dc2")


def test_the_same_change_all_at_once_does_fail_requests():
    """Shows that the client loop above can fail: with rolling off, every node of a DC is down together.

    Run on dc2's APIM nodes only (the limit), which is enough to take dc2's gateway away.
    """
    with clients(DCS) as results:
        rc, output = site_yml("--limit", "apim_managers:apim_workers:&dc2", "-e", "worker_manager_jvm_heap_max=1200m",
                              "-e", '{"apim_rolling_restart": false}')
    assert rc == 0, output[-3000:]
    assert results["dc2"].get("failures", 0) > 0, results
