"""The moves of the master DC across the three DCs of the master_move scenario (docs/master_move.md).

Deployed by site.yml, then, in order: a switchover dc1 -> dc2 with a client loop through every DC's load
balancer, site.yml refusing the old master, a failover to dc3 with dc2's containers stopped, and the rejoin of dc2,
after which site.yml changes nothing. Every check reads real state: SVN repositories, carbon.xml, nginx, and the
sample pack's stand-in servers (a TEST DOUBLE for WSO2 API Manager, which also emulates Carbon's SVN deployment
synchronizer). Traffic stays inside the scenario's own containers; every wait is bounded.
"""

import re
import subprocess
import uuid

from multidc_lab import (CARBON_HOME, SVN_REPOSITORY, SYNAPSE_API, apim_nodes, changed_hosts, clients, flat, http_get,
                         in_repository, node, playbook, site_yml, wait_for)
from multidc_lab import assert_the_only_committer_is as only_committer
from multidc_lab import auto_commit_in_carbon_xml
from multidc_lab import commit_reaches_every_other_dc as commit_reaches

DCS = ("dc1", "dc2", "dc3")
APIM_NODES = {"dc1": ("mgr1", "mgr2", "wkr1", "wkr2"), "dc2": ("mgr1", "wkr1", "wkr2"), "dc3": ("mgr1", "wkr1", "wkr2")}
ALL_APIM_NODES = apim_nodes(APIM_NODES)


def assert_the_only_committer_is(committer):
    only_committer(committer, ALL_APIM_NODES)


def commit_reaches_every_other_dc(committer_dc, dcs=DCS):
    return commit_reaches(committer_dc, dcs)


DC2_CONTAINERS = ["mdc-dc2-%s" % name for name in ("infra",) + APIM_NODES["dc2"] + ("lb",)]


def master_vars(dc):
    return ("-e", "apim_master_dc=%s" % dc, "-e", "apim_depsync_committer=mdc-%s-mgr1" % dc)


def repository(dc):
    """(youngest, uuid, svnsync source or '') of a DC's repository, read on its server."""
    host = node("mdc-%s-infra" % dc)
    source = host.run("svnlook propget --revprop -r0 %s svn:sync-from-url", SVN_REPOSITORY)
    return (int(host.check_output("svnlook youngest %s", SVN_REPOSITORY)),
            host.check_output("svnlook uuid %s", SVN_REPOSITORY),
            source.stdout.strip() if source.rc == 0 else "")


def revision_info(dc, revision):
    return node("mdc-%s-infra" % dc).check_output("svnlook info -r %s %s", str(revision), SVN_REPOSITORY)


def publisher_nodes(names=ALL_APIM_NODES):
    return sorted(name for name in names
                  if node(name).file(CARBON_HOME + "/repository/deployment/server/jaggeryapps/publisher").exists)


def test_a_switchover_moves_every_writer_to_dc2_with_no_failed_request_and_no_revision_lost():
    committed = commit_reaches_every_other_dc("dc1")
    head, deployment_uuid, dummy = repository("dc1")
    with clients(DCS) as results:
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
    # All at once, as a DC comes back: its load balancer may boot before the nodes its upstreams name, and its nginx
    # then stays down until the rejoin's load-balancer tier (the rejoin's roll drains nodes from it all the same).
    subprocess.run(["docker", "start"] + DC2_CONTAINERS, check=True, capture_output=True, timeout=120)
    for name in DC2_CONTAINERS:
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
        # Every revision of every repository reads back whole (a rejoin once left one corrupt).
        verified = node("mdc-%s-infra" % dc).run("svnadmin verify -q %s", SVN_REPOSITORY)
        assert verified.rc == 0, (dc, verified.stderr[-1000:])
    assert_the_only_committer_is("mdc-dc3-mgr1")
    assert publisher_nodes() == ["mdc-dc3-mgr1"]
    commit_reaches_every_other_dc("dc3")

    # A second run changes nothing: the whole deployment converged on its new master.
    rc, output = site_yml(*master_vars("dc3"))
    assert rc == 0 and changed_hosts(output) == [], output[-4000:]
