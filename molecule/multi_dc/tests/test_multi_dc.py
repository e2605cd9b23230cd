"""End to end across both DCs of the multi_dc scenario (deployed by site.yml).

Every check reads real state: SVN repositories, MariaDB tables, nginx, and the
sample pack's stand-in servers (a TEST DOUBLE for WSO2 API Manager, which also
emulates Carbon's SVN deployment synchronizer from carbon.xml). Traffic stays
inside the scenario's own containers; every wait is bounded.
"""
import json
import os
import time
import uuid

import pytest
import testinfra

INVENTORY = os.environ["MOLECULE_INVENTORY_FILE"]
DCS = ("dc1", "dc2")
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


def test_artifact_from_the_dc1_committer_reaches_dc2_mirror_and_dc2_checkout():
    artifact = "probe_%s.xml" % uuid.uuid4().hex[:10]
    committer, dc2_manager, dc2_svn = node("mdc-dc1-mgr1"), node("mdc-dc2-mgr1"), node("mdc-dc2-infra")
    committer.check_output("install -D -m 0644 /dev/null %s/%s", SYNAPSE_API, artifact)
    committer.check_output("printf '%%s' '<api name=\"%s\" context=\"/probe\"/>' > %s/%s", artifact, SYNAPSE_API, artifact)

    def in_dc2_mirror():
        tree = dc2_svn.run("svnlook tree --full-paths %s", SVN_REPOSITORY)
        return tree.rc == 0 and artifact in tree.stdout
    wait_for(in_dc2_mirror, "the commit reaching the dc2 mirror")
    wait_for(lambda: dc2_manager.file("%s/%s" % (SYNAPSE_API, artifact)).exists, "dc2's checkout of the artifact")
    assert artifact in dc2_manager.file("%s/%s" % (SYNAPSE_API, artifact)).content_string


def test_a_dc2_checkout_node_never_commits():
    dc2_manager, dc1_svn = node("mdc-dc2-mgr1"), node("mdc-dc1-infra")
    local_only = "local_%s.xml" % uuid.uuid4().hex[:10]
    dc2_manager.check_output("printf x > %s/%s", SYNAPSE_API, local_only)
    time.sleep(25)  # more than two update intervals of the stand-in's synchronizer
    assert local_only not in dc1_svn.check_output("svnlook tree --full-paths %s", SVN_REPOSITORY)


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
def test_publisher_exists_only_in_dc1(dc, expected):
    status, body = http_get(node("mdc-%s-lb" % dc), "https://127.0.0.1:9443/publisher/")
    assert status == expected, body
    for name in ("mgr1", "wkr1", "wkr2"):
        present = node("mdc-%s-%s" % (dc, name)).file(CARBON_HOME + "/repository/deployment/server/jaggeryapps/publisher").exists
        assert present == (dc == "dc1" and name == "mgr1")


def test_hazelcast_domains_differ_per_dc_and_members_stay_in_their_dc():
    domains = {}
    for dc in DCS:
        for name in ("mgr1", "wkr1", "wkr2"):
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
