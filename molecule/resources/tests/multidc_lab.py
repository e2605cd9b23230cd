"""What the multi-DC scenarios' tests (multi_dc, master_move) read and run, in one place.

Every reader looks at real state inside the scenario's own containers: SVN repositories, carbon.xml, and the sample
pack's stand-in servers (a TEST DOUBLE for WSO2 API Manager). Every wait is bounded. The verifier puts this
directory on PYTHONPATH (.config/molecule/config.yml).
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
CARBON_NS = {"c": "http://wso2.org/projects/carbon/carbon.xml"}
RECAP = re.compile(r"^(\S+)\s+:\s+ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
CARBON_HOME = "/opt/wso2/wso2am"
SYNAPSE_API = CARBON_HOME + "/repository/deployment/server/synapse-configs/default/api"
SVN_REPOSITORY = "/var/lib/svn/apim"
WAIT_SECONDS = 120
# A client loop is bounded in requests and seconds, and stops when its stop file appears.
CLIENT_REQUESTS = 20000
CLIENT_SECONDS = 900
# The client runs inside a load balancer container (python3 -c <this file>).
with open(os.path.join(REPO, "tests", "tools", "gateway_client.py")) as _handle:
    CLIENT = _handle.read()


def apim_nodes(layout):
    """Every APIM node's name, from {dc: (short names)}."""
    return ["mdc-%s-%s" % (dc, name) for dc in sorted(layout) for name in layout[dc]]


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


def playbook(name, *extra, **kwargs):
    """(rc, output) of a playbook of the collection on this scenario, as a user runs it; killed after ``timeout``."""
    # The inventory directory: the scenario's group_vars and host_vars live beside the hosts file.
    process = subprocess.run(["ansible-playbook", "-i", os.path.dirname(INVENTORY), os.path.join(REPO, name)]
                             + list(extra),
                             capture_output=True, text=True, timeout=kwargs.get("timeout", 900), cwd=REPO,
                             check=False,
                             env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PY_COLORS="0"))
    return process.returncode, process.stdout + process.stderr


def site_yml(*extra):
    return playbook("site.yml", *extra, timeout=600)


def flat(output):
    """The output with the line wrapping of the YAML callback undone."""
    return " ".join(output.split())


def changed_hosts(output):
    return sorted(host for host, changed, dummy, dummy2 in RECAP.findall(output) if int(changed))


def in_repository(host, artifact):
    tree = host.run("svnlook tree --full-paths %s", SVN_REPOSITORY)
    return tree.rc == 0 and artifact in tree.stdout


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


def assert_the_only_committer_is(committer, names):
    on_disk = dict((name, auto_commit_in_carbon_xml(name)) for name in names)
    running = dict((name, auto_commit_loaded(name)) for name in names)
    expected = dict((name, name == committer) for name in names)
    assert (on_disk, running) == (expected, expected)


def commit_reaches_every_other_dc(committer_dc, dcs, committer="mgr1"):
    """An artifact written at the committer of ``committer_dc`` reaches the repository and mgr1 of every other DC."""
    artifact = "probe_%s.xml" % uuid.uuid4().hex[:10]
    writer = node("mdc-%s-%s" % (committer_dc, committer))
    writer.check_output("install -D -m 0644 /dev/null %s/%s", SYNAPSE_API, artifact)
    writer.check_output("printf '%%s' '<api name=\"%s\" context=\"/probe\"/>' > %s/%s", artifact, SYNAPSE_API, artifact)
    for dc in dcs:
        if dc == committer_dc:
            continue
        wait_for(lambda: in_repository(node("mdc-%s-infra" % dc), artifact), "the commit reaching the %s mirror" % dc)
        manager = node("mdc-%s-mgr1" % dc)
        wait_for(lambda: manager.file("%s/%s" % (SYNAPSE_API, artifact)).exists, "%s's checkout of the artifact" % dc)
        assert artifact in manager.file("%s/%s" % (SYNAPSE_API, artifact)).content_string
    return artifact


@contextlib.contextmanager
def clients(dcs):
    """One bounded client loop per DC's load balancer; yields a dict that is filled with their results."""
    results = {}
    stop = "/tmp/multidc-client-stop-%s" % uuid.uuid4().hex[:8]
    loops = dict((dc, subprocess.Popen(["docker", "exec", "mdc-%s-lb" % dc, "python3", "-c", CLIENT, stop,
                                        str(CLIENT_REQUESTS), str(CLIENT_SECONDS)],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
                 for dc in dcs)
    try:
        time.sleep(2)
        yield results
    finally:
        for dc in dcs:
            subprocess.run(["docker", "exec", "mdc-%s-lb" % dc, "touch", stop], check=False, timeout=30)
        for dc, loop in loops.items():
            out, err = loop.communicate(timeout=60)
            results[dc] = json.loads(out) if out.strip() else {"error": err}
